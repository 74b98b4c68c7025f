/*
 * sqlite.c - the sqlite3 backend's connection: creation of the database file (mode
 * 0600, its directory entry synced), the settings every connection runs with, the
 * prepared-statement cache, error mapping, transactions, and the backend table.
 *
 * Settings, and why:
 *   journal_mode=WAL     readers never wait for the writer; the daemons and eclusectl
 *                        share the file. Refused if the file system cannot do WAL.
 *   synchronous=FULL     in WAL mode, the WAL is fsynced at every commit: a commit that
 *                        returned survives power loss (NORMAL syncs only at
 *                        checkpoints; a new WAL's directory entry is synced by sqlite
 *                        at its first sync). Read back and checked.
 *   foreign_keys=ON      recipients, content, queue entries and challenges go with
 *                        their message.
 *   busy_timeout         STORE_BUSY_TIMEOUT_MS for another process's write lock.
 *   defensive, trusted_schema off   a crafted database file cannot make SQL functions
 *                        or schema tricks run with our privileges.
 *   journal_size_limit   the WAL is truncated back after a big checkpoint.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "store/sqlite_int.h"

/* The WAL is cut back to this size after a checkpoint that grew it. */
#define SQ_WAL_LIMIT "67108864"

sqlite3_stmt *
sq_stmt(struct store_conn *c, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % SQ_CACHE_SIZE, i;
	struct sq_cached *e;
	int rc;

	for (i = 0; i < SQ_CACHE_SIZE; i++) {
		e = &c->cache[(h + i) % SQ_CACHE_SIZE];
		if (e->sql == sql) {
			sqlite3_reset(e->st);
			sqlite3_clear_bindings(e->st);
			return e->st;
		}
		if (e->sql == NULL)
			break;
	}
	if (i == SQ_CACHE_SIZE) {
		sq_fail(c, STORE_IO, "statement cache full");
		return NULL;
	}
	rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->st, NULL);
	if (rc != SQLITE_OK) {
		sq_error(c, rc);
		e->st = NULL;
		return NULL;
	}
	e->sql = sql;
	return e->st;
}

void
sq_reset(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

enum store_err
sq_error(struct store_conn *c, int rc)
{
	snprintf(c->err, sizeof(c->err), "%s", sqlite3_errmsg(c->db));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_BUSY;
	case SQLITE_CONSTRAINT:
		return STORE_CONFLICT;
	case SQLITE_TOOBIG:
		return STORE_INVALID;
	default:
		return STORE_IO;
	}
}

enum store_err
sq_fail(struct store_conn *c, enum store_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return e;
}

enum store_err
sq_exec(struct store_conn *c, const char *sql)
{
	sqlite3_stmt *st = sq_stmt(c, sql);
	enum store_err e = STORE_OK;
	int rc;

	if (st == NULL)
		return STORE_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		continue;
	if (rc != SQLITE_DONE)
		e = sq_error(c, rc);
	sq_reset(st);
	return e;
}

static const char sql_begin_write[] = "BEGIN IMMEDIATE";
static const char sql_begin_read[] = "BEGIN";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

enum store_err
sq_begin_write(struct store_conn *c)
{
	return sq_exec(c, sql_begin_write);
}

enum store_err
sq_begin_read(struct store_conn *c)
{
	return sq_exec(c, sql_begin_read);
}

enum store_err
sq_commit(struct store_conn *c)
{
	enum store_err e = sq_exec(c, sql_commit);

	if (e != STORE_OK)
		sq_rollback(c);
	return e;
}

void
sq_rollback(struct store_conn *c)
{
	char keep[sizeof(c->err)];

	/* sqlite may have rolled back already (after an I/O error or a full disk). */
	if (sqlite3_get_autocommit(c->db))
		return;
	memcpy(keep, c->err, sizeof(keep));
	sq_exec(c, sql_rollback);
	memcpy(c->err, keep, sizeof(keep));
}

enum store_err
sq_end(struct store_conn *c, enum store_err e)
{
	if (e == STORE_OK)
		return sq_commit(c);
	sq_rollback(c);
	return e;
}

int
sq_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

char *
sq_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return xstrdup(t != NULL ? (const char *)t : "");
}

static const char sql_audit[] =
    "INSERT INTO audit (at, who, origin, what) VALUES (?1, ?2, ?3, ?4)";

enum store_err
sq_audit(struct store_conn *c, int64_t now, const struct store_actor *by,
    const char *what)
{
	sqlite3_stmt *st = sq_stmt(c, sql_audit);
	int rc;

	if (st == NULL)
		return STORE_IO;
	sqlite3_bind_int64(st, 1, now);
	sq_bind_text(st, 2, by->who);
	sq_bind_text(st, 3, by->from);
	sq_bind_text(st, 4, what);
	rc = sqlite3_step(st);
	sq_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_error(c, rc);
}

/* Runs one constant setting and returns its first result column as text (into out),
 * or "" when it returns no row. Settings are not cached: they run once per open. */
static enum store_err
setting(struct store_conn *c, const char *sql, char *out, size_t outsz)
{
	sqlite3_stmt *st;
	int rc;

	out[0] = '\0';
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_error(c, rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(out, outsz, "%s", (const char *)sqlite3_column_text(st, 0));
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? STORE_OK : sq_error(c, rc);
}

/*
 * Creates the database file with mode 0600 (it holds people's mail) when missing, and
 * syncs it and its directory, so the file itself survives a power loss right after
 * the first commit. sqlite gives the -wal and -shm files the database's mode.
 */
static int
create_file(const char *path, char *err, size_t errsz)
{
	char dir[PATH_MAX];
	int fd, dfd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0 || fsync(fd) != 0) {
		snprintf(err, errsz, "%s: cannot create: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		snprintf(err, errsz, "%s: cannot sync its directory: %s", path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	close(dfd);
	return 0;
}

static void
sq_close(struct store_conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < SQ_CACHE_SIZE; i++)
		sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->db);
	free(c);
}

static enum store_err
sq_open(const char *path, struct store_conn **out, char *err, size_t errsz)
{
	struct store_conn *c;
	char val[32];
	enum store_err e;
	int rc;

	*out = NULL;
	if (create_file(path, err, errsz) != 0)
		return STORE_IO;
	c = xcalloc(1, sizeof(*c));
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, c->db != NULL ? sqlite3_errmsg(c->db) :
		    sqlite3_errstr(rc));
		sq_close(c);
		return STORE_IO;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	e = setting(c, "PRAGMA journal_mode=WAL", val, sizeof(val));
	if (e == STORE_OK && strcmp(val, "wal") != 0)
		e = sq_fail(c, STORE_IO, "WAL mode refused (journal_mode is %s)", val);
	if (e == STORE_OK)
		e = setting(c, "PRAGMA synchronous=FULL", val, sizeof(val));
	if (e == STORE_OK)
		e = setting(c, "PRAGMA synchronous", val, sizeof(val));
	if (e == STORE_OK && strcmp(val, "2") != 0)
		e = sq_fail(c, STORE_IO, "synchronous=FULL refused (it is %s)", val);
	if (e == STORE_OK)
		e = setting(c, "PRAGMA foreign_keys=ON", val, sizeof(val));
	if (e == STORE_OK)
		e = setting(c, "PRAGMA journal_size_limit=" SQ_WAL_LIMIT, val, sizeof(val));
	if (e == STORE_OK)
		e = sq_migrate(c);
	if (e != STORE_OK) {
		snprintf(err, errsz, "%s: %s", path, c->err);
		sq_close(c);
		return e;
	}
	*out = c;
	return STORE_OK;
}

static const char *
sq_last_error(const struct store_conn *c)
{
	return c->err;
}

const struct store_backend store_sqlite_backend = {
	.name = "sqlite3",
	.open = sq_open,
	.close = sq_close,
	.last_error = sq_last_error,
	.batch = sq_batch,
	.held_get = sq_held_get,
	.held_list = sq_held_list,
	.release = sq_release,
	.held_delete = sq_held_delete,
	.reinject_claim = sq_reinject_claim,
	.reinject_done = sq_reinject_done,
	.reinject_retry = sq_reinject_retry,
	.reinject_fail = sq_reinject_fail,
	.reinject_next = sq_reinject_next,
	.wl_add = sq_wl_add,
	.wl_remove = sq_wl_remove,
	.wl_list = sq_wl_list,
	.wl_lookup = sq_wl_lookup,
	.seen_get = sq_seen_get,
	.challenge_new = sq_challenge_new,
	.challenge_check = sq_challenge_check,
	.challenge_answer = sq_challenge_answer,
	.attempt_hit = sq_attempt_hit,
	.recipient_id = sq_recipient_id,
	.recipient_address = sq_recipient_address,
	.digest_pending = sq_digest_pending,
	.digest_claim = sq_digest_claim,
	.digest_done = sq_digest_done,
	.digest_unclaim = sq_digest_unclaim,
	.digest_last_round = sq_digest_last_round,
	.digest_round_take = sq_digest_round_take,
	.audit_add = sq_audit_add,
	.audit_list = sq_audit_list,
	.stats = sq_stats,
	.purge = sq_purge,
};
