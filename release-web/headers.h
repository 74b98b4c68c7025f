/*
 * headers.h - the response headers ecluse-web sends on every response: a CSP with no
 * inline script or style, framing and sniffing turned off, no Referer (the path of a
 * release page is a capability), and the caching policy of the response.
 */
#ifndef ECLUSE_HEADERS_H
#define ECLUSE_HEADERS_H

struct MHD_Response;

enum web_cache {
	WEB_NO_STORE,		/* pages: they name a token, a challenge or a message */
	WEB_CACHE_ASSET,	/* static assets: public, revalidated with their ETag */
};

/* Seconds a browser may keep a static asset without asking again. */
#define WEB_ASSET_MAX_AGE	3600

/* Adds the headers; returns 0, or -1 if libmicrohttpd refused one (out of memory). */
int web_headers_add(struct MHD_Response *r, enum web_cache cache, int https);

#endif
