/*
 * sqlite_lists.c - the small tables of the sqlite3 backend: whitelist, sender
 * history, CAPTCHA challenges, rate-limit counters, recipient ids and the audit log.
 * Each operation is one statement, or one write transaction when it reads before it
 * writes (so two processes cannot both take the last try of a challenge).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/sqlite_int.h"

/* Grows *v (cap entries of size sz) to hold one more. */
static void *
grow(void *v, size_t n, size_t *cap, size_t sz)
{
	if (n < *cap)
		return v;
	*cap = *cap == 0 ? 8 : *cap * 2;
	return xreallocarray(v, *cap, sz);
}

/* ------------------------------------------------------------ sender history */

static const char sql_seen_note[] =
    "INSERT INTO sender_seen (sender, net, count, first_seen, last_seen)"
    " VALUES (?1, ?2, 1, ?3, ?3) ON CONFLICT (sender, net) DO UPDATE SET"
    " count = count + 1, last_seen = max(last_seen, excluded.last_seen)";
static const char sql_seen_get[] =
    "SELECT net, count, first_seen, last_seen FROM sender_seen WHERE sender = ?1"
    " ORDER BY last_seen DESC, net LIMIT ?2";

static enum store_err
seen_one(struct store_conn *c, const char *key, const char *net, int64_t now)
{
	sqlite3_stmt *st = sq_stmt(c, sql_seen_note);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, key);
	sq_bind_text(st, 2, net);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

/* Inside the writer's batch transaction. */
enum store_err
sq_seen_note(struct store_conn *c, const char *sender, const char *net, int64_t now)
{
	enum store_err e = seen_one(c, sender, net, now);

	if (e == STORE_OK)
		e = seen_one(c, store_domain_of(sender), net, now);
	return e;
}

enum store_err
sq_seen_get(struct store_conn *c, const char *key, struct store_seen **v, size_t *n)
{
	sqlite3_stmt *st = sq_stmt(c, sql_seen_get);
	enum store_err e = STORE_OK;
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, key);
	sqlite3_bind_int(st, 2, STORE_LIST_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_seen *s;

		*v = grow(*v, *n, &cap, sizeof(**v));
		s = &(*v)[(*n)++];
		s->net = sq_col_text(st, 0);
		s->count = (uint64_t)sqlite3_column_int64(st, 1);
		s->first_seen = sqlite3_column_int64(st, 2);
		s->last_seen = sqlite3_column_int64(st, 3);
	}
	if (rc != SQLITE_DONE) {
		e = sq_error(c, rc);
		store_seen_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	sq_reset(st);
	return e;
}

/* ------------------------------------------------------------ whitelist */

#define WL_COLS "id, scope, target, sender, origin, auth_domain, client_net, created, expires," \
    " action"

static const char sql_wl_upsert[] =
    "INSERT INTO whitelist (scope, target, sender, origin, auth_domain, client_net,"
    " created, expires, action) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (scope, target, sender) DO UPDATE SET origin = excluded.origin,"
    " auth_domain = excluded.auth_domain, client_net = excluded.client_net,"
    " created = excluded.created, expires = excluded.expires, action = excluded.action";
static const char sql_wl_id[] =
    "SELECT id, action FROM whitelist WHERE scope = ?1 AND target = ?2 AND sender = ?3";
static const char sql_wl_delete[] =
    "DELETE FROM whitelist WHERE scope = ?1 AND target = ?2 AND sender = ?3";
static const char sql_wl_list[] =
    "SELECT " WL_COLS " FROM whitelist WHERE (?1 < 0 OR scope = ?1)"
    " AND (?2 IS NULL OR target = ?2) AND (?3 IS NULL OR sender = ?3) AND id > ?4"
    " AND (?6 < 0 OR action = ?6) ORDER BY id LIMIT ?5";
/* Most specific first: recipient, domain, global; an address before a domain. */
static const char sql_wl_lookup[] =
    "SELECT " WL_COLS " FROM whitelist WHERE sender IN (?1, ?2)"
    " AND (scope = 0 OR (scope = 1 AND target = ?3) OR (scope = 2 AND target = ?4))"
    " AND (expires = 0 OR expires > ?5)"
    " ORDER BY scope DESC, instr(sender, '@') = 0, id";

static enum store_err
wl_rows(struct store_conn *c, sqlite3_stmt *st, struct store_wl_entry **v, size_t *n)
{
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_wl_entry *e;

		*v = grow(*v, *n, &cap, sizeof(**v));
		e = &(*v)[(*n)++];
		e->id = sqlite3_column_int64(st, 0);
		e->scope = (enum store_wl_scope)sqlite3_column_int(st, 1);
		e->target = sq_col_text(st, 2);
		e->sender = sq_col_text(st, 3);
		e->origin = (enum store_wl_origin)sqlite3_column_int(st, 4);
		e->auth_domain = sq_col_text(st, 5);
		e->client_net = sq_col_text(st, 6);
		e->created = sqlite3_column_int64(st, 7);
		e->expires = sqlite3_column_int64(st, 8);
		e->action = (enum store_wl_action)sqlite3_column_int(st, 9);
	}
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_OK;
	store_wl_free(*v, *n);
	*v = NULL;
	*n = 0;
	return sq_error(c, rc);
}

static void
bind_key(sqlite3_stmt *st, enum store_wl_scope scope, const char *target,
    const char *sender)
{
	sqlite3_bind_int(st, 1, (int)scope);
	sq_bind_text(st, 2, target);
	sq_bind_text(st, 3, sender);
}

static enum store_err
wl_add(struct store_conn *c, const struct store_wl_entry *e, const struct store_actor *by,
    const char *what, int64_t *id)
{
	sqlite3_stmt *st;
	int rc, blocked;

	if (e->origin == STORE_WL_BY_RELEASE) {
		/* a sender must not lift a recipient's block by solving a challenge */
		if ((st = sq_stmt(c, sql_wl_id)) == NULL)
			return STORE_IO;
		bind_key(st, e->scope, e->target, e->sender);
		rc = sqlite3_step(st);
		blocked = rc == SQLITE_ROW && sqlite3_column_int(st, 1) == STORE_WL_BLOCK;
		sq_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return sq_error(c, rc);
		if (blocked)
			return sq_fail(c, STORE_CONFLICT, "the sender is blocked");
	}
	if ((st = sq_stmt(c, sql_wl_upsert)) == NULL)
		return STORE_IO;
	bind_key(st, e->scope, e->target, e->sender);
	sqlite3_bind_int(st, 4, (int)e->origin);
	sq_bind_text(st, 5, e->auth_domain);
	sq_bind_text(st, 6, e->client_net);
	sqlite3_bind_int64(st, 7, e->created);
	sqlite3_bind_int64(st, 8, e->expires);
	sqlite3_bind_int(st, 9, (int)e->action);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	/* last_insert_rowid is not set when the upsert updated: ask for the id. */
	if ((st = sq_stmt(c, sql_wl_id)) == NULL)
		return STORE_IO;
	bind_key(st, e->scope, e->target, e->sender);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sq_reset(st);
	if (rc != SQLITE_ROW)
		return sq_error(c, rc);
	return sq_audit(c, e->created, by, what);
}

enum store_err
sq_wl_add(struct store_conn *c, const struct store_wl_entry *e,
    const struct store_actor *by, const char *what, int64_t *id)
{
	enum store_err err = sq_begin_write(c);

	if (err != STORE_OK)
		return err;
	return sq_end(c, wl_add(c, e, by, what, id));
}

static enum store_err
wl_remove(struct store_conn *c, enum store_wl_scope scope, const char *target,
    const char *sender, int64_t now, const struct store_actor *by, const char *what)
{
	sqlite3_stmt *st = sq_stmt(c, sql_wl_delete);
	int rc;

	if (st == NULL)
		return STORE_IO;
	bind_key(st, scope, target, sender);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	if (sqlite3_changes(c->db) == 0)
		return sq_fail(c, STORE_NOTFOUND, "no such whitelist entry");
	return sq_audit(c, now, by, what);
}

enum store_err
sq_wl_remove(struct store_conn *c, enum store_wl_scope scope, const char *target,
    const char *sender, int64_t now, const struct store_actor *by, const char *what)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, wl_remove(c, scope, target, sender, now, by, what));
}

enum store_err
sq_wl_list(struct store_conn *c, const struct store_wl_filter *f,
    struct store_wl_entry **v, size_t *n)
{
	sqlite3_stmt *st = sq_stmt(c, sql_wl_list);

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int(st, 1, f->any_scope ? -1 : (int)f->scope);
	if (f->target != NULL)
		sq_bind_text(st, 2, f->target);
	if (f->sender != NULL)
		sq_bind_text(st, 3, f->sender);
	sqlite3_bind_int64(st, 4, f->after_id);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)f->limit);
	sqlite3_bind_int(st, 6, f->any_action ? -1 : (int)f->action);
	return wl_rows(c, st, v, n);
}

enum store_err
sq_wl_lookup(struct store_conn *c, const char *rcpt, const char *rcpt_domain,
    const char *sender, const char *sender_domain, int64_t now,
    struct store_wl_entry **v, size_t *n)
{
	sqlite3_stmt *st = sq_stmt(c, sql_wl_lookup);

	if (st == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, sender);
	sq_bind_text(st, 2, sender_domain);
	sq_bind_text(st, 3, rcpt_domain);
	sq_bind_text(st, 4, rcpt);
	sqlite3_bind_int64(st, 5, now);
	return wl_rows(c, st, v, n);
}

/* ------------------------------------------------------------ challenges */

static const char sql_challenge_insert[] =
    "INSERT INTO challenge (id, held_id, answer, created) VALUES (?1, ?2, ?3, ?4)";
static const char sql_challenge_get[] =
    "SELECT held_id, answer, tries, created FROM challenge WHERE id = ?1";
static const char sql_challenge_try[] =
    "UPDATE challenge SET tries = tries + 1 WHERE id = ?1";
static const char sql_challenge_drop[] = "DELETE FROM challenge WHERE id = ?1";
static const char sql_held_state_only[] = "SELECT state FROM held WHERE id = ?1";

static enum store_err
challenge_new(struct store_conn *c, int64_t held_id, const char *id, const char *answer,
    int64_t now)
{
	sqlite3_stmt *st = sq_stmt(c, sql_held_state_only);
	int rc, state = 0;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, held_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		state = sqlite3_column_int(st, 0);
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_NOTFOUND, "no held message %lld", (long long)held_id);
	if (rc != SQLITE_ROW)
		return sq_error(c, rc);
	if (state != STORE_HELD)
		return sq_fail(c, STORE_CONFLICT, "message %lld is %s", (long long)held_id,
		    store_state_name((enum store_state)state));
	if ((st = sq_stmt(c, sql_challenge_insert)) == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, held_id);
	sq_bind_text(st, 3, answer);
	sqlite3_bind_int64(st, 4, now);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

enum store_err
sq_challenge_new(struct store_conn *c, int64_t held_id, const char *id,
    const char *answer, int64_t now)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, challenge_new(c, held_id, id, answer, now));
}

static enum store_err
exec_text(struct store_conn *c, const char *sql, const char *text)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, text);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

static enum store_err
challenge_check(struct store_conn *c, const char *id, const char *answer, int64_t now,
    unsigned max_tries, int64_t *held_id, enum store_answer *res)
{
	sqlite3_stmt *st = sq_stmt(c, sql_challenge_get);
	char *want = NULL;
	int64_t tries = 0, created = 0;
	bool right;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*held_id = sqlite3_column_int64(st, 0);
		want = sq_col_text(st, 1);
		tries = sqlite3_column_int64(st, 2);
		created = sqlite3_column_int64(st, 3);
	}
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_NOTFOUND, "no such challenge");
	if (rc != SQLITE_ROW)
		return sq_error(c, rc);
	right = store_answer_equal(want, answer);
	free(want);
	/* The age in unsigned arithmetic: any two int64 times, no overflow. */
	if (now > created && (uint64_t)now - (uint64_t)created >= STORE_CHALLENGE_TTL) {
		*res = STORE_ANSWER_EXPIRED;
		return exec_text(c, sql_challenge_drop, id);
	}
	if (right) {
		*res = STORE_ANSWER_RIGHT;
		return exec_text(c, sql_challenge_drop, id);
	}
	if (tries + 1 >= (int64_t)max_tries) {
		*res = STORE_ANSWER_EXHAUSTED;
		return exec_text(c, sql_challenge_drop, id);
	}
	*res = STORE_ANSWER_WRONG;
	return exec_text(c, sql_challenge_try, id);
}

enum store_err
sq_challenge_check(struct store_conn *c, const char *id, const char *answer, int64_t now,
    unsigned max_tries, int64_t *held_id, enum store_answer *res)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	e = sq_end(c, challenge_check(c, id, answer, now, max_tries, held_id, res));
	if (e != STORE_OK) {
		*held_id = 0;
		*res = STORE_ANSWER_WRONG;
	}
	return e;
}

static const char sql_challenge_open[] =
    "SELECT answer FROM challenge WHERE held_id = ?1 AND created > ?2"
    " AND (?3 IS NULL OR id = ?3) ORDER BY created DESC, id LIMIT 1";

enum store_err
sq_challenge_answer(struct store_conn *c, int64_t held_id, const char *id, int64_t since,
    char **answer)
{
	enum store_err e = sq_begin_read(c);
	sqlite3_stmt *st;
	int rc;

	if (e != STORE_OK)
		return e;
	if ((st = sq_stmt(c, sql_challenge_open)) == NULL)
		return sq_end(c, STORE_IO);
	sqlite3_bind_int64(st, 1, held_id);
	sqlite3_bind_int64(st, 2, since);
	if (id != NULL)
		sq_bind_text(st, 3, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*answer = sq_col_text(st, 0);
	sq_reset(st);
	if (rc == SQLITE_DONE)
		e = sq_fail(c, STORE_NOTFOUND, "no open challenge for message %lld",
		    (long long)held_id);
	else if (rc != SQLITE_ROW)
		e = sq_error(c, rc);
	return sq_end(c, e);
}

/* ------------------------------------------------------------ rate limits */

/* SET expressions see the row as it was: both CASEs test the old window. */
static const char sql_attempt_hit[] =
    "INSERT INTO attempt (kind, key, count, window_end) VALUES (?1, ?2, 1, ?3 + ?4)"
    " ON CONFLICT (kind, key) DO UPDATE SET"
    " count = CASE WHEN window_end <= ?3 THEN 1 ELSE count + 1 END,"
    " window_end = CASE WHEN window_end <= ?3 THEN ?3 + ?4 ELSE window_end END";
static const char sql_attempt_get[] =
    "SELECT count FROM attempt WHERE kind = ?1 AND key = ?2";

static enum store_err
attempt_hit(struct store_conn *c, enum store_attempt_kind kind, const char *key,
    int64_t now, int64_t window_secs, uint64_t *count)
{
	sqlite3_stmt *st = sq_stmt(c, sql_attempt_hit);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int(st, 1, (int)kind);
	sq_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, window_secs);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	if ((st = sq_stmt(c, sql_attempt_get)) == NULL)
		return STORE_IO;
	sqlite3_bind_int(st, 1, (int)kind);
	sq_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = (uint64_t)sqlite3_column_int64(st, 0);
	sq_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_error(c, rc);
}

enum store_err
sq_attempt_hit(struct store_conn *c, enum store_attempt_kind kind, const char *key,
    int64_t now, int64_t window_secs, uint64_t *count)
{
	enum store_err e;

	/* now + window must not overflow in SQL (an integer overflow turns to real). */
	if (now > INT64_MAX - window_secs)
		return sq_fail(c, STORE_INVALID, "window ends after the end of time");
	if ((e = sq_begin_write(c)) != STORE_OK)
		return e;
	return sq_end(c, attempt_hit(c, kind, key, now, window_secs, count));
}

/* ------------------------------------------------------------ recipient ids */

static const char sql_recipient_insert[] =
    "INSERT INTO recipient (address, created) VALUES (?1, ?2)"
    " ON CONFLICT (address) DO NOTHING";
static const char sql_recipient_id[] = "SELECT id FROM recipient WHERE address = ?1";
static const char sql_recipient_address[] = "SELECT address FROM recipient WHERE id = ?1";

static enum store_err
recipient_id(struct store_conn *c, const char *address, int64_t now, int64_t *id)
{
	sqlite3_stmt *st = sq_stmt(c, sql_recipient_insert);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, address);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	if ((st = sq_stmt(c, sql_recipient_id)) == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, address);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sq_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_error(c, rc);
}

enum store_err
sq_recipient_id(struct store_conn *c, const char *address, int64_t now, int64_t *id)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, recipient_id(c, address, now, id));
}

enum store_err
sq_recipient_address(struct store_conn *c, int64_t id, char **address)
{
	sqlite3_stmt *st = sq_stmt(c, sql_recipient_address);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*address = sq_col_text(st, 0);
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_NOTFOUND, "no recipient %lld", (long long)id);
	return rc == SQLITE_ROW ? STORE_OK : sq_error(c, rc);
}

/* ------------------------------------------------------------ audit log */

static const char sql_audit_list[] =
    "SELECT id, at, who, origin, what FROM audit WHERE (?1 = 0 OR id < ?1)"
    " ORDER BY id DESC LIMIT ?2";

enum store_err
sq_audit_add(struct store_conn *c, int64_t now, const struct store_actor *by,
    const char *what)
{
	return sq_audit(c, now, by, what);
}

enum store_err
sq_audit_list(struct store_conn *c, int64_t before_id, size_t limit,
    struct store_audit_entry **v, size_t *n)
{
	sqlite3_stmt *st = sq_stmt(c, sql_audit_list);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, before_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_audit_entry *a;

		*v = grow(*v, *n, &cap, sizeof(**v));
		a = &(*v)[(*n)++];
		a->id = sqlite3_column_int64(st, 0);
		a->at = sqlite3_column_int64(st, 1);
		a->who = sq_col_text(st, 2);
		a->from = sq_col_text(st, 3);
		a->what = sq_col_text(st, 4);
	}
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_OK;
	store_audit_free(*v, *n);
	*v = NULL;
	*n = 0;
	return sq_error(c, rc);
}
