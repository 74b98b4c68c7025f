# ctl: see its files
