/*
 * client.c - asynchronous SMTP client on a bufferevent; see client.h.
 *
 * States follow the conversation: connect -> greeting -> EHLO (-> HELO) -> ready;
 * from ready, one command (or one DATA exchange) at a time. Every wait has a timeout
 * (RFC 5321 4.5.3.2 gives the defaults the config uses). Callbacks are called last in
 * each handler, so a callback may free the client.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "common/xmalloc.h"
#include "smtpd/client.h"

/* Bytes buffered without a line end before the reply is called garbage. */
#define CLIENT_LINE_BUF_MAX (2 * SMTP_REPLY_LINE_MAX)
/* A message goes to the output buffer in slices as the next hop takes it, so the
 * buffer never holds a second copy of it: refilled below half of this. */
#define CLIENT_DATA_SLICE (64 * 1024)

enum cstate {
	C_CONNECT, C_GREETING, C_EHLO, C_HELO, C_READY, C_COMMAND, C_DATA_354,
	C_DATA_SEND, C_DATA_END, C_IDLE, C_DEAD,
};

struct smtp_client {
	struct bufferevent	*bev;
	enum cstate		 state;
	struct client_timeouts	 to;
	char			*helo;
	char			 peer[300];
	unsigned		 exts;
	void			*owner;
	/* reply being read */
	int			 code;
	unsigned		 nlines;
	struct smtp_reply	 reply;
	/* pending operation */
	client_cb		*cb;
	void			*arg;
	/* DATA payload (the caller's) and how much of it is in the output */
	const char		*head, *body;
	size_t			 headlen, bodylen;
	size_t			 sent;
	int			 bol;		/* the last byte sent ended a line */
	/* idle watch */
	struct event		*idle_ev;
	void			(*on_gone)(struct smtp_client *, void *);
	void			*gone_arg;
	/* a command on a dead client fails from the loop: owned, so client_free()
	 * cancels it */
	struct event		*dead_ev;
};

static void
set_timeout(struct smtp_client *c, unsigned secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	bufferevent_set_timeouts(c->bev, &tv, &tv);
}

static void
finish(struct smtp_client *c, const struct smtp_reply *r)
{
	client_cb *cb = c->cb;
	void *arg = c->arg;

	c->cb = NULL;
	if (cb != NULL)
		cb(c, r, arg);
}

static void
fail(struct smtp_client *c, const char *why)
{
	struct smtp_reply r;

	r.code = 0;
	snprintf(r.text, sizeof(r.text), "%s", why);
	c->state = C_DEAD;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	if (c->on_gone != NULL) {
		void (*gone)(struct smtp_client *, void *) = c->on_gone;

		c->on_gone = NULL;
		gone(c, c->gone_arg);
		return;
	}
	finish(c, &r);
}

static void
send_line(struct smtp_client *c, const char *line, size_t len, unsigned timeout)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add(out, line, len);
	evbuffer_add(out, "\r\n", 2);
	c->code = 0;
	c->nlines = 0;
	set_timeout(c, timeout);
}

static void
note_ext(struct smtp_client *c, const char *kw, size_t len)
{
	static const struct { const char *name; unsigned bit; } exts[] = {
		{ "PIPELINING", EXT_PIPELINING }, { "SIZE", EXT_SIZE },
		{ "8BITMIME", EXT_8BITMIME }, { "SMTPUTF8", EXT_SMTPUTF8 },
	};
	size_t i, n;

	for (n = 0; n < len && kw[n] != ' '; n++)
		;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strlen(exts[i].name) == n && strncasecmp(exts[i].name, kw, n) == 0)
			c->exts |= exts[i].bit;
}

/* Reads reply lines; returns 1 when a complete reply is in c->reply, 0 to wait, -1
 * on garbage. */
static int
read_reply(struct smtp_client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	for (;;) {
		size_t len, i;
		char *line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
		int code;

		if (line == NULL)
			return evbuffer_get_length(in) > CLIENT_LINE_BUF_MAX ? -1 : 0;
		if (len < 3 || len > SMTP_REPLY_LINE_MAX || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '5' || line[2] < '0' || line[2] > '9' ||
		    (len > 3 && line[3] != ' ' && line[3] != '-') ||
		    ++c->nlines > CLIENT_REPLY_LINES_MAX) {
			free(line);
			return -1;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		if (c->nlines == 1) {
			size_t o = 0;

			c->code = code;
			for (i = 4; i < len && o + 1 < sizeof(c->reply.text); i++)
				c->reply.text[o++] = (line[i] >= 32 && line[i] < 127) ? line[i] : '?';
			c->reply.text[o] = '\0';
		} else if (code != c->code) {
			free(line);
			return -1;	/* RFC 5321 4.2.1: all lines carry the same code */
		}
		if (c->state == C_EHLO && c->nlines > 1 && len > 4)
			note_ext(c, line + 4, len - 4);
		if (len == 3 || line[3] == ' ') {
			free(line);
			/* One command at a time (never pipelined): bytes after a whole reply
			 * answer nothing asked, and would be read as the reply to the next
			 * command, and every later reply as the wrong one. */
			if (evbuffer_get_length(in) > 0)
				return -1;
			c->reply.code = c->code;
			return 1;
		}
		free(line);
	}
}

/* bol: whether buf starts a line; updated for the next slice. */
static void
add_stuffed(struct evbuffer *out, const char *buf, size_t len, int *bol)
{
	size_t i = 0, start = 0;

	/* RFC 5321 4.5.2: a line that starts with "." gets one more. */
	for (i = 0; i < len; i++) {
		if (*bol && buf[i] == '.') {
			evbuffer_add(out, buf + start, i - start);
			evbuffer_add(out, ".", 1);
			start = i;
		}
		*bol = buf[i] == '\n';
	}
	evbuffer_add(out, buf + start, len - start);
}

/* Tops the output up with the next slices of the message; after the last, the end
 * of data, and the wait for the final reply. */
static void
fill(struct smtp_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t total = c->headlen + c->bodylen;

	while (c->sent < total && evbuffer_get_length(out) < CLIENT_DATA_SLICE) {
		const char *p = c->sent < c->headlen ? c->head + c->sent :
		    c->body + (c->sent - c->headlen);
		size_t n = c->sent < c->headlen ? c->headlen - c->sent : total - c->sent;

		if (n > CLIENT_DATA_SLICE)
			n = CLIENT_DATA_SLICE;
		add_stuffed(out, p, n, &c->bol);
		c->sent += n;
	}
	if (c->sent < total)
		return;
	if (c->bodylen > 0 && c->body[c->bodylen - 1] != '\n')
		evbuffer_add(out, "\r\n", 2);
	evbuffer_add(out, ".\r\n", 3);
	c->head = c->body = NULL;
	c->state = C_DATA_END;
	c->code = 0;
	c->nlines = 0;
	set_timeout(c, c->to.data_end);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct smtp_client *c = arg;
	int r;

	if (c->state == C_IDLE || c->state == C_READY) {
		fail(c, "unexpected data from next hop");
		return;
	}
	if ((r = read_reply(c)) == 0)
		return;
	if (r < 0) {
		fail(c, "malformed reply from next hop");
		return;
	}
	switch (c->state) {
	case C_GREETING:
		if (c->code != 220) {
			c->state = C_DEAD;
			finish(c, &c->reply);
			return;
		}
		c->state = C_EHLO;
		{
			char line[SMTP_REPLY_LINE_MAX];
			int n = snprintf(line, sizeof(line), "EHLO %s", c->helo);

			send_line(c, line, (size_t)n, c->to.reply);
		}
		return;
	case C_EHLO:
		if (c->code >= 500 && c->code < 600) {
			char line[SMTP_REPLY_LINE_MAX];
			int n = snprintf(line, sizeof(line), "HELO %s", c->helo);

			c->exts = 0;
			c->state = C_HELO;
			send_line(c, line, (size_t)n, c->to.reply);
			return;
		}
		/* FALLTHROUGH */
	case C_HELO:
		c->state = c->code / 100 == 2 ? C_READY : C_DEAD;
		bufferevent_set_timeouts(bev, NULL, NULL);
		finish(c, &c->reply);
		return;
	case C_COMMAND:
	case C_DATA_END:
		c->state = C_READY;
		/* between commands the wait is the client's, not ours: no timeout */
		bufferevent_set_timeouts(bev, NULL, NULL);
		finish(c, &c->reply);
		return;
	case C_DATA_354:
		if (c->code != 354) {
			c->state = C_READY;
			bufferevent_set_timeouts(bev, NULL, NULL);
			finish(c, &c->reply);
			return;
		}
		{
			/* while sending, only the next hop's reading is waited for */
			struct timeval tv = { (time_t)c->to.data_end, 0 };

			c->state = C_DATA_SEND;
			c->sent = 0;
			c->bol = 1;
			bufferevent_set_timeouts(bev, NULL, &tv);
			fill(c);
		}
		return;
	case C_DATA_SEND:
		/* a reply before our end of data: the next hop did not take the message
		 * whole, whatever it says, and the connection is out of step */
		c->head = c->body = NULL;
		c->state = C_DEAD;
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		if (c->code / 100 == 2) {
			c->reply.code = 0;
			snprintf(c->reply.text, sizeof(c->reply.text),
			    "next hop replied before the end of data");
		}
		finish(c, &c->reply);
		return;
	default:
		fail(c, "reply in unexpected state");
		return;
	}
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct smtp_client *c = arg;

	if (c->state == C_DATA_SEND)
		fill(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smtp_client *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		c->state = C_GREETING;
		set_timeout(c, c->to.connect);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		fail(c, "next hop timed out");
	else if (what & BEV_EVENT_EOF)
		fail(c, "next hop closed the connection");
	else
		fail(c, c->state == C_CONNECT ? "cannot connect to next hop" :
		    "connection to next hop failed");
}

struct smtp_client *
client_connect(struct event_base *base, struct evdns_base *dns, const char *host,
    uint16_t port, const char *helo, const struct client_timeouts *to, client_cb *done,
    void *arg)
{
	struct smtp_client *c = xcalloc(1, sizeof(*c));

	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		abort();
	c->to = *to;
	c->helo = xstrdup(helo);
	c->cb = done;
	c->arg = arg;
	c->state = C_CONNECT;
	snprintf(c->peer, sizeof(c->peer), "%s:%u", host, port);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, CLIENT_DATA_SLICE / 2, 0);
	set_timeout(c, to->connect);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect_hostname(c->bev, dns, AF_UNSPEC, host, port) != 0) {
		/* the error event is delivered from the loop, not from here */
	}
	return c;
}

static void
stop_idle(struct smtp_client *c)
{
	if (c->idle_ev != NULL) {
		event_free(c->idle_ev);
		c->idle_ev = NULL;
	}
	c->on_gone = NULL;
}

/* A command on a client that died while nobody waited fails from the loop, never
 * from inside the caller. */
static void
on_dead(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_client *c = arg;
	struct smtp_reply r = { 0, "connection to next hop lost" };

	finish(c, &r);
}

static int
dead(struct smtp_client *c)
{
	struct timeval now = { 0, 0 };

	if (c->state != C_DEAD)
		return 0;
	if (c->dead_ev == NULL)
		c->dead_ev = evtimer_new(bufferevent_get_base(c->bev), on_dead, c);
	evtimer_add(c->dead_ev, &now);
	return 1;
}

void
client_command(struct smtp_client *c, const char *line, size_t len, client_cb *done,
    void *arg)
{
	stop_idle(c);
	c->cb = done;
	c->arg = arg;
	if (dead(c))
		return;
	c->state = C_COMMAND;
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	send_line(c, line, len, c->to.reply);
}

void
client_data(struct smtp_client *c, const char *head, size_t headlen, const char *body,
    size_t bodylen, client_cb *done, void *arg)
{
	stop_idle(c);
	c->cb = done;
	c->arg = arg;
	if (dead(c))
		return;
	c->head = head;
	c->headlen = headlen;
	c->body = body;
	c->bodylen = bodylen;
	c->state = C_DATA_354;
	send_line(c, "DATA", 4, c->to.reply);
}

static void
on_idle_timeout(evutil_socket_t fd, short what, void *arg)
{
	fail(arg, "idle timeout");
}

void
client_idle(struct smtp_client *c, unsigned idle_timeout,
    void (*on_gone)(struct smtp_client *, void *), void *arg)
{
	struct timeval tv = { (time_t)idle_timeout, 0 };

	stop_idle(c);
	c->state = C_IDLE;
	c->on_gone = on_gone;
	c->gone_arg = arg;
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	c->idle_ev = evtimer_new(bufferevent_get_base(c->bev), on_idle_timeout, c);
	evtimer_add(c->idle_ev, &tv);
}

unsigned
client_exts(const struct smtp_client *c)
{
	return c->exts;
}

void
client_set_owner(struct smtp_client *c, void *owner)
{
	c->owner = owner;
}

void *
client_owner(const struct smtp_client *c)
{
	return c->owner;
}

const char *
client_peer(const struct smtp_client *c)
{
	return c->peer;
}

void
client_free(struct smtp_client *c)
{
	if (c == NULL)
		return;
	stop_idle(c);
	if (c->dead_ev != NULL)
		event_free(c->dead_ev);
	bufferevent_free(c->bev);
	free(c->helo);
	free(c);
}
