/*
 * test_spf.c - spf_check() as the daemon drives it: restarts over the DNS cache, the
 * identities (MAIL FROM, HELO, null reverse-path), the outcome's log fields, the
 * explanation with its exp-only macros, and the limits of RFC 7208 4.6.4 where this
 * code chose among readings (what counts as a void lookup). The RFC 7208 suite covers
 * the rest (tests/conformance).
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "auth/dns.h"
#include "auth/spf.h"

#define RR_MAX 12

struct rec {
	const char	*name;
	enum dns_type	 type;
	enum dns_result	 result;
	const char	*data[RR_MAX];	/* A/AAAA as text, MX as "name" (pref = index) */
};

static const struct rec zone[] = {
	{ "example.com", DNS_T_TXT, DNS_OK, {
	    "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net mx -all exp=why.%{d}",
	    "google-site-verification=abc" } },
	{ "example.com", DNS_T_MX, DNS_OK, { "mx1.example.com", "mx2.example.com" } },
	{ "mx1.example.com", DNS_T_A, DNS_OK, { "198.51.100.1" } },
	{ "mx2.example.com", DNS_T_A, DNS_OK, { "198.51.100.2" } },
	{ "_spf.example.net", DNS_T_TXT, DNS_OK, { "v=spf1 ip6:2001:db8::/32 ~all" } },
	{ "why.example.com", DNS_T_TXT, DNS_OK,
	  { "%{c} is not a server of %{d}; %{r} at %{t} (%{p}, %{i}, %{v}, %{h}, %{s})" } },
	{ "1.113.0.203.in-addr.arpa", DNS_T_PTR, DNS_OK, { "host.example.org" } },
	{ "host.example.org", DNS_T_A, DNS_OK, { "203.0.113.1" } },
	{ "helo.example.org", DNS_T_TXT, DNS_OK, { "v=spf1 a -all" } },
	{ "helo.example.org", DNS_T_A, DNS_OK, { "203.0.113.1" } },
	/* MX hosts without AAAA: no void lookup for an IPv6 client. */
	{ "v6.example.com", DNS_T_TXT, DNS_OK, { "v=spf1 mx mx mx -all" } },
	{ "v6.example.com", DNS_T_MX, DNS_OK, { "mx1.example.com" } },
	{ "mx1.example.com", DNS_T_AAAA, DNS_NODATA, { NULL } },
	/* No PTR for the client: no void lookup either. */
	{ "ptr.example.com", DNS_T_TXT, DNS_OK, { "v=spf1 ptr ptr ptr -all" } },
	/* exists on absent names: void lookups, the third is a permerror. */
	{ "bl.example.com", DNS_T_TXT, DNS_OK,
	  { "v=spf1 exists:a.%{d} exists:b.%{d} exists:c.%{d} -all" } },
	{ "slow.example.com", DNS_T_TXT, DNS_OK, { "v=spf1 mx -all" } },
	{ "slow.example.com", DNS_T_MX, DNS_OK, { "mx1.example.com", "down.example.com" } },
	{ "down.example.com", DNS_T_A, DNS_TIMEOUT, { NULL } },
	{ "long.example.com", DNS_T_TXT, DNS_OK, { "v=spf1 -all exp=long-exp.example.com" } },
	{ "long-exp.example.com", DNS_T_TXT, DNS_OK, { "%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}"
	  "%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}%{s}" } },
	{ "pass.example.com", DNS_T_TXT, DNS_OK, { "v=spf1 +all exp=never.example.com" } },
	{ "ctl.example.com", DNS_T_TXT, DNS_OK, { "v=spf1 -all exp=ctl-exp.example.com" } },
	{ "ctl-exp.example.com", DNS_T_TXT, DNS_OK, { "helo was %{h}" } },
	/* bücher.example: the identities and %{d}, %{o}, %{h} in A-labels (RFC 8616 4) */
	{ "xn--bcher-kva.example", DNS_T_TXT, DNS_OK, { "v=spf1 ip4:192.0.2.0/24 "
	  "include:%{l}.inc.%{d} exists:%{l}.user.%{d} exists:%{o}.o.example.net -all" } },
	{ "alice.inc.xn--bcher-kva.example", DNS_T_TXT, DNS_OK, { "v=spf1 -all" } },
	{ "alice.user.xn--bcher-kva.example", DNS_T_A, DNS_OK, { "127.0.0.2" } },
	{ "xn--bcher-kva.example.o.example.net", DNS_T_A, DNS_OK, { "127.0.0.2" } },
	{ "mail.xn--bcher-kva.example", DNS_T_TXT, DNS_OK, { "v=spf1 a:%{h} -all" } },
	{ "mail.xn--bcher-kva.example", DNS_T_A, DNS_OK, { "203.0.113.9" } },
};

static void
fill(struct dns_cache *c, const char *name, enum dns_type type)
{
	struct dns_rr rr[RR_MAX];
	unsigned char addr[RR_MAX][16];
	size_t i, k, n;

	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (zone[i].type != type || strcmp(zone[i].name, name) != 0)
			continue;
		for (n = 0; n < RR_MAX && zone[i].data[n] != NULL; n++) {
			const char *d = zone[i].data[n];

			memset(&rr[n], 0, sizeof(rr[n]));
			if (type == DNS_T_A || type == DNS_T_AAAA) {
				k = type == DNS_T_A ? 4 : 16;
				assert_int_equal(inet_pton(type == DNS_T_A ? AF_INET : AF_INET6, d,
				    addr[n]), 1);
				rr[n].data = addr[n];
				rr[n].len = k;
			} else {
				rr[n].data = (unsigned char *)d;
				rr[n].len = strlen(d);
				rr[n].pref = (unsigned)n;
			}
		}
		assert_int_equal(dns_cache_put(c, name, strlen(name), type, zone[i].result, rr,
		    n), 0);
		return;
	}
	assert_int_equal(dns_cache_put(c, name, strlen(name), type, DNS_NXDOMAIN, NULL, 0), 0);
}

/* Runs an identity check to the end, as the daemon does; returns the restarts. */
static unsigned
drive(const struct spf_request *req, int helo, struct spf_outcome *out,
    struct dns_cache **cachep)
{
	struct dns_cache *c = dns_cache_new();
	enum spf_status st;
	unsigned rounds = 0;
	const char *name;
	enum dns_type type;

	while ((st = helo ? spf_check_helo(req, c, out) : spf_check(req, c, out)) ==
	    SPF_NEED_DNS) {
		assert_int_equal(dns_cache_wanted(c, &name, &type), 0);
		fill(c, name, type);
		assert_true(++rounds < 64);
	}
	assert_int_equal(st, SPF_DONE);
	if (cachep != NULL)
		*cachep = c;
	else
		dns_cache_free(c);
	return rounds;
}

static void
request(struct spf_request *req, const char *ip, const char *helo, const char *from)
{
	memset(req, 0, sizeof(*req));
	if (inet_pton(AF_INET, ip, req->ip) == 1)
		req->family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, ip, req->ip), 1);
		req->family = AF_INET6;
	}
	req->helo = helo;
	req->helo_len = strlen(helo);
	req->mail_from = from;
	req->mail_from_len = strlen(from);
	req->now = 1700000000;
}

struct expect {
	const char *ip, *helo, *from;
	enum spf_result result;
	const char *mechanism;
	unsigned terms, voids;
};

static void
test_results(void **state)
{
	static const struct expect cases[] = {
		{ "192.0.2.77", "x.example", "Alice@Example.COM.", SPF_PASS, "ip4:192.0.2.0/24", 0, 0 },
		{ "2001:db8::5", "x.example", "alice@example.com", SPF_PASS,
		  "include:_spf.example.net", 1, 0 },
		{ "198.51.100.2", "x.example", "alice@example.com", SPF_PASS, "mx", 2, 0 },
		/* An IPv4-mapped IPv6 client is an IPv4 client (5). */
		{ "::ffff:198.51.100.1", "x.example", "alice@example.com", SPF_PASS, "mx", 2, 0 },
		{ "203.0.113.1", "x.example", "alice@example.com", SPF_FAIL, "-all", 2, 0 },
		{ "2001:db8:1::1", "x.example", "bob@v6.example.com", SPF_FAIL, "-all", 3, 0 },
		{ "192.0.2.1", "x.example", "bob@ptr.example.com", SPF_FAIL, "-all", 3, 0 },
		{ "192.0.2.1", "x.example", "bob@bl.example.com", SPF_PERMERROR,
		  "exists:c.%{d}", 3, 3 },
		{ "192.0.2.1", "x.example", "bob@slow.example.com", SPF_TEMPERROR, "", 1, 0 },
		{ "192.0.2.1", "x.example", "bob@nowhere.example.com", SPF_NONE, "", 0, 0 },
		{ "192.0.2.1", "x.example", "bob@[192.0.2.1]", SPF_NONE, "", 0, 0 },
		/* Null reverse-path: the HELO identity (2.4). */
		{ "203.0.113.1", "helo.example.org", "", SPF_PASS, "a", 1, 0 },
		{ "203.0.113.2", "helo.example.org", "", SPF_FAIL, "-all", 1, 0 },
		{ "203.0.113.2", "localhost", "", SPF_NONE, "", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spf_request req;
		struct spf_outcome out;

		request(&req, cases[i].ip, cases[i].helo, cases[i].from);
		drive(&req, 0, &out, NULL);
		if (out.result != cases[i].result || strcmp(out.mechanism, cases[i].mechanism) != 0 ||
		    out.dns_terms != cases[i].terms || out.void_lookups != cases[i].voids)
			fail_msg("case %zu: %s \"%s\" terms %u voids %u (%s), want %s \"%s\" %u %u",
			    i, spf_result_name(out.result), out.mechanism, out.dns_terms,
			    out.void_lookups, out.reason, spf_result_name(cases[i].result),
			    cases[i].mechanism, cases[i].terms, cases[i].voids);
		assert_int_equal(out.identity, cases[i].from[0] ? SPF_ID_MAILFROM : SPF_ID_HELO);
		assert_true(out.reason[0] != '\0');
	}
}

static void
test_outcome(void **state)
{
	struct spf_request req;
	struct spf_outcome out, again;
	struct dns_cache *c;
	unsigned rounds;

	request(&req, "203.0.113.1", "helo.example.org", "Alice@Example.COM");
	req.receiver = "mx.receiver.example";
	req.receiver_len = strlen(req.receiver);
	rounds = drive(&req, 0, &out, &c);
	assert_int_equal(out.result, SPF_FAIL);
	assert_string_equal(out.domain, "example.com");
	assert_string_equal(out.explanation, "203.0.113.1 is not a server of Example.COM; "
	    "mx.receiver.example at 1700000000 (host.example.org, 203.0.113.1, in-addr, "
	    "helo.example.org, Alice@Example.COM)");
	/* One restart per question, each asked once. */
	assert_int_equal(rounds, dns_cache_size(c));

	/* Re-running over a full cache gives the same outcome and asks nothing. */
	assert_int_equal(spf_check(&req, c, &again), SPF_DONE);
	assert_memory_equal(&out, &again, sizeof(out));
	assert_int_equal(rounds, dns_cache_size(c));
	dns_cache_free(c);

	/* The HELO identity, whatever MAIL FROM is. */
	drive(&req, 1, &out, NULL);
	assert_int_equal(out.identity, SPF_ID_HELO);
	assert_int_equal(out.result, SPF_PASS);
	assert_string_equal(out.domain, "helo.example.org");
	assert_string_equal(out.mechanism, "a");
	assert_string_equal(out.explanation, "");
}

static void
test_explanation_rules(void **state)
{
	struct spf_request req;
	struct spf_outcome out;
	struct dns_cache *c;
	const struct dns_rrset *rs;

	/* Longer than SPF_EXPLANATION_MAX: dropped, not cut. */
	request(&req, "192.0.2.1", "x.example", "a-rather-long-local-part@long.example.com");
	drive(&req, 0, &out, NULL);
	assert_int_equal(out.result, SPF_FAIL);
	assert_string_equal(out.explanation, "");

	/* Macros may bring client bytes in: a control byte drops the explanation. */
	request(&req, "192.0.2.1", "ok.example", "a@ctl.example.com");
	drive(&req, 0, &out, NULL);
	assert_int_equal(out.result, SPF_FAIL);
	assert_string_equal(out.explanation, "helo was ok.example");
	request(&req, "192.0.2.1", "bad\thelo", "a@ctl.example.com");
	drive(&req, 0, &out, NULL);
	assert_int_equal(out.result, SPF_FAIL);
	assert_string_equal(out.explanation, "");

	/* exp= is fetched for a fail only. */
	request(&req, "192.0.2.1", "x.example", "a@pass.example.com");
	drive(&req, 0, &out, &c);
	assert_int_equal(out.result, SPF_PASS);
	assert_int_equal(dns_cache_size(c), 1);
	assert_null(dns_cache_get(c, "never.example.com", 17, DNS_T_TXT));
	rs = dns_cache_get(c, "pass.example.com", 16, DNS_T_TXT);
	assert_non_null(rs);
	dns_cache_free(c);
}

static void
test_record_size(void **state)
{
	static char rec[SPF_RECORD_MAX + 2];
	struct spf_request req;
	struct spf_outcome out;
	struct dns_cache *c;
	struct dns_rr rr = { (unsigned char *)rec, 0, 0 };
	size_t len;

	/* "v=spf1 a a ... -all" padded with spaces to exactly the limit: evaluated. */
	memcpy(rec, "v=spf1", 6);
	for (len = 6; len + 2 <= SPF_RECORD_MAX - 5; len += 2)
		memcpy(rec + len, " a", 2);
	memcpy(rec + len, " -all", 5);
	for (len += 5; len < SPF_RECORD_MAX; len++)
		rec[len] = ' ';
	request(&req, "192.0.2.1", "x.example", "a@big.example");
	for (int over = 0; over < 2; over++) {
		if (over)
			rec[len++] = ' ';
		rr.len = len;
		c = dns_cache_new();
		assert_int_equal(dns_cache_put(c, "big.example", 11, DNS_T_TXT, DNS_OK, &rr, 1), 0);
		assert_int_equal(dns_cache_put(c, "big.example", 11, DNS_T_A, DNS_NODATA, NULL, 0),
		    0);
		assert_int_equal(spf_check(&req, c, &out), SPF_DONE);
		if (over) {
			assert_int_equal(out.result, SPF_PERMERROR);
			assert_non_null(strstr(out.reason, "octets"));
		} else {
			/* Every "a" is void: the third is over the limit. */
			assert_int_equal(out.result, SPF_PERMERROR);
			assert_int_equal(out.void_lookups, 3);
		}
		dns_cache_free(c);
	}
}

static void
test_names(void **state)
{
	assert_string_equal(spf_result_name(SPF_NONE), "none");
	assert_string_equal(spf_result_name(SPF_NEUTRAL), "neutral");
	assert_string_equal(spf_result_name(SPF_PASS), "pass");
	assert_string_equal(spf_result_name(SPF_FAIL), "fail");
	assert_string_equal(spf_result_name(SPF_SOFTFAIL), "softfail");
	assert_string_equal(spf_result_name(SPF_TEMPERROR), "temperror");
	assert_string_equal(spf_result_name(SPF_PERMERROR), "permerror");
}

/*
 * RFC 8616 4: U-labels of MAIL FROM and HELO are converted to A-labels before the
 * check, macros expand to A-labels, and a term built from a UTF-8 local part matches
 * nothing (no query, no void lookup, no permerror for an include); an identity that
 * is no valid IDN is a malformed domain (RFC 7208 4.3: none).
 */
static void
test_idn(void **state)
{
	static const struct {
		const char	*helo, *from;
		enum spf_result	 result;
		const char	*mechanism, *domain;
		unsigned	 terms, voids;
	} cases[] = {
		{ "x.example", "alice@bücher.example", SPF_PASS, "ip4:192.0.2.0/24",
		  "xn--bcher-kva.example", 0, 0 },
		{ "x.example", "alice@B\xc3\x9c" "CHER.example", SPF_PASS, "ip4:192.0.2.0/24",
		  "xn--bcher-kva.example", 0, 0 },
		{ "x.example", "alice@xn--bcher-kva.example", SPF_PASS, "ip4:192.0.2.0/24",
		  "xn--bcher-kva.example", 0, 0 },
		/* the client outside ip4: %{l} and %{d} make ASCII names */
		{ "x.example", "alice@bücher.example", SPF_PASS, "exists:%{l}.user.%{d}",
		  "xn--bcher-kva.example", 2, 0 },
		/* a UTF-8 local part: include and exists on %{l} match nothing; %{o} does */
		{ "x.example", "jörg@bücher.example", SPF_PASS, "exists:%{o}.o.example.net",
		  "xn--bcher-kva.example", 3, 0 },
		/* the HELO identity, its %{h} in A-labels */
		{ "Mail.Bücher.example", "", SPF_PASS, "a:%{h}", "mail.xn--bcher-kva.example",
		  1, 0 },
		/* no valid IDN: malformed, none */
		{ "x.example", "alice@b\xfc" "cher.example", SPF_NONE, "", "", 0, 0 },
		{ "x.example", "alice@xn--zz.bücher.example", SPF_NONE, "", "", 0, 0 },
		{ "b\xc3" ".example", "", SPF_NONE, "", "", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spf_request req;
		struct spf_outcome out;

		request(&req, i < 3 ? "192.0.2.5" : "203.0.113.9", cases[i].helo,
		    cases[i].from);
		drive(&req, 0, &out, NULL);
		if (out.result != cases[i].result ||
		    strcmp(out.mechanism, cases[i].mechanism) != 0 ||
		    strcmp(out.domain, cases[i].domain) != 0 ||
		    out.dns_terms != cases[i].terms || out.void_lookups != cases[i].voids)
			fail_msg("case %zu: %s \"%s\" domain \"%s\" terms %u voids %u (%s)", i,
			    spf_result_name(out.result), out.mechanism, out.domain,
			    out.dns_terms, out.void_lookups, out.reason);
		if (out.result == SPF_NONE)
			assert_non_null(strstr(out.reason, "not a valid IDN"));
	}
}

/*
 * Answers of more than DNS_RR_MAX records: the cache keeps the first DNS_RR_MAX, so
 * what lies beyond must never decide. A second SPF record past them cannot turn the
 * permerror of 4.5 into the first record's result; an address past them cannot turn
 * a pass into a fail (we did not see it: temperror), while a match is a match.
 */
#define BIG (DNS_RR_MAX + 6)

/* name's answer of n records: TXT "filler <i>", or A 10.0.<i/256>.<i%256>; the
 * record at index at (if < n) is special instead (TXT text, or A 192.0.2.1). */
static void
put_big(struct dns_cache *c, const char *name, enum dns_type type, size_t n,
    const char *special, size_t at)
{
	static char txt[BIG][32];
	static unsigned char addr[BIG][4];
	struct dns_rr rr[BIG];
	size_t i;

	assert_true(n <= BIG);
	for (i = 0; i < n; i++) {
		memset(&rr[i], 0, sizeof(rr[i]));
		if (type == DNS_T_TXT) {
			snprintf(txt[i], sizeof(txt[i]), "filler %zu", i);
			rr[i].data = (unsigned char *)(i == at ? special : txt[i]);
			rr[i].len = strlen((const char *)rr[i].data);
		} else {
			unsigned char ip[4] = { 10, 0, (unsigned char)(i / 256),
			    (unsigned char)i };

			if (i == at)
				inet_pton(AF_INET, "192.0.2.1", ip);
			memcpy(addr[i], ip, 4);
			rr[i].data = addr[i];
			rr[i].len = 4;
		}
	}
	assert_int_equal(dns_cache_put(c, name, strlen(name), type, DNS_OK, rr, n), 0);
}

/* spf_check() of alice@<domain> from 192.0.2.1 over cache c (other names: NXDOMAIN). */
static enum spf_result
check_big(struct dns_cache *c, const char *domain, struct spf_outcome *out)
{
	struct spf_request req;
	char from[128];
	const char *name;
	enum dns_type type;
	unsigned rounds = 0;

	snprintf(from, sizeof(from), "alice@%s", domain);
	request(&req, "192.0.2.1", "x.example", from);
	while (spf_check(&req, c, out) == SPF_NEED_DNS) {
		assert_int_equal(dns_cache_wanted(c, &name, &type), 0);
		fill(c, name, type);
		assert_true(++rounds < 64);
	}
	return out->result;
}

static void
test_truncated_answers(void **state)
{
	static const struct {
		enum dns_type	 type;		/* of the big answer */
		size_t		 n, at;		/* its size, the special record's index */
		enum spf_result	 result;
	} cases[] = {
		/* TXT at the SPF name: one SPF record among the kept, a second one past
		 * them (4.5: permerror), or only past them, or nowhere: we cannot tell */
		{ DNS_T_TXT, BIG, 0, SPF_PERMERROR },
		{ DNS_T_TXT, BIG, BIG - 1, SPF_PERMERROR },
		{ DNS_T_TXT, BIG, BIG, SPF_PERMERROR },
		/* exactly DNS_RR_MAX records: all were seen */
		{ DNS_T_TXT, DNS_RR_MAX, 0, SPF_PASS },
		{ DNS_T_TXT, DNS_RR_MAX, DNS_RR_MAX, SPF_NONE },
		/* "a": the client among the kept addresses matches; past them or absent
		 * from a set too big to see whole, temperror; a whole set: fail */
		{ DNS_T_A, BIG, 3, SPF_PASS },
		{ DNS_T_A, BIG, BIG - 1, SPF_TEMPERROR },
		{ DNS_T_A, BIG, BIG, SPF_TEMPERROR },
		{ DNS_T_A, DNS_RR_MAX, DNS_RR_MAX - 1, SPF_PASS },
		{ DNS_T_A, DNS_RR_MAX, DNS_RR_MAX, SPF_FAIL },
	};
	static const char mx_rr[] = "v=spf1 mx -all";
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dns_cache *c = dns_cache_new();
		struct spf_outcome out;

		if (cases[i].type == DNS_T_TXT) {
			/* the one SPF record, which passes the client */
			put_big(c, "big.test", DNS_T_TXT, cases[i].n, "v=spf1 +all",
			    cases[i].at);
		} else {
			struct dns_rr rr = { (unsigned char *)"v=spf1 a:host.big.test -all",
			    strlen("v=spf1 a:host.big.test -all"), 0 };

			assert_int_equal(dns_cache_put(c, "big.test", 8, DNS_T_TXT, DNS_OK, &rr,
			    1), 0);
			put_big(c, "host.big.test", DNS_T_A, cases[i].n, NULL, cases[i].at);
		}
		if (check_big(c, "big.test", &out) != cases[i].result)
			fail_msg("case %zu: %s (%s), want %s", i, spf_result_name(out.result),
			    out.reason, spf_result_name(cases[i].result));
		dns_cache_free(c);
	}

	/* a second SPF record past the kept ones: permerror, however the first reads */
	{
		struct dns_cache *c = dns_cache_new();
		struct spf_outcome out;
		struct dns_rr rr[BIG];
		char txt[BIG][32];

		for (i = 0; i < BIG; i++) {
			snprintf(txt[i], sizeof(txt[i]), "%s", i == 0 ? "v=spf1 +all" :
			    i == BIG - 1 ? "v=spf1 -all" : "filler");
			rr[i].data = (unsigned char *)txt[i];
			rr[i].len = strlen(txt[i]);
			rr[i].pref = 0;
		}
		assert_int_equal(dns_cache_put(c, "two.test", 8, DNS_T_TXT, DNS_OK, rr, BIG),
		    0);
		assert_int_equal(check_big(c, "two.test", &out), SPF_PERMERROR);
		assert_non_null(strstr(out.reason, "TXT records"));
		dns_cache_free(c);
	}
	/* mx hosts go through the same address check */
	{
		struct dns_cache *c = dns_cache_new();
		struct spf_outcome out;
		struct dns_rr rr = { (unsigned char *)mx_rr, strlen(mx_rr), 0 };
		struct dns_rr mx = { (unsigned char *)"host.mx.test", 12, 10 };

		assert_int_equal(dns_cache_put(c, "mx.test", 7, DNS_T_TXT, DNS_OK, &rr, 1), 0);
		assert_int_equal(dns_cache_put(c, "mx.test", 7, DNS_T_MX, DNS_OK, &mx, 1), 0);
		put_big(c, "host.mx.test", DNS_T_A, BIG, NULL, BIG - 1);
		assert_int_equal(check_big(c, "mx.test", &out), SPF_TEMPERROR);
		dns_cache_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_explanation_rules),
		cmocka_unit_test(test_record_size),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_truncated_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
