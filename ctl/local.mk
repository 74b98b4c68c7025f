# ctl/: eclusectl, one file per command (ctl/cmd_*.c), the table in ctl/main.c.
bin_PROGRAMS += ctl/eclusectl
ctl_eclusectl_SOURCES = ctl/ctl.h ctl/main.c \
	ctl/cmd_auth.c \
	ctl/cmd_held.c ctl/cmd_whitelist.c ctl/cmd_stats.c ctl/cmd_challenge.c \
	ctl/cmd_digest.c ctl/digest.c ctl/digest.h \
	ctl/cmd_domains.c \
	ctl/ctlstore.h ctl/ctlstore.c ctl/output.h ctl/output.c
ctl_eclusectl_CPPFLAGS = $(AM_CPPFLAGS) -DECLUSE_DATADIR='"$(pkgdatadir)"'
ctl_eclusectl_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CARES_CFLAGS) $(SODIUM_CFLAGS)
ctl_eclusectl_LDADD = smtpd/libsmtpd.a auth/libauth.a store/libstore.a common/libcommon.a \
	$(LIBEVENT_LIBS) $(CARES_LIBS) $(OPENSSL_LIBS) $(STORE_LIBS) $(SODIUM_LIBS) $(INIH_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ctl_output
TESTS += tests/unit/test_ctl_output
tests_unit_test_ctl_output_SOURCES = tests/unit/test_ctl_output.c ctl/output.c
tests_unit_test_ctl_output_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ctl_output_LDADD = $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test_digest
TESTS += tests/unit/test_digest
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c ctl/digest.c
tests_unit_test_digest_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_digest_LDADD = common/libcommon.a $(SODIUM_LIBS) $(CMOCKA_LIBS)
endif

# Digest mail templates, installed with the pages' (release-web/local.mk).
nobase_dist_pkgdata_DATA += \
	templates/en/digest.subject templates/en/digest.txt templates/en/digest-row.txt \
	templates/en/digest.html templates/en/digest-row.html \
	templates/fr/digest.subject templates/fr/digest.txt templates/fr/digest-row.txt \
	templates/fr/digest.html templates/fr/digest-row.html
