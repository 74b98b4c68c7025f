/*
 * sqlite_held.c - held messages and the re-injection queue in sqlite3: the group
 * commit's batch, reading and listing, release and deletion, and the claim / done /
 * retry / fail cycle of the queue. Every state change is one write transaction with
 * its side effects (queue entry, content drop, audit row), so no crash leaves a
 * message half-changed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/sqlite_int.h"

/* ------------------------------------------------------------------ batch */

static const char sql_held_insert[] =
    "INSERT INTO held (mail_from, mail_from_domain, client_addr, helo, auth_results,"
    " verdict, reasons, subject, date, size, state, received, expires, auth_domain)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12, ?13)";
static const char sql_rcpt_insert[] =
    "INSERT INTO held_rcpt (held_id, pos, address, domain, mailbox)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_body_insert[] = "INSERT INTO body (held_id, data) VALUES (?1, ?2)";
static const char sql_savepoint[] = "SAVEPOINT job";
static const char sql_release_sp[] = "RELEASE job";
static const char sql_rollback_sp[] = "ROLLBACK TO job";

static enum store_err
hold_insert(struct store_conn *c, const struct store_hold *h, int64_t *id)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if ((st = sq_stmt(c, sql_held_insert)) == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, h->mail_from);
	sq_bind_text(st, 2, store_domain_of(h->mail_from));
	sq_bind_text(st, 3, h->client_addr);
	sq_bind_text(st, 4, h->helo);
	sq_bind_text(st, 5, h->auth_results);
	sq_bind_text(st, 6, h->verdict);
	sq_bind_text(st, 7, h->reasons);
	sq_bind_text(st, 8, h->subject);
	sq_bind_text(st, 9, h->date);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)h->message_len);
	sqlite3_bind_int64(st, 11, h->received);
	sqlite3_bind_int64(st, 12, h->expires);
	sq_bind_text(st, 13, h->auth_domain);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	*id = sqlite3_last_insert_rowid(c->db);

	if ((st = sq_stmt(c, sql_rcpt_insert)) == NULL)
		return STORE_IO;
	for (i = 0; i < h->nrcpts; i++) {
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sq_bind_text(st, 3, h->rcpts[i]);
		sq_bind_text(st, 4, store_domain_of(h->rcpts[i]));
		sq_bind_text(st, 5, h->mailboxes[i]);	/* set by the writer */
		rc = sqlite3_step(st);
		sq_reset(st);
		if (rc != SQLITE_DONE)
			return sq_error(c, rc);
	}

	if ((st = sq_stmt(c, sql_body_insert)) == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_blob64(st, 2, h->message, h->message_len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

enum store_err
sq_batch(struct store_conn *c, struct store_job *jobs)
{
	struct store_job *j;
	enum store_err e;

	if ((e = sq_begin_write(c)) != STORE_OK)
		return e;
	for (j = jobs; j != NULL; j = j->next) {
		j->id = 0;
		if ((e = sq_exec(c, sql_savepoint)) != STORE_OK)
			break;
		if (j->kind == STORE_JOB_HOLD)
			j->err = hold_insert(c, &j->hold, &j->id);
		else
			j->err = sq_seen_note(c, j->sender, j->net, j->now);
		if (j->err != STORE_OK) {
			j->id = 0;
			/* An I/O error or a full disk ends the whole transaction. */
			if (sqlite3_get_autocommit(c->db)) {
				e = j->err;
				break;
			}
			if ((e = sq_exec(c, sql_rollback_sp)) != STORE_OK)
				break;
		}
		if ((e = sq_exec(c, sql_release_sp)) != STORE_OK)
			break;
	}
	if (e != STORE_OK) {
		sq_rollback(c);
		return e;
	}
	return sq_commit(c);
}

/* ------------------------------------------------------------ reading */

#define HELD_COLS \
    "h.id, h.mail_from, h.client_addr, h.helo, h.auth_results, h.verdict, h.reasons," \
    " h.subject, h.date, h.state, h.received, h.expires, h.released, h.delivered," \
    " h.token_spent, h.error, h.size, h.auth_domain"

static const char sql_held_get[] = "SELECT " HELD_COLS " FROM held h WHERE h.id = ?1";
static const char sql_rcpts_get[] =
    "SELECT address, mailbox FROM held_rcpt WHERE held_id = ?1 ORDER BY pos";
static const char sql_body_get[] = "SELECT data FROM body WHERE held_id = ?1";

static void
held_row(sqlite3_stmt *st, struct store_held *h)
{
	h->id = sqlite3_column_int64(st, 0);
	h->mail_from = sq_col_text(st, 1);
	h->client_addr = sq_col_text(st, 2);
	h->helo = sq_col_text(st, 3);
	h->auth_results = sq_col_text(st, 4);
	h->verdict = sq_col_text(st, 5);
	h->reasons = sq_col_text(st, 6);
	h->subject = sq_col_text(st, 7);
	h->date = sq_col_text(st, 8);
	h->state = (enum store_state)sqlite3_column_int(st, 9);
	h->received = sqlite3_column_int64(st, 10);
	h->expires = sqlite3_column_int64(st, 11);
	h->released = sqlite3_column_int64(st, 12);
	h->delivered = sqlite3_column_int64(st, 13);
	h->token_spent = sqlite3_column_int(st, 14) != 0;
	h->error = sq_col_text(st, 15);
	h->size = (size_t)sqlite3_column_int64(st, 16);
	h->auth_domain = sq_col_text(st, 17);
}

static enum store_err
load_rcpts(struct store_conn *c, struct store_held *h)
{
	sqlite3_stmt *st = sq_stmt(c, sql_rcpts_get);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, h->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (h->nrcpts == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			h->rcpts = xreallocarray(h->rcpts, cap, sizeof(*h->rcpts));
			h->mailboxes = xreallocarray(h->mailboxes, cap,
			    sizeof(*h->mailboxes));
		}
		h->rcpts[h->nrcpts] = sq_col_text(st, 0);
		h->mailboxes[h->nrcpts++] = sq_col_text(st, 1);
	}
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

static enum store_err
load_body(struct store_conn *c, struct store_held *h)
{
	sqlite3_stmt *st = sq_stmt(c, sql_body_get);
	enum store_err e = STORE_OK;
	const void *data;
	int rc, len;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, h->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* blob before bytes, as sqlite3 documents: no conversion in between. */
		data = sqlite3_column_blob(st, 0);
		len = sqlite3_column_bytes(st, 0);
		h->message_len = (size_t)len;
		h->message = xmalloc(len > 0 ? (size_t)len : 1);
		if (len > 0)
			memcpy(h->message, data, (size_t)len);
	} else if (rc != SQLITE_DONE) {
		e = sq_error(c, rc);
	}
	sq_reset(st);
	return e;
}

/* Reads message id inside the caller's transaction. */
static enum store_err
held_read(struct store_conn *c, int64_t id, bool with_message, struct store_held *out)
{
	sqlite3_stmt *st = sq_stmt(c, sql_held_get);
	enum store_err e;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		held_row(st, out);
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_NOTFOUND, "no held message %lld", (long long)id);
	if (rc != SQLITE_ROW)
		return sq_error(c, rc);
	e = load_rcpts(c, out);
	if (e == STORE_OK && with_message)
		e = load_body(c, out);
	if (e != STORE_OK)
		store_held_clear(out);
	return e;
}

enum store_err
sq_held_get(struct store_conn *c, int64_t id, bool with_message, struct store_held *out)
{
	enum store_err e = sq_begin_read(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, held_read(c, id, with_message, out));
}

/*
 * Three forms, so that a recipient filter (the recipient pages) is driven by its
 * index; the sender, date, state and paging filters apply to each.
 */
#define HELD_FILTERS \
    " AND (?3 IS NULL OR h.mail_from = ?3) AND (?4 IS NULL OR h.mail_from_domain = ?4)" \
    " AND (?5 = 0 OR h.received >= ?5) AND (?6 = 0 OR h.received < ?6)" \
    " AND (?7 = 0 OR h.state = ?7) AND (?8 = 0 OR h.id < ?8)" \
    " ORDER BY h.id DESC LIMIT ?9"

static const char sql_list_all[] =
    "SELECT " HELD_COLS " FROM held h WHERE ?1 IS NULL AND ?2 IS NULL" HELD_FILTERS;
static const char sql_list_by_rcpt[] =
    "SELECT " HELD_COLS " FROM held h WHERE ?2 IS NULL AND h.id IN"
    " (SELECT held_id FROM held_rcpt WHERE address = ?1 OR mailbox = ?1)" HELD_FILTERS;
static const char sql_list_by_domain[] =
    "SELECT " HELD_COLS " FROM held h WHERE ?1 IS NULL AND h.id IN"
    " (SELECT held_id FROM held_rcpt WHERE domain = ?2)" HELD_FILTERS;

static enum store_err
held_list(struct store_conn *c, const struct store_held_filter *f, struct store_held **v,
    size_t *n)
{
	const char *sql = sql_list_all;
	sqlite3_stmt *st;
	enum store_err e = STORE_OK;
	size_t cap = 0, i;
	int rc;

	if (f->rcpt != NULL)
		sql = store_is_domain(f->rcpt) ? sql_list_by_domain : sql_list_by_rcpt;
	if ((st = sq_stmt(c, sql)) == NULL)
		return STORE_IO;
	if (f->rcpt != NULL)
		sq_bind_text(st, store_is_domain(f->rcpt) ? 2 : 1, f->rcpt);
	if (f->sender != NULL)
		sq_bind_text(st, store_is_domain(f->sender) ? 4 : 3, f->sender);
	sqlite3_bind_int64(st, 5, f->since);
	sqlite3_bind_int64(st, 6, f->until);
	sqlite3_bind_int(st, 7, (int)f->state);
	sqlite3_bind_int64(st, 8, f->before_id);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			*v = xreallocarray(*v, cap, sizeof(**v));
		}
		memset(&(*v)[*n], 0, sizeof(**v));
		held_row(st, &(*v)[(*n)++]);
	}
	if (rc != SQLITE_DONE)
		e = sq_error(c, rc);
	sq_reset(st);
	for (i = 0; e == STORE_OK && i < *n; i++)
		e = load_rcpts(c, &(*v)[i]);
	return e;
}

enum store_err
sq_held_list(struct store_conn *c, const struct store_held_filter *f,
    struct store_held **v, size_t *n)
{
	enum store_err e = sq_begin_read(c);

	if (e != STORE_OK)
		return e;
	e = sq_end(c, held_list(c, f, v, n));
	if (e != STORE_OK) {
		store_held_list_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	return e;
}

/* ------------------------------------------------------------ state changes */

static const char sql_held_state[] =
    "SELECT state, token_spent, expires FROM held WHERE id = ?1";
static const char sql_held_release[] =
    "UPDATE held SET state = 2, released = ?2, ended = 0, error = '',"
    " token_spent = token_spent OR ?3 WHERE id = ?1";
static const char sql_queue_insert[] =
    "INSERT INTO reinject (held_id, next_attempt) VALUES (?1, ?2)"
    " ON CONFLICT (held_id) DO UPDATE SET next_attempt = excluded.next_attempt,"
    " lease = 0, lease_until = 0";
static const char sql_held_deleted[] =
    "UPDATE held SET state = 5, ended = ?2 WHERE id = ?1";
static const char sql_body_drop[] = "DELETE FROM body WHERE held_id = ?1";
static const char sql_queue_drop[] = "DELETE FROM reinject WHERE held_id = ?1";
static const char sql_challenges_drop[] = "DELETE FROM challenge WHERE held_id = ?1";

/* Runs a statement bound to (id) or (id, value). */
static enum store_err
exec_id(struct store_conn *c, const char *sql, int64_t id, bool with_value, int64_t value)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	if (with_value)
		sqlite3_bind_int64(st, 2, value);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

struct held_state {
	enum store_state state;
	bool		 spent;
	int64_t		 expires;
};

static enum store_err
state_get(struct store_conn *c, int64_t id, struct held_state *hs)
{
	sqlite3_stmt *st = sq_stmt(c, sql_held_state);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		hs->state = (enum store_state)sqlite3_column_int(st, 0);
		hs->spent = sqlite3_column_int(st, 1) != 0;
		hs->expires = sqlite3_column_int64(st, 2);
	}
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_NOTFOUND, "no held message %lld", (long long)id);
	return rc == SQLITE_ROW ? STORE_OK : sq_error(c, rc);
}

static enum store_err
release(struct store_conn *c, int64_t id, enum store_release_how how, int64_t now,
    const struct store_actor *by, const char *what)
{
	struct held_state hs;
	sqlite3_stmt *st;
	enum store_err e;
	int rc;

	if ((e = state_get(c, id, &hs)) != STORE_OK)
		return e;
	if (how == STORE_BY_TOKEN) {
		if (hs.spent)
			return sq_fail(c, STORE_SPENT, "message %lld: token already used",
			    (long long)id);
		if (hs.state != STORE_HELD || hs.expires <= now)
			return sq_fail(c, STORE_CONFLICT, "message %lld is %s", (long long)id,
			    hs.state == STORE_HELD ? "past its release window" :
			    store_state_name(hs.state));
	} else if (hs.state != STORE_HELD && hs.state != STORE_FAILED) {
		return sq_fail(c, STORE_CONFLICT, "message %lld is %s", (long long)id,
		    store_state_name(hs.state));
	}
	if ((st = sq_stmt(c, sql_held_release)) == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, how == STORE_BY_TOKEN);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	if ((e = exec_id(c, sql_queue_insert, id, true, now)) != STORE_OK)
		return e;
	return sq_audit(c, now, by, what);
}

enum store_err
sq_release(struct store_conn *c, int64_t id, enum store_release_how how, int64_t now,
    const struct store_actor *by, const char *what)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, release(c, id, how, now, by, what));
}

static enum store_err
held_delete(struct store_conn *c, int64_t id, int64_t now, const struct store_actor *by,
    const char *what)
{
	struct held_state hs;
	enum store_err e;

	if ((e = state_get(c, id, &hs)) != STORE_OK)
		return e;
	if (hs.state == STORE_DELETED)
		return sq_fail(c, STORE_CONFLICT, "message %lld is deleted already",
		    (long long)id);
	if ((e = exec_id(c, sql_held_deleted, id, true, now)) != STORE_OK ||
	    (e = exec_id(c, sql_body_drop, id, false, 0)) != STORE_OK ||
	    (e = exec_id(c, sql_queue_drop, id, false, 0)) != STORE_OK ||
	    (e = exec_id(c, sql_challenges_drop, id, false, 0)) != STORE_OK)
		return e;
	return sq_audit(c, now, by, what);
}

enum store_err
sq_held_delete(struct store_conn *c, int64_t id, int64_t now, const struct store_actor *by,
    const char *what)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, held_delete(c, id, now, by, what));
}

/* ------------------------------------------------------------ the queue */

static const char sql_queue_due[] =
    "SELECT held_id FROM reinject WHERE next_attempt <= ?1 AND lease_until <= ?1"
    " ORDER BY next_attempt, held_id LIMIT 1";
static const char sql_queue_lease[] =
    "UPDATE reinject SET lease = ?2, lease_until = ?3, attempts = attempts + 1"
    " WHERE held_id = ?1";
static const char sql_queue_attempts[] =
    "SELECT attempts FROM reinject WHERE held_id = ?1";
static const char sql_queue_owner[] =
    "SELECT lease FROM reinject WHERE held_id = ?1";
static const char sql_held_delivered[] =
    "UPDATE held SET state = 3, delivered = ?2, ended = ?2 WHERE id = ?1 AND state = 2";
static const char sql_queue_retry[] =
    "UPDATE reinject SET next_attempt = ?3, lease = 0, lease_until = 0, last_error = ?4"
    " WHERE held_id = ?1 AND lease = ?2";
static const char sql_held_error[] = "UPDATE held SET error = ?2 WHERE id = ?1";
static const char sql_held_failed[] =
    "UPDATE held SET state = 6, ended = ?2, error = ?3 WHERE id = ?1 AND state = 2";
static const char sql_queue_next[] =
    "SELECT min(max(next_attempt, lease_until)) FROM reinject";

static enum store_err
claim(struct store_conn *c, int64_t now, int64_t lease_secs, uint64_t lease,
    struct store_claim *out)
{
	sqlite3_stmt *st;
	enum store_err e;
	int64_t id;
	int rc;

	if ((st = sq_stmt(c, sql_queue_due)) == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_NOTFOUND, "nothing due");
	if (rc != SQLITE_ROW)
		return sq_error(c, rc);

	if ((st = sq_stmt(c, sql_queue_lease)) == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)lease);
	sqlite3_bind_int64(st, 3, now + lease_secs);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);

	if ((st = sq_stmt(c, sql_queue_attempts)) == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	out->attempts = rc == SQLITE_ROW ? (unsigned)sqlite3_column_int(st, 0) : 0;
	sq_reset(st);
	if (rc != SQLITE_ROW)
		return sq_error(c, rc);

	if ((e = held_read(c, id, true, &out->msg)) != STORE_OK)
		return e;
	if (out->msg.message == NULL) {
		store_held_clear(&out->msg);
		return sq_fail(c, STORE_IO, "queued message %lld has no content",
		    (long long)id);
	}
	out->id = id;
	out->lease = lease;
	return STORE_OK;
}

enum store_err
sq_reinject_claim(struct store_conn *c, int64_t now, int64_t lease_secs, uint64_t lease,
    struct store_claim *out)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	e = sq_end(c, claim(c, now, lease_secs, lease, out));
	if (e != STORE_OK)
		store_claim_clear(out);
	return e;
}

/* STORE_OK when cl still holds the lease on its entry. */
static enum store_err
lease_check(struct store_conn *c, const struct store_claim *cl)
{
	sqlite3_stmt *st = sq_stmt(c, sql_queue_owner);
	uint64_t owner = 0;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, cl->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		owner = (uint64_t)sqlite3_column_int64(st, 0);
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_CONFLICT, "message %lld is no longer queued",
		    (long long)cl->id);
	if (rc != SQLITE_ROW)
		return sq_error(c, rc);
	if (owner != cl->lease)
		return sq_fail(c, STORE_CONFLICT, "message %lld: lease lost to another runner",
		    (long long)cl->id);
	return STORE_OK;
}

static enum store_err
done(struct store_conn *c, const struct store_claim *cl, int64_t now)
{
	enum store_err e;

	if ((e = lease_check(c, cl)) != STORE_OK ||
	    (e = exec_id(c, sql_held_delivered, cl->id, true, now)) != STORE_OK)
		return e;
	if (sqlite3_changes(c->db) != 1)
		return sq_fail(c, STORE_CONFLICT, "message %lld is not released",
		    (long long)cl->id);
	if ((e = exec_id(c, sql_body_drop, cl->id, false, 0)) != STORE_OK)
		return e;
	return exec_id(c, sql_queue_drop, cl->id, false, 0);
}

enum store_err
sq_reinject_done(struct store_conn *c, const struct store_claim *cl, int64_t now)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, done(c, cl, now));
}

/* Runs sql bound to (id, text). */
static enum store_err
exec_id_text(struct store_conn *c, const char *sql, int64_t id, const char *text)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	sq_bind_text(st, 2, text);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

static enum store_err
retry(struct store_conn *c, const struct store_claim *cl, const char *error,
    int64_t next_attempt)
{
	sqlite3_stmt *st = sq_stmt(c, sql_queue_retry);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, cl->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cl->lease);
	sqlite3_bind_int64(st, 3, next_attempt);
	sq_bind_text(st, 4, error);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	if (sqlite3_changes(c->db) != 1)
		return lease_check(c, cl);
	return exec_id_text(c, sql_held_error, cl->id, error);
}

enum store_err
sq_reinject_retry(struct store_conn *c, const struct store_claim *cl, const char *error,
    int64_t next_attempt)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, retry(c, cl, error, next_attempt));
}

static enum store_err
fail(struct store_conn *c, const struct store_claim *cl, const char *error, int64_t now)
{
	sqlite3_stmt *st;
	enum store_err e;
	int rc;

	if ((e = lease_check(c, cl)) != STORE_OK)
		return e;
	if ((st = sq_stmt(c, sql_held_failed)) == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, cl->id);
	sqlite3_bind_int64(st, 2, now);
	sq_bind_text(st, 3, error);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	return exec_id(c, sql_queue_drop, cl->id, false, 0);
}

enum store_err
sq_reinject_fail(struct store_conn *c, const struct store_claim *cl, const char *error,
    int64_t now)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, fail(c, cl, error, now));
}

enum store_err
sq_reinject_next(struct store_conn *c, int64_t *when)
{
	sqlite3_stmt *st = sq_stmt(c, sql_queue_next);
	enum store_err e = STORE_OK;
	int rc;

	if (st == NULL)
		return STORE_IO;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		e = sq_error(c, rc);
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		e = sq_fail(c, STORE_NOTFOUND, "the queue is empty");
	else
		*when = sqlite3_column_int64(st, 0);
	sq_reset(st);
	return e;
}
