# smtpd/: ecluse-smtpd, the in-transaction relay MX.
noinst_LIBRARIES += smtpd/libsmtpd.a
smtpd_libsmtpd_a_SOURCES = \
	smtpd/client.c smtpd/client.h \
	smtpd/data.c smtpd/data.h \
	smtpd/parse.c smtpd/parse.h \
	smtpd/pool.c smtpd/pool.h \
	smtpd/reinject.c smtpd/reinject.h \
	smtpd/server.c smtpd/server.h \
	smtpd/session.c smtpd/session.h \
	smtpd/tls.c smtpd/tls.h \
	smtpd/verdict.c smtpd/verdict.h
smtpd_libsmtpd_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS) $(CARES_CFLAGS)

sbin_PROGRAMS += smtpd/ecluse-smtpd
smtpd_ecluse_smtpd_SOURCES = smtpd/main.c
smtpd_ecluse_smtpd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)
smtpd_ecluse_smtpd_CPPFLAGS = $(AM_CPPFLAGS) -DECLUSE_DATADIR='"$(pkgdatadir)"'
smtpd_ecluse_smtpd_LDADD = smtpd/libsmtpd.a auth/libauth.a store/libstore.a \
	common/libcommon.a $(LIBEVENT_LIBS) $(CARES_LIBS) $(OPENSSL_LIBS) $(STORE_LIBS) \
	$(INIH_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_smtp_command fuzz/fuzz_smtp_data
fuzz_fuzz_smtp_command_SOURCES = fuzz/fuzz_smtp_command.c
fuzz_fuzz_smtp_command_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_smtp_command_LDADD = smtpd/libsmtpd.a
fuzz_fuzz_smtp_data_SOURCES = fuzz/fuzz_smtp_data.c
fuzz_fuzz_smtp_data_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_smtp_data_LDADD = smtpd/libsmtpd.a
endif

# The re-injection runner alone, and a store helper, for tests/integration/test_reinject_*.py
# (test-only programs).
noinst_PROGRAMS += tests/integration/reinject_run tests/integration/store_tool
tests_integration_reinject_run_SOURCES = tests/integration/reinject_run.c
tests_integration_reinject_run_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(SODIUM_CFLAGS)
tests_integration_reinject_run_LDADD = smtpd/libsmtpd.a store/libstore.a common/libcommon.a \
	$(LIBEVENT_LIBS) $(STORE_LIBS) $(INIH_LIBS)
tests_integration_store_tool_SOURCES = tests/integration/store_tool.c
tests_integration_store_tool_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_integration_store_tool_LDADD = store/libstore.a common/libcommon.a $(STORE_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_reinject
TESTS += tests/unit/test_reinject
tests_unit_test_reinject_SOURCES = tests/unit/test_reinject.c
tests_unit_test_reinject_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_reinject_LDADD = smtpd/libsmtpd.a store/libstore.a common/libcommon.a \
	$(LIBEVENT_LIBS) $(STORE_LIBS) $(INIH_LIBS) $(CMOCKA_LIBS)
endif
