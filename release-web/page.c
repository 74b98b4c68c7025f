/*
 * page.c - page rendering in the layout. See page.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/template.h"
#include "common/xmalloc.h"
#include "release-web/page.h"
#include "release-web/web.h"

/* Longest page file name ("NAME.title"). */
#define PAGE_FILE_MAX	64

static const char fail_html[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Server error</title></head><body><h1>Server error</h1>"
    "<p>Something went wrong on our side. Please try again in a few minutes.</p>"
    "<p lang=\"fr\">Une erreur s'est produite de notre c\xc3\xb4t\xc3\xa9. "
    "Veuillez r\xc3\xa9\x65ssayer dans quelques minutes.</p></body></html>\n";

void
page_fail(struct reply *r)
{
	free(r->body);
	r->status = 500;
	r->body = xstrndup(fail_html, sizeof(fail_html) - 1);
	r->len = sizeof(fail_html) - 1;
	r->asset = NULL;
	r->type = NULL;
	r->cache = WEB_NO_STORE;
}

static char *
render(const struct web *w, const char *lang, const char *file,
    const struct tmpl_vars *v, size_t *len)
{
	const struct tmpl *t = tmpl_set_get(w->tmpl, lang, file);
	enum tmpl_err e;
	char *out;

	if (t == NULL) {
		log_err("event=template_missing lang=%s name=%s", lang, file);
		return NULL;
	}
	if ((out = tmpl_render(t, v, len, &e)) == NULL)
		log_err("event=template_render lang=%s name=%s error=\"%s\"", lang, file,
		    tmpl_strerror(e));
	return out;
}

void
page_set(const struct web *w, struct reply *r, unsigned status, enum lang lang,
    const char *name, const struct tmpl_vars *vars)
{
	const char *l = lang_name(lang);
	struct tmpl_vars *lv;
	char file[PAGE_FILE_MAX];
	char *body, *title;
	size_t blen, tlen;

	snprintf(file, sizeof(file), "%s.html", name);
	body = render(w, l, file, vars, &blen);
	snprintf(file, sizeof(file), "%s.title", name);
	title = render(w, l, file, vars, &tlen);
	if (body == NULL || title == NULL) {
		free(body);
		free(title);
		page_fail(r);
		return;
	}
	lv = tmpl_vars_new();
	tmpl_vars_set(lv, "title", title, tlen);
	tmpl_vars_set_raw(lv, "body", body, blen);
	free(body);
	free(title);
	free(r->body);
	r->asset = NULL;
	r->body = render(w, l, "layout.html", lv, &r->len);
	tmpl_vars_free(lv);
	if (r->body == NULL) {
		page_fail(r);
		return;
	}
	r->status = status;
	r->type = NULL;
	r->cache = WEB_NO_STORE;
}

void
page_when(int64_t t, char out[PAGE_WHEN_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, PAGE_WHEN_MAX, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, PAGE_WHEN_MAX, "?");
}

int
page_check_templates(const struct web *w, char *err, size_t errsz)
{
	static const char *const names[] = { PAGE_NAMES };
	static const char *const suffix[] = { ".html", ".title" };
	char file[PAGE_FILE_MAX];
	size_t i, s;
	int l;

	for (l = 0; l < LANG_COUNT; l++) {
		if (tmpl_set_get(w->tmpl, lang_name((enum lang)l), "layout.html") == NULL) {
			snprintf(err, errsz, "template %s/layout.html missing",
			    lang_name((enum lang)l));
			return -1;
		}
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			for (s = 0; s < 2; s++) {
				snprintf(file, sizeof(file), "%s%s", names[i], suffix[s]);
				if (tmpl_set_get(w->tmpl, lang_name((enum lang)l), file) == NULL) {
					snprintf(err, errsz, "template %s/%s missing",
					    lang_name((enum lang)l), file);
					return -1;
				}
			}
	}
	return 0;
}

void
reply_clear(struct reply *r)
{
	free(r->body);
	free(r->set_cookie);
	memset(r, 0, sizeof(*r));
}
