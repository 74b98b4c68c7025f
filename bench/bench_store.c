/*
 * bench_store.c - held-message commits per second through store_hold_submit, with
 * group commit (INFLIGHT submits outstanding at once, as that many SMTP sessions
 * waiting for their 550) against one transaction per message (one outstanding submit:
 * every commit carries one message and pays one sync), in the same run, on the same
 * file system. Prints both rates, the transactions each needed, and the ratio.
 *
 * Usage: bench_store [MESSAGES [INFLIGHT [DIR]]]   defaults: 1000 64 $TMPDIR or /tmp
 * DIR must be on the disk under test (not tmpfs, where a sync costs nothing).
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "bench/bench.h"

#define BODY_BYTES 4096

static unsigned char body[BODY_BYTES];
static const char *const rcpts[] = { "bob@example.org" };

struct run {
	struct store	*st;
	size_t		 total, submitted, done, failed;
};

static void submit_one(struct run *r);

static void
completed(void *arg, enum store_err err, int64_t id)
{
	struct run *r = arg;

	r->done++;
	if (err != STORE_OK)
		r->failed++;
	if (r->submitted < r->total)
		submit_one(r);
}

static void
submit_one(struct run *r)
{
	struct store_hold h = {
		.mail_from = "sender@sender.example", .rcpts = rcpts, .nrcpts = 1,
		.client_addr = "192.0.2.7", .helo = "mail.sender.example",
		.auth_results = "mx.example.org; spf=fail", .auth_domain = "",
		.verdict = "hold",
		.reasons = "spf=fail", .subject = "bench", .date = "",
		.message = body, .message_len = sizeof(body),
		.received = 1700000000, .expires = 1700000000 + 14 * 86400,
	};

	if (store_hold_submit(r->st, &h, completed, r) != STORE_OK) {
		fprintf(stderr, "submit: %s\n", store_last_error(r->st));
		exit(1);
	}
	r->submitted++;
}

/* Commits total holds with inflight outstanding; returns messages per second. */
static double
run(const char *dir, const char *name, size_t total, size_t inflight, uint64_t *txns)
{
	struct store_commit_stats cs;
	struct run r = { .total = total };
	struct pollfd pfd;
	char path[512], err[256];
	double t0, t1;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	unlink(path);
	if (store_open(path, &r.st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	pfd.fd = store_completion_fd(r.st);
	pfd.events = POLLIN;
	t0 = bench_now();
	for (i = 0; i < inflight && r.submitted < total; i++)
		submit_one(&r);
	while (r.done < total) {
		if (poll(&pfd, 1, -1) > 0)
			store_run_completions(r.st);
	}
	t1 = bench_now();
	store_commit_stats(r.st, &cs);
	*txns = cs.transactions;
	store_close(r.st);
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	unlink(path);
	if (r.failed > 0) {
		fprintf(stderr, "%zu commits failed\n", r.failed);
		exit(1);
	}
	return (double)total / (t1 - t0);
}

int
main(int argc, char **argv)
{
	size_t total = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	size_t inflight = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	const char *base = argc > 3 ? argv[3] : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dir[512];
	uint64_t tx_group, tx_single;
	double group, single;
	size_t i;

	if (total == 0 || inflight == 0) {
		fprintf(stderr, "usage: bench_store [MESSAGES [INFLIGHT [DIR]]]\n");
		return 2;
	}
	for (i = 0; i < sizeof(body); i++)
		body[i] = (unsigned char)('a' + i % 26);
	snprintf(dir, sizeof(dir), "%s/ecluse-bench-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	single = run(dir, "single", total, 1, &tx_single);
	group = run(dir, "group", total, inflight, &tx_group);
	rmdir(dir);
	printf("held-message commits, %zu messages of %d bytes, synchronous=FULL, in %s\n",
	    total, BODY_BYTES, base);
	printf("one transaction per message: %8.0f msg/s  (%llu transactions)\n", single,
	    (unsigned long long)tx_single);
	printf("group commit, %3zu in flight: %8.0f msg/s  (%llu transactions)\n", inflight,
	    group, (unsigned long long)tx_group);
	printf("ratio group/single: %.1fx\n", group / single);
	return 0;
}
