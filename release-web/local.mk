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
	release-web/router.c release-web/router.h \
	release-web/json.c release-web/json.h \
	release-web/admin_auth.c release-web/admin_auth.h \
	release-web/admin_scope.c release-web/admin_scope.h \
	release-web/proxies.c release-web/proxies.h
release_web_libweb_a_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_form tests/unit/test_router tests/unit/test_lang \
	tests/unit/test_admin
TESTS += tests/unit/test_form tests/unit/test_router tests/unit/test_lang \
	tests/unit/test_admin
tests_unit_test_admin_SOURCES = tests/unit/test_admin.c
tests_unit_test_admin_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_admin_LDADD = release-web/libweb.a common/libcommon.a $(SODIUM_LIBS) \
	$(CMOCKA_LIBS)
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

# The client behind trusted reverse proxies ([web] trusted_proxies, X-Forwarded-For).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_proxies
TESTS += tests/unit/test_proxies
tests_unit_test_proxies_SOURCES = tests/unit/test_proxies.c
tests_unit_test_proxies_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_proxies_LDADD = release-web/libweb.a common/libcommon.a $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_proxies
fuzz_fuzz_proxies_SOURCES = fuzz/fuzz_proxies.c
fuzz_fuzz_proxies_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_proxies_LDADD = release-web/libweb.a common/libcommon.a
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_template fuzz/fuzz_form fuzz/fuzz_router \
	fuzz/fuzz_admin_json
fuzz_fuzz_admin_json_SOURCES = fuzz/fuzz_admin_json.c
fuzz_fuzz_admin_json_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_admin_json_LDADD = release-web/libweb.a common/libcommon.a $(SODIUM_LIBS)
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
nobase_dist_pkgdata_DATA += static/style.css \
	templates/en/badrequest.html \
	templates/en/badrequest.title \
	templates/en/blocked.html \
	templates/en/blocked.title \
	templates/fr/blocked.html \
	templates/fr/blocked.title \
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
	templates/fr/used.title \
	templates/en/recipient.html \
	templates/en/recipient.title \
	templates/en/recipient-held.html \
	templates/en/recipient-wl.html \
	templates/en/rnotfound.html \
	templates/en/rnotfound.title \
	templates/en/rexpired.html \
	templates/en/rexpired.title \
	templates/en/runknown.html \
	templates/en/runknown.title \
	templates/en/rforbidden.html \
	templates/en/rforbidden.title \
	templates/fr/recipient.html \
	templates/fr/recipient.title \
	templates/fr/recipient-held.html \
	templates/fr/recipient-wl.html \
	templates/fr/rnotfound.html \
	templates/fr/rnotfound.title \
	templates/fr/rexpired.html \
	templates/fr/rexpired.title \
	templates/fr/runknown.html \
	templates/fr/runknown.title \
	templates/fr/rforbidden.html \
	templates/fr/rforbidden.title

sbin_PROGRAMS += release-web/ecluse-web
release_web_ecluse_web_SOURCES = \
	release-web/main.c release-web/webconf.h \
	release-web/web.h release-web/stores.c \
	release-web/server.c release-web/server.h \
	release-web/headers.c release-web/headers.h \
	release-web/assets.c release-web/assets.h \
	release-web/csrf.c release-web/csrf.h \
	release-web/page.c release-web/page.h \
	release-web/release.c release-web/release.h \
	release-web/recipient.c release-web/recipient.h \
	release-web/admin.c release-web/admin.h \
	release-web/admin_server.c
release_web_ecluse_web_CPPFLAGS = $(AM_CPPFLAGS) -DECLUSE_DATADIR='"$(pkgdatadir)"'
release_web_ecluse_web_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(SODIUM_CFLAGS) -pthread
release_web_ecluse_web_LDADD = release-web/libweb.a $(CAPTCHA_LIBS) store/libstore.a \
	common/libcommon.a $(STORE_LIBS) $(MHD_LIBS) $(SODIUM_LIBS) $(INIH_LIBS)

# The integration tests seed held messages through the store API with this helper.
noinst_PROGRAMS += tests/integration/web_seed
tests_integration_web_seed_SOURCES = tests/integration/web_seed.c
tests_integration_web_seed_CFLAGS = $(AM_CFLAGS) -pthread
tests_integration_web_seed_LDADD = store/libstore.a common/libcommon.a $(STORE_LIBS) \
	$(INIH_LIBS)
