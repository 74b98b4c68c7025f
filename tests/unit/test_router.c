/*
 * test_router.c - method and path to page: exact matches, strict refusals, 405 with
 * the right Allow value.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "release-web/router.h"

#define TOK "AQAAAAAAAAAqAAAAAGdWvgDr3y3Q4nJ6JcXxTgSx0CSjZ1pV9b3kGJwXyTcY-A_5hg"

struct rcase {
	const char		*method;
	const char		*path;
	enum router_result	 want;
	enum route		 route;
	const char		*arg;
	const char		*allow;
};

static void
test_routes(void **state)
{
	static const struct rcase cases[] = {
		{ "GET", "/", ROUTER_OK, ROUTE_HOME, NULL, NULL },
		{ "HEAD", "/", ROUTER_OK, ROUTE_HOME, NULL, NULL },
		{ "GET", "/r/" TOK, ROUTER_OK, ROUTE_RELEASE, TOK, NULL },
		{ "POST", "/r/" TOK, ROUTER_OK, ROUTE_RELEASE, TOK, NULL },
		{ "HEAD", "/r/abc", ROUTER_OK, ROUTE_RELEASE, "abc", NULL },
		{ "GET", "/r/" TOK "/captcha.png", ROUTER_OK, ROUTE_CAPTCHA, TOK, NULL },
		{ "POST", "/r/abc/captcha.png", ROUTER_METHOD, ROUTE_CAPTCHA, "abc", "GET, HEAD" },
		{ "GET", "/static/style.css", ROUTER_OK, ROUTE_STATIC, "style.css", NULL },
		{ "GET", "/static/logo-2.png", ROUTER_OK, ROUTE_STATIC, "logo-2.png", NULL },
		{ "GET", "/u/" TOK, ROUTER_OK, ROUTE_RECIPIENT, TOK, NULL },
		{ "POST", "/u/" TOK, ROUTER_OK, ROUTE_RECIPIENT, TOK, NULL },
		{ "PUT", "/u/abc", ROUTER_METHOD, ROUTE_RECIPIENT, "abc", "GET, HEAD, POST" },
		/* wrong methods on known paths */
		{ "POST", "/", ROUTER_METHOD, ROUTE_HOME, NULL, "GET, HEAD" },
		{ "PUT", "/r/abc", ROUTER_METHOD, ROUTE_RELEASE, "abc", "GET, HEAD, POST" },
		{ "get", "/r/abc", ROUTER_METHOD, ROUTE_RELEASE, "abc", "GET, HEAD, POST" },
		{ "DELETE", "/static/style.css", ROUTER_METHOD, ROUTE_STATIC, "style.css", "GET, HEAD" },
		{ "POST", "/static/style.css", ROUTER_METHOD, ROUTE_STATIC, "style.css", "GET, HEAD" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct route_match m;
		enum router_result r = router_match(cases[i].method, strlen(cases[i].method),
		    cases[i].path, strlen(cases[i].path), &m);

		if (r != cases[i].want)
			fail_msg("case %zu (%s %s): got %d", i, cases[i].method, cases[i].path, r);
		assert_int_equal(m.route, cases[i].route);
		if (cases[i].arg == NULL)
			assert_null(m.arg);
		else {
			assert_int_equal(m.arglen, strlen(cases[i].arg));
			assert_memory_equal(m.arg, cases[i].arg, m.arglen);
		}
		if (cases[i].allow == NULL)
			assert_null(m.allow);
		else
			assert_string_equal(m.allow, cases[i].allow);
	}
}

static void
test_not_found(void **state)
{
	static const char *const paths[] = {
		"", "//", "/r", "/r/", "/r//", "/r/abc/", "/r/abc/x", "/r/abc/captcha.png/",
		"/r/abc/captcha.PNG", "/r/abc/captcha.pngx", "/r//captcha.png", "/r/abc/../captcha.png",
		"/r/ab%41", "/u", "/u/", "/u/abc/", "/u/abc/captcha.png", "/u/ab%41", "/r/ab.c", "/r/ab+c", "/r/ab=", "/r/../static/style.css",
		"/R/abc", "/r/abc?x", "/static/", "/static/style", "/static/.css",
		"/static/style.", "/static/a.b.css", "/static/../etc/passwd",
		"/static/Style.css", "/static/style.css/", "/static//style.css",
		"/static/st%79le.css", "/static/sub/style.css", "/static/-.css-",
		"/index.html", "/favicon.ico", "x",
		"/r/" TOK TOK,
	};
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct route_match m;

		if (router_match("GET", 3, paths[i], strlen(paths[i]), &m) != ROUTER_NOT_FOUND)
			fail_msg("path %zu (%s) matched", i, paths[i]);
	}
}

static void
test_embedded_nul(void **state)
{
	struct route_match m;

	/* the length is the caller's: a NUL inside is a byte like any other */
	assert_int_equal(router_match("GET", 3, "/r/ab\0cd", 8, &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match("GET", 3, "/\0", 2, &m), ROUTER_NOT_FOUND);
	assert_int_equal(router_match("GET\0", 4, "/", 1, &m), ROUTER_METHOD);
}

static void
test_token_length(void **state)
{
	char path[3 + ROUTER_TOKEN_MAX + 2];
	struct route_match m;

	memcpy(path, "/r/", 3);
	memset(path + 3, 'A', ROUTER_TOKEN_MAX + 1);
	assert_int_equal(router_match("GET", 3, path, 3 + ROUTER_TOKEN_MAX, &m), ROUTER_OK);
	assert_int_equal(router_match("GET", 3, path, 3 + ROUTER_TOKEN_MAX + 1, &m),
	    ROUTER_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_token_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
