/*
 * dnssignals.c - "dnssignals SERVERS TIMEOUT_MS TRIES ZONES ADDRESS...": the
 * connect-time DNS signals of ecluse-smtpd (smtpd/dnsbl.c, smtpd/rdns.c) for each
 * client address, all started at once on one resolver, as the daemon starts them when
 * clients connect. Prints, once everything has called back:
 *	ADDRESS rdns STATUS [NAME]
 *	ADDRESS dnsbl ZONE STATUS [CODE]
 * Driven by test_policy_dns.py against nsd. Exit 0 when every lookup called back
 * exactly once, 1 otherwise, 2 for a bad zone list, 64 for a usage error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/resolver.h"
#include "smtpd/dnsbl.h"
#include "smtpd/rdns.h"

/* Addresses one run looks up. */
#define ADDRESSES_MAX 32
/* Each lookup's own deadline: longer than the resolver's tries, so that a DNS timeout
 * is seen as such rather than cut by the deadline. */
#define DEADLINE_MS 20000

struct client {
	const char		*text;
	struct sockaddr_storage	 ss;
	struct rdns		*rdns;
	struct dnsbl		*dnsbl;
	int			 rdns_calls;
	int			 dnsbl_calls;
};

static struct event_base *base;
static size_t remaining;

static void
one_done(void)
{
	if (--remaining == 0)
		event_base_loopbreak(base);
}

static void
on_rdns(void *arg)
{
	struct client *c = arg;

	c->rdns_calls++;
	one_done();
}

static void
on_dnsbl(void *arg)
{
	struct client *c = arg;

	c->dnsbl_calls++;
	one_done();
}

static int
sockaddr_of(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		return inet_pton(AF_INET6, text, &s6->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		return inet_pton(AF_INET, text, &s4->sin_addr) == 1 ? 0 : -1;
	}
}

int
main(int argc, char **argv)
{
	struct client cs[ADDRESSES_MAX];
	struct dnsbl_zones zones;
	enum dnsbl_zones_err zerr;
	const struct dnsbl_result *v;
	struct resolver *r;
	char err[256];
	size_t i, j, n;
	int status = 0;

	if (argc < 6 || argc - 5 > ADDRESSES_MAX) {
		fprintf(stderr, "usage: dnssignals SERVERS TIMEOUT_MS TRIES ZONES ADDRESS...\n");
		return 64;
	}
	if ((zerr = dnsbl_zones_parse(argv[4], strlen(argv[4]), &zones)) != DNSBL_ZONES_OK) {
		fprintf(stderr, "dnssignals: zones: %s\n", dnsbl_zones_strerror(zerr));
		return 2;
	}
	n = (size_t)argc - 5;
	for (i = 0; i < n; i++) {
		memset(&cs[i], 0, sizeof(cs[i]));
		cs[i].text = argv[5 + i];
		if (sockaddr_of(cs[i].text, &cs[i].ss) != 0) {
			fprintf(stderr, "dnssignals: not an address: %s\n", cs[i].text);
			return 64;
		}
	}
	base = event_base_new();
	r = resolver_new(base, argv[1], (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]),
	    err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "dnssignals: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&cs[i].ss;

		cs[i].rdns = rdns_start(r, base, sa, DEADLINE_MS, on_rdns, &cs[i]);
		cs[i].dnsbl = dnsbl_start(r, base, &zones, sa, DEADLINE_MS, on_dnsbl, &cs[i]);
		remaining += 2;
	}
	event_base_dispatch(base);
	for (i = 0; i < n; i++) {
		const struct rdns_result *rr = rdns_result(cs[i].rdns);

		if (cs[i].rdns_calls != 1 || cs[i].dnsbl_calls != 1)
			status = 1;
		printf("%s rdns %s%s%s\n", cs[i].text, rdns_status_name(rr->status),
		    rr->name[0] != '\0' ? " " : "", rr->name);
		for (j = 0; j < dnsbl_results(cs[i].dnsbl, &v); j++) {
			printf("%s dnsbl %s %s", cs[i].text, v[j].zone,
			    dnsbl_status_name(v[j].status));
			if (v[j].status == DNSBL_LISTED)
				printf(" %u", v[j].code);
			printf("\n");
		}
		rdns_free(cs[i].rdns);
		dnsbl_free(cs[i].dnsbl);
	}
	resolver_free(r);
	event_base_free(base);
	return status;
}
