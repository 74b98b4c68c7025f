/*
 * main.c - ecluse-web: the release page service.
 *
 *   ecluse-web -c FILE [-f] [-d] [-n] [-D DATADIR]
 *
 * Reads the config ([web] listen, base_url, captcha_font, trusted_proxies, and
 * admin_listen and admin_tokens for the admin API on its own listener; [store]
 * path), the templates (DATADIR/templates), the static assets (DATADIR/static) and
 * the CAPTCHA font, binds, drops root to [smtpd] user, loads the token key (created
 * by the unprivileged user when missing, so that ecluse-smtpd can read it too), and
 * serves until SIGINT or SIGTERM. SIGHUP reads the file again (see reload). -f stays
 * in the foreground and logs to stderr, -d adds debug lines, -n only checks the
 * configuration, the templates and the assets; -D names the data directory
 * (default: the installed $(pkgdatadir)).
 * Exit 2 on a config, template, asset or font error (naming the file, and the line
 * where there is one), 1 on any other start-up failure.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "captcha/captcha.h"
#include "common/config.h"
#include "common/log.h"
#include "common/snapshot.h"
#include "common/template.h"
#include "common/token.h"
#include "common/xmalloc.h"
#include "release-web/admin.h"
#include "release-web/assets.h"
#include "release-web/csrf.h"
#include "release-web/page.h"
#include "release-web/proxies.h"
#include "release-web/server.h"
#include "release-web/web.h"
#include "release-web/webconf.h"

#ifndef ECLUSE_DATADIR
#define ECLUSE_DATADIR "/usr/share/ecluse"
#endif
/* Pending connections the kernel keeps for us. */
#define LISTEN_BACKLOG	511

static void
usage(void)
{
	fprintf(stderr, "usage: ecluse-web -c FILE [-f] [-d] [-n] [-D DATADIR]\n");
	exit(2);
}

/* The origin (RFC 6454) of base_url: scheme "://" host [":" port], lower case, no
 * default port. Returns 0, or -1 when base_url is not an http or https URL. */
static int
origin_of(const char *url, char out[WEB_ORIGIN_MAX], int *https)
{
	const char *host;
	size_t i, n;

	if (strncmp(url, "https://", 8) == 0) {
		*https = 1;
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		*https = 0;
		host = url + 7;
	} else
		return -1;
	n = strcspn(host, "/?#");
	if (n == 0 || memchr(host, '@', n) != NULL || (size_t)(host - url) + n >= WEB_ORIGIN_MAX)
		return -1;
	memcpy(out, url, (size_t)(host - url) + n);
	out[(size_t)(host - url) + n] = '\0';
	for (i = 0; out[i]; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	n = strlen(out);
	if (*https && n > 4 && strcmp(out + n - 4, ":443") == 0)
		out[n - 4] = '\0';
	else if (!*https && n > 3 && strcmp(out + n - 3, ":80") == 0)
		out[n - 3] = '\0';
	return 0;
}

static int
listen_on(const struct hostport *hp)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", hp->port);
	if ((rc = getaddrinfo(hp->host, port, &hints, &res)) != 0)
		log_fatal("event=listen_failed host=%s error=\"%s\"", hp->host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, LISTEN_BACKLOG) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		log_fatal("event=listen_failed host=%s port=%u error=\"%s\"", hp->host, hp->port,
		    strerror(errno));
	return fd;
}

static void
drop_root(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	if (user[0] == '\0') {
		log_warn("event=running_as_root hint=\"set [smtpd] user\"");
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		log_fatal("event=no_such_user user=%s", user);
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		log_fatal("event=drop_root_failed user=%s error=\"%s\"", user, strerror(errno));
	if (setuid(0) == 0)
		log_fatal("event=drop_root_failed user=%s error=\"root regained\"", user);
}

static void
webconf_free(void *p)
{
	struct web_conf *wc = p;

	if (wc == NULL)
		return;
	admin_tokens_clear(&wc->admin.tokens);
	proxies_clear(&wc->proxies);
	captcha_font_free(wc->font);
	if (wc->owns_cf)
		config_free(wc->cf);
	free(wc);
}

/*
 * A version of the config for the request threads: cf's values that ecluse-web
 * reads, checked, and the parts that never change copied from fixed. The admin
 * tokens are required when the admin API is served. Takes cf when owns_cf (freed on
 * failure too). NULL and err ("FILE: [section] key: reason") on a bad value.
 */
static struct web_conf *
webconf_new(struct config *cf, int owns_cf, const struct web *fixed, int admin,
    char *err, size_t errsz)
{
	struct web_conf *wc = xcalloc(1, sizeof(*wc));
	char reason[CAPTCHA_FONT_REASON_MAX];
	const char *why;

	wc->cf = cf;
	wc->owns_cf = owns_cf;
	wc->w = *fixed;
	if (admin && admin_tokens_load(cf, &wc->admin.tokens, err, errsz) != 0)
		goto fail;
	if (proxies_parse(cf->trusted_proxies, strlen(cf->trusted_proxies), &wc->proxies,
	    &why) != 0) {
		snprintf(err, errsz, "%s: [web] trusted_proxies: %s", cf->path, why);
		goto fail;
	}
	if (origin_of(cf->base_url, wc->origin, &wc->w.https) != 0) {
		snprintf(err, errsz, "%s: [web] base_url: expected http:// or https:// and a "
		    "host (got \"%s\")", cf->path, cf->base_url);
		goto fail;
	}
	if (captcha_font_load(cf->captcha_font, &wc->font, reason, sizeof(reason)) !=
	    CAPTCHA_FONT_OK) {
		snprintf(err, errsz, "%s: [web] captcha_font: %s", cf->path, reason);
		goto fail;
	}
	wc->w.origin = wc->origin;
	wc->w.proxies = &wc->proxies;
	wc->w.font = wc->font;
	wc->w.store_path = cf->store_path;
	wc->admin.w = &wc->w;
	wc->admin.cf = cf;
	return wc;
fail:
	webconf_free(wc);
	return NULL;
}

/* The keys read at start only: a new value in the file is logged, not applied. */
static void
log_restart_keys(const struct config *run, const struct config *cf)
{
	static const char note[] = "changed in the file: needs a restart; the running "
	    "value is kept";

	if (!hostport_equal(&run->web_listen, &cf->web_listen))
		log_warn("event=reload key=\"[web] listen\" note=\"%s\"", note);
	if (!hostport_equal(&run->admin_listen, &cf->admin_listen))
		log_warn("event=reload key=\"[web] admin_listen\" note=\"%s\"", note);
	if (strcmp(run->store_path, cf->store_path) != 0)
		log_warn("event=reload key=\"[store] path\" note=\"%s\"", note);
	if (strcmp(run->token_key, cf->token_key) != 0)
		log_warn("event=reload key=\"[store] token_key\" note=\"%s\"", note);
	if (strcmp(run->user, cf->user) != 0)
		log_warn("event=reload key=\"[smtpd] user\" note=\"%s\"", note);
}

/*
 * SIGHUP, in the main thread (sigwait; never in a signal handler): reads the file
 * again and publishes a new version for the requests that start from now on; those
 * in flight finish with theirs. What can change: the domains, the admin tokens,
 * base_url, the CAPTCHA font and the trusted proxies. The listeners, the store, the token key and the
 * user stay as started (run: the start config). A file that does not load, or a
 * value ecluse-web refuses, keeps the running version.
 */
static void
reload(const char *conf, const struct config *run, const struct web *fixed,
    struct snapshot *confs)
{
	char err[CONFIG_ERR_MAX];
	struct web_conf *wc;
	struct config *cf;

	if ((cf = config_load(conf, err, sizeof(err))) == NULL ||
	    (wc = webconf_new(cf, 1, fixed, run->admin_listen.host != NULL, err,
	    sizeof(err))) == NULL) {
		log_err("event=reload_failed error=\"%s\" config=kept", err);
		return;
	}
	log_restart_keys(run, cf);
	snapshot_publish(confs, wc);
	log_info("event=reload domains=%zu admin_tokens=%zu base_url=%s trusted_proxies=%zu",
	    cf->ndomains, wc->admin.tokens.n, cf->base_url, wc->proxies.n);
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *datadir = ECLUSE_DATADIR;
	char err[CONFIG_ERR_MAX], path[4096];
	struct server_limits lim = { WEB_THREADS, WEB_MAX_CONNECTIONS, WEB_MAX_PER_IP,
	    WEB_TIMEOUT };
	struct token_key *key;
	struct tmpl_set *tmpl = NULL;
	struct assets *assets = NULL;
	struct csrf *csrf;
	struct config *cf;
	struct server *srv;
	struct admin_server *asrv = NULL;
	struct web_conf *first = NULL;
	struct snapshot *confs;
	struct web fixed;
	sigset_t sigs;
	size_t ntokens, nproxies;
	int ch, fg = 0, debug = 0, check = 0, fd, afd = -1, sig, rc = 2;

	while ((ch = getopt(argc, argv, "c:dfnD:")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'd': debug = 1; break;
		case 'f': fg = 1; break;
		case 'n': check = 1; break;
		case 'D': datadir = optarg; break;
		default: usage();
		}
	}
	if (conf == NULL || optind != argc)
		usage();
	if ((cf = config_load(conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-web: %s\n", err);
		return 2;
	}
	log_init("ecluse-web", fg || check, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (sodium_init() < 0)
		log_fatal("event=sodium_init_failed");
	/* what no reload changes, shared by every version of the config */
	memset(&fixed, 0, sizeof(fixed));
	fixed.limits.window = WEB_LIMIT_WINDOW;
	fixed.limits.per_token = WEB_LIMIT_PER_TOKEN;
	fixed.limits.per_client = WEB_LIMIT_PER_CLIENT;
	fixed.limits.per_sender = WEB_LIMIT_PER_SENDER;
	fixed.limits.views_per_client = WEB_LIMIT_VIEWS_PER_CLIENT;
	/* everything a person reads, checked before anything else starts */
	snprintf(path, sizeof(path), "%s/templates", datadir);
	if ((tmpl = tmpl_set_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-web: %s\n", err);
		goto out;
	}
	fixed.tmpl = tmpl;
	if (page_check_templates(&fixed, err, sizeof(err)) != 0) {
		fprintf(stderr, "ecluse-web: %s: %s\n", path, err);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/static", datadir);
	if ((assets = assets_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-web: %s\n", err);
		goto out;
	}
	fixed.assets = assets;
	if ((first = webconf_new(cf, 0, &fixed, cf->admin_listen.host != NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-web: %s\n", err);
		goto out;
	}
	if (check) {
		printf("%s: configuration OK (templates and assets in %s)\n", conf, datadir);
		rc = 0;
		goto out;
	}

	fd = listen_on(&cf->web_listen);
	if (cf->admin_listen.host != NULL)
		afd = listen_on(&cf->admin_listen);
	drop_root(cf->user);

	/* [store] token_key, as ecluse-smtpd signs with it (config.c: beside the store
	 * unless set) */
	if (token_key_load(cf->token_key, &key, err, sizeof(err)) != TOKEN_KEY_OK)
		log_fatal("event=token_key_failed error=\"%s\"", err);
	if ((csrf = csrf_new()) == NULL)
		log_fatal("event=csrf_key_failed");
	fixed.csrf = first->w.csrf = csrf;
	fixed.token_key = first->w.token_key = key;
	ntokens = first->admin.tokens.n;
	nproxies = first->proxies.n;
	confs = snapshot_new(first, webconf_free);
	first = NULL;

	if (!fg && daemon(0, 0) != 0)
		log_fatal("event=daemon_failed error=\"%s\"", strerror(errno));
	/* the HTTP threads inherit this mask: only the main thread takes the signals */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((srv = server_start(confs, fd, &lim, err, sizeof(err))) == NULL)
		log_fatal("event=start_failed error=\"%s\"", err);
	log_info("event=started listen=%s:%u base_url=%s threads=%u trusted_proxies=%zu",
	    cf->web_listen.host, cf->web_listen.port, cf->base_url, lim.threads, nproxies);
	if (afd >= 0) {
		if ((asrv = admin_server_start(confs, afd, err, sizeof(err))) == NULL)
			log_fatal("event=start_failed error=\"%s\"", err);
		log_info("event=admin_started listen=%s:%u tokens=%zu",
		    cf->admin_listen.host, cf->admin_listen.port, ntokens);
	}
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		reload(conf, cf, &fixed, confs);
	}
	log_info("event=stopping signal=%d", sig);
	admin_server_stop(asrv);
	server_stop(srv);	/* every request has given its version back */
	snapshot_free(confs);
	web_store_close_all();
	csrf_free(csrf);
	token_key_free(key);
	rc = 0;
out:
	webconf_free(first);
	assets_free(assets);
	tmpl_set_free(tmpl);
	config_free(cf);
	return rc;
}
