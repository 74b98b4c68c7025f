/*
 * dkim_check.c - test harness: verifies one message file (wire form, CRLF) with
 * the DNS table of dkim_support.h at a given time, and prints one line per
 * signature: result, a=, d=, s=, testing flag, reason, tab-separated ("none" when
 * there is no signature). test_dkim_signed.py drives it.
 *
 *	dkim_check MESSAGE DNS-TABLE NOW
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "auth/dkim.h"
#include "tests/dkim/dkim_support.h"

int
main(int argc, char **argv)
{
	struct dnstable *t;
	struct dns_cache *c;
	struct dkim_ctx *ctx;
	size_t len, i;
	char *msg;

	if (argc != 4) {
		fprintf(stderr, "usage: dkim_check MESSAGE DNS-TABLE NOW\n");
		return 2;
	}
	msg = test_read_file(argv[1], &len, 0);
	t = dnstable_load(argv[2]);
	c = dns_cache_new();
	ctx = dkim_new(msg, len, (time_t)strtoll(argv[3], NULL, 10));
	dnstable_drive(t, ctx, c);
	if (dkim_nresults(ctx) == 0)
		printf("none\n");
	for (i = 0; i < dkim_nresults(ctx); i++) {
		const struct dkim_sigres *r = dkim_result(ctx, i);

		printf("%s\t%s\t%s\t%s\t%d\t%s\n", dkim_result_name(r->result), r->a, r->d,
		    r->s, r->testing, r->reason);
	}
	dkim_free(ctx);
	dns_cache_free(c);
	dnstable_free(t);
	free(msg);
	return 0;
}
