/*
 * release.c - the release flow behind GET and POST /r/TOKEN. See release.h.
 *
 * Every refusal is logged here, once, with the held message's id and the client:
 * this file has the context. Store errors are 500 pages (the sender may retry);
 * nothing is released unless store_release says so.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "captcha/captcha.h"
#include "common/log.h"
#include "common/template.h"
#include "common/token.h"
#include "common/xmalloc.h"
#include "release-web/csrf.h"
#include "release-web/form.h"
#include "release-web/page.h"
#include "release-web/release.h"
#include "release-web/web.h"
#include "store/store.h"

/* "challenge=" N "." ID "; Path=/r/" TOKEN "; Max-Age=..; HttpOnly; ..." */
#define COOKIE_MAX	256
/* Recipients shown on the page; more are summarised as "and N more". */
#define SHOWN_RCPTS	5

/* What the page says above the form after a refused answer. */
enum notice { NOTICE_NONE, NOTICE_WRONG, NOTICE_STALE };

static int
b64url_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

struct ctx {
	const struct web	*w;
	const struct release_req *q;
	struct reply		*r;
	struct store		*st;
	uint64_t		 id;
	struct store_held	 h;
	int64_t			 now;
};


static void
page(struct ctx *c, unsigned status, const char *name, struct tmpl_vars *v)
{
	page_set(c->w, c->r, status, c->q->lang, name, v);
}

/* A page that names nothing but the link: the token decides which. */
static void
simple(struct ctx *c, unsigned status, const char *name)
{
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_vars_set(v, "token", c->q->token, c->q->tokenlen);
	page(c, status, name, v);
	tmpl_vars_free(v);
}

/* The held message's id (0 when the token names none), never the token: a refused
 * link may still work (a wrong answer, a bad form, a limit), and whoever reads the
 * log must not be able to release with it. */
static void
log_refusal(const struct ctx *c, const char *reason)
{
	log_info("event=release_refused reason=%s held=%llu client=%s", reason,
	    (unsigned long long)c->id, c->q->client);
}

static void
server_error(struct ctx *c, const char *what, enum store_err e)
{
	log_err("event=store_error op=%s held=%llu error=\"%s\" detail=\"%s\"", what,
	    (unsigned long long)c->id, store_strerror(e),
	    c->st != NULL ? store_last_error(c->st) : "no store");
	page(c, 500, "error", NULL);
}

/*
 * STORE_CONFLICT when a recipient of the message blocks its sender (address or
 * domain, store_wl_lookup): a block set after the message was held also stops the
 * sender's own release, or the link would carry the very mail the recipient refused.
 * The recipient can still release it from their page.
 */
static enum store_err
blocked(struct ctx *c)
{
	struct store_wl_entry *v;
	enum store_err e = STORE_OK;
	size_t i, k, n;

	if (c->h.mail_from[0] == '\0')
		return STORE_OK;	/* the null sender matches no entry */
	for (i = 0; i < c->h.nrcpts && e == STORE_OK; i++) {
		/* entries are kept per mailbox (store_hold.mailboxes) */
		if ((e = store_wl_lookup(c->st, c->h.mailboxes[i], c->h.mail_from, c->now,
		    &v, &n)) != STORE_OK)
			break;
		for (k = 0; k < n; k++)
			if (v[k].action == STORE_WL_BLOCK)
				e = STORE_CONFLICT;
		store_wl_free(v, n);
	}
	return e;
}

/* Token, then the held message and its state. Returns 0 when the page may go on. */
static int
load(struct ctx *c)
{
	enum token_err te;
	enum store_err se;
	int64_t expiry;

	te = token_check(c->w->token_key, TOKEN_RELEASE, c->q->token, c->q->tokenlen, c->now,
	    &c->id, &expiry);
	if (te == TOKEN_EXPIRED) {
		log_refusal(c, "token_expired");
		simple(c, 410, "expired");
		return -1;
	}
	if (te != TOKEN_OK) {
		if (te == TOKEN_FORGED)
			log_warn("event=token_forged client=%s", c->q->client);
		log_refusal(c, token_strerror(te));
		page(c, 404, "notfound", NULL);
		return -1;
	}
	if ((c->st = web_store(c->w)) == NULL) {
		server_error(c, "open", STORE_IO);
		return -1;
	}
	se = store_held_get(c->st, (int64_t)c->id, false, &c->h);
	if (se == STORE_NOTFOUND || (se == STORE_OK && c->h.state == STORE_DELETED)) {
		log_refusal(c, "unknown_message");
		page(c, 404, "unknown", NULL);
		return -1;
	}
	if (se != STORE_OK) {
		server_error(c, "held_get", se);
		return -1;
	}
	if (c->h.token_spent || c->h.state == STORE_RELEASED ||
	    c->h.state == STORE_DELIVERED || c->h.state == STORE_FAILED) {
		log_refusal(c, "token_used");
		simple(c, 410, "used");
		return -1;
	}
	if (c->h.state != STORE_HELD || c->h.expires <= c->now) {
		log_refusal(c, "message_expired");
		simple(c, 410, "expired");
		return -1;
	}
	if ((se = blocked(c)) != STORE_OK) {
		if (se != STORE_CONFLICT) {
			server_error(c, "wl_lookup", se);
			return -1;
		}
		log_refusal(c, "sender_blocked");
		simple(c, 403, "blocked");
		return -1;
	}
	return 0;
}

/* Counts one attempt; returns 1 if over max (and answers 429), 0 if not, -1 on error. */
static int
over(struct ctx *c, enum store_attempt_kind kind, const char *key, unsigned max,
    const char *reason)
{
	struct store_actor by = { "sender", c->q->client };
	enum store_err e;
	uint64_t n;
	char what[128];

	e = store_attempt_hit(c->st, kind, key, c->now, c->w->limits.window, &n);
	if (e != STORE_OK) {
		server_error(c, "attempt_hit", e);
		return -1;
	}
	if (n <= max)
		return 0;
	log_refusal(c, reason);
	/* the first refusal of a window goes to the audit log, not every one of a flood */
	if (n == (uint64_t)max + 1) {
		snprintf(what, sizeof(what), "release refused: %s (held %llu)", reason,
		    (unsigned long long)c->id);
		if ((e = store_audit_add(c->st, c->now, &by, what)) != STORE_OK)
			log_err("event=store_error op=audit_add error=\"%s\"", store_strerror(e));
	}
	c->r->retry_after = (unsigned)c->w->limits.window;
	simple(c, 429, "toomany");
	return 1;
}

static void
held_vars(struct ctx *c, struct tmpl_vars *v)
{
	char buf[PAGE_WHEN_MAX], more[32];
	size_t i, n = c->h.nrcpts < SHOWN_RCPTS ? c->h.nrcpts : SHOWN_RCPTS;
	size_t len = 0;
	char *rcpts;

	for (i = 0; i < n; i++)
		len += strlen(c->h.rcpts[i]) + 2;
	rcpts = xmalloc(len + 1);
	rcpts[0] = '\0';
	for (i = 0, len = 0; i < n; i++) {
		size_t l = strlen(c->h.rcpts[i]);

		if (i > 0) {
			memcpy(rcpts + len, ", ", 2);
			len += 2;
		}
		memcpy(rcpts + len, c->h.rcpts[i], l);
		len += l;
	}
	tmpl_vars_set(v, "rcpt", rcpts, len);
	free(rcpts);
	if (c->h.nrcpts > n) {
		snprintf(more, sizeof(more), "%zu", c->h.nrcpts - n);
		tmpl_vars_set_str(v, "more_rcpts", more);
	}
	tmpl_vars_set_str(v, "sender", c->h.mail_from);
	tmpl_vars_set_str(v, "subject", c->h.subject);
	if (c->h.date[0] != '\0')
		tmpl_vars_set_str(v, "date", c->h.date);
	else {
		page_when(c->h.received, buf);
		tmpl_vars_set_str(v, "date", buf);
	}
	page_when(c->h.expires, buf);
	tmpl_vars_set_str(v, "until", buf);
}

/* The form: a fresh nonce, its MAC, the image that goes with it. Writes nothing. */
static void
form_page(struct ctx *c, unsigned status, enum notice notice)
{
	unsigned char raw[16];
	char nonce[RELEASE_NONCE_LEN + 1], csrf[CSRF_LEN + 1], dim[16];
	struct tmpl_vars *v;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(nonce, sizeof(nonce), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	csrf_make(c->w->csrf, c->q->token, c->q->tokenlen, nonce, RELEASE_NONCE_LEN, csrf);
	v = tmpl_vars_new();
	held_vars(c, v);
	tmpl_vars_set(v, "token", c->q->token, c->q->tokenlen);
	tmpl_vars_set_str(v, "nonce", nonce);
	tmpl_vars_set_str(v, "csrf", csrf);
	snprintf(dim, sizeof(dim), "%d", CAPTCHA_WIDTH);
	tmpl_vars_set_str(v, "img_width", dim);
	snprintf(dim, sizeof(dim), "%d", CAPTCHA_HEIGHT);
	tmpl_vars_set_str(v, "img_height", dim);
	snprintf(dim, sizeof(dim), "%d", CAPTCHA_ANSWER_MAX);
	tmpl_vars_set_str(v, "answer_max", dim);
	if (c->q->lang_explicit)
		tmpl_vars_set_str(v, "lang_q", lang_name(c->q->lang));
	if (notice == NOTICE_WRONG)
		tmpl_vars_set_str(v, "wrong", "1");
	else if (notice == NOTICE_STALE)
		tmpl_vars_set_str(v, "stale", "1");
	page(c, status, "release", v);
	tmpl_vars_free(v);
}

void
release_get(const struct web *w, const struct release_req *q, struct reply *r)
{
	struct ctx c = { .w = w, .q = q, .r = r, .now = (int64_t)time(NULL) };

	if (load(&c) == 0)
		form_page(&c, 200, NOTICE_NONE);
	store_held_clear(&c.h);
}

void
release_captcha(const struct web *w, const struct release_req *q, struct reply *r)
{
	struct ctx c = { .w = w, .q = q, .r = r, .now = (int64_t)time(NULL) };
	char answer[CAPTCHA_ANSWER_SIZE], cid[STORE_CHALLENGE_ID_LEN + 1];
	char key[STORE_KEY_MAX];
	unsigned char *png = NULL;
	size_t png_len = 0;
	enum store_err e;
	int alen;

	if (q->nonce == NULL || strnlen(q->nonce, RELEASE_NONCE_LEN + 1) != RELEASE_NONCE_LEN ||
	    !b64url_ok(q->nonce, RELEASE_NONCE_LEN)) {
		page(&c, 404, "notfound", NULL);
		return;
	}
	if (load(&c) != 0)
		goto done;
	snprintf(key, sizeof(key), "view:%s", q->client_key);
	if (over(&c, STORE_ATTEMPT_CLIENT, key, w->limits.views_per_client,
	    "too_many_images_client") != 0)
		goto done;
	if ((alen = captcha_new_answer(answer, sizeof(answer))) < 0) {
		page(&c, 500, "error", NULL);
		goto done;
	}
	e = store_challenge_new(c.st, (int64_t)c.id, answer, c.now, cid);
	if (e == STORE_OK &&
	    captcha_render(w->font, answer, (size_t)alen, &png, &png_len) != CAPTCHA_RENDER_OK)
		png = NULL;
	sodium_memzero(answer, sizeof(answer));
	if (e != STORE_OK) {
		server_error(&c, "challenge_new", e);
		goto done;
	}
	if (png == NULL) {
		log_err("event=captcha_render_failed held=%llu", (unsigned long long)c.id);
		page(&c, 500, "error", NULL);
		goto done;
	}
	r->set_cookie = xmalloc(COOKIE_MAX);
	snprintf(r->set_cookie, COOKIE_MAX,
	    "challenge=%s.%s; Path=/r/%.*s; Max-Age=%d; HttpOnly; SameSite=Strict%s",
	    q->nonce, cid, (int)q->tokenlen, q->token, STORE_CHALLENGE_TTL,
	    q->https ? "; Secure" : "");
	free(r->body);
	r->status = 200;
	r->body = (char *)png;
	r->len = png_len;
	r->type = "image/png";
	r->cache = WEB_NO_STORE;
done:
	store_held_clear(&c.h);
}

/* What the sender typed, as the store keeps answers: upper case, no surrounding
 * whitespace (captcha.h compares the same way). Writes "?" (matches nothing, as no
 * answer has it) for an empty or over-long answer, so the try still counts and
 * still uses up its challenge. */
static void
normalise(const char *buf, size_t len, char out[STORE_ANSWER_MAX + 1])
{
	size_t a = 0, b = len, i;

	while (a < b && strchr(" \t\r\n", buf[a]) != NULL)
		a++;
	while (b > a && strchr(" \t\r\n", buf[b - 1]) != NULL)
		b--;
	if (a == b || b - a > STORE_ANSWER_MAX) {
		memcpy(out, "?", 2);
		return;
	}
	for (i = a; i < b; i++) {
		char ch = buf[i];

		out[i - a] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
	}
	out[b - a] = '\0';
}

/* The challenge id from the cookie "N.ID" when N is the form's nonce. -1 when there
 * is none (the image was not loaded) or it is another page's (the image loaded last,
 * in another tab, wins). */
static int
cookie_challenge(const char *cookie, const struct form_field *n,
    char cid[STORE_CHALLENGE_ID_LEN + 1])
{
	if (cookie == NULL ||
	    strnlen(cookie, COOKIE_MAX) != RELEASE_NONCE_LEN + 1 + STORE_CHALLENGE_ID_LEN ||
	    cookie[RELEASE_NONCE_LEN] != '.' ||
	    memcmp(cookie, n->val, RELEASE_NONCE_LEN) != 0 ||
	    !b64url_ok(cookie + RELEASE_NONCE_LEN + 1, STORE_CHALLENGE_ID_LEN))
		return -1;
	memcpy(cid, cookie + RELEASE_NONCE_LEN + 1, STORE_CHALLENGE_ID_LEN);
	cid[STORE_CHALLENGE_ID_LEN] = '\0';
	return 0;
}

static void
whitelist(struct ctx *c, const struct store_actor *by)
{
	size_t i;

	if (c->h.mail_from[0] == '\0')
		return;	/* the null sender is never whitelisted */
	for (i = 0; i < c->h.nrcpts; i++) {
		struct store_wl_entry e = {
			.scope = STORE_WL_RECIPIENT,
			/* the mailbox: a later message to any of its subaddresses */
			.target = c->h.mailboxes[i],
			.sender = c->h.mail_from,
			.origin = STORE_WL_BY_RELEASE,
			/* what the sender was seen as when held: a later message must
			 * authenticate the same way, or come from there (whitelist.h) */
			.auth_domain = c->h.auth_domain != NULL ? c->h.auth_domain : "",
			.client_net = c->h.client_addr,
			.created = c->now,
			.expires = 0,
		};
		enum store_err se = store_wl_add(c->st, &e, by, NULL);

		if (se == STORE_CONFLICT)	/* the recipient blocks it: stays blocked */
			log_info("event=wl_kept_block held=%llu", (unsigned long long)c->id);
		else if (se != STORE_OK)
			log_err("event=store_error op=wl_add held=%llu error=\"%s\" detail=\"%s\"",
			    (unsigned long long)c->id, store_strerror(se), store_last_error(c->st));
	}
}

static void
released(struct ctx *c)
{
	struct store_actor by = { "sender", c->q->client };
	struct tmpl_vars *v;
	enum store_err e;

	e = store_release(c->st, (int64_t)c->id, STORE_BY_TOKEN, c->now, &by);
	if (e == STORE_SPENT || e == STORE_CONFLICT) {
		/* another request released it first: nothing queued twice */
		log_refusal(c, "token_used");
		simple(c, 410, "used");
		return;
	}
	if (e != STORE_OK) {
		server_error(c, "release", e);
		return;
	}
	log_info("event=released held=%llu client=%s rcpts=%zu", (unsigned long long)c->id,
	    c->q->client, c->h.nrcpts);
	whitelist(c, &by);
	v = tmpl_vars_new();
	held_vars(c, v);
	page(c, 200, "released", v);
	tmpl_vars_free(v);
}

/* The Origin of a form post, when the browser names one, must be ours ("null" is
 * what browsers send under Referrer-Policy: no-referrer, and tells nothing). */
static int
origin_ok(const struct web *w, const char *origin)
{
	return origin == NULL || strcmp(origin, "null") == 0 || strcmp(origin, w->origin) == 0;
}

void
release_post(const struct web *w, const struct release_req *q, struct reply *r)
{
	struct ctx c = { .w = w, .q = q, .r = r, .now = (int64_t)time(NULL) };
	const struct form_field *nonce, *csrf, *ans;
	char key[STORE_KEY_MAX], answer[STORE_ANSWER_MAX + 1];
	char cid[STORE_CHALLENGE_ID_LEN + 1];
	enum store_answer res;
	enum store_err e;
	struct form f;
	const char *why;
	int64_t cheld;

	memset(&f, 0, sizeof(f));
	if (load(&c) != 0)
		goto done;
	if (form_parse(q->body, q->bodylen, &f, &why) != FORM_OK) {
		log_refusal(&c, "bad_form");
		page(&c, 400, "badrequest", NULL);
		goto done;
	}
	snprintf(key, sizeof(key), "%llu", (unsigned long long)c.id);
	if (over(&c, STORE_ATTEMPT_TOKEN, key, w->limits.per_token, "too_many_tries_token"))
		goto done;
	snprintf(key, sizeof(key), "try:%s", q->client_key);
	if (over(&c, STORE_ATTEMPT_CLIENT, key, w->limits.per_client, "too_many_tries_client"))
		goto done;
	if (c.h.mail_from[0] != '\0' && over(&c, STORE_ATTEMPT_SENDER, c.h.mail_from,
	    w->limits.per_sender, "too_many_tries_sender"))
		goto done;
	nonce = form_get(&f, "n");
	csrf = form_get(&f, "csrf");
	ans = form_get(&f, "answer");
	if (nonce == NULL || nonce->len != RELEASE_NONCE_LEN || csrf == NULL || ans == NULL) {
		log_refusal(&c, "bad_form");
		page(&c, 400, "badrequest", NULL);
		goto done;
	}
	if (!origin_ok(w, q->origin) || csrf_check(w->csrf, q->token, q->tokenlen,
	    nonce->val, nonce->len, csrf->val, csrf->len) != 0) {
		log_refusal(&c, origin_ok(w, q->origin) ? "bad_csrf" : "bad_origin");
		simple(&c, 403, "forbidden");
		goto done;
	}
	if (cookie_challenge(q->cookie, nonce, cid) != 0) {
		log_refusal(&c, "no_challenge_cookie");
		form_page(&c, 422, NOTICE_STALE);
		goto done;
	}
	normalise(ans->val, ans->len, answer);
	e = store_challenge_check(c.st, cid, answer, c.now, 1, &cheld, &res);
	sodium_memzero(answer, sizeof(answer));
	if (e == STORE_NOTFOUND) {
		/* answered already (a second click), or purged: a fresh image */
		log_refusal(&c, "stale_challenge");
		form_page(&c, 422, NOTICE_STALE);
		goto done;
	}
	if (e != STORE_OK) {
		server_error(&c, "challenge_check", e);
		goto done;
	}
	if (cheld != c.h.id) {
		log_refusal(&c, "challenge_of_other_message");
		simple(&c, 403, "forbidden");
		goto done;
	}
	switch (res) {
	case STORE_ANSWER_RIGHT:
		released(&c);
		break;
	case STORE_ANSWER_EXPIRED:
		log_refusal(&c, "challenge_expired");
		form_page(&c, 422, NOTICE_STALE);
		break;
	case STORE_ANSWER_WRONG:
	case STORE_ANSWER_EXHAUSTED:
		log_refusal(&c, "wrong_answer");
		form_page(&c, 422, NOTICE_WRONG);
		break;
	}
done:
	form_clear(&f);
	store_held_clear(&c.h);
}
