/*
 * session_cmd.c - what each SMTP command (RFC 5321 4.1) does to a session: its
 * syntax, the state it needs, its reply.
 *
 * Owns the envelope: the client's name (HELO, EHLO), the sender (MAIL) and the
 * recipients as they come (RCPT), with their limits: parameters SIZE, BODY and
 * SMTPUTF8 only, max_message_size, max_recipients, served domains only and no relay
 * form (DESIGN rule 3). The recipients of one transaction share one next hop, one
 * domain policy and one whitelist standing (DESIGN rule 2): another gets 452 4.5.3, to
 * come in another transaction. An RCPT that passes goes on to the next hop
 * (session_relay.c), which has the last word on it.
 *
 * Bad input gets a reply with an enhanced status code (RFC 3463): 500, 501 or 555
 * for syntax, 503 for sequence, 550 or 553 for a refused address. The line itself was
 * checked by session.c (length, CRLF, no bare CR or NUL).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "common/config.h"
#include "common/log.h"
#include "common/mailbox.h"
#include "common/xmalloc.h"
#include "smtpd/data.h"
#include "smtpd/parse.h"
#include "smtpd/session_priv.h"
#include "smtpd/whitelist.h"
#include "store/store.h"

/* The whitelist entries that may let this sender reach the pending recipient, into
 * st. Returns true when an entry blocks the sender for it (smtpd/whitelist.h), with
 * that entry's scope and sender in why. Entries are kept per mailbox: alice's reach
 * alice+news under subaddressing (common/mailbox.h). */
static bool
whitelist_of(struct session *s, struct whitelist_standing *st, char *why, size_t whysz)
{
	static const char *const scope[] = { "global", "domain", "recipient" };
	char mbox[MAILBOX_ADDR_MAX + 1];
	struct store_wl_entry *v = NULL;
	const struct store_wl_entry *b;
	size_t n = 0, mlen;

	/* the null sender matches no entry; a store error: unknown, never blocked (the
	 * mail is then filtered as any unknown sender's); a recipient smtp_parse_rcpt
	 * took always has a mailbox */
	if (s->from.len == 0 || mailbox_of_config(s->cf, s->pending.addr, s->pending.len,
	    mbox, &mlen) != MAILBOX_OK || store_wl_lookup(s->env->store, mbox,
	    s->from.addr, (int64_t)time(NULL), &v, &n) != STORE_OK)
		n = 0;
	whitelist_standing(v, n, (const struct sockaddr *)&s->sa, st);
	if ((b = whitelist_blocked(v, n)) != NULL)
		snprintf(why, whysz, "blocked scope=%s entry=%s",
		    (unsigned)b->scope < 3 ? scope[b->scope] : "?", b->sender);
	store_wl_free(v, n);
	return b != NULL;
}

/* RCPT and DATA need a transaction whose next hop is still there; false after the
 * reply that says why not. */
static bool
tx_usable(struct session *s)
{
	if (!s->in_tx) {
		session_reply(s, "503 5.5.1 MAIL first");
		return false;
	}
	if (s->tx_broken) {
		session_reply(s, "451 4.4.1 next hop unavailable, try again later");
		return false;
	}
	return true;
}

static void
cmd_rcpt(struct session *s, const char *arg, size_t len)
{
	char from[SMTP_PATH_MAX * 4 + 4], rcpt[SMTP_PATH_MAX * 4 + 4];
	char why[STORE_ADDR_MAX + 64], w[sizeof(why) * 4];
	const struct domain_config *d;
	enum parse_err e;

	if (!tx_usable(s))
		return;
	if (s->nrcpts >= s->cf->max_recipients) {
		/* RFC 5321 4.5.3.1.10: 452 for too many recipients */
		session_reply(s, "452 4.5.3 too many recipients");
		return;
	}
	e = smtp_parse_rcpt(arg, len, s->params.smtputf8, &s->pending);
	switch (e) {
	case P_OK:
		break;
	case P_RELAY:
		session_reply(s, "550 5.7.1 relay access denied: address form not accepted");
		return;
	case P_UTF8:
		session_reply(s, "553 5.6.7 non-ASCII address needs SMTPUTF8");
		return;
	case P_ANGLE:
		session_reply(s, "553 5.1.3 angle bracket in a quoted local part not accepted");
		return;
	case P_PARAM_UNKNOWN:
		session_reply(s, "555 5.5.4 unsupported RCPT parameter");
		return;
	case P_SYNTAX:
		session_reply(s, "501 5.5.4 syntax: RCPT TO:<address>");
		return;
	default:
		session_reply(s, "501 5.1.3 bad recipient address syntax");
		return;
	}
	d = config_domain(s->cf, s->pending.addr + s->pending.at + 1,
	    s->pending.len - s->pending.at - 1);
	if (d == NULL) {
		char esc[SMTP_PATH_MAX * 4 + 4];

		log_info("session=%s event=relay_denied client=%s rcpt=<%s>", s->id, s->ip,
		    log_escape(esc, sizeof(esc), s->pending.addr, s->pending.len));
		session_reply(s, "550 5.7.1 <%s>: relay access denied", s->pending.addr);
		return;
	}
	/* DESIGN rule 2: recipients whose whitelist standing differs would need
	 * different verdicts: the client sends them in another transaction. A blocked
	 * sender is refused here for this recipient, so it never joins the transaction. */
	if (session_checks_on(s) &&
	    whitelist_of(s, &s->pending_standing, why, sizeof(why))) {
		log_info("session=%s event=rcpt_blocked client=%s from=<%s> rcpt=<%s> "
		    "reason=\"%s\" mode=%s", s->id, s->ip,
		    log_escape(from, sizeof(from), s->from.addr, s->from.len),
		    log_escape(rcpt, sizeof(rcpt), s->pending.addr, s->pending.len),
		    log_escape(w, sizeof(w), why, strlen(why)),
		    s->cf->policy_mode == POLICY_MONITOR ? "monitor" : "enforce");
		if (s->cf->policy_mode != POLICY_MONITOR) {
			/* no release link: the recipient asked not to hear from this sender */
			session_reply(s, "550 5.7.1 <%s>: the recipient does not accept mail "
			    "from this sender", s->pending.addr);
			return;
		}
	}
	s->pending_dom = d;
	if (session_checks_on(s) && s->dom != NULL &&
	    (s->dom->quarantine_threshold != d->quarantine_threshold ||
	    s->dom->reject_threshold != d->reject_threshold)) {
		session_reply(s, "452 4.5.3 <%s>: other domain policy, send it in another "
		    "transaction", s->pending.addr);
		return;
	}
	if (s->has_standing && !whitelist_standing_equal(&s->standing, &s->pending_standing)) {
		session_reply(s, "452 4.5.3 <%s>: other whitelist standing, send it in another "
		    "transaction", s->pending.addr);
		return;
	}
	session_relay_rcpt(s, d);
}

static void
cmd_mail(struct session *s, const char *arg, size_t len)
{
	enum parse_err e;

	if (s->helo == NULL) {
		session_reply(s, "503 5.5.1 EHLO or HELO first");
		return;
	}
	if (s->in_tx) {
		session_reply(s, "503 5.5.1 nested MAIL command");
		return;
	}
	e = smtp_parse_mail(arg, len, &s->from, &s->params);
	switch (e) {
	case P_OK:
		break;
	case P_PARAM_UNKNOWN:
		session_reply(s, "555 5.5.4 unsupported MAIL parameter");
		return;
	case P_PARAM:
		session_reply(s, "501 5.5.4 bad MAIL parameter value");
		return;
	case P_UTF8:
		session_reply(s, "553 5.6.7 non-ASCII address needs SMTPUTF8");
		return;
	case P_ANGLE:
		session_reply(s, "553 5.1.7 angle bracket in a quoted local part not accepted");
		return;
	case P_SYNTAX:
		session_reply(s, "501 5.5.4 syntax: MAIL FROM:<address>");
		return;
	default:
		session_reply(s, "501 5.1.7 bad sender address syntax");
		return;
	}
	if ((s->params.smtputf8 || s->params.body != BODY_NONE) && !s->esmtp) {
		session_reply(s, "501 5.5.4 parameters need EHLO");
		return;
	}
	if (s->params.has_size && s->params.size > s->cf->max_message_size) {
		session_reply(s, "552 5.3.4 message size exceeds fixed limit");
		return;
	}
	s->in_tx = 1;
	s->ntx++;
	{
		struct timeval tv = { (time_t)s->cf->timeout_transaction, 0 };

		evtimer_add(s->tx_ev, &tv);
	}
	session_verdict_mail(s);
	session_reply(s, "250 2.1.0 OK");
}

static void
cmd_ehlo(struct session *s, const char *arg, size_t len, int esmtp)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);

	if (smtp_parse_helo(arg, len) != P_OK) {
		session_reply(s, "501 5.5.4 syntax: %s hostname", esmtp ? "EHLO" : "HELO");
		return;
	}
	if (s->in_tx) {
		session_log_tx(s, "aborted", "EHLO");
		session_tx_reset(s);
	}
	free(s->helo);
	s->helo = xstrndup(arg, len);
	s->esmtp = esmtp;
	if (!esmtp) {
		session_reply(s, "250 %s", s->cf->hostname);
		return;
	}
	evbuffer_add_printf(out, "250-%s\r\n250-PIPELINING\r\n250-SIZE %zu\r\n"
	    "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n",
	    s->cf->hostname, s->cf->max_message_size);
	if (s->env->tls != NULL && !s->tls)
		evbuffer_add_printf(out, "250-STARTTLS\r\n");
	evbuffer_add_printf(out, "250 HELP\r\n");
}

static void
cmd_data(struct session *s, const char *arg, size_t len)
{
	if (len != 0) {
		session_reply(s, "501 5.5.4 syntax: DATA");
		return;
	}
	if (!tx_usable(s))
		return;
	if (s->nrcpts == 0) {
		session_reply(s, "554 5.5.1 no valid recipients");
		return;
	}
	session_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	data_init(&s->dp, s->cf->max_message_size);
	s->msg = evbuffer_new();
	s->state = S_DATA;
	session_set_timeouts(s);
}

static void
cmd_starttls(struct session *s, size_t len)
{
	if (len != 0) {
		session_reply(s, "501 5.5.4 syntax: STARTTLS");
		return;
	}
	if (s->env->tls == NULL) {
		session_reply(s, "502 5.5.1 STARTTLS not available");
		return;
	}
	if (s->tls) {
		session_reply(s, "503 5.5.1 TLS already active");
		return;
	}
	session_starttls(s);
}

void
session_dispatch(struct session *s, const char *line, size_t len)
{
	const char *arg;
	size_t alen;
	enum smtp_verb v = smtp_parse_verb(line, len, &arg, &alen);

	switch (v) {
	case V_EHLO:
	case V_HELO:
		cmd_ehlo(s, arg, alen, v == V_EHLO);
		break;
	case V_MAIL:
		cmd_mail(s, arg, alen);
		break;
	case V_RCPT:
		cmd_rcpt(s, arg, alen);
		break;
	case V_DATA:
		cmd_data(s, arg, alen);
		break;
	case V_RSET:
		if (alen != 0) {
			session_reply(s, "501 5.5.4 syntax: RSET");
			break;
		}
		if (s->in_tx)
			session_log_tx(s, "aborted", "RSET");
		session_tx_reset(s);
		session_reply(s, "250 2.0.0 OK");
		break;
	case V_NOOP:
		session_reply(s, "250 2.0.0 OK");
		break;
	case V_QUIT:
		session_reply(s, "221 2.0.0 Bye");
		session_close_after_flush(s);
		break;
	case V_VRFY:
		session_reply(s, "252 2.5.0 cannot VRFY user, but will accept message and "
		    "attempt delivery");
		break;
	case V_EXPN:
		session_reply(s, "502 5.5.1 EXPN not available");
		break;
	case V_HELP:
		session_reply(s, "214 2.0.0 see RFC 5321; commands: EHLO HELO MAIL RCPT DATA "
		    "RSET NOOP QUIT VRFY STARTTLS");
		break;
	case V_STARTTLS:
		cmd_starttls(s, alen);
		break;
	case V_BDAT:
	case V_AUTH:
	case V_ETRN:
	case V_TURN:
		session_reply(s, "502 5.5.1 command not implemented");
		break;
	case V_UNKNOWN:
		session_reply(s, "500 5.5.2 command not recognized");
		break;
	}
}
