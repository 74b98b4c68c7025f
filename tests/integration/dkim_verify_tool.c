/*
 * dkim_verify_tool.c - verifies many messages with ecluse's DKIM verifier in one
 * process, for the differential test against messages signed by python3-dkim
 * (tests/integration/test_dkim_verify_diff.py). Each message runs as the daemon runs
 * it: dkim_new(), then dkim_verify_step() until done, each wanted question answered
 * into the message's own DNS cache from the key records given on stdin, with one
 * struct dkim_keys shared by all messages as the daemon shares it.
 *
 * Input: records, each a line then raw bytes.
 *	"txt NAME LEN\n" LEN bytes: a TXT record of NAME (all records come before the
 *	    first message; names not given do not exist);
 *	"msg LEN NOW\n" LEN bytes: a message in wire form, verified at time NOW.
 * Output, one line per message: "none", or the results of its signatures in order,
 * each "result:d:reason" separated by TAB.
 * Bad input is a usage error: exit 2 with a message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dkim.h"
#include "auth/dns.h"
#include "common/xmalloc.h"
#include "tests/integration/tool_input.h"

/* Key records one run may hold. */
#define RECORDS_MAX 256

struct record {
	char		 name[DNS_NAME_MAX + 1];
	struct dns_rr	 rr;
};

static struct record records[RECORDS_MAX];
static size_t nrecords;

/* Answers the cache's wanted question from the records. */
static void
answer(struct dns_cache *c)
{
	struct dns_rr rr[DNS_RR_MAX];
	const char *name;
	enum dns_type type;
	size_t i, n = 0;

	if (dns_cache_wanted(c, &name, &type) != 0)
		tool_fail("the verifier wants DNS but names no question");
	for (i = 0; i < nrecords && type == DNS_T_TXT; i++)
		if (strcasecmp(records[i].name, name) == 0 && n < DNS_RR_MAX)
			rr[n++] = records[i].rr;
	if (dns_cache_put(c, name, strlen(name), type, n ? DNS_OK : DNS_NXDOMAIN, rr, n) != 0)
		tool_fail("DNS cache full");
}

static void
verify(const char *msg, size_t len, time_t now, struct dkim_keys *keys)
{
	struct dns_cache *c = dns_cache_new();
	struct dkim_ctx *ctx = dkim_new(msg, len, now);
	size_t i;

	dkim_use_keys(ctx, keys);
	while (dkim_verify_step(ctx, c) == DKIM_NEED_DNS)
		answer(c);
	if (dkim_nresults(ctx) == 0)
		printf("none");
	for (i = 0; i < dkim_nresults(ctx); i++) {
		const struct dkim_sigres *r = dkim_result(ctx, i);

		printf("%s%s:%s:%s", i ? "\t" : "", dkim_result_name(r->result), r->d,
		    r->reason);
	}
	printf("\n");
	dkim_free(ctx);
	dns_cache_free(c);
}

int
main(void)
{
	struct dkim_keys *keys = dkim_keys_new();
	size_t len, pos = 0;
	char *in = tool_read_stdin(&len);

	while (pos < len) {
		char *nl = memchr(in + pos, '\n', len - pos), *line = in + pos, word[8];
		char name[DNS_NAME_MAX + 1];
		unsigned long long n, now;
		char *msg;

		if (nl == NULL)
			tool_fail("record line without LF");
		*nl = '\0';
		pos = (size_t)(nl - in) + 1;
		if (sscanf(line, "%7s", word) != 1)
			tool_fail("empty record line");
		if (strcmp(word, "txt") == 0) {
			if (sscanf(line, "txt %255s %llu", name, &n) != 2 || n > len - pos)
				tool_fail("txt record needs NAME LEN");
			if (nrecords == RECORDS_MAX)
				tool_fail("too many records");
			memcpy(records[nrecords].name, name, sizeof(name));
			records[nrecords].rr.data = (unsigned char *)in + pos;
			records[nrecords].rr.len = (size_t)n;
			nrecords++;
		} else if (strcmp(word, "msg") == 0) {
			if (sscanf(line, "msg %llu %llu", &n, &now) != 2 || n > len - pos)
				tool_fail("msg record needs LEN NOW");
			/* A copy of its own, so ASan sees any read past the message. */
			msg = xmalloc(n ? (size_t)n : 1);
			memcpy(msg, in + pos, (size_t)n);
			verify(msg, (size_t)n, (time_t)now, keys);
			free(msg);
		} else
			tool_fail("unknown record type");
		pos += (size_t)n;
	}
	dkim_keys_free(keys);
	free(in);
	return fflush(stdout) == 0 ? 0 : 1;
}
