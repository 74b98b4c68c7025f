/*
 * round.c - one digest round on the caller's event loop. See round.h.
 *
 * A step event (activated, never timed) takes the next recipient of the pending list:
 * claim, build, connect; the client's callbacks carry the send to its final reply,
 * which records or gives back the claim and activates the step again. So one
 * recipient is in flight at a time, and every callback runs from the loop.
 */
#include "config.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/config.h"
#include "common/xmalloc.h"
#include "digest/mail.h"
#include "digest/round.h"
#include "smtpd/client.h"

struct digest_round {
	struct digest_env	 env;
	digest_each_cb		*each;
	digest_done_cb		*done;
	void			*arg;
	struct event		*step;
	struct store_digest_item *v;	/* pending pairs, grouped by recipient */
	size_t			 n;
	size_t			 next;	/* first pair of the next recipient */
	struct digest_stats	 stats;

	/* the recipient in flight */
	struct store_digest_claim claim;
	struct store_held	*held;
	size_t			 nheld;
	char			*head;
	size_t			 headlen;
	char			*body;
	size_t			 bodylen;
	struct smtp_client	*c;
	char			 why[SMTP_REPLY_LINE_MAX + 64];
};

void
digest_round_set_config(struct digest_round *r, const struct config *cf)
{
	r->env.cf = cf;
}

int64_t
digest_lease(const struct config *cf)
{
	return (int64_t)cf->relay_timeout_connect +
	    DIGEST_SEND_REPLIES * (int64_t)cf->relay_timeout_reply +
	    (int64_t)cf->relay_timeout_data_end + DIGEST_LEASE_MARGIN;
}

/* Drops what the recipient in flight holds; its claim must be settled already. */
static void
clear_current(struct digest_round *r)
{
	size_t i;

	client_free(r->c);
	r->c = NULL;
	for (i = 0; i < r->nheld; i++)
		store_held_clear(&r->held[i]);
	free(r->held);
	r->held = NULL;
	r->nheld = 0;
	free(r->head);
	free(r->body);
	r->head = r->body = NULL;
	store_digest_claim_clear(&r->claim);
	r->why[0] = '\0';
}

/* Reports a recipient (error NULL: sent) and drops what the one in flight holds. */
static void
settle(struct digest_round *r, const char *rcpt, size_t messages, const char *error)
{
	struct digest_result res = { rcpt, messages, error };

	if (error == NULL)
		r->stats.sent++;
	else
		r->stats.failed++;
	r->each(r->arg, &res);
	clear_current(r);
}

/* The final outcome of a send: record the digest, or give its messages back. */
static void
finish(struct digest_round *r, const char *what, const struct smtp_reply *rep, int ok)
{
	enum store_err e;

	/* rep lives in the client: read it before the client goes */
	if (!ok)
		snprintf(r->why, sizeof(r->why), "%s: %d %s", what, rep->code,
		    rep->code == 0 ? "no reply" : rep->text);
	client_free(r->c);
	r->c = NULL;
	if (!ok) {
		/* Best effort: an unclaim that fails leaves them pending when the lease ends. */
		store_digest_unclaim(r->env.st, &r->claim);
		settle(r, r->claim.rcpt, r->nheld, r->why);
	} else if ((e = store_digest_done(r->env.st, &r->claim, (int64_t)time(NULL))) !=
	    STORE_OK) {
		snprintf(r->why, sizeof(r->why), "sent, but not recorded: %s: %s",
		    store_strerror(e), store_last_error(r->env.st));
		settle(r, r->claim.rcpt, r->nheld, r->why);
	} else
		settle(r, r->claim.rcpt, r->nheld, NULL);
	event_active(r->step, EV_TIMEOUT, 0);
}

static void
on_data(struct smtp_client *c, const struct smtp_reply *rep, void *arg)
{
	finish(arg, "DATA", rep, rep->code / 100 == 2);
}

static void
on_rcpt(struct smtp_client *c, const struct smtp_reply *rep, void *arg)
{
	struct digest_round *r = arg;

	if (rep->code / 100 != 2)
		finish(r, "RCPT", rep, 0);
	else
		client_data(c, r->head, r->headlen, r->body, r->bodylen, on_data, r);
}

static void
on_mail(struct smtp_client *c, const struct smtp_reply *rep, void *arg)
{
	struct digest_round *r = arg;
	char line[SMTP_REPLY_LINE_MAX];
	int n;

	if (rep->code / 100 != 2) {
		finish(r, "MAIL", rep, 0);
		return;
	}
	n = snprintf(line, sizeof(line), "RCPT TO:<%s>", r->claim.rcpt);
	if (n < 0 || (size_t)n > SMTP_REPLY_LINE_MAX - 2) {
		struct smtp_reply none = { 0, "" };

		finish(r, "RCPT (address too long)", &none, 0);
		return;
	}
	client_command(c, line, (size_t)n, on_rcpt, r);
}

static void
on_ehlo(struct smtp_client *c, const struct smtp_reply *rep, void *arg)
{
	struct digest_round *r = arg;

	if (rep->code / 100 != 2) {
		finish(r, "connect", rep, 0);
		return;
	}
	client_command(c, "MAIL FROM:<>", 12, on_mail, r);
}

/* Reads the claimed messages, newest first (as the page lists them), and builds the
 * mail; NULL, or why not. */
static const char *
build(struct digest_round *r, const struct domain_config *d)
{
	const struct config *cf = r->env.cf;
	enum store_err e;
	int64_t rid;
	size_t i;

	r->held = xcalloc(r->claim.n, sizeof(*r->held));
	for (i = r->claim.n; i-- > 0; ) {
		e = store_held_get(r->env.st, r->claim.ids[i], false, &r->held[r->nheld]);
		if (e == STORE_OK)
			r->nheld++;
		else if (e != STORE_NOTFOUND)	/* purged since the claim: not listed */
			return store_strerror(e);
	}
	if ((e = store_recipient_id(r->env.st, r->claim.rcpt, (int64_t)time(NULL), &rid)) !=
	    STORE_OK)
		return store_strerror(e);
	{
		struct digest_in in = {
			.tmpl = r->env.tmpl,
			.lang = d->language != NULL && d->language[0] != '\0' ? d->language : "en",
			.key = r->env.key,
			.base_url = cf->base_url, .hostname = cf->hostname,
			.rcpt = r->claim.rcpt, .rcpt_id = (uint64_t)rid,
			.held = r->held, .nheld = r->nheld,
			.now = (int64_t)time(NULL),
		};
		const char *why;

		if (digest_build(&in, &r->head, &r->headlen, &r->body, &r->bodylen, &why) !=
		    DIGEST_OK)
			return why;
	}
	return NULL;
}

/* Starts the digest of rcpt (npairs pending pairs listed): 0 when a send is in flight
 * (its end activates the step), -1 when the recipient is settled already. */
static int
start_one(struct digest_round *r, const char *rcpt, size_t npairs)
{
	const struct config *cf = r->env.cf;
	const char *at = strrchr(rcpt, '@'), *why;
	const struct domain_config *d;
	struct client_timeouts to = {
		cf->relay_timeout_connect, cf->relay_timeout_reply, cf->relay_timeout_data_end,
	};
	enum store_err e;
	int64_t now = (int64_t)time(NULL);

	d = at != NULL ? config_domain(cf, at + 1, strlen(at + 1)) : NULL;
	if (d == NULL) {
		settle(r, rcpt, npairs, "recipient domain not served");
		return -1;
	}
	if (!d->digest) {
		r->stats.skipped++;
		return -1;
	}
	e = store_digest_claim(r->env.st, rcpt, now, digest_lease(cf), &r->claim);
	if (e == STORE_NOTFOUND) {
		r->stats.elsewhere++;
		return -1;
	}
	if (e != STORE_OK) {
		snprintf(r->why, sizeof(r->why), "%s: %s", store_strerror(e),
		    store_last_error(r->env.st));
		settle(r, rcpt, npairs, r->why);
		return -1;
	}
	if ((why = build(r, d)) != NULL) {
		/* why may point into a template error; copy before the claim goes */
		snprintf(r->why, sizeof(r->why), "%s", why);
		store_digest_unclaim(r->env.st, &r->claim);
		settle(r, r->claim.rcpt, r->nheld, r->why);
		return -1;
	}
	/* The claim and the reads above may have waited for another process's write
	 * lock: timers set from the loop's cached time would start the send's relay
	 * timeouts that much in the past. */
	event_base_update_cache_time(r->env.base);
	r->c = client_connect(r->env.base, r->env.dns, d->next_hop.host, d->next_hop.port,
	    cf->hostname, &to, on_ehlo, r);
	if (r->c == NULL) {
		snprintf(r->why, sizeof(r->why), "cannot connect to %s:%u", d->next_hop.host,
		    d->next_hop.port);
		store_digest_unclaim(r->env.st, &r->claim);
		settle(r, r->claim.rcpt, r->nheld, r->why);
		return -1;
	}
	return 0;
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct digest_round *r = arg;
	size_t i, j;

	/* the pairs come grouped by recipient (case-insensitively) */
	for (i = r->next; i < r->n; i = j) {
		for (j = i; j < r->n && strcasecmp(r->v[j].rcpt, r->v[i].rcpt) == 0; j++)
			;
		r->next = j;
		if (start_one(r, r->v[i].rcpt, j - i) == 0)
			return;
	}
	r->done(r->arg, &r->stats);	/* may free r */
}

enum store_err
digest_round_start(const struct digest_env *env, digest_each_cb *each,
    digest_done_cb *done, void *arg, struct digest_round **out)
{
	struct store_digest_item *v = NULL;
	struct digest_round *r;
	enum store_err e;
	size_t n = 0;

	*out = NULL;
	e = store_digest_pending(env->st, (int64_t)time(NULL), DIGEST_PENDING_MAX, &v, &n);
	if (e != STORE_OK)
		return e;
	r = xcalloc(1, sizeof(*r));
	r->env = *env;
	r->each = each;
	r->done = done;
	r->arg = arg;
	r->v = v;
	r->n = n;
	r->step = event_new(env->base, -1, 0, on_step, r);
	if (r->step == NULL)
		abort();	/* libevent allocation failure, as xmalloc treats OOM */
	event_active(r->step, EV_TIMEOUT, 0);
	*out = r;
	return STORE_OK;
}

void
digest_round_free(struct digest_round *r)
{
	if (r == NULL)
		return;
	if (r->claim.n > 0)	/* a send in flight: its messages go back */
		store_digest_unclaim(r->env.st, &r->claim);
	clear_current(r);
	event_free(r->step);
	store_digest_free(r->v, r->n);
	free(r);
}
