/*
 * fuzz_store.c - the store's input paths with arbitrary strings, on a real database
 * in /dev/shm (tmpfs: a sync costs nothing there). The input is split at '\n' into
 * fields (mail from, recipients separated by ',', client, helo, subject, whitelist
 * target, whitelist sender, answer), the rest is the message. Every field goes
 * through the calls that take it: hold submit and read back, held list filters,
 * whitelist add / lookup / list / remove, sender history, challenges, rate limits,
 * recipient ids, audit, state names.
 * Invariants: no crash, no leak; a hold that was accepted reads back byte for byte;
 * a whitelist entry that was added is found again by list.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 8
#define NRCPTS 8
/* The database is recreated now and then, so it stays small and fast. */
#define RUNS_PER_DB 2000
#define NOW 1700000000

static char dir[64], path[128];
static struct store *st;
static unsigned runs;

/* An invariant broke: say which, for the crash report. */
static void __attribute__((noreturn))
die(const char *why)
{
	fprintf(stderr, "fuzz_store: %s (last error: %s)\n", why,
	    st != NULL ? store_last_error(st) : "");
	abort();
}

static void remove_db(void);

static void
reopen(void)
{
	char err[256];

	store_close(st);
	st = NULL;
	remove_db();
	if (store_open(path, &st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "%s\n", err);
		die("store_open failed");
	}
}

static void
remove_db(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void
cleanup(void)
{
	store_close(st);
	st = NULL;
	remove_db();
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(dir, sizeof(dir), "%s/ecluse-fuzz-store-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp failed");
	snprintf(path, sizeof(path), "%s/store.db", dir);
	reopen();
	atexit(cleanup);
	return 0;
}

struct done {
	int		 calls;
	enum store_err	 err;
	int64_t		 id;
};

static void
record(void *arg, enum store_err err, int64_t id)
{
	struct done *d = arg;

	d->calls++;
	d->err = err;
	d->id = id;
}

static void
wait_one(struct done *d)
{
	struct pollfd pfd = { .fd = store_completion_fd(st), .events = POLLIN };

	int r;

	while (d->calls == 0) {
		/* libFuzzer's timeout alarm interrupts poll: EINTR is not a timeout. */
		r = poll(&pfd, 1, 10000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("no completion within 10 s");
		store_run_completions(st);
	}
}

/* Copies field [b, e) as a C string (an embedded NUL ends it). */
static char *
field(const uint8_t *b, const uint8_t *e)
{
	size_t n = (size_t)(e - b);
	char *s = malloc(n + 1);

	if (s == NULL)
		die("out of memory");
	memcpy(s, b, n);
	s[n] = '\0';
	return s;
}

static void
exercise_hold(char **f, const uint8_t *body, size_t body_len)
{
	const char *rcpts[NRCPTS];
	size_t nrcpts = 0;
	char *p = f[1], *comma;
	struct store_hold h;
	struct store_held got;
	struct done d = { 0 };

	while (nrcpts < NRCPTS) {
		rcpts[nrcpts++] = p;
		if ((comma = strchr(p, ',')) == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	memset(&h, 0, sizeof(h));
	h.mail_from = f[0];
	h.rcpts = rcpts;
	h.nrcpts = nrcpts;
	h.client_addr = f[2];
	h.helo = f[3];
	h.auth_results = f[3];
	h.auth_domain = strchr(f[6], '@') == NULL ? f[6] : "";
	h.verdict = "hold";
	h.reasons = f[4];
	h.subject = f[4];
	h.date = f[2];
	h.message = body;
	h.message_len = body_len;
	h.received = NOW;
	h.expires = NOW + 86400;
	if (store_hold_submit(st, &h, record, &d) != STORE_OK)
		return;
	wait_one(&d);
	if (d.err != STORE_OK)
		die("accepted hold failed to commit");
	if (store_held_get(st, d.id, true, &got) != STORE_OK)
		die("accepted hold not found");
	if (got.message_len != body_len || memcmp(got.message, body, body_len) != 0 ||
	    got.nrcpts != nrcpts || strcmp(got.mail_from, f[0]) != 0 ||
	    strcmp(got.subject, f[4]) != 0)
		die("hold read back differs");
	store_held_clear(&got);
	{
		char cid[STORE_CHALLENGE_ID_LEN + 1];
		enum store_answer res;
		int64_t held;

		if (store_challenge_new(st, d.id, f[7], NOW, cid) == STORE_OK) {
			store_challenge_check(st, cid, f[6], NOW + 1, 3, &held, &res);
			if (store_challenge_check(st, cid, f[7], NOW + 2, 3, &held, &res) ==
			    STORE_OK && res == STORE_ANSWER_RIGHT && held != d.id)
				die("right answer for another message");
		}
		store_challenge_check(st, f[7], f[7], NOW, 3, &held, &res);
	}
	if (body_len > 0 && (body[0] & 1))
		store_release(st, d.id, STORE_BY_TOKEN, NOW,
		    &(struct store_actor){ "sender", f[2] });
}

static void
exercise_lists(char **f)
{
	static const struct store_actor by = { "fuzz", "cli" };
	struct store_held_filter hf = { .rcpt = f[5], .sender = f[6], .limit = 5 };
	struct store_wl_filter wf = { .any_scope = true, .target = f[5], .sender = f[6] };
	struct store_held *hv;
	struct store_wl_entry *wv, e;
	struct store_seen *sv;
	size_t n, i;
	int64_t id;
	uint64_t count;
	char *addr;
	enum store_wl_scope scope;

	if (store_held_list(st, &hf, &hv, &n) == STORE_OK)
		store_held_list_free(hv, n);
	hf.rcpt = NULL;
	if (store_held_list(st, &hf, &hv, &n) == STORE_OK)
		store_held_list_free(hv, n);

	for (scope = STORE_WL_GLOBAL; scope <= STORE_WL_RECIPIENT; scope++) {
		memset(&e, 0, sizeof(e));
		e.scope = scope;
		e.target = scope == STORE_WL_GLOBAL ? "" : f[5];
		e.sender = f[6];
		e.origin = STORE_WL_BY_ADMIN;
		e.auth_domain = f[3];
		e.client_net = f[2];
		e.created = NOW;
		if (store_wl_add(st, &e, &by, &id) != STORE_OK)
			continue;
		/* Added means listed: the exact key finds it. */
		wf.any_scope = false;
		wf.scope = scope;
		wf.target = e.target;
		if (store_wl_list(st, &wf, &wv, &n) != STORE_OK)
			die("added whitelist entry: list failed");
		for (i = 0; i < n && wv[i].id != id; i++)
			continue;
		if (i == n)
			die("added whitelist entry not listed");
		store_wl_free(wv, n);
	}
	if (store_wl_lookup(st, f[5], f[6], NOW, &wv, &n) == STORE_OK)
		store_wl_free(wv, n);
	if (store_wl_lookup(st, f[1], f[0], NOW, &wv, &n) == STORE_OK)
		store_wl_free(wv, n);
	store_wl_remove(st, STORE_WL_RECIPIENT, f[5], f[6], NOW, &by);

	if (store_seen_submit(st, f[0], f[2], NOW, NULL, NULL) == STORE_OK) {
		struct done d = { 0 };

		/* The first has no callback; a second one completes after it (FIFO). */
		if (store_seen_submit(st, "order@fuzz.example", "192.0.2.0/24", NOW, record,
		    &d) != STORE_OK)
			die("seen submit refused after a valid one");
		wait_one(&d);
	}
	if (store_seen_get(st, f[0], &sv, &n) == STORE_OK)
		store_seen_free(sv, n);
	store_attempt_hit(st, STORE_ATTEMPT_CLIENT, f[2], NOW, 60, &count);
	if (store_recipient_id(st, f[5], NOW, &id) == STORE_OK) {
		if (store_recipient_address(st, id, &addr) != STORE_OK)
			die("recipient id without address");
		free(addr);
	}
	store_audit_add(st, NOW, &(struct store_actor){ f[3], f[2] }, f[4]);
	store_state_parse(f[4], strlen(f[4]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;
	char *f[NFIELDS];
	size_t i;

	if (++runs % RUNS_PER_DB == 0)
		reopen();
	for (i = 0; i < NFIELDS; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		f[i] = field(p, nl);
		p = nl < end ? nl + 1 : end;
	}
	exercise_hold(f, p, (size_t)(end - p));
	exercise_lists(f);
	for (i = 0; i < NFIELDS; i++)
		free(f[i]);
	return 0;
}
