/*
 * test_resolver.c - the c-ares/libevent resolver without a network: answer parsing
 * from hand-built DNS messages, and the whole asynchronous path against a tiny
 * responder on a loopback UDP socket driven by the same event loop (NXDOMAIN,
 * SERVFAIL, TXT strings, silence until timeout, cancellation, bad names).
 */
#include "config.h"

#include <ares.h>
#include <event2/event.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "auth/dns.h"
#include "auth/resolver.h"

/* A DNS message under construction. */
struct msg {
	unsigned char	b[2048];
	size_t		len;
};

static void
put16(struct msg *m, unsigned v)
{
	m->b[m->len++] = (unsigned char)(v >> 8);
	m->b[m->len++] = (unsigned char)v;
}

static void
put_name(struct msg *m, const char *name)
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

static void
header(struct msg *m, unsigned id, unsigned rcode, unsigned ancount, const char *qname,
    unsigned qtype)
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
rr_start(struct msg *m, unsigned type)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
}

static void
rr_txt(struct msg *m, const char **strings)
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

static void
rr_a(struct msg *m, const char *ip)
{
	rr_start(m, 1);
	put16(m, 4);
	inet_pton(AF_INET, ip, m->b + m->len);
	m->len += 4;
}

static void
rr_name(struct msg *m, unsigned type, int pref, const char *target)
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

static void
test_parse_status(void **state)
{
	static const struct { int status; enum dns_result want; } cases[] = {
		{ ARES_ENOTFOUND, DNS_NXDOMAIN },
		{ ARES_ENODATA, DNS_NODATA },
		{ ARES_ETIMEOUT, DNS_TIMEOUT },
		{ ARES_ESERVFAIL, DNS_SERVFAIL },
		{ ARES_EREFUSED, DNS_SERVFAIL },
		{ ARES_ECONNREFUSED, DNS_SERVFAIL },
		{ ARES_EBADRESP, DNS_SERVFAIL },
		{ ARES_EBADNAME, DNS_NXDOMAIN },
	};
	struct dns_rr *rr;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum dns_result got = resolver_answer_parse(cases[i].status, DNS_T_TXT,
		    NULL, 0, &rr, &n);

		if (got != cases[i].want || n != 0 || rr != NULL)
			fail_msg("case %zu: got %d want %d", i, got, cases[i].want);
	}
}

static void
test_parse_txt(void **state)
{
	static const char *r1[] = { "v=spf1 ", "-all", NULL };
	static const char *r2[] = { "", NULL };
	struct msg m;
	struct dns_rr *rr;
	size_t n;

	header(&m, 1, 0, 2, "example.org", 16);
	rr_txt(&m, r1);
	rr_txt(&m, r2);
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_TXT, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	/* RFC 7208 3.3 / RFC 6376 3.6.2.2: strings joined without a separator */
	assert_int_equal(rr[0].len, 11);
	assert_memory_equal(rr[0].data, "v=spf1 -all", 11);
	assert_int_equal(rr[1].len, 0);
	resolver_answer_free(rr, n);

	header(&m, 1, 0, 0, "example.org", 16);
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_TXT, m.b, (int)m.len,
	    &rr, &n), DNS_NODATA);
	/* a truncated message is a server failure, never a partial answer */
	header(&m, 1, 0, 1, "example.org", 16);
	rr_txt(&m, r1);
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_TXT, m.b,
	    (int)m.len - 3, &rr, &n), DNS_SERVFAIL);
}

static void
test_parse_a_mx_ptr(void **state)
{
	struct msg m;
	struct dns_rr *rr;
	size_t n;

	header(&m, 1, 0, 2, "mx.example.org", 1);
	rr_a(&m, "192.0.2.1");
	rr_a(&m, "192.0.2.2");
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_A, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rr[1].len, 4);
	assert_memory_equal(rr[1].data, "\xc0\x00\x02\x02", 4);
	resolver_answer_free(rr, n);

	header(&m, 1, 0, 2, "example.org", 15);
	rr_name(&m, 15, 20, "MX2.Example.ORG");
	rr_name(&m, 15, 10, "mx1.example.org");
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_MX, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	assert_string_equal((char *)rr[0].data, "mx2.example.org");
	assert_int_equal(rr[0].pref, 20);
	assert_int_equal(rr[1].pref, 10);
	resolver_answer_free(rr, n);

	header(&m, 1, 0, 2, "1.2.0.192.in-addr.arpa", 12);
	rr_name(&m, 12, -1, "a.example.org");
	rr_name(&m, 12, -1, "B.example.org");
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_PTR, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	assert_string_equal((char *)rr[0].data, "a.example.org");
	assert_string_equal((char *)rr[1].data, "b.example.org");
	resolver_answer_free(rr, n);
}

/* --- the asynchronous path against a loopback responder --- */

struct responder {
	int		 fd;
	struct event	*ev;
	int		 queries;	/* how many questions arrived */
};

static void
respond(evutil_socket_t fd, short what, void *arg)
{
	struct responder *rs = arg;
	unsigned char q[512];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char qname[256];
	size_t i = 12, o = 0;
	unsigned id, qtype;
	struct msg m;
	ssize_t n;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	if (n < 17)
		return;
	rs->queries++;
	id = (unsigned)(q[0] << 8 | q[1]);
	while (i < (size_t)n && q[i] != 0) {
		size_t l = q[i++];

		if (o > 0)
			qname[o++] = '.';
		memcpy(qname + o, q + i, l);
		o += l;
		i += l;
	}
	qname[o] = '\0';
	qtype = (unsigned)(q[i + 1] << 8 | q[i + 2]);
	if (strcmp(qname, "silent.test") == 0)
		return;
	if (strcmp(qname, "nx.test") == 0)
		header(&m, id, 3, 0, qname, qtype);
	else if (strcmp(qname, "fail.test") == 0)
		header(&m, id, 2, 0, qname, qtype);
	else if (strcmp(qname, "empty.test") == 0)
		header(&m, id, 0, 0, qname, qtype);
	else {
		static const char *s[] = { "v=DMARC1; ", "p=reject", NULL };

		header(&m, id, 0, 1, qname, qtype);
		rr_txt(&m, s);
	}
	sendto(fd, m.b, m.len, 0, (struct sockaddr *)&from, fromlen);
}

static struct event_base *base;
static struct responder rs;
static char servers[64];

static int
setup_loop(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	base = event_base_new();
	memset(&rs, 0, sizeof(rs));
	rs.fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (rs.fd < 0 || bind(rs.fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(rs.fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	snprintf(servers, sizeof(servers), "127.0.0.1:%u", ntohs(sin.sin_port));
	rs.ev = event_new(base, rs.fd, EV_READ | EV_PERSIST, respond, &rs);
	event_add(rs.ev, NULL);
	return 0;
}

static int
teardown_loop(void **state)
{
	event_free(rs.ev);
	close(rs.fd);
	event_base_free(base);
	return 0;
}

struct waiter {
	int	calls;
	int	stored;
	int	in_fill;	/* set while resolver_fill runs: a call then is re-entrant */
	int	reentrant;
};

static void
on_filled(void *arg, int stored)
{
	struct waiter *w = arg;

	w->calls++;
	w->stored = stored;
	if (w->in_fill)
		w->reentrant = 1;
	event_base_loopbreak(base);
}

static const struct dns_rrset *
resolve(struct resolver *r, struct dns_cache *c, const char *name, enum dns_type type,
    struct waiter *w)
{
	const struct dns_rrset *set;

	memset(w, 0, sizeof(*w));
	assert_null(dns_cache_get(c, name, strlen(name), type));
	w->in_fill = 1;
	assert_non_null(resolver_fill(r, c, on_filled, w));
	w->in_fill = 0;
	event_base_dispatch(base);
	assert_int_equal(w->calls, 1);
	assert_int_equal(w->reentrant, 0);
	assert_int_equal(w->stored, 0);
	set = dns_cache_get(c, name, strlen(name), type);
	assert_non_null(set);
	return set;
}

static void
test_loop_answers(void **state)
{
	char err[256];
	struct resolver *r = resolver_new(base, servers, 300, 1, err, sizeof(err));
	struct dns_cache *c = dns_cache_new();
	const struct dns_rrset *set;
	struct waiter w;

	assert_non_null(r);
	set = resolve(r, c, "_dmarc.Example.test", DNS_T_TXT, &w);
	assert_int_equal(set->result, DNS_OK);
	assert_int_equal(set->n, 1);
	assert_string_equal((char *)set->rr[0].data, "v=DMARC1; p=reject");
	assert_int_equal(resolve(r, c, "nx.test", DNS_T_TXT, &w)->result, DNS_NXDOMAIN);
	assert_int_equal(resolve(r, c, "fail.test", DNS_T_A, &w)->result, DNS_SERVFAIL);
	assert_int_equal(resolve(r, c, "empty.test", DNS_T_MX, &w)->result, DNS_NODATA);
	assert_int_equal(resolver_pending(r), 0);
	assert_null(resolver_fill(r, c, on_filled, &w));	/* nothing wanted */
	dns_cache_free(c);
	resolver_free(r);
}

static void
test_loop_timeout(void **state)
{
	char err[256];
	struct resolver *r = resolver_new(base, servers, 50, 2, err, sizeof(err));
	struct dns_cache *c = dns_cache_new();
	struct waiter w;
	int before = rs.queries;

	assert_non_null(r);
	assert_int_equal(resolve(r, c, "silent.test", DNS_T_TXT, &w)->result, DNS_TIMEOUT);
	assert_int_equal(rs.queries - before, 2);	/* tries = 2 */
	dns_cache_free(c);
	resolver_free(r);
}

static void
never(void *arg, int stored)
{
	fail_msg("callback of a cancelled query");
}

static void
stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

static void
test_loop_cancel(void **state)
{
	char err[256];
	struct resolver *r = resolver_new(base, servers, 200, 1, err, sizeof(err));
	struct dns_cache *c = dns_cache_new();
	struct resolver_query *q1, *q2;
	struct timeval tv = { 0, 400000 };
	struct waiter w;

	assert_non_null(r);
	/* cancelled while c-ares waits, and after the answer arrived */
	assert_null(dns_cache_get(c, "silent.test", 11, DNS_T_TXT));
	q1 = resolver_fill(r, c, never, NULL);
	assert_null(dns_cache_get(c, "bad..name", 9, DNS_T_TXT));
	q2 = resolver_fill(r, c, never, NULL);
	assert_non_null(q1);
	assert_non_null(q2);
	assert_int_equal(resolver_pending(r), 2);
	resolver_cancel(q2);
	resolver_cancel(q1);
	dns_cache_free(c);	/* the cache may go once its queries are cancelled */
	event_base_once(base, -1, EV_TIMEOUT, stop, NULL, &tv);
	event_base_dispatch(base);
	assert_int_equal(resolver_pending(r), 0);

	/* a name c-ares cannot send: NXDOMAIN, delivered from the loop */
	c = dns_cache_new();
	assert_int_equal(resolve(r, c, "bad..name", DNS_T_TXT, &w)->result, DNS_NXDOMAIN);
	assert_int_equal(resolve(r, c, "sp ace.test", DNS_T_TXT, &w)->result,
	    DNS_NXDOMAIN);

	/* resolver_free with a query in flight: no callback, no leak (ASan) */
	assert_null(dns_cache_get(c, "silent.test", 11, DNS_T_A));
	assert_non_null(resolver_fill(r, c, never, NULL));
	resolver_free(r);
	dns_cache_free(c);
}

static void
test_bad_servers(void **state)
{
	char err[256] = "";

	assert_null(resolver_new(base, "nowhere:53", 100, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "dns servers \"nowhere:53\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_status),
		cmocka_unit_test(test_parse_txt),
		cmocka_unit_test(test_parse_a_mx_ptr),
		cmocka_unit_test_setup_teardown(test_loop_answers, setup_loop, teardown_loop),
		cmocka_unit_test_setup_teardown(test_loop_timeout, setup_loop, teardown_loop),
		cmocka_unit_test_setup_teardown(test_loop_cancel, setup_loop, teardown_loop),
		cmocka_unit_test_setup_teardown(test_bad_servers, setup_loop, teardown_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
