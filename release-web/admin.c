/*
 * admin.c - the admin API's endpoints (see admin.h and docs/api.md):
 *
 *   GET    /api/v1/held                 list, filters rcpt sender state since until
 *                                       limit before
 *   GET    /api/v1/held/ID              one message (without its content)
 *   POST   /api/v1/held/ID/release      operator release (held or failed only)
 *   DELETE /api/v1/held/ID              delete
 *   GET    /api/v1/whitelist            list, filters scope target sender after limit
 *   POST   /api/v1/whitelist            add: scope target sender [expires]
 *   DELETE /api/v1/whitelist            remove: scope target sender
 *   GET    /api/v1/domains              served domains, next hops, settings, held
 *   GET    /api/v1/stats                store counters
 *
 * Parameters are checked here against their own rules (numbers in range, a state
 * name, a scope); what the store checks itself (address limits) comes back as 400.
 *
 * A per-domain token (rq->scope not "all"): admin_scope.h says what it reaches, and
 * this file applies it to every endpoint. Lists show what it reaches only (a filter
 * outside it gives an empty list), with the recipients of other domains left out; a
 * message it does not reach is 404 as one that does not exist; a message with
 * recipients out of its reach is never released or deleted by it (403: the store
 * keeps one state per message, and a release delivers to every recipient); a
 * whitelist change out of its reach, and the stats (the whole service's), are 403.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "common/mailbox.h"
#include "release-web/admin.h"
#include "release-web/admin_scope.h"
#include "release-web/form.h"
#include "release-web/json.h"
#include "release-web/web.h"
#include "store/store.h"

/* Rows a list returns unless limit says otherwise. */
#define ADMIN_LIST_DEFAULT	100
/* Whitelist rows one request of a per-domain token reads to fill its page: the
 * store cannot filter entries by recipient domain, so the page is read and then
 * filtered; a bound keeps a request's cost independent of the whole list's size
 * (the page may come back short, with a cursor). */
#define ADMIN_WL_SCAN		STORE_LIST_MAX
#define API_PREFIX		"/api/v1/"

struct param {
	const char	*name;
	int		 is_num;	/* a decimal integer >= 0 */
};

void
admin_error(struct admin_reply *r, unsigned status, const char *why)
{
	struct json j;

	json_init(&j);
	json_obj_open(&j);
	json_key(&j, "error");
	json_str(&j, why);
	json_key(&j, "status");
	json_uint(&j, status);
	json_obj_close(&j);
	free(r->body);
	r->status = status;
	r->body = json_take(&j, &r->len);
}

static void
ok(struct admin_reply *r, unsigned status, struct json *j)
{
	free(r->body);
	r->status = status;
	r->body = json_take(j, &r->len);
}

/* A store error as an HTTP error. */
static void
store_fail(struct admin_reply *r, const char *what, enum store_err e)
{
	char why[128];
	unsigned status;

	switch (e) {
	case STORE_NOTFOUND: status = 404; break;
	case STORE_CONFLICT: case STORE_SPENT: status = 409; break;
	case STORE_INVALID: status = 400; break;
	case STORE_BUSY: status = 503; break;
	default: status = 500; break;
	}
	if (status >= 500)
		log_err("event=admin_store_error what=%s error=\"%s\"", what,
		    store_strerror(e));
	snprintf(why, sizeof(why), "%s: %s", what, store_strerror(e));
	admin_error(r, status, why);
}

/* Parses buf as form fields allowed by ps (NULL-terminated). 0, or -1 with the
 * 400 (or 413) reply set. */
static int
params(const char *buf, size_t len, const struct param *ps, struct form *f,
    struct admin_reply *r)
{
	const char *why;
	char msg[96];
	enum form_err e;
	size_t i, k;

	memset(f, 0, sizeof(*f));
	if (len == 0)
		return 0;
	if ((e = form_parse(buf, len, f, &why)) != FORM_OK) {
		snprintf(msg, sizeof(msg), "bad parameters: %s", why);
		admin_error(r, e == FORM_E_TOO_BIG ? 413 : 400, msg);
		return -1;
	}
	for (i = 0; i < f->n; i++) {
		for (k = 0; ps[k].name != NULL; k++)
			if (strcmp(ps[k].name, f->f[i].name) == 0)
				break;
		if (ps[k].name == NULL) {
			snprintf(msg, sizeof(msg), "unknown parameter: %s", f->f[i].name);
			goto bad;
		}
		if (ps[k].is_num) {
			size_t d;

			for (d = 0; d < f->f[i].len; d++)
				if (f->f[i].val[d] < '0' || f->f[i].val[d] > '9')
					break;
			if (f->f[i].len == 0 || f->f[i].len > 18 || d != f->f[i].len) {
				snprintf(msg, sizeof(msg), "%s: expected a number",
				    f->f[i].name);
				goto bad;
			}
		}
	}
	return 0;
bad:
	form_clear(f);
	admin_error(r, 400, msg);
	return -1;
}

static const char *
get(const struct form *f, const char *name)
{
	const struct form_field *ff = form_get(f, name);

	return ff != NULL ? ff->val : NULL;
}

static int64_t
num(const struct form *f, const char *name)
{
	const char *v = get(f, name);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* The "limit" of a list: ADMIN_LIST_DEFAULT when absent; 400 and -1 when out of range. */
static int
list_limit(const struct form *f, struct admin_reply *r, size_t *limit)
{
	int64_t l;

	*limit = ADMIN_LIST_DEFAULT;
	if (get(f, "limit") == NULL)
		return 0;
	l = num(f, "limit");
	if (l < 1 || l > STORE_LIST_MAX) {
		admin_error(r, 400, "limit: expected 1 to 10000");
		return -1;
	}
	*limit = (size_t)l;
	return 0;
}

/* A message as JSON, with the recipients the scope reaches only. */
static void
held_json(struct json *j, const struct store_held *h, const struct admin_scope *sc,
    int full)
{
	size_t i;

	json_obj_open(j);
	json_key(j, "id");
	json_int(j, h->id);
	json_key(j, "state");
	json_str(j, store_state_name(h->state));
	json_key(j, "mail_from");
	json_str(j, h->mail_from);
	json_key(j, "rcpts");
	json_arr_open(j);
	for (i = 0; i < h->nrcpts; i++)
		if (admin_scope_rcpt(sc, h->rcpts[i], strlen(h->rcpts[i])))
			json_str(j, h->rcpts[i]);
	json_arr_close(j);
	json_key(j, "subject");
	json_str(j, h->subject);
	json_key(j, "date");
	json_str(j, h->date);
	json_key(j, "client_addr");
	json_str(j, h->client_addr);
	json_key(j, "received");
	json_int(j, h->received);
	json_key(j, "expires");
	json_int(j, h->expires);
	json_key(j, "size");
	json_uint(j, h->size);
	json_key(j, "verdict");
	json_str(j, h->verdict);
	if (full) {
		json_key(j, "helo");
		json_str(j, h->helo);
		json_key(j, "reasons");
		json_str(j, h->reasons);
		json_key(j, "auth_results");
		json_str(j, h->auth_results);
		json_key(j, "auth_domain");
		json_str(j, h->auth_domain);
		json_key(j, "released");
		json_int(j, h->released);
		json_key(j, "delivered");
		json_int(j, h->delivered);
		json_key(j, "token_spent");
		json_bool(j, h->token_spent);
		json_key(j, "error");
		json_str(j, h->error);
	}
	json_obj_close(j);
}

/* Moves the rows of b into a (both newest first, a at most limit rows) keeping the
 * newest limit distinct ones; frees b and what is dropped. */
static void
held_merge(struct store_held **a, size_t *na, struct store_held *b, size_t nb,
    size_t limit)
{
	struct store_held *m = xreallocarray(NULL, *na + nb + 1, sizeof(*m));
	size_t i = 0, k = 0, n = 0;

	while (i < *na || k < nb) {
		struct store_held *next;

		if (k == nb || (i < *na && (*a)[i].id >= b[k].id)) {
			next = &(*a)[i++];
			if (k < nb && b[k].id == next->id)
				store_held_clear(&b[k++]);	/* one message, two domains */
		} else
			next = &b[k++];
		if (n < limit)
			m[n++] = *next;
		else
			store_held_clear(next);
	}
	free(*a);
	free(b);
	*a = m;
	*na = n;
}

/* The messages of f that sc reaches, newest first, at most f->limit: one query
 * when the store can filter for the scope (every domain; an rcpt filter; a single
 * domain), else one per domain of the scope, merged. A rcpt filter out of the scope
 * gives none. */
static enum store_err
held_list_scoped(struct store *st, const struct admin_scope *sc,
    struct store_held_filter *f, struct store_held **v, size_t *n)
{
	struct store_held *w;
	size_t i, m;
	enum store_err e;

	*v = NULL;
	*n = 0;
	if (sc->all)
		return store_held_list(st, f, v, n);
	if (f->rcpt != NULL) {
		size_t l = strlen(f->rcpt);

		if (!(strchr(f->rcpt, '@') != NULL ? admin_scope_rcpt(sc, f->rcpt, l) :
		    admin_scope_domain(sc, f->rcpt, l)))
			return STORE_OK;
		return store_held_list(st, f, v, n);
	}
	for (i = 0; i < sc->n; i++) {
		f->rcpt = sc->domains[i];
		if ((e = store_held_list(st, f, &w, &m)) != STORE_OK) {
			store_held_list_free(*v, *n);
			*v = NULL;
			*n = 0;
			return e;
		}
		held_merge(v, n, w, m, f->limit);
	}
	f->rcpt = NULL;
	return STORE_OK;
}

static void
held_list(const struct admin_ctx *a, struct store *st, const struct admin_req *rq,
    struct admin_reply *r)
{
	static const struct param ps[] = { { "rcpt", 0 }, { "sender", 0 }, { "state", 0 },
	    { "since", 1 }, { "until", 1 }, { "limit", 1 }, { "before", 1 }, { NULL, 0 } };
	struct store_held_filter flt;
	struct store_held *v = NULL;
	const char *s;
	struct form f;
	struct json j;
	size_t n = 0, i;
	enum store_err e;

	(void)a;
	if (params(rq->query, rq->querylen, ps, &f, r) != 0)
		return;
	memset(&flt, 0, sizeof(flt));
	flt.rcpt = get(&f, "rcpt");
	flt.sender = get(&f, "sender");
	flt.since = num(&f, "since");
	flt.until = num(&f, "until");
	flt.before_id = num(&f, "before");
	if (list_limit(&f, r, &flt.limit) != 0)
		goto out;
	if ((s = get(&f, "state")) != NULL &&
	    (flt.state = store_state_parse(s, strlen(s))) == 0) {
		admin_error(r, 400, "state: expected held, released, delivered, expired, "
		    "deleted or failed");
		goto out;
	}
	if ((e = held_list_scoped(st, rq->scope, &flt, &v, &n)) != STORE_OK) {
		store_fail(r, "list", e);
		goto out;
	}
	json_init(&j);
	json_obj_open(&j);
	json_key(&j, "messages");
	json_arr_open(&j);
	for (i = 0; i < n; i++)
		held_json(&j, &v[i], rq->scope, 0);
	json_arr_close(&j);
	/* the cursor of the next page, when this one is full */
	json_key(&j, "next_before");
	if (n == flt.limit && n > 0)
		json_int(&j, v[n - 1].id);
	else
		json_null(&j);
	json_obj_close(&j);
	ok(r, 200, &j);
	store_held_list_free(v, n);
out:
	form_clear(&f);
}

static int
no_params(const struct admin_req *rq, struct admin_reply *r)
{
	static const struct param none[] = { { NULL, 0 } };
	struct form f;

	if (params(rq->query, rq->querylen, none, &f, r) != 0)
		return -1;
	form_clear(&f);
	return 0;
}

/* The audit's author: "admin:NAME" for a [web] token; for a per-domain token
 * "admin:NAME (DOMAIN, ...)", the distinct domains of the n addresses or domains
 * the change touched (cut with "..." at the store's limit). */
static void
audit_who(const struct admin_req *rq, const char *const *what, size_t n,
    char out[STORE_WHO_MAX + 1])
{
	size_t len, i, k;
	int w, first = 1;

	len = (size_t)snprintf(out, STORE_WHO_MAX + 1, "%s", rq->who);
	if (rq->scope->all || len >= STORE_WHO_MAX)
		return;
	for (i = 0; i < n; i++) {
		const char *at = strrchr(what[i], '@'), *d = at != NULL ? at + 1 : what[i];

		for (k = 0; k < i; k++) {
			const char *at2 = strrchr(what[k], '@');

			if (strcasecmp(at2 != NULL ? at2 + 1 : what[k], d) == 0)
				break;
		}
		if (k < i)
			continue;
		/* room for ", ...)" after this one */
		w = snprintf(out + len, STORE_WHO_MAX + 1 - len, "%s%s", first ? " (" : ", ",
		    d);
		if (w < 0 || (size_t)w + 6 > STORE_WHO_MAX - len) {
			snprintf(out + len, STORE_WHO_MAX + 1 - len, "%s...", first ? " (" :
			    ", ");
			len = strlen(out);
			first = 0;
			break;
		}
		for (k = len; out[k] != '\0'; k++)	/* as the config names it */
			if (out[k] >= 'A' && out[k] <= 'Z')
				out[k] = (char)(out[k] - 'A' + 'a');
		len += (size_t)w;
		first = 0;
	}
	if (!first)
		snprintf(out + len, STORE_WHO_MAX + 1 - len, ")");
}

/* A refusal for the scope, logged for the operator (no address: the log may be
 * read by people who should not see the other domains' mail). */
static void
out_of_scope(const struct admin_req *rq, const char *what, long long id)
{
	log_warn("event=admin_out_of_scope what=%s id=%lld who=%s client=%s", what, id,
	    rq->who, rq->client);
}

static void
held_one(struct store *st, const struct admin_req *rq, int64_t id, const char *action,
    struct admin_reply *r)
{
	const char *what = action != NULL ? "release" : strcmp(rq->method, "DELETE") == 0 ?
	    "delete" : "show";
	char who[STORE_WHO_MAX + 1];
	struct store_actor by = { who, rq->client };
	struct store_held h;
	struct json j;
	enum store_err e;

	if (no_params(rq, r) != 0)
		return;
	memset(&h, 0, sizeof(h));
	snprintf(who, sizeof(who), "%s", rq->who);
	if (!rq->scope->all) {
		char why[128];

		if ((e = store_held_get(st, id, false, &h)) != STORE_OK) {
			store_fail(r, what, e);
			return;
		}
		switch (admin_scope_held(rq->scope, (const char *const *)h.rcpts,
		    h.nrcpts)) {
		case ADMIN_REACH_NONE:
			/* the very reply of a message that does not exist */
			store_held_clear(&h);
			out_of_scope(rq, what, id);
			store_fail(r, what, STORE_NOTFOUND);
			return;
		case ADMIN_REACH_PART:
			if (strcmp(what, "show") == 0)
				break;
			store_held_clear(&h);
			out_of_scope(rq, what, id);
			snprintf(why, sizeof(why), "%s: the message also has recipients of "
			    "other domains; ask the operator", what);
			admin_error(r, 403, why);
			return;
		case ADMIN_REACH_ALL:
			audit_who(rq, (const char *const *)h.rcpts, h.nrcpts, who);
			break;
		}
		store_held_clear(&h);
	}
	if (strcmp(what, "delete") == 0)
		e = store_held_delete(st, id, rq->now, &by);
	else if (action != NULL)
		e = store_release(st, id, STORE_BY_OPERATOR, rq->now, &by);
	else
		e = STORE_OK;
	if (e != STORE_OK) {
		store_fail(r, what, e);
		return;
	}
	if (strcmp(what, "show") != 0)
		log_info("event=admin_%s id=%lld who=%s token_scope=%s client=%s", what,
		    (long long)id, rq->who, rq->scope->all ? "all" : "domains", rq->client);
	if ((e = store_held_get(st, id, false, &h)) != STORE_OK) {
		store_fail(r, "show", e);
		return;
	}
	json_init(&j);
	held_json(&j, &h, rq->scope, 1);
	ok(r, 200, &j);
	store_held_clear(&h);
}

static const char *const scope_names[] = { "global", "domain", "recipient" };
static const char *const origin_names[] = { "release", "recipient", "admin" };

static int
scope_parse(const char *s, enum store_wl_scope *out)
{
	size_t i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, scope_names[i]) == 0) {
			*out = (enum store_wl_scope)i;
			return 0;
		}
	return -1;
}

/* "action": allow or block; absent leaves *any set. 0, or -1 with the 400 set. */
static int
wl_action(const struct form *f, bool *any, enum store_wl_action *out,
    struct admin_reply *r)
{
	const char *s = get(f, "action");

	*any = s == NULL;
	*out = STORE_WL_ALLOW;
	if (s == NULL)
		return 0;
	if (strcmp(s, "allow") == 0)
		return 0;
	if (strcmp(s, "block") == 0) {
		*out = STORE_WL_BLOCK;
		return 0;
	}
	admin_error(r, 400, "action: expected allow or block");
	return -1;
}

static void
wl_json(struct json *j, const struct store_wl_entry *e)
{
	json_obj_open(j);
	json_key(j, "id");
	json_int(j, e->id);
	json_key(j, "scope");
	json_str(j, (unsigned)e->scope < 3 ? scope_names[e->scope] : "");
	json_key(j, "target");
	json_str(j, e->target);
	json_key(j, "sender");
	json_str(j, e->sender);
	json_key(j, "action");
	json_str(j, e->action == STORE_WL_BLOCK ? "block" : "allow");
	json_key(j, "origin");
	json_str(j, (unsigned)e->origin < 3 ? origin_names[e->origin] : "");
	json_key(j, "auth_domain");
	json_str(j, e->auth_domain);
	json_key(j, "created");
	json_int(j, e->created);
	json_key(j, "expires");
	json_int(j, e->expires);
	json_obj_close(j);
}

/* scope and target from f, checked together: 0, or -1 with the 400 set. A recipient
 * target is its mailbox under subaddressing (common/mailbox.h), in mbox: entries are
 * kept per mailbox. */
static int
wl_scope(const struct config *cf, const struct form *f, int required,
    struct store_wl_filter *flt, char mbox[MAILBOX_ADDR_MAX + 1], struct admin_reply *r)
{
	const char *s = get(f, "scope"), *t = get(f, "target");
	size_t len;

	flt->any_scope = s == NULL;
	flt->target = t;
	if (s == NULL) {
		if (required) {
			admin_error(r, 400, "scope: required (global, domain or recipient)");
			return -1;
		}
		return 0;
	}
	if (scope_parse(s, &flt->scope) != 0) {
		admin_error(r, 400, "scope: expected global, domain or recipient");
		return -1;
	}
	if (flt->scope == STORE_WL_GLOBAL && t != NULL && t[0] != '\0') {
		admin_error(r, 400, "target: must be empty for scope global");
		return -1;
	}
	if (flt->scope == STORE_WL_GLOBAL)
		flt->target = "";
	else if (required && (t == NULL || t[0] == '\0')) {
		admin_error(r, 400, "target: required (a recipient address or a domain)");
		return -1;
	} else if (t != NULL && (strchr(t, '@') != NULL) !=
	    (flt->scope == STORE_WL_RECIPIENT)) {
		admin_error(r, 400, flt->scope == STORE_WL_RECIPIENT ?
		    "target: expected a recipient address" : "target: expected a domain");
		return -1;
	}
	/* not an address: left as it is, for the store to refuse */
	if (flt->scope == STORE_WL_RECIPIENT && t != NULL &&
	    mailbox_of_config(cf, t, strlen(t), mbox, &len) == MAILBOX_OK)
		flt->target = mbox;
	return 0;
}

/* The scope of a target given without one: a recipient when it has an '@'. */
static enum store_wl_scope
target_scope(const struct store_wl_filter *flt)
{
	if (!flt->any_scope)
		return flt->scope;
	return strchr(flt->target, '@') != NULL ? STORE_WL_RECIPIENT : STORE_WL_DOMAIN;
}

static void
wl_list(const struct config *cf, struct store *st, const struct admin_req *rq,
    struct admin_reply *r)
{
	static const struct param ps[] = { { "scope", 0 }, { "target", 0 },
	    { "sender", 0 }, { "action", 0 }, { "after", 1 }, { "limit", 1 }, { NULL, 0 } };
	const struct admin_scope *sc = rq->scope;
	struct store_wl_filter flt;
	struct store_wl_entry *v = NULL;
	char mbox[MAILBOX_ADDR_MAX + 1];
	struct form f;
	struct json j;
	size_t n = 0, i, limit, shown = 0;
	int64_t next = 0;
	enum store_err e;

	if (params(rq->query, rq->querylen, ps, &f, r) != 0)
		return;
	memset(&flt, 0, sizeof(flt));
	if (wl_scope(cf, &f, 0, &flt, mbox, r) != 0 ||
	    wl_action(&f, &flt.any_action, &flt.action, r) != 0)
		goto out;
	flt.sender = get(&f, "sender");
	flt.after_id = num(&f, "after");
	if (list_limit(&f, r, &limit) != 0)
		goto out;
	/* a per-domain token: the entries it reaches among ADMIN_WL_SCAN read, unless
	 * the filter alone says (a target), or is out of its reach (then none) */
	flt.limit = sc->all || flt.target != NULL ? limit : ADMIN_WL_SCAN;
	if (!sc->all && ((!flt.any_scope && flt.scope == STORE_WL_GLOBAL) ||
	    (flt.target != NULL && !admin_scope_wl(sc, target_scope(&flt), flt.target))))
		e = STORE_OK;
	else
		e = store_wl_list(st, &flt, &v, &n);
	if (e != STORE_OK) {
		store_fail(r, "whitelist list", e);
		goto out;
	}
	json_init(&j);
	json_obj_open(&j);
	json_key(&j, "entries");
	json_arr_open(&j);
	for (i = 0; i < n && shown < limit; i++) {
		if (!admin_scope_wl(sc, v[i].scope, v[i].target))
			continue;
		wl_json(&j, &v[i]);
		shown++;
	}
	json_arr_close(&j);
	/* the cursor: the last entry shown when the page is full, else the last entry
	 * read when the store had more than were read */
	if (shown == limit && shown > 0)
		next = v[i - 1].id;
	else if (n == flt.limit && n > 0)
		next = v[n - 1].id;
	json_key(&j, "next_after");
	if (next > 0)
		json_int(&j, next);
	else
		json_null(&j);
	json_obj_close(&j);
	ok(r, 200, &j);
	store_wl_free(v, n);
out:
	form_clear(&f);
}

static void
wl_change(const struct config *cf, struct store *st, const struct admin_req *rq, int add,
    struct admin_reply *r)
{
	static const struct param add_ps[] = { { "scope", 0 }, { "target", 0 },
	    { "sender", 0 }, { "action", 0 }, { "expires", 1 }, { NULL, 0 } };
	static const struct param rm_ps[] = { { "scope", 0 }, { "target", 0 },
	    { "sender", 0 }, { NULL, 0 } };
	char who[STORE_WHO_MAX + 1];
	struct store_actor by = { who, rq->client };
	struct store_wl_filter flt;
	struct store_wl_entry ent;
	char mbox[MAILBOX_ADDR_MAX + 1];
	struct form f;
	struct json j;
	int64_t id = 0;
	enum store_err e;
	bool any;

	/* an add takes a body, a removal (DELETE) its query */
	if (add ? (no_params(rq, r) != 0 ||
	    params(rq->body, rq->bodylen, add_ps, &f, r) != 0) :
	    params(rq->query, rq->querylen, rm_ps, &f, r) != 0)
		return;
	memset(&flt, 0, sizeof(flt));
	if (wl_scope(cf, &f, 1, &flt, mbox, r) != 0)
		goto out;
	if (get(&f, "sender") == NULL || get(&f, "sender")[0] == '\0') {
		admin_error(r, 400, "sender: required (an address or a domain)");
		goto out;
	}
	memset(&ent, 0, sizeof(ent));
	if (add && wl_action(&f, &any, &ent.action, r) != 0)
		goto out;
	if (!admin_scope_wl(rq->scope, flt.scope, flt.target)) {
		out_of_scope(rq, add ? "whitelist_add" : "whitelist_remove", 0);
		admin_error(r, 403, flt.scope == STORE_WL_GLOBAL ?
		    "whitelist: global entries are for [web] tokens only" :
		    "whitelist: target outside this token's domains");
		goto out;
	}
	audit_who(rq, &flt.target, 1, who);
	if (add) {
		ent.scope = flt.scope;
		ent.target = flt.target;
		ent.sender = get(&f, "sender");
		ent.origin = STORE_WL_BY_ADMIN;
		ent.auth_domain = "";
		ent.client_net = "";
		ent.created = rq->now;
		ent.expires = num(&f, "expires");
		if (ent.expires != 0 && ent.expires <= rq->now) {
			admin_error(r, 400, "expires: in the past");
			goto out;
		}
		e = store_wl_add(st, &ent, &by, &id);
	} else
		e = store_wl_remove(st, flt.scope, flt.target, get(&f, "sender"), rq->now,
		    &by);
	if (e != STORE_OK) {
		store_fail(r, add ? "whitelist add" : "whitelist remove", e);
		goto out;
	}
	log_info("event=admin_whitelist_%s scope=%s who=%s token_scope=%s client=%s",
	    !add ? "remove" : ent.action == STORE_WL_BLOCK ? "block" : "add",
	    scope_names[flt.scope], rq->who, rq->scope->all ? "all" : "domains",
	    rq->client);
	json_init(&j);
	json_obj_open(&j);
	if (add) {
		json_key(&j, "id");
		json_int(&j, id);
		json_key(&j, "action");
		json_str(&j, ent.action == STORE_WL_BLOCK ? "block" : "allow");
	}
	json_key(&j, "scope");
	json_str(&j, scope_names[flt.scope]);
	json_key(&j, "target");
	json_str(&j, flt.target);
	json_key(&j, "sender");
	json_str(&j, get(&f, "sender"));
	json_key(&j, add ? "added" : "removed");
	json_bool(&j, 1);
	json_obj_close(&j);
	ok(r, add ? 201 : 200, &j);
out:
	form_clear(&f);
}

/* Held messages of a domain, counted by pages of the list. */
static enum store_err
count_held(struct store *st, const char *domain, uint64_t *count)
{
	struct store_held_filter flt;
	struct store_held *v;
	size_t n;
	enum store_err e;

	memset(&flt, 0, sizeof(flt));
	flt.rcpt = domain;
	flt.state = STORE_HELD;
	*count = 0;
	do {
		if ((e = store_held_list(st, &flt, &v, &n)) != STORE_OK)
			return e;
		*count += n;
		if (n > 0)
			flt.before_id = v[n - 1].id;
		store_held_list_free(v, n);
	} while (n == STORE_LIST_MAX);
	return STORE_OK;
}

static void
domains(const struct admin_ctx *a, struct store *st, const struct admin_req *rq,
    struct admin_reply *r)
{
	struct json j;
	char hop[300];
	uint64_t held;
	size_t i;
	enum store_err e;

	if (no_params(rq, r) != 0)
		return;
	json_init(&j);
	json_obj_open(&j);
	json_key(&j, "domains");
	json_arr_open(&j);
	for (i = 0; i < a->cf->ndomains; i++) {
		const struct domain_config *d = &a->cf->domains[i];

		if (!admin_scope_domain(rq->scope, d->name, strlen(d->name)))
			continue;
		if ((e = count_held(st, d->name, &held)) != STORE_OK) {
			json_clear(&j);
			store_fail(r, "domains", e);
			return;
		}
		snprintf(hop, sizeof(hop), strchr(d->next_hop.host, ':') != NULL ?
		    "[%s]:%u" : "%s:%u", d->next_hop.host, d->next_hop.port);
		json_obj_open(&j);
		json_key(&j, "name");
		json_str(&j, d->name);
		json_key(&j, "next_hop");
		json_str(&j, hop);
		json_key(&j, "language");
		json_str(&j, d->language);
		json_key(&j, "digest");
		json_bool(&j, d->digest);
		json_key(&j, "quarantine_threshold");
		json_uint(&j, d->quarantine_threshold);
		json_key(&j, "reject_threshold");
		json_uint(&j, d->reject_threshold);
		json_key(&j, "held");
		json_uint(&j, held);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
	ok(r, 200, &j);
}

static void
stats(struct store *st, const struct admin_req *rq, struct admin_reply *r)
{
	struct store_stats s;
	struct json j;
	enum store_err e;
	int i;

	if (no_params(rq, r) != 0)
		return;
	if (!rq->scope->all) {
		/* the store counts for the whole service, and counting per domain would
		 * read every row: a per-domain token has GET /api/v1/domains */
		out_of_scope(rq, "stats", 0);
		admin_error(r, 403, "stats: the whole service's counters are for [web] "
		    "tokens only; see /api/v1/domains");
		return;
	}
	if ((e = store_stats(st, rq->now, &s)) != STORE_OK) {
		store_fail(r, "stats", e);
		return;
	}
	json_init(&j);
	json_obj_open(&j);
	json_key(&j, "held");
	json_obj_open(&j);
	for (i = STORE_HELD; i <= STORE_STATE_MAX; i++) {
		json_key(&j, store_state_name((enum store_state)i));
		json_uint(&j, s.held[i]);
	}
	json_obj_close(&j);
	json_key(&j, "whitelist");
	json_obj_open(&j);
	for (i = 0; i < 3; i++) {
		json_key(&j, scope_names[i]);
		json_uint(&j, s.whitelist[i]);
	}
	json_obj_close(&j);
	json_key(&j, "queue");
	json_uint(&j, s.queue);
	json_key(&j, "queue_due");
	json_uint(&j, s.queue_due);
	json_key(&j, "oldest_held");
	json_int(&j, s.oldest_held);
	json_key(&j, "challenges");
	json_uint(&j, s.challenges);
	json_key(&j, "senders");
	json_uint(&j, s.senders);
	json_obj_close(&j);
	ok(r, 200, &j);
}

static int
is(const struct admin_req *rq, const char *m)
{
	return strcmp(rq->method, m) == 0;
}

/* "ID" or "ID/release" after /api/v1/held/: the id, and whether release follows.
 * 0, or -1 when the rest is not one of those. */
static int
held_path(const char *p, size_t len, int64_t *id, int *release)
{
	size_t i = 0;

	*id = 0;
	if (len == 0 || p[0] == '0')
		return -1;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		if (i >= 18)
			return -1;
		*id = *id * 10 + (p[i] - '0');
	}
	if (i == 0)
		return -1;
	*release = 0;
	if (i == len)
		return 0;
	if (len - i == 8 && memcmp(p + i, "/release", 8) == 0) {
		*release = 1;
		return 0;
	}
	return -1;
}

static int
path_is(const struct admin_req *rq, const char *name)
{
	size_t n = strlen(name);

	return rq->pathlen == sizeof(API_PREFIX) - 1 + n &&
	    memcmp(rq->path + sizeof(API_PREFIX) - 1, name, n) == 0;
}

void
admin_handle(const struct admin_ctx *a, const struct admin_req *rq,
    struct admin_reply *r)
{
	const size_t pl = sizeof(API_PREFIX) - 1;
	struct store *st;
	int64_t id;
	int release;
	enum { H_LIST, H_ONE, H_RELEASE, WL, DOMAINS, STATS } what;

	memset(r, 0, sizeof(*r));
	if (rq->pathlen < pl || memcmp(rq->path, API_PREFIX, pl) != 0) {
		admin_error(r, 404, "no such endpoint");
		return;
	}
	if (path_is(rq, "held")) {
		what = H_LIST;
		r->allow = "GET, HEAD";
	} else if (rq->pathlen > pl + 5 && memcmp(rq->path + pl, "held/", 5) == 0 &&
	    held_path(rq->path + pl + 5, rq->pathlen - pl - 5, &id, &release) == 0) {
		what = release ? H_RELEASE : H_ONE;
		r->allow = release ? "POST" : "GET, HEAD, DELETE";
	} else if (path_is(rq, "whitelist")) {
		what = WL;
		r->allow = "GET, HEAD, POST, DELETE";
	} else if (path_is(rq, "domains")) {
		what = DOMAINS;
		r->allow = "GET, HEAD";
	} else if (path_is(rq, "stats")) {
		what = STATS;
		r->allow = "GET, HEAD";
	} else {
		admin_error(r, 404, "no such endpoint");
		return;
	}
	if (!((is(rq, "GET") || is(rq, "HEAD")) ? what != H_RELEASE :
	    is(rq, "POST") ? what == H_RELEASE || what == WL :
	    is(rq, "DELETE") ? what == H_ONE || what == WL : 0)) {
		admin_error(r, 405, "method not allowed");
		return;
	}
	r->allow = NULL;
	if ((st = web_store(a->w)) == NULL) {
		admin_error(r, 500, "store unavailable");
		return;
	}
	switch (what) {
	case H_LIST: held_list(a, st, rq, r); break;
	case H_ONE: held_one(st, rq, id, NULL, r); break;
	case H_RELEASE: held_one(st, rq, id, "release", r); break;
	case WL:
		if (is(rq, "POST"))
			wl_change(a->cf, st, rq, 1, r);
		else if (is(rq, "DELETE"))
			wl_change(a->cf, st, rq, 0, r);
		else
			wl_list(a->cf, st, rq, r);
		break;
	case DOMAINS: domains(a, st, rq, r); break;
	case STATS: stats(st, rq, r); break;
	}
}
