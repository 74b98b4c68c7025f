/*
 * sqlite_digest.c - the sqlite3 backend's record of digest mails: which held
 * messages each recipient's digest listed (table digested, migration 2). A record
 * is removed with its message (ON DELETE CASCADE) when the purge removes it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "store/sqlite_int.h"

static const char sql_digest_pending[] =
    "SELECT r.held_id, r.address FROM held_rcpt r JOIN held h ON h.id = r.held_id"
    " WHERE h.state = 1 AND h.expires > ?1 AND NOT EXISTS"
    " (SELECT 1 FROM digested d WHERE d.held_id = r.held_id AND d.address = r.address)"
    " ORDER BY r.address COLLATE NOCASE, r.held_id LIMIT ?2";
static const char sql_digest_mark[] =
    "INSERT INTO digested (held_id, address, at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (held_id, address) DO NOTHING";

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

static enum store_err
mark(struct store_conn *c, const char *rcpt, const int64_t *ids, size_t n, int64_t now)
{
	size_t i;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = sq_stmt(c, sql_digest_mark);
		int rc;

		if (st == NULL)
			return STORE_IO;
		sqlite3_bind_int64(st, 1, ids[i]);
		sq_bind_text(st, 2, rcpt);
		sqlite3_bind_int64(st, 3, now);
		rc = sqlite3_step(st);
		sq_reset(st);
		if ((rc & 0xff) == SQLITE_CONSTRAINT)	/* the foreign key: no such message */
			return sq_fail(c, STORE_NOTFOUND, "no held message %lld", (long long)ids[i]);
		if (rc != SQLITE_DONE)
			return sq_error(c, rc);
	}
	return STORE_OK;
}

enum store_err
sq_digest_mark(struct store_conn *c, const char *rcpt, const int64_t *ids, size_t n,
    int64_t now)
{
	enum store_err e = sq_begin_write(c);

	if (e != STORE_OK)
		return e;
	return sq_end(c, mark(c, rcpt, ids, n, now));
}
