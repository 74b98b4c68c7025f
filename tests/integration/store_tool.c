/*
 * store_tool.c - test-only: puts held messages in a store and reads back their state,
 * for test_reinject_*.py (the held copy as ecluse-smtpd's quarantine would write it,
 * and the release as ecluse-web or eclusectl would make it).
 *
 *   store_tool DB hold FROM RCPT[,RCPT...] FILE   prints the new id
 *   store_tool DB release ID token|operator
 *   store_tool DB audit                            one line per entry, oldest first
 *
 * (eclusectl held show and held release are the operator's: the tests use them.)
 *
 * Exit 0 on success, 1 with the store's error on stderr.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/store.h"

static int64_t held_id;
static enum store_err held_err = STORE_IO;

static int
fail(struct store *st, const char *what, enum store_err e)
{
	fprintf(stderr, "store_tool: %s: %s: %s\n", what, store_strerror(e),
	    st ? store_last_error(st) : "");
	store_close(st);
	return 1;
}

static void
on_hold(void *arg, enum store_err err, int64_t id)
{
	held_err = err;
	held_id = id;
}

static int
hold(struct store *st, const char *from, char *rcptlist, const char *file)
{
	const char *rcpts[STORE_RCPT_MAX];
	struct store_hold h;
	unsigned char *msg;
	size_t nr = 0, len;
	char *tok, *save = NULL;
	FILE *f;
	long sz;
	enum store_err e;
	time_t now = time(NULL);

	for (tok = strtok_r(rcptlist, ",", &save); tok && nr < STORE_RCPT_MAX;
	    tok = strtok_r(NULL, ",", &save))
		rcpts[nr++] = tok;
	if ((f = fopen(file, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (sz = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
		perror(file);
		return 1;
	}
	len = (size_t)sz;
	msg = malloc(len);
	if (msg == NULL || fread(msg, 1, len, f) != len) {
		perror(file);
		return 1;
	}
	fclose(f);
	memset(&h, 0, sizeof(h));
	h.mail_from = from;
	h.rcpts = rcpts;
	h.nrcpts = nr;
	h.client_addr = "192.0.2.1";
	h.helo = "client.test";
	h.auth_results = "mx.ecluse.test; spf=none";
	h.verdict = "hold";
	h.reasons = "test";
	h.auth_domain = "";
	h.subject = "";
	h.date = "";
	h.message = msg;
	h.message_len = len;
	h.received = now;
	h.expires = now + 86400;
	if ((e = store_hold_submit(st, &h, on_hold, NULL)) != STORE_OK) {
		free(msg);
		return fail(st, "hold", e);
	}
	store_close(st);	/* waits for the commit and runs on_hold */
	free(msg);
	if (held_err != STORE_OK)
		return fail(NULL, "hold", held_err);
	printf("%" PRId64 "\n", held_id);
	return 0;
}

static int
audit(struct store *st)
{
	struct store_audit_entry *v;
	size_t n, i;
	enum store_err e;

	if ((e = store_audit_list(st, 0, 0, &v, &n)) != STORE_OK)
		return fail(st, "audit", e);
	for (i = n; i > 0; i--)
		printf("%s %s %s\n", v[i - 1].who, v[i - 1].from, v[i - 1].what);
	store_audit_free(v, n);
	store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct store_actor by = { "test", "cli" };
	struct store *st;
	char err[256];
	enum store_err e;

	if (argc < 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: store_tool DB hold|release|audit ...\n");
		return 2;
	}
	if ((e = store_open(argv[1], &st, err, sizeof(err))) != STORE_OK) {
		fprintf(stderr, "store_tool: %s: %s\n", argv[1], err);
		return 1;
	}
	if (strcmp(argv[2], "hold") == 0 && argc == 6)
		return hold(st, argv[3], argv[4], argv[5]);
	if (strcmp(argv[2], "release") == 0 && argc == 5) {
		e = store_release(st, strtoll(argv[3], NULL, 10),
		    strcmp(argv[4], "token") == 0 ? STORE_BY_TOKEN : STORE_BY_OPERATOR,
		    (int64_t)time(NULL), &by);
		if (e != STORE_OK)
			return fail(st, "release", e);
		store_close(st);
		return 0;
	}
	if (strcmp(argv[2], "audit") == 0 && argc == 3)
		return audit(st);
	store_close(st);
	fprintf(stderr, "usage: store_tool DB hold|release|audit ...\n");
	return 2;
}
