/*
 * recipient.c - the recipient page behind GET and POST /u/TOKEN. See recipient.h.
 *
 * Every refusal is logged here once, with the recipient id and the client. The list
 * is rendered one row template at a time (the template engine has no loop) and the
 * rows are joined into the page as markup this file built (tmpl_vars_set_raw).
 */
#include "config.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "common/template.h"
#include "common/token.h"
#include "common/xmalloc.h"
#include "release-web/csrf.h"
#include "release-web/form.h"
#include "release-web/page.h"
#include "release-web/recipient.h"
#include "release-web/release.h"
#include "release-web/web.h"
#include "store/store.h"

/* "rcpt:" and an address */
#define ACTOR_MAX	(STORE_ADDR_MAX + 8)
/* Decimal digits of an int64_t id. */
#define ID_DIGITS_MAX	19

struct ctx {
	const struct web		*w;
	const struct release_req	*q;
	struct reply			*r;
	struct store			*st;
	uint64_t			 rid;
	char				*address;
	int64_t				 now;
};

/* A growing buffer of rendered rows. */
struct rows {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

static void
rows_add(struct rows *b, const char *s, size_t len)
{
	if (len > b->cap - b->len) {
		size_t want = b->len + len;

		b->cap = want < 4096 ? 4096 : want * 2;
		b->buf = xreallocarray(b->buf, b->cap, 1);
	}
	memcpy(b->buf + b->len, s, len);
	b->len += len;
}


static void
page(struct ctx *c, unsigned status, const char *name)
{
	struct tmpl_vars *v = tmpl_vars_new();

	tmpl_vars_set(v, "token", c->q->token, c->q->tokenlen);
	page_set(c->w, c->r, status, c->q->lang, name, v);
	tmpl_vars_free(v);
}

/* The recipient's id (0 when the token names none), never the token: a refused post
 * comes with a link that still works, and the log must not open the page. */
static void
log_refusal(const struct ctx *c, const char *reason)
{
	log_info("event=recipient_refused reason=%s recipient=%llu client=%s", reason,
	    (unsigned long long)c->rid, c->q->client);
}

static void
server_error(struct ctx *c, const char *what, enum store_err e)
{
	log_err("event=store_error op=%s recipient=%llu error=\"%s\" detail=\"%s\"", what,
	    (unsigned long long)c->rid, store_strerror(e),
	    c->st != NULL ? store_last_error(c->st) : "no store");
	page_set(c->w, c->r, 500, c->q->lang, "error", NULL);
}

/* The token, then the recipient's address. Returns 0 when the page may go on. */
static int
load(struct ctx *c)
{
	enum token_err te;
	enum store_err se;

	te = token_check(c->w->token_key, TOKEN_RECIPIENT, c->q->token, c->q->tokenlen,
	    c->now, &c->rid, NULL);
	if (te == TOKEN_EXPIRED) {
		log_refusal(c, "token_expired");
		page(c, 410, "rexpired");
		return -1;
	}
	if (te != TOKEN_OK) {
		if (te == TOKEN_FORGED)
			log_warn("event=token_forged client=%s", c->q->client);
		log_refusal(c, token_strerror(te));
		page(c, 404, "rnotfound");
		return -1;
	}
	if ((c->st = web_store(c->w)) == NULL) {
		server_error(c, "open", STORE_IO);
		return -1;
	}
	se = store_recipient_address(c->st, (int64_t)c->rid, &c->address);
	if (se == STORE_NOTFOUND || se == STORE_INVALID) {
		/* a genuine token for an id this store does not know: another install's */
		log_refusal(c, "unknown_recipient");
		page(c, 404, "rnotfound");
		return -1;
	}
	if (se != STORE_OK) {
		server_error(c, "recipient_address", se);
		return -1;
	}
	return 0;
}

/* Renders the row template name with v and appends it to b. */
static int
row(struct ctx *c, const char *name, const struct tmpl_vars *v, struct rows *b)
{
	const struct tmpl *t = tmpl_set_get(c->w->tmpl, lang_name(c->q->lang), name);
	enum tmpl_err e;
	size_t len;
	char *out;

	if (t == NULL) {
		log_err("event=template_missing lang=%s name=%s", lang_name(c->q->lang), name);
		return -1;
	}
	if ((out = tmpl_render(t, v, &len, &e)) == NULL) {
		log_err("event=template_render lang=%s name=%s error=\"%s\"",
		    lang_name(c->q->lang), name, tmpl_strerror(e));
		return -1;
	}
	rows_add(b, out, len);
	free(out);
	return 0;
}

/* What every form on the page carries. */
static void
form_vars(struct ctx *c, struct tmpl_vars *v, const char *nonce, const char *csrf)
{
	tmpl_vars_set(v, "token", c->q->token, c->q->tokenlen);
	tmpl_vars_set_str(v, "nonce", nonce);
	tmpl_vars_set_str(v, "csrf", csrf);
	if (c->q->lang_explicit)
		tmpl_vars_set_str(v, "lang_q", lang_name(c->q->lang));
}

static int
held_rows(struct ctx *c, const char *nonce, const char *csrf, struct rows *b, size_t *n)
{
	struct store_held_filter f = {
		.rcpt = c->address, .state = STORE_HELD, .limit = RECIPIENT_PAGE_HELD,
	};
	struct store_held *v = NULL;
	enum store_err e;
	size_t i;
	int ret = 0;

	if ((e = store_held_list(c->st, &f, &v, n)) != STORE_OK) {
		server_error(c, "held_list", e);
		return -1;
	}
	for (i = 0; i < *n && ret == 0; i++) {
		struct tmpl_vars *tv = tmpl_vars_new();
		const char *dom = strrchr(v[i].mail_from, '@');
		char id[ID_DIGITS_MAX + 2], date[PAGE_WHEN_MAX];

		form_vars(c, tv, nonce, csrf);
		snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
		tmpl_vars_set_str(tv, "id", id);
		tmpl_vars_set_str(tv, "sender", v[i].mail_from);
		if (dom != NULL && dom[1] != '\0')
			tmpl_vars_set_str(tv, "sender_domain", dom + 1);
		tmpl_vars_set_str(tv, "subject", v[i].subject);
		if (v[i].date[0] != '\0')
			tmpl_vars_set_str(tv, "date", v[i].date);
		else {
			page_when(v[i].received, date);
			tmpl_vars_set_str(tv, "date", date);
		}
		ret = row(c, "recipient-held.html", tv, b);
		tmpl_vars_free(tv);
	}
	store_held_list_free(v, *n);
	if (ret != 0)
		page_fail(c->r);
	return ret;
}

/* The recipient's own entries of one action (allowed or blocked senders); both lists
 * share the row template, whose button removes the entry. */
static int
wl_rows(struct ctx *c, enum store_wl_action action, const char *nonce, const char *csrf,
    struct rows *b, size_t *n)
{
	struct store_wl_filter f = {
		.scope = STORE_WL_RECIPIENT, .action = action, .target = c->address,
		.limit = RECIPIENT_PAGE_WL,
	};
	struct store_wl_entry *v = NULL;
	enum store_err e;
	size_t i;
	int ret = 0;

	if ((e = store_wl_list(c->st, &f, &v, n)) != STORE_OK) {
		server_error(c, "wl_list", e);
		return -1;
	}
	for (i = 0; i < *n && ret == 0; i++) {
		struct tmpl_vars *tv = tmpl_vars_new();
		char date[PAGE_WHEN_MAX];

		form_vars(c, tv, nonce, csrf);
		tmpl_vars_set_str(tv, "sender", v[i].sender);
		if (strchr(v[i].sender, '@') == NULL)
			tmpl_vars_set_str(tv, "is_domain", "1");
		if (v[i].origin == STORE_WL_BY_RELEASE)
			tmpl_vars_set_str(tv, "by_release", "1");
		page_when(v[i].created, date);
		tmpl_vars_set_str(tv, "since", date);
		ret = row(c, "recipient-wl.html", tv, b);
		tmpl_vars_free(tv);
	}
	store_wl_free(v, *n);
	if (ret != 0)
		page_fail(c->r);
	return ret;
}

/* The page: a fresh nonce and its form MAC, the lists, and a notice (or NULL) about
 * what the last post did. */
static void
show(struct ctx *c, unsigned status, const char *notice)
{
	unsigned char raw[16];
	char nonce[RELEASE_NONCE_LEN + 1], csrf[CSRF_LEN + 1], count[24], name[40];
	struct rows held = { 0 }, wl = { 0 }, bl = { 0 };
	struct tmpl_vars *v;
	size_t nheld = 0, nwl = 0, nbl = 0;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(nonce, sizeof(nonce), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	csrf_make(c->w->csrf, c->q->token, c->q->tokenlen, nonce, RELEASE_NONCE_LEN, csrf);
	if (held_rows(c, nonce, csrf, &held, &nheld) != 0 ||
	    wl_rows(c, STORE_WL_ALLOW, nonce, csrf, &wl, &nwl) != 0 ||
	    wl_rows(c, STORE_WL_BLOCK, nonce, csrf, &bl, &nbl) != 0)
		goto done;
	v = tmpl_vars_new();
	form_vars(c, v, nonce, csrf);
	tmpl_vars_set_str(v, "address", c->address);
	snprintf(count, sizeof(count), "%zu", nheld);
	tmpl_vars_set_str(v, "held_count", count);
	if (nheld > 0)
		tmpl_vars_set_raw(v, "held_rows", held.buf, held.len);
	if (nheld >= RECIPIENT_PAGE_HELD)
		tmpl_vars_set_str(v, "held_more", "1");
	if (nwl > 0)
		tmpl_vars_set_raw(v, "wl_rows", wl.buf, wl.len);
	if (nbl > 0)
		tmpl_vars_set_raw(v, "bl_rows", bl.buf, bl.len);
	if (notice != NULL) {
		snprintf(name, sizeof(name), "notice_%s", notice);
		tmpl_vars_set_str(v, name, "1");
	}
	page_set(c->w, c->r, status, c->q->lang, "recipient", v);
	tmpl_vars_free(v);
done:
	free(held.buf);
	free(wl.buf);
	free(bl.buf);
}

void
recipient_get(const struct web *w, const struct release_req *q, struct reply *r)
{
	struct ctx c = { .w = w, .q = q, .r = r, .now = (int64_t)time(NULL) };

	if (load(&c) == 0)
		show(&c, 200, NULL);
	free(c.address);
}

/* Whether recipient i of h is this page's: its address, or its mailbox (held for a
 * subaddress, common/mailbox.h). The held list of the page matches the same way
 * (store_held_filter.rcpt). */
static bool
is_mine(const struct ctx *c, const struct store_held *h, size_t i)
{
	return strcasecmp(h->rcpts[i], c->address) == 0 ||
	    strcasecmp(h->mailboxes[i], c->address) == 0;
}

/* The message id of the form when it is a message of this recipient, loaded in h;
 * else answers 404 (exactly as for an id that does not exist) and returns -1. */
static int
own_message(struct ctx *c, const struct form_field *id, struct store_held *h)
{
	enum store_err e;
	int64_t v = 0;
	size_t i;

	if (id == NULL || id->len == 0 || id->len > ID_DIGITS_MAX)
		goto unknown;
	for (i = 0; i < id->len; i++) {
		int d = id->val[i] - '0';

		/* 19 digits may pass INT64_MAX: no id of the store is that large */
		if (d < 0 || d > 9 || v > (INT64_MAX - d) / 10)
			goto unknown;
		v = v * 10 + d;
	}
	e = store_held_get(c->st, v, false, h);
	if (e == STORE_NOTFOUND)
		goto unknown;
	if (e != STORE_OK) {
		server_error(c, "held_get", e);
		return -1;
	}
	for (i = 0; i < h->nrcpts; i++)
		if (is_mine(c, h, i) && h->state != STORE_DELETED)
			return 0;
	store_held_clear(h);
unknown:
	log_refusal(c, "not_this_recipients_message");
	page(c, 404, "runknown");
	return -1;
}

static void
do_release(struct ctx *c, const struct form_field *id, const struct store_actor *by)
{
	struct store_held h = { 0 };
	enum store_err e;

	if (own_message(c, id, &h) != 0)
		return;
	e = store_release(c->st, h.id, STORE_BY_OPERATOR, c->now, by);
	if (e == STORE_CONFLICT) {
		show(c, 409, "gone");
	} else if (e != STORE_OK)
		server_error(c, "release", e);
	else {
		log_info("event=released held=%lld by=recipient recipient=%llu client=%s",
		    (long long)h.id, (unsigned long long)c->rid, c->q->client);
		show(c, 200, "released");
	}
	store_held_clear(&h);
}

static void
do_delete(struct ctx *c, const struct form_field *id, const struct store_actor *by)
{
	struct store_held h = { 0 };
	enum store_err e;
	size_t i;

	if (own_message(c, id, &h) != 0)
		return;
	for (i = 0; i < h.nrcpts; i++)
		if (!is_mine(c, &h, i)) {
			/* the message is also another recipient's: not ours to delete */
			log_refusal(c, "shared_message");
			show(c, 409, "shared");
			goto done;
		}
	e = store_held_delete(c->st, h.id, c->now, by);
	if (e == STORE_CONFLICT)
		show(c, 409, "gone");
	else if (e != STORE_OK)
		server_error(c, "delete", e);
	else {
		log_info("event=deleted held=%lld by=recipient recipient=%llu client=%s",
		    (long long)h.id, (unsigned long long)c->rid, c->q->client);
		show(c, 200, "deleted");
	}
done:
	store_held_clear(&h);
}

/* A host name (RFC 1035 2.3.1 letters, digits and hyphens, RFC 1123 2.1 leading
 * digits) with at least one dot, whose labels may also hold non-ASCII bytes (an
 * SMTPUTF8 U-label, RFC 6531 3.3), or an address literal (RFC 5321 4.1.3, checked
 * loosely: printable, no brackets or backslash inside): the domains ecluse-smtpd
 * takes in MAIL FROM, and what a recipient may allow or block as "everyone at". */
static int
domain_ok(const char *s, size_t len)
{
	size_t i, label = 0, dots = 0;

	if (len == 0 || len > STORE_DOMAIN_MAX)
		return 0;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return 0;
		for (i = 1; i + 1 < len; i++)
			if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126 ||
			    s[i] == '[' || s[i] == ']' || s[i] == '\\')
				return 0;
		return 1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			dots++;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch >= 0x80 || (ch == '-' && label > 0)) {
			if (++label > 63)	/* RFC 1035 2.3.4 */
				return 0;
		} else
			return 0;
	}
	return dots > 0 && label > 0 && s[len - 1] != '-';
}

/* A local part as ecluse-smtpd takes it (RFC 5321 4.1.2): a dot-string of printable
 * ASCII outside the characters that quote or delimit an address, plus non-ASCII bytes
 * (SMTPUTF8); or a quoted string, whose inside may hold spaces and quoted pairs but no
 * control character. 4.5.3.1.1: at most 64 bytes, the quotes aside. */
static int
local_ok(const char *s, size_t len)
{
	size_t i;

	if (len >= 2 && s[0] == '"') {
		if (s[len - 1] != '"' || len - 2 > 64)
			return 0;
		for (i = 1; i + 1 < len; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch == '\\' && i + 2 < len)
				ch = (unsigned char)s[++i];
			else if (ch == '"' || ch == '\\')
				return 0;
			if (ch < ' ' || ch == 0x7f)
				return 0;
		}
		return 1;
	}
	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f ||
		    strchr("\"(),:;<>@[\\]", s[i]) != NULL)
			return 0;
	return 1;
}

/* A domain, or local@domain (the last '@': a quoted local part may hold one). */
static int
sender_ok(const char *s, size_t len)
{
	const char *at = memrchr(s, '@', len);
	size_t llen;

	if (at == NULL)
		return domain_ok(s, len);
	llen = (size_t)(at - s);
	if (len > STORE_ADDR_MAX)
		return 0;
	return local_ok(s, llen) && domain_ok(at + 1, len - llen - 1);
}

enum wl_op { WL_ALLOW, WL_BLOCK, WL_REMOVE };

/* Allows, blocks or removes (whichever it is) the sender field for this recipient
 * only. Allowing a blocked sender or blocking an allowed one replaces the entry. */
static void
do_wl(struct ctx *c, const struct form_field *sender, enum wl_op op,
    const struct store_actor *by)
{
	static const char *const done[] = { "allowed", "blocked", "removed" };
	enum store_err e;

	if (sender == NULL || !sender_ok(sender->val, sender->len)) {
		show(c, 400, "bad_sender");
		return;
	}
	if (op != WL_REMOVE) {
		struct store_wl_entry ent = {
			.scope = STORE_WL_RECIPIENT,
			.target = c->address,
			.sender = sender->val,
			.origin = STORE_WL_BY_RECIPIENT,
			.action = op == WL_BLOCK ? STORE_WL_BLOCK : STORE_WL_ALLOW,
			.auth_domain = "",
			.client_net = "",
			.created = c->now,
			.expires = 0,
		};

		e = store_wl_add(c->st, &ent, by, NULL);
	} else
		e = store_wl_remove(c->st, STORE_WL_RECIPIENT, c->address, sender->val, c->now,
		    by);
	if (e == STORE_INVALID)
		show(c, 400, "bad_sender");
	else if (e == STORE_NOTFOUND)
		show(c, 409, "gone");
	else if (e != STORE_OK)
		server_error(c, op != WL_REMOVE ? "wl_add" : "wl_remove", e);
	else {
		if (op == WL_BLOCK)
			log_info("event=blocked by=recipient recipient=%llu client=%s",
			    (unsigned long long)c->rid, c->q->client);
		show(c, 200, done[op]);
	}
}

/* The Origin of a form post, when the browser names one, must be ours ("null" is
 * what browsers send under Referrer-Policy: no-referrer, and tells nothing). */
static int
origin_ok(const struct web *w, const char *origin)
{
	return origin == NULL || strcmp(origin, "null") == 0 || strcmp(origin, w->origin) == 0;
}

void
recipient_post(const struct web *w, const struct release_req *q, struct reply *r)
{
	struct ctx c = { .w = w, .q = q, .r = r, .now = (int64_t)time(NULL) };
	const struct form_field *nonce, *csrf, *action;
	char who[ACTOR_MAX];
	struct store_actor by;
	struct form f;
	const char *why;

	memset(&f, 0, sizeof(f));
	if (load(&c) != 0)
		goto done;
	if (form_parse(q->body, q->bodylen, &f, &why) != FORM_OK) {
		log_refusal(&c, "bad_form");
		page_set(w, r, 400, q->lang, "badrequest", NULL);
		goto done;
	}
	nonce = form_get(&f, "n");
	csrf = form_get(&f, "csrf");
	action = form_get(&f, "action");
	if (nonce == NULL || nonce->len != RELEASE_NONCE_LEN || csrf == NULL || action == NULL) {
		log_refusal(&c, "bad_form");
		page_set(w, r, 400, q->lang, "badrequest", NULL);
		goto done;
	}
	if (!origin_ok(w, q->origin) || csrf_check(w->csrf, q->token, q->tokenlen,
	    nonce->val, nonce->len, csrf->val, csrf->len) != 0) {
		log_refusal(&c, origin_ok(w, q->origin) ? "bad_csrf" : "bad_origin");
		page(&c, 403, "rforbidden");
		goto done;
	}
	snprintf(who, sizeof(who), "rcpt:%s", c.address);
	by.who = who;
	by.from = q->client;
	if (strcmp(action->val, "release") == 0)
		do_release(&c, form_get(&f, "id"), &by);
	else if (strcmp(action->val, "delete") == 0)
		do_delete(&c, form_get(&f, "id"), &by);
	else if (strcmp(action->val, "allow") == 0)
		do_wl(&c, form_get(&f, "sender"), WL_ALLOW, &by);
	else if (strcmp(action->val, "block") == 0)
		do_wl(&c, form_get(&f, "sender"), WL_BLOCK, &by);
	else if (strcmp(action->val, "remove") == 0)
		do_wl(&c, form_get(&f, "sender"), WL_REMOVE, &by);
	else {
		log_refusal(&c, "bad_action");
		page_set(w, r, 400, q->lang, "badrequest", NULL);
	}
done:
	form_clear(&f);
	free(c.address);
}
