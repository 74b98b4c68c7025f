/*
 * page.h - what a handler answers, and the rendering of a page: the body template
 * LANG/NAME.html inside LANG/layout.html, titled by the text template LANG/NAME.title.
 *
 * A reply owns its body (free()) unless it is a static asset's. When a template
 * fails to render (a bug, or a value a text template refuses), page_set answers the
 * fixed 500 page of page_fail instead and logs why: a person still gets a page.
 */
#ifndef ECLUSE_PAGE_H
#define ECLUSE_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "release-web/headers.h"
#include "release-web/lang.h"

struct web;
struct tmpl_vars;
struct asset;

struct reply {
	unsigned		 status;
	char			*body;		/* owned, or NULL with asset set */
	size_t			 len;
	const struct asset	*asset;		/* a static asset (not owned) */
	enum web_cache		 cache;
	const char		*allow;		/* 405: Allow header */
	unsigned		 retry_after;	/* 429: seconds; 0: no header */
	const char		*type;		/* Content-Type; NULL: HTML */
	char			*set_cookie;	/* owned Set-Cookie value, or NULL */
};

/* Every page a handler can answer, with its status; names match the templates. */
#define PAGE_NAMES "home", "release", "released", "notfound", "expired", "used", \
	"unknown", "toomany", "badrequest", "forbidden", "method", "error", \
	"recipient", "rnotfound", "rexpired", "runknown", "rforbidden", "blocked"

/* Renders NAME for lang with vars (may be NULL) into r, status set. */
void page_set(const struct web *w, struct reply *r, unsigned status, enum lang lang,
    const char *name, const struct tmpl_vars *vars);
/* The last resort 500: a fixed page that needs no template. */
void page_fail(struct reply *r);
/* A time as pages show it, "YYYY-MM-DD HH:MM UTC" ("?" if it cannot be shown). */
#define PAGE_WHEN_MAX 32
void page_when(int64_t t, char out[PAGE_WHEN_MAX]);
/* Checks at start that every page exists for every language; 0, or -1 and err. */
int page_check_templates(const struct web *w, char *err, size_t errsz);
void reply_clear(struct reply *r);

#endif
