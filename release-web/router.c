/*
 * router.c - method and path to page. See router.h.
 */
#include "config.h"

#include <string.h>

#include "release-web/router.h"

enum method
router_method(const char *buf, size_t len)
{
	/* RFC 9110 9.1: method names are case-sensitive */
	if (len == 3 && memcmp(buf, "GET", 3) == 0)
		return METHOD_GET;
	if (len == 4 && memcmp(buf, "HEAD", 4) == 0)
		return METHOD_HEAD;
	if (len == 4 && memcmp(buf, "POST", 4) == 0)
		return METHOD_POST;
	return METHOD_OTHER;
}

static int
b64url_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Length of the token at the start of (buf, len), up to the next '/'; 0 if bad. */
static size_t
token_span(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len && buf[i] != '/'; i++)
		if (!b64url_char((unsigned char)buf[i]))
			return 0;
	return i <= ROUTER_TOKEN_MAX ? i : 0;
}

static int
asset_name_ok(const char *buf, size_t len)
{
	size_t i, dot = 0;

	if (len == 0 || len > ROUTER_ASSET_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '.') {
			if (dot != 0 || i == 0)
				return 0;
			dot = i;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c == '-' && dot == 0)))
			return 0;
	}
	return dot != 0 && dot + 1 < len;
}

static int
has_prefix(const char *buf, size_t len, const char *pfx, size_t plen)
{
	return len >= plen && memcmp(buf, pfx, plen) == 0;
}

enum router_result
router_match(const char *method, size_t mlen, const char *path, size_t plen,
    struct route_match *m)
{
	enum method meth = router_method(method, mlen);
	int post_ok = 0;

	memset(m, 0, sizeof(*m));
	m->method = meth;
	if (plen == 1 && path[0] == '/')
		m->route = ROUTE_HOME;
	else if (has_prefix(path, plen, "/r/", 3)) {
		size_t n = token_span(path + 3, plen - 3);

		if (n == 0)
			return ROUTER_NOT_FOUND;
		m->arg = path + 3;
		m->arglen = n;
		if (3 + n == plen) {
			m->route = ROUTE_RELEASE;
			post_ok = 1;
		} else if (plen - 3 - n == sizeof("/captcha.png") - 1 &&
		    memcmp(path + 3 + n, "/captcha.png", plen - 3 - n) == 0)
			m->route = ROUTE_CAPTCHA;
		else
			return ROUTER_NOT_FOUND;
	} else if (has_prefix(path, plen, "/u/", 3)) {
		size_t n = token_span(path + 3, plen - 3);

		if (n == 0 || 3 + n != plen)
			return ROUTER_NOT_FOUND;
		m->route = ROUTE_RECIPIENT;
		m->arg = path + 3;
		m->arglen = n;
		post_ok = 1;
	} else if (has_prefix(path, plen, "/static/", 8)) {
		if (!asset_name_ok(path + 8, plen - 8))
			return ROUTER_NOT_FOUND;
		m->route = ROUTE_STATIC;
		m->arg = path + 8;
		m->arglen = plen - 8;
	} else
		return ROUTER_NOT_FOUND;
	if (meth == METHOD_GET || meth == METHOD_HEAD || (meth == METHOD_POST && post_ok))
		return ROUTER_OK;
	m->allow = post_ok ? "GET, HEAD, POST" : "GET, HEAD";
	return ROUTER_METHOD;
}
