/*
 * sqlite_schema.c - the sqlite3 schema and its migrations. PRAGMA user_version holds
 * the number of migrations applied; opening a database runs the missing ones in one
 * write transaction (a crash half-way leaves the previous version), and refuses a
 * database whose version is newer than this program (STORE_VERSION): an older binary
 * must not write into a layout it does not know.
 *
 * A migration is appended, never edited once released. Text columns holding mail
 * addresses or domains compare with NOCASE (ASCII case folding), as store.h promises.
 * Ids of held messages and whitelist entries use AUTOINCREMENT: an id is never reused
 * after a purge, so an old token can never name a newer message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

static const char migration_1[] =
    "CREATE TABLE held ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " mail_from TEXT NOT NULL COLLATE NOCASE,"
    " mail_from_domain TEXT NOT NULL COLLATE NOCASE,"
    " client_addr TEXT NOT NULL,"
    " helo TEXT NOT NULL,"
    " auth_results TEXT NOT NULL,"
    " auth_domain TEXT NOT NULL COLLATE NOCASE,"
    " verdict TEXT NOT NULL,"
    " reasons TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " date TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 6),"
    " received INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " released INTEGER NOT NULL DEFAULT 0,"
    " delivered INTEGER NOT NULL DEFAULT 0,"
    " ended INTEGER NOT NULL DEFAULT 0,"	/* when a final state was reached */
    " token_spent INTEGER NOT NULL DEFAULT 0,"
    " error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX held_state_expires ON held (state, expires);"
    "CREATE INDEX held_ended ON held (ended) WHERE ended > 0;"
    "CREATE INDEX held_from ON held (mail_from);"
    "CREATE INDEX held_from_domain ON held (mail_from_domain);"
    "CREATE INDEX held_received ON held (received);"
    "CREATE TABLE held_rcpt ("
    " held_id INTEGER NOT NULL REFERENCES held (id) ON DELETE CASCADE,"
    " pos INTEGER NOT NULL,"
    " address TEXT NOT NULL COLLATE NOCASE,"
    " domain TEXT NOT NULL COLLATE NOCASE,"
    " PRIMARY KEY (held_id, pos)) WITHOUT ROWID;"
    "CREATE INDEX held_rcpt_address ON held_rcpt (address);"
    "CREATE INDEX held_rcpt_domain ON held_rcpt (domain);"
    "CREATE TABLE body ("
    " held_id INTEGER PRIMARY KEY REFERENCES held (id) ON DELETE CASCADE,"
    " data BLOB NOT NULL);"
    "CREATE TABLE reinject ("
    " held_id INTEGER PRIMARY KEY REFERENCES held (id) ON DELETE CASCADE,"
    " next_attempt INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " lease INTEGER NOT NULL DEFAULT 0,"
    " lease_until INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX reinject_due ON reinject (next_attempt);"
    "CREATE TABLE whitelist ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " scope INTEGER NOT NULL CHECK (scope BETWEEN 0 AND 2),"
    " target TEXT NOT NULL COLLATE NOCASE,"
    " sender TEXT NOT NULL COLLATE NOCASE,"
    " origin INTEGER NOT NULL CHECK (origin BETWEEN 0 AND 2),"
    " auth_domain TEXT NOT NULL COLLATE NOCASE,"
    " client_net TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (scope, target, sender));"
    "CREATE INDEX whitelist_sender ON whitelist (sender);"
    "CREATE INDEX whitelist_expires ON whitelist (expires) WHERE expires > 0;"
    "CREATE TABLE sender_seen ("
    " sender TEXT NOT NULL COLLATE NOCASE,"
    " net TEXT NOT NULL,"
    " count INTEGER NOT NULL,"
    " first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " PRIMARY KEY (sender, net)) WITHOUT ROWID;"
    "CREATE INDEX sender_seen_last ON sender_seen (last_seen);"
    "CREATE TABLE challenge ("
    " id TEXT PRIMARY KEY,"
    " held_id INTEGER NOT NULL REFERENCES held (id) ON DELETE CASCADE,"
    " answer TEXT NOT NULL,"
    " tries INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX challenge_held ON challenge (held_id);"
    "CREATE INDEX challenge_created ON challenge (created);"
    "CREATE TABLE attempt ("
    " kind INTEGER NOT NULL,"
    " key TEXT NOT NULL,"
    " count INTEGER NOT NULL,"
    " window_end INTEGER NOT NULL,"
    " PRIMARY KEY (kind, key)) WITHOUT ROWID;"
    "CREATE INDEX attempt_window_end ON attempt (window_end);"
    "CREATE TABLE recipient ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " address TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at INTEGER NOT NULL,"
    " who TEXT NOT NULL,"
    " origin TEXT NOT NULL,"
    " what TEXT NOT NULL);";

/* Which held messages a recipient's digest listed (store_digest_done). */
static const char migration_2[] =
    "CREATE TABLE digested ("
    " held_id INTEGER NOT NULL REFERENCES held (id) ON DELETE CASCADE,"
    " address TEXT NOT NULL COLLATE NOCASE,"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (held_id, address)) WITHOUT ROWID;";

/* Digests in flight (store_digest_claim's leases) and the time of the last scheduled
 * round (one row). */
static const char migration_3[] =
    "CREATE TABLE digest_lease ("
    " held_id INTEGER NOT NULL REFERENCES held (id) ON DELETE CASCADE,"
    " address TEXT NOT NULL COLLATE NOCASE,"
    " lease INTEGER NOT NULL,"
    " lease_until INTEGER NOT NULL,"
    " PRIMARY KEY (held_id, address)) WITHOUT ROWID;"
    "CREATE INDEX digest_lease_address ON digest_lease (address);"
    "CREATE TABLE digest_round ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " last INTEGER NOT NULL);"
    "INSERT INTO digest_round (id, last) VALUES (1, 0);";
/* Whitelist entries that block (store_wl_action): the existing ones allow. */
static const char migration_4[] =
    "ALTER TABLE whitelist ADD COLUMN action INTEGER NOT NULL DEFAULT 0"
    " CHECK (action BETWEEN 0 AND 1);";

/* Subaddressing (common/mailbox.h): the mailbox each recipient of a held message
 * belongs to, which recipient pages and digests go by. Rows held before are their
 * own mailbox: the store does not know the delimiter they were held under, and
 * before this migration none was applied. */
static const char migration_5[] =
    "ALTER TABLE held_rcpt ADD COLUMN mailbox TEXT NOT NULL DEFAULT '' COLLATE NOCASE;"
    "UPDATE held_rcpt SET mailbox = address;"
    "CREATE INDEX held_rcpt_mailbox ON held_rcpt (mailbox);";

static const char *const migrations[] = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
	migration_5,
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char sql_user_version[] = "PRAGMA user_version";

static enum store_err
user_version(struct store_conn *c, int *v)
{
	sqlite3_stmt *st = sq_stmt(c, sql_user_version);
	int rc;

	if (st == NULL)
		return STORE_IO;
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sq_reset(st);
	return rc == SQLITE_ROW ? STORE_OK : sq_error(c, rc);
}

/* Runs every statement of a constant script, one prepared statement at a time. */
static enum store_err
run_script(struct store_conn *c, const char *sql)
{
	sqlite3_stmt *st;
	const char *tail = sql;
	int rc;

	while (*tail != '\0') {
		rc = sqlite3_prepare_v2(c->db, tail, -1, &st, &tail);
		if (rc != SQLITE_OK)
			return sq_error(c, rc);
		if (st == NULL)		/* only whitespace left */
			break;
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return sq_error(c, rc);
	}
	return STORE_OK;
}

enum store_err
sq_migrate(struct store_conn *c)
{
	char set_version[64];
	enum store_err e;
	int v;

	/* The common case, an up-to-date database, takes no write lock. */
	e = user_version(c, &v);
	if (e == STORE_OK && v == SCHEMA_VERSION)
		return STORE_OK;
	if (e == STORE_OK)
		e = sq_begin_write(c);
	if (e != STORE_OK)
		return e;
	/* Another process may have migrated while we waited for the lock. */
	e = user_version(c, &v);
	if (e == STORE_OK && v > SCHEMA_VERSION)
		e = sq_fail(c, STORE_VERSION, "schema version %d is newer than this program's %d",
		    v, SCHEMA_VERSION);
	for (; e == STORE_OK && v < SCHEMA_VERSION; v++)
		e = run_script(c, migrations[v]);
	if (e == STORE_OK) {
		/* PRAGMA takes no bound value; the text holds our own constant only. */
		snprintf(set_version, sizeof(set_version), "PRAGMA user_version=%d",
		    SCHEMA_VERSION);
		e = run_script(c, set_version);
	}
	return sq_end(c, e);
}
