/*
 * dnsfake.c - hand-built DNS messages and a loopback responder for unit tests; see
 * dnsfake.h. Test code: it trusts its table and aborts on socket errors.
 */
#include "config.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/unit/dnsfake.h"

static void
put16(struct dnsmsg *m, unsigned v)
{
	m->b[m->len++] = (unsigned char)(v >> 8);
	m->b[m->len++] = (unsigned char)v;
}

static void
put_name(struct dnsmsg *m, const char *name)
{
	const char *p = name, *dot;

	while (*p != '\0') {
		size_t l;

		dot = strchr(p, '.');
		l = dot ? (size_t)(dot - p) : strlen(p);
		m->b[m->len++] = (unsigned char)l;
		memcpy(m->b + m->len, p, l);
		m->len += l;
		p += l;
		if (*p == '.')
			p++;
	}
	m->b[m->len++] = 0;
}

void
dnsmsg_header(struct dnsmsg *m, unsigned id, unsigned rcode, unsigned ancount,
    const char *qname, unsigned qtype)
{
	m->len = 0;
	put16(m, id);
	put16(m, 0x8180 | rcode);	/* response, RD, RA */
	put16(m, 1);
	put16(m, ancount);
	put16(m, 0);
	put16(m, 0);
	put_name(m, qname);
	put16(m, qtype);
	put16(m, 1);
}

/* An answer RR owned by the question name (compression pointer to offset 12). */
static void
rr_start(struct dnsmsg *m, unsigned type)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
}

void
dnsmsg_txt(struct dnsmsg *m, const char *const *strings)
{
	size_t rdlen = 0, i;

	rr_start(m, 16);
	for (i = 0; strings[i] != NULL; i++)
		rdlen += 1 + strlen(strings[i]);
	put16(m, (unsigned)rdlen);
	for (i = 0; strings[i] != NULL; i++) {
		m->b[m->len++] = (unsigned char)strlen(strings[i]);
		memcpy(m->b + m->len, strings[i], strlen(strings[i]));
		m->len += strlen(strings[i]);
	}
}

void
dnsmsg_a(struct dnsmsg *m, const char *ip)
{
	rr_start(m, 1);
	put16(m, 4);
	inet_pton(AF_INET, ip, m->b + m->len);
	m->len += 4;
}

void
dnsmsg_name(struct dnsmsg *m, unsigned type, int pref, const char *target)
{
	size_t at;

	rr_start(m, type);
	at = m->len;
	put16(m, 0);
	if (pref >= 0)
		put16(m, (unsigned)pref);
	put_name(m, target);
	m->b[at] = (unsigned char)((m->len - at - 2) >> 8);
	m->b[at + 1] = (unsigned char)(m->len - at - 2);
}

struct dnsfake {
	int			 fd;
	struct event		*ev;
	const struct dnsfake_rr	*table;
	int			 queries;
	char			 servers[32];
};

static void
respond(evutil_socket_t fd, short what, void *arg)
{
	struct dnsfake *f = arg;
	unsigned char q[512];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	const struct dnsfake_rr *rr;
	char qname[256];
	size_t i = 12, o = 0;
	unsigned id, qtype;
	struct dnsmsg m;
	ssize_t n;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	if (n < 17)
		return;
	f->queries++;
	id = (unsigned)(q[0] << 8 | q[1]);
	while (i < (size_t)n && q[i] != 0 && o + q[i] + 1 < sizeof(qname)) {
		size_t l = q[i++];

		if (o > 0)
			qname[o++] = '.';
		memcpy(qname + o, q + i, l);
		o += l;
		i += l;
	}
	qname[o] = '\0';
	if (i + 2 >= (size_t)n)
		return;
	qtype = (unsigned)(q[i + 1] << 8 | q[i + 2]);
	for (rr = f->table; rr->name != NULL; rr++)
		if (strcasecmp(rr->name, qname) == 0 && rr->type == qtype)
			break;
	if (rr->name == NULL)
		dnsmsg_header(&m, id, 3, 0, qname, qtype);
	else if (rr->silent)
		return;
	else if (rr->rcode != 0 || rr->txt[0] == NULL)
		dnsmsg_header(&m, id, rr->rcode, 0, qname, qtype);
	else {
		dnsmsg_header(&m, id, 0, 1, qname, qtype);
		dnsmsg_txt(&m, rr->txt);
	}
	sendto(fd, m.b, m.len, 0, (struct sockaddr *)&from, fromlen);
}

struct dnsfake *
dnsfake_start(struct event_base *base, const struct dnsfake_rr *table)
{
	struct dnsfake *f = calloc(1, sizeof(*f));
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (f == NULL || (f->fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		abort();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(f->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(f->fd, (struct sockaddr *)&sin, &len) != 0)
		abort();
	snprintf(f->servers, sizeof(f->servers), "127.0.0.1:%u", ntohs(sin.sin_port));
	f->table = table;
	f->ev = event_new(base, f->fd, EV_READ | EV_PERSIST, respond, f);
	event_add(f->ev, NULL);
	return f;
}

const char *
dnsfake_servers(const struct dnsfake *f)
{
	return f->servers;
}

int
dnsfake_queries(const struct dnsfake *f)
{
	return f->queries;
}

void
dnsfake_stop(struct dnsfake *f)
{
	if (f == NULL)
		return;
	event_free(f->ev);
	close(f->fd);
	free(f);
}
