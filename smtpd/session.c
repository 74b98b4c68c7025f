/*
 * session.c - one SMTP connection (RFC 5321), relayed in the transaction: its socket,
 * input and output, timeouts and STARTTLS, from the greeting to the close. What the
 * commands do, the next hop, the verdict and the quarantine are its parts, in
 * session_cmd.c, session_relay.c, session_verdict.c and session_hold.c.
 *
 * Input is processed one command at a time. A command that needs the next hop (RCPT,
 * and the end of data) makes the session busy: input waits in the bufferevent (bounded
 * by SESSION_INPUT_HIGH) until the next hop answers, so pipelined commands are
 * answered in order. Output is bounded by SESSION_OUTPUT_HIGH: a client that does not
 * read its replies stops being read.
 *
 * Limits: command lines SMTP_CMD_LINE_MAX, text lines and size in data.c, recipients,
 * errors and timeouts from [smtpd]. Bad input gets a reply with an enhanced status
 * code and a log line; nothing partial ever goes to the next hop.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <sodium.h>

#include "auth/auth.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/xmalloc.h"
#include "smtpd/data.h"
#include "smtpd/dnsbl.h"
#include "smtpd/parse.h"
#include "smtpd/rdns.h"
#include "smtpd/session_priv.h"

/* Pipelined input held while waiting for the next hop; reading stops beyond it. */
#define SESSION_INPUT_HIGH (64 * 1024)
/* Replies not yet read by the client; processing stops beyond it. */
#define SESSION_OUTPUT_HIGH (64 * 1024)
/* DATA is scanned in slices of this size (one stack buffer). */
#define DATA_SLICE 16384
/* Time given to a last reply (421, 221) to reach a client that does not read. */
#define SESSION_CLOSE_FLUSH 10
/* Under TLS the last reply sits in the socket's buffer after the TLS layer's:
 * checked every SESSION_CLOSE_POLL_MS until both are empty. */
#define SESSION_CLOSE_POLL_MS 10

static void process(struct session *s);
static void tx_timed_out(struct session *s);
static void on_read(struct bufferevent *bev, void *arg);
static void on_write(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

void
session_reply(struct session *s, const char *fmt, ...)
{
	char line[SMTP_CMD_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)(sizeof(line) - 3);	/* a reply line is 512 octets at most */
	line[n++] = '\r';
	line[n++] = '\n';
	evbuffer_add(bufferevent_get_output(s->bev), line, (size_t)n);
	if (line[0] == '4' || line[0] == '5')
		s->errors++;
}

/*
 * The timeouts of the state the session is in. Reading commands (and the TLS
 * handshake): timeout_command is a deadline for a complete line, started here and
 * again after each line (next_line), so a client trickling a byte at a time cannot
 * hold the session for ever (RFC 5321 4.5.3.2.7 gives it 5 minutes to send a
 * command); the write timeout catches a client that does not read its replies. In
 * DATA: timeout_data between reads (RFC 5321 4.5.3.2.5), as a large message from a
 * slow but honest sender takes long in all. Busy (the next hop or a check has the
 * turn) or closing: none against the client.
 */
void
session_set_timeouts(struct session *s)
{
	struct timeval tv = { 0, 0 };

	if (s->busy || s->state == S_CLOSING) {
		bufferevent_set_timeouts(s->bev, NULL, NULL);
		evtimer_del(s->cmd_ev);
		return;
	}
	if (s->state == S_DATA) {
		tv.tv_sec = (time_t)s->cf->timeout_data;
		bufferevent_set_timeouts(s->bev, &tv, &tv);
		evtimer_del(s->cmd_ev);
		return;
	}
	tv.tv_sec = (time_t)s->cf->timeout_command;
	bufferevent_set_timeouts(s->bev, NULL, &tv);
	evtimer_add(s->cmd_ev, &tv);
}

void
session_close_after_flush(struct session *s)
{
	struct timeval tv = { SESSION_CLOSE_FLUSH, 0 };

	s->state = S_CLOSING;
	evtimer_del(s->cmd_ev);
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_set_timeouts(s->bev, NULL, &tv);
	/* on_write frees the session once the output is empty */
	bufferevent_trigger(s->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS |
	    BEV_TRIG_DEFER_CALLBACKS);
}

void
session_log_tx(struct session *s, const char *outcome, const char *why)
{
	char from[SMTP_PATH_MAX * 4 + 4], r0[SMTP_PATH_MAX * 4 + 4], w[SMTP_CMD_LINE_MAX * 4];

	log_info("session=%s event=transaction client=%s from=<%s> rcpts=%zu first_rcpt=<%s> "
	    "size=%zu hop=%s:%u outcome=%s reply=\"%s\"", s->id, s->ip,
	    log_escape(from, sizeof(from), s->from.addr, s->from.len), s->nrcpts,
	    s->nrcpts ? log_escape(r0, sizeof(r0), s->rcpts[0], strlen(s->rcpts[0])) : "",
	    s->msg ? evbuffer_get_length(s->msg) : 0, s->hop ? s->hop->host : "-",
	    s->hop ? s->hop->port : 0, outcome, log_escape(w, sizeof(w), why, strlen(why)));
}

/* Ends the transaction; the next-hop connection goes back to the pool. */
void
session_tx_reset(struct session *s)
{
	size_t i;

	session_relay_release(s);
	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpts = 0;
	s->in_tx = 0;
	s->dom = NULL;
	memset(&s->from, 0, sizeof(s->from));
	auth_free(s->auth);
	s->auth = NULL;
	s->auth_res = NULL;
	s->has_standing = 0;
	s->first_contact = s->unusual_origin = 0;
	evtimer_del(s->tx_ev);
	s->tx_late = 0;
	if (s->body != NULL) {
		evbuffer_free(s->body);	/* references into s->msg: first */
		s->body = NULL;
	}
	if (s->msg != NULL) {
		evbuffer_free(s->msg);
		s->msg = NULL;
	}
	if (s->head != NULL) {
		evbuffer_free(s->head);
		s->head = NULL;
	}
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	if (s->in_tx)
		session_log_tx(s, "aborted", "connection closed");
	session_hold_disown(s);
	session_relay_drop(s);
	session_tx_reset(s);
	log_info("session=%s event=disconnect client=%s transactions=%u errors=%u", s->id,
	    s->ip, s->ntx, s->errors);
	rdns_free(s->rdns);
	dnsbl_free(s->dnsbl);
	if (s->close_ev != NULL)
		event_free(s->close_ev);
	event_free(s->cmd_ev);
	event_free(s->tx_ev);
	bufferevent_free(s->bev);
	free(s->helo);
	if (s->on_close != NULL)
		s->on_close(s, s->close_arg);
	/* last: what was freed above may point into it (authserv-id, s->dom) */
	snapshot_put(s->env->conf, s->cf);
	free(s);
}

const struct netaddr *
session_client(const struct session *s)
{
	return &s->client;
}

void
session_resume(struct session *s)
{
	s->busy = 0;
	if (s->tx_late && s->in_tx) {
		tx_timed_out(s);
		return;
	}
	session_set_timeouts(s);
	process(s);
}

void
session_starttls(struct session *s)
{
	struct bufferevent *tls;
	SSL *ssl;

	session_reply(s, "220 2.0.0 Ready to start TLS");
	/* Anything the client pipelined after STARTTLS was sent in clear and must not
	 * be taken as said inside TLS (CVE-2011-0411 class). */
	evbuffer_drain(bufferevent_get_input(s->bev),
	    evbuffer_get_length(bufferevent_get_input(s->bev)));
	if ((ssl = SSL_new(s->env->tls)) == NULL) {
		session_reply(s, "454 4.7.0 TLS not available now");
		return;
	}
	tls = bufferevent_openssl_filter_new(s->env->base, s->bev, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (tls == NULL) {
		SSL_free(ssl);
		session_reply(s, "454 4.7.0 TLS not available now");
		return;
	}
	s->bev = tls;
	s->state = S_TLS;
	bufferevent_setcb(tls, on_read, on_write, on_event, s);
	bufferevent_setwatermark(tls, EV_READ, 0, SESSION_INPUT_HIGH);
	session_set_timeouts(s);
	bufferevent_enable(tls, EV_READ | EV_WRITE);
}

/* Feeds pending input to the DATA machine. */
static void
feed_data(struct session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	char out[DATA_SLICE + 2];

	while (s->state == S_DATA && evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v;
		size_t take, used, olen;
		int done;

		if (evbuffer_peek(in, DATA_SLICE, NULL, &v, 1) < 1)
			break;
		take = v.iov_len < DATA_SLICE ? v.iov_len : DATA_SLICE;
		used = data_feed(&s->dp, v.iov_base, take, out, &olen, &done);
		if (olen > 0)
			evbuffer_add(s->msg, out, olen);
		evbuffer_drain(in, used);
		if (done)
			session_end_of_data(s);
	}
}

/* Takes one command line from the input; returns 0 when none is complete yet. */
static int
next_line(struct session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	char line[SMTP_CMD_LINE_MAX];
	struct evbuffer_ptr p;
	size_t len, i;

	p = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
	if (p.pos < 0) {
		if (evbuffer_get_length(in) >= SMTP_CMD_LINE_MAX) {
			/* no end of line within the limit: drop until one comes */
			evbuffer_drain(in, evbuffer_get_length(in));
			s->discarding = 1;
		}
		return 0;
	}
	len = (size_t)p.pos;	/* bytes before the LF */
	/* a complete line: the next one has its own deadline (session_set_timeouts) */
	{
		struct timeval tv = { (time_t)s->cf->timeout_command, 0 };

		evtimer_add(s->cmd_ev, &tv);
	}
	if (s->discarding || len + 1 > SMTP_CMD_LINE_MAX) {
		evbuffer_drain(in, len + 1);
		s->discarding = 0;
		session_reply(s, "500 5.5.2 line too long");
		return 1;
	}
	evbuffer_remove(in, line, len + 1);
	if (len == 0 || line[len - 1] != '\r') {
		session_reply(s, "500 5.5.2 command line must end with CRLF");
		return 1;
	}
	len--;
	for (i = 0; i < len; i++)
		if (line[i] == '\r' || line[i] == '\0') {
			session_reply(s, "500 5.5.2 bare CR or NUL in command");
			return 1;
		}
	session_dispatch(s, line, len);
	return 1;
}

static void
process(struct session *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);

	while (!s->busy && (s->state == S_COMMAND || s->state == S_DATA)) {
		if (evbuffer_get_length(out) > SESSION_OUTPUT_HIGH)
			return;	/* resumed by on_write once the client reads */
		if (s->state == S_DATA) {
			feed_data(s);
			if (s->state == S_DATA)
				break;
			continue;
		}
		if (!next_line(s))
			break;
		if (s->errors >= s->cf->max_errors && s->state == S_COMMAND) {
			session_reply(s, "421 4.7.0 %s too many errors, closing connection",
			    s->cf->hostname);
			log_info("session=%s event=too_many_errors client=%s", s->id, s->ip);
			session_close_after_flush(s);
			return;
		}
	}
	/* The client closed its side: answer what it sent, then end. */
	if (s->eof && !s->busy && (s->state == S_COMMAND || s->state == S_DATA)) {
		if (s->state == S_DATA || s->in_tx)
			session_log_tx(s, "aborted", "client closed the connection");
		session_tx_reset(s);
		session_close_after_flush(s);
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	process(arg);
}

static int
flushed(struct session *s)
{
	struct bufferevent *under = bufferevent_get_underlying(s->bev);

	return evbuffer_get_length(bufferevent_get_output(s->bev)) == 0 &&
	    (under == NULL || evbuffer_get_length(bufferevent_get_output(under)) == 0);
}

static void
on_close_poll(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	struct timeval tv = { 0, SESSION_CLOSE_POLL_MS * 1000 };

	if (flushed(s) || ++s->close_polls > SESSION_CLOSE_FLUSH * 1000 / SESSION_CLOSE_POLL_MS) {
		session_free(s);
		return;
	}
	evtimer_add(s->close_ev, &tv);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->state == S_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
			return;
		if (flushed(s)) {
			session_free(s);
			return;
		}
		if (s->close_ev == NULL) {
			s->close_ev = evtimer_new(s->env->base, on_close_poll, s);
			on_close_poll(-1, 0, s);
		}
		return;
	}
	process(s);
}

static void
timed_out(struct session *s)
{
	log_info("session=%s event=timeout client=%s state=%s", s->id, s->ip,
	    s->state == S_DATA ? "data" : "command");
	session_reply(s, "421 4.4.2 %s timeout", s->cf->hostname);
	session_close_after_flush(s);
}

/* A transaction past timeout_transaction: closed, which gives its next-hop
 * connection back (relay_max_connections_per_client says why that matters). */
static void
tx_timed_out(struct session *s)
{
	log_info("session=%s event=timeout client=%s state=transaction", s->id, s->ip);
	session_reply(s, "421 4.4.2 %s transaction timeout", s->cf->hostname);
	session_close_after_flush(s);
}

/* While the session waits for the next hop or the checks, their own timeouts run:
 * the transaction ends when they answer (session_resume). */
static void
on_tx_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	if (s->state == S_CLOSING || s->state == S_TLS || !s->in_tx)
		return;	/* a handshake ends the transaction anyway */
	if (s->busy) {
		s->tx_late = 1;
		return;
	}
	tx_timed_out(s);
}

/* No complete command line within timeout_command (see session_set_timeouts). */
static void
on_cmd_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	if (s->state == S_TLS) {
		/* no reply in clear inside a handshake */
		log_info("session=%s event=timeout client=%s state=tls", s->id, s->ip);
		session_free(s);
		return;
	}
	if (s->state == S_COMMAND && !s->busy)
		timed_out(s);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	if (what & BEV_EVENT_CONNECTED) {
		/* STARTTLS handshake done: RFC 3207 4.2, forget what was said before */
		if (s->in_tx)
			session_log_tx(s, "aborted", "STARTTLS");
		session_tx_reset(s);
		free(s->helo);
		s->helo = NULL;
		s->esmtp = 0;
		s->tls = 1;
		s->state = S_COMMAND;
		log_info("session=%s event=starttls client=%s version=%s cipher=%s", s->id,
		    s->ip, SSL_get_version(bufferevent_openssl_get_ssl(bev)),
		    SSL_get_cipher_name(bufferevent_openssl_get_ssl(bev)));
		session_set_timeouts(s);
		process(s);
		return;
	}
	if ((what & BEV_EVENT_EOF) && (s->state == S_COMMAND || s->state == S_DATA)) {
		s->eof = 1;
		bufferevent_disable(bev, EV_READ);
		if (!s->busy)
			process(s);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && s->state != S_CLOSING && s->state != S_TLS) {
		timed_out(s);
		return;
	}
	if (what & BEV_EVENT_ERROR && s->state == S_TLS)
		log_info("session=%s event=tls_failed client=%s", s->id, s->ip);
	session_free(s);
}

struct session *
session_new(const struct smtpd_env *env, int fd, const struct sockaddr *sa,
    socklen_t salen, session_close_cb *on_close, void *arg)
{
	struct session *s = xcalloc(1, sizeof(*s));
	unsigned char rnd[SESSION_ID_LEN / 2];
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	s->env = env;
	s->cf = snapshot_get(env->conf);
	s->ap = env->auth;
	s->ap.authserv_id = s->cf->authserv_id;
	s->ap.receiver = s->cf->hostname;
	s->on_close = on_close;
	s->close_arg = arg;
	randombytes_buf(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++) {
		s->id[2 * i] = hex[rnd[i] >> 4];
		s->id[2 * i + 1] = hex[rnd[i] & 15];
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], s->ip, sizeof(s->ip));
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, s->ip, sizeof(s->ip));
	} else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, s->ip,
		    sizeof(s->ip));
	memcpy(&s->sa, sa, salen < sizeof(s->sa) ? salen : sizeof(s->sa));
	s->bev = bufferevent_socket_new(env->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL)
		log_fatal("session=%s event=bufferevent_failed", s->id);
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SESSION_INPUT_HIGH);
	s->state = S_COMMAND;
	s->cmd_ev = evtimer_new(env->base, on_cmd_deadline, s);
	s->tx_ev = evtimer_new(env->base, on_tx_deadline, s);
	session_set_timeouts(s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	log_info("session=%s event=connect client=%s", s->id, s->ip);
	{
		struct netaddr na;

		if (netaddr_from_sockaddr(sa, &na) == 0) {
			netaddr_network(&na, s->net, sizeof(s->net));
			netaddr_client(&na, &s->client);
		}
	}
	session_verdict_connect(s, sa);
	evbuffer_add_printf(bufferevent_get_output(s->bev), "220 %s ESMTP ecluse\r\n",
	    s->cf->hostname);
	return s;
}
