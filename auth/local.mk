# auth/: SPF, DKIM, DMARC, Authentication-Results, and their DNS.
noinst_LIBRARIES += auth/libauth.a
auth_libauth_a_SOURCES = \
	auth/dns.h auth/dns_cache.c \
	auth/taglist.h auth/taglist.c
auth_libauth_a_CFLAGS = $(AM_CFLAGS) $(CARES_CFLAGS) $(OPENSSL_CFLAGS) $(SODIUM_CFLAGS) \
	$(LIBEVENT_CFLAGS)

# DNS resolver (c-ares in libevent), DMARC, From, Authentication-Results, glue.
auth_libauth_a_SOURCES += \
	auth/resolver.h auth/resolver.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_resolver
TESTS += tests/unit/test_resolver
tests_unit_test_resolver_SOURCES = tests/unit/test_resolver.c
tests_unit_test_resolver_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CARES_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_resolver_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS) \
	$(CARES_LIBS) $(LIBEVENT_LIBS)
endif

auth_libauth_a_SOURCES += \
	auth/from.h auth/from.c \
	auth/dmarc_record.h auth/dmarc_record.c \
	auth/dmarc.h auth/dmarc.c \
	auth/authres.h auth/authres.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_from tests/unit/test_dmarc_record tests/unit/test_dmarc \
	tests/unit/test_authres
TESTS += tests/unit/test_from tests/unit/test_dmarc_record tests/unit/test_dmarc \
	tests/unit/test_authres
tests_unit_test_from_SOURCES = tests/unit/test_from.c
tests_unit_test_from_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_from_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_dmarc_record_SOURCES = tests/unit/test_dmarc_record.c
tests_unit_test_dmarc_record_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dmarc_record_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_dmarc_SOURCES = tests/unit/test_dmarc.c
tests_unit_test_dmarc_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_dmarc_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_authres_SOURCES = tests/unit/test_authres.c
tests_unit_test_authres_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_authres_LDADD = auth/libauth.a common/libcommon.a $(CMOCKA_LIBS)
endif
