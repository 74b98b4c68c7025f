# release-web/: ecluse-web, the release page service (libmicrohttpd), and the unit
# tests and fuzz targets of its parsers and of the template engine it shares.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_template
TESTS += tests/unit/test_template
tests_unit_test_template_SOURCES = tests/unit/test_template.c
tests_unit_test_template_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_template_LDADD = common/libcommon.a $(CMOCKA_LIBS)
endif

noinst_LIBRARIES += release-web/libweb.a
release_web_libweb_a_SOURCES = \
	release-web/form.c release-web/form.h \
	release-web/lang.c release-web/lang.h \
	release-web/router.c release-web/router.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_form tests/unit/test_router tests/unit/test_lang
TESTS += tests/unit/test_form tests/unit/test_router tests/unit/test_lang
tests_unit_test_form_SOURCES = tests/unit/test_form.c
tests_unit_test_form_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_form_LDADD = release-web/libweb.a common/libcommon.a $(CMOCKA_LIBS)
tests_unit_test_router_SOURCES = tests/unit/test_router.c
tests_unit_test_router_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_router_LDADD = release-web/libweb.a $(CMOCKA_LIBS)
tests_unit_test_lang_SOURCES = tests/unit/test_lang.c
tests_unit_test_lang_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_lang_LDADD = release-web/libweb.a $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_template fuzz/fuzz_form fuzz/fuzz_router
fuzz_fuzz_template_SOURCES = fuzz/fuzz_template.c
fuzz_fuzz_template_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_template_LDADD = common/libcommon.a
fuzz_fuzz_form_SOURCES = fuzz/fuzz_form.c
fuzz_fuzz_form_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_form_LDADD = release-web/libweb.a common/libcommon.a
fuzz_fuzz_router_SOURCES = fuzz/fuzz_router.c
fuzz_fuzz_router_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_router_LDADD = release-web/libweb.a
endif
