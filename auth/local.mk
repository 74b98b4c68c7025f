# auth/: SPF, DKIM, DMARC, Authentication-Results, and their DNS.
noinst_LIBRARIES += auth/libauth.a
auth_libauth_a_SOURCES = \
	auth/dns.h auth/dns_cache.c \
	auth/idna.h auth/idna.c \
	auth/taglist.h auth/taglist.c \
	auth/dkim.h auth/dkim_verify.c \
	auth/dkim_sig.h auth/dkim_sig.c \
	auth/dkim_key.h auth/dkim_key.c \
	auth/dkim_keys.h auth/dkim_keys.c \
	auth/bytescan.h \
	auth/dkim_canon.h auth/dkim_canon.c \
	auth/dkim_text.h auth/dkim_text.c
auth_libauth_a_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(IDN2_CFLAGS)

# DNS resolver (c-ares in libevent) with its answer cache (keyed hash: libsodium),
# DMARC, From, Authentication-Results, glue.
RESOLVER_LIBS = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CARES_LIBS) $(LIBEVENT_LIBS) \
	$(SODIUM_LIBS)
auth_libauth_a_SOURCES += \
	auth/resolver.h auth/resolver.c \
	auth/answer_cache.h auth/answer_cache.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_resolver
TESTS += tests/unit/test_resolver
tests_unit_test_resolver_SOURCES = tests/unit/test_resolver.c \
	tests/unit/dnsfake.h tests/unit/dnsfake.c
tests_unit_test_resolver_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CARES_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_resolver_LDADD = $(RESOLVER_LIBS) $(CMOCKA_LIBS)
endif

auth_libauth_a_SOURCES += \
	auth/from.h auth/from.c \
	auth/dmarc_record.h auth/dmarc_record.c \
	auth/dmarc.h auth/dmarc.c \
	auth/authres.h auth/authres.c \
	auth/auth.h auth/auth.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_from tests/unit/test_dmarc_record tests/unit/test_dmarc \
	tests/unit/test_authres
TESTS += tests/unit/test_from tests/unit/test_dmarc_record tests/unit/test_dmarc \
	tests/unit/test_authres
tests_unit_test_from_SOURCES = tests/unit/test_from.c
tests_unit_test_from_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_from_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
tests_unit_test_dmarc_record_SOURCES = tests/unit/test_dmarc_record.c
tests_unit_test_dmarc_record_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dmarc_record_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
tests_unit_test_dmarc_SOURCES = tests/unit/test_dmarc.c
tests_unit_test_dmarc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dmarc_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
tests_unit_test_authres_SOURCES = tests/unit/test_authres.c
tests_unit_test_authres_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_authres_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test_auth
TESTS += tests/unit/test_auth
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c \
	tests/unit/dnsfake.h tests/unit/dnsfake.c
tests_unit_test_auth_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CARES_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_auth_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS) \
	$(CARES_LIBS) $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(SODIUM_LIBS)
endif

# SPF (RFC 7208): record parser, macro expander, check_host() evaluation.
auth_libauth_a_SOURCES += \
	auth/spf.h auth/spf.c \
	auth/spf_record.h auth/spf_record.c \
	auth/spf_macro.h auth/spf_macro.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_spf_record tests/unit/test_spf_macro tests/unit/test_spf
TESTS += tests/unit/test_spf_record tests/unit/test_spf_macro tests/unit/test_spf
tests_unit_test_spf_record_SOURCES = tests/unit/test_spf_record.c
tests_unit_test_spf_record_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spf_record_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
tests_unit_test_spf_macro_SOURCES = tests/unit/test_spf_macro.c
tests_unit_test_spf_macro_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spf_macro_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
tests_unit_test_spf_SOURCES = tests/unit/test_spf.c
tests_unit_test_spf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spf_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
endif

# The RFC 7208 test suite: a script (TAP) that converts the shared YAML at test time
# and runs the C driver over it.
check_PROGRAMS += tests/conformance/spf_suite
TESTS += tests/conformance/spf_rfc7208.sh
EXTRA_DIST += tests/conformance/spf_rfc7208.sh tests/conformance/spf_suite.py
tests_conformance_spf_suite_SOURCES = tests/conformance/spf_suite.c
tests_conformance_spf_suite_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)

# What a program linking the DKIM code needs.
DKIM_LIBS = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(OPENSSL_LIBS) $(SODIUM_LIBS)

if HAVE_CMOCKA
check_LIBRARIES = tests/dkim/libdkimtest.a
tests_dkim_libdkimtest_a_SOURCES = tests/dkim/dkim_support.c tests/dkim/dkim_support.h
DKIM_TESTS = tests/dkim/test_dkim_rfc tests/dkim/test_dkim_parse tests/dkim/test_dkim_canon \
	tests/dkim/test_dkim_keys
check_PROGRAMS += $(DKIM_TESTS)
TESTS += $(DKIM_TESTS)
DKIM_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)
DKIM_TEST_LIBS = tests/dkim/libdkimtest.a $(DKIM_LIBS) $(CMOCKA_LIBS)
tests_dkim_test_dkim_rfc_SOURCES = tests/dkim/test_dkim_rfc.c
tests_dkim_test_dkim_rfc_CFLAGS = $(DKIM_TEST_CFLAGS)
tests_dkim_test_dkim_rfc_LDADD = $(DKIM_TEST_LIBS)
tests_dkim_test_dkim_parse_SOURCES = tests/dkim/test_dkim_parse.c
tests_dkim_test_dkim_parse_CFLAGS = $(DKIM_TEST_CFLAGS)
tests_dkim_test_dkim_parse_LDADD = $(DKIM_TEST_LIBS)
tests_dkim_test_dkim_canon_SOURCES = tests/dkim/test_dkim_canon.c
tests_dkim_test_dkim_canon_CFLAGS = $(DKIM_TEST_CFLAGS)
tests_dkim_test_dkim_canon_LDADD = $(DKIM_TEST_LIBS)
# --wrap: the test makes OpenSSL fail while a key is prepared.
tests_dkim_test_dkim_keys_SOURCES = tests/dkim/test_dkim_keys.c
tests_dkim_test_dkim_keys_CFLAGS = $(DKIM_TEST_CFLAGS)
tests_dkim_test_dkim_keys_LDFLAGS = -Wl,--wrap=EVP_PKEY_verify_init
tests_dkim_test_dkim_keys_LDADD = $(DKIM_TEST_LIBS)

# Messages signed at test time by python3-dkim, verified through this harness.
check_PROGRAMS += tests/dkim/dkim_check
tests_dkim_dkim_check_SOURCES = tests/dkim/dkim_check.c
tests_dkim_dkim_check_LDADD = tests/dkim/libdkimtest.a $(DKIM_LIBS)
TESTS += tests/dkim/test_dkim_signed.py
endif

# Integration: the resolver against a real DNS server (tests/integration/test_auth_*.py).
noinst_PROGRAMS += tests/integration/resolve
tests_integration_resolve_SOURCES = tests/integration/resolve.c
tests_integration_resolve_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CARES_CFLAGS)
tests_integration_resolve_LDADD = $(RESOLVER_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_dmarc_record fuzz/fuzz_from fuzz/fuzz_authres
fuzz_fuzz_dmarc_record_SOURCES = fuzz/fuzz_dmarc_record.c
fuzz_fuzz_dmarc_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dmarc_record_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
fuzz_fuzz_from_SOURCES = fuzz/fuzz_from.c
fuzz_fuzz_from_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_from_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
fuzz_fuzz_authres_SOURCES = fuzz/fuzz_authres.c
fuzz_fuzz_authres_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_authres_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_spf_record fuzz/fuzz_spf_macro
fuzz_fuzz_spf_record_SOURCES = fuzz/fuzz_spf_record.c
fuzz_fuzz_spf_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_spf_record_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
fuzz_fuzz_spf_macro_SOURCES = fuzz/fuzz_spf_macro.c
fuzz_fuzz_spf_macro_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_spf_macro_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
endif
EXTRA_DIST += fuzz/dict/spf_record.dict fuzz/dict/spf_macro.dict

# Benchmark (not a test): spf_check() evaluations per second; build without sanitizers.
noinst_PROGRAMS += bench/bench_spf
bench_bench_spf_SOURCES = bench/bench_spf.c
bench_bench_spf_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)

EXTRA_DIST += tests/dkim/test_dkim_signed.py

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_dkim_sig fuzz/fuzz_dkim_key fuzz/fuzz_dkim_canon
fuzz_fuzz_dkim_sig_SOURCES = fuzz/fuzz_dkim_sig.c
fuzz_fuzz_dkim_sig_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dkim_sig_LDADD = $(DKIM_LIBS)
fuzz_fuzz_dkim_key_SOURCES = fuzz/fuzz_dkim_key.c
fuzz_fuzz_dkim_key_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dkim_key_LDADD = $(DKIM_LIBS)
fuzz_fuzz_dkim_canon_SOURCES = fuzz/fuzz_dkim_canon.c
fuzz_fuzz_dkim_canon_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dkim_canon_LDADD = $(DKIM_LIBS)
endif

# bench/bench_dkim: DKIM verify rate against the raw public-key rate (see the file).
noinst_PROGRAMS += bench/bench_dkim
bench_bench_dkim_SOURCES = bench/bench_dkim.c
bench_bench_dkim_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)
bench_bench_dkim_LDADD = $(DKIM_LIBS)

# bench/bench_spf_dns: SPF checks per second against a real DNS server (bench/auth.sh).
noinst_PROGRAMS += bench/bench_spf_dns
bench_bench_spf_dns_SOURCES = bench/bench_spf_dns.c
bench_bench_spf_dns_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CARES_CFLAGS)
bench_bench_spf_dns_LDADD = $(RESOLVER_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_answer_cache
TESTS += tests/unit/test_answer_cache
tests_unit_test_answer_cache_SOURCES = tests/unit/test_answer_cache.c \
	tests/unit/dnsfake.h tests/unit/dnsfake.c
tests_unit_test_answer_cache_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CARES_CFLAGS) \
	$(LIBEVENT_CFLAGS)
tests_unit_test_answer_cache_LDADD = $(RESOLVER_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_dns_answer
fuzz_fuzz_dns_answer_SOURCES = fuzz/fuzz_dns_answer.c
fuzz_fuzz_dns_answer_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS)
fuzz_fuzz_dns_answer_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_dns_answer_LDADD = $(RESOLVER_LIBS)
endif

# IDNA (RFC 8616): U-labels to A-labels for SPF, DKIM and DMARC, with libidn2.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_idna
TESTS += tests/unit/test_idna
tests_unit_test_idna_SOURCES = tests/unit/test_idna.c
tests_unit_test_idna_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_idna_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_idna
fuzz_fuzz_idna_SOURCES = fuzz/fuzz_idna.c
fuzz_fuzz_idna_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_idna_LDADD = auth/libauth.a common/libcommon.a $(IDN2_LIBS)
endif
EXTRA_DIST += fuzz/dict/idna.dict
# bench/bench_opendkim: OpenDKIM on the same kind of message, when libopendkim is there.
if HAVE_OPENDKIM
noinst_PROGRAMS += bench/bench_opendkim
bench_bench_opendkim_SOURCES = bench/bench_opendkim.c
bench_bench_opendkim_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS) $(OPENDKIM_CFLAGS)
bench_bench_opendkim_LDADD = $(OPENDKIM_LIBS) $(OPENSSL_LIBS)
endif
