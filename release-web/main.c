/*
 * main.c - ecluse-web: the release page service.
 *
 *   ecluse-web -c FILE [-f] [-d] [-n] [-D DATADIR]
 *
 * Reads the config ([web] listen, base_url, captcha_font, and admin_listen and
 * admin_tokens for the admin API on its own listener; [store] path), the
 * templates (DATADIR/templates), the static assets (DATADIR/static) and the CAPTCHA
 * font, binds, drops root to [smtpd] user, loads the token key (created by the
 * unprivileged user when missing, so that ecluse-smtpd can read it too), and serves
 * until SIGINT or SIGTERM. -f stays in the foreground and logs to stderr, -d adds
 * debug lines, -n only checks the configuration, the templates and the assets; -D
 * names the data directory (default: the installed $(pkgdatadir)).
 * Exit 2 on a config, template, asset or font error (naming the file, and the line
 * where there is one), 1 on any other start-up failure.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
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
#include "common/template.h"
#include "common/token.h"
#include "common/xmalloc.h"
#include "release-web/admin.h"
#include "release-web/assets.h"
#include "release-web/csrf.h"
#include "release-web/page.h"
#include "release-web/server.h"
#include "release-web/web.h"

#ifndef ECLUSE_DATADIR
#define ECLUSE_DATADIR "/usr/share/ecluse"
#endif
/* Pending connections the kernel keeps for us. */
#define LISTEN_BACKLOG	511
/* "https://" + a host name + ":65535" */
#define ORIGIN_MAX	(8 + 255 + 6 + 1)

static void
usage(void)
{
	fprintf(stderr, "usage: ecluse-web -c FILE [-f] [-d] [-n] [-D DATADIR]\n");
	exit(2);
}

/* The origin (RFC 6454) of base_url: scheme "://" host [":" port], lower case, no
 * default port. Returns 0, or -1 when base_url is not an http or https URL. */
static int
origin_of(const char *url, char out[ORIGIN_MAX], int *https)
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
	if (n == 0 || memchr(host, '@', n) != NULL || (size_t)(host - url) + n >= ORIGIN_MAX)
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

/* Until the config has its own key, the token key lives beside the store:
 * DIR(store path)/token.key, which is where ecluse-smtpd must find it too. */
static char *
token_key_path(const char *store_path)
{
	char *tmp = xstrdup(store_path), *dir = dirname(tmp);
	size_t n = strlen(dir) + sizeof("/token.key");
	char *p = xmalloc(n);

	snprintf(p, n, "%s/token.key", dir);
	free(tmp);
	return p;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *datadir = ECLUSE_DATADIR;
	char err[CONFIG_ERR_MAX], path[4096], origin[ORIGIN_MAX];
	struct server_limits lim = { WEB_THREADS, WEB_MAX_CONNECTIONS, WEB_MAX_PER_IP,
	    WEB_TIMEOUT };
	struct captcha_font *font = NULL;
	struct token_key *key;
	struct tmpl_set *tmpl = NULL;
	struct assets *assets = NULL;
	struct csrf *csrf;
	struct config *cf;
	struct server *srv;
	struct admin_ctx admin;
	struct admin_server *asrv = NULL;
	struct web w;
	sigset_t sigs;
	char *keypath;
	const char *why;
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
	memset(&w, 0, sizeof(w));
	memset(&admin, 0, sizeof(admin));
	if (cf->admin_listen.host != NULL && admin_tokens_parse(cf->admin_tokens,
	    strlen(cf->admin_tokens), &admin.tokens, &why) != 0) {
		fprintf(stderr, "ecluse-web: %s: [web] admin_tokens: %s (required with "
		    "admin_listen)\n", conf, why);
		goto out;
	}
	if (origin_of(cf->base_url, origin, &w.https) != 0) {
		fprintf(stderr, "ecluse-web: %s: [web] base_url: expected http:// or https:// "
		    "and a host (got \"%s\")\n", conf, cf->base_url);
		goto out;
	}
	if (sodium_init() < 0)
		log_fatal("event=sodium_init_failed");
	/* everything a person reads, checked before anything else starts */
	snprintf(path, sizeof(path), "%s/templates", datadir);
	if ((tmpl = tmpl_set_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-web: %s\n", err);
		goto out;
	}
	w.tmpl = tmpl;
	if (page_check_templates(&w, err, sizeof(err)) != 0) {
		fprintf(stderr, "ecluse-web: %s: %s\n", path, err);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/static", datadir);
	if ((assets = assets_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ecluse-web: %s\n", err);
		goto out;
	}
	if (captcha_font_load(cf->captcha_font, &font, err, sizeof(err)) != CAPTCHA_FONT_OK) {
		fprintf(stderr, "ecluse-web: %s: [web] captcha_font: %s\n", conf, err);
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

	keypath = token_key_path(cf->store_path);
	if (token_key_load(keypath, &key, err, sizeof(err)) != TOKEN_KEY_OK)
		log_fatal("event=token_key_failed error=\"%s\"", err);
	if ((csrf = csrf_new()) == NULL)
		log_fatal("event=csrf_key_failed");

	w.assets = assets;
	w.csrf = csrf;
	w.token_key = key;
	w.font = font;
	w.store_path = cf->store_path;
	w.origin = origin;
	w.limits.window = WEB_LIMIT_WINDOW;
	w.limits.per_token = WEB_LIMIT_PER_TOKEN;
	w.limits.per_client = WEB_LIMIT_PER_CLIENT;
	w.limits.per_sender = WEB_LIMIT_PER_SENDER;
	w.limits.views_per_client = WEB_LIMIT_VIEWS_PER_CLIENT;

	if (!fg && daemon(0, 0) != 0)
		log_fatal("event=daemon_failed error=\"%s\"", strerror(errno));
	/* the HTTP threads inherit this mask: only the main thread takes the signals */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((srv = server_start(&w, fd, &lim, err, sizeof(err))) == NULL)
		log_fatal("event=start_failed error=\"%s\"", err);
	log_info("event=started listen=%s:%u base_url=%s threads=%u", cf->web_listen.host,
	    cf->web_listen.port, cf->base_url, lim.threads);
	if (afd >= 0) {
		admin.w = &w;
		admin.cf = cf;
		if ((asrv = admin_server_start(&admin, afd, err, sizeof(err))) == NULL)
			log_fatal("event=start_failed error=\"%s\"", err);
		log_info("event=admin_started listen=%s:%u tokens=%zu",
		    cf->admin_listen.host, cf->admin_listen.port, admin.tokens.n);
	}
	while (sigwait(&sigs, &sig) != 0)
		;
	log_info("event=stopping signal=%d", sig);
	admin_server_stop(asrv);
	server_stop(srv);
	web_store_close_all();
	csrf_free(csrf);
	token_key_free(key);
	free(keypath);
	rc = 0;
out:
	admin_tokens_clear(&admin.tokens);
	captcha_font_free(font);
	assets_free(assets);
	tmpl_set_free(tmpl);
	config_free(cf);
	return rc;
}
