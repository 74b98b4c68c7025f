/*
 * web.h - what every request handler of ecluse-web shares: the loaded templates and
 * assets, the keys, the CAPTCHA font, the limits. Built by main at start and on each
 * reload, as part of one version of the config (webconf.h), read-only once published
 * (the store handles are per thread: see web_store).
 */
#ifndef ECLUSE_WEB_H
#define ECLUSE_WEB_H

#include <stddef.h>
#include <stdint.h>

struct tmpl_set;
struct assets;
struct csrf;
struct token_key;
struct captcha_font;
struct store;
struct proxies;

/* Brute force of the CAPTCHA, counted in the store so that every ecluse-web
 * process (and a restart) sees the same counts. A window is fixed, starting at its
 * first attempt. */
struct web_limits {
	int64_t		window;		/* seconds */
	unsigned	per_token;	/* answers to one release link */
	unsigned	per_client;	/* answers from one client address */
	unsigned	per_sender;	/* answers for the mail of one sender */
	unsigned	views_per_client; /* CAPTCHA images (each stores a challenge) */
};
/* Defaults until these are config keys; a build may set others with CPPFLAGS
 * (bench/web.sh raises the page limit to measure pages, not 429s). */
#ifndef WEB_LIMIT_WINDOW
#define WEB_LIMIT_WINDOW		3600
#endif
#ifndef WEB_LIMIT_PER_TOKEN
#define WEB_LIMIT_PER_TOKEN		10
#endif
#ifndef WEB_LIMIT_PER_CLIENT
#define WEB_LIMIT_PER_CLIENT		30
#endif
#ifndef WEB_LIMIT_PER_SENDER
#define WEB_LIMIT_PER_SENDER		100
#endif
#ifndef WEB_LIMIT_VIEWS_PER_CLIENT
#define WEB_LIMIT_VIEWS_PER_CLIENT	300
#endif

struct web {
	const struct tmpl_set	*tmpl;
	const struct assets	*assets;
	const struct csrf	*csrf;
	const struct token_key	*token_key;
	const struct captcha_font *font;
	const char		*store_path;
	const char		*origin;	/* scheme://host[:port] of base_url */
	int			 https;		/* base_url is https: send HSTS */
	const struct proxies	*proxies;	/* [web] trusted_proxies */
	struct web_limits	 limits;
};

/*
 * The store of the calling thread, opened on first use (a struct store belongs to the
 * thread that opened it; libmicrohttpd runs each connection in one of its pool
 * threads). NULL when it cannot be opened: the caller answers 500. Thread-safe.
 */
struct store *web_store(const struct web *w);
/* Closes every store web_store opened; only once the HTTP daemon is stopped. */
void web_store_close_all(void);

#endif
