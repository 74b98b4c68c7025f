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

# Templates (every text a person reads) and static assets, installed under
# $(pkgdatadir); ecluse-web -d DIR reads DIR/templates and DIR/static.
nobase_dist_pkgdata_DATA = static/style.css \
	templates/en/badrequest.html \
	templates/en/badrequest.title \
	templates/en/error.html \
	templates/en/error.title \
	templates/en/expired.html \
	templates/en/expired.title \
	templates/en/forbidden.html \
	templates/en/forbidden.title \
	templates/en/home.html \
	templates/en/home.title \
	templates/en/layout.html \
	templates/en/method.html \
	templates/en/method.title \
	templates/en/notfound.html \
	templates/en/notfound.title \
	templates/en/release.html \
	templates/en/release.title \
	templates/en/released.html \
	templates/en/released.title \
	templates/en/toomany.html \
	templates/en/toomany.title \
	templates/en/unknown.html \
	templates/en/unknown.title \
	templates/en/used.html \
	templates/en/used.title \
	templates/fr/badrequest.html \
	templates/fr/badrequest.title \
	templates/fr/error.html \
	templates/fr/error.title \
	templates/fr/expired.html \
	templates/fr/expired.title \
	templates/fr/forbidden.html \
	templates/fr/forbidden.title \
	templates/fr/home.html \
	templates/fr/home.title \
	templates/fr/layout.html \
	templates/fr/method.html \
	templates/fr/method.title \
	templates/fr/notfound.html \
	templates/fr/notfound.title \
	templates/fr/release.html \
	templates/fr/release.title \
	templates/fr/released.html \
	templates/fr/released.title \
	templates/fr/toomany.html \
	templates/fr/toomany.title \
	templates/fr/unknown.html \
	templates/fr/unknown.title \
	templates/fr/used.html \
	templates/fr/used.title
