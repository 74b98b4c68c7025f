/*
 * test_dmarc.c - DMARC evaluation (RFC 9989) over a table of DNS answers, driven the
 * way the daemon drives it (evaluate, resolve the wanted question, evaluate again).
 * Each case checks the result, the policy and its domain, and where the DNS Tree Walk
 * matters the exact questions asked. Cases where RFC 9989 changed a verdict from
 * RFC 7489 say so, with the old verdict.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dmarc.h"
#include "auth/dns.h"

/* One answer of the test zone; a question not in the table is NXDOMAIN. */
struct zrr {
	const char	*name;
	enum dns_type	 type;
	enum dns_result	 res;
	const char	*txt[3];
};

#define MAXQ 128

struct run {
	struct dmarc_result	 out;
	char			 q[MAXQ][DNS_NAME_MAX + 1];
	size_t			 nq;
};

static void
evaluate(const struct zrr *zone, const struct dmarc_input *in, struct run *r)
{
	struct dns_cache *c = dns_cache_new();
	size_t rounds;

	memset(r, 0, sizeof(*r));
	for (rounds = 0; rounds < MAXQ; rounds++) {
		const struct zrr *z;
		struct dns_rr rr[3];
		const char *name;
		enum dns_type type;
		size_t n = 0;

		if (dmarc_eval(in, c, &r->out) == DMARC_DONE)
			break;
		assert_int_equal(dns_cache_wanted(c, &name, &type), 0);
		snprintf(r->q[r->nq++], DNS_NAME_MAX + 1, "%s", name);
		for (z = zone; z != NULL && z->name != NULL; z++)
			if (strcmp(z->name, name) == 0 && z->type == type)
				break;
		if (z == NULL || z->name == NULL) {
			assert_int_equal(dns_cache_put(c, name, strlen(name), type,
			    DNS_NXDOMAIN, NULL, 0), 0);
			continue;
		}
		for (n = 0; n < 3 && z->txt[n] != NULL; n++) {
			rr[n].data = (unsigned char *)(uintptr_t)z->txt[n];
			rr[n].len = strlen(z->txt[n]);
			rr[n].pref = 0;
		}
		assert_int_equal(dns_cache_put(c, name, strlen(name), type, z->res, rr, n), 0);
	}
	assert_true(rounds < MAXQ);
	dns_cache_free(c);
}

static struct from_result
from1(const char *domain)
{
	struct from_result f;

	memset(&f, 0, sizeof(f));
	f.err = FROM_OK;
	f.naddrs = 1;
	snprintf(f.addr[0].local, sizeof(f.addr[0].local), "user");
	snprintf(f.addr[0].domain, sizeof(f.addr[0].domain), "%s", domain);
	f.addr[0].literal = domain[0] == '[';
	return f;
}

static void
check(const struct run *r, enum dmarc_res res, enum dmarc_policy pol, const char *pdom)
{
	if (r->out.result != res || r->out.policy != pol ||
	    strcmp(r->out.policy_domain, pdom) != 0)
		fail_msg("got %s policy=%s domain=\"%s\" (%s); want %s policy=%s domain=\"%s\"",
		    dmarc_res_name(r->out.result), dmarc_policy_name(r->out.policy),
		    r->out.policy_domain, r->out.reason, dmarc_res_name(res),
		    dmarc_policy_name(pol), pdom);
}

static void
check_queries(const struct run *r, const char *const *want)
{
	size_t i;

	for (i = 0; want[i] != NULL; i++)
		if (i >= r->nq || strcmp(r->q[i], want[i]) != 0)
			fail_msg("question %zu: got \"%s\", want \"%s\"", i,
			    i < r->nq ? r->q[i] : "(none)", want[i]);
	if (r->nq != i)
		fail_msg("%zu questions, want %zu (extra: %s)", r->nq, i, r->q[i]);
}

#define TXT(n, ...) { n, DNS_T_TXT, DNS_OK, { __VA_ARGS__ } }

static const struct zrr example_zone[] = {
	TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com"),
	TXT("_dmarc.strict.example", "v=DMARC1; p=reject; aspf=s; adkim=s"),
	{ NULL, 0, 0, { NULL } },
};

static void
test_alignment(void **state)
{
	struct from_result f = from1("example.com");
	const char *dkim[] = { "other.example", "Example.COM" };
	struct dmarc_input in = { .from = &f };
	struct run r;
	static const char *const q_one[] = { "_dmarc.example.com", NULL };
	static const char *const q_relaxed[] = { "_dmarc.example.com", "_dmarc.com",
	    "_dmarc.bounce.example.com", NULL };

	/* SPF in strict alignment: one question */
	in.spf_domain = "example.com";
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.com");
	assert_true(r.out.spf_aligned);
	check_queries(&r, q_one);

	/* SPF from a subdomain: relaxed alignment through both tree walks (the
	 * second walk's other names are already in the cache) */
	in.spf_domain = "bounce.example.com";
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.com");
	check_queries(&r, q_relaxed);

	/* unaligned SPF, aligned DKIM (domains compare case-insensitively) */
	in.spf_domain = "example.net";
	in.dkim_domains = dkim;
	in.ndkim = 2;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.com");
	assert_false(r.out.spf_aligned);
	assert_true(r.out.dkim_aligned);
	/* identifiers under another top-level label are never walked */
	check_queries(&r, q_one);

	/* nothing aligned */
	in.ndkim = 1;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "example.com");
	in.spf_domain = NULL;
	in.ndkim = 0;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "example.com");

	/* strict: a subdomain does not align */
	f = from1("strict.example");
	in.spf_domain = "mail.strict.example";
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "strict.example");
	in.spf_domain = "STRICT.example";
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "strict.example");

	/* no record: none */
	f = from1("norecord.example");
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_NONE, DMARC_POLICY_NONE, "");
}

static void
test_tree_walk(void **state)
{
	struct from_result f = from1("a.b.c.example.com");
	struct dmarc_input in = { .from = &f };
	struct run r;
	static const char *const q_walk[] = { "_dmarc.a.b.c.example.com",
	    "_dmarc.b.c.example.com", "_dmarc.c.example.com", "_dmarc.example.com",
	    "_dmarc.com", NULL };
	/* RFC 9989 4.10: the example walk of eight questions, skipping labels */
	static const char *const q_deep[] = {
	    "_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com",
	    "_dmarc.g.h.i.j.mail.example.com", "_dmarc.h.i.j.mail.example.com",
	    "_dmarc.i.j.mail.example.com", "_dmarc.j.mail.example.com",
	    "_dmarc.mail.example.com", "_dmarc.example.com", "_dmarc.com", NULL };
	static const char *const q_eight[] = { "_dmarc.a.b.c.d.e.f.example.com",
	    "_dmarc.b.c.d.e.f.example.com", "_dmarc.c.d.e.f.example.com",
	    "_dmarc.d.e.f.example.com", "_dmarc.e.f.example.com", "_dmarc.f.example.com",
	    "_dmarc.example.com", "_dmarc.com", NULL };
	/* RFC 9989 5.1.8: the psd=n record at b.c.d.e.f.g.example.com is skipped */
	static const char *const q_nine[] = { "_dmarc.mail.a.b.c.d.e.f.g.example.com",
	    "_dmarc.c.d.e.f.g.example.com", "_dmarc.d.e.f.g.example.com",
	    "_dmarc.e.f.g.example.com", "_dmarc.f.g.example.com", "_dmarc.g.example.com",
	    "_dmarc.example.com", "_dmarc.com", NULL };
	static const struct zrr zone[] = {
		TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine"),
		TXT("_dmarc.b.c.d.e.f.g.example.com", "v=DMARC1; p=none; psd=n"),
		{ NULL, 0, 0, { NULL } },
	};

	/* a subdomain inherits its Organizational Domain's sp */
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "example.com");
	check_queries(&r, q_walk);

	f = from1("a.b.c.d.e.f.g.h.i.j.mail.example.com");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "example.com");
	check_queries(&r, q_deep);

	f = from1("a.b.c.d.e.f.example.com");	/* eight labels: the parent next */
	evaluate(zone, &in, &r);
	check_queries(&r, q_eight);

	f = from1("mail.a.b.c.d.e.f.g.example.com");	/* ten labels */
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "example.com");
	check_queries(&r, q_nine);

	/* a relaxed identifier's own walk is bounded too: an aligned long SPF domain */
	f = from1("example.com");
	in.spf_domain = "x.a.b.c.d.e.f.g.h.i.example.com";
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.com");
	assert_true(r.nq <= 2 + DMARC_WALK_MAX);
}

static void
test_changed_from_7489(void **state)
{
	struct from_result f;
	struct dmarc_input in = { .from = &f };
	struct run r;
	static const struct zrr zone[] = {
		/* a record between the Author Domain and the registered domain */
		TXT("_dmarc.y.example.com", "v=DMARC1; p=reject"),
		/* psd=n: a department is its own Organizational Domain */
		TXT("_dmarc.example.org", "v=DMARC1; p=none"),
		TXT("_dmarc.mail.example.org", "v=DMARC1; p=reject; psd=n"),
		/* a Public Suffix Domain's policy */
		TXT("_dmarc.bank.example", "v=DMARC1; p=reject; psd=y"),
		TXT("_dmarc.giant.bank.example", "v=DMARC1; p=quarantine"),
		/* np for non-existent subdomains */
		TXT("_dmarc.np.example", "v=DMARC1; p=quarantine; np=reject"),
		{ "exists.np.example", DNS_T_TXT, DNS_NODATA, { NULL } },
		/* t=y replaces pct */
		TXT("_dmarc.test-reject.example", "v=DMARC1; p=reject; t=y"),
		TXT("_dmarc.test-quarantine.example", "v=DMARC1; p=quarantine; t=y"),
		TXT("_dmarc.pct.example", "v=DMARC1; p=reject; pct=0"),
		/* p missing */
		TXT("_dmarc.nop.example", "v=DMARC1; adkim=s"),
		{ NULL, 0, 0, { NULL } },
	};

	/*
	 * Tree walk instead of the public suffix list. RFC 7489 asked for
	 * _dmarc.x.y.example.com and then for the PSL Organizational Domain,
	 * _dmarc.example.com only: no record, result none. RFC 9989 walks up and finds
	 * y.example.com's record: fail, reject.
	 */
	f = from1("x.y.example.com");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "y.example.com");

	/*
	 * psd=n. With the PSL (RFC 7489) mail.example.org and other.example.org share
	 * the Organizational Domain example.org, so SPF for other.example.org aligned:
	 * pass. RFC 9989: psd=n makes mail.example.org its own Organizational Domain;
	 * other.example.org is not under it: fail, reject.
	 */
	f = from1("mail.example.org");
	in.spf_domain = "other.example.org";
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "mail.example.org");
	in.spf_domain = NULL;

	/*
	 * psd=y (RFC 9091 folded into RFC 9989). RFC 7489 had no PSD policy: a domain
	 * under bank.example without its own record got none. RFC 9989 applies the PSD's
	 * record: fail, reject.
	 */
	f = from1("foo.bank.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "bank.example");

	/* RFC 9989 B.4.3: the Organizational Domain is the one below the PSD */
	f = from1("giant.bank.example");
	in.spf_domain = "mail.giant.bank.example";
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_QUARANTINE, "giant.bank.example");
	{
		const char *dkim[] = { "mail.mega.bank.example" };

		in.spf_domain = NULL;
		in.dkim_domains = dkim;
		in.ndkim = 1;
		evaluate(zone, &in, &r);
		check(&r, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "giant.bank.example");
		in.ndkim = 0;
	}
	/* a subdomain of giant.bank.example inherits from it, not from the PSD */
	f = from1("www.giant.bank.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "giant.bank.example");

	/*
	 * np. RFC 7489 had no np: a non-existent subdomain got sp or p (quarantine).
	 * RFC 9989: np=reject for a name that does not exist (NXDOMAIN); an existing
	 * subdomain keeps quarantine.
	 */
	f = from1("nosuch.np.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "np.example");
	f = from1("exists.np.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "np.example");

	/*
	 * t=y replaces pct (RFC 9989 A.6): one level below the policy. RFC 7489 ignored
	 * t and applied pct: pct=0 lowered reject to quarantine; RFC 9989 ignores pct.
	 */
	f = from1("test-reject.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "test-reject.example");
	assert_true(r.out.testing);
	f = from1("test-quarantine.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_NONE, "test-quarantine.example");
	f = from1("pct.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "pct.example");
	assert_false(r.out.testing);

	/*
	 * A record without p. RFC 7489 (6.6.3): invalid, so without rua no DMARC
	 * processing (none). RFC 9989 4.7: treated as p=none, and the record applies:
	 * fail with policy none.
	 */
	f = from1("nop.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_NONE, "nop.example");
}

static void
test_from_problems(void **state)
{
	struct from_result f;
	struct dmarc_input in = { .from = &f, .spf_domain = "example.com" };
	struct run r;
	static const enum from_err errs[] = { FROM_NO_FIELD, FROM_MANY_FIELDS,
	    FROM_NO_ADDRESS, FROM_MANY_ADDRESSES, FROM_SYNTAX, FROM_TOO_LONG,
	    FROM_BAD_HEADER };
	size_t i;

	/* without exactly one From address DMARC cannot be evaded: fail */
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		f = from1("example.com");
		f.err = errs[i];
		if (f.err == FROM_MANY_ADDRESSES) {	/* of two domains */
			f.naddrs = 2;
			f.addr[1] = f.addr[0];
			snprintf(f.addr[1].domain, sizeof(f.addr[1].domain), "evil.example");
		}
		evaluate(example_zone, &in, &r);
		check(&r, DMARC_RES_FAIL, DMARC_POLICY_NONE, "");
		assert_int_equal(r.nq, 0);
	}
	/* 8-bit bytes that are no IDN (Latin-1 here): no policy can be found */
	f = from1("b\xfc" "cher.example");
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_PERMERROR, DMARC_POLICY_NONE, "");
	assert_int_equal(r.nq, 0);
	assert_string_equal(r.out.author, "");
	f = from1("[192.0.2.1]");
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_NONE, DMARC_POLICY_NONE, "");
	assert_int_equal(r.nq, 0);
	f = from1("bad!name.example");
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_NONE, DMARC_POLICY_NONE, "");
}

/*
 * RFC 9989 5.3.1: DMARC needs exactly one Author Domain, not one address. Several
 * mailboxes of one domain have one Author Domain; several domains, or more
 * addresses than the parser keeps (so that not all could be compared), have not.
 */
static void
test_one_domain_many_addresses(void **state)
{
	struct from_result f = from1("example.com");
	struct dmarc_input in = { .from = &f, .spf_domain = "example.com" };
	struct run r;

	f.err = FROM_MANY_ADDRESSES;
	f.naddrs = 2;
	f.addr[1] = f.addr[0];
	snprintf(f.addr[1].domain, sizeof(f.addr[1].domain), "EXAMPLE.com");
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.com");
	assert_string_equal(r.out.author, "example.com");

	/* another domain among them: no single Author Domain */
	snprintf(f.addr[1].domain, sizeof(f.addr[1].domain), "example.org");
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_NONE, "");
	assert_int_equal(r.nq, 0);

	/* a literal is not the same domain as a name */
	f.addr[1] = f.addr[0];
	f.addr[1].literal = 1;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_NONE, "");

	/* more addresses than kept: the others cannot be compared */
	f.addr[1] = f.addr[0];
	f.naddrs = FROM_ADDRS_MAX + 1;
	for (size_t i = 2; i < FROM_ADDRS_MAX; i++)
		f.addr[i] = f.addr[0];
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_NONE, "");
}

static void
test_records(void **state)
{
	struct from_result f;
	struct dmarc_input in = { .from = &f };
	struct run r;
	static const struct zrr zone[] = {
		TXT("_dmarc.two.example", "v=DMARC1; p=reject", "v=DMARC1; p=none"),
		TXT("_dmarc.mixed.example", "v=spf1 -all", "v=DMARC1; p=reject", "hello"),
		TXT("_dmarc.badp.example", "v=DMARC1; p=drop"),
		TXT("_dmarc.badp-rua.example", "v=DMARC1; p=drop; sp=reject; rua=mailto:r@badp-rua.example"),
		TXT("_dmarc.badnp.example", "v=DMARC1; p=reject; np=x"),
		{ NULL, 0, 0, { NULL } },
	};

	/* several DMARC records at one name are all discarded (4.10 step 2) */
	f = from1("two.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_NONE, DMARC_POLICY_NONE, "");
	/* TXT records that are not DMARC records do not count */
	f = from1("mixed.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "mixed.example");
	/* invalid p without rua: no DMARC processing, reported as permerror */
	f = from1("badp.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_PERMERROR, DMARC_POLICY_NONE, "badp.example");
	f = from1("badnp.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_PERMERROR, DMARC_POLICY_NONE, "badnp.example");
	/* invalid p with a valid rua: as if p=none, and sp is dropped with it */
	f = from1("sub.badp-rua.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_NONE, "badp-rua.example");
}

static void
test_dns_errors(void **state)
{
	struct from_result f = from1("example.com");
	const char *dkim[] = { "sig.example.com" };
	struct dmarc_input in = { .from = &f, .spf_domain = "mail.example.com" };
	struct run r;
	static const struct zrr zone[] = {
		TXT("_dmarc.example.com", "v=DMARC1; p=reject"),
		{ "_dmarc.mail.example.com", DNS_T_TXT, DNS_TIMEOUT, { NULL } },
		{ "_dmarc.down.example", DNS_T_TXT, DNS_SERVFAIL, { NULL } },
		{ NULL, 0, 0, { NULL } },
	};

	/* the identifier's walk times out, nothing else aligns: temperror */
	evaluate(zone, &in, &r);
	assert_int_equal(r.out.result, DMARC_RES_TEMPERROR);
	assert_non_null(strstr(r.out.reason, "timeout at _dmarc.mail.example.com"));
	/* an aligned DKIM identifier settles it: pass */
	in.dkim_domains = dkim;
	in.ndkim = 1;
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.com");
	/* the policy record itself cannot be read */
	f = from1("down.example");
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_TEMPERROR, DMARC_POLICY_NONE, "");
	assert_string_equal(dmarc_res_name(DMARC_RES_TEMPERROR), "temperror");
}

/*
 * RFC 9989 5.3.6: an identifier SPF or DKIM could not check (temperror) leaves DMARC
 * undecided when it would align and nothing that passed does; when it would not
 * align, the verdict stands.
 */
static void
test_unchecked_identifiers(void **state)
{
	struct from_result f = from1("example.com");
	const char *temp[] = { "other.example", "sig.example.com" };
	const char *pass[] = { "example.com" };
	struct dmarc_input in = { .from = &f };
	struct run r;

	/* SPF temperror for a subdomain: relaxed alignment through the walks */
	in.spf_temp_domain = "bounce.example.com";
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_TEMPERROR, DMARC_POLICY_REJECT, "example.com");
	assert_non_null(strstr(r.out.reason, "SPF temperror for bounce.example.com"));
	/* an aligned pass decides it */
	in.dkim_domains = pass;
	in.ndkim = 1;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.com");
	in.ndkim = 0;
	/* temperror for identifiers that would not align: fail */
	in.spf_temp_domain = "example.net";
	in.dkim_temp_domains = temp;
	in.ndkim_temp = 1;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "example.com");
	/* a DKIM temperror whose d= aligns */
	in.ndkim_temp = 2;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_TEMPERROR, DMARC_POLICY_REJECT, "example.com");
	assert_non_null(strstr(r.out.reason, "d=sig.example.com"));
	/* strict alignment: a subdomain would not align, so it changes nothing */
	f = from1("strict.example");
	in.spf_temp_domain = "mail.strict.example";
	in.ndkim_temp = 0;
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "strict.example");
	in.spf_temp_domain = "strict.example";
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_TEMPERROR, DMARC_POLICY_REJECT, "strict.example");
	/* no policy record: none, whatever could not be checked */
	f = from1("norecord.example");
	in.spf_temp_domain = "norecord.example";
	evaluate(example_zone, &in, &r);
	check(&r, DMARC_RES_NONE, DMARC_POLICY_NONE, "");
}

static void
test_dkim_bound(void **state)
{
	struct from_result f = from1("example.com");
	const char *dkim[12];
	char names[12][32];
	struct zrr zone[14];
	char qn[12][48];
	struct dmarc_input in = { .from = &f, .dkim_domains = dkim, .ndkim = 12 };
	struct run r;
	size_t i;

	memset(zone, 0, sizeof(zone));
	zone[0] = (struct zrr)TXT("_dmarc.example.com", "v=DMARC1; p=reject");
	for (i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]), "s%zu.example.com", i);
		snprintf(qn[i], sizeof(qn[i]), "_dmarc.s%zu.example.com", i);
		dkim[i] = names[i];
		/* each signing domain is its own Organizational Domain: never aligned */
		zone[i + 1] = (struct zrr)TXT(qn[i], "v=DMARC1; p=none; psd=n");
	}
	evaluate(zone, &in, &r);
	check(&r, DMARC_RES_FAIL, DMARC_POLICY_REJECT, "example.com");
	/* author record, its walk to _dmarc.com, and one question per walked signing
	 * domain, at most DMARC_DKIM_DOMAINS_MAX of them */
	assert_int_equal(r.nq, 2 + DMARC_DKIM_DOMAINS_MAX);
}

/*
 * RFC 9989 5.3.1 and RFC 8616 6: a U-label Author Domain is looked up, walked and
 * compared as its A-labels; identifiers are compared as A-labels whichever form each
 * side was written in; a name that is no valid IDN is a permerror, never "none".
 */
static const struct zrr idn_zone[] = {
	TXT("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject"),
	TXT("_dmarc.xn--fa-hia.de", "v=DMARC1; p=quarantine"),
	TXT("_dmarc.fass.de", "v=DMARC1; p=none"),
	{ NULL, 0, 0, { NULL } },
};

static void
test_idn(void **state)
{
	static const char *const q_author[] = { "_dmarc.xn--bcher-kva.example", NULL };
	static const char *const q_walk[] = { "_dmarc.mail.xn--bcher-kva.example",
	    "_dmarc.xn--bcher-kva.example", "_dmarc.example", NULL };
	static const struct {
		const char	*from;		/* the Author Domain as the From field has it */
		const char	*spf;		/* SPF-Authenticated Identifier */
		const char	*dkim;		/* d= that verified */
		enum dmarc_res	 res;
		enum dmarc_policy pol;
		const char	*pdom;
		const char	*author;	/* out.author */
	} cases[] = {
		/* U-label From, A-label identifiers: aligned */
		{ "bücher.example", "xn--bcher-kva.example", NULL, DMARC_RES_PASS,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "xn--bcher-kva.example" },
		{ "bücher.example", NULL, "xn--bcher-kva.example", DMARC_RES_PASS,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "xn--bcher-kva.example" },
		/* U-label identifiers (an SMTPUTF8 MAIL FROM, an EAI d=) align too */
		{ "bücher.example", "bücher.example", NULL, DMARC_RES_PASS,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "xn--bcher-kva.example" },
		{ "xn--bcher-kva.example", NULL, "Bücher.Example", DMARC_RES_PASS,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "xn--bcher-kva.example" },
		/* NFD in the From is the same domain */
		{ "bu\xcc\x88" "cher.example", "xn--bcher-kva.example", NULL, DMARC_RES_PASS,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "xn--bcher-kva.example" },
		/* relaxed alignment of a U-label subdomain through the tree walk */
		{ "mail.bücher.example", "bücher.example", NULL, DMARC_RES_PASS,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "mail.xn--bcher-kva.example" },
		/* a forger aligned with nothing gets the U-label domain's own policy */
		{ "bücher.example", "evil.example", "evil.example", DMARC_RES_FAIL,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "xn--bcher-kva.example" },
		/* non-transitional: faß.de is not fass.de, whose p=none would apply */
		{ "faß.de", "fass.de", NULL, DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE,
		  "xn--fa-hia.de", "xn--fa-hia.de" },
		/* an identifier that is no valid IDN aligns with nothing */
		{ "bücher.example", "b\xfc" "cher.example", NULL, DMARC_RES_FAIL,
		  DMARC_POLICY_REJECT, "xn--bcher-kva.example", "xn--bcher-kva.example" },
		/* Author Domains that are no valid IDN: permerror, no question asked */
		{ "xn--zz.bücher.example", "xn--bcher-kva.example", NULL, DMARC_RES_PERMERROR,
		  DMARC_POLICY_NONE, "", "" },
		{ "a\xe2\x80\x8d" "b.example", NULL, NULL, DMARC_RES_PERMERROR,
		  DMARC_POLICY_NONE, "", "" },
	};
	struct dmarc_input in;
	struct from_result f;
	const char *dkim[1];
	struct run r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f = from1(cases[i].from);
		memset(&in, 0, sizeof(in));
		in.from = &f;
		in.spf_domain = cases[i].spf;
		dkim[0] = cases[i].dkim;
		in.dkim_domains = dkim;
		in.ndkim = cases[i].dkim != NULL;
		evaluate(idn_zone, &in, &r);
		if (r.out.result != cases[i].res || r.out.policy != cases[i].pol ||
		    strcmp(r.out.policy_domain, cases[i].pdom) != 0 ||
		    strcmp(r.out.author, cases[i].author) != 0)
			fail_msg("case %zu (%s): %s policy=%s domain=\"%s\" author=\"%s\" (%s)",
			    i, cases[i].from, dmarc_res_name(r.out.result),
			    dmarc_policy_name(r.out.policy), r.out.policy_domain, r.out.author,
			    r.out.reason);
		if (cases[i].res == DMARC_RES_PERMERROR) {
			assert_int_equal(r.nq, 0);
			assert_non_null(strstr(r.out.reason, "not a valid IDN"));
		}
	}

	/* the questions are the A-label names */
	f = from1("bücher.example");
	memset(&in, 0, sizeof(in));
	in.from = &f;
	in.spf_domain = "bücher.example";
	evaluate(idn_zone, &in, &r);
	check_queries(&r, q_author);
	f = from1("mail.bücher.example");
	evaluate(idn_zone, &in, &r);
	check_queries(&r, q_walk);

	/* two addresses, one domain in both forms: one Author Domain */
	f = from1("bücher.example");
	f.err = FROM_MANY_ADDRESSES;
	f.naddrs = 2;
	f.addr[1] = f.addr[0];
	snprintf(f.addr[1].domain, sizeof(f.addr[1].domain), "xn--bcher-kva.example");
	in.spf_domain = "xn--bcher-kva.example";
	evaluate(idn_zone, &in, &r);
	check(&r, DMARC_RES_PASS, DMARC_POLICY_REJECT, "xn--bcher-kva.example");
}

/*
 * A DMARC record set of more than DNS_RR_MAX TXT records: the cache keeps the first
 * DNS_RR_MAX, so nobody can tell there is exactly one DMARC record (RFC 9989 4.10
 * step 2: several are all discarded): no policy from that name, the walk goes on.
 */
static void
test_truncated_record_set(void **state)
{
	static const char big[] = "_dmarc.big.example.com";
	char txt[DNS_RR_MAX + 2][48];
	struct dns_rr rr[DNS_RR_MAX + 2];
	struct from_result f = from1("big.example.com");
	struct dmarc_input in = { .from = &f, .spf_domain = "other.example" };
	struct dns_cache *c;
	struct dmarc_result out;
	const char *name;
	enum dns_type type;
	size_t i, n, rounds;

	for (n = DNS_RR_MAX; n <= DNS_RR_MAX + 2; n += 2) {
		for (i = 0; i < n; i++) {
			/* p=none first; a second record, p=reject, last */
			snprintf(txt[i], sizeof(txt[i]), "%s", i == 0 ? "v=DMARC1; p=none" :
			    i == n - 1 ? "v=DMARC1; p=reject" : "filler");
			rr[i].data = (unsigned char *)txt[i];
			rr[i].len = strlen(txt[i]);
			rr[i].pref = 0;
		}
		c = dns_cache_new();
		assert_int_equal(dns_cache_put(c, big, strlen(big), DNS_T_TXT, DNS_OK, rr, n),
		    0);
		for (rounds = 0; dmarc_eval(&in, c, &out) == DMARC_NEED_DNS; rounds++) {
			assert_true(rounds < 16);
			assert_int_equal(dns_cache_wanted(c, &name, &type), 0);
			assert_int_equal(dns_cache_put(c, name, strlen(name), type, DNS_NXDOMAIN,
			    NULL, 0), 0);
		}
		/* both records seen (two: discarded) or not all seen: no policy at all;
		 * the one at the end must never apply, nor the first alone */
		if (out.result != DMARC_RES_NONE || out.policy_domain[0] != '\0')
			fail_msg("%zu records: %s policy=%s at \"%s\" (%s)", n,
			    dmarc_res_name(out.result), dmarc_policy_name(out.policy),
			    out.policy_domain, out.reason);
		dns_cache_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_tree_walk),
		cmocka_unit_test(test_changed_from_7489),
		cmocka_unit_test(test_from_problems),
		cmocka_unit_test(test_one_domain_many_addresses),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_dns_errors),
		cmocka_unit_test(test_unchecked_identifiers),
		cmocka_unit_test(test_dkim_bound),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_truncated_record_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
