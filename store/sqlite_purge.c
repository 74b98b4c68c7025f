/*
 * sqlite_purge.c - counts for operators (stats) and the scheduled clean-up (purge) of
 * the sqlite3 backend. The purge works in transactions of at most SQ_PURGE_BATCH rows,
 * so ecluse-smtpd's group commit waits for one small batch at most, never for a whole
 * day's expiry.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/sqlite_int.h"

/* ------------------------------------------------------------------ stats */

static const char sql_stats_held[] = "SELECT state, count(*) FROM held GROUP BY state";
static const char sql_stats_wl[] = "SELECT scope, count(*) FROM whitelist GROUP BY scope";
static const char sql_stats_queue[] =
    "SELECT count(*), total(next_attempt <= ?1 AND lease_until <= ?1) FROM reinject";
static const char sql_stats_oldest[] =
    "SELECT min(received) FROM held WHERE state = 1";
static const char sql_stats_challenges[] = "SELECT count(*) FROM challenge";
static const char sql_stats_senders[] = "SELECT count(*) FROM sender_seen";

/* Runs a (key, count) query into counts[0..max]; keys out of range are ignored. */
static enum store_err
count_by(struct store_conn *c, const char *sql, uint64_t *counts, int max)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	int rc, k;

	if (st == NULL)
		return STORE_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = sqlite3_column_int(st, 0);
		if (k >= 0 && k <= max)
			counts[k] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

/* Runs a one-row query with an optional bound time; returns columns 0 and 1. */
static enum store_err
one_row(struct store_conn *c, const char *sql, bool bind_now, int64_t now, int64_t *a,
    int64_t *b)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	int rc;

	if (st == NULL)
		return STORE_IO;
	if (bind_now)
		sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*a = sqlite3_column_int64(st, 0);	/* NULL reads as 0 */
		if (b != NULL)
			*b = sqlite3_column_int64(st, 1);
	}
	sq_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_error(c, rc);
}

static enum store_err
stats(struct store_conn *c, int64_t now, struct store_stats *out)
{
	int64_t a = 0, b = 0;
	enum store_err e;

	if ((e = count_by(c, sql_stats_held, out->held, STORE_STATE_MAX)) != STORE_OK ||
	    (e = count_by(c, sql_stats_wl, out->whitelist, STORE_WL_RECIPIENT)) != STORE_OK ||
	    (e = one_row(c, sql_stats_queue, true, now, &a, &b)) != STORE_OK)
		return e;
	out->queue = (uint64_t)a;
	out->queue_due = (uint64_t)b;
	if ((e = one_row(c, sql_stats_oldest, false, 0, &out->oldest_held, NULL)) != STORE_OK ||
	    (e = one_row(c, sql_stats_challenges, false, 0, &a, NULL)) != STORE_OK)
		return e;
	out->challenges = (uint64_t)a;
	if ((e = one_row(c, sql_stats_senders, false, 0, &a, NULL)) != STORE_OK)
		return e;
	out->senders = (uint64_t)a;
	return STORE_OK;
}

enum store_err
sq_stats(struct store_conn *c, int64_t now, struct store_stats *out)
{
	enum store_err e = sq_begin_read(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, stats(c, now, out));
}

/* ------------------------------------------------------------------ purge */

static const char sql_expire_pick[] =
    "SELECT id FROM held WHERE state = 1 AND expires <= ?1 ORDER BY id LIMIT ?2";
static const char sql_expire_one[] =
    "UPDATE held SET state = 4, ended = ?2 WHERE id = ?1 AND state = 1";
static const char sql_expire_body[] = "DELETE FROM body WHERE held_id = ?1";
static const char sql_expire_challenges[] = "DELETE FROM challenge WHERE held_id = ?1";
/* Messages in a final state (delivered, expired, deleted, failed) long enough. */
static const char sql_remove_old[] =
    "DELETE FROM held WHERE id IN (SELECT id FROM held WHERE ended > 0"
    " AND ended <= ?1 AND state IN (3, 4, 5, 6) LIMIT ?2)";
static const char sql_purge_challenges[] =
    "DELETE FROM challenge WHERE id IN (SELECT id FROM challenge WHERE created <= ?1"
    " LIMIT ?2)";
static const char sql_purge_attempts[] =
    "DELETE FROM attempt WHERE (kind, key) IN (SELECT kind, key FROM attempt"
    " WHERE window_end <= ?1 LIMIT ?2)";
static const char sql_purge_whitelist[] =
    "DELETE FROM whitelist WHERE id IN (SELECT id FROM whitelist WHERE expires > 0"
    " AND expires <= ?1 LIMIT ?2)";
static const char sql_purge_senders[] =
    "DELETE FROM sender_seen WHERE (sender, net) IN (SELECT sender, net FROM sender_seen"
    " WHERE last_seen <= ?1 LIMIT ?2)";

/* a - b, saturated at INT64_MIN (b >= 0). */
static int64_t
before(int64_t a, int64_t b)
{
	return a < INT64_MIN + b ? INT64_MIN : a - b;
}

static enum store_err
step_id(struct store_conn *c, const char *sql, int64_t id, int64_t now)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

/* One batch of expiries; *done gets how many messages expired. */
static enum store_err
expire_batch(struct store_conn *c, int64_t now, uint64_t *done)
{
	int64_t ids[SQ_PURGE_BATCH];
	sqlite3_stmt *st = sq_stmt(c, sql_expire_pick);
	enum store_err e = STORE_OK;
	size_t n = 0, i;
	int rc;

	*done = 0;
	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, SQ_PURGE_BATCH);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < SQ_PURGE_BATCH)
		ids[n++] = sqlite3_column_int64(st, 0);
	sq_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_error(c, rc);
	for (i = 0; e == STORE_OK && i < n; i++) {
		if ((e = step_id(c, sql_expire_one, ids[i], now)) != STORE_OK ||
		    (e = step_id(c, sql_expire_body, ids[i], now)) != STORE_OK)
			break;
		e = step_id(c, sql_expire_challenges, ids[i], now);
	}
	if (e == STORE_OK)
		*done = n;
	return e;
}

/* One batch of a "DELETE ... LIMIT" statement bound to (cutoff, batch). */
static enum store_err
delete_batch(struct store_conn *c, const char *sql, int64_t cutoff, uint64_t *done)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	int rc;

	*done = 0;
	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, SQ_PURGE_BATCH);
	rc = sqlite3_step(st);
	sq_reset(st);
	if (rc != SQLITE_DONE)
		return sq_error(c, rc);
	*done = (uint64_t)sqlite3_changes(c->db);
	return STORE_OK;
}

/* Repeats batches, one transaction each, until one comes back short. */
static enum store_err
purge_loop(struct store_conn *c, const char *sql, int64_t cutoff, uint64_t *total)
{
	enum store_err e;
	uint64_t n;

	do {
		if ((e = sq_begin_write(c)) != STORE_OK)
			return e;
		if (sql == NULL)
			e = expire_batch(c, cutoff, &n);
		else
			e = delete_batch(c, sql, cutoff, &n);
		if ((e = sq_end(c, e)) != STORE_OK)
			return e;
		*total += n;
	} while (n == SQ_PURGE_BATCH);
	return STORE_OK;
}

enum store_err
sq_purge(struct store_conn *c, int64_t now, int64_t keep, struct store_purge_result *out)
{
	enum store_err e;

	if ((e = purge_loop(c, NULL, now, &out->expired)) != STORE_OK ||
	    (e = purge_loop(c, sql_remove_old, before(now, keep), &out->removed)) != STORE_OK ||
	    (e = purge_loop(c, sql_purge_challenges, before(now, STORE_CHALLENGE_TTL),
	    &out->challenges)) != STORE_OK ||
	    (e = purge_loop(c, sql_purge_attempts, now, &out->attempts)) != STORE_OK ||
	    (e = purge_loop(c, sql_purge_whitelist, now, &out->whitelist)) != STORE_OK)
		return e;
	return purge_loop(c, sql_purge_senders, before(now, keep), &out->senders);
}
