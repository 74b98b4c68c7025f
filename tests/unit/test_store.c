/*
 * test_store.c - the store on a real sqlite file in a temporary directory: schema and
 * migrations, the group commit (one transaction for many submits, completions in
 * order, durability across kill -9), held messages, release and the re-injection
 * queue (leases, at most one delivery), whitelists by scope, history, challenges,
 * rate limits, recipient ids, audit, stats and purge.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"

/* The schema version a fresh or migrated file ends at: the number of migrations in
 * store/sqlite_schema.c (one more with each new migration). */
#define SCHEMA_NOW 5

#define T0 1700000000
#define DAY 86400

static char dir[64];
static char path[128];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/ecluse-test-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct store *
open_store(void)
{
	struct store *st = NULL;
	char err[256] = "";

	if (store_open(path, &st, err, sizeof(err)) != STORE_OK)
		fail_msg("store_open: %s", err);
	return st;
}

/* ------------------------------------------------------------ helpers */

static const char *const rcpts1[] = { "bob@example.org" };

static struct store_hold
sample(const char *from, const char *const *rcpts, size_t nrcpts, const char *body,
    int64_t received)
{
	struct store_hold h = {
		.mail_from = from,
		.rcpts = rcpts,
		.nrcpts = nrcpts,
		.client_addr = "192.0.2.7",
		.helo = "mail.sender.example",
		.auth_results = "mx.example.org; spf=fail smtp.mailfrom=sender.example",
		.auth_domain = "",
		.verdict = "hold",
		.reasons = "spf=fail dmarc=none",
		.subject = "Hello",
		.date = "Tue, 14 Nov 2023 22:13:20 +0000",
		.message = (const unsigned char *)body,
		.message_len = strlen(body),
		.received = received,
		.expires = received + 14 * DAY,
	};
	return h;
}

struct result {
	int		 calls;
	enum store_err	 err;
	int64_t		 id;
};

static void
record(void *arg, enum store_err err, int64_t id)
{
	struct result *r = arg;

	r->calls++;
	r->err = err;
	r->id = id;
}

/* Waits (at most 10 s) until n callbacks have run. */
static void
wait_completions(struct store *st, size_t n)
{
	struct pollfd pfd = { .fd = store_completion_fd(st), .events = POLLIN };
	size_t got = 0;

	while (got < n) {
		int r = poll(&pfd, 1, 10000);

		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r > 0);
		got += store_run_completions(st);
	}
	assert_int_equal(got, n);
}

static int64_t
hold(struct store *st, const struct store_hold *h)
{
	struct result r = { 0 };

	assert_int_equal(store_hold_submit(st, h, record, &r), STORE_OK);
	wait_completions(st, 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.err, STORE_OK);
	assert_true(r.id > 0);
	return r.id;
}

static int64_t
hold_simple(struct store *st, const char *from, const char *rcpt, int64_t received)
{
	const char *r[] = { rcpt };
	struct store_hold h = sample(from, r, 1, "Subject: x\r\n\r\nbody\r\n", received);

	return hold(st, &h);
}

static const struct store_actor admin = { "admin:alice", "cli" };
static const struct store_actor sender_actor = { "sender", "198.51.100.9" };

static sqlite3 *
raw_open(void)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	return db;
}

static int64_t
raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ------------------------------------------------------------ schema */

static void
test_open_creates_and_migrates(void **state)
{
	struct store *st;
	struct stat sb;
	sqlite3 *db;
	char *mode = NULL;
	sqlite3_stmt *q;

	st = open_store();
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);

	db = raw_open();
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_NOW);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	mode = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	assert_string_equal(mode, "wal");
	free(mode);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name IN ('held', 'held_rcpt', 'body', 'reinject', 'whitelist',"
	    " 'sender_seen', 'challenge', 'attempt', 'recipient', 'audit', 'digested',"
	    " 'digest_lease', 'digest_round')"), 13);
	sqlite3_close(db);

	/* A second open finds the schema current and changes nothing. */
	st = open_store();
	store_close(st);
	db = raw_open();
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_NOW);
	sqlite3_close(db);
}

static void
test_open_empty_file(void **state)
{
	struct store *st;
	sqlite3 *db;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	close(fd);
	st = open_store();
	assert_int_equal(hold_simple(st, "a@sender.example", "bob@example.org", T0), 1);
	store_close(st);
	db = raw_open();
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_NOW);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM held"), 1);
	sqlite3_close(db);
}

static void
test_open_newer_schema_refused(void **state)
{
	struct store *st = open_store();
	sqlite3 *db;
	char err[256] = "";

	store_close(st);
	db = raw_open();
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	st = NULL;
	assert_int_equal(store_open(path, &st, err, sizeof(err)), STORE_VERSION);
	assert_null(st);
	assert_non_null(strstr(err, "newer"));
}

/* Processes (ecluse-smtpd, ecluse-web, eclusectl) opening one fresh file at the same
 * time: the schema is created once (migrations run under the write lock, the version
 * read again inside it), every open succeeds, and every process can hold at once. */
#define OPENERS 6
static void
test_open_fresh_file_concurrently(void **state)
{
	pid_t pids[OPENERS];
	sqlite3 *db;
	int round, i, status;

	for (round = 0; round < 3; round++) {
		unlink(path);
		for (i = 0; i < OPENERS; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				/* no cmocka assertion here: it would jump into the
				 * parent's copy of the test runner */
				const char *r[] = { "bob@example.org" };
				struct store_hold h = sample("a@sender.example", r, 1,
				    "Subject: x\r\n\r\nbody\r\n", T0);
				struct result res = { 0 };
				struct store *st = NULL;
				struct pollfd pfd = { .events = POLLIN };
				char err[256];

				if (store_open(path, &st, err, sizeof(err)) != STORE_OK) {
					fprintf(stderr, "child %d: %s\n", i, err);
					_exit(1);
				}
				if (store_hold_submit(st, &h, record, &res) != STORE_OK)
					_exit(1);
				pfd.fd = store_completion_fd(st);
				while (res.calls == 0 && poll(&pfd, 1, 10000) > 0)
					store_run_completions(st);
				store_close(st);
				_exit(res.calls == 1 && res.err == STORE_OK && res.id > 0 ? 0 : 1);
			}
		}
		for (i = 0; i < OPENERS; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		db = raw_open();
		assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_NOW);
		assert_int_equal(raw_int(db, "SELECT count(*) FROM held"), OPENERS);
		assert_int_equal(raw_int(db, "SELECT count(*) FROM digest_round"), 1);
		sqlite3_close(db);
	}
}

/* Another connection holds the write lock past STORE_BUSY_TIMEOUT_MS: a hold's
 * callback gets STORE_BUSY (smtpd answers 451) and nothing of it is stored; so do
 * synchronous writes; reads go on. */
static void
test_write_lock_held_elsewhere(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	const char *r[] = { "bob@example.org" };
	struct store_hold h = sample("b@sender.example", r, 1, "Subject: y\r\n\r\nb\r\n", T0);
	struct store_held got;
	struct result res = { 0 };
	sqlite3 *db = raw_open();

	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_hold_submit(st, &h, record, &res), STORE_OK);
	wait_completions(st, 1);
	assert_int_equal(res.err, STORE_BUSY);
	assert_int_equal(res.id, 0);
	assert_int_equal(store_release(st, id, STORE_BY_OPERATOR, T0, &admin), STORE_BUSY);
	assert_int_equal(store_held_get(st, id, false, &got), STORE_OK);
	assert_int_equal(got.state, STORE_HELD);
	store_held_clear(&got);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM held"), 1);
	sqlite3_close(db);
	store_close(st);
}

static void
test_open_errors(void **state)
{
	struct { const char *path; enum store_err want; } cases[] = {
		{ "", STORE_INVALID },
		{ "postgresql://db.example/ecluse", STORE_INVALID },
		{ "/nonexistent-dir-ecluse/x.db", STORE_IO },
		{ NULL, STORE_IO },	/* a file that is not a database */
	};
	char garbage[160];
	size_t i;
	int fd;

	snprintf(garbage, sizeof(garbage), "%s/garbage.db", dir);
	fd = open(garbage, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is not an sqlite database, not at all........",
	    50), 50);
	close(fd);
	cases[3].path = garbage;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store *st = (struct store *)&i;
		char err[256] = "";

		assert_int_equal(store_open(cases[i].path, &st, err, sizeof(err)),
		    cases[i].want);
		assert_null(st);
		assert_true(err[0] != '\0');
	}
}

/* ------------------------------------------------------------ holds */

static void
test_hold_roundtrip(void **state)
{
	static const char *const rcpts[] = { "bob@example.org", "Carol@Example.ORG",
	    "dave@example.org" };
	/* NUL bytes and 8-bit data must come back byte for byte. */
	static const unsigned char body[] = "Subject: hi\r\n\r\n\0binary\xff\xfe\r\n.\r\n";
	struct store *st = open_store();
	struct store_hold h = sample("Eve@Sender.Example", rcpts, 3, "", T0);
	struct store_held got;
	int64_t id;

	h.message = body;
	h.message_len = sizeof(body) - 1;
	h.auth_domain = "sender.example";
	id = hold(st, &h);
	assert_int_equal(store_held_get(st, id, true, &got), STORE_OK);
	assert_int_equal(got.id, id);
	assert_string_equal(got.mail_from, "Eve@Sender.Example");
	assert_int_equal(got.nrcpts, 3);
	assert_string_equal(got.rcpts[0], "bob@example.org");
	assert_string_equal(got.rcpts[1], "Carol@Example.ORG");
	assert_string_equal(got.rcpts[2], "dave@example.org");
	assert_string_equal(got.client_addr, "192.0.2.7");
	assert_string_equal(got.helo, "mail.sender.example");
	assert_string_equal(got.auth_results, h.auth_results);
	assert_string_equal(got.auth_domain, "sender.example");
	assert_string_equal(got.verdict, "hold");
	assert_string_equal(got.reasons, "spf=fail dmarc=none");
	assert_string_equal(got.subject, "Hello");
	assert_string_equal(got.date, h.date);
	assert_int_equal(got.state, STORE_HELD);
	assert_int_equal(got.received, T0);
	assert_int_equal(got.expires, T0 + 14 * DAY);
	assert_int_equal(got.released, 0);
	assert_int_equal(got.delivered, 0);
	assert_false(got.token_spent);
	assert_string_equal(got.error, "");
	assert_int_equal(got.size, sizeof(body) - 1);
	assert_int_equal(got.message_len, sizeof(body) - 1);
	assert_memory_equal(got.message, body, sizeof(body) - 1);
	store_held_clear(&got);

	assert_int_equal(store_held_get(st, id, false, &got), STORE_OK);
	assert_null(got.message);
	assert_int_equal(got.size, sizeof(body) - 1);
	store_held_clear(&got);
	store_held_clear(&got);		/* a cleared struct clears again */

	assert_int_equal(store_held_get(st, id + 1, false, &got), STORE_NOTFOUND);
	assert_int_equal(store_held_get(st, 0, false, &got), STORE_INVALID);
	store_close(st);
}

static void
test_hold_null_sender(void **state)
{
	struct store *st = open_store();
	struct store_held got;
	int64_t id = hold_simple(st, "", "bob@example.org", T0);

	assert_int_equal(store_held_get(st, id, false, &got), STORE_OK);
	assert_string_equal(got.mail_from, "");
	store_held_clear(&got);
	store_close(st);
}

static void
test_hold_invalid(void **state)
{
	static char longaddr[STORE_ADDR_MAX + 2];
	static char longsubject[STORE_SUBJECT_MAX + 2];
	static const char *rcpt_noat[] = { "bob" };
	static const char *rcpt_nodomain[] = { "bob@" };
	static const char *rcpt_nolocal[] = { "@example.org" };
	static const char *rcpt_long[] = { longaddr };
	static const char *many[STORE_RCPT_MAX + 1];
	struct store *st = open_store();
	struct result r = { 0 };
	size_t i;
	struct store_hold cases[13];

	memset(longaddr, 'a', sizeof(longaddr) - 1);
	longaddr[10] = '@';
	memset(longsubject, 's', sizeof(longsubject) - 1);
	for (i = 0; i < STORE_RCPT_MAX + 1; i++)
		many[i] = "x@example.org";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cases[i] = sample("a@sender.example", rcpts1, 1, "body\r\n", T0);
	cases[0].nrcpts = 0;
	cases[1].rcpts = rcpt_noat;
	cases[2].rcpts = rcpt_nodomain;
	cases[3].rcpts = rcpt_nolocal;
	cases[4].rcpts = rcpt_long;
	cases[5].rcpts = many;
	cases[5].nrcpts = STORE_RCPT_MAX + 1;
	cases[6].mail_from = "nodomain";
	cases[7].subject = longsubject;
	cases[8].message_len = 0;
	cases[9].expires = T0;
	cases[10].helo = NULL;
	cases[11].message = NULL;
	cases[12].auth_domain = "user@sender.example";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(store_hold_submit(st, &cases[i], record, &r), STORE_INVALID);
		assert_true(store_last_error(st)[0] != '\0');
	}
	assert_int_equal(store_hold_submit(st, NULL, record, &r), STORE_INVALID);
	assert_int_equal(store_run_completions(st), 0);
	store_close(st);
	assert_int_equal(r.calls, 0);
}

/* Subject and Date for display come from the header when the caller has none. */
static void
test_hold_display_fields(void **state)
{
	static char long_subject[4100];
	struct {
		const char *msg, *subject, *date;
	} cases[] = {
		{ "Subject: Hello\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nbody\r\n",
		    "Hello", "Tue, 14 Nov 2023 22:13:20 +0000" },
		{ "From: a@b.example\r\nSubject: Hello\r\n  folded\r\n\tworld \r\n\r\n",
		    "Hello  folded\tworld", "" },
		{ "subject:    spaced out   \r\nDATE: x\r\n\r\n", "spaced out", "x" },
		{ "Subject: first\r\nSubject: second\r\n\r\n", "first", "" },
		{ "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n", "=?utf-8?q?caf=C3=A9?=", "" },
		{ "From: a@b.example\r\n\r\nSubject: in the body\r\n", "", "" },
		{ "Subject: bare LF\nDate: y\n\nbody\n", "", "" },
		{ "Subject:\r\n\r\n", "", "" },
		{ "no header at all", "", "" },
		{ long_subject, NULL, "" },
	};
	struct store *st = open_store();
	size_t i, n;

	n = (size_t)snprintf(long_subject, sizeof(long_subject), "Subject: ");
	while (n + 4 < sizeof(long_subject) - 8) {
		memcpy(long_subject + n, "\xc3\xa9", 2);	/* two bytes each */
		n += 2;
	}
	memcpy(long_subject + n, "\r\n\r\n", 5);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_hold h = sample("a@sender.example", rcpts1, 1, cases[i].msg, T0);
		struct store_held got;

		h.subject = NULL;
		h.date = NULL;
		assert_int_equal(store_held_get(st, hold(st, &h), false, &got), STORE_OK);
		if (cases[i].subject != NULL) {
			assert_string_equal(got.subject, cases[i].subject);
		} else {
			size_t len = strlen(got.subject);

			/* Cut to the limit, on a character boundary, marked with "...". */
			assert_true(len <= STORE_SUBJECT_MAX && len > STORE_SUBJECT_MAX - 8);
			assert_string_equal(got.subject + len - 3, "...");
			assert_int_equal((len - 3) % 2, 0);
			assert_int_equal((unsigned char)got.subject[0], 0xc3);
		}
		assert_string_equal(got.date, cases[i].date);
		store_held_clear(&got);
	}
	{
		/* What the caller gives wins over the header. */
		struct store_hold h = sample("a@sender.example", rcpts1, 1, cases[0].msg, T0);
		struct store_held got;

		h.subject = "given";
		assert_int_equal(store_held_get(st, hold(st, &h), false, &got), STORE_OK);
		assert_string_equal(got.subject, "given");
		store_held_clear(&got);
	}
	store_close(st);
}

/* ------------------------------------------------------------ group commit */

#define GROUP_N 200

static void
test_group_commit_one_transaction(void **state)
{
	struct store *st = open_store();
	struct result r[GROUP_N];
	struct store_commit_stats cs;
	struct store_held got;
	char bodies[GROUP_N][32];
	sqlite3 *db;
	size_t i;

	memset(r, 0, sizeof(r));
	/* Hold the write lock from another connection, so that every submit is queued
	 * before the writer can commit anything. */
	db = raw_open();
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < GROUP_N; i++) {
		struct store_hold h;

		snprintf(bodies[i], sizeof(bodies[i]), "Subject: %zu\r\n\r\n%zu\r\n", i, i);
		h = sample("a@sender.example", rcpts1, 1, bodies[i], T0);
		assert_int_equal(store_hold_submit(st, &h, record, &r[i]), STORE_OK);
	}
	/* Nothing can be committed (hence completed) while the lock is held. */
	usleep(100 * 1000);
	assert_int_equal(store_run_completions(st), 0);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	wait_completions(st, GROUP_N);

	store_commit_stats(st, &cs);
	assert_int_equal(cs.jobs, GROUP_N);
	/* The writer may have taken the first submit alone before the others arrived;
	 * every other one shares one transaction. */
	assert_true(cs.transactions >= 1 && cs.transactions <= 2);
	for (i = 0; i < GROUP_N; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].err, STORE_OK);
		assert_int_equal(store_held_get(st, r[i].id, true, &got), STORE_OK);
		assert_int_equal(got.message_len, strlen(bodies[i]));
		assert_memory_equal(got.message, bodies[i], got.message_len);
		store_held_clear(&got);
	}
	store_close(st);
}

struct order {
	int64_t	 seq[3 * GROUP_N];
	int64_t	 ids[3 * GROUP_N];
	size_t	 n;
};

struct order_arg {
	struct order	*o;
	int64_t		 seq;
};

static void
record_order(void *arg, enum store_err err, int64_t id)
{
	struct order_arg *a = arg;

	assert_int_equal(err, STORE_OK);
	a->o->seq[a->o->n] = a->seq;
	a->o->ids[a->o->n] = id;
	a->o->n++;
}

static void
test_completion_order(void **state)
{
	struct store *st = open_store();
	static struct order o;
	static struct order_arg args[2 * GROUP_N];
	int64_t last_id = 0;
	size_t i;

	memset(&o, 0, sizeof(o));
	for (i = 0; i < 2 * GROUP_N; i++) {
		args[i].o = &o;
		args[i].seq = (int64_t)i;
		if (i % 2 == 0) {
			struct store_hold h = sample("a@sender.example", rcpts1, 1, "b\r\n", T0);

			assert_int_equal(store_hold_submit(st, &h, record_order, &args[i]),
			    STORE_OK);
		} else {
			assert_int_equal(store_seen_submit(st, "a@sender.example", "192.0.2.0/24",
			    T0, record_order, &args[i]), STORE_OK);
		}
		/* Take completions now and then, as a daemon's loop would. */
		if (i % 37 == 0)
			store_run_completions(st);
	}
	while (o.n < 2 * GROUP_N) {
		struct pollfd pfd = { .fd = store_completion_fd(st), .events = POLLIN };

		assert_true(poll(&pfd, 1, 10000) > 0);
		store_run_completions(st);
	}
	for (i = 0; i < 2 * GROUP_N; i++) {
		assert_int_equal(o.seq[i], (int64_t)i);
		if (i % 2 == 0) {
			assert_true(o.ids[i] > last_id);
			last_id = o.ids[i];
		} else {
			assert_int_equal(o.ids[i], 0);
		}
	}
	store_close(st);
}

static void
test_close_runs_pending_callbacks(void **state)
{
	struct store *st = open_store();
	struct result r[20];
	struct store_held got;
	size_t i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 20; i++) {
		struct store_hold h = sample("a@sender.example", rcpts1, 1, "b\r\n", T0);

		assert_int_equal(store_hold_submit(st, &h, record, &r[i]), STORE_OK);
	}
	store_close(st);
	st = open_store();
	for (i = 0; i < 20; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].err, STORE_OK);
		assert_int_equal(store_held_get(st, r[i].id, false, &got), STORE_OK);
		store_held_clear(&got);
	}
	store_close(st);
}

/* The content of crash-test message i: sizes from a few bytes to ~70 KB. */
static size_t
crash_body(size_t i, unsigned char *buf, size_t cap)
{
	size_t len = 16 + (i * 7919) % 70000, k;

	assert_true(len <= cap);
	for (k = 0; k < len; k++)
		buf[k] = (unsigned char)((i * 31 + k * 17) & 0xff);
	return len;
}

#define CRASH_N 300
#define CRASH_BODY_MAX 70016

struct crash_arg {
	size_t	 index;
};

static void
crash_child_cb(void *arg, enum store_err err, int64_t id)
{
	struct crash_arg *a = arg;
	char line[64];
	int n;

	if (err != STORE_OK)
		_exit(3);
	n = snprintf(line, sizeof(line), "%lld %zu\n", (long long)id, a->index);
	if (write(STDOUT_FILENO, line, (size_t)n) != n)
		_exit(4);
}

static void
crash_child(void)
{
	static struct crash_arg args[CRASH_N];
	static unsigned char body[CRASH_BODY_MAX];
	struct store *st = NULL;
	char err[256];
	struct pollfd pfd;
	size_t i;

	if (store_open(path, &st, err, sizeof(err)) != STORE_OK)
		_exit(2);
	pfd.fd = store_completion_fd(st);
	pfd.events = POLLIN;
	for (i = 0; i < CRASH_N; i++) {
		struct store_hold h = sample("a@sender.example", rcpts1, 1, "", T0);

		args[i].index = i;
		h.message = body;
		h.message_len = crash_body(i, body, sizeof(body));
		if (store_hold_submit(st, &h, crash_child_cb, &args[i]) != STORE_OK)
			_exit(5);
		if (poll(&pfd, 1, 0) > 0)
			store_run_completions(st);
	}
	for (;;) {
		if (poll(&pfd, 1, -1) > 0)
			store_run_completions(st);
	}
}

/*
 * A child submits holds and prints each id as its completion arrives; the parent
 * kills it (SIGKILL) right after reading the k-th id, reopens the store and finds
 * every message whose completion it saw intact, byte for byte.
 */
static void
test_crash_durability(void **state)
{
	static const size_t kill_after[] = { 1, 17, 120 };
	static unsigned char want[CRASH_BODY_MAX];
	size_t round;

	for (round = 0; round < sizeof(kill_after) / sizeof(kill_after[0]); round++) {
		int64_t ids[CRASH_N];
		size_t idx[CRASH_N], seen = 0, i;
		struct store *st;
		int fds[2], status;
		FILE *in;
		pid_t pid;
		long long id;
		size_t index;

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			dup2(fds[1], STDOUT_FILENO);
			close(fds[1]);
			crash_child();
		}
		close(fds[1]);
		in = fdopen(fds[0], "r");
		assert_non_null(in);
		while (seen < kill_after[round] && fscanf(in, "%lld %zu", &id, &index) == 2) {
			ids[seen] = id;
			idx[seen] = index;
			seen++;
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		fclose(in);
		assert_int_equal(seen, kill_after[round]);

		st = open_store();
		for (i = 0; i < seen; i++) {
			struct store_held got;
			size_t len = crash_body(idx[i], want, sizeof(want));

			assert_int_equal(store_held_get(st, ids[i], true, &got), STORE_OK);
			assert_int_equal(got.state, STORE_HELD);
			assert_int_equal(got.message_len, len);
			assert_memory_equal(got.message, want, len);
			store_held_clear(&got);
		}
		store_close(st);
	}
}

/* ------------------------------------------------------------ release, delete */

static void
test_release_by_token_works_once(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_held got;
	int64_t when;

	assert_int_equal(store_reinject_next(st, &when), STORE_NOTFOUND);
	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0 + 60, &sender_actor),
	    STORE_OK);
	assert_int_equal(store_held_get(st, id, false, &got), STORE_OK);
	assert_int_equal(got.state, STORE_RELEASED);
	assert_int_equal(got.released, T0 + 60);
	assert_true(got.token_spent);
	store_held_clear(&got);
	assert_int_equal(store_reinject_next(st, &when), STORE_OK);
	assert_int_equal(when, T0 + 60);

	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0 + 61, &sender_actor),
	    STORE_SPENT);
	assert_int_equal(store_release(st, id, STORE_BY_OPERATOR, T0 + 61, &admin),
	    STORE_CONFLICT);
	assert_int_equal(store_release(st, id + 100, STORE_BY_TOKEN, T0, &sender_actor),
	    STORE_NOTFOUND);
	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0, NULL), STORE_INVALID);
	store_close(st);
}

static void
test_release_rules(void **state)
{
	struct store *st = open_store();
	int64_t a = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	int64_t b = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_held got;

	/* Past its release window (purge has not run yet): the token no longer works,
	 * the operator still can. */
	assert_int_equal(store_release(st, a, STORE_BY_TOKEN, T0 + 14 * DAY, &sender_actor),
	    STORE_CONFLICT);
	assert_int_equal(store_release(st, a, STORE_BY_OPERATOR, T0 + 14 * DAY, &admin),
	    STORE_OK);
	assert_int_equal(store_held_get(st, a, false, &got), STORE_OK);
	assert_false(got.token_spent);
	store_held_clear(&got);
	/* A deleted message cannot be released. */
	assert_int_equal(store_held_delete(st, b, T0, &admin), STORE_OK);
	assert_int_equal(store_release(st, b, STORE_BY_OPERATOR, T0, &admin), STORE_CONFLICT);
	assert_int_equal(store_release(st, b, STORE_BY_TOKEN, T0, &sender_actor),
	    STORE_CONFLICT);
	store_close(st);
}

static void
test_delete(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_claim cl;
	struct store_held got;

	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0, &sender_actor), STORE_OK);
	assert_int_equal(store_held_delete(st, id, T0 + 5, &admin), STORE_OK);
	assert_int_equal(store_held_get(st, id, true, &got), STORE_OK);
	assert_int_equal(got.state, STORE_DELETED);
	assert_null(got.message);
	store_held_clear(&got);
	/* Deleted before delivery: out of the queue. */
	assert_int_equal(store_reinject_claim(st, T0 + 10, 60, &cl), STORE_NOTFOUND);
	assert_int_equal(store_held_delete(st, id, T0 + 6, &admin), STORE_CONFLICT);
	assert_int_equal(store_held_delete(st, id + 1, T0 + 6, &admin), STORE_NOTFOUND);
	store_close(st);
}

/* ------------------------------------------------------------ re-injection */

static void
test_reinject_cycle(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_claim cl, other;
	struct store_held got;
	int64_t when;

	assert_int_equal(store_reinject_claim(st, T0, 60, &cl), STORE_NOTFOUND);
	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0 + 100, &sender_actor),
	    STORE_OK);
	/* Not due before its time. */
	assert_int_equal(store_reinject_claim(st, T0 + 99, 60, &cl), STORE_NOTFOUND);
	assert_int_equal(store_reinject_claim(st, T0 + 100, 60, &cl), STORE_OK);
	assert_int_equal(cl.id, id);
	assert_int_equal(cl.attempts, 1);
	assert_true(cl.lease != 0);
	assert_string_equal(cl.msg.rcpts[0], "bob@example.org");
	assert_string_equal(cl.msg.mail_from, "a@sender.example");
	assert_non_null(cl.msg.message);
	assert_memory_equal(cl.msg.message, "Subject: x\r\n\r\nbody\r\n", cl.msg.message_len);
	/* Leased: nobody else gets it, and the timer points at the lease's end. */
	assert_int_equal(store_reinject_claim(st, T0 + 100, 60, &other), STORE_NOTFOUND);
	assert_int_equal(store_reinject_next(st, &when), STORE_OK);
	assert_int_equal(when, T0 + 160);

	assert_int_equal(store_reinject_done(st, &cl, T0 + 101), STORE_OK);
	assert_int_equal(store_held_get(st, id, true, &got), STORE_OK);
	assert_int_equal(got.state, STORE_DELIVERED);
	assert_int_equal(got.delivered, T0 + 101);
	assert_null(got.message);
	store_held_clear(&got);
	/* Delivered once: a second done, or a later claim, finds nothing. */
	assert_int_equal(store_reinject_done(st, &cl, T0 + 102), STORE_CONFLICT);
	assert_int_equal(store_reinject_claim(st, T0 + 1000, 60, &other), STORE_NOTFOUND);
	assert_int_equal(store_reinject_next(st, &when), STORE_NOTFOUND);
	store_claim_clear(&cl);
	store_claim_clear(&cl);
	store_close(st);
}

static void
test_reinject_lease_lost(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_claim first, second;

	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0, &sender_actor), STORE_OK);
	assert_int_equal(store_reinject_claim(st, T0, 60, &first), STORE_OK);
	/* The first runner hangs past its lease; a second one claims the message. */
	assert_int_equal(store_reinject_claim(st, T0 + 59, 60, &second), STORE_NOTFOUND);
	assert_int_equal(store_reinject_claim(st, T0 + 60, 60, &second), STORE_OK);
	assert_int_equal(second.id, id);
	assert_int_equal(second.attempts, 2);
	assert_true(second.lease != first.lease);
	/* The first runner's outcome no longer counts, whatever it is. */
	assert_int_equal(store_reinject_done(st, &first, T0 + 61), STORE_CONFLICT);
	assert_int_equal(store_reinject_retry(st, &first, "451 x", T0 + 300), STORE_CONFLICT);
	assert_int_equal(store_reinject_fail(st, &first, "550 x", T0 + 61), STORE_CONFLICT);
	assert_int_equal(store_reinject_done(st, &second, T0 + 62), STORE_OK);
	store_claim_clear(&first);
	store_claim_clear(&second);
	store_close(st);
}

static void
test_reinject_lease_survives_restart(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_claim cl, again;

	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0, &sender_actor), STORE_OK);
	assert_int_equal(store_reinject_claim(st, T0, 600, &cl), STORE_OK);
	store_close(st);	/* the runner dies while delivering */
	st = open_store();
	assert_int_equal(store_reinject_claim(st, T0 + 1, 600, &again), STORE_NOTFOUND);
	assert_int_equal(store_reinject_claim(st, T0 + 600, 600, &again), STORE_OK);
	assert_int_equal(again.id, id);
	assert_int_equal(store_reinject_done(st, &cl, T0 + 601), STORE_CONFLICT);
	assert_int_equal(store_reinject_done(st, &again, T0 + 601), STORE_OK);
	store_claim_clear(&cl);
	store_claim_clear(&again);
	store_close(st);
}

static void
test_reinject_retry_and_fail(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_claim cl;
	struct store_held got;
	int64_t when;

	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0, &sender_actor), STORE_OK);
	assert_int_equal(store_reinject_claim(st, T0, 60, &cl), STORE_OK);
	assert_int_equal(store_reinject_retry(st, &cl, "451 4.3.0 try later", T0 + 300),
	    STORE_OK);
	store_claim_clear(&cl);
	assert_int_equal(store_reinject_next(st, &when), STORE_OK);
	assert_int_equal(when, T0 + 300);
	assert_int_equal(store_reinject_claim(st, T0 + 299, 60, &cl), STORE_NOTFOUND);
	assert_int_equal(store_reinject_claim(st, T0 + 300, 60, &cl), STORE_OK);
	assert_int_equal(cl.attempts, 2);
	assert_string_equal(cl.msg.error, "451 4.3.0 try later");
	assert_int_equal(store_reinject_fail(st, &cl, "550 5.1.1 no such user", T0 + 301),
	    STORE_OK);
	assert_int_equal(store_reinject_next(st, &when), STORE_NOTFOUND);
	assert_int_equal(store_held_get(st, id, true, &got), STORE_OK);
	assert_int_equal(got.state, STORE_FAILED);
	assert_string_equal(got.error, "550 5.1.1 no such user");
	assert_non_null(got.message);	/* kept for the operator */
	store_held_clear(&got);
	store_claim_clear(&cl);
	/* The operator may try again. */
	assert_int_equal(store_release(st, id, STORE_BY_OPERATOR, T0 + 400, &admin), STORE_OK);
	assert_int_equal(store_reinject_claim(st, T0 + 400, 60, &cl), STORE_OK);
	assert_int_equal(cl.id, id);
	store_claim_clear(&cl);
	assert_int_equal(store_reinject_claim(st, T0, 0, &cl), STORE_INVALID);
	assert_int_equal(store_reinject_done(st, NULL, T0), STORE_INVALID);
	store_close(st);
}

static void
test_reinject_order(void **state)
{
	struct store *st = open_store();
	int64_t a = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	int64_t b = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	int64_t c = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_claim cl;

	assert_int_equal(store_release(st, b, STORE_BY_TOKEN, T0 + 1, &sender_actor), STORE_OK);
	assert_int_equal(store_release(st, c, STORE_BY_TOKEN, T0 + 2, &sender_actor), STORE_OK);
	assert_int_equal(store_release(st, a, STORE_BY_TOKEN, T0 + 3, &sender_actor), STORE_OK);
	assert_int_equal(store_reinject_claim(st, T0 + 10, 60, &cl), STORE_OK);
	assert_int_equal(cl.id, b);
	store_claim_clear(&cl);
	assert_int_equal(store_reinject_claim(st, T0 + 10, 60, &cl), STORE_OK);
	assert_int_equal(cl.id, c);
	store_claim_clear(&cl);
	assert_int_equal(store_reinject_claim(st, T0 + 10, 60, &cl), STORE_OK);
	assert_int_equal(cl.id, a);
	store_claim_clear(&cl);
	store_close(st);
}

/* ------------------------------------------------------------ held lists */

static void
test_held_list_filters(void **state)
{
	struct store *st = open_store();
	int64_t id[6];
	struct {
		struct store_held_filter f;
		int64_t want[6];	/* indexes into id[], -1 ends */
	} cases[] = {
		{ { 0 }, { 5, 4, 3, 2, 1, 0 } },
		{ { .rcpt = "bob@example.org" }, { 3, 0, -1 } },
		{ { .rcpt = "BOB@EXAMPLE.ORG" }, { 3, 0, -1 } },
		{ { .rcpt = "example.org" }, { 4, 3, 1, 0, -1 } },
		{ { .rcpt = "other.example" }, { 5, 2, -1 } },
		{ { .sender = "x@one.example" }, { 2, 0, -1 } },
		{ { .sender = "one.example" }, { 4, 2, 1, 0, -1 } },
		{ { .rcpt = "example.org", .sender = "one.example" }, { 4, 1, 0, -1 } },
		{ { .since = T0 + 2 }, { 5, 4, 3, 2, -1 } },
		{ { .until = T0 + 2 }, { 1, 0, -1 } },
		{ { .since = T0 + 1, .until = T0 + 3 }, { 2, 1, -1 } },
		{ { .state = STORE_DELETED }, { 3, -1 } },
		{ { .state = STORE_HELD, .rcpt = "example.org" }, { 4, 1, 0, -1 } },
		{ { .limit = 2 }, { 5, 4, -1 } },
		{ { .before_id = 0, .limit = 0 }, { 5, 4, 3, 2, 1, 0 } },
		{ { .rcpt = "nobody@example.org" }, { -1 } },
	};
	size_t i, k;

	id[0] = hold_simple(st, "x@one.example", "bob@example.org", T0);
	id[1] = hold_simple(st, "y@one.example", "carol@example.org", T0 + 1);
	id[2] = hold_simple(st, "x@one.example", "dave@other.example", T0 + 2);
	id[3] = hold_simple(st, "z@two.example", "bob@example.org", T0 + 3);
	id[4] = hold_simple(st, "w@one.example", "erin@example.org", T0 + 4);
	id[5] = hold_simple(st, "z@two.example", "frank@other.example", T0 + 5);
	assert_int_equal(store_held_delete(st, id[3], T0 + 6, &admin), STORE_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_held *v;
		size_t n;

		assert_int_equal(store_held_list(st, &cases[i].f, &v, &n), STORE_OK);
		for (k = 0; k < 6 && cases[i].want[k] >= 0; k++) {
			if (k >= n)
				fail_msg("case %zu: %zu rows, want more", i, n);
			assert_int_equal(v[k].id, id[cases[i].want[k]]);
			assert_int_equal(v[k].nrcpts, 1);
			assert_null(v[k].message);
		}
		if (n != k)
			fail_msg("case %zu: %zu rows, want %zu", i, n, k);
		store_held_list_free(v, n);
	}
	/* Paging with before_id walks the same order. */
	{
		struct store_held_filter f = { .limit = 4 };
		struct store_held *v;
		size_t n;

		assert_int_equal(store_held_list(st, &f, &v, &n), STORE_OK);
		assert_int_equal(n, 4);
		f.before_id = v[3].id;
		store_held_list_free(v, n);
		assert_int_equal(store_held_list(st, &f, &v, &n), STORE_OK);
		assert_int_equal(n, 2);
		assert_int_equal(v[0].id, id[1]);
		assert_int_equal(v[1].id, id[0]);
		store_held_list_free(v, n);
	}
	{
		struct store_held_filter bad[] = {
			{ .rcpt = "@" }, { .sender = "a@" }, { .state = 42 },
			{ .limit = STORE_LIST_MAX + 1 }, { .rcpt = "" },
		};
		struct store_held *v = (struct store_held *)&i;
		size_t n = 99;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(store_held_list(st, &bad[i], &v, &n), STORE_INVALID);
			assert_null(v);
			assert_int_equal(n, 0);
		}
	}
	store_close(st);
}

/* ------------------------------------------------------------ whitelists */

static int64_t
wl_add(struct store *st, enum store_wl_scope scope, const char *target,
    const char *sender, int64_t expires)
{
	struct store_wl_entry e = {
		.scope = scope, .target = target, .sender = sender,
		.origin = STORE_WL_BY_ADMIN, .auth_domain = "", .client_net = "",
		.created = T0, .expires = expires,
	};
	int64_t id = 0;

	assert_int_equal(store_wl_add(st, &e, &admin, &id), STORE_OK);
	assert_true(id > 0);
	return id;
}

static void
test_whitelist_lookup_by_scope(void **state)
{
	struct store *st = open_store();
	int64_t w[8];
	struct {
		const char *rcpt, *sender;
		int w[8];		/* indexes into w[], -1 ends */
	} cases[] = {
		/* bob's own entry, then example.org's, then global; address before domain */
		{ "bob@example.org", "alice@friend.example", { 0, 1, 3, 4, -1 } },
		{ "BOB@Example.Org", "ALICE@FRIEND.EXAMPLE", { 0, 1, 3, 4, -1 } },
		{ "carol@example.org", "alice@friend.example", { 3, 4, -1 } },
		{ "carol@example.org", "zed@friend.example", { 3, 4, -1 } },
		{ "bob@example.org", "zed@friend.example", { 1, 3, 4, -1 } },
		{ "bob@other.example", "alice@friend.example", { 4, -1 } },
		{ "bob@other.example", "x@global.example", { 5, -1 } },
		/* a subdomain of a whitelisted domain does not match */
		{ "bob@example.org", "alice@mail.friend.example", { -1 } },
		/* expired entries never match */
		{ "bob@example.org", "old@stale.example", { -1 } },
		{ "bob@example.org", "", { -1 } },
	};
	size_t i, k;

	w[0] = wl_add(st, STORE_WL_RECIPIENT, "bob@example.org", "alice@friend.example", 0);
	w[1] = wl_add(st, STORE_WL_RECIPIENT, "bob@example.org", "friend.example", 0);
	w[2] = wl_add(st, STORE_WL_RECIPIENT, "carol@example.org", "other.example", 0);
	w[3] = wl_add(st, STORE_WL_DOMAIN, "example.org", "friend.example", 0);
	w[4] = wl_add(st, STORE_WL_GLOBAL, "", "friend.example", 0);
	w[5] = wl_add(st, STORE_WL_GLOBAL, "", "x@global.example", T0 + DAY);
	w[6] = wl_add(st, STORE_WL_RECIPIENT, "bob@example.org", "old@stale.example", T0 + 10);
	w[7] = wl_add(st, STORE_WL_DOMAIN, "example.org", "stale.example", T0 + 10);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct store_wl_entry *v;
		size_t n;

		assert_int_equal(store_wl_lookup(st, cases[i].rcpt, cases[i].sender, T0 + 10,
		    &v, &n), STORE_OK);
		for (k = 0; cases[i].w[k] >= 0; k++) {
			if (k >= n)
				fail_msg("case %zu: %zu entries, want more", i, n);
			if (v[k].id != w[cases[i].w[k]])
				fail_msg("case %zu: entry %zu is id %lld, want %lld", i, k,
				    (long long)v[k].id, (long long)w[cases[i].w[k]]);
		}
		if (n != k)
			fail_msg("case %zu: %zu entries, want %zu", i, n, k);
		store_wl_free(v, n);
	}
	{
		struct store_wl_entry *v;
		size_t n;

		assert_int_equal(store_wl_lookup(st, "bob", "a@b.example", T0, &v, &n),
		    STORE_INVALID);
		assert_int_equal(store_wl_lookup(st, "bob@example.org", "nodomain", T0, &v, &n),
		    STORE_INVALID);
	}
	store_close(st);
}

static void
test_whitelist_add_replace_remove_list(void **state)
{
	struct store *st = open_store();
	struct store_wl_entry e = {
		.scope = STORE_WL_RECIPIENT, .target = "bob@example.org",
		.sender = "alice@friend.example", .origin = STORE_WL_BY_RELEASE,
		.auth_domain = "friend.example", .client_net = "192.0.2.0/24",
		.created = T0, .expires = 0,
	};
	struct store_wl_filter all = { .any_scope = true };
	struct store_wl_filter only_domain = { .scope = STORE_WL_DOMAIN };
	struct store_wl_filter by_target = { .any_scope = true, .target = "BOB@example.org" };
	struct store_wl_entry *v;
	int64_t id1, id2;
	size_t n;

	assert_int_equal(store_wl_add(st, &e, &sender_actor, &id1), STORE_OK);
	/* Same (scope, target, sender), other case: the entry is replaced, same id. */
	e.sender = "Alice@Friend.Example";
	e.origin = STORE_WL_BY_RECIPIENT;
	e.auth_domain = "";
	e.created = T0 + 5;
	assert_int_equal(store_wl_add(st, &e, &sender_actor, &id2), STORE_OK);
	assert_int_equal(id1, id2);
	wl_add(st, STORE_WL_DOMAIN, "example.org", "friend.example", 0);
	wl_add(st, STORE_WL_GLOBAL, "", "friend.example", 0);

	assert_int_equal(store_wl_list(st, &all, &v, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, id1);
	assert_int_equal(v[0].scope, STORE_WL_RECIPIENT);
	assert_string_equal(v[0].target, "bob@example.org");
	assert_int_equal(v[0].origin, STORE_WL_BY_RECIPIENT);
	assert_string_equal(v[0].auth_domain, "");
	assert_string_equal(v[0].client_net, "192.0.2.0/24");
	assert_int_equal(v[0].created, T0 + 5);
	store_wl_free(v, n);
	assert_int_equal(store_wl_list(st, &only_domain, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].target, "example.org");
	store_wl_free(v, n);
	assert_int_equal(store_wl_list(st, &by_target, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	store_wl_free(v, n);

	assert_int_equal(store_wl_remove(st, STORE_WL_RECIPIENT, "bob@example.org",
	    "alice@friend.example", T0 + 9, &admin), STORE_OK);
	assert_int_equal(store_wl_remove(st, STORE_WL_RECIPIENT, "bob@example.org",
	    "alice@friend.example", T0 + 9, &admin), STORE_NOTFOUND);
	assert_int_equal(store_wl_list(st, &all, &v, &n), STORE_OK);
	assert_int_equal(n, 2);
	store_wl_free(v, n);
	store_wl_free(NULL, 0);
	store_close(st);
}

/* One (scope, target, sender) is either allowed or blocked; a release never lifts a
 * block; lists filter by action. */
static void
test_whitelist_block(void **state)
{
	struct store *st = open_store();
	struct store_wl_entry e = {
		.scope = STORE_WL_RECIPIENT, .target = "bob@example.org",
		.sender = "alice@friend.example", .origin = STORE_WL_BY_RECIPIENT,
		.action = STORE_WL_ALLOW, .auth_domain = "", .client_net = "",
		.created = T0,
	};
	struct store_wl_filter allows = { .any_scope = true };
	struct store_wl_filter blocks = { .any_scope = true, .action = STORE_WL_BLOCK };
	struct store_wl_filter all = { .any_scope = true, .any_action = true };
	struct store_wl_filter bad = { .any_scope = true, .action = 7 };
	struct store_wl_entry *v;
	int64_t id1, id2, id3;
	size_t n;

	assert_int_equal(store_wl_add(st, &e, &admin, &id1), STORE_OK);
	e.action = STORE_WL_BLOCK;
	assert_int_equal(store_wl_add(st, &e, &admin, &id2), STORE_OK);
	assert_int_equal(id1, id2);
	/* the sender solving a challenge does not turn the block into an allow */
	e.action = STORE_WL_ALLOW;
	e.origin = STORE_WL_BY_RELEASE;
	e.auth_domain = "friend.example";
	e.client_net = "192.0.2.0/24";
	assert_int_equal(store_wl_add(st, &e, &sender_actor, &id3), STORE_CONFLICT);
	assert_int_equal(store_wl_lookup(st, "bob@example.org", "alice@friend.example", T0, &v,
	    &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].action, STORE_WL_BLOCK);
	assert_int_equal(v[0].origin, STORE_WL_BY_RECIPIENT);
	store_wl_free(v, n);
	/* a release elsewhere still allows */
	e.target = "carol@example.org";
	assert_int_equal(store_wl_add(st, &e, &sender_actor, &id3), STORE_OK);
	assert_true(id3 > id1);
	wl_add(st, STORE_WL_DOMAIN, "example.org", "friend.example", 0);

	assert_int_equal(store_wl_list(st, &blocks, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, id1);
	assert_int_equal(v[0].action, STORE_WL_BLOCK);
	store_wl_free(v, n);
	assert_int_equal(store_wl_list(st, &allows, &v, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].action, STORE_WL_ALLOW);
	assert_int_equal(v[1].action, STORE_WL_ALLOW);
	store_wl_free(v, n);
	assert_int_equal(store_wl_list(st, &all, &v, &n), STORE_OK);
	assert_int_equal(n, 3);
	store_wl_free(v, n);
	assert_int_equal(store_wl_list(st, &bad, &v, &n), STORE_INVALID);
	/* lookup returns blocks and allows together, most specific first */
	assert_int_equal(store_wl_lookup(st, "bob@example.org", "alice@friend.example", T0, &v,
	    &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].action, STORE_WL_BLOCK);
	assert_int_equal(v[1].action, STORE_WL_ALLOW);
	store_wl_free(v, n);

	/* the recipient (not a release) may turn the block back into an allow */
	e.target = "bob@example.org";
	e.origin = STORE_WL_BY_RECIPIENT;
	assert_int_equal(store_wl_add(st, &e, &admin, &id2), STORE_OK);
	assert_int_equal(id2, id1);
	assert_int_equal(store_wl_list(st, &blocks, &v, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_wl_free(v, n);
	e.action = 2;
	assert_int_equal(store_wl_add(st, &e, &admin, NULL), STORE_INVALID);
	store_close(st);
}

/* A database of schema version 2 keeps its entries, as allows. */
static void
test_whitelist_migration(void **state)
{
	struct store *st = open_store();
	struct store_wl_entry *v;
	sqlite3 *db;
	size_t n;

	store_close(st);
	db = raw_open();
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE whitelist DROP COLUMN action;"
	    "DROP INDEX held_rcpt_mailbox; ALTER TABLE held_rcpt DROP COLUMN mailbox;"
	    "INSERT INTO whitelist (scope, target, sender, origin, auth_domain, client_net,"
	    " created) VALUES (2, 'bob@example.org', 'friend.example', 1, '', '', 1);"
	    "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_store();
	assert_int_equal(store_wl_lookup(st, "bob@example.org", "a@friend.example", T0, &v, &n),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].action, STORE_WL_ALLOW);
	store_wl_free(v, n);
	store_close(st);
	db = raw_open();
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_NOW);
	sqlite3_close(db);
}

static void
test_whitelist_invalid(void **state)
{
	struct store *st = open_store();
	static const struct store_wl_entry bad[] = {
		{ .scope = STORE_WL_GLOBAL, .target = "example.org", .sender = "a.example",
		    .auth_domain = "", .client_net = "" },
		{ .scope = STORE_WL_DOMAIN, .target = "", .sender = "a.example",
		    .auth_domain = "", .client_net = "" },
		{ .scope = STORE_WL_DOMAIN, .target = "bob@example.org", .sender = "a.example",
		    .auth_domain = "", .client_net = "" },
		{ .scope = STORE_WL_RECIPIENT, .target = "example.org", .sender = "a.example",
		    .auth_domain = "", .client_net = "" },
		{ .scope = STORE_WL_RECIPIENT, .target = "bob@example.org", .sender = "",
		    .auth_domain = "", .client_net = "" },
		{ .scope = STORE_WL_RECIPIENT, .target = "bob@example.org", .sender = "a@",
		    .auth_domain = "", .client_net = "" },
		{ .scope = STORE_WL_RECIPIENT, .target = "bob@example.org", .sender = "a.example",
		    .auth_domain = "x@y", .client_net = "" },
		{ .scope = STORE_WL_RECIPIENT, .target = "bob@example.org", .sender = "a.example",
		    .auth_domain = NULL, .client_net = "" },
		{ .scope = 7, .target = "", .sender = "a.example", .auth_domain = "",
		    .client_net = "" },
		{ .scope = STORE_WL_GLOBAL, .target = "", .sender = "a.example", .origin = 9,
		    .auth_domain = "", .client_net = "" },
		{ .scope = STORE_WL_GLOBAL, .target = "", .sender = "a.example",
		    .auth_domain = "", .client_net = "", .expires = -1 },
	};
	struct store_actor nobody = { "", "cli" };
	struct store_wl_entry good = bad[0];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(store_wl_add(st, &bad[i], &admin, NULL), STORE_INVALID);
	good.target = "";
	assert_int_equal(store_wl_add(st, &good, &nobody, NULL), STORE_INVALID);
	assert_int_equal(store_wl_add(st, &good, NULL, NULL), STORE_INVALID);
	assert_int_equal(store_wl_add(st, &good, &admin, NULL), STORE_OK);
	store_close(st);
}

/* ------------------------------------------------------------ sender history */

static void
test_sender_history(void **state)
{
	struct store *st = open_store();
	struct store_seen *v;
	size_t n;

	assert_int_equal(store_seen_submit(st, "a@sender.example", "192.0.2.0/24", T0, NULL,
	    NULL), STORE_OK);
	assert_int_equal(store_seen_submit(st, "A@SENDER.example", "192.0.2.0/24", T0 + 5,
	    NULL, NULL), STORE_OK);
	assert_int_equal(store_seen_submit(st, "b@sender.example", "2001:db8::/48", T0 + 9,
	    NULL, NULL), STORE_OK);
	wait_completions(st, 3);

	assert_int_equal(store_seen_get(st, "a@sender.example", &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].net, "192.0.2.0/24");
	assert_int_equal(v[0].count, 2);
	assert_int_equal(v[0].first_seen, T0);
	assert_int_equal(v[0].last_seen, T0 + 5);
	store_seen_free(v, n);

	assert_int_equal(store_seen_get(st, "Sender.Example", &v, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].net, "2001:db8::/48");	/* most recent first */
	assert_int_equal(v[0].count, 1);
	assert_string_equal(v[1].net, "192.0.2.0/24");
	assert_int_equal(v[1].count, 2);
	store_seen_free(v, n);

	assert_int_equal(store_seen_get(st, "nobody@sender.example", &v, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_seen_submit(st, "", "192.0.2.0/24", T0, NULL, NULL),
	    STORE_INVALID);
	assert_int_equal(store_seen_submit(st, "a@b.example", "", T0, NULL, NULL),
	    STORE_INVALID);
	store_close(st);
}

/* ------------------------------------------------------------ challenges */

static void
test_challenges(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	char c1[STORE_CHALLENGE_ID_LEN + 1], c2[STORE_CHALLENGE_ID_LEN + 1];
	char c3[STORE_CHALLENGE_ID_LEN + 1];
	enum store_answer res;
	int64_t held;

	assert_int_equal(store_challenge_new(st, id, "K7PX2", T0, c1), STORE_OK);
	assert_int_equal(strlen(c1), STORE_CHALLENGE_ID_LEN);
	assert_int_equal(store_challenge_new(st, id, "Q9ZZ4", T0, c2), STORE_OK);
	assert_string_not_equal(c1, c2);

	/* Three tries: wrong, wrong, wrong and gone. */
	assert_int_equal(store_challenge_check(st, c1, "nope", T0 + 1, 3, &held, &res),
	    STORE_OK);
	assert_int_equal(res, STORE_ANSWER_WRONG);
	assert_int_equal(held, id);
	assert_int_equal(store_challenge_check(st, c1, "K7PX", T0 + 2, 3, &held, &res),
	    STORE_OK);
	assert_int_equal(res, STORE_ANSWER_WRONG);
	assert_int_equal(store_challenge_check(st, c1, "K7PX2x", T0 + 3, 3, &held, &res),
	    STORE_OK);
	assert_int_equal(res, STORE_ANSWER_EXHAUSTED);
	assert_int_equal(store_challenge_check(st, c1, "K7PX2", T0 + 4, 3, &held, &res),
	    STORE_NOTFOUND);

	/* Right: used up at once. */
	assert_int_equal(store_challenge_check(st, c2, "Q9ZZ4", T0 + 5, 3, &held, &res),
	    STORE_OK);
	assert_int_equal(res, STORE_ANSWER_RIGHT);
	assert_int_equal(held, id);
	assert_int_equal(store_challenge_check(st, c2, "Q9ZZ4", T0 + 6, 3, &held, &res),
	    STORE_NOTFOUND);

	/* Too old, even with the right answer. */
	assert_int_equal(store_challenge_new(st, id, "ABCDE", T0, c3), STORE_OK);
	assert_int_equal(store_challenge_check(st, c3, "ABCDE", T0 + STORE_CHALLENGE_TTL, 3,
	    &held, &res), STORE_OK);
	assert_int_equal(res, STORE_ANSWER_EXPIRED);
	assert_int_equal(store_challenge_check(st, c3, "ABCDE", T0, 3, &held, &res),
	    STORE_NOTFOUND);

	/* Only a held message gets challenges. */
	assert_int_equal(store_challenge_new(st, id + 1, "ABCDE", T0, c3), STORE_NOTFOUND);
	assert_int_equal(store_release(st, id, STORE_BY_OPERATOR, T0, &admin), STORE_OK);
	assert_int_equal(store_challenge_new(st, id, "ABCDE", T0, c3), STORE_CONFLICT);
	assert_int_equal(store_challenge_new(st, id, "", T0, c3), STORE_INVALID);
	assert_int_equal(store_challenge_check(st, c3, "x", T0, 0, &held, &res),
	    STORE_INVALID);
	store_close(st);
}

static void
test_deleting_drops_challenges(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	char c[STORE_CHALLENGE_ID_LEN + 1];
	enum store_answer res;
	int64_t held;

	assert_int_equal(store_challenge_new(st, id, "ABCDE", T0, c), STORE_OK);
	assert_int_equal(store_held_delete(st, id, T0, &admin), STORE_OK);
	assert_int_equal(store_challenge_check(st, c, "ABCDE", T0, 3, &held, &res),
	    STORE_NOTFOUND);
	store_close(st);
}

/* ------------------------------------------------------------ rate limits */

static void
test_attempt_counters(void **state)
{
	struct store *st = open_store();
	struct {
		enum store_attempt_kind kind;
		const char *key;
		int64_t now;
		uint64_t want;
	} steps[] = {
		{ STORE_ATTEMPT_TOKEN, "tok1", T0, 1 },
		{ STORE_ATTEMPT_TOKEN, "tok1", T0 + 10, 2 },
		{ STORE_ATTEMPT_CLIENT, "tok1", T0 + 10, 1 },	/* kinds are apart */
		{ STORE_ATTEMPT_TOKEN, "tok2", T0 + 11, 1 },
		{ STORE_ATTEMPT_TOKEN, "tok1", T0 + 59, 3 },
		{ STORE_ATTEMPT_TOKEN, "tok1", T0 + 60, 1 },	/* a new window */
		{ STORE_ATTEMPT_TOKEN, "tok1", T0 + 61, 2 },
		{ STORE_ATTEMPT_SENDER, "a@sender.example", T0, 1 },
		{ STORE_ATTEMPT_SENDER, "A@SENDER.EXAMPLE", T0, 1 },	/* keys are exact */
	};
	uint64_t count;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(store_attempt_hit(st, steps[i].kind, steps[i].key, steps[i].now,
		    60, &count), STORE_OK);
		if (count != steps[i].want)
			fail_msg("step %zu: count %llu, want %llu", i,
			    (unsigned long long)count, (unsigned long long)steps[i].want);
	}
	assert_int_equal(store_attempt_hit(st, STORE_ATTEMPT_TOKEN, "", T0, 60, &count),
	    STORE_INVALID);
	assert_int_equal(store_attempt_hit(st, STORE_ATTEMPT_TOKEN, "k", T0, 0, &count),
	    STORE_INVALID);
	assert_int_equal(store_attempt_hit(st, 9, "k", T0, 60, &count), STORE_INVALID);
	store_close(st);
}

/* ------------------------------------------------------------ recipients, audit */

static void
test_recipient_ids(void **state)
{
	struct store *st = open_store();
	int64_t a, b, c;
	char *addr;

	assert_int_equal(store_recipient_id(st, "bob@example.org", T0, &a), STORE_OK);
	assert_int_equal(store_recipient_id(st, "BOB@example.ORG", T0 + 1, &b), STORE_OK);
	assert_int_equal(store_recipient_id(st, "carol@example.org", T0, &c), STORE_OK);
	assert_int_equal(a, b);
	assert_true(c != a);
	assert_int_equal(store_recipient_address(st, a, &addr), STORE_OK);
	assert_string_equal(addr, "bob@example.org");
	free(addr);
	assert_int_equal(store_recipient_address(st, c + 1, &addr), STORE_NOTFOUND);
	assert_null(addr);
	assert_int_equal(store_recipient_id(st, "nobody", T0, &a), STORE_INVALID);
	store_close(st);
}

static void
test_audit(void **state)
{
	struct store *st = open_store();
	int64_t id = hold_simple(st, "a@sender.example", "bob@example.org", T0);
	struct store_audit_entry *v;
	size_t n;

	assert_int_equal(store_release(st, id, STORE_BY_TOKEN, T0 + 1, &sender_actor),
	    STORE_OK);
	wl_add(st, STORE_WL_RECIPIENT, "bob@example.org", "a@sender.example", 0);
	assert_int_equal(store_held_delete(st, id, T0 + 3, &admin), STORE_OK);
	assert_int_equal(store_audit_add(st, T0 + 4, &admin, "login"), STORE_OK);
	/* A refused change leaves no audit row. */
	assert_int_equal(store_held_delete(st, id, T0 + 5, &admin), STORE_CONFLICT);

	assert_int_equal(store_audit_list(st, 0, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].what, "login");
	assert_int_equal(v[0].at, T0 + 4);
	assert_string_equal(v[1].what, "delete held=1");
	assert_string_equal(v[1].who, "admin:alice");
	assert_string_equal(v[1].from, "cli");
	assert_non_null(strstr(v[2].what, "whitelist add scope=recipient"));
	assert_string_equal(v[3].what, "release held=1 by=token");
	assert_string_equal(v[3].who, "sender");
	assert_string_equal(v[3].from, "198.51.100.9");
	assert_int_equal(v[3].at, T0 + 1);
	id = v[1].id;
	store_audit_free(v, n);
	assert_int_equal(store_audit_list(st, id, 1, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_non_null(strstr(v[0].what, "whitelist add"));
	store_audit_free(v, n);
	assert_int_equal(store_audit_add(st, T0, &admin, ""), STORE_INVALID);
	store_close(st);
}

/* ------------------------------------------------------------ stats, purge */

static void
test_stats(void **state)
{
	struct store *st = open_store();
	int64_t a = hold_simple(st, "a@sender.example", "bob@example.org", T0 + 5);
	int64_t b = hold_simple(st, "a@sender.example", "bob@example.org", T0 + 6);
	char c[STORE_CHALLENGE_ID_LEN + 1];
	struct store_stats s;

	hold_simple(st, "a@sender.example", "bob@example.org", T0 + 7);
	assert_int_equal(store_release(st, a, STORE_BY_TOKEN, T0 + 10, &sender_actor),
	    STORE_OK);
	assert_int_equal(store_held_delete(st, b, T0 + 10, &admin), STORE_OK);
	wl_add(st, STORE_WL_GLOBAL, "", "friend.example", 0);
	wl_add(st, STORE_WL_RECIPIENT, "bob@example.org", "friend.example", 0);
	wl_add(st, STORE_WL_RECIPIENT, "bob@example.org", "x@friend.example", 0);
	assert_int_equal(store_challenge_new(st, 3, "ABCDE", T0, c), STORE_OK);
	assert_int_equal(store_seen_submit(st, "a@sender.example", "192.0.2.0/24", T0, NULL,
	    NULL), STORE_OK);
	wait_completions(st, 1);

	assert_int_equal(store_stats(st, T0 + 20, &s), STORE_OK);
	assert_int_equal(s.held[STORE_HELD], 1);
	assert_int_equal(s.held[STORE_RELEASED], 1);
	assert_int_equal(s.held[STORE_DELETED], 1);
	assert_int_equal(s.held[STORE_DELIVERED], 0);
	assert_int_equal(s.whitelist[STORE_WL_GLOBAL], 1);
	assert_int_equal(s.whitelist[STORE_WL_DOMAIN], 0);
	assert_int_equal(s.whitelist[STORE_WL_RECIPIENT], 2);
	assert_int_equal(s.queue, 1);
	assert_int_equal(s.queue_due, 1);
	assert_int_equal(s.oldest_held, T0 + 7);
	assert_int_equal(s.challenges, 1);
	assert_int_equal(s.senders, 2);		/* the address and its domain */
	assert_int_equal(store_stats(st, T0 + 9, &s), STORE_OK);
	assert_int_equal(s.queue_due, 0);
	store_close(st);
}

static void
test_purge(void **state)
{
	struct store *st = open_store();
	int64_t old_held, young_held, delivered, deleted, released;
	char c_old[STORE_CHALLENGE_ID_LEN + 1], c_new[STORE_CHALLENGE_ID_LEN + 1];
	const int64_t now = T0 + 200 * DAY, keep = 90 * DAY;
	struct store_purge_result pr;
	struct store_claim cl;
	struct store_held got;
	struct store_stats s;
	enum store_answer res;
	uint64_t count;
	int64_t held;

	old_held = hold_simple(st, "a@sender.example", "bob@example.org", now - 15 * DAY);
	young_held = hold_simple(st, "a@sender.example", "bob@example.org", now - DAY);
	delivered = hold_simple(st, "a@sender.example", "bob@example.org", now - 150 * DAY);
	deleted = hold_simple(st, "a@sender.example", "bob@example.org", now - 20 * DAY);
	released = hold_simple(st, "a@sender.example", "bob@example.org", now - 20 * DAY);
	assert_int_equal(store_release(st, delivered, STORE_BY_TOKEN, now - 149 * DAY,
	    &sender_actor), STORE_OK);
	assert_int_equal(store_reinject_claim(st, now - 149 * DAY, 60, &cl), STORE_OK);
	assert_int_equal(store_reinject_done(st, &cl, now - 149 * DAY), STORE_OK);
	store_claim_clear(&cl);
	assert_int_equal(store_held_delete(st, deleted, now - 19 * DAY, &admin), STORE_OK);
	/* Released but not yet delivered: past its expiry, it must stay whole. */
	assert_int_equal(store_release(st, released, STORE_BY_TOKEN, now - 19 * DAY,
	    &sender_actor), STORE_OK);
	assert_int_equal(store_challenge_new(st, young_held, "OLD", now - 3600, c_old),
	    STORE_OK);
	assert_int_equal(store_challenge_new(st, young_held, "NEW", now - 10, c_new),
	    STORE_OK);
	assert_int_equal(store_attempt_hit(st, STORE_ATTEMPT_CLIENT, "192.0.2.1", now - 7200,
	    3600, &count), STORE_OK);
	assert_int_equal(store_attempt_hit(st, STORE_ATTEMPT_CLIENT, "192.0.2.2", now - 60,
	    3600, &count), STORE_OK);
	wl_add(st, STORE_WL_GLOBAL, "", "gone.example", now - 1);
	wl_add(st, STORE_WL_GLOBAL, "", "stays.example", now + 1);
	wl_add(st, STORE_WL_GLOBAL, "", "forever.example", 0);
	assert_int_equal(store_seen_submit(st, "old@sender.example", "192.0.2.0/24",
	    now - 100 * DAY, NULL, NULL), STORE_OK);
	assert_int_equal(store_seen_submit(st, "new@sender.example", "192.0.2.0/24",
	    now - DAY, NULL, NULL), STORE_OK);
	wait_completions(st, 2);

	assert_int_equal(store_purge(st, now, keep, &pr), STORE_OK);
	assert_int_equal(pr.expired, 1);
	assert_int_equal(pr.removed, 1);
	assert_int_equal(pr.challenges, 1);
	assert_int_equal(pr.attempts, 1);
	assert_int_equal(pr.whitelist, 1);
	/* old@sender.example, and sender.example's row for the same network is fresh. */
	assert_int_equal(pr.senders, 1);

	assert_int_equal(store_held_get(st, old_held, true, &got), STORE_OK);
	assert_int_equal(got.state, STORE_EXPIRED);
	assert_null(got.message);
	assert_int_equal(got.nrcpts, 1);
	store_held_clear(&got);
	assert_int_equal(store_held_get(st, young_held, true, &got), STORE_OK);
	assert_int_equal(got.state, STORE_HELD);
	assert_non_null(got.message);
	store_held_clear(&got);
	assert_int_equal(store_held_get(st, delivered, false, &got), STORE_NOTFOUND);
	assert_int_equal(store_held_get(st, deleted, false, &got), STORE_OK);
	store_held_clear(&got);
	assert_int_equal(store_held_get(st, released, true, &got), STORE_OK);
	assert_int_equal(got.state, STORE_RELEASED);
	assert_non_null(got.message);
	store_held_clear(&got);
	assert_int_equal(store_challenge_check(st, c_new, "NEW", now, 3, &held, &res),
	    STORE_OK);
	assert_int_equal(res, STORE_ANSWER_RIGHT);

	/* A second purge finds nothing; the expired message is removed keep later. */
	assert_int_equal(store_purge(st, now, keep, &pr), STORE_OK);
	assert_int_equal(pr.expired + pr.removed + pr.challenges + pr.attempts +
	    pr.whitelist + pr.senders, 0);
	assert_int_equal(store_purge(st, now + keep, keep, NULL), STORE_OK);
	assert_int_equal(store_held_get(st, old_held, false, &got), STORE_NOTFOUND);
	assert_int_equal(store_stats(st, now + keep, &s), STORE_OK);
	assert_int_equal(s.held[STORE_DELETED], 0);
	assert_int_equal(s.held[STORE_RELEASED], 1);
	assert_int_equal(store_purge(st, now, -1, NULL), STORE_INVALID);
	store_close(st);
}

static void
test_purge_in_batches(void **state)
{
	struct store *st = open_store();
	struct store_purge_result pr;
	size_t i, n = 1234;
	struct result *r = calloc(n, sizeof(*r));

	assert_non_null(r);
	for (i = 0; i < n; i++) {
		struct store_hold h = sample("a@sender.example", rcpts1, 1, "b\r\n", T0);

		assert_int_equal(store_hold_submit(st, &h, record, &r[i]), STORE_OK);
	}
	wait_completions(st, n);
	assert_int_equal(store_purge(st, T0 + 15 * DAY, DAY, &pr), STORE_OK);
	assert_int_equal(pr.expired, n);
	assert_int_equal(pr.removed, 0);
	assert_int_equal(store_purge(st, T0 + 16 * DAY, DAY, &pr), STORE_OK);
	assert_int_equal(pr.removed, n);
	free(r);
	store_close(st);
}

static void
test_state_names(void **state)
{
	int s;

	for (s = STORE_HELD; s <= STORE_STATE_MAX; s++) {
		const char *name = store_state_name((enum store_state)s);

		assert_non_null(name);
		assert_int_equal(store_state_parse(name, strlen(name)), s);
	}
	assert_null(store_state_name(0));
	assert_null(store_state_name(STORE_STATE_MAX + 1));
	assert_int_equal(store_state_parse("HELD", 4), STORE_HELD);
	assert_int_equal(store_state_parse("held!", 5), 0);
	assert_int_equal(store_state_parse("hel", 3), 0);
	assert_string_equal(store_strerror(STORE_SPENT), "release token already used");
	store_close(NULL);
}

/* Subaddressing: a held copy keeps each recipient's exact address and its mailbox
 * (store_hold.mailboxes); a list by the mailbox finds the messages of every
 * subaddress, a list by one subaddress its own; the digest pairs are per mailbox,
 * one per message even when it went to two subaddresses of one mailbox. */
static void
test_held_mailboxes(void **state)
{
	static const char *const r1[] = { "alice+news@example.org", "alice+shop@example.org",
	    "bob@example.org" };
	static const char *const m1[] = { "alice@example.org", "alice@example.org",
	    "bob@example.org" };
	static const char *const r2[] = { "alice@example.org" };
	static const char *const bad[] = { "alice" };
	struct store *st = open_store();
	struct store_hold h1 = sample("x@example.net", r1, 3, "m1\r\n", T0);
	struct store_hold h2 = sample("y@example.net", r2, 1, "m2\r\n", T0 + 1);
	struct store_held_filter f = { .rcpt = "Alice@example.org" };
	struct store_digest_item *v;
	struct store_digest_claim cl;
	struct store_held *l, g = { 0 };
	struct result r = { 0 };
	int64_t a, b;
	size_t n;

	h1.mailboxes = m1;
	a = hold(st, &h1);
	b = hold(st, &h2);	/* without mailboxes: its own */
	assert_int_equal(store_held_get(st, a, false, &g), STORE_OK);
	assert_int_equal(g.nrcpts, 3);
	assert_string_equal(g.rcpts[0], "alice+news@example.org");
	assert_string_equal(g.mailboxes[0], "alice@example.org");
	assert_string_equal(g.rcpts[1], "alice+shop@example.org");
	assert_string_equal(g.mailboxes[1], "alice@example.org");
	assert_string_equal(g.mailboxes[2], "bob@example.org");
	store_held_clear(&g);

	assert_int_equal(store_held_list(st, &f, &l, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].id, b);
	assert_string_equal(l[0].mailboxes[0], "alice@example.org");
	assert_int_equal(l[1].id, a);
	assert_string_equal(l[1].mailboxes[0], "alice@example.org");
	store_held_list_free(l, n);
	f.rcpt = "alice+shop@example.org";
	assert_int_equal(store_held_list(st, &f, &l, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, a);
	store_held_list_free(l, n);
	f.rcpt = "alice+other@example.org";
	assert_int_equal(store_held_list(st, &f, &l, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_held_list_free(l, n);

	assert_int_equal(store_digest_pending(st, T0 + 10, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].rcpt, "alice@example.org");
	assert_int_equal(v[0].held_id, a);
	assert_string_equal(v[1].rcpt, "alice@example.org");
	assert_int_equal(v[1].held_id, b);
	assert_string_equal(v[2].rcpt, "bob@example.org");
	store_digest_free(v, n);
	assert_int_equal(store_digest_claim(st, "alice@example.org", T0 + 20, 60, &cl),
	    STORE_OK);
	assert_int_equal(cl.n, 2);
	assert_int_equal(cl.ids[0], a);
	assert_int_equal(cl.ids[1], b);
	assert_int_equal(store_digest_done(st, &cl, T0 + 21), STORE_OK);
	store_digest_claim_clear(&cl);
	/* a subaddress has no digest of its own */
	assert_int_equal(store_digest_claim(st, "alice+news@example.org", T0 + 22, 60, &cl),
	    STORE_NOTFOUND);
	assert_int_equal(store_digest_pending(st, T0 + 30, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].rcpt, "bob@example.org");
	store_digest_free(v, n);

	/* a mailbox that is not an address is refused, nothing held */
	h2.mailboxes = bad;
	assert_int_equal(store_hold_submit(st, &h2, record, &r), STORE_INVALID);
	assert_int_equal(r.calls, 0);
	store_close(st);
}

/* Migration 5 makes every recipient held before it its own mailbox, in the one
 * transaction of the migration: the lists and digests go on as before. */
static void
test_held_mailbox_migration(void **state)
{
	static const char *const r[] = { "alice+news@example.org" };
	struct store *st = open_store();
	struct store_hold h = sample("x@example.net", r, 1, "m\r\n", T0);
	struct store_held_filter f = { .rcpt = "alice+news@example.org" };
	struct store_digest_item *v;
	struct store_held *l;
	sqlite3 *db;
	int64_t a;
	size_t n;

	a = hold(st, &h);
	store_close(st);
	db = raw_open();
	assert_int_equal(sqlite3_exec(db, "DROP INDEX held_rcpt_mailbox;"
	    "ALTER TABLE held_rcpt DROP COLUMN mailbox; PRAGMA user_version = 4", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	st = open_store();
	assert_int_equal(store_held_list(st, &f, &l, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(l[0].id, a);
	assert_string_equal(l[0].mailboxes[0], "alice+news@example.org");
	store_held_list_free(l, n);
	assert_int_equal(store_digest_pending(st, T0 + 10, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].rcpt, "alice+news@example.org");
	store_digest_free(v, n);
	store_close(st);
	db = raw_open();
	assert_int_equal(raw_int(db, "PRAGMA user_version"), SCHEMA_NOW);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM held_rcpt WHERE mailbox = ''"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
	    " AND name = 'held_rcpt_mailbox'"), 1);
	sqlite3_close(db);
}

/* Digests: each (held message, recipient) is pending until a digest listing it is
 * recorded; only held, unexpired messages are pending; records survive reopening. */
static void
test_digest(void **state)
{
	static const char *const two[] = { "bob@example.org", "Carol@example.org" };
	struct store *st = open_store();
	struct store_hold h1 = sample("alice@example.net", two, 2, "m1\r\n", T0);
	struct store_hold h2 = sample("dave@example.net", rcpts1, 1, "m2\r\n", T0 + 1);
	struct store_hold h3 = sample("eve@example.net", rcpts1, 1, "m3\r\n", T0 + 2);
	struct store_digest_claim cl, bad;
	struct store_digest_item *v;
	int64_t a, b, c;
	size_t n;

	a = hold(st, &h1);
	b = hold(st, &h2);
	c = hold(st, &h3);
	assert_int_equal(store_held_delete(st, c, T0 + 3, &admin), STORE_OK);
	assert_int_equal(store_digest_pending(st, T0 + 10, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].rcpt, "bob@example.org");
	assert_int_equal(v[0].held_id, a);
	assert_string_equal(v[1].rcpt, "bob@example.org");
	assert_int_equal(v[1].held_id, b);
	assert_string_equal(v[2].rcpt, "Carol@example.org");
	assert_int_equal(v[2].held_id, a);
	store_digest_free(v, n);
	/* a limit cuts the list */
	assert_int_equal(store_digest_pending(st, T0 + 10, 1, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	store_digest_free(v, n);
	/* bob's digest listed both: only carol's pair stays pending (any case) */
	assert_int_equal(store_digest_claim(st, "BOB@example.org", T0 + 20, 60, &cl), STORE_OK);
	assert_int_equal(cl.n, 2);
	assert_int_equal(cl.ids[0], a);
	assert_int_equal(cl.ids[1], b);
	assert_int_equal(store_digest_done(st, &cl, T0 + 21), STORE_OK);
	store_digest_claim_clear(&cl);
	assert_int_equal(store_digest_claim(st, "bob@example.org", T0 + 22, 60, &cl),
	    STORE_NOTFOUND);
	store_close(st);
	st = open_store();
	assert_int_equal(store_digest_pending(st, T0 + 30, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].rcpt, "Carol@example.org");
	store_digest_free(v, n);
	/* expired messages are not pending */
	assert_int_equal(store_digest_pending(st, T0 + 15 * DAY, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_null(v);
	/* bad input: nothing recorded */
	assert_int_equal(store_digest_claim(st, "carol", T0, 60, &cl), STORE_INVALID);
	assert_int_equal(store_digest_claim(st, "carol@example.org", T0, 0, &cl),
	    STORE_INVALID);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(store_digest_done(st, &bad, T0), STORE_INVALID);
	assert_int_equal(store_digest_unclaim(st, &bad), STORE_INVALID);
	assert_int_equal(store_digest_pending(st, T0, STORE_LIST_MAX + 1, &v, &n),
	    STORE_INVALID);
	store_digest_free(NULL, 0);
	store_digest_claim_clear(NULL);
	store_close(st);
}

/* Claims: a live lease hides a recipient's pairs from every other sender (another
 * connection stands for another process); an unclaim or the end of the lease makes
 * them pending again; a done after the lease was lost still records. */
static void
test_digest_claim(void **state)
{
	struct store *st = open_store(), *other = open_store();
	struct store_hold h1 = sample("alice@example.net", rcpts1, 1, "m1\r\n", T0);
	struct store_hold h2 = sample("dave@example.net", rcpts1, 1, "m2\r\n", T0 + 1);
	struct store_digest_claim cl, cl2;
	struct store_digest_item *v;
	int64_t a, b;
	size_t n;

	a = hold(st, &h1);
	assert_int_equal(store_digest_claim(st, rcpts1[0], T0 + 10, 100, &cl), STORE_OK);
	assert_int_equal(cl.n, 1);
	assert_int_equal(cl.ids[0], a);
	assert_true(cl.lease != 0);
	/* held while leased: neither pending nor claimable elsewhere */
	assert_int_equal(store_digest_pending(other, T0 + 11, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_digest_claim(other, rcpts1[0], T0 + 11, 100, &cl2),
	    STORE_NOTFOUND);
	/* a message held meanwhile is claimable on its own */
	b = hold(st, &h2);
	assert_int_equal(store_digest_claim(other, rcpts1[0], T0 + 12, 100, &cl2), STORE_OK);
	assert_int_equal(cl2.n, 1);
	assert_int_equal(cl2.ids[0], b);
	/* a failed send gives the pairs back at once */
	assert_int_equal(store_digest_unclaim(other, &cl2), STORE_OK);
	store_digest_claim_clear(&cl2);
	assert_int_equal(store_digest_pending(other, T0 + 13, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].held_id, b);
	store_digest_free(v, n);
	/* the first sender died: its lease ends, the pair is pending and claimed again */
	assert_int_equal(store_digest_pending(other, T0 + 110, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 2);
	store_digest_free(v, n);
	assert_int_equal(store_digest_claim(other, rcpts1[0], T0 + 110, 100, &cl2), STORE_OK);
	assert_int_equal(cl2.n, 2);
	/* the first sender's late done still records its pair, and its unclaim is a
	 * no-op on the second's lease */
	assert_int_equal(store_digest_unclaim(st, &cl), STORE_OK);
	assert_int_equal(store_digest_pending(st, T0 + 111, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_digest_done(st, &cl, T0 + 111), STORE_OK);
	assert_int_equal(store_digest_done(other, &cl2, T0 + 112), STORE_OK);
	store_digest_claim_clear(&cl2);
	assert_int_equal(store_digest_pending(st, T0 + 300, 0, &v, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_digest_claim(st, rcpts1[0], T0 + 300, 100, &cl2),
	    STORE_NOTFOUND);
	store_digest_claim_clear(&cl);
	store_digest_claim_clear(&cl2);
	store_close(other);
	store_close(st);
}

/* The last scheduled round: 0 at first, then a compare-and-set that only one of two
 * processes wins; it survives reopening. */
static void
test_digest_round(void **state)
{
	struct store *st = open_store(), *other = open_store();
	int64_t last;

	assert_int_equal(store_digest_last_round(st, &last), STORE_OK);
	assert_int_equal(last, 0);
	assert_int_equal(store_digest_round_take(st, 0, T0), STORE_OK);
	assert_int_equal(store_digest_round_take(other, 0, T0 + 1), STORE_CONFLICT);
	assert_int_equal(store_digest_last_round(other, &last), STORE_OK);
	assert_int_equal(last, T0);
	assert_int_equal(store_digest_round_take(other, T0, T0 + DAY), STORE_OK);
	assert_int_equal(store_digest_round_take(st, 0, -1), STORE_INVALID);
	store_close(other);
	store_close(st);
	st = open_store();
	assert_int_equal(store_digest_last_round(st, &last), STORE_OK);
	assert_int_equal(last, T0 + DAY);
	store_close(st);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_and_migrates),
		T(test_open_empty_file),
		T(test_open_newer_schema_refused),
		T(test_open_errors),
		T(test_open_fresh_file_concurrently),
		T(test_write_lock_held_elsewhere),
		T(test_hold_roundtrip),
		T(test_hold_null_sender),
		T(test_hold_invalid),
		T(test_hold_display_fields),
		T(test_group_commit_one_transaction),
		T(test_completion_order),
		T(test_close_runs_pending_callbacks),
		T(test_crash_durability),
		T(test_release_by_token_works_once),
		T(test_release_rules),
		T(test_delete),
		T(test_reinject_cycle),
		T(test_reinject_lease_lost),
		T(test_reinject_lease_survives_restart),
		T(test_reinject_retry_and_fail),
		T(test_reinject_order),
		T(test_held_list_filters),
		T(test_whitelist_lookup_by_scope),
		T(test_whitelist_add_replace_remove_list),
		T(test_whitelist_invalid),
		T(test_whitelist_block),
		T(test_whitelist_migration),
		T(test_held_mailboxes),
		T(test_held_mailbox_migration),
		T(test_sender_history),
		T(test_challenges),
		T(test_deleting_drops_challenges),
		T(test_attempt_counters),
		T(test_recipient_ids),
		T(test_digest),
		T(test_digest_claim),
		T(test_digest_round),
		T(test_audit),
		T(test_stats),
		T(test_purge),
		T(test_purge_in_batches),
		T(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
