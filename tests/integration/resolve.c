/*
 * resolve.c - "resolve SERVERS TIMEOUT_MS TRIES TYPE NAME...": asks each question
 * through auth/resolver.c (c-ares in a libevent loop) into one DNS cache, all at once,
 * and prints one line per answer: "NAME TYPE RESULT [record]...". A and AAAA are
 * printed as addresses, TXT as a quoted string (bytes outside printable ASCII as
 * \xHH), MX as "pref:host", PTR as the host. Driven by test_auth_resolver.py against
 * nsd; exit 0 when every question got an answer stored.
 */
#include "config.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dns.h"
#include "auth/resolver.h"

/* Questions one run asks. */
#define RESOLVE_MAX 32

struct question {
	const char		*name;
	enum dns_type		 type;
	struct dns_cache	*cache;	/* one per question: they are asked in parallel */
	int			 answered;
	int			 stored;
};

static struct event_base *base;
static size_t remaining;

static const char *
result_name(enum dns_result r)
{
	switch (r) {
	case DNS_OK:
		return "OK";
	case DNS_NXDOMAIN:
		return "NXDOMAIN";
	case DNS_NODATA:
		return "NODATA";
	case DNS_TIMEOUT:
		return "TIMEOUT";
	case DNS_SERVFAIL:
		return "SERVFAIL";
	}
	return "?";
}

static void
on_answer(void *arg, int stored)
{
	struct question *q = arg;

	q->answered = 1;
	q->stored = stored;
	if (--remaining == 0)
		event_base_loopbreak(base);
}

static void
print_rr(enum dns_type type, const struct dns_rr *rr)
{
	char addr[INET6_ADDRSTRLEN];
	size_t i;

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		inet_ntop(type == DNS_T_A ? AF_INET : AF_INET6, rr->data, addr, sizeof(addr));
		printf(" %s", addr);
		break;
	case DNS_T_TXT:
		printf(" \"");
		for (i = 0; i < rr->len; i++) {
			unsigned char c = rr->data[i];

			if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
				printf("\\x%02x", c);
			else
				putchar(c);
		}
		printf("\"");
		break;
	case DNS_T_MX:
		printf(" %u:%s", rr->pref, (const char *)rr->data);
		break;
	case DNS_T_PTR:
		printf(" %s", (const char *)rr->data);
		break;
	}
}

int
main(int argc, char **argv)
{
	static const struct { const char *name; enum dns_type type; } types[] = {
		{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX },
		{ "TXT", DNS_T_TXT }, { "PTR", DNS_T_PTR },
	};
	struct question qs[RESOLVE_MAX];
	struct resolver *r;
	char err[256];
	size_t i, j, n;
	int status = 0;

	if (argc < 6 || argc - 5 > RESOLVE_MAX) {
		fprintf(stderr, "usage: resolve SERVERS TIMEOUT_MS TRIES TYPE NAME...\n");
		return 64;
	}
	for (j = 0; j < sizeof(types) / sizeof(types[0]); j++)
		if (strcasecmp(argv[4], types[j].name) == 0)
			break;
	if (j == sizeof(types) / sizeof(types[0])) {
		fprintf(stderr, "resolve: unknown type %s\n", argv[4]);
		return 64;
	}
	base = event_base_new();
	r = resolver_new(base, argv[1], (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]),
	    err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "resolve: %s\n", err);
		return 1;
	}
	n = (size_t)argc - 5;
	for (i = 0; i < n; i++) {
		qs[i].name = argv[5 + i];
		qs[i].type = types[j].type;
		qs[i].cache = dns_cache_new();
		qs[i].answered = 0;
		qs[i].stored = 0;
		if (dns_cache_get(qs[i].cache, qs[i].name, strlen(qs[i].name), qs[i].type) !=
		    NULL) {
			qs[i].answered = 1;	/* answered by the cache itself (bad name) */
			continue;
		}
		if (resolver_fill(r, qs[i].cache, on_answer, &qs[i]) != NULL)
			remaining++;
	}
	if (remaining > 0)
		event_base_dispatch(base);
	for (i = 0; i < n; i++) {
		const struct dns_rrset *set = dns_cache_get(qs[i].cache, qs[i].name,
		    strlen(qs[i].name), qs[i].type);

		if (!qs[i].answered || qs[i].stored != 0 || set == NULL) {
			printf("%s %s UNANSWERED\n", qs[i].name, types[j].name);
			status = 1;
		} else {
			printf("%s %s %s", qs[i].name, types[j].name, result_name(set->result));
			for (size_t k = 0; k < set->n; k++)
				print_rr(qs[i].type, &set->rr[k]);
			printf("\n");
		}
		dns_cache_free(qs[i].cache);
	}
	resolver_free(r);
	event_base_free(base);
	return status;
}
