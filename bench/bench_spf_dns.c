/*
 * bench_spf_dns.c - SPF checks per second against a real DNS server, and the same
 * resolver's bare question rate against that server, in one run.
 *
 *   bench_spf_dns SERVERS DOMAIN IP [SECONDS] [CONCURRENCY]
 *
 * "spf": CONCURRENCY checks in flight on one libevent loop, as ecluse-smtpd runs them:
 * each from an empty per-message cache, spf_check() until it needs an answer,
 * resolver_fill() (c-ares) for it, again from the callback; the result must be pass
 * for IP (the run stops otherwise: a benchmark of failures measures nothing).
 * "dns": the same loop, resolver and server answering one TXT question per fresh
 * cache: the floor a check that asks q questions in a row cannot beat. The ratio
 * printed is (checks/s * q) / (questions/s): 1.0 means SPF costs nothing but its DNS.
 * "spf, answers kept": the same checks with the answer cache ecluse-smtpd uses
 * (answer_cache.h): a sender that writes again within the records' TTL.
 */
#include "config.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "auth/answer_cache.h"
#include "auth/dns.h"
#include "auth/resolver.h"
#include "auth/spf.h"
#include "bench/bench.h"

#define CONCURRENCY_MAX 256
#define DNS_TIMEOUT_MS	2000
#define DNS_TRIES	2

enum phase { PH_DNS, PH_SPF };

struct slot {
	struct dns_cache	*cache;
	struct spf_outcome	 out;
};

static struct event_base *base;
static struct resolver *res;
static struct spf_request req;
static const char *domain;
static enum phase phase;
static int stopping;
static unsigned active;
static unsigned long done, questions;

static void next(struct slot *s);

static void
on_answer(void *arg, int stored)
{
	struct slot *s = arg;

	if (stored != 0)
		bench_die("bench_spf_dns", "DNS cache full");
	if (phase == PH_DNS) {
		done++;
		questions++;
		dns_cache_free(s->cache);
		s->cache = NULL;
	}
	next(s);
}

/* Starts or resumes the slot's work; a slot that stops lowers the active count. */
static void
next(struct slot *s)
{
	for (;;) {
		if (s->cache == NULL) {
			if (stopping) {
				if (--active == 0)
					event_base_loopexit(base, NULL);
				return;
			}
			s->cache = dns_cache_new();
			if (phase == PH_DNS)
				(void)dns_cache_get(s->cache, domain, strlen(domain), DNS_T_TXT);
		}
		if (phase == PH_SPF && spf_check(&req, s->cache, &s->out) == SPF_DONE) {
			if (s->out.result != SPF_PASS) {
				fprintf(stderr, "bench_spf_dns: %s (%s)\n",
				    spf_result_name(s->out.result), s->out.reason);
				exit(1);
			}
			done++;
			questions += dns_cache_size(s->cache);
			dns_cache_free(s->cache);
			s->cache = NULL;
			continue;
		}
		if (resolver_fill(res, s->cache, on_answer, s) == NULL)
			bench_die("bench_spf_dns", "no question to ask");
		return;
	}
}

static void
on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	stopping = 1;
}

/* Runs one phase; returns units done per second (questions/s of a phase in *q). */
static double
run(enum phase ph, double seconds, unsigned conc, double *qrate)
{
	static struct slot slots[CONCURRENCY_MAX];
	struct timeval tv = { (time_t)seconds, 0 };
	struct event *stop = evtimer_new(base, on_stop, NULL);
	double t0, t;
	unsigned i;

	phase = ph;
	stopping = 0;
	done = questions = 0;
	active = conc;
	memset(slots, 0, sizeof(slots));
	evtimer_add(stop, &tv);
	t0 = bench_now();
	for (i = 0; i < conc; i++)
		next(&slots[i]);
	event_base_dispatch(base);
	t = bench_now() - t0;
	event_free(stop);
	*qrate = (double)questions / t;
	return (double)done / t;
}

int
main(int argc, char **argv)
{
	double seconds = argc > 4 ? atof(argv[4]) : 3;
	unsigned conc = argc > 5 ? (unsigned)atoi(argv[5]) : 32;
	double qps, cps, cq, kps, unused;
	struct answer_cache *answers;
	char err[256];
	static char from[DNS_NAME_MAX + sizeof("bench@")];

	if (argc < 4 || seconds < 1 || conc == 0 || conc > CONCURRENCY_MAX) {
		fprintf(stderr, "usage: bench_spf_dns SERVERS DOMAIN IP [SECONDS] "
		    "[CONCURRENCY 1-%d]\n", CONCURRENCY_MAX);
		return 2;
	}
	domain = argv[2];
	memset(&req, 0, sizeof(req));
	if (inet_pton(AF_INET, argv[3], req.ip) == 1)
		req.family = AF_INET;
	else if (inet_pton(AF_INET6, argv[3], req.ip) == 1)
		req.family = AF_INET6;
	else
		bench_die("bench_spf_dns", "IP is not an address");
	req.helo = "mail.bench.test";
	req.helo_len = strlen(req.helo);
	snprintf(from, sizeof(from), "bench@%s", domain);
	req.mail_from = from;
	req.mail_from_len = strlen(from);
	req.now = time(NULL);
	if ((base = event_base_new()) == NULL)
		bench_die("bench_spf_dns", "event_base_new");
	if ((res = resolver_new(base, argv[1], DNS_TIMEOUT_MS, DNS_TRIES, err,
	    sizeof(err))) == NULL)
		bench_die("bench_spf_dns", err);
	/* one short round first: c-ares sockets open, the server's caches warm */
	(void)run(PH_SPF, 1, conc, &unused);
	qps = run(PH_DNS, seconds, conc, &unused);
	cps = run(PH_SPF, seconds, conc, &cq);
	answers = answer_cache_new();
	resolver_use_answers(res, answers);
	kps = run(PH_SPF, seconds, conc, &unused);
	printf("spf over DNS: %s from %s, %u in flight, %.0f s each\n", domain, argv[3], conc,
	    seconds);
	printf("  dns      %10.0f questions/s (one TXT question per fresh cache)\n", qps);
	printf("  spf      %10.0f checks/s    (pass, %.1f questions each, %.0f questions/s)\n",
	    cps, cps > 0 ? cq / cps : 0, cq);
	printf("  ratio    %10.2f             (questions/s during checks / bare questions/s)\n",
	    qps > 0 ? cq / qps : 0);
	printf("  spf, answers kept %10.0f checks/s (%.1f times the checks asking nsd)\n", kps,
	    cps > 0 ? kps / cps : 0);
	resolver_free(res);
	answer_cache_free(answers);
	event_base_free(base);
	return 0;
}
