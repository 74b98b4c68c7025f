# ctl/: eclusectl, one file per command (ctl/cmd_*.c), the table in ctl/main.c.
bin_PROGRAMS += ctl/eclusectl
ctl_eclusectl_SOURCES = ctl/ctl.h ctl/main.c \
	ctl/cmd_auth.c \
	ctl/cmd_held.c ctl/cmd_whitelist.c ctl/cmd_stats.c ctl/cmd_challenge.c \
	ctl/cmd_digest.c \
	ctl/cmd_domains.c \
	ctl/ctlstore.h ctl/ctlstore.c ctl/output.h ctl/output.c
ctl_eclusectl_CPPFLAGS = $(AM_CPPFLAGS) -DECLUSE_DATADIR='"$(pkgdatadir)"'
ctl_eclusectl_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CARES_CFLAGS) $(SODIUM_CFLAGS)
ctl_eclusectl_LDADD = digest/libdigest.a smtpd/libsmtpd.a auth/libauth.a store/libstore.a \
	common/libcommon.a \
	$(LIBEVENT_LIBS) $(CARES_LIBS) $(OPENSSL_LIBS) $(STORE_LIBS) $(SODIUM_LIBS) $(INIH_LIBS) \
	$(IDN2_LIBS)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ctl_output
TESTS += tests/unit/test_ctl_output
tests_unit_test_ctl_output_SOURCES = tests/unit/test_ctl_output.c ctl/output.c
tests_unit_test_ctl_output_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_ctl_output_LDADD = $(CMOCKA_LIBS)
endif
