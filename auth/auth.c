/*
 * auth.c - the per-transaction driver of SPF, DKIM and DMARC over one DNS cache;
 * see auth.h.
 *
 * A small state machine: SPF, then (once the message is there) DKIM, then DMARC,
 * then the result is delivered. Each stage runs its evaluation until it needs an
 * answer; the resolver's callback re-enters the machine. A question at a time is
 * enough: answers are shared through the cache, and SPF has normally finished while
 * the client was sending DATA.
 */
#include "config.h"

#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "auth/idna.h"
#include "auth/resolver.h"
#include "common/log.h"
#include "common/xmalloc.h"

enum stage { ST_SPF, ST_WAIT_MESSAGE, ST_DKIM, ST_DMARC, ST_DONE };

struct auth_session {
	struct auth_params	 p;
	struct dns_cache	*cache;
	struct resolver_query	*q;
	enum stage		 stage;
	struct spf_request	 req;
	char			*helo;
	char			*mail_from;
	const char		*msg;
	size_t			 len;
	struct dkim_ctx		*dkim;
	auth_cb			*cb;
	void			*cbarg;
	struct event		*spf_timer;
	struct event		*msg_timer;
	struct event		*deliver;
	struct auth_result	 res;
	char			*authres;
};

/* The DKIM verification of the message, once, with the shared key cache. */
static void
dkim_start(struct auth_session *s)
{
	if (s->dkim != NULL)
		return;
	s->dkim = dkim_new(s->msg, s->len, time(NULL));
	if (s->p.dkim_keys != NULL)
		dkim_use_keys(s->dkim, s->p.dkim_keys);
}

static void run(struct auth_session *s);

static void
cancel_query(struct auth_session *s)
{
	resolver_cancel(s->q);
	s->q = NULL;
}

static void
spf_give_up(struct auth_session *s, const char *why)
{
	s->res.spf.result = SPF_TEMPERROR;
	snprintf(s->res.spf.reason, sizeof(s->res.spf.reason), "%s", why);
	s->stage = s->msg != NULL ? ST_DKIM : ST_WAIT_MESSAGE;
}

/* Copies the DKIM results; signatures not finished become temperror. */
static void
dkim_collect(struct auth_session *s, const char *unfinished)
{
	size_t i, n = s->dkim != NULL ? dkim_nresults(s->dkim) : 0;

	if (n > DKIM_SIGS_MAX)
		n = DKIM_SIGS_MAX;
	for (i = 0; i < n; i++) {
		s->res.dkim[i] = *dkim_result(s->dkim, i);
		if (s->res.dkim[i].result == DKIM_NONE) {
			s->res.dkim[i].result = DKIM_TEMPERROR;
			s->res.dkim[i].reason = unfinished;
		}
	}
	s->res.ndkim = n;
}

static void
dmarc_give_up(struct auth_session *s, const char *why)
{
	const char *d = s->res.from.addr[0].domain;

	s->res.dmarc.result = DMARC_RES_TEMPERROR;
	snprintf(s->res.dmarc.reason, sizeof(s->res.dmarc.reason), "%s", why);
	/* the Author Domain as dmarc_eval gives it: A-labels, "" when no valid IDN */
	if (s->res.from.err == FROM_OK && (s->res.from.addr[0].literal ||
	    idna_to_ascii(d, strlen(d), s->res.dmarc.author, sizeof(s->res.dmarc.author),
	    NULL) != IDNA_OK))
		snprintf(s->res.dmarc.author, sizeof(s->res.dmarc.author), "%s",
		    s->res.from.addr[0].literal ? d : "");
}

/* The stage in progress cannot go on (deadline, full cache): temperror for it and
 * for every later stage that would need DNS too. */
static void
give_up(struct auth_session *s, const char *why)
{
	cancel_query(s);
	if (s->stage == ST_SPF) {
		spf_give_up(s, why);
		if (s->stage == ST_WAIT_MESSAGE)
			return;		/* DKIM and DMARC get their own time later */
	}
	if (s->stage == ST_DKIM) {
		/* its signatures are listed, each a temperror, rather than none */
		dkim_start(s);
		dkim_collect(s, why);
		s->stage = ST_DMARC;
	}
	if (s->stage == ST_DMARC) {
		dmarc_give_up(s, why);
		s->stage = ST_DONE;
	}
}

static void
on_dns(void *arg, int stored)
{
	struct auth_session *s = arg;

	s->q = NULL;
	if (stored != 0) {
		give_up(s, "too many DNS questions for one message");
		if (s->stage == ST_WAIT_MESSAGE)
			return;
	}
	run(s);
}

static void
on_spf_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct auth_session *s = arg;

	if (s->stage != ST_SPF)
		return;
	s->res.timed_out = 1;
	cancel_query(s);
	spf_give_up(s, "SPF check timed out");
	if (s->stage == ST_DKIM)
		run(s);
}

static void
on_msg_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct auth_session *s = arg;

	if (s->stage == ST_DONE)
		return;
	s->res.timed_out = 1;
	if (s->stage == ST_SPF) {
		cancel_query(s);
		spf_give_up(s, "SPF check timed out");
	}
	give_up(s, "checks timed out");
	run(s);
}

static void
on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct auth_session *s = arg;

	s->cb(s->cbarg, &s->res);
}

static int
wait_dns(struct auth_session *s)
{
	s->q = resolver_fill(s->p.resolver, s->cache, on_dns, s);
	return s->q != NULL;
}

const char *
auth_serv_id(const struct auth_params *p)
{
	if (p->authserv_id != NULL && p->authserv_id[0] != '\0')
		return p->authserv_id;
	return p->receiver != NULL ? p->receiver : "";
}

/*
 * Whether the header section holds an 8-bit byte: an internationalized header
 * (RFC 6532), which may then carry U-labels in the field we add too.
 */
static int
header_8bit(const char *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)msg[i] >= 0x80)
			return 1;
		if (msg[i] == '\n' && i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return 0;
	}
	return 0;
}

/* Room for a name of U-labels: each A-label octet gives at most four bytes of UTF-8. */
#define ULABEL_BUF (4 * DNS_NAME_MAX + 1)

/*
 * The name as Authentication-Results writes it: in an internationalized message with
 * U-labels (RFC 8616 5: U-labels SHOULD be used in such headers), else as given
 * (identities are A-labels). The A-labels whenever they are not valid ones.
 */
static const char *
shown(const char *name, int utf8, char buf[ULABEL_BUF])
{
	if (name == NULL || !utf8 ||
	    idna_to_utf8(name, strlen(name), buf, ULABEL_BUF, NULL) != IDNA_OK)
		return name;
	return buf;
}

static void
build_authres(struct auth_session *s)
{
	/* U-label forms: the SPF identity, d= and s= of each signature, the From */
	char (*names)[ULABEL_BUF] = xcalloc(2 + 2 * DKIM_SIGS_MAX, ULABEL_BUF);
	struct authres_spf spf;
	struct authres_dkim dk[DKIM_SIGS_MAX];
	struct authres_dmarc dm;
	const char *id = auth_serv_id(&s->p);
	size_t i, n = s->res.ndkim;
	int utf8 = s->msg != NULL && header_8bit(s->msg, s->len);

	memset(&spf, 0, sizeof(spf));
	spf.result = spf_result_name(s->res.spf.result);
	/* the identity checked (RFC 7208 9.2): a MAIL FROM whose domain could not be
	 * checked is reported whole, never as the HELO that was not checked; a U-label
	 * identity as the A-labels that were checked (or U-labels, see shown()) */
	if (s->res.spf.identity == SPF_ID_HELO)
		spf.helo = shown(idna_has_8bit(s->helo, strlen(s->helo)) &&
		    s->res.spf.domain[0] != '\0' ? s->res.spf.domain : s->helo, utf8,
		    names[0]);
	else
		spf.mailfrom = s->res.spf.domain[0] != '\0' ?
		    shown(s->res.spf.domain, utf8, names[0]) : s->mail_from;
	memset(dk, 0, sizeof(dk));
	for (i = 0; i < n; i++) {
		const struct dkim_sigres *r = &s->res.dkim[i];

		dk[i].result = dkim_result_name(r->result);
		dk[i].d = shown(r->d, utf8, names[1 + 2 * i]);
		dk[i].s = shown(r->s, utf8, names[2 + 2 * i]);
		dk[i].b = r->b;
		dk[i].reason = r->result == DKIM_PASS ? NULL : r->reason;
	}
	if (n == 0) {
		dk[0].result = "none";
		n = 1;
	}
	memset(&dm, 0, sizeof(dm));
	dm.result = dmarc_res_name(s->res.dmarc.result);
	dm.from = s->res.dmarc.author[0] != '\0' ?
	    shown(s->res.dmarc.author, utf8, names[1 + 2 * DKIM_SIGS_MAX]) : NULL;
	if (s->res.dmarc.policy_domain[0] != '\0' &&
	    (s->res.dmarc.result == DMARC_RES_PASS || s->res.dmarc.result == DMARC_RES_FAIL))
		dm.policy = dmarc_policy_name(s->res.dmarc.policy);
	if (s->res.dmarc.result != DMARC_RES_PASS && s->res.dmarc.result != DMARC_RES_NONE)
		dm.reason = s->res.dmarc.reason;
	free(s->authres);
	s->authres = id[0] != '\0' ? authres_build(id, &spf, dk, n, &dm, utf8) : NULL;
	s->res.authres = s->authres;
	free(names);
}

static void
finish(struct auth_session *s)
{
	if (s->msg_timer != NULL)
		evtimer_del(s->msg_timer);
	if (s->spf_timer != NULL)
		evtimer_del(s->spf_timer);
	s->res.dns_questions = dns_cache_size(s->cache);
	build_authres(s);
	event_active(s->deliver, EV_TIMEOUT, 0);
}

static void
run(struct auth_session *s)
{
	const char *dkim_pass[DKIM_SIGS_MAX], *dkim_temp[DKIM_SIGS_MAX];
	struct dmarc_input in;
	size_t i;

	for (;;) {
		switch (s->stage) {
		case ST_SPF:
			if (spf_check(&s->req, s->cache, &s->res.spf) == SPF_NEED_DNS) {
				if (wait_dns(s))
					return;
				spf_give_up(s, "DNS question not asked");
				continue;
			}
			evtimer_del(s->spf_timer);
			s->stage = s->msg != NULL ? ST_DKIM : ST_WAIT_MESSAGE;
			continue;
		case ST_WAIT_MESSAGE:
			return;
		case ST_DKIM:
			dkim_start(s);
			if (dkim_verify_step(s->dkim, s->cache) == DKIM_NEED_DNS) {
				if (wait_dns(s))
					return;
				give_up(s, "DNS question not asked");
				continue;
			}
			dkim_collect(s, "unfinished");
			s->stage = ST_DMARC;
			continue;
		case ST_DMARC:
			memset(&in, 0, sizeof(in));
			in.from = &s->res.from;
			if (s->res.spf.result == SPF_PASS && s->res.spf.domain[0] != '\0')
				in.spf_domain = s->res.spf.domain;
			if (s->res.spf.result == SPF_TEMPERROR && s->res.spf.domain[0] != '\0')
				in.spf_temp_domain = s->res.spf.domain;
			for (i = 0; i < s->res.ndkim; i++) {
				const struct dkim_sigres *d = &s->res.dkim[i];

				if (d->result == DKIM_PASS)
					dkim_pass[in.ndkim++] = d->d;
				else if (d->result == DKIM_TEMPERROR && d->d[0] != '\0')
					dkim_temp[in.ndkim_temp++] = d->d;
			}
			in.dkim_domains = dkim_pass;
			in.dkim_temp_domains = dkim_temp;
			if (dmarc_eval(&in, s->cache, &s->res.dmarc) == DMARC_NEED_DNS) {
				if (wait_dns(s))
					return;
				give_up(s, "DNS question not asked");
				continue;
			}
			s->stage = ST_DONE;
			continue;
		case ST_DONE:
			finish(s);
			return;
		}
	}
}

static void
arm(struct event *ev, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static struct event *
must(struct event *ev)
{
	if (ev == NULL)
		log_fatal("event=oom what=libevent");
	return ev;
}

struct auth_session *
auth_start(const struct auth_params *p, const struct sockaddr *client, const char *helo,
    size_t helo_len, const char *mail_from, size_t mail_from_len)
{
	struct auth_session *s;

	if (client->sa_family != AF_INET && client->sa_family != AF_INET6)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->p = *p;
	s->cache = dns_cache_new();
	s->helo = xstrndup(helo, helo_len);
	s->mail_from = xstrndup(mail_from, mail_from_len);
	s->req.family = client->sa_family;
	if (client->sa_family == AF_INET)
		memcpy(s->req.ip, &((const struct sockaddr_in *)(const void *)client)->sin_addr, 4);
	else
		memcpy(s->req.ip, &((const struct sockaddr_in6 *)(const void *)client)->sin6_addr,
		    16);
	s->req.helo = s->helo;
	s->req.helo_len = helo_len;
	s->req.mail_from = s->mail_from;
	s->req.mail_from_len = mail_from_len;
	s->req.receiver = p->receiver;
	s->req.receiver_len = p->receiver != NULL ? strlen(p->receiver) : 0;
	s->req.now = time(NULL);
	s->spf_timer = must(evtimer_new(p->base, on_spf_timeout, s));
	s->msg_timer = must(evtimer_new(p->base, on_msg_timeout, s));
	s->deliver = must(event_new(p->base, -1, 0, on_deliver, s));
	s->stage = ST_SPF;
	arm(s->spf_timer, p->spf_timeout_ms);
	run(s);
	return s;
}

void
auth_message(struct auth_session *s, const char *msg, size_t len, auth_cb *cb, void *arg)
{
	s->msg = msg;
	s->len = len;
	s->cb = cb;
	s->cbarg = arg;
	from_extract(msg, len, &s->res.from);
	s->res.remove_err = authres_find(msg, len, auth_serv_id(&s->p), s->res.remove,
	    AUTH_REMOVE_MAX, &s->res.nremove);
	arm(s->msg_timer, s->p.msg_timeout_ms);
	if (s->stage == ST_WAIT_MESSAGE) {
		s->stage = ST_DKIM;
		run(s);
	}
}

void
auth_free(struct auth_session *s)
{
	if (s == NULL)
		return;
	cancel_query(s);
	if (s->spf_timer != NULL)
		event_free(s->spf_timer);
	if (s->msg_timer != NULL)
		event_free(s->msg_timer);
	if (s->deliver != NULL)
		event_free(s->deliver);
	dkim_free(s->dkim);
	dns_cache_free(s->cache);
	free(s->authres);
	free(s->helo);
	free(s->mail_from);
	free(s);
}
