# release-web/: ecluse-web, the release page service (libmicrohttpd), and the unit
# tests and fuzz targets of its parsers and of the template engine it shares.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_template
TESTS += tests/unit/test_template
tests_unit_test_template_SOURCES = tests/unit/test_template.c
tests_unit_test_template_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_template_LDADD = common/libcommon.a $(CMOCKA_LIBS)
endif
