# auth/: SPF, DKIM, DMARC, Authentication-Results, and their DNS.
noinst_LIBRARIES += auth/libauth.a
auth_libauth_a_SOURCES = \
	auth/dns.h auth/dns_cache.c \
	auth/taglist.h auth/taglist.c
auth_libauth_a_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS)

# SPF (RFC 7208): record parser, macro expander, check_host() evaluation.
auth_libauth_a_SOURCES += \
	auth/spf_record.h auth/spf_record.c \
	auth/spf_macro.h auth/spf_macro.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_spf_record tests/unit/test_spf_macro
TESTS += tests/unit/test_spf_record tests/unit/test_spf_macro
tests_unit_test_spf_record_SOURCES = tests/unit/test_spf_record.c
tests_unit_test_spf_record_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spf_record_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_spf_macro_SOURCES = tests/unit/test_spf_macro.c
tests_unit_test_spf_macro_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_spf_macro_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
endif
