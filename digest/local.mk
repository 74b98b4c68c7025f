# digest/: quarantine digest mails: the mail of one recipient (mail.c), one round over
# every recipient with pending messages (round.c), and ecluse-smtpd's schedule of
# rounds (schedule.c). ecluse-smtpd and eclusectl both link it.
# Programs using it link: digest/libdigest.a smtpd/libsmtpd.a store/libstore.a
# common/libcommon.a $(LIBEVENT_LIBS) $(STORE_LIBS) $(OPENSSL_LIBS)
noinst_LIBRARIES += digest/libdigest.a
digest_libdigest_a_SOURCES = \
	digest/mail.c digest/mail.h \
	digest/round.c digest/round.h \
	digest/schedule.c digest/schedule.h
digest_libdigest_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(SODIUM_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_digest tests/unit/test_digest_schedule
TESTS += tests/unit/test_digest tests/unit/test_digest_schedule
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c
tests_unit_test_digest_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_digest_LDADD = digest/libdigest.a common/libcommon.a $(SODIUM_LIBS) \
	$(CMOCKA_LIBS)
tests_unit_test_digest_schedule_SOURCES = tests/unit/test_digest_schedule.c
tests_unit_test_digest_schedule_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_digest_schedule_LDADD = digest/libdigest.a smtpd/libsmtpd.a \
	auth/libauth.a store/libstore.a common/libcommon.a $(LIBEVENT_LIBS) $(OPENSSL_LIBS) \
	$(STORE_LIBS) $(INIH_LIBS) $(IDN2_LIBS) $(CMOCKA_LIBS)
endif

# Digest mail templates, installed with the pages' (release-web/local.mk).
nobase_dist_pkgdata_DATA += \
	templates/en/digest.subject templates/en/digest.txt templates/en/digest-row.txt \
	templates/en/digest.html templates/en/digest-row.html \
	templates/fr/digest.subject templates/fr/digest.txt templates/fr/digest-row.txt \
	templates/fr/digest.html templates/fr/digest-row.html
