/*
 * sqlite_digest.c - the sqlite3 backend's record of digest mails: which held
 * messages each recipient's digest listed (table digested, migration 2), the claims
 * of digests being sent (digest_lease) and the time of the last scheduled round
 * (digest_round, one row; migration 3). Records and leases are removed with their
 * message (ON DELETE CASCADE) when the purge removes it; an ended lease stays until
 * it is claimed again or its message goes, and counts for nothing meanwhile.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/sqlite_int.h"

/* A pair (r's mailbox, its message h) is pending at ?1 when the message is held and
 * not expired, no digest listed it, and no live lease holds it. The address columns
 * of digested and digest_lease hold mailboxes (migration 5 made every older
 * recipient its own mailbox, so records made before stay valid). */
#define PENDING_PAIR \
    " h.state = 1 AND h.expires > ?1 AND NOT EXISTS" \
    " (SELECT 1 FROM digested d WHERE d.held_id = r.held_id AND d.address = r.mailbox)" \
    " AND NOT EXISTS (SELECT 1 FROM digest_lease l WHERE l.held_id = r.held_id" \
    " AND l.address = r.mailbox AND l.lease_until > ?1)"

static const char sql_digest_pending[] =
    "SELECT DISTINCT r.held_id, r.mailbox FROM held_rcpt r JOIN held h ON h.id = r.held_id"
    " WHERE" PENDING_PAIR
    " ORDER BY r.mailbox COLLATE NOCASE, r.held_id LIMIT ?2";
static const char sql_digest_claimable[] =
    "SELECT DISTINCT r.held_id FROM held_rcpt r JOIN held h ON h.id = r.held_id"
    " WHERE r.mailbox = ?2 AND" PENDING_PAIR
    " ORDER BY r.held_id LIMIT ?3";
static const char sql_digest_lease[] =
    "INSERT INTO digest_lease (held_id, address, lease, lease_until)"
    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (held_id, address)"
    " DO UPDATE SET lease = excluded.lease, lease_until = excluded.lease_until";
static const char sql_digest_mark[] =
    "INSERT INTO digested (held_id, address, at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (held_id, address) DO NOTHING";
static const char sql_digest_unlease[] =
    "DELETE FROM digest_lease WHERE address = ?1 AND lease = ?2";
static const char sql_digest_last[] = "SELECT last FROM digest_round WHERE id = 1";
static const char sql_digest_take[] =
    "UPDATE digest_round SET last = ?2 WHERE id = 1 AND last = ?1";

enum store_err
sq_digest_pending(struct store_conn *c, int64_t now, size_t limit,
    struct store_digest_item **v, size_t *n)
{
	sqlite3_stmt *st = sq_stmt(c, sql_digest_pending);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			*v = xreallocarray(*v, cap, sizeof(**v));
		}
		(*v)[*n].held_id = sqlite3_column_int64(st, 0);
		(*v)[*n].rcpt = sq_col_text(st, 1);
		(*n)++;
	}
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return STORE_OK;
	store_digest_free(*v, *n);
	*v = NULL;
	*n = 0;
	return sq_error(c, rc);
}

/* The ids of rcpt's claimable pairs, ascending, at most STORE_LIST_MAX. */
static enum store_err
claimable(struct store_conn *c, const char *rcpt, int64_t now,
    struct store_digest_claim *out)
{
	sqlite3_stmt *st = sq_stmt(c, sql_digest_claimable);
	size_t cap = 0;
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, now);
	sq_bind_text(st, 2, rcpt);
	sqlite3_bind_int64(st, 3, STORE_LIST_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			out->ids = xreallocarray(out->ids, cap, sizeof(*out->ids));
		}
		out->ids[out->n++] = sqlite3_column_int64(st, 0);
	}
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	if (out->n == 0)
		return sq_fail(c, STORE_NOTFOUND, "nothing pending for this recipient");
	return STORE_OK;
}

static enum store_err
claim(struct store_conn *c, const char *rcpt, int64_t now, int64_t lease_secs,
    uint64_t lease, struct store_digest_claim *out)
{
	enum store_err e;
	size_t i;

	if ((e = claimable(c, rcpt, now, out)) != STORE_OK)
		return e;
	for (i = 0; i < out->n; i++) {
		sqlite3_stmt *st = sq_stmt(c, sql_digest_lease);
		int rc;

		if (st == NULL)
			return STORE_IO;
		sqlite3_bind_int64(st, 1, out->ids[i]);
		sq_bind_text(st, 2, rcpt);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)lease);
		sqlite3_bind_int64(st, 4, now + lease_secs);
		rc = sqlite3_step(st);
		sq_reset(st);
		if (rc != SQLITE_DONE)
			return sq_error(c, rc);
	}
	out->rcpt = xstrdup(rcpt);
	out->lease = lease;
	return STORE_OK;
}

enum store_err
sq_digest_claim(struct store_conn *c, const char *rcpt, int64_t now, int64_t lease_secs,
    uint64_t lease, struct store_digest_claim *out)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	e = sq_end(c, claim(c, rcpt, now, lease_secs, lease, out));
	if (e != STORE_OK)
		store_digest_claim_clear(out);
	return e;
}

static enum store_err
unlease(struct store_conn *c, const struct store_digest_claim *cl)
{
	sqlite3_stmt *st = sq_stmt(c, sql_digest_unlease);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sq_bind_text(st, 1, cl->rcpt);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)cl->lease);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

static enum store_err
done(struct store_conn *c, const struct store_digest_claim *cl, int64_t now)
{
	size_t i;

	for (i = 0; i < cl->n; i++) {
		sqlite3_stmt *st = sq_stmt(c, sql_digest_mark);
		int rc;

		if (st == NULL)
			return STORE_IO;
		sqlite3_bind_int64(st, 1, cl->ids[i]);
		sq_bind_text(st, 2, cl->rcpt);
		sqlite3_bind_int64(st, 3, now);
		rc = sqlite3_step(st);
		sq_reset(st);
		/* the foreign key: the message was purged since the claim; nothing to record */
		if (rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT)
			return sq_error(c, rc);
	}
	return unlease(c, cl);
}

enum store_err
sq_digest_done(struct store_conn *c, const struct store_digest_claim *cl, int64_t now)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, done(c, cl, now));
}

enum store_err
sq_digest_unclaim(struct store_conn *c, const struct store_digest_claim *cl)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, unlease(c, cl));
}

enum store_err
sq_digest_last_round(struct store_conn *c, int64_t *last)
{
	sqlite3_stmt *st = sq_stmt(c, sql_digest_last);
	int rc;

	if (st == NULL)
		return STORE_IO;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*last = sqlite3_column_int64(st, 0);
	sq_reset(st);
	if (rc == SQLITE_DONE)
		return sq_fail(c, STORE_IO, "digest_round has no row");
	return rc == SQLITE_ROW ? STORE_OK : sq_error(c, rc);
}

enum store_err
sq_digest_round_take(struct store_conn *c, int64_t seen, int64_t now)
{
	sqlite3_stmt *st;
	enum store_err e = sq_begin_write(c);
	int rc;

	if (e != STORE_OK)
		return e;
	if ((st = sq_stmt(c, sql_digest_take)) == NULL)
		return sq_end(c, STORE_IO);
	sqlite3_bind_int64(st, 1, seen);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		e = sq_error(c, rc);
	else if (sqlite3_changes(c->db) != 1)
		e = sq_fail(c, STORE_CONFLICT, "another process ran this round");
	return sq_end(c, e);
}
