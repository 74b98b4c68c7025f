/*
 * reinject_run.c - test-only: the re-injection runner alone in an event loop, wired
 * exactly as ecluse-smtpd's main wires it (config, resolver, relay pool, store,
 * reinject_new), until ecluse-smtpd runs it itself. Used by test_reinject_*.py.
 *
 *   reinject_run -c FILE [-r RETRY_FIRST] [-m RETRY_MAX] [-l LIFETIME] [-j CONCURRENCY]
 *
 * The options stand for the config keys ecluse-smtpd will read (seconds; defaults:
 * the REINJECT_* constants). Logs to stderr; prints "event=start" when running;
 * SIGTERM or SIGINT stops it cleanly (reinject_free, then the pool and the store).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <sodium.h>

#include "common/config.h"
#include "common/log.h"
#include "smtpd/pool.h"
#include "smtpd/reinject.h"
#include "store/store.h"

static unsigned
number(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > 100000000ul) {
		fprintf(stderr, "reinject_run: %s: not a positive number\n", s);
		exit(2);
	}
	return (unsigned)v;
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("event=stop signal=%d", (int)sig);
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct reinject_limits lim = { REINJECT_RETRY_FIRST, REINJECT_RETRY_MAX,
	    REINJECT_LIFETIME, REINJECT_CONCURRENCY };
	const char *path = NULL;
	char err[CONFIG_ERR_MAX];
	struct config *cf;
	struct event_base *base;
	struct evdns_base *dns;
	struct relay_pool *pool;
	struct store *st;
	struct reinject *rj;
	struct event *sigint, *sigterm;
	int ch;

	while ((ch = getopt(argc, argv, "c:r:m:l:j:")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'r': lim.retry_first = number(optarg); break;
		case 'm': lim.retry_max = number(optarg); break;
		case 'l': lim.lifetime = number(optarg); break;
		case 'j': lim.concurrency = number(optarg); break;
		default:
			fprintf(stderr, "usage: reinject_run -c FILE [-r S] [-m S] [-l S] [-j N]\n");
			return 2;
		}
	}
	if (path == NULL || optind != argc)
		return 2;
	if ((cf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "reinject_run: %s\n", err);
		return 2;
	}
	log_init("reinject_run", 1, LOG_LVL_DEBUG);
	if (sodium_init() < 0)
		log_fatal("event=start error=\"libsodium init failed\"");
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		log_fatal("event=start error=\"cannot create event base\"");
	if ((dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (dns = evdns_base_new(base, 0)) == NULL)
		log_fatal("event=start error=\"cannot create resolver\"");
	pool = pool_new(base, dns, cf);

	/* --- the wiring ecluse-smtpd's main needs, in this order --- */
	if (store_open(cf->store_path, &st, err, sizeof(err)) != STORE_OK)
		log_fatal("event=start error=\"[store] path %s: %s\"", cf->store_path, err);
	rj = reinject_new(base, pool, st, cf, &lim);
	/* --- */

	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	log_info("event=start lease=%lld", (long long)reinject_lease(cf));
	event_base_dispatch(base);

	reinject_free(rj);
	pool_free(pool);
	store_close(st);
	event_free(sigint);
	event_free(sigterm);
	evdns_base_free(dns, 0);
	event_base_free(base);
	config_free(cf);
	return 0;
}
