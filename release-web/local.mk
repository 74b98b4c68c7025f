# release-web: see its files
