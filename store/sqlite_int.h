/*
 * sqlite_int.h - shared by the sqlite3 backend's files (sqlite*.c), nowhere else: the
 * connection, its prepared-statement cache, error mapping and transaction helpers.
 *
 * Statements: every SQL text is a static string next to the code that runs it;
 * sq_stmt prepares it once per connection (SQLITE_PREPARE_PERSISTENT) and caches it
 * by the string's address, so a statement is never re-prepared per call. Values are
 * always bound, never pasted into SQL.
 */
#ifndef ECLUSE_STORE_SQLITE_INT_H
#define ECLUSE_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store/backend.h"

/* Statements one connection caches: the backend has fewer than half as many. */
#define SQ_CACHE_SIZE 256
/* Rows one purge transaction touches: other writers wait for one batch at most. */
#define SQ_PURGE_BATCH 500

struct sq_cached {
	const char	*sql;
	sqlite3_stmt	*st;
};

struct store_conn {
	sqlite3		*db;
	struct sq_cached cache[SQ_CACHE_SIZE];
	char		 err[512];
};

/* The cached statement for sql (a static string), reset and unbound; NULL on a
 * prepare error (recorded). */
sqlite3_stmt *sq_stmt(struct store_conn *c, const char *sql);
/* Resets st after use (releases its read snapshot). */
void sq_reset(sqlite3_stmt *st);

/* Maps an sqlite3 result code to a store error and records the database's message. */
enum store_err sq_error(struct store_conn *c, int rc);
/* Records a detail of our own and returns e. */
enum store_err sq_fail(struct store_conn *c, enum store_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Runs a statement that returns no row (or ignores it). */
enum store_err sq_exec(struct store_conn *c, const char *sql);
/* BEGIN IMMEDIATE (takes the write lock now: no SQLITE_BUSY_SNAPSHOT later), BEGIN
 * (a read snapshot), COMMIT, ROLLBACK (best effort; keeps the first error's detail). */
enum store_err sq_begin_write(struct store_conn *c);
enum store_err sq_begin_read(struct store_conn *c);
enum store_err sq_commit(struct store_conn *c);
void sq_rollback(struct store_conn *c);
/* Commits on STORE_OK, rolls back otherwise; returns the outcome. */
enum store_err sq_end(struct store_conn *c, enum store_err e);

/* Binds s (NUL-terminated, checked by store.c) as text, without copying. */
int sq_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* A copy of column i as text ("" for NULL). */
char *sq_col_text(sqlite3_stmt *st, int i);

/* Writes an audit row (inside the caller's transaction). */
enum store_err sq_audit(struct store_conn *c, int64_t now, const struct store_actor *by,
    const char *what);

/* sqlite_schema.c: brings the database to the current schema version. */
enum store_err sq_migrate(struct store_conn *c);

/* sqlite_held.c */
enum store_err sq_batch(struct store_conn *c, struct store_job *jobs);
enum store_err sq_held_get(struct store_conn *c, int64_t id, bool with_message,
    struct store_held *out);
enum store_err sq_held_list(struct store_conn *c, const struct store_held_filter *f,
    struct store_held **v, size_t *n);
enum store_err sq_release(struct store_conn *c, int64_t id, enum store_release_how how,
    int64_t now, const struct store_actor *by, const char *what);
enum store_err sq_held_delete(struct store_conn *c, int64_t id, int64_t now,
    const struct store_actor *by, const char *what);
enum store_err sq_reinject_claim(struct store_conn *c, int64_t now, int64_t lease_secs,
    uint64_t lease, struct store_claim *out);
enum store_err sq_reinject_done(struct store_conn *c, const struct store_claim *cl,
    int64_t now);
enum store_err sq_reinject_retry(struct store_conn *c, const struct store_claim *cl,
    const char *error, int64_t next_attempt);
enum store_err sq_reinject_fail(struct store_conn *c, const struct store_claim *cl,
    const char *error, int64_t now);
enum store_err sq_reinject_next(struct store_conn *c, int64_t *when);

/* sqlite_lists.c */
enum store_err sq_seen_note(struct store_conn *c, const char *sender, const char *net,
    int64_t now);
enum store_err sq_wl_add(struct store_conn *c, const struct store_wl_entry *e,
    const struct store_actor *by, const char *what, int64_t *id);
enum store_err sq_wl_remove(struct store_conn *c, enum store_wl_scope scope,
    const char *target, const char *sender, int64_t now, const struct store_actor *by,
    const char *what);
enum store_err sq_wl_list(struct store_conn *c, const struct store_wl_filter *f,
    struct store_wl_entry **v, size_t *n);
enum store_err sq_wl_lookup(struct store_conn *c, const char *rcpt,
    const char *rcpt_domain, const char *sender, const char *sender_domain, int64_t now,
    struct store_wl_entry **v, size_t *n);
enum store_err sq_seen_get(struct store_conn *c, const char *key, struct store_seen **v,
    size_t *n);
enum store_err sq_challenge_new(struct store_conn *c, int64_t held_id, const char *id,
    const char *answer, int64_t now);
enum store_err sq_challenge_check(struct store_conn *c, const char *id,
    const char *answer, int64_t now, unsigned max_tries, int64_t *held_id,
    enum store_answer *res);
enum store_err sq_challenge_answer(struct store_conn *c, int64_t held_id, const char *id,
    int64_t since, char **answer);
enum store_err sq_attempt_hit(struct store_conn *c, enum store_attempt_kind kind,
    const char *key, int64_t now, int64_t window_secs, uint64_t *count);
enum store_err sq_recipient_id(struct store_conn *c, const char *address, int64_t now,
    int64_t *id);
enum store_err sq_recipient_address(struct store_conn *c, int64_t id, char **address);
enum store_err sq_digest_pending(struct store_conn *c, int64_t now, size_t limit,
    struct store_digest_item **v, size_t *n);
enum store_err sq_audit_add(struct store_conn *c, int64_t now,
    const struct store_actor *by, const char *what);
enum store_err sq_audit_list(struct store_conn *c, int64_t before_id, size_t limit,
    struct store_audit_entry **v, size_t *n);

/* sqlite_digest.c */
enum store_err sq_digest_claim(struct store_conn *c, const char *rcpt, int64_t now,
    int64_t lease_secs, uint64_t lease, struct store_digest_claim *out);
enum store_err sq_digest_done(struct store_conn *c, const struct store_digest_claim *cl,
    int64_t now);
enum store_err sq_digest_unclaim(struct store_conn *c, const struct store_digest_claim *cl);
enum store_err sq_digest_last_round(struct store_conn *c, int64_t *last);
enum store_err sq_digest_round_take(struct store_conn *c, int64_t seen, int64_t now);

/* sqlite_purge.c */
enum store_err sq_stats(struct store_conn *c, int64_t now, struct store_stats *out);
enum store_err sq_purge(struct store_conn *c, int64_t now, int64_t keep,
    struct store_purge_result *out);

#endif
