/*
 * test_answer_cache.c - the answers kept across messages (auth/answer_cache.h) and
 * the TTL the resolver reads from an answer (resolver_answer_ttl): what is kept, for
 * how long, what never is, and malformed messages.
 */
#include "config.h"

#include <ares.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/answer_cache.h"
#include "auth/resolver.h"
#include "tests/unit/dnsfake.h"

#define T0 1000

static const struct dns_rr spf = { (unsigned char *)"v=spf1 -all", 11, 0 };

static void
test_kept_until_expiry(void **state)
{
	struct answer_cache *c = answer_cache_new();
	const struct dns_rrset *s;

	answer_cache_put(c, "Example.ORG", DNS_T_TXT, DNS_OK, &spf, 1, 60, T0);
	s = answer_cache_get(c, "example.org", DNS_T_TXT, T0 + 59);
	assert_non_null(s);
	assert_int_equal(s->result, DNS_OK);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->rr[0].len, 11);
	assert_memory_equal(s->rr[0].data, "v=spf1 -all", 12);	/* with its NUL */
	assert_null(answer_cache_get(c, "example.org", DNS_T_MX, T0));	/* another type */
	assert_null(answer_cache_get(c, "example.org", DNS_T_TXT, T0 + 60));
	assert_null(answer_cache_get(c, "example.org", DNS_T_TXT, T0 + 1));	/* gone */
	answer_cache_free(c);
	answer_cache_free(NULL);
}

static void
test_ttl_capped_and_zero(void **state)
{
	struct answer_cache *c = answer_cache_new();

	answer_cache_put(c, "a.example", DNS_T_TXT, DNS_OK, &spf, 1, 86400, T0);
	assert_non_null(answer_cache_get(c, "a.example", DNS_T_TXT,
	    T0 + ANSWER_CACHE_TTL_MAX - 1));
	assert_null(answer_cache_get(c, "a.example", DNS_T_TXT, T0 + ANSWER_CACHE_TTL_MAX));
	answer_cache_put(c, "b.example", DNS_T_TXT, DNS_OK, &spf, 1, 0, T0);
	assert_null(answer_cache_get(c, "b.example", DNS_T_TXT, T0));
	answer_cache_free(c);
}

static void
test_what_is_never_kept(void **state)
{
	struct answer_cache *c = answer_cache_new();
	static unsigned char big[ANSWER_CACHE_ENTRY_MAX];
	struct dns_rr large = { big, sizeof(big), 0 };
	const struct dns_rrset *s;

	answer_cache_put(c, "t.example", DNS_T_TXT, DNS_TIMEOUT, NULL, 0, 60, T0);
	answer_cache_put(c, "f.example", DNS_T_TXT, DNS_SERVFAIL, NULL, 0, 60, T0);
	answer_cache_put(c, "e.example", DNS_T_TXT, DNS_OK, NULL, 0, 60, T0);
	answer_cache_put(c, "l.example", DNS_T_TXT, DNS_OK, &large, 1, 60, T0);
	assert_null(answer_cache_get(c, "t.example", DNS_T_TXT, T0));
	assert_null(answer_cache_get(c, "f.example", DNS_T_TXT, T0));
	assert_null(answer_cache_get(c, "e.example", DNS_T_TXT, T0));
	assert_null(answer_cache_get(c, "l.example", DNS_T_TXT, T0));
	/* negative answers are kept, without records */
	answer_cache_put(c, "nx.example", DNS_T_TXT, DNS_NXDOMAIN, &spf, 1, 60, T0);
	s = answer_cache_get(c, "nx.example", DNS_T_TXT, T0);
	assert_non_null(s);
	assert_int_equal(s->result, DNS_NXDOMAIN);
	assert_int_equal(s->n, 0);
	answer_cache_free(c);
}

static void
test_newer_answer_replaces(void **state)
{
	struct answer_cache *c = answer_cache_new();
	const struct dns_rr other = { (unsigned char *)"v=spf1 +all", 11, 0 };
	const struct dns_rrset *s;
	char name[32];
	int i, kept;

	answer_cache_put(c, "r.example", DNS_T_TXT, DNS_OK, &spf, 1, 60, T0);
	answer_cache_put(c, "r.example", DNS_T_TXT, DNS_OK, &other, 1, 60, T0 + 1);
	s = answer_cache_get(c, "r.example", DNS_T_TXT, T0 + 1);
	assert_non_null(s);
	assert_memory_equal(s->rr[0].data, "v=spf1 +all", 11);
	/* more names than slots: memory stays bounded, some answers are replaced, and
	 * a get never returns another name's answer (each record holds its name) */
	for (i = 0; i < 3 * ANSWER_CACHE_SLOTS; i++) {
		struct dns_rr rr;

		snprintf(name, sizeof(name), "n%d.example", i);
		rr.data = (unsigned char *)name;
		rr.len = strlen(name);
		rr.pref = 0;
		answer_cache_put(c, name, DNS_T_TXT, DNS_OK, &rr, 1, 60, T0);
	}
	kept = 0;
	for (i = 0; i < 3 * ANSWER_CACHE_SLOTS; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		if ((s = answer_cache_get(c, name, DNS_T_TXT, T0)) == NULL)
			continue;
		kept++;
		assert_string_equal((const char *)s->rr[0].data, name);
	}
	assert_true(kept > 0 && kept <= ANSWER_CACHE_SLOTS);
	answer_cache_free(c);
}

static void
set32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Two TXT answers with the given TTLs. */
static void
two_answers(struct dnsmsg *m, uint32_t ttl1, uint32_t ttl2)
{
	static const char *r[] = { "v=spf1 -all", NULL };
	size_t a, b;

	dnsmsg_header(m, 1, 0, 2, "example.org", 16);
	a = m->len;
	dnsmsg_txt(m, r);
	b = m->len;
	dnsmsg_txt(m, r);
	set32(m->b + a + 6, ttl1);
	set32(m->b + b + 6, ttl2);
}

/* A negative answer (rcode) with an SOA of the given TTL and MINIMUM in authority. */
static void
negative(struct dnsmsg *m, unsigned rcode, uint32_t ttl, uint32_t minimum)
{
	static const unsigned char soa[] = {
		0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22,
		0, 0,				/* MNAME, RNAME: the root */
		0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0,
	};

	dnsmsg_header(m, 1, rcode, 0, "example.org", 16);
	m->b[9] = 1;		/* NSCOUNT */
	memcpy(m->b + m->len, soa, sizeof(soa));
	set32(m->b + m->len + 6, ttl);
	set32(m->b + m->len + sizeof(soa) - 4, minimum);
	m->len += sizeof(soa);
}

static void
test_ttl_from_answers(void **state)
{
	struct dnsmsg m;

	two_answers(&m, 300, 60);
	assert_int_equal(resolver_answer_ttl(ARES_SUCCESS, m.b, (int)m.len), 60);
	two_answers(&m, 5, 3600);
	assert_int_equal(resolver_answer_ttl(ARES_SUCCESS, m.b, (int)m.len), 5);
	/* RFC 2181 8: the top bit set reads as zero */
	two_answers(&m, 0x80000001u, 60);
	assert_int_equal(resolver_answer_ttl(ARES_SUCCESS, m.b, (int)m.len), 0);
	/* only answers worth keeping have a TTL */
	two_answers(&m, 300, 300);
	assert_int_equal(resolver_answer_ttl(ARES_ETIMEOUT, m.b, (int)m.len), 0);
	assert_int_equal(resolver_answer_ttl(ARES_ESERVFAIL, m.b, (int)m.len), 0);
}

static void
test_ttl_of_negative_answers(void **state)
{
	struct dnsmsg m;

	negative(&m, 3, 3600, 120);
	assert_int_equal(resolver_answer_ttl(ARES_ENOTFOUND, m.b, (int)m.len), 120);
	negative(&m, 0, 30, 120);
	assert_int_equal(resolver_answer_ttl(ARES_ENODATA, m.b, (int)m.len), 30);
	/* no SOA: nothing says how long, so not kept */
	dnsmsg_header(&m, 1, 3, 0, "example.org", 16);
	assert_int_equal(resolver_answer_ttl(ARES_ENOTFOUND, m.b, (int)m.len), 0);
}

static void
test_ttl_malformed(void **state)
{
	struct dnsmsg m;
	size_t cut;

	two_answers(&m, 300, 60);
	for (cut = 0; cut < m.len; cut++)
		assert_int_equal(resolver_answer_ttl(ARES_SUCCESS, m.b, (int)cut), 0);
	assert_int_equal(resolver_answer_ttl(ARES_SUCCESS, NULL, 0), 0);
	/* a label type RFC 6891 retired */
	two_answers(&m, 300, 60);
	m.b[12] = 0x40;
	assert_int_equal(resolver_answer_ttl(ARES_SUCCESS, m.b, (int)m.len), 0);
	/* a record longer than the message */
	negative(&m, 3, 60, 60);
	m.b[m.len - 22 - 1] = 0xff;
	assert_int_equal(resolver_answer_ttl(ARES_ENOTFOUND, m.b, (int)m.len), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_until_expiry),
		cmocka_unit_test(test_ttl_capped_and_zero),
		cmocka_unit_test(test_what_is_never_kept),
		cmocka_unit_test(test_newer_answer_replaces),
		cmocka_unit_test(test_ttl_from_answers),
		cmocka_unit_test(test_ttl_of_negative_answers),
		cmocka_unit_test(test_ttl_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
