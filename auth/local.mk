# auth/: SPF, DKIM, DMARC, Authentication-Results, and their DNS.
noinst_LIBRARIES += auth/libauth.a
auth_libauth_a_SOURCES = \
	auth/dns.h auth/dns_cache.c \
	auth/taglist.h auth/taglist.c \
	auth/dkim.h auth/dkim_verify.c \
	auth/dkim_sig.h auth/dkim_sig.c \
	auth/dkim_key.h auth/dkim_key.c \
	auth/dkim_keys.h auth/dkim_keys.c \
	auth/dkim_canon.h auth/dkim_canon.c \
	auth/dkim_text.h auth/dkim_text.c
auth_libauth_a_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)

# What a program linking the DKIM code needs.
DKIM_LIBS = auth/libauth.a common/libcommon.a $(OPENSSL_LIBS) $(SODIUM_LIBS)

if HAVE_CMOCKA
check_LIBRARIES = tests/dkim/libdkimtest.a
tests_dkim_libdkimtest_a_SOURCES = tests/dkim/dkim_support.c tests/dkim/dkim_support.h
DKIM_TESTS = tests/dkim/test_dkim_rfc tests/dkim/test_dkim_parse tests/dkim/test_dkim_canon
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

# Messages signed at test time by python3-dkim, verified through this harness.
check_PROGRAMS += tests/dkim/dkim_check
tests_dkim_dkim_check_SOURCES = tests/dkim/dkim_check.c
tests_dkim_dkim_check_LDADD = tests/dkim/libdkimtest.a $(DKIM_LIBS)
TESTS += tests/dkim/test_dkim_signed.py
endif
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
