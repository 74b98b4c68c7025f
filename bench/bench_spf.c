/*
 * bench_spf.c - how fast spf_check() runs, on a realistic record set from a table.
 *
 * The sender domain redirects to a record with ip4/ip6 ranges, an include of a mail
 * provider (which includes its own netblocks) and mx; the client is the second MX
 * host, so every term runs before the match. Three figures, measured in one run:
 *   - warm: spf_check() over a cache that holds every answer: the cost of one
 *     restart, paid once per DNS answer in the daemon;
 *   - full: a whole check as the daemon drives it, from an empty cache, answering
 *     each wanted question from the table and restarting (DNS time excluded);
 *   - baseline: warm spf_check() of a one-term record (one TXT answer, one ip4
 *     match), the floor the two others are compared with.
 * Build without sanitizers for meaningful figures. Runs about 2 s.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "auth/dns.h"
#include "auth/spf.h"
#include "bench/bench.h"

/* Time spent on each figure. */
#define RUN_SECONDS 0.6

struct rec {
	const char	*name;
	enum dns_type	 type;
	const char	*data[4];
};

static const struct rec zone[] = {
	{ "example.com", DNS_T_TXT, { "v=spf1 redirect=_spf.example.com",
	    "google-site-verification=0123456789abcdef", "MS=ms12345678" } },
	{ "_spf.example.com", DNS_T_TXT, { "v=spf1 ip4:192.0.2.0/25 ip4:192.0.2.128/26 "
	    "ip6:2001:db8:1::/48 include:_spf.provider.example mx:example.com ~all" } },
	{ "_spf.provider.example", DNS_T_TXT, { "v=spf1 ip4:203.0.113.0/26 "
	    "ip4:203.0.113.64/27 ip6:2001:db8:ff::/48 include:_netblocks.provider.example "
	    "-all" } },
	{ "_netblocks.provider.example", DNS_T_TXT, { "v=spf1 ip4:198.18.0.0/20 "
	    "ip4:198.18.16.0/21 ip4:198.18.32.0/22 ip6:2001:db8:fe::/48 ~all" } },
	{ "example.com", DNS_T_MX, { "mx1.example.com", "mx2.example.com" } },
	{ "mx1.example.com", DNS_T_A, { "198.51.100.10" } },
	{ "mx2.example.com", DNS_T_A, { "198.51.100.20", "198.51.100.21" } },
	{ "baseline.example", DNS_T_TXT, { "v=spf1 ip4:198.51.100.21 -all" } },
};

static void
answer(struct dns_cache *c)
{
	const char *name;
	enum dns_type type;
	struct dns_rr rr[4];
	unsigned char addr[4][4];
	size_t i, n;

	if (dns_cache_wanted(c, &name, &type) < 0)
		abort();
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (zone[i].type != type || strcmp(zone[i].name, name) != 0)
			continue;
		for (n = 0; n < 4 && zone[i].data[n] != NULL; n++) {
			memset(&rr[n], 0, sizeof(rr[n]));
			if (type == DNS_T_A) {
				if (inet_pton(AF_INET, zone[i].data[n], addr[n]) != 1)
					abort();
				rr[n].data = addr[n];
				rr[n].len = 4;
			} else {
				rr[n].data = (unsigned char *)zone[i].data[n];
				rr[n].len = strlen(zone[i].data[n]);
				rr[n].pref = (unsigned)n * 10;
			}
		}
		if (dns_cache_put(c, name, strlen(name), type, DNS_OK, rr, n) < 0)
			abort();
		return;
	}
	if (dns_cache_put(c, name, strlen(name), type, DNS_NXDOMAIN, NULL, 0) < 0)
		abort();
}

/* A whole check from an empty cache; returns the restarts. */
static unsigned
full_check(const struct spf_request *req, struct spf_outcome *out)
{
	struct dns_cache *c = dns_cache_new();
	unsigned restarts = 0;

	while (spf_check(req, c, out) == SPF_NEED_DNS) {
		answer(c);
		restarts++;
	}
	dns_cache_free(c);
	return restarts;
}

/* Runs spf_check over a warm cache for RUN_SECONDS; evaluations per second. */
static double
rate_warm(const struct spf_request *req, struct dns_cache *c)
{
	struct spf_outcome out;
	unsigned long n = 0, i;
	double t0 = bench_now(), t;

	do {
		for (i = 0; i < 1000; i++)
			if (spf_check(req, c, &out) != SPF_DONE)
				abort();
		n += 1000;
	} while ((t = bench_now() - t0) < RUN_SECONDS);
	return (double)n / t;
}

static double
rate_full(const struct spf_request *req)
{
	struct spf_outcome out;
	unsigned long n = 0, i;
	double t0 = bench_now(), t;

	do {
		for (i = 0; i < 100; i++)
			full_check(req, &out);
		n += 100;
	} while ((t = bench_now() - t0) < RUN_SECONDS);
	return (double)n / t;
}

int
main(void)
{
	struct spf_request req, base;
	struct spf_outcome out;
	struct dns_cache *c, *cb;
	unsigned restarts, terms;
	double warm, full, floor;

	memset(&req, 0, sizeof(req));
	req.family = AF_INET;
	if (inet_pton(AF_INET, "198.51.100.21", req.ip) != 1)
		return 1;
	req.helo = "mx2.example.com";
	req.helo_len = strlen(req.helo);
	req.mail_from = "newsletter@example.com";
	req.mail_from_len = strlen(req.mail_from);
	req.now = 1700000000;
	base = req;
	base.mail_from = "newsletter@baseline.example";
	base.mail_from_len = strlen(base.mail_from);

	restarts = full_check(&req, &out);
	if (out.result != SPF_PASS || strcmp(out.mechanism, "mx:example.com") != 0) {
		fprintf(stderr, "bench_spf: unexpected outcome %s %s (%s)\n",
		    spf_result_name(out.result), out.mechanism, out.reason);
		return 1;
	}
	terms = out.dns_terms;
	c = dns_cache_new();
	while (spf_check(&req, c, &out) == SPF_NEED_DNS)
		answer(c);
	cb = dns_cache_new();
	while (spf_check(&base, cb, &out) == SPF_NEED_DNS)
		answer(cb);
	if (out.result != SPF_PASS) {
		fprintf(stderr, "bench_spf: baseline gave %s (%s)\n", spf_result_name(out.result),
		    out.reason);
		return 1;
	}

	floor = rate_warm(&base, cb);
	warm = rate_warm(&req, c);
	full = rate_full(&req);
	printf("bench_spf: redirect + include + include + ip4/ip6 + mx, match on the 2nd MX "
	    "(%u DNS answers, %u DNS-querying terms)\n", restarts, terms);
	printf("baseline  %10.0f evaluations/s  (warm cache, one ip4 term)\n", floor);
	printf("warm      %10.0f evaluations/s  (%.2f us each, %.1f times the baseline's "
	    "cost)\n", warm, 1e6 / warm, floor / warm);
	printf("full      %10.0f checks/s       (%.2f us each with %u restarts, %.1f times "
	    "the baseline's cost)\n", full, 1e6 / full, restarts, floor / full);
	dns_cache_free(c);
	dns_cache_free(cb);
	return 0;
}
