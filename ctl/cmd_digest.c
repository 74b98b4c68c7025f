/*
 * cmd_digest.c - "eclusectl digest send [--json] [-D DATADIR]": runs one digest round
 * (digest/round.h) at once, on a libevent loop of its own: each recipient with held
 * messages that no digest listed yet gets one digest mail, through the next hop of
 * the recipient's domain. The round claims each recipient's messages before sending,
 * so a round of ecluse-smtpd's schedule running at the same moment never sends them
 * too (a recipient whose messages it holds is left to it, and not printed).
 *
 * Prints one line per recipient ("sent ADDRESS messages=N" or "failed ADDRESS
 * REASON"), or with --json one object {"digests":[{"rcpt","messages","sent","error"}
 * ...],"sent":N,"failed":N,"skipped":N}, skipped counting recipients of domains
 * without digests. Exit status 0
 * when every digest went out (or none was due), CTL_EXIT_FAILURE otherwise.
 */
#include "config.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/template.h"
#include "common/token.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"
#include "ctl/output.h"
#include "digest/round.h"

#ifndef ECLUSE_DATADIR
#define ECLUSE_DATADIR "/usr/local/share/ecluse"
#endif
/* The path of DATADIR/templates. */
#define DIR_MAX 4096

static int cmd_digest_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_digest_entry = {
	"digest",
	"send [--json] [-D DATADIR]",
	"mail each recipient the list of messages newly held for them",
	cmd_digest_exec,
};

struct run {
	struct event_base	*base;
	struct digest_round	*round;
	int			 json;
	size_t			 nreported;
	struct digest_stats	 stats;
};

static void
on_each(void *arg, const struct digest_result *res)
{
	struct run *r = arg;

	if (!r->json) {
		printf("%s ", res->error == NULL ? "sent" : "failed");
		out_text(stdout, res->rcpt);
		if (res->error == NULL)
			printf(" messages=%zu\n", res->messages);
		else {
			printf(" ");
			out_text(stdout, res->error);
			printf("\n");
		}
	} else {
		printf("%s{\"rcpt\":", r->nreported > 0 ? "," : "");
		out_json_str(stdout, res->rcpt);
		printf(",\"messages\":%zu,\"sent\":%s,\"error\":", res->messages,
		    res->error == NULL ? "true" : "false");
		if (res->error == NULL)
			printf("null");
		else
			out_json_str(stdout, res->error);
		printf("}");
	}
	r->nreported++;
}

static void
on_done(void *arg, const struct digest_stats *stats)
{
	struct run *r = arg;

	r->stats = *stats;
	digest_round_free(r->round);
	r->round = NULL;
	event_base_loopbreak(r->base);
}

static int
send_all(struct run *r, const struct digest_env *env)
{
	enum store_err e;

	if ((e = digest_round_start(env, on_each, on_done, r, &r->round)) != STORE_OK)
		return ctl_store_error(env->st, "digest pending", e);
	if (r->json)
		printf("{\"digests\":[");
	event_base_dispatch(r->base);
	if (r->json)
		printf("],\"sent\":%zu,\"failed\":%zu,\"skipped\":%zu}\n", r->stats.sent,
		    r->stats.failed, r->stats.skipped);
	return r->stats.failed == 0 ? 0 : CTL_EXIT_FAILURE;
}

static int
cmd_digest_exec(const struct config *cf, int argc, char **argv)
{
	struct run r = { .json = 0 };
	struct digest_env env = { .cf = cf };
	const char *datadir = ECLUSE_DATADIR;
	struct token_key *key = NULL;
	struct tmpl_set *tmpl = NULL;
	char err[512], dir[DIR_MAX];
	int i, status = CTL_EXIT_FAILURE;

	if (argc < 2 || strcmp(argv[1], "send") != 0)
		goto usage;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			r.json = 1;
		else if (strcmp(argv[i], "-D") == 0 && i + 1 < argc)
			datadir = argv[++i];
		else
			goto usage;
	}
	if (cf->base_url == NULL || cf->base_url[0] == '\0') {
		fprintf(stderr, "eclusectl: digest: [web] base_url is not set\n");
		return CTL_EXIT_FAILURE;
	}
	if (access(cf->token_key, F_OK) != 0) {
		fprintf(stderr, "eclusectl: %s: no token key file (made by the daemons at their "
		    "first start)\n", cf->token_key);
		return CTL_EXIT_FAILURE;
	}
	if (token_key_load(cf->token_key, &key, err, sizeof(err)) != TOKEN_KEY_OK) {
		fprintf(stderr, "eclusectl: %s\n", err);
		return CTL_EXIT_FAILURE;
	}
	snprintf(dir, sizeof(dir), "%s/templates", datadir);
	if ((tmpl = tmpl_set_load(dir, err, sizeof(err))) == NULL) {
		fprintf(stderr, "eclusectl: templates: %s\n", err);
		goto done;
	}
	if ((env.st = ctl_store_open(cf)) == NULL)
		goto done;
	if ((r.base = event_base_new()) == NULL) {
		fprintf(stderr, "eclusectl: libevent: cannot start\n");
		goto done;
	}
	env.base = r.base;
	env.tmpl = tmpl;
	env.key = key;
	status = send_all(&r, &env);
done:
	if (r.base != NULL)
		event_base_free(r.base);
	store_close(env.st);
	tmpl_set_free(tmpl);
	token_key_free(key);
	return status;
usage:
	fprintf(stderr, "usage: eclusectl digest %s\n", cmd_digest_entry.usage);
	return CTL_EXIT_USAGE;
}
