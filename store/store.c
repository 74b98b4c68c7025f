/*
 * store.c - the backend-neutral half of the store: picks the backend, checks every
 * argument against store.h's limits (STORE_INVALID with a reason in
 * store_last_error, never a truncation), writes the audit texts, draws lease values
 * and challenge ids from libsodium's generator, and dispatches. Owns the caller
 * thread's connection and the writer (writer.c).
 */
#include "config.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "store/backend.h"
#include "store/display.h"
#include "store/writer.h"

/* Longest detail kept for store_last_error. */
#define STORE_ERRTEXT_MAX 512

struct store {
	const struct store_backend *be;
	struct store_conn	*conn;
	struct store_writer	*writer;
	char			 err[STORE_ERRTEXT_MAX];
};

static const char *const state_names[STORE_STATE_MAX + 1] = {
	[STORE_HELD] = "held",
	[STORE_RELEASED] = "released",
	[STORE_DELIVERED] = "delivered",
	[STORE_EXPIRED] = "expired",
	[STORE_DELETED] = "deleted",
	[STORE_FAILED] = "failed",
};

static const char *const scope_names[] = {
	[STORE_WL_GLOBAL] = "global",
	[STORE_WL_DOMAIN] = "domain",
	[STORE_WL_RECIPIENT] = "recipient",
};

static const char *const origin_names[] = {
	[STORE_WL_BY_RELEASE] = "release",
	[STORE_WL_BY_RECIPIENT] = "recipient",
	[STORE_WL_BY_ADMIN] = "admin",
};

const char *
store_strerror(enum store_err err)
{
	switch (err) {
	case STORE_OK:
		return "ok";
	case STORE_NOTFOUND:
		return "not found";
	case STORE_CONFLICT:
		return "not allowed in this state";
	case STORE_SPENT:
		return "release token already used";
	case STORE_INVALID:
		return "invalid argument";
	case STORE_BUSY:
		return "store busy";
	case STORE_IO:
		return "store failure";
	case STORE_VERSION:
		return "store schema newer than this program";
	}
	return "unknown store error";
}

const char *
store_state_name(enum store_state s)
{
	if (s < STORE_HELD || s > STORE_STATE_MAX)
		return NULL;
	return state_names[s];
}

enum store_state
store_state_parse(const char *buf, size_t len)
{
	int s;

	for (s = STORE_HELD; s <= STORE_STATE_MAX; s++)
		if (strlen(state_names[s]) == len && strncasecmp(state_names[s], buf, len) == 0)
			return (enum store_state)s;
	return 0;
}

const char *
store_domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at == NULL ? "" : at + 1;
}

bool
store_is_domain(const char *s)
{
	return strchr(s, '@') == NULL;
}

bool
store_answer_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && sodium_memcmp(a, b, la) == 0;
}

/* ------------------------------------------------------------- argument checks */

static enum store_err invalid(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum store_err
invalid(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	return STORE_INVALID;
}

/* The outcome of a backend call, with its detail kept for store_last_error. */
static enum store_err
result(struct store *st, enum store_err e)
{
	if (e == STORE_OK)
		st->err[0] = '\0';
	else
		snprintf(st->err, sizeof(st->err), "%s", st->be->last_error(st->conn));
	return e;
}

static bool
text_ok(const char *s, size_t max)
{
	return s != NULL && strnlen(s, max + 1) <= max;
}

/* local@domain: something on each side of the last '@'. */
static bool
addr_ok(const char *s)
{
	const char *at;

	if (!text_ok(s, STORE_ADDR_MAX))
		return false;
	at = strrchr(s, '@');
	return at != NULL && at != s && at[1] != '\0' &&
	    strlen(at + 1) <= STORE_DOMAIN_MAX;
}

static bool
domain_ok(const char *s)
{
	return text_ok(s, STORE_DOMAIN_MAX) && s[0] != '\0' && store_is_domain(s);
}

/* An address or a domain (whitelist senders, filters, history keys). */
static bool
addr_or_domain_ok(const char *s)
{
	if (s == NULL)
		return false;
	return store_is_domain(s) ? domain_ok(s) : addr_ok(s);
}

static bool
actor_ok(const struct store_actor *by)
{
	return by != NULL && text_ok(by->who, STORE_WHO_MAX) && by->who[0] != '\0' &&
	    text_ok(by->from, STORE_WHO_MAX);
}

static enum store_err
hold_check(struct store *st, const struct store_hold *m)
{
	size_t i;
	const struct { const char *v; size_t max; const char *name; } fields[] = {
		{ m->client_addr, STORE_NET_MAX, "client_addr" },
		{ m->helo, STORE_HELO_MAX, "helo" },
		{ m->auth_results, STORE_AUTHRES_MAX, "auth_results" },
		{ m->auth_domain, STORE_DOMAIN_MAX, "auth_domain" },
		{ m->verdict, STORE_VERDICT_MAX, "verdict" },
		{ m->reasons, STORE_REASONS_MAX, "reasons" },
		{ m->subject, STORE_SUBJECT_MAX, "subject" },
		{ m->date, STORE_DATE_MAX, "date" },
	};
	if (!text_ok(m->mail_from, STORE_ADDR_MAX) ||
	    (m->mail_from[0] != '\0' && !addr_ok(m->mail_from)))
		return invalid(st, "mail_from: not an address");
	if (m->nrcpts < 1 || m->nrcpts > STORE_RCPT_MAX || m->rcpts == NULL)
		return invalid(st, "recipients: %zu, want 1 to %d", m->nrcpts, STORE_RCPT_MAX);
	for (i = 0; i < m->nrcpts; i++)
		if (!addr_ok(m->rcpts[i]))
			return invalid(st, "recipient %zu: not an address", i + 1);
	for (i = 0; m->mailboxes != NULL && i < m->nrcpts; i++)
		if (!addr_ok(m->mailboxes[i]))
			return invalid(st, "mailbox %zu: not an address", i + 1);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!text_ok(fields[i].v, fields[i].max))
			return invalid(st, "%s: missing or over %zu bytes", fields[i].name,
			    fields[i].max);
	if (!store_is_domain(m->auth_domain))
		return invalid(st, "auth_domain: not a domain");
	if (m->message == NULL || m->message_len < 1 || m->message_len > STORE_MESSAGE_MAX)
		return invalid(st, "message: %zu bytes, want 1 to %u", m->message_len,
		    STORE_MESSAGE_MAX);
	if (m->expires <= m->received)
		return invalid(st, "expires must be after received");
	return STORE_OK;
}

/* ------------------------------------------------------------- open and close */

enum store_err
store_open(const char *path, struct store **out, char *err, size_t errsz)
{
	struct store *st;
	enum store_err e;

	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		snprintf(err, errsz, "store path is empty");
		return STORE_INVALID;
	}
	if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0) {
		snprintf(err, errsz, "%s: the PostgreSQL backend is not built", path);
		return STORE_INVALID;
	}
	if (sodium_init() < 0) {
		snprintf(err, errsz, "libsodium failed to start");
		return STORE_IO;
	}
	st = xcalloc(1, sizeof(*st));
	st->be = &store_sqlite_backend;
	e = st->be->open(path, &st->conn, err, errsz);
	if (e != STORE_OK) {
		free(st);
		return e;
	}
	st->writer = store_writer_new(st->be, path, err, errsz);
	if (st->writer == NULL) {
		st->be->close(st->conn);
		free(st);
		return STORE_IO;
	}
	*out = st;
	return STORE_OK;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_writer_free(st->writer);
	st->be->close(st->conn);
	free(st);
}

const char *
store_last_error(const struct store *st)
{
	return st->err;
}

/* ------------------------------------------------------------ group commit */

enum store_err
store_hold_submit(struct store *st, const struct store_hold *msg, store_done_cb *cb,
    void *arg)
{
	char subject[STORE_SUBJECT_MAX + 1], date[STORE_DATE_MAX + 1];
	struct store_hold m;
	enum store_err e;

	if (msg == NULL)
		return invalid(st, "no message");
	m = *msg;
	if (m.message != NULL && m.subject == NULL) {
		store_display_field(m.message, m.message_len, "Subject", subject,
		    sizeof(subject));
		m.subject = subject;
	}
	if (m.message != NULL && m.date == NULL) {
		store_display_field(m.message, m.message_len, "Date", date, sizeof(date));
		m.date = date;
	}
	if ((e = hold_check(st, &m)) != STORE_OK)
		return e;
	e = store_writer_hold(st->writer, &m, cb, arg);
	if (e != STORE_OK)
		snprintf(st->err, sizeof(st->err), "cannot start the writer thread");
	return e;
}

enum store_err
store_seen_submit(struct store *st, const char *sender, const char *client_net,
    int64_t now, store_done_cb *cb, void *arg)
{
	enum store_err e;

	if (!addr_ok(sender))
		return invalid(st, "sender: not an address");
	if (!text_ok(client_net, STORE_NET_MAX) || client_net[0] == '\0')
		return invalid(st, "client_net: missing or over %d bytes", STORE_NET_MAX);
	e = store_writer_seen(st->writer, sender, client_net, now, cb, arg);
	if (e != STORE_OK)
		snprintf(st->err, sizeof(st->err), "cannot start the writer thread");
	return e;
}

int
store_completion_fd(const struct store *st)
{
	return store_writer_fd(st->writer);
}

size_t
store_run_completions(struct store *st)
{
	return store_writer_run(st->writer);
}

void
store_commit_stats(const struct store *st, struct store_commit_stats *out)
{
	store_writer_stats(st->writer, out);
}

/* ------------------------------------------------------------ held messages */

void
store_held_clear(struct store_held *h)
{
	size_t i;

	if (h == NULL)
		return;
	free(h->mail_from);
	for (i = 0; i < h->nrcpts; i++) {
		free(h->rcpts[i]);
		if (h->mailboxes != NULL)
			free(h->mailboxes[i]);
	}
	free(h->rcpts);
	free(h->mailboxes);
	free(h->client_addr);
	free(h->helo);
	free(h->auth_results);
	free(h->auth_domain);
	free(h->verdict);
	free(h->reasons);
	free(h->subject);
	free(h->date);
	free(h->error);
	free(h->message);
	memset(h, 0, sizeof(*h));
}

void
store_held_list_free(struct store_held *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_held_clear(&v[i]);
	free(v);
}

enum store_err
store_held_get(struct store *st, int64_t id, bool with_message, struct store_held *out)
{
	memset(out, 0, sizeof(*out));
	if (id <= 0)
		return invalid(st, "id %lld: not a message id", (long long)id);
	return result(st, st->be->held_get(st->conn, id, with_message, out));
}

enum store_err
store_held_list(struct store *st, const struct store_held_filter *f,
    struct store_held **v, size_t *n)
{
	struct store_held_filter g = *f;

	*v = NULL;
	*n = 0;
	if (g.rcpt != NULL && !addr_or_domain_ok(g.rcpt))
		return invalid(st, "recipient filter: not an address or domain");
	if (g.sender != NULL && !addr_or_domain_ok(g.sender))
		return invalid(st, "sender filter: not an address or domain");
	if (g.state != 0 && store_state_name(g.state) == NULL)
		return invalid(st, "state filter: unknown state");
	if (g.limit > STORE_LIST_MAX)
		return invalid(st, "limit over %d", STORE_LIST_MAX);
	if (g.limit == 0)
		g.limit = STORE_LIST_MAX;
	return result(st, st->be->held_list(st->conn, &g, v, n));
}

enum store_err
store_release(struct store *st, int64_t id, enum store_release_how how, int64_t now,
    const struct store_actor *by)
{
	char what[STORE_WHAT_MAX];

	if (id <= 0)
		return invalid(st, "id %lld: not a message id", (long long)id);
	if (how != STORE_BY_TOKEN && how != STORE_BY_OPERATOR)
		return invalid(st, "unknown release kind");
	if (!actor_ok(by))
		return invalid(st, "actor: missing or over %d bytes", STORE_WHO_MAX);
	snprintf(what, sizeof(what), "release held=%lld by=%s", (long long)id,
	    how == STORE_BY_TOKEN ? "token" : "operator");
	return result(st, st->be->release(st->conn, id, how, now, by, what));
}

enum store_err
store_held_delete(struct store *st, int64_t id, int64_t now, const struct store_actor *by)
{
	char what[STORE_WHAT_MAX];

	if (id <= 0)
		return invalid(st, "id %lld: not a message id", (long long)id);
	if (!actor_ok(by))
		return invalid(st, "actor: missing or over %d bytes", STORE_WHO_MAX);
	snprintf(what, sizeof(what), "delete held=%lld", (long long)id);
	return result(st, st->be->held_delete(st->conn, id, now, by, what));
}

/* ------------------------------------------------------------ re-injection */

void
store_claim_clear(struct store_claim *c)
{
	if (c == NULL)
		return;
	store_held_clear(&c->msg);
	sodium_memzero(&c->lease, sizeof(c->lease));
	memset(c, 0, sizeof(*c));
}

enum store_err
store_reinject_claim(struct store *st, int64_t now, int64_t lease_secs,
    struct store_claim *out)
{
	uint64_t lease;

	memset(out, 0, sizeof(*out));
	if (lease_secs <= 0 || now > INT64_MAX - lease_secs)
		return invalid(st, "lease must be positive and end before the year 292e9");
	/* Never 0: an unleased entry holds 0. */
	do {
		randombytes_buf(&lease, sizeof(lease));
	} while (lease == 0);
	return result(st, st->be->reinject_claim(st->conn, now, lease_secs, lease, out));
}

static bool
claim_ok(const struct store_claim *c)
{
	return c != NULL && c->id > 0 && c->lease != 0;
}

enum store_err
store_reinject_done(struct store *st, const struct store_claim *c, int64_t now)
{
	if (!claim_ok(c))
		return invalid(st, "not a claim");
	return result(st, st->be->reinject_done(st->conn, c, now));
}

enum store_err
store_reinject_retry(struct store *st, const struct store_claim *c, const char *error,
    int64_t next_attempt)
{
	if (!claim_ok(c))
		return invalid(st, "not a claim");
	if (!text_ok(error, STORE_ERROR_MAX))
		return invalid(st, "error text missing or over %d bytes", STORE_ERROR_MAX);
	return result(st, st->be->reinject_retry(st->conn, c, error, next_attempt));
}

enum store_err
store_reinject_fail(struct store *st, const struct store_claim *c, const char *error,
    int64_t now)
{
	if (!claim_ok(c))
		return invalid(st, "not a claim");
	if (!text_ok(error, STORE_ERROR_MAX))
		return invalid(st, "error text missing or over %d bytes", STORE_ERROR_MAX);
	return result(st, st->be->reinject_fail(st->conn, c, error, now));
}

enum store_err
store_reinject_next(struct store *st, int64_t *when)
{
	*when = 0;
	return result(st, st->be->reinject_next(st->conn, when));
}

/* ------------------------------------------------------------ whitelists */

void
store_wl_free(struct store_wl_entry *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((void *)v[i].target);
		free((void *)v[i].sender);
		free((void *)v[i].auth_domain);
		free((void *)v[i].client_net);
	}
	free(v);
}

static bool
scope_target_ok(enum store_wl_scope scope, const char *target)
{
	switch (scope) {
	case STORE_WL_GLOBAL:
		return target != NULL && target[0] == '\0';
	case STORE_WL_DOMAIN:
		return domain_ok(target);
	case STORE_WL_RECIPIENT:
		return addr_ok(target);
	}
	return false;
}

enum store_err
store_wl_add(struct store *st, const struct store_wl_entry *e,
    const struct store_actor *by, int64_t *id)
{
	char what[STORE_WHAT_MAX];
	int64_t dummy;

	if (id == NULL)
		id = &dummy;
	*id = 0;
	if (!scope_target_ok(e->scope, e->target))
		return invalid(st, "target does not fit the scope");
	if (!addr_or_domain_ok(e->sender))
		return invalid(st, "sender: not an address or domain");
	if (e->origin != STORE_WL_BY_RELEASE && e->origin != STORE_WL_BY_RECIPIENT &&
	    e->origin != STORE_WL_BY_ADMIN)
		return invalid(st, "unknown origin");
	if (e->action != STORE_WL_ALLOW && e->action != STORE_WL_BLOCK)
		return invalid(st, "unknown action");
	if (!text_ok(e->auth_domain, STORE_DOMAIN_MAX) || !store_is_domain(e->auth_domain))
		return invalid(st, "auth_domain: not a domain");
	if (!text_ok(e->client_net, STORE_NET_MAX))
		return invalid(st, "client_net: missing or over %d bytes", STORE_NET_MAX);
	if (e->expires < 0)
		return invalid(st, "expires: negative");
	if (!actor_ok(by))
		return invalid(st, "actor: missing or over %d bytes", STORE_WHO_MAX);
	snprintf(what, sizeof(what), "whitelist %s scope=%s target=%s sender=%s origin=%s",
	    e->action == STORE_WL_BLOCK ? "block" : "add", scope_names[e->scope], e->target,
	    e->sender, origin_names[e->origin]);
	return result(st, st->be->wl_add(st->conn, e, by, what, id));
}

enum store_err
store_wl_remove(struct store *st, enum store_wl_scope scope, const char *target,
    const char *sender, int64_t now, const struct store_actor *by)
{
	char what[STORE_WHAT_MAX];

	if (!scope_target_ok(scope, target))
		return invalid(st, "target does not fit the scope");
	if (!addr_or_domain_ok(sender))
		return invalid(st, "sender: not an address or domain");
	if (!actor_ok(by))
		return invalid(st, "actor: missing or over %d bytes", STORE_WHO_MAX);
	snprintf(what, sizeof(what), "whitelist remove scope=%s target=%s sender=%s",
	    scope_names[scope], target, sender);
	return result(st, st->be->wl_remove(st->conn, scope, target, sender, now, by, what));
}

enum store_err
store_wl_list(struct store *st, const struct store_wl_filter *f, struct store_wl_entry **v,
    size_t *n)
{
	struct store_wl_filter g = *f;

	*v = NULL;
	*n = 0;
	if (!g.any_scope && g.scope != STORE_WL_GLOBAL && g.scope != STORE_WL_DOMAIN &&
	    g.scope != STORE_WL_RECIPIENT)
		return invalid(st, "unknown scope");
	if (!g.any_action && g.action != STORE_WL_ALLOW && g.action != STORE_WL_BLOCK)
		return invalid(st, "unknown action");
	if (g.target != NULL && !text_ok(g.target, STORE_ADDR_MAX))
		return invalid(st, "target filter over %d bytes", STORE_ADDR_MAX);
	if (g.sender != NULL && !text_ok(g.sender, STORE_ADDR_MAX))
		return invalid(st, "sender filter over %d bytes", STORE_ADDR_MAX);
	if (g.limit > STORE_LIST_MAX)
		return invalid(st, "limit over %d", STORE_LIST_MAX);
	if (g.limit == 0)
		g.limit = STORE_LIST_MAX;
	return result(st, st->be->wl_list(st->conn, &g, v, n));
}

enum store_err
store_wl_lookup(struct store *st, const char *rcpt, const char *sender, int64_t now,
    struct store_wl_entry **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (!addr_ok(rcpt))
		return invalid(st, "recipient: not an address");
	if (sender != NULL && sender[0] == '\0')
		return STORE_OK;
	if (!addr_ok(sender))
		return invalid(st, "sender: not an address");
	return result(st, st->be->wl_lookup(st->conn, rcpt, store_domain_of(rcpt), sender,
	    store_domain_of(sender), now, v, n));
}

/* ------------------------------------------------------------ sender history */

void
store_seen_free(struct store_seen *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].net);
	free(v);
}

enum store_err
store_seen_get(struct store *st, const char *key, struct store_seen **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (!addr_or_domain_ok(key))
		return invalid(st, "key: not an address or domain");
	return result(st, st->be->seen_get(st->conn, key, v, n));
}

/* ------------------------------------------------------------ CAPTCHA and limits */

enum store_err
store_challenge_new(struct store *st, int64_t held_id, const char *answer, int64_t now,
    char id[STORE_CHALLENGE_ID_LEN + 1])
{
	unsigned char rnd[16];

	id[0] = '\0';
	if (held_id <= 0)
		return invalid(st, "id %lld: not a message id", (long long)held_id);
	if (!text_ok(answer, STORE_ANSWER_MAX) || answer[0] == '\0')
		return invalid(st, "answer: missing or over %d bytes", STORE_ANSWER_MAX);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(id, STORE_CHALLENGE_ID_LEN + 1, rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return result(st, st->be->challenge_new(st->conn, held_id, id, answer, now));
}

_Static_assert(sodium_base64_ENCODED_LEN(16, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ==
    STORE_CHALLENGE_ID_LEN + 1, "challenge id length");

enum store_err
store_challenge_check(struct store *st, const char *id, const char *answer, int64_t now,
    unsigned max_tries, int64_t *held_id, enum store_answer *res)
{
	*held_id = 0;
	*res = STORE_ANSWER_WRONG;
	if (!text_ok(id, STORE_CHALLENGE_ID_LEN) || id[0] == '\0')
		return invalid(st, "challenge id: missing or over %d bytes",
		    STORE_CHALLENGE_ID_LEN);
	if (!text_ok(answer, STORE_ANSWER_MAX))
		return invalid(st, "answer: missing or over %d bytes", STORE_ANSWER_MAX);
	if (max_tries < 1)
		return invalid(st, "max_tries must be at least 1");
	return result(st, st->be->challenge_check(st->conn, id, answer, now, max_tries,
	    held_id, res));
}

enum store_err
store_challenge_answer(struct store *st, int64_t held_id, const char *id, int64_t now,
    char **answer)
{
	*answer = NULL;
	if (held_id <= 0)
		return invalid(st, "id %lld: not a message id", (long long)held_id);
	if (id != NULL && (!text_ok(id, STORE_CHALLENGE_ID_LEN) || id[0] == '\0'))
		return invalid(st, "challenge id: empty or over %d bytes", STORE_CHALLENGE_ID_LEN);
	/* older ones are refused by store_challenge_check: not open any more */
	return result(st, st->be->challenge_answer(st->conn, held_id, id,
	    now - STORE_CHALLENGE_TTL, answer));
}

enum store_err
store_attempt_hit(struct store *st, enum store_attempt_kind kind, const char *key,
    int64_t now, int64_t window_secs, uint64_t *count)
{
	*count = 0;
	if (kind != STORE_ATTEMPT_TOKEN && kind != STORE_ATTEMPT_CLIENT &&
	    kind != STORE_ATTEMPT_SENDER)
		return invalid(st, "unknown attempt kind");
	if (!text_ok(key, STORE_KEY_MAX) || key[0] == '\0')
		return invalid(st, "key: missing or over %d bytes", STORE_KEY_MAX);
	if (window_secs <= 0)
		return invalid(st, "window must be positive");
	return result(st, st->be->attempt_hit(st->conn, kind, key, now, window_secs, count));
}

/* ------------------------------------------------------------ recipient ids */

enum store_err
store_recipient_id(struct store *st, const char *address, int64_t now, int64_t *id)
{
	*id = 0;
	if (!addr_ok(address))
		return invalid(st, "recipient: not an address");
	return result(st, st->be->recipient_id(st->conn, address, now, id));
}

enum store_err
store_recipient_address(struct store *st, int64_t id, char **address)
{
	*address = NULL;
	if (id <= 0)
		return invalid(st, "id %lld: not a recipient id", (long long)id);
	return result(st, st->be->recipient_address(st->conn, id, address));
}

/* ------------------------------------------------------------ digests */

void
store_digest_free(struct store_digest_item *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i].rcpt);
	free(v);
}

enum store_err
store_digest_pending(struct store *st, int64_t now, size_t limit,
    struct store_digest_item **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (limit > STORE_LIST_MAX)
		return invalid(st, "limit %zu over %d", limit, STORE_LIST_MAX);
	return result(st, st->be->digest_pending(st->conn, now,
	    limit == 0 ? STORE_LIST_MAX : limit, v, n));
}

void
store_digest_claim_clear(struct store_digest_claim *c)
{
	if (c == NULL)
		return;
	free(c->rcpt);
	free(c->ids);
	sodium_memzero(&c->lease, sizeof(c->lease));
	memset(c, 0, sizeof(*c));
}

enum store_err
store_digest_claim(struct store *st, const char *rcpt, int64_t now, int64_t lease_secs,
    struct store_digest_claim *out)
{
	uint64_t lease;

	memset(out, 0, sizeof(*out));
	if (!addr_ok(rcpt))
		return invalid(st, "digest: recipient not an address");
	if (lease_secs <= 0 || now > INT64_MAX - lease_secs)
		return invalid(st, "lease must be positive and end before the year 292e9");
	do {
		randombytes_buf(&lease, sizeof(lease));
	} while (lease == 0);
	return result(st, st->be->digest_claim(st->conn, rcpt, now, lease_secs, lease, out));
}

static bool
digest_claim_ok(const struct store_digest_claim *c)
{
	return c != NULL && c->lease != 0 && c->n > 0 && c->n <= STORE_LIST_MAX &&
	    c->ids != NULL && addr_ok(c->rcpt);
}

enum store_err
store_digest_done(struct store *st, const struct store_digest_claim *c, int64_t now)
{
	if (!digest_claim_ok(c))
		return invalid(st, "digest: not a claim");
	return result(st, st->be->digest_done(st->conn, c, now));
}

enum store_err
store_digest_unclaim(struct store *st, const struct store_digest_claim *c)
{
	if (!digest_claim_ok(c))
		return invalid(st, "digest: not a claim");
	return result(st, st->be->digest_unclaim(st->conn, c));
}

enum store_err
store_digest_last_round(struct store *st, int64_t *last)
{
	*last = 0;
	return result(st, st->be->digest_last_round(st->conn, last));
}

enum store_err
store_digest_round_take(struct store *st, int64_t seen, int64_t now)
{
	if (seen < 0 || now <= 0)
		return invalid(st, "digest round: bad time");
	return result(st, st->be->digest_round_take(st->conn, seen, now));
}

/* ------------------------------------------------------------ audit log */

void
store_audit_free(struct store_audit_entry *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].who);
		free(v[i].from);
		free(v[i].what);
	}
	free(v);
}

enum store_err
store_audit_add(struct store *st, int64_t now, const struct store_actor *by,
    const char *what)
{
	if (!actor_ok(by))
		return invalid(st, "actor: missing or over %d bytes", STORE_WHO_MAX);
	if (!text_ok(what, STORE_WHAT_MAX) || what[0] == '\0')
		return invalid(st, "what: missing or over %d bytes", STORE_WHAT_MAX);
	return result(st, st->be->audit_add(st->conn, now, by, what));
}

enum store_err
store_audit_list(struct store *st, int64_t before_id, size_t limit,
    struct store_audit_entry **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	if (limit > STORE_LIST_MAX)
		return invalid(st, "limit over %d", STORE_LIST_MAX);
	return result(st, st->be->audit_list(st->conn, before_id,
	    limit == 0 ? STORE_LIST_MAX : limit, v, n));
}

/* ------------------------------------------------------------ stats and purge */

enum store_err
store_stats(struct store *st, int64_t now, struct store_stats *out)
{
	memset(out, 0, sizeof(*out));
	return result(st, st->be->stats(st->conn, now, out));
}

enum store_err
store_purge(struct store *st, int64_t now, int64_t keep, struct store_purge_result *out)
{
	struct store_purge_result dummy;

	if (out == NULL)
		out = &dummy;
	memset(out, 0, sizeof(*out));
	if (keep < 0)
		return invalid(st, "keep: negative");
	return result(st, st->be->purge(st->conn, now, keep, out));
}
