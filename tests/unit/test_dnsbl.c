/*
 * test_dnsbl.c - the DNSBL zone list parser and query names (smtpd/dnsbl.c), and the
 * asynchronous paths of the DNSBL and reverse-DNS lookups (smtpd/dnsbl.c, rdns.c)
 * against the loopback responder of dnsfake.h: not listed / no PTR (NXDOMAIN),
 * server failure and silence (unknown), the deadline, freeing while a question is in
 * flight, and the callback never called from within the start. Listings and PTR
 * records are tested against nsd (tests/integration/test_policy_dns.py).
 */
#include "config.h"

#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth/resolver.h"
#include "smtpd/dnsbl.h"
#include "smtpd/rdns.h"
#include "tests/unit/dnsfake.h"
#include "tests/unit/policy_support.h"

struct zcase {
	const char		*list;
	enum dnsbl_zones_err	 err;
	size_t			 n;
	const char		*zones[3];
};

static void
test_zones_parse(void **state)
{
	static const struct zcase cases[] = {
		{ "", DNSBL_ZONES_OK, 0, { NULL } },
		{ "  \t ", DNSBL_ZONES_OK, 0, { NULL } },
		{ "zen.example", DNSBL_ZONES_OK, 1, { "zen.example" } },
		{ "Zen.Example.", DNSBL_ZONES_OK, 1, { "zen.example" } },
		{ " a.test ,\tb-1.test , c ", DNSBL_ZONES_OK, 3, { "a.test", "b-1.test", "c" } },
		{ "a.test,b.test", DNSBL_ZONES_OK, 2, { "a.test", "b.test" } },
		{ "a.test,,b.test", DNSBL_ZONES_EMPTY_ITEM, 0, { NULL } },
		{ "a.test,", DNSBL_ZONES_EMPTY_ITEM, 0, { NULL } },
		{ ",a.test", DNSBL_ZONES_EMPTY_ITEM, 0, { NULL } },
		{ "a.test, ,b.test", DNSBL_ZONES_EMPTY_ITEM, 0, { NULL } },
		{ ".", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a..test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ ".a.test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a.test..", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a b.test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a_b.test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "-a.test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a-.test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a.test-", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a.test;b.test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "b\xc3\xa9.test", DNSBL_ZONES_BAD_NAME, 0, { NULL } },
		{ "a.test,A.TEST.", DNSBL_ZONES_DUPLICATE, 0, { NULL } },
		{ "1.t,2.t,3.t,4.t,5.t,6.t,7.t,8.t", DNSBL_ZONES_OK, 8, { "1.t", "2.t", "3.t" } },
		{ "1.t,2.t,3.t,4.t,5.t,6.t,7.t,8.t,9.t", DNSBL_ZONES_TOO_MANY, 0, { NULL } },
	};
	struct dnsbl_zones z;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum dnsbl_zones_err err = dnsbl_zones_parse(cases[i].list,
		    strlen(cases[i].list), &z);

		if (err != cases[i].err || z.n != cases[i].n)
			fail_msg("\"%s\": error %d (%s) n %zu, want %d n %zu", cases[i].list, err,
			    dnsbl_zones_strerror(err), z.n, cases[i].err, cases[i].n);
		for (j = 0; j < 3 && cases[i].zones[j] != NULL; j++)
			assert_string_equal(z.zone[j], cases[i].zones[j]);
	}
	/* (buf, len): nothing past len is read, a NUL inside is a bad name */
	assert_int_equal(dnsbl_zones_parse("a.test,b.test", 6, &z), DNSBL_ZONES_OK);
	assert_int_equal(z.n, 1);
	assert_int_equal(dnsbl_zones_parse("a.test\0b", 8, &z), DNSBL_ZONES_BAD_NAME);
}

static void
test_zones_lengths(void **state)
{
	char list[600];
	struct dnsbl_zones z;
	size_t i;

	(void)state;
	/* a label of 63 is fine, 64 is not */
	memset(list, 'a', 63);
	memcpy(list + 63, ".test", 6);
	assert_int_equal(dnsbl_zones_parse(list, strlen(list), &z), DNSBL_ZONES_OK);
	memset(list, 'a', 64);
	memcpy(list + 64, ".test", 6);
	assert_int_equal(dnsbl_zones_parse(list, strlen(list), &z), DNSBL_ZONES_TOO_LONG);
	/* a zone of DNSBL_ZONE_MAX (with its final dot allowed), and one more */
	for (i = 0; i < DNSBL_ZONE_MAX; i++)
		list[i] = (i % 50 == 49) ? '.' : 'b';
	list[DNSBL_ZONE_MAX] = '.';
	list[DNSBL_ZONE_MAX + 1] = '\0';
	assert_int_equal(dnsbl_zones_parse(list, strlen(list), &z), DNSBL_ZONES_OK);
	assert_int_equal(strlen(z.zone[0]), DNSBL_ZONE_MAX);
	list[DNSBL_ZONE_MAX] = 'b';
	assert_int_equal(dnsbl_zones_parse(list, strlen(list), &z), DNSBL_ZONES_TOO_LONG);
	for (i = DNSBL_ZONES_OK; i <= DNSBL_ZONES_DUPLICATE; i++)
		assert_true(strlen(dnsbl_zones_strerror((enum dnsbl_zones_err)i)) > 0);
}

/* Query names of the longest zone, IPv4 and IPv6, fit one DNS name. */
static void
test_query_names(void **state)
{
	char list[DNSBL_ZONE_MAX + 1], name[DNS_NAME_MAX + 1];
	struct netaddr v4, v6;
	struct dnsbl_zones z;
	size_t i;

	(void)state;
	assert_int_equal(netaddr_parse("203.0.113.45", 12, &v4), 0);
	assert_int_equal(netaddr_parse("2001:db8::f:1", 13, &v6), 0);
	assert_int_equal(dnsbl_zones_parse("zen.example, bl.test", 20, &z), DNSBL_ZONES_OK);
	assert_int_equal(dnsbl_query_name(&v4, z.zone[0], name, sizeof(name)), 24);
	assert_string_equal(name, "45.113.0.203.zen.example");
	dnsbl_query_name(&v6, z.zone[1], name, sizeof(name));
	assert_string_equal(name,
	    "1.0.0.0.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test");
	for (i = 0; i < DNSBL_ZONE_MAX; i++)
		list[i] = (i % 50 == 49) ? '.' : 'c';
	list[DNSBL_ZONE_MAX] = '\0';
	assert_int_equal(dnsbl_zones_parse(list, DNSBL_ZONE_MAX, &z), DNSBL_ZONES_OK);
	assert_int_equal(dnsbl_query_name(&v6, z.zone[0], name, sizeof(name)), DNS_NAME_MAX);
	assert_true(dnsbl_query_name(&v4, z.zone[0], name, sizeof(name)) > 0);
}

/* ------------------------------------------------------------ asynchronous paths */

struct loop {
	struct event_base	*base;
	struct dnsfake		*fake;
	struct resolver		*r;
	int			 calls;
	int			 in_start;	/* a callback now would be from within start */
	int			 from_start;
};

static void
loop_open(struct loop *l, const struct dnsfake_rr *table, unsigned timeout_ms)
{
	char err[256];

	memset(l, 0, sizeof(*l));
	l->base = event_base_new();
	assert_non_null(l->base);
	l->fake = dnsfake_start(l->base, table);
	l->r = resolver_new(l->base, dnsfake_servers(l->fake), timeout_ms, 1, err,
	    sizeof(err));
	if (l->r == NULL)
		fail_msg("%s", err);
}

static void
loop_close(struct loop *l)
{
	resolver_free(l->r);
	dnsfake_stop(l->fake);
	event_base_free(l->base);
}

/* Runs the loop for ms milliseconds, or until a callback breaks it. */
static void
loop_run(struct loop *l, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	event_base_loopexit(l->base, &tv);
	event_base_dispatch(l->base);
}

static void
on_done(void *arg)
{
	struct loop *l = arg;

	l->calls++;
	if (l->in_start)
		l->from_start = 1;
	event_base_loopbreak(l->base);
}

/* The SERVFAIL table entries; every other question gets NXDOMAIN. */
static const struct dnsfake_rr table[] = {
	{ "1.2.0.192.broken.test", 1, 2, 0, { NULL } },
	{ "1.2.0.192.silent.test", 1, 0, 1, { NULL } },
	{ "2.2.0.192.in-addr.arpa", 12, 2, 0, { NULL } },
	{ "3.2.0.192.in-addr.arpa", 12, 0, 1, { NULL } },
	{ NULL, 0, 0, 0, { NULL } },
};

static void
test_dnsbl_async(void **state)
{
	struct loop l;
	struct dnsbl_zones z;
	struct dnsbl *d;
	struct sockaddr_storage ss;
	const struct dnsbl_result *v;
	struct timeval t0, t1;

	(void)state;
	loop_open(&l, table, 2000);
	assert_int_equal(dnsbl_zones_parse("clean.test,broken.test,silent.test", 34, &z),
	    DNSBL_ZONES_OK);
	gettimeofday(&t0, NULL);
	l.in_start = 1;
	d = dnsbl_start(l.r, l.base, &z, client_addr(&ss, "192.0.2.1"), 300, on_done, &l);
	l.in_start = 0;
	assert_non_null(d);
	assert_false(dnsbl_done(d));
	loop_run(&l, 5000);
	gettimeofday(&t1, NULL);
	assert_int_equal(l.calls, 1);
	assert_false(l.from_start);
	assert_true(dnsbl_done(d));
	assert_int_equal(dnsbl_results(d, &v), 3);
	assert_string_equal(v[0].zone, "clean.test");
	assert_int_equal(v[0].status, DNSBL_NOT_LISTED);
	assert_int_equal(v[1].status, DNSBL_UNKNOWN);	/* SERVFAIL */
	assert_int_equal(v[2].status, DNSBL_UNKNOWN);	/* silent: the deadline */
	/* the deadline (300 ms) ended it, well before the resolver's own timeout */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000 < 1500);
	assert_int_equal(dnsfake_queries(l.fake), 3);
	/* nothing comes later */
	loop_run(&l, 100);
	assert_int_equal(l.calls, 1);
	dnsbl_free(d);
	loop_close(&l);
}

static void
test_dnsbl_no_zone(void **state)
{
	struct loop l;
	struct dnsbl_zones z;
	struct dnsbl *d;
	struct sockaddr_storage ss;
	const struct dnsbl_result *v;
	struct sockaddr sa;

	(void)state;
	loop_open(&l, table, 2000);
	assert_int_equal(dnsbl_zones_parse("", 0, &z), DNSBL_ZONES_OK);
	l.in_start = 1;
	d = dnsbl_start(l.r, l.base, &z, client_addr(&ss, "2001:db8::1"), 300, on_done, &l);
	l.in_start = 0;
	assert_int_equal(l.calls, 0);
	loop_run(&l, 1000);
	assert_int_equal(l.calls, 1);
	assert_false(l.from_start);
	assert_int_equal(dnsbl_results(d, &v), 0);
	assert_int_equal(dnsfake_queries(l.fake), 0);
	dnsbl_free(d);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_null(dnsbl_start(l.r, l.base, &z, &sa, 300, on_done, &l));
	dnsbl_free(NULL);
	loop_close(&l);
}

/* Freed while its questions are in flight: no callback, nothing leaks (ASan). */
static void
test_dnsbl_free_pending(void **state)
{
	struct loop l;
	struct dnsbl_zones z;
	struct dnsbl *d;
	struct sockaddr_storage ss;

	(void)state;
	loop_open(&l, table, 200);
	assert_int_equal(dnsbl_zones_parse("silent.test,other.test", 22, &z), DNSBL_ZONES_OK);
	d = dnsbl_start(l.r, l.base, &z, client_addr(&ss, "192.0.2.1"), 5000, on_done, &l);
	loop_run(&l, 20);
	dnsbl_free(d);
	/* the resolver's timeout passes: the cancelled questions end quietly */
	loop_run(&l, 600);
	assert_int_equal(l.calls, 0);
	assert_int_equal(resolver_pending(l.r), 0);
	loop_close(&l);
}

static void
test_rdns_async(void **state)
{
	static const struct { const char *client; enum rdns_status want; } cases[] = {
		{ "192.0.2.1", RDNS_NONE },		/* NXDOMAIN */
		{ "192.0.2.2", RDNS_UNKNOWN },		/* SERVFAIL */
		{ "192.0.2.3", RDNS_UNKNOWN },		/* silent: the deadline */
		{ "2001:db8::1", RDNS_NONE },
	};
	struct sockaddr_storage ss;
	struct loop l;
	struct rdns *q;
	size_t i;

	(void)state;
	loop_open(&l, table, 2000);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		l.calls = 0;
		l.in_start = 1;
		q = rdns_start(l.r, l.base, client_addr(&ss, cases[i].client), 300, on_done,
		    &l);
		l.in_start = 0;
		assert_non_null(q);
		assert_int_equal(rdns_result(q)->status, RDNS_PENDING);
		loop_run(&l, 5000);
		if (l.calls != 1 || rdns_result(q)->status != cases[i].want)
			fail_msg("%s: %d calls, status %s", cases[i].client, l.calls,
			    rdns_status_name(rdns_result(q)->status));
		assert_false(l.from_start);
		assert_string_equal(rdns_result(q)->name, "");
		rdns_free(q);
	}
	rdns_free(NULL);
	loop_close(&l);
}

static void
test_rdns_free_pending(void **state)
{
	struct sockaddr_storage ss;
	struct loop l;
	struct rdns *q;

	(void)state;
	loop_open(&l, table, 200);
	q = rdns_start(l.r, l.base, client_addr(&ss, "192.0.2.3"), 5000, on_done, &l);
	loop_run(&l, 20);
	rdns_free(q);
	loop_run(&l, 600);
	assert_int_equal(l.calls, 0);
	assert_int_equal(resolver_pending(l.r), 0);
	loop_close(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones_parse),
		cmocka_unit_test(test_zones_lengths),
		cmocka_unit_test(test_query_names),
		cmocka_unit_test(test_dnsbl_async),
		cmocka_unit_test(test_dnsbl_no_zone),
		cmocka_unit_test(test_dnsbl_free_pending),
		cmocka_unit_test(test_rdns_async),
		cmocka_unit_test(test_rdns_free_pending),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
