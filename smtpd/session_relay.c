/*
 * session_relay.c - the next hop's side of a session's transaction: ecluse says 250
 * only after the next hop did, to the same data (DESIGN rule 1).
 *
 * The next hop sees the transaction the client sends: MAIL with the first
 * accepted-domain RCPT, on a connection taken from the pool or opened (opened once
 * more when a pooled one turns out closed), then each RCPT, then, after the verdict,
 * the message with ecluse's fields on top. Its replies to MAIL, RCPT and the end of
 * data are passed to the client as they are (code, enhanced code, first line).
 *
 * Owns s->up, the transaction's connection, from its first RCPT to the end of the
 * transaction (back to the pool: session_relay_release) or of the session (closed:
 * session_relay_drop). A next hop that cannot be reached, times out or closes gets
 * the client 451 4.4.1 (4.4.2 at the end of data), one at its connection limits
 * 451 4.4.5; lost after a recipient was accepted, it leaves the transaction broken
 * (451 to every later RCPT and DATA) until it ends.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "smtpd/client.h"
#include "smtpd/pool.h"
#include "smtpd/session_priv.h"
#include "store/store.h"

static void up_connect(struct session *s);

/* Passes a next-hop reply to the client: its code, an enhanced code (the next hop's,
 * or class.0.0), its text. */
static void
pass_reply(struct session *s, const struct smtp_reply *r)
{
	const char *t = r->text;
	int cls = r->code / 100;
	int has_enh = t[0] >= '2' && t[0] <= '5' && t[1] == '.' && t[0] - '0' == cls;

	if (has_enh)
		session_reply(s, "%d %s", r->code, t);
	else
		session_reply(s, "%d %d.0.0 %s", r->code, cls, t);
}

/* Upstream lost in the middle of a transaction: the client must retry later. */
static void
up_lost(struct session *s, const struct smtp_reply *r)
{
	log_warn("session=%s event=next_hop_failed hop=%s:%u reason=\"%s\"", s->id,
	    s->hop->host, s->hop->port, r->text);
	pool_drop(s->env->pool, s->up);
	s->up = NULL;
	s->up_mail = 0;
	if (s->nrcpts > 0)
		s->tx_broken = 1;
	else
		s->hop = NULL;
}

static void
on_rcpt_reply(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct session *s = arg;

	if (r->code == 0) {
		up_lost(s, r);
		session_reply(s, "451 4.4.1 next hop unavailable, try again later");
	} else {
		if (r->code / 100 == 2) {
			if (!s->has_standing) {
				s->standing = s->pending_standing;
				s->has_standing = 1;
				s->dom = s->pending_dom;
			}
			s->rcpts = xreallocarray(s->rcpts, s->nrcpts + 1, sizeof(*s->rcpts));
			s->rcpts[s->nrcpts++] = xstrndup(s->pending.addr, s->pending.len);
		}
		pass_reply(s, r);
	}
	session_resume(s);
}

static void
send_rcpt(struct session *s)
{
	char line[SMTP_CMD_LINE_MAX];
	int n = snprintf(line, sizeof(line), "RCPT TO:<%s>", s->pending.addr);

	client_command(s->up, line, (size_t)n, on_rcpt_reply, s);
}

static void
on_mail_reply(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct session *s = arg;

	if (r->code == 0 && s->up_reused) {
		/* a pooled connection the next hop had closed: one fresh try */
		pool_drop(s->env->pool, s->up);
		s->up = NULL;
		up_connect(s);
		return;
	}
	if (r->code == 0) {
		up_lost(s, r);
		session_reply(s, "451 4.4.1 next hop unavailable, try again later");
		session_resume(s);
		return;
	}
	if (r->code / 100 != 2) {
		/* the next hop refuses the sender: this RCPT carries its reply */
		pool_put(s->env->pool, s->up, 0);
		s->up = NULL;
		s->hop = NULL;
		pass_reply(s, r);
		session_resume(s);
		return;
	}
	s->up_mail = 1;
	send_rcpt(s);
}

static void
send_mail(struct session *s)
{
	char line[SMTP_CMD_LINE_MAX];
	unsigned ext = client_exts(s->up);
	size_t n;

	if (s->params.smtputf8 && !(ext & EXT_SMTPUTF8)) {
		pool_put(s->env->pool, s->up, 1);
		s->up = NULL;
		s->hop = NULL;
		session_reply(s, "553 5.6.7 the recipient's server does not accept SMTPUTF8");
		session_resume(s);
		return;
	}
	n = (size_t)snprintf(line, sizeof(line), "MAIL FROM:<%s>", s->from.addr);
	if (s->params.has_size && (ext & EXT_SIZE))
		n += (size_t)snprintf(line + n, sizeof(line) - n, " SIZE=%llu", s->params.size);
	if (s->params.body == BODY_8BITMIME && (ext & EXT_8BITMIME))
		n += (size_t)snprintf(line + n, sizeof(line) - n, " BODY=8BITMIME");
	if (s->params.smtputf8)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " SMTPUTF8");
	client_command(s->up, line, n, on_mail_reply, s);
}

static void
on_up_ready(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct session *s = arg;

	if (r->code / 100 != 2) {
		log_warn("session=%s event=next_hop_unavailable hop=%s:%u code=%d reason=\"%s\"",
		    s->id, s->hop->host, s->hop->port, r->code, r->text);
		pool_drop(s->env->pool, s->up);
		s->up = NULL;
		s->hop = NULL;
		session_reply(s, "451 4.4.1 next hop unavailable, try again later");
		session_resume(s);
		return;
	}
	send_mail(s);
}

static void
up_connect(struct session *s)
{
	s->up_reused = 0;
	s->up = pool_connect(s->env->pool, s->hop, &s->client, on_up_ready, s);
	if (s->up == NULL) {
		s->hop = NULL;
		session_reply(s, "451 4.4.5 next hop busy, try again later");
		session_resume(s);
	}
}

void
session_relay_rcpt(struct session *s, const struct domain_config *d)
{
	if (s->hop != NULL && s->nrcpts == 0 && !hostport_equal(s->hop, &d->next_hop)) {
		/* nothing accepted yet: the transaction may still choose its next hop */
		pool_put(s->env->pool, s->up, !s->up_mail);
		s->up = NULL;
		s->up_mail = 0;
		s->hop = NULL;
	}
	if (s->hop != NULL && !hostport_equal(s->hop, &d->next_hop)) {
		session_reply(s, "452 4.5.3 <%s>: other next hop, send it in another "
		    "transaction", s->pending.addr);
		return;
	}
	s->busy = 1;
	session_set_timeouts(s);
	if (s->up != NULL) {
		send_rcpt(s);
		return;
	}
	s->hop = &d->next_hop;
	if ((s->up = pool_take(s->env->pool, s->hop, &s->client)) != NULL) {
		s->up_reused = 1;
		send_mail(s);
	} else
		up_connect(s);
}

static void
on_data_reply(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct session *s = arg;

	if (r->code == 0) {
		up_lost(s, r);
		session_reply(s, "451 4.4.2 next hop failed during delivery, try again later");
		session_log_tx(s, "tempfail", r->text);
	} else {
		pass_reply(s, r);
		/* Only a 250 surely ended the next hop's transaction: a refusal may be its
		 * reply to the DATA command itself, which leaves MAIL and RCPT standing
		 * (RFC 5321 4.1.1.4), so the pool sends RSET before anyone reuses it. */
		if (r->code / 100 == 2)
			s->up_mail = 0;
		/* history learns from delivered mail only: a held or refused spammer
		 * must not become "known" by trying twice */
		if (r->code / 100 == 2 && s->from.len > 0 && s->net[0] != '\0')
			(void)store_seen_submit(s->env->store, s->from.addr, s->net,
			    (int64_t)time(NULL), NULL, NULL);
		session_log_tx(s, r->code / 100 == 2 ? "relayed" :
		    r->code / 100 == 4 ? "tempfail" : "refused", r->text);
	}
	session_tx_reset(s);
	session_resume(s);
}

void
session_relay_message(struct session *s)
{
	client_data(s->up, (const char *)evbuffer_pullup(s->head, -1),
	    evbuffer_get_length(s->head), (const char *)evbuffer_pullup(s->body, -1),
	    evbuffer_get_length(s->body), on_data_reply, s);
}

void
session_relay_release(struct session *s)
{
	if (s->up != NULL) {
		pool_put(s->env->pool, s->up, !s->up_mail);
		s->up = NULL;
	}
	s->hop = NULL;
	s->up_mail = 0;
	s->up_reused = 0;
	s->tx_broken = 0;
}

void
session_relay_drop(struct session *s)
{
	if (s->up != NULL) {
		/* a next-hop operation may be pending: its callback must never run */
		pool_drop(s->env->pool, s->up);
		s->up = NULL;
	}
}
