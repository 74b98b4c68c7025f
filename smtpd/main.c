/*
 * main.c - ecluse-smtpd: options, config, privileges, the event loop.
 *
 *   ecluse-smtpd -c FILE [-f] [-d] [-n] [-D DATADIR]
 *
 * -f stays in the foreground and logs to stderr; -d logs debug lines; -n checks the
 * configuration (and the TLS files) and exits; -D names the folder holding
 * templates/ (default: where make install puts it). The same flags as ecluse-web. Exit 2 on a
 * configuration error (the message names file, line and key), 1 on a start-up failure.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "auth/answer_cache.h"
#include "auth/resolver.h"
#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "common/template.h"
#include "common/token.h"
#include "digest/schedule.h"
#include "store/store.h"
#include "smtpd/pool.h"
#include "smtpd/reinject.h"
#include "smtpd/server.h"
#include "smtpd/session.h"
#include "smtpd/tls.h"

/* RFC 7208 4.6.4: an SPF check should be allowed at least 20 seconds. */
#define AUTH_SPF_TIMEOUT_MS 20000
/* DKIM key and DMARC record lookups after the end of data: the client is waiting. */
#define AUTH_MSG_TIMEOUT_MS 15000

static void
usage(void)
{
	fprintf(stderr, "usage: ecluse-smtpd -c FILE [-f] [-d] [-n] [-D DATADIR]\n");
	exit(2);
}

static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (user[0] == '\0')
		return;
	if (geteuid() != 0)
		log_fatal("event=start error=\"[smtpd] user is set but not started as root\"");
	if ((pw = getpwnam(user)) == NULL)
		log_fatal("event=start error=\"[smtpd] user: no such user %s\"", user);
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		log_fatal("event=start error=\"cannot drop privileges to %s: %s\"", user,
		    strerror(errno));
}

/*
 * Started as root with [smtpd] user set: on (1), the effective ids become the user's,
 * for what the daemon creates on disk; off (0), root's again, to bind the port.
 * drop_privileges() then gives up root for good.
 */
static void
as_user(const char *user, int on)
{
	struct passwd *pw;

	if (user[0] == '\0' || getuid() != 0)
		return;
	if (!on) {
		if (seteuid(0) != 0 || setegid(0) != 0)
			log_fatal("event=start error=\"cannot regain root: %s\"", strerror(errno));
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		log_fatal("event=start error=\"[smtpd] user: no such user %s\"", user);
	if (setegid(pw->pw_gid) != 0 || seteuid(pw->pw_uid) != 0)
		log_fatal("event=start error=\"cannot act as %s: %s\"", user, strerror(errno));
}

/* SIGHUP: the configuration is read again. New sessions use the new one; a session
 * keeps the configuration it started with (env->conf), so nothing is dropped, and a
 * replaced configuration is freed when its last session ends: memory stays bounded
 * however often a cron job reloads. The pool, the re-injection runner and the digest
 * schedule switch at once (they keep no pointer into a configuration across a
 * callback). The listening address, TLS files, store and templates are read at start
 * only. */
struct reload {
	const char		*path;
	struct smtpd_env	*env;
	struct reinject		*rj;
	struct digest_sched	*digest;
};

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct reload *rl = arg;
	struct smtpd_env *env = rl->env;
	const struct config *old = env->cf;
	char err[CONFIG_ERR_MAX];
	struct dnsbl_zones zones;
	struct digest_when when;
	const char *why;
	struct config *cf;

	if ((cf = config_load(rl->path, err, sizeof(err))) == NULL) {
		log_err("event=reload_failed error=\"%s\" config=kept", err);
		return;
	}
	if (digest_when_parse(cf->digest_interval, cf->digest_at, strlen(cf->digest_at),
	    &when, &why) != 0) {
		log_err("event=reload_failed error=\"%s: [digest] %s\" config=kept", rl->path,
		    why);
		config_free(cf);
		return;
	}
	if (dnsbl_zones_parse(cf->dnsbl_zones, strlen(cf->dnsbl_zones), &zones) !=
	    DNSBL_ZONES_OK) {
		log_err("event=reload_failed error=\"%s: [policy] dnsbl_zones\" config=kept",
		    rl->path);
		config_free(cf);
		return;
	}
	if (cf->smtpd_listen.port != old->smtpd_listen.port ||
	    strcmp(cf->smtpd_listen.host, old->smtpd_listen.host) != 0 ||
	    strcmp(cf->tls_cert, old->tls_cert) != 0 || strcmp(cf->tls_key, old->tls_key) != 0 ||
	    strcmp(cf->store_path, old->store_path) != 0)
		log_warn("event=reload what=\"listen, tls and store changes need a restart\"");
	/* everything that reads the current one moves first: old may go at once */
	env->cf = cf;
	env->dnsbl_zones = zones;
	pool_set_config(env->pool, cf);
	reinject_set_config(rl->rj, cf);
	digest_sched_set(rl->digest, cf, &when);
	snapshot_publish(env->conf, cf);
	log_info("event=reload domains=%zu replaced_in_use=%lu", cf->ndomains,
	    snapshot_retired(env->conf));
}

/* What ecluse-smtpd renders (the 550 of a held message, the digest) in each language
 * it writes: a partial install is refused at start, not found on the first hold.
 * Returns 1 and the first one missing, or 0. */
static int
missing_template(const struct tmpl_set *t, const char **lang, const char **name)
{
	static const char *const langs[] = { "en", "fr" };
	static const char *const names[] = { "smtp-held.txt", "digest.subject", "digest.txt",
	    "digest.html", "digest-row.txt", "digest-row.html" };
	size_t l, n;

	for (l = 0; l < sizeof(langs) / sizeof(langs[0]); l++)
		for (n = 0; n < sizeof(names) / sizeof(names[0]); n++)
			if (tmpl_set_get(t, langs[l], names[n]) == NULL) {
				*lang = langs[l];
				*name = names[n];
				return 1;
			}
	return 0;
}

static void
free_config(void *cf)
{
	config_free(cf);
}

struct purge {
	struct store		*store;
	const struct smtpd_env	*env;
	struct event		*ev;
};

/* The scheduled clean-up of the store (expired held copies lose their content). */
static void
on_purge(evutil_socket_t fd, short what, void *arg)
{
	struct purge *pg = arg;
	struct store_purge_result r;
	struct timeval tv = { (time_t)pg->env->cf->purge_interval, 0 };
	enum store_err e;

	e = store_purge(pg->store, (int64_t)time(NULL),
	    (int64_t)pg->env->cf->keep_days * 86400, &r);
	if (e != STORE_OK)
		log_err("event=purge_failed error=\"%s: %s\"", store_strerror(e),
		    store_last_error(pg->store));
	else if (r.expired + r.removed + r.challenges + r.whitelist + r.senders > 0)
		log_info("event=purge expired=%llu removed=%llu challenges=%llu whitelist=%llu "
		    "senders=%llu", (unsigned long long)r.expired,
		    (unsigned long long)r.removed, (unsigned long long)r.challenges,
		    (unsigned long long)r.whitelist, (unsigned long long)r.senders);
	evtimer_add(pg->ev, &tv);
}

static void
on_store(evutil_socket_t fd, short what, void *arg)
{
	store_run_completions(arg);
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
	const char *path = NULL, *datadir = ECLUSE_DATADIR;
	char tpath[4096];
	struct event *store_ev;
	struct answer_cache *answers = NULL;
	struct token_key *key;
	struct tmpl_set *tmpl;
	struct store *store;
	struct reinject *rj;
	struct reload rl_state;
	struct purge pg;
	struct event *sighup = NULL;
	struct reinject_limits rl;
	struct digest_sched *digest;
	struct digest_when when;
	const char *why, *lang, *name;
	int foreground = 0, debug = 0, check = 0, ch, rc = 0;
	char err[CONFIG_ERR_MAX];
	struct config *cf;
	struct smtpd_env env;
	struct server *srv = NULL;
	struct evdns_base *dns;
	struct event *sigint, *sigterm;

	while ((ch = getopt(argc, argv, "c:fdnD:")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'd': debug = 1; break;
		case 'D': datadir = optarg; break;
		case 'n': check = 1; break;
		default: usage();
		}
	}
	if (path == NULL || optind != argc)
		usage();
	if ((cf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-smtpd: %s\n", err);
		return 2;
	}
	log_init("ecluse-smtpd", foreground, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (sodium_init() < 0)
		log_fatal("event=start error=\"libsodium init failed\"");
	signal(SIGPIPE, SIG_IGN);

	memset(&env, 0, sizeof(env));
	env.cf = cf;
	if (cf->tls_cert[0] != '\0' &&
	    (env.tls = tls_server_ctx(cf->tls_cert, cf->tls_key, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-smtpd: %s: [smtpd] tls_cert %s, tls_key %s: %s\n",
		    path, cf->tls_cert, cf->tls_key, err);
		config_free(cf);
		return 2;
	}
	{
		enum dnsbl_zones_err ze = dnsbl_zones_parse(cf->dnsbl_zones,
		    strlen(cf->dnsbl_zones), &env.dnsbl_zones);

		if (ze != DNSBL_ZONES_OK) {
			fprintf(stderr, "ecluse-smtpd: %s: [policy] dnsbl_zones: %s\n", path,
			    dnsbl_zones_strerror(ze));
			SSL_CTX_free(env.tls);
			config_free(cf);
			return 2;
		}
	}
	if (digest_when_parse(cf->digest_interval, cf->digest_at, strlen(cf->digest_at),
	    &when, &why) != 0) {
		fprintf(stderr, "ecluse-smtpd: %s: [digest] %s\n", path, why);
		SSL_CTX_free(env.tls);
		config_free(cf);
		return 2;
	}
	snprintf(tpath, sizeof(tpath), "%s/templates", datadir);
	if ((tmpl = tmpl_set_load(tpath, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-smtpd: templates: %s\n", err);
		SSL_CTX_free(env.tls);
		config_free(cf);
		return 2;
	}
	if (missing_template(tmpl, &lang, &name)) {
		fprintf(stderr, "ecluse-smtpd: templates: %s/%s/%s missing\n", tpath, lang, name);
		tmpl_set_free(tmpl);
		SSL_CTX_free(env.tls);
		config_free(cf);
		return 2;
	}
	env.tmpl = tmpl;
	if (check) {
		tmpl_set_free(tmpl);
		printf("%s: configuration OK (%zu domains)\n", path, cf->ndomains);
		SSL_CTX_free(env.tls);
		config_free(cf);
		return 0;
	}
	env.conf = snapshot_new(cf, free_config);	/* owns cf from here */
	/*
	 * The key and the store before the port is bound, so that a client is never
	 * accepted by a daemon without its store; both stay open for the daemon's life.
	 * Opened as the user the daemon is to run as, as ecluse-web and eclusectl open
	 * them: a file created here as root (the key, the database, its -wal and -shm)
	 * would lock them out.
	 */
	as_user(cf->user, 1);
	if (token_key_load(cf->token_key, &key, err, sizeof(err)) != TOKEN_KEY_OK)
		log_fatal("event=start error=\"[store] token_key: %s\"", err);
	env.token_key = key;
	if (store_open(cf->store_path, &store, err, sizeof(err)) != STORE_OK)
		log_fatal("event=start error=\"[store] path %s: %s\"", cf->store_path, err);
	env.store = store;
	as_user(cf->user, 0);
	if ((env.base = event_base_new()) == NULL)
		log_fatal("event=start error=\"cannot create event base\"");
	store_ev = event_new(env.base, store_completion_fd(store), EV_READ | EV_PERSIST,
	    on_store, store);
	event_add(store_ev, NULL);
	if ((dns = evdns_base_new(env.base, EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (dns = evdns_base_new(env.base, 0)) == NULL)
		log_fatal("event=start error=\"cannot create resolver\"");
	env.pool = pool_new(env.base, dns, cf);
	env.auth.base = env.base;
	env.auth.spf_timeout_ms = AUTH_SPF_TIMEOUT_MS;
	env.auth.msg_timeout_ms = AUTH_MSG_TIMEOUT_MS;
	env.auth.dkim_keys = dkim_keys_new();
	env.auth.resolver = resolver_new(env.base, cf->dns_servers, cf->dns_timeout_ms,
	    cf->dns_tries, err, sizeof(err));
	answers = answer_cache_new();
	if (env.auth.resolver != NULL)
		resolver_use_answers(env.auth.resolver, answers);
	if (env.auth.resolver == NULL) {
		fprintf(stderr, "ecluse-smtpd: %s: [dns] servers: %s\n", path, err);
		rc = 2;
	} else if ((srv = server_new(&env, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-smtpd: %s: %s\n", path, err);
		rc = 2;
	} else {
		drop_privileges(cf->user);
		if (!foreground && daemon(0, 0) != 0)
			log_fatal("event=start error=\"daemon: %s\"", strerror(errno));
		sigint = evsignal_new(env.base, SIGINT, on_signal, env.base);
		sigterm = evsignal_new(env.base, SIGTERM, on_signal, env.base);
		evsignal_add(sigint, NULL);
		evsignal_add(sigterm, NULL);
		rl.retry_first = cf->reinject_retry_first;
		rl.retry_max = cf->reinject_retry_max;
		rl.lifetime = cf->reinject_lifetime;
		rl.concurrency = cf->reinject_concurrency;
		rj = reinject_new(env.base, env.pool, store, cf, &rl);
		{
			struct digest_env de = {
				.base = env.base, .dns = dns, .cf = cf, .st = store,
				.tmpl = tmpl, .key = key,
			};

			digest = digest_sched_new(&de, &when);
		}
		memset(&rl_state, 0, sizeof(rl_state));
		rl_state.path = path;
		rl_state.env = &env;
		rl_state.rj = rj;
		rl_state.digest = digest;
		sighup = evsignal_new(env.base, SIGHUP, on_hup, &rl_state);
		evsignal_add(sighup, NULL);
		pg.store = store;
		pg.env = &env;
		pg.ev = evtimer_new(env.base, on_purge, &pg);
		on_purge(-1, 0, &pg);	/* once at start, then on schedule */
		log_info("event=start listen=%s:%u hostname=%s domains=%zu tls=%s version=%s",
		    cf->smtpd_listen.host, cf->smtpd_listen.port, cf->hostname, cf->ndomains,
		    env.tls ? "yes" : "no", PACKAGE_VERSION);
		event_base_dispatch(env.base);
		digest_sched_free(digest);
		reinject_free(rj);
		event_free(sighup);
		event_free(pg.ev);
		event_free(sigint);
		event_free(sigterm);
	}

	server_free(srv);
	store_close(store);	/* commits and answers what is queued: sessions are gone */
	event_free(store_ev);
	pool_free(env.pool);
	resolver_free(env.auth.resolver);
	answer_cache_free(answers);
	dkim_keys_free(env.auth.dkim_keys);
	evdns_base_free(dns, 0);
	event_base_free(env.base);
	token_key_free(key);
	tmpl_set_free(tmpl);
	SSL_CTX_free(env.tls);
	snapshot_free(env.conf);	/* the sessions have put theirs back */
	return rc;
}
