# contrib/: systemd units for the two daemons, with the configured paths filled in.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = contrib/systemd/ecluse-smtpd.service contrib/systemd/ecluse-web.service
EXTRA_DIST += contrib/systemd/ecluse-smtpd.service.in contrib/systemd/ecluse-web.service.in
CLEANFILES += $(systemdunit_DATA)

edit_unit = $(MKDIR_P) contrib/systemd && sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'

contrib/systemd/ecluse-smtpd.service: $(srcdir)/contrib/systemd/ecluse-smtpd.service.in Makefile
	$(AM_V_GEN)$(edit_unit) $(srcdir)/contrib/systemd/ecluse-smtpd.service.in > $@
contrib/systemd/ecluse-web.service: $(srcdir)/contrib/systemd/ecluse-web.service.in Makefile
	$(AM_V_GEN)$(edit_unit) $(srcdir)/contrib/systemd/ecluse-web.service.in > $@
