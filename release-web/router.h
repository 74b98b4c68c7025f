/*
 * router.h - maps an HTTP method and request path to one of ecluse-web's pages.
 *
 * The path is the one libmicrohttpd hands over, before any percent-decoding (the
 * daemon turns MHD's unescaping off) and without the query. Matching is exact and
 * strict: no percent-encoding, no empty or dot segments, no trailing slash variants;
 * a release or recipient token is 1 to ROUTER_TOKEN_MAX base64url characters, a static asset name
 * is [a-z0-9-]+ "." [a-z]+. Anything else is "not found" (404); a known path with a
 * method it does not take is ROUTER_METHOD (405, with the Allow value to send).
 * The token and name in a match point into the caller's path buffer.
 */
#ifndef ECLUSE_ROUTER_H
#define ECLUSE_ROUTER_H

#include <stddef.h>

/* A release token is base64url(id | expiry | MAC): far below this. A long path is
 * not a token, and is refused before anything looks at it. */
#define ROUTER_TOKEN_MAX	128
/* Static asset names are ours and short. */
#define ROUTER_ASSET_MAX	64

enum route {
	ROUTE_HOME,		/* GET / */
	ROUTE_RELEASE,		/* GET, POST /r/TOKEN */
	ROUTE_CAPTCHA,		/* GET /r/TOKEN/captcha.png */
	ROUTE_STATIC,		/* GET /static/NAME */
	ROUTE_RECIPIENT,	/* GET, POST /u/TOKEN: a recipient's page */
};

enum method { METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_OTHER };

enum router_result { ROUTER_OK, ROUTER_NOT_FOUND, ROUTER_METHOD };

struct route_match {
	enum route	 route;
	enum method	 method;	/* HEAD is served as GET without a body */
	const char	*arg;		/* token or asset name, or NULL */
	size_t		 arglen;
	const char	*allow;		/* ROUTER_METHOD: the Allow header value */
};

enum method router_method(const char *buf, size_t len);
enum router_result router_match(const char *method, size_t mlen, const char *path,
    size_t plen, struct route_match *m);

#endif
