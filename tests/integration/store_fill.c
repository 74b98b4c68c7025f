/*
 * store_fill.c - test helper: holds messages in a store through the real API, as
 * ecluse-smtpd does, so that tests can drive eclusectl on them.
 *
 * Usage: store_fill DBPATH < LINES; one message per line, tab-separated:
 *     RECEIVED  FROM  RCPT[,RCPT...]  SUBJECT
 * RECEIVED is Unix seconds; FROM may be empty (null sender). The message is
 * "From: FROM\r\nSubject: SUBJECT\r\n\r\nbody of message N\r\n"; the store takes the
 * Subject from it. Prints each new id on its own line; exits 1 on any error.
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define FILL_LINE_MAX 4096
#define FILL_RCPTS_MAX 16

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

int
main(int argc, char **argv)
{
	char line[FILL_LINE_MAX], msg[FILL_LINE_MAX + 128], err[256];
	const char *rcpts[FILL_RCPTS_MAX];
	struct store *st;
	unsigned n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: store_fill DBPATH < LINES\n");
		return 2;
	}
	if (store_open(argv[1], &st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "store_fill: %s\n", err);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *fields[4], *p = line, *r;
		struct store_hold h;
		struct done d = { 0 };
		struct pollfd pfd = { .fd = store_completion_fd(st), .events = POLLIN };
		size_t i, nr = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		for (i = 0; i < 4; i++) {
			fields[i] = p;
			if (i < 3) {
				if ((p = strchr(p, '\t')) == NULL) {
					fprintf(stderr, "store_fill: want 4 tab-separated fields\n");
					return 1;
				}
				*p++ = '\0';
			}
		}
		for (r = strtok(fields[2], ","); r != NULL && nr < FILL_RCPTS_MAX;
		    r = strtok(NULL, ","))
			rcpts[nr++] = r;
		n++;
		snprintf(msg, sizeof(msg), "From: %s\r\nSubject: %s\r\n\r\nbody of message %u\r\n",
		    fields[1], fields[3], n);
		memset(&h, 0, sizeof(h));
		h.mail_from = fields[1];
		h.rcpts = rcpts;
		h.nrcpts = nr;
		h.client_addr = "192.0.2.7";
		h.helo = "mail.sender.example";
		h.auth_results = "mx.ecluse.test; spf=fail smtp.mailfrom=sender.example";
		h.auth_domain = "";
		h.verdict = "hold";
		h.reasons = "spf=fail";
		h.message = (const unsigned char *)msg;
		h.message_len = strlen(msg);
		h.received = strtoll(fields[0], NULL, 10);
		h.expires = h.received + 14 * 86400;
		if (store_hold_submit(st, &h, record, &d) != STORE_OK) {
			fprintf(stderr, "store_fill: %s\n", store_last_error(st));
			return 1;
		}
		while (d.calls == 0)
			if (poll(&pfd, 1, 10000) > 0)
				store_run_completions(st);
		if (d.err != STORE_OK) {
			fprintf(stderr, "store_fill: %s\n", store_strerror(d.err));
			return 1;
		}
		printf("%lld\n", (long long)d.id);
	}
	store_close(st);
	return 0;
}
