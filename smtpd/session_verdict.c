/*
 * session_verdict.c - what decides the fate of a session's message, and when: the
 * checks started while the client talks (reverse DNS and DNSBL at connect, the
 * sender's history and SPF at MAIL), those of the end of data (DKIM, DMARC), and the
 * verdict of policy.c applied to the message.
 *
 * Owns the message as it leaves ecluse: the Received: and Authentication-Results
 * fields ecluse adds (s->head), and the message less the fields that would speak in
 * ecluse's name (s->body). The verdict waits for every check it started, each bounded
 * by its own deadline, then relays (session_relay.c), holds (session_hold.c) or
 * refuses the message (550 5.7.1). With [policy] mode = off no check runs and every
 * message that passes the end of data is relayed.
 *
 * Bad input, in every mode: data with a bare CR, LF or NUL, a line over 1000 octets,
 * over max_message_size, or a header section that cannot be read to its end is
 * refused (550 5.6.0, 552 5.3.4), as is a message with more Authentication-Results
 * fields claiming our authserv-id than can be removed; nothing is forwarded.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "auth/auth.h"
#include "common/header.h"
#include "common/log.h"
#include "smtpd/dnsbl.h"
#include "smtpd/policy.h"
#include "smtpd/rdns.h"
#include "smtpd/session_priv.h"
#include "smtpd/whitelist.h"
#include "store/store.h"

/* Where this sender's mail usually comes from (store, synchronous read). */
static void
history(struct session *s)
{
	struct store_seen *a = NULL, *d = NULL;
	size_t na = 0, nd = 0;
	bool first = false, unusual = false;

	if (s->from.len == 0 || s->net[0] == '\0')
		return;
	if (store_seen_get(s->env->store, s->from.addr, &a, &na) != STORE_OK)
		na = 0;
	if (store_seen_get(s->env->store, s->from.addr + s->from.at + 1, &d, &nd) != STORE_OK)
		nd = 0;
	policy_history(a, na, d, nd, s->net, &first, &unusual);
	s->first_contact = first;
	s->unusual_origin = unusual;
	store_seen_free(a, na);
	store_seen_free(d, nd);
}

void
session_verdict_mail(struct session *s)
{
	if (session_checks_on(s)) {
		history(s);
		/* SPF runs while the client sends recipients and data */
		s->auth = auth_start(&s->ap, (const struct sockaddr *)&s->sa, s->helo,
		    strlen(s->helo), s->from.addr, s->from.len);
	}
}

/* The Received: field (RFC 5321 4.4) and, when the checks ran, the
 * Authentication-Results field (RFC 8601), in s->head. */
static void
make_head(struct session *s, const struct auth_result *res)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	const char *with = !s->esmtp ? "SMTP" : s->tls ? "ESMTPS" : "ESMTP";

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	s->head = evbuffer_new();
	/* "for" only for a single recipient, not to disclose the others */
	if (s->nrcpts == 1)
		evbuffer_add_printf(s->head, "Received: from %s ([%s])\r\n\tby %s (ecluse) "
		    "with %s id %s\r\n\tfor <%s>; %s\r\n", s->helo, s->ip, s->cf->hostname,
		    with, s->id, s->rcpts[0], date);
	else
		evbuffer_add_printf(s->head, "Received: from %s ([%s])\r\n\tby %s (ecluse) "
		    "with %s id %s;\r\n\t%s\r\n", s->helo, s->ip, s->cf->hostname, with,
		    s->id, date);
	if (res != NULL && res->authres != NULL)
		evbuffer_add(s->head, res->authres, strlen(res->authres));
}

/* The message to forward: as received, less the fields that speak in ecluse's name:
 * Authentication-Results claiming our authserv-id (RFC 8601 5: a forgery of our own
 * verdict) and our own X-Ecluse-* fields (a sender could claim a release). Built of
 * references into msg (s->msg pulled up), not a copy: s->msg outlives s->body
 * (session_tx_reset), and with nothing removed the body is one piece, which the relay sends
 * without copying it (client_data reads it a slice at a time). */
static void
make_body(struct session *s, const char *msg, size_t len,
    const struct authres_range *remove, size_t nremove)
{
	struct header_iter it;
	struct header_field f;
	size_t at = 0, i;

	s->body = evbuffer_new();
	header_iter_init(&it, msg, len);
	while (header_next(&it, &f) == HEADER_OK) {
		size_t off = (size_t)(f.raw - msg);
		int drop = header_name_is(&f, "X-Ecluse-Released") ||
		    header_name_is(&f, "X-Ecluse-Monitor");

		for (i = 0; i < nremove && !drop; i++)
			drop = remove[i].off == off;
		if (drop) {
			evbuffer_add_reference(s->body, msg + at, off - at, NULL, NULL);
			at = off + f.raw_len;
		}
	}
	evbuffer_add_reference(s->body, msg + at, len - at, NULL, NULL);
}

/* in_loop: called from inside process() (no checks ran), which goes on by itself;
 * otherwise from a callback, which must resume the session. */
static void
decide(struct session *s, const struct auth_result *res, int in_loop)
{
	struct policy_input in;
	struct policy_params params;
	struct policy_verdict v;
	const struct dnsbl_result *bl = NULL;
	size_t len = evbuffer_get_length(s->msg);
	const char *msg = (const char *)evbuffer_pullup(s->msg, -1);
	const char *would;
	struct authres_range own[AUTH_REMOVE_MAX];
	const struct authres_range *remove = own;
	size_t nremove = 0;
	enum authres_find_err rerr;

	/* without checks (mode off) the forged fields are found here */
	if (res != NULL) {
		remove = res->remove;
		nremove = res->nremove;
		rerr = res->remove_err;
	} else
		rerr = authres_find(msg, len, auth_serv_id(&s->ap), own,
		    AUTH_REMOVE_MAX, &nremove);
	/* session_end_of_data refused a header section that cannot be read to its end,
	 * so every field was seen; too many forged fields is an attack. */
	if (rerr == AUTHRES_FIND_TOO_MANY) {
		session_reply(s, "550 5.7.1 message refused: too many Authentication-Results "
		    "fields claiming %s", auth_serv_id(&s->ap));
		session_log_tx(s, "refused", "forged Authentication-Results");
		goto done;
	}
	if (!session_checks_on(s)) {
		log_info("session=%s event=verdict action=relay score=0 reasons=\"checks off\"",
		    s->id);
		make_head(s, NULL);
		make_body(s, msg, len, remove, nremove);
		goto relay;
	}
	memset(&in, 0, sizeof(in));
	in.auth = res;
	in.client = (const struct sockaddr *)&s->sa;
	in.helo = s->helo;
	in.helo_len = strlen(s->helo);
	in.rdns = s->rdns != NULL ? rdns_result(s->rdns)->status : RDNS_UNKNOWN;
	in.ndnsbl = s->dnsbl != NULL ? dnsbl_results(s->dnsbl, &bl) : 0;
	in.dnsbl = bl;
	in.first_contact = s->first_contact;
	in.unusual_origin = s->unusual_origin;
	in.whitelisted = s->has_standing && whitelist_standing_match(&s->standing, res);
	/* the recipients' domain decides how strict (all share it: see cmd_rcpt) */
	policy_params_from_config(s->cf, &params);
	if (s->dom != NULL) {
		params.quarantine_threshold = s->dom->quarantine_threshold;
		params.reject_threshold = s->dom->reject_threshold;
	}
	policy_decide(&params, &in, &v);
	log_info("session=%s event=verdict action=%s score=%u reasons=\"%s\"", s->id,
	    policy_action_name(v.action), v.score, v.reasons);
	make_head(s, res);
	make_body(s, msg, len, remove, nremove);
	if (v.action != POLICY_RELAY && s->cf->policy_mode == POLICY_MONITOR) {
		/* roll-out without risk: everything goes through, marked */
		would = v.action == POLICY_REJECT ? "reject" : "hold";
		evbuffer_add_printf(s->head, "X-Ecluse-Monitor: would %s; score=%u; %s\r\n",
		    would, v.score, v.reasons);
		v.action = POLICY_RELAY;
	}
	if (v.action == POLICY_QUARANTINE && !in_loop) {
		session_hold(s, res, v.reasons);
		return;
	}
	if (v.action == POLICY_RELAY) {
relay:
		session_relay_message(s);
		return;
	}
	/* hostile: refused, no release possible */
	session_reply(s, "550 5.7.1 message refused by policy");
	session_log_tx(s, "refused", v.reasons);
done:
	session_tx_reset(s);
	if (!in_loop)
		session_resume(s);
	else {
		/* session_end_of_data took the timeouts away while busy: give them back */
		s->busy = 0;
		session_set_timeouts(s);
	}
}

/* The verdict waits for every check started for it: authentication at the end of
 * data, reverse DNS and DNSBL since the connection (each bounded by its deadline). */
static void
maybe_decide(struct session *s)
{
	if (s->auth_res == NULL || (s->rdns != NULL && !s->rdns_done) ||
	    (s->dnsbl != NULL && !s->dnsbl_done))
		return;
	decide(s, s->auth_res, 0);
}

static void
on_rdns(void *arg)
{
	struct session *s = arg;

	s->rdns_done = 1;
	maybe_decide(s);
}

static void
on_dnsbl(void *arg)
{
	struct session *s = arg;

	s->dnsbl_done = 1;
	maybe_decide(s);
}

void
session_verdict_connect(struct session *s, const struct sockaddr *sa)
{
	const struct smtpd_env *env = s->env;
	unsigned t = s->cf->dns_timeout_ms * s->cf->dns_tries;

	/* answered while the client talks; PTR then A/AAAA: two rounds */
	if (session_checks_on(s))
		s->rdns = rdns_start(env->auth.resolver, env->base, sa, 2 * t, on_rdns, s);
	if (session_checks_on(s) && env->dnsbl_zones.n > 0)
		s->dnsbl = dnsbl_start(env->auth.resolver, env->base, &env->dnsbl_zones, sa,
		    t, on_dnsbl, s);
}

static void
on_auth(void *arg, const struct auth_result *res)
{
	struct session *s = arg;

	log_info("session=%s event=auth spf=%s dkim_signatures=%zu dmarc=%s from_domain=%s "
	    "dns_questions=%zu%s", s->id, spf_result_name(res->spf.result), res->ndkim,
	    dmarc_res_name(res->dmarc.result), res->dmarc.author, res->dns_questions,
	    res->timed_out ? " timed_out=yes" : "");
	s->auth_res = res;
	maybe_decide(s);
}

/*
 * A header section that cannot be read to its end is refused, in every mode: what
 * follows the unreadable line would reach the next hop unread, forged fields
 * included, and a reader downstream may still take it for header. Over the limits
 * (header.h) the message is too big (RFC 3463 5.3.4); otherwise it is malformed
 * (5.6.0). Returns 0 when the message was refused.
 */
static int
header_ok(struct session *s)
{
	enum header_err err = header_check((const char *)evbuffer_pullup(s->msg, -1),
	    evbuffer_get_length(s->msg));

	if (err == HEADER_END)
		return 1;
	if (err == HEADER_TOO_BIG)
		session_reply(s, "552 5.3.4 message refused: header section over %d bytes",
		    HEADER_SIZE_MAX);
	else if (err == HEADER_TOO_MANY)
		session_reply(s, "552 5.3.4 message refused: over %d header fields",
		    HEADER_FIELDS_MAX);
	else
		session_reply(s, "550 5.6.0 message refused: %s (RFC 5322 2.2)",
		    header_strerror(err));
	session_log_tx(s, "refused", header_strerror(err));
	return 0;
}

void
session_end_of_data(struct session *s)
{
	s->state = S_COMMAND;
	if (s->dp.flags & (DATA_BARE_CR_LF | DATA_NUL)) {
		session_reply(s, "550 5.6.0 message refused: bare CR, LF or NUL in data "
		    "(RFC 5321 2.3.8)");
		session_log_tx(s, "refused", "bare CR, LF or NUL");
	} else if (s->dp.flags & DATA_TOO_BIG) {
		session_reply(s, "552 5.3.4 message too big");
		session_log_tx(s, "refused", "too big");
	} else if (s->dp.flags & DATA_LONG_LINE) {
		session_reply(s, "550 5.6.0 message refused: line too long (over 1000 octets, "
		    "RFC 5321 4.5.3.1.6)");
		session_log_tx(s, "refused", "line too long");
	} else if (header_ok(s)) {
		s->busy = 1;
		session_set_timeouts(s);
		if (s->auth != NULL)
			auth_message(s->auth, (const char *)evbuffer_pullup(s->msg, -1),
			    evbuffer_get_length(s->msg), on_auth, s);
		else
			decide(s, NULL, 1);
		return;
	}
	session_tx_reset(s);
	session_set_timeouts(s);
}
