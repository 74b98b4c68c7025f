/*
 * cmd_digest.c - "eclusectl digest send [--json] [-D DATADIR]": sends each recipient
 * with held messages that no digest listed yet one digest mail (ctl/digest.h), through
 * the next hop of the recipient's domain with the one SMTP client (smtpd/client.h) on a
 * libevent loop of its own, one recipient after the other.
 *
 * Never twice: a recipient's messages are marked digested (store_digest_mark) only
 * after the next hop answered 250 to the end of data; a failure leaves them pending
 * for the next run. The window SMTP leaves open (RFC 1047, a crash between the 250
 * and the mark) may send one digest twice; a lost one is worse.
 * Never empty: a recipient with nothing pending gets nothing.
 * The envelope sender is null (RFC 5321 4.5.5: an automatic notice must not draw
 * bounces); the recipient's domain must be served ([domain NAME]), else it is skipped.
 * Language: the domain's "language" key ([domain NAME]); a domain with "digest = no"
 * gets none (its recipients' messages stay pending, and are not counted as failures).
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
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/template.h"
#include "common/token.h"
#include "common/xmalloc.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"
#include "ctl/digest.h"
#include "ctl/output.h"
#include "smtpd/client.h"

#ifndef ECLUSE_DATADIR
#define ECLUSE_DATADIR "/usr/local/share/ecluse"
#endif
/* The path of DATADIR/templates. */
#define DIR_MAX 4096
/* Held messages considered in one run: the oldest pending pairs first. */
#define DIGEST_PENDING_MAX STORE_LIST_MAX

static int cmd_digest_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_digest_entry = {
	"digest",
	"send [--json] [-D DATADIR]",
	"mail each recipient the list of messages newly held for them",
	cmd_digest_exec,
};

/* One SMTP delivery, driven by the client's callbacks. */
struct send {
	struct event_base	*base;
	struct smtp_client	*c;
	const char		*rcpt;
	const char		*head;
	size_t			 headlen;
	const char		*body;
	size_t			 bodylen;
	int			 ok;
	char			 why[SMTP_REPLY_LINE_MAX + 32];
};

static void
finish(struct send *s, const char *what, const struct smtp_reply *r, int ok)
{
	s->ok = ok;
	if (!ok)
		snprintf(s->why, sizeof(s->why), "%s: %d %s", what, r->code, r->text);
	client_free(s->c);
	s->c = NULL;
	event_base_loopbreak(s->base);
}

static void
on_data(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	finish(arg, "DATA", r, r->code / 100 == 2);
}

static void
on_rcpt(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct send *s = arg;

	if (r->code / 100 != 2)
		finish(s, "RCPT", r, 0);
	else
		client_data(c, s->head, s->headlen, s->body, s->bodylen, on_data, s);
}

static void
on_mail(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct send *s = arg;
	char line[SMTP_REPLY_LINE_MAX];
	int n;

	if (r->code / 100 != 2) {
		finish(s, "MAIL", r, 0);
		return;
	}
	n = snprintf(line, sizeof(line), "RCPT TO:<%s>", s->rcpt);
	client_command(c, line, (size_t)n, on_rcpt, s);
}

static void
on_ehlo(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct send *s = arg;

	if (r->code / 100 != 2) {
		finish(s, "connect", r, 0);
		return;
	}
	client_command(c, "MAIL FROM:<>", 12, on_mail, s);
}

/* Sends one mail to rcpt through hop; 0, or -1 with why. */
static int
deliver(const struct config *cf, struct event_base *base, const struct hostport *hop,
    struct send *s)
{
	struct client_timeouts to = {
		cf->relay_timeout_connect, cf->relay_timeout_reply, cf->relay_timeout_data_end,
	};

	s->base = base;
	s->ok = 0;
	snprintf(s->why, sizeof(s->why), "no reply");
	s->c = client_connect(base, NULL, hop->host, hop->port, cf->hostname, &to, on_ehlo, s);
	if (s->c == NULL) {
		snprintf(s->why, sizeof(s->why), "cannot connect to %s:%u", hop->host, hop->port);
		return -1;
	}
	event_base_dispatch(base);
	client_free(s->c);	/* a loop that ended without a final reply */
	s->c = NULL;
	return s->ok ? 0 : -1;
}

struct run {
	const struct config	*cf;
	struct store		*st;
	struct event_base	*base;
	const struct tmpl_set	*tmpl;
	const struct token_key	*key;
	int			 json;
	size_t			 nsent, nfailed, nskipped;
	int64_t			 now;
};

static void
report(struct run *r, const char *rcpt, size_t n, const char *why)
{
	if (!r->json) {
		printf("%s ", why == NULL ? "sent" : "failed");
		out_text(stdout, rcpt);
		if (why == NULL)
			printf(" messages=%zu\n", n);
		else {
			printf(" ");
			out_text(stdout, why);
			printf("\n");
		}
		return;
	}
	printf("%s{\"rcpt\":", r->nsent + r->nfailed > 0 ? "," : "");
	out_json_str(stdout, rcpt);
	printf(",\"messages\":%zu,\"sent\":%s,\"error\":", n, why == NULL ? "true" : "false");
	if (why == NULL)
		printf("null");
	else
		out_json_str(stdout, why);
	printf("}");
}

/* The digest of rcpt listing messages ids[0..n). */
static void
one(struct run *r, const char *rcpt, const int64_t *ids, size_t n)
{
	struct store_held *held = xcalloc(n, sizeof(*held));
	int64_t *marked = xcalloc(n, sizeof(*marked));
	const char *at = strrchr(rcpt, '@'), *why = NULL;
	const struct domain_config *d;
	struct send s;
	char *head = NULL, *body = NULL;
	size_t headlen, bodylen, i, got = 0;
	int64_t rid;
	enum store_err e;

	memset(&s, 0, sizeof(s));
	d = at != NULL ? config_domain(r->cf, at + 1, strlen(at + 1)) : NULL;
	if (d == NULL) {
		why = "recipient domain not served";
		goto done;
	}
	if (!d->digest) {
		r->nskipped++;
		goto out;
	}
	/* newest first, as the page lists them */
	for (i = n; i-- > 0; ) {
		e = store_held_get(r->st, ids[i], false, &held[got]);
		if (e == STORE_OK)
			got++;
		else if (e != STORE_NOTFOUND) {
			why = store_strerror(e);
			goto done;
		}
	}
	if ((e = store_recipient_id(r->st, rcpt, r->now, &rid)) != STORE_OK) {
		why = store_strerror(e);
		goto done;
	}
	{
		struct digest_in in = {
			.tmpl = r->tmpl,
			.lang = d->language != NULL && d->language[0] != '\0' ? d->language : "en",
			.key = r->key,
			.base_url = r->cf->base_url, .hostname = r->cf->hostname,
			.rcpt = rcpt, .rcpt_id = (uint64_t)rid, .held = held, .nheld = got,
			.now = r->now,
		};

		const char *bwhy;

		if (digest_build(&in, &head, &headlen, &body, &bodylen, &bwhy) != DIGEST_OK) {
			why = bwhy;
			goto done;
		}
	}
	s.rcpt = rcpt;
	s.head = head;
	s.headlen = headlen;
	s.body = body;
	s.bodylen = bodylen;
	if (deliver(r->cf, r->base, &d->next_hop, &s) != 0) {
		why = s.why;
		goto done;
	}
	for (i = 0; i < got; i++)
		marked[i] = held[i].id;
	if ((e = store_digest_mark(r->st, rcpt, marked, got, r->now)) != STORE_OK) {
		why = store_strerror(e);
		fprintf(stderr, "eclusectl: digest for %s sent but not recorded: %s\n", rcpt,
		    store_last_error(r->st));
	}
done:
	report(r, rcpt, got, why);
	if (why == NULL)
		r->nsent++;
	else
		r->nfailed++;
out:
	for (i = 0; i < got; i++)
		store_held_clear(&held[i]);
	free(held);
	free(marked);
	free(head);
	free(body);
}

static int
send_all(struct run *r)
{
	struct store_digest_item *v = NULL;
	enum store_err e;
	size_t n = 0, i, j;
	int64_t *ids;

	if ((e = store_digest_pending(r->st, r->now, DIGEST_PENDING_MAX, &v, &n)) != STORE_OK)
		return ctl_store_error(r->st, "digest pending", e);
	ids = xcalloc(n + 1, sizeof(*ids));
	if (r->json)
		printf("{\"digests\":[");
	/* the pairs come grouped by recipient */
	for (i = 0; i < n; i = j) {
		size_t k = 0;

		for (j = i; j < n && strcasecmp(v[j].rcpt, v[i].rcpt) == 0; j++)
			ids[k++] = v[j].held_id;
		one(r, v[i].rcpt, ids, k);
	}
	if (r->json)
		printf("],\"sent\":%zu,\"failed\":%zu,\"skipped\":%zu}\n", r->nsent,
		    r->nfailed, r->nskipped);
	free(ids);
	store_digest_free(v, n);
	return r->nfailed == 0 ? 0 : CTL_EXIT_FAILURE;
}

static int
cmd_digest_exec(const struct config *cf, int argc, char **argv)
{
	struct run r = { .cf = cf, .now = (int64_t)time(NULL) };
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
	if ((r.st = ctl_store_open(cf)) == NULL)
		goto done;
	if ((r.base = event_base_new()) == NULL) {
		fprintf(stderr, "eclusectl: libevent: cannot start\n");
		goto done;
	}
	r.tmpl = tmpl;
	r.key = key;
	status = send_all(&r);
done:
	if (r.base != NULL)
		event_base_free(r.base);
	store_close(r.st);
	tmpl_set_free(tmpl);
	token_key_free(key);
	return status;
usage:
	fprintf(stderr, "usage: eclusectl digest %s\n", cmd_digest_entry.usage);
	return CTL_EXIT_USAGE;
}
