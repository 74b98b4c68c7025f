# smtpd/: ecluse-smtpd, the in-transaction relay MX.
noinst_LIBRARIES += smtpd/libsmtpd.a
smtpd_libsmtpd_a_SOURCES = \
	smtpd/client.c smtpd/client.h \
	smtpd/data.c smtpd/data.h \
	smtpd/parse.c smtpd/parse.h \
	smtpd/pool.c smtpd/pool.h \
	smtpd/reinject.c smtpd/reinject.h \
	smtpd/server.c smtpd/server.h \
	smtpd/session.c smtpd/session.h smtpd/session_priv.h \
	smtpd/session_cmd.c \
	smtpd/session_hold.c \
	smtpd/session_relay.c \
	smtpd/session_verdict.c \
	smtpd/tls.c smtpd/tls.h
smtpd_libsmtpd_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS) $(CARES_CFLAGS)

sbin_PROGRAMS += smtpd/ecluse-smtpd
smtpd_ecluse_smtpd_SOURCES = smtpd/main.c
smtpd_ecluse_smtpd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)
smtpd_ecluse_smtpd_CPPFLAGS = $(AM_CPPFLAGS) -DECLUSE_DATADIR='"$(pkgdatadir)"'
smtpd_ecluse_smtpd_LDADD = digest/libdigest.a smtpd/libsmtpd.a auth/libauth.a store/libstore.a \
	common/libcommon.a $(LIBEVENT_LIBS) $(CARES_LIBS) $(OPENSSL_LIBS) $(STORE_LIBS) \
	$(INIH_LIBS) $(IDN2_LIBS)

# The 550 of a held message (digest/local.mk installs the digest's templates).
nobase_dist_pkgdata_DATA += templates/en/smtp-held.txt templates/fr/smtp-held.txt

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
tests_integration_reinject_run_LDADD = smtpd/libsmtpd.a auth/libauth.a store/libstore.a \
	common/libcommon.a $(LIBEVENT_LIBS) $(STORE_LIBS) $(INIH_LIBS) $(IDN2_LIBS)
tests_integration_store_tool_SOURCES = tests/integration/store_tool.c
tests_integration_store_tool_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_integration_store_tool_LDADD = store/libstore.a common/libcommon.a $(STORE_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_reinject
TESTS += tests/unit/test_reinject
tests_unit_test_reinject_SOURCES = tests/unit/test_reinject.c
tests_unit_test_reinject_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_reinject_LDADD = smtpd/libsmtpd.a auth/libauth.a store/libstore.a \
	common/libcommon.a $(LIBEVENT_LIBS) $(STORE_LIBS) $(INIH_LIBS) $(IDN2_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test_smtp_client
TESTS += tests/unit/test_smtp_client
tests_unit_test_smtp_client_SOURCES = tests/unit/test_smtp_client.c
tests_unit_test_smtp_client_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_smtp_client_LDADD = smtpd/libsmtpd.a common/libcommon.a $(LIBEVENT_LIBS) \
	$(CMOCKA_LIBS)
endif

# The verdict policy (pure: policy, whitelist, and common/netaddr.h) and its
# connect-time DNS signals (dnsbl, rdns) on the resolver of auth/resolver.h.
smtpd_libsmtpd_a_SOURCES += \
	smtpd/policy.c smtpd/policy.h \
	smtpd/whitelist.c smtpd/whitelist.h \
	smtpd/dnsq.c smtpd/dnsq.h \
	smtpd/dnsbl.c smtpd/dnsbl.h \
	smtpd/rdns.c smtpd/rdns.h
# What a program linking the policy needs.
POLICY_LIBS = smtpd/libsmtpd.a auth/libauth.a common/libcommon.a $(LIBEVENT_LIBS) \
	$(CARES_LIBS) $(INIH_LIBS) $(SODIUM_LIBS) $(IDN2_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_policy tests/unit/test_whitelist tests/unit/test_netaddr \
	tests/unit/test_dnsbl tests/unit/test_policy_config
TESTS += tests/unit/test_policy tests/unit/test_whitelist tests/unit/test_netaddr \
	tests/unit/test_dnsbl tests/unit/test_policy_config
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_policy_LDADD = $(POLICY_LIBS) $(CMOCKA_LIBS)
tests_unit_test_whitelist_SOURCES = tests/unit/test_whitelist.c
tests_unit_test_whitelist_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_whitelist_LDADD = $(POLICY_LIBS) $(CMOCKA_LIBS)
tests_unit_test_netaddr_SOURCES = tests/unit/test_netaddr.c
tests_unit_test_netaddr_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_netaddr_LDADD = $(POLICY_LIBS) $(CMOCKA_LIBS)
tests_unit_test_dnsbl_SOURCES = tests/unit/test_dnsbl.c \
	tests/unit/dnsfake.h tests/unit/dnsfake.c
tests_unit_test_dnsbl_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_dnsbl_LDADD = $(POLICY_LIBS) $(CMOCKA_LIBS)
tests_unit_test_policy_config_SOURCES = tests/unit/test_policy_config.c
tests_unit_test_policy_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_policy_config_LDADD = $(POLICY_LIBS) $(CMOCKA_LIBS)
endif

# Integration: DNSBL and reverse DNS against nsd (tests/integration/test_policy_dns.py).
noinst_PROGRAMS += tests/integration/dnssignals
tests_integration_dnssignals_SOURCES = tests/integration/dnssignals.c
tests_integration_dnssignals_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
tests_integration_dnssignals_LDADD = $(POLICY_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_dnsbl_zones fuzz/fuzz_netaddr
fuzz_fuzz_dnsbl_zones_SOURCES = fuzz/fuzz_dnsbl_zones.c
fuzz_fuzz_dnsbl_zones_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dnsbl_zones_LDADD = $(POLICY_LIBS)
fuzz_fuzz_netaddr_SOURCES = fuzz/fuzz_netaddr.c
fuzz_fuzz_netaddr_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_netaddr_LDADD = $(POLICY_LIBS)
endif
