# auth/: SPF, DKIM, DMARC, Authentication-Results, and their DNS.
noinst_LIBRARIES += auth/libauth.a
auth_libauth_a_SOURCES = \
	auth/dns.h auth/dns_cache.c \
	auth/taglist.h auth/taglist.c
auth_libauth_a_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)

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
tests_unit_test_spf_record_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_spf_macro_SOURCES = tests/unit/test_spf_macro.c
tests_unit_test_spf_macro_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spf_macro_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_spf_SOURCES = tests/unit/test_spf.c
tests_unit_test_spf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spf_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
endif

# The RFC 7208 test suite: a script (TAP) that converts the shared YAML at test time
# and runs the C driver over it.
check_PROGRAMS += tests/conformance/spf_suite
TESTS += tests/conformance/spf_rfc7208.sh
EXTRA_DIST += tests/conformance/spf_rfc7208.sh tests/conformance/spf_suite.py
tests_conformance_spf_suite_SOURCES = tests/conformance/spf_suite.c
tests_conformance_spf_suite_LDADD = auth/libauth.a common/libcommon.a

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_spf_record fuzz/fuzz_spf_macro
fuzz_fuzz_spf_record_SOURCES = fuzz/fuzz_spf_record.c
fuzz_fuzz_spf_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_spf_record_LDADD = auth/libauth.a common/libcommon.a
fuzz_fuzz_spf_macro_SOURCES = fuzz/fuzz_spf_macro.c
fuzz_fuzz_spf_macro_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_spf_macro_LDADD = auth/libauth.a common/libcommon.a
endif
EXTRA_DIST += fuzz/dict/spf_record.dict fuzz/dict/spf_macro.dict

# Benchmark (not a test): spf_check() evaluations per second; build without sanitizers.
noinst_PROGRAMS += bench/bench_spf
bench_bench_spf_SOURCES = bench/bench_spf.c
bench_bench_spf_LDADD = auth/libauth.a common/libcommon.a
