/*
 * headers.c - security and caching headers of every response. See headers.h.
 */
#include "config.h"

#include <microhttpd.h>
#include <stdio.h>

#include "release-web/headers.h"

/*
 * default-src 'none': nothing loads unless listed. Styles and images come from this
 * origin only (the CAPTCHA is /r/TOKEN/captcha.png), forms post to this origin only, no <base>, no framing (the CAPTCHA page
 * must not be overlaid by another site: clickjacking).
 */
#define CSP "default-src 'none'; style-src 'self'; img-src 'self'; " \
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

int
web_headers_add(struct MHD_Response *r, enum web_cache cache, int https)
{
	char cc[64];

	if (MHD_add_response_header(r, "Content-Security-Policy", CSP) != MHD_YES ||
	    MHD_add_response_header(r, "X-Frame-Options", "DENY") != MHD_YES ||
	    MHD_add_response_header(r, "Referrer-Policy", "no-referrer") != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin") != MHD_YES ||
	    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin") != MHD_YES)
		return -1;
	if (https && MHD_add_response_header(r, "Strict-Transport-Security",
	    "max-age=31536000") != MHD_YES)
		return -1;
	if (cache == WEB_NO_STORE)
		snprintf(cc, sizeof(cc), "no-store");
	else
		snprintf(cc, sizeof(cc), "public, max-age=%d", WEB_ASSET_MAX_AGE);
	return MHD_add_response_header(r, "Cache-Control", cc) == MHD_YES ? 0 : -1;
}
