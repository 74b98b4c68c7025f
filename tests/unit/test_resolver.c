/*
 * test_resolver.c - the c-ares/libevent resolver without a network: answer parsing
 * from hand-built DNS messages, and the whole asynchronous path against a tiny
 * responder (dnsfake.h) driven by the same event loop (NXDOMAIN,
 * SERVFAIL, TXT strings, silence until timeout, cancellation, bad names).
 */
#include "config.h"

#include <ares.h>
#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dns.h"
#include "auth/resolver.h"
#include "tests/unit/dnsfake.h"

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
	struct dnsmsg m;
	struct dns_rr *rr;
	size_t n;

	dnsmsg_header(&m, 1, 0, 2, "example.org", 16);
	dnsmsg_txt(&m, r1);
	dnsmsg_txt(&m, r2);
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_TXT, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	/* RFC 7208 3.3 / RFC 6376 3.6.2.2: strings joined without a separator */
	assert_int_equal(rr[0].len, 11);
	assert_memory_equal(rr[0].data, "v=spf1 -all", 11);
	assert_int_equal(rr[1].len, 0);
	resolver_answer_free(rr, n);

	dnsmsg_header(&m, 1, 0, 0, "example.org", 16);
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_TXT, m.b, (int)m.len,
	    &rr, &n), DNS_NODATA);
	/* a truncated message is a server failure, never a partial answer */
	dnsmsg_header(&m, 1, 0, 1, "example.org", 16);
	dnsmsg_txt(&m, r1);
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_TXT, m.b,
	    (int)m.len - 3, &rr, &n), DNS_SERVFAIL);
}

static void
test_parse_a_mx_ptr(void **state)
{
	struct dnsmsg m;
	struct dns_rr *rr;
	size_t n;

	dnsmsg_header(&m, 1, 0, 2, "mx.example.org", 1);
	dnsmsg_a(&m, "192.0.2.1");
	dnsmsg_a(&m, "192.0.2.2");
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_A, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rr[1].len, 4);
	assert_memory_equal(rr[1].data, "\xc0\x00\x02\x02", 4);
	resolver_answer_free(rr, n);

	dnsmsg_header(&m, 1, 0, 2, "example.org", 15);
	dnsmsg_name(&m, 15, 20, "MX2.Example.ORG");
	dnsmsg_name(&m, 15, 10, "mx1.example.org");
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_MX, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	assert_string_equal((char *)rr[0].data, "mx2.example.org");
	assert_int_equal(rr[0].pref, 20);
	assert_int_equal(rr[1].pref, 10);
	resolver_answer_free(rr, n);

	dnsmsg_header(&m, 1, 0, 2, "1.2.0.192.in-addr.arpa", 12);
	dnsmsg_name(&m, 12, -1, "a.example.org");
	dnsmsg_name(&m, 12, -1, "B.example.org");
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_PTR, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, 2);
	assert_string_equal((char *)rr[0].data, "a.example.org");
	assert_string_equal((char *)rr[1].data, "b.example.org");
	resolver_answer_free(rr, n);
}

/*
 * An answer with more records than DNS_RR_MAX: the parser gives one more than the
 * cache keeps, so that dns_cache_put can mark the set truncated instead of the
 * records past DNS_RR_MAX vanishing unseen.
 */
static void
test_parse_many(void **state)
{
	static const char *txt[] = { "v=spf1 -all", NULL };
	struct dns_cache *c;
	const struct dns_rrset *set;
	struct dnsmsg m;
	struct dns_rr *rr;
	char ip[32];
	size_t n, i;

	dnsmsg_header(&m, 1, 0, DNS_RR_MAX + 10, "many.example.org", 1);
	for (i = 0; i < DNS_RR_MAX + 10; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%zu", i);
		dnsmsg_a(&m, ip);
	}
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_A, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, DNS_RR_MAX + 1);
	c = dns_cache_new();
	assert_int_equal(dns_cache_put(c, "many.example.org", 16, DNS_T_A, DNS_OK, rr, n), 0);
	resolver_answer_free(rr, n);
	set = dns_cache_get(c, "many.example.org", 16, DNS_T_A);
	assert_int_equal(set->n, DNS_RR_MAX);
	assert_true(set->truncated);
	assert_memory_equal(set->rr[DNS_RR_MAX - 1].data, "\x0a\x00\x00\x3f", 4);

	dnsmsg_header(&m, 1, 0, DNS_RR_MAX + 10, "many.example.org", 16);
	for (i = 0; i < DNS_RR_MAX + 10; i++)
		dnsmsg_txt(&m, txt);
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_TXT, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, DNS_RR_MAX + 1);
	resolver_answer_free(rr, n);

	dnsmsg_header(&m, 1, 0, DNS_RR_MAX + 10, "many.example.org", 15);
	for (i = 0; i < DNS_RR_MAX + 10; i++) {
		snprintf(ip, sizeof(ip), "mx%zu.example.org", i);
		dnsmsg_name(&m, 15, (int)i, ip);
	}
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_MX, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, DNS_RR_MAX + 1);
	resolver_answer_free(rr, n);

	/* exactly DNS_RR_MAX records: all kept, not truncated */
	dnsmsg_header(&m, 1, 0, DNS_RR_MAX, "all.example.org", 1);
	for (i = 0; i < DNS_RR_MAX; i++) {
		snprintf(ip, sizeof(ip), "10.0.1.%zu", i);
		dnsmsg_a(&m, ip);
	}
	assert_int_equal(resolver_answer_parse(ARES_SUCCESS, DNS_T_A, m.b, (int)m.len,
	    &rr, &n), DNS_OK);
	assert_int_equal(n, DNS_RR_MAX);
	assert_int_equal(dns_cache_put(c, "all.example.org", 15, DNS_T_A, DNS_OK, rr, n), 0);
	resolver_answer_free(rr, n);
	set = dns_cache_get(c, "all.example.org", 15, DNS_T_A);
	assert_int_equal(set->n, DNS_RR_MAX);
	assert_false(set->truncated);
	/* and a negative answer never is */
	assert_int_equal(dns_cache_put(c, "none.example.org", 16, DNS_T_A, DNS_NXDOMAIN, rr,
	    DNS_RR_MAX + 1), 0);
	set = dns_cache_get(c, "none.example.org", 16, DNS_T_A);
	assert_int_equal(set->n, 0);
	assert_false(set->truncated);
	dns_cache_free(c);
}

/* --- the asynchronous path against a loopback responder --- */

static const struct dnsfake_rr zone[] = {
	{ "_dmarc.example.test", 16, 0, 0, { "v=DMARC1; ", "p=reject", NULL } },
	{ "silent.test", 16, 0, 1, { NULL } },
	{ "silent.test", 1, 0, 1, { NULL } },
	{ "fail.test", 1, 2, 0, { NULL } },
	{ "empty.test", 15, 0, 0, { NULL } },
	{ NULL, 0, 0, 0, { NULL } },
};

static struct event_base *base;
static struct dnsfake *fake;
static const char *servers;

static int
setup_loop(void **state)
{
	base = event_base_new();
	fake = dnsfake_start(base, zone);
	servers = dnsfake_servers(fake);
	return 0;
}

static int
teardown_loop(void **state)
{
	dnsfake_stop(fake);
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
	int before = dnsfake_queries(fake);

	assert_non_null(r);
	assert_int_equal(resolve(r, c, "silent.test", DNS_T_TXT, &w)->result, DNS_TIMEOUT);
	assert_int_equal(dnsfake_queries(fake) - before, 2);	/* tries = 2 */
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
		cmocka_unit_test(test_parse_many),
		cmocka_unit_test_setup_teardown(test_loop_answers, setup_loop, teardown_loop),
		cmocka_unit_test_setup_teardown(test_loop_timeout, setup_loop, teardown_loop),
		cmocka_unit_test_setup_teardown(test_loop_cancel, setup_loop, teardown_loop),
		cmocka_unit_test_setup_teardown(test_bad_servers, setup_loop, teardown_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
