/*
 * web_seed.c - test helper for the ecluse-web integration tests: puts a held message
 * in a store through the store API (as ecluse-smtpd would) and prints its release
 * token, or prints what the store says about a message afterwards.
 *
 *   web_seed hold STORE KEYFILE FROM RCPT[,RCPT...] SUBJECT EXPIRES_IN_SECONDS
 *       -> "ID TOKEN"     (EXPIRES_IN may be negative: an expired token)
 *   web_seed show STORE ID
 *       -> "state=NAME spent=0|1 queue=N"
 *   web_seed wl STORE RCPT SENDER
 *       -> "allows=N blocks=M" (the entries that apply to that mail)
 *   web_seed release STORE ID   (as an operator: the token stays unspent)
 *   web_seed delete STORE ID
 *   web_seed rtoken STORE KEYFILE ADDRESS EXPIRES_IN_SECONDS [KIND]
 *       -> "RID TOKEN"  (a recipient page token; KIND 1 makes a release-kind token
 *                        for the same id, which the page must refuse)
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/token.h"
#include "common/xmalloc.h"
#include "store/store.h"

static enum store_err held_err = STORE_IO;
static int64_t held_id;

static void
done(void *arg, enum store_err err, int64_t id)
{
	held_err = err;
	held_id = id;
}

static struct store *
open_store(const char *path)
{
	struct store *st;
	char err[256];

	if (store_open(path, &st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "web_seed: %s\n", err);
		exit(1);
	}
	return st;
}

static int
hold(int argc, char **argv)
{
	static const char msg[] = "From: a@example.net\r\nSubject: x\r\n\r\nbody\r\n";
	struct store_hold h;
	struct token_key *key;
	struct store *st;
	struct pollfd pfd;
	char err[256], tok[TOKEN_LEN + 1];
	char *rcpts = xstrdup(argv[5]), *p, **v = NULL;
	size_t n = 0;
	int64_t now = (int64_t)time(NULL), exp_in = strtoll(argv[7], NULL, 10);

	if (token_key_load(argv[3], &key, err, sizeof(err)) != TOKEN_KEY_OK) {
		fprintf(stderr, "web_seed: %s\n", err);
		return 1;
	}
	for (p = strtok(rcpts, ","); p != NULL; p = strtok(NULL, ",")) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = p;
	}
	st = open_store(argv[2]);
	memset(&h, 0, sizeof(h));
	h.mail_from = argv[4];
	h.rcpts = (const char *const *)v;
	h.nrcpts = n;
	h.client_addr = "192.0.2.25";
	h.helo = "mx.example.net";
	h.auth_results = "test; spf=none";
	h.auth_domain = "";
	h.verdict = "hold";
	h.reasons = "test";
	h.subject = argv[6];
	h.date = "Sun, 22 Nov 2026 10:00:00 +0000";
	h.message = (const unsigned char *)msg;
	h.message_len = sizeof(msg) - 1;
	/* an expired token still needs a message whose window was open once */
	h.received = exp_in > 0 ? now : now + exp_in - 60;
	h.expires = now + exp_in;
	if (store_hold_submit(st, &h, done, NULL) != STORE_OK)
		return 1;
	pfd.fd = store_completion_fd(st);
	pfd.events = POLLIN;
	while (store_run_completions(st) == 0)
		poll(&pfd, 1, 1000);
	store_close(st);
	if (held_err != STORE_OK) {
		fprintf(stderr, "web_seed: hold: %s\n", store_strerror(held_err));
		return 1;
	}
	token_make(key, TOKEN_RELEASE, (uint64_t)held_id, now + exp_in, tok);
	printf("%lld %s\n", (long long)held_id, tok);
	token_key_free(key);
	free(v);
	free(rcpts);
	return 0;
}

static int
show(const char *path, const char *id)
{
	struct store *st = open_store(path);
	struct store_held h;
	struct store_stats s;
	enum store_err e;

	memset(&h, 0, sizeof(h));
	if ((e = store_held_get(st, strtoll(id, NULL, 10), false, &h)) != STORE_OK ||
	    (e = store_stats(st, (int64_t)time(NULL), &s)) != STORE_OK) {
		fprintf(stderr, "web_seed: %s\n", store_strerror(e));
		return 1;
	}
	printf("state=%s spent=%d queue=%llu\n", store_state_name(h.state), h.token_spent ? 1 : 0,
	    (unsigned long long)s.queue);
	store_held_clear(&h);
	store_close(st);
	return 0;
}

static int
wl(const char *path, const char *rcpt, const char *sender)
{
	struct store *st = open_store(path);
	struct store_wl_entry *v;
	size_t n;

	size_t i, blocks = 0;

	if (store_wl_lookup(st, rcpt, sender, (int64_t)time(NULL), &v, &n) != STORE_OK)
		return 1;
	for (i = 0; i < n; i++)
		blocks += v[i].action == STORE_WL_BLOCK;
	printf("allows=%zu blocks=%zu\n", n - blocks, blocks);
	store_wl_free(v, n);
	store_close(st);
	return 0;
}

static int
change(const char *what, const char *path, const char *id)
{
	struct store *st = open_store(path);
	struct store_actor by = { "admin:test", "cli" };
	enum store_err e;

	if (strcmp(what, "release") == 0)
		e = store_release(st, strtoll(id, NULL, 10), STORE_BY_OPERATOR,
		    (int64_t)time(NULL), &by);
	else
		e = store_held_delete(st, strtoll(id, NULL, 10), (int64_t)time(NULL), &by);
	store_close(st);
	if (e != STORE_OK) {
		fprintf(stderr, "web_seed: %s: %s\n", what, store_strerror(e));
		return 1;
	}
	return 0;
}

static int
rtoken(int argc, char **argv)
{
	struct store *st = open_store(argv[2]);
	struct token_key *key;
	char err[256], tok[TOKEN_LEN + 1];
	int64_t rid, now = (int64_t)time(NULL);
	enum token_kind kind = argc == 7 && strcmp(argv[6], "1") == 0 ? TOKEN_RELEASE :
	    TOKEN_RECIPIENT;

	if (token_key_load(argv[3], &key, err, sizeof(err)) != TOKEN_KEY_OK) {
		fprintf(stderr, "web_seed: %s\n", err);
		return 1;
	}
	if (store_recipient_id(st, argv[4], now, &rid) != STORE_OK) {
		fprintf(stderr, "web_seed: recipient_id: %s\n", store_last_error(st));
		return 1;
	}
	token_make(key, kind, (uint64_t)rid, now + strtoll(argv[5], NULL, 10), tok);
	printf("%lld %s\n", (long long)rid, tok);
	token_key_free(key);
	store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "rtoken") == 0)
		return rtoken(argc, argv);
	if (argc == 8 && strcmp(argv[1], "hold") == 0)
		return hold(argc, argv);
	if (argc == 4 && strcmp(argv[1], "show") == 0)
		return show(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "wl") == 0)
		return wl(argv[2], argv[3], argv[4]);
	if (argc == 4 && (strcmp(argv[1], "release") == 0 || strcmp(argv[1], "delete") == 0))
		return change(argv[1], argv[2], argv[3]);
	fprintf(stderr, "usage: see tests/integration/web_seed.c\n");
	return 2;
}
