# tests/: unit tests (cmocka, TAP); integration and browser tests run from tests/run.
EXTRA_DIST += tests/run
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_config_LDADD = common/libcommon.a $(CMOCKA_LIBS) $(INIH_LIBS)
endif
