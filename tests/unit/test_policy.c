/*
 * test_policy.c - the verdict policy (smtpd/policy.c): each signal alone, then
 * combinations around both thresholds, authenticated and whitelisted mail, IPv6
 * clients; HELO anomalies and sender history on their own tables.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "smtpd/policy.h"
#include "tests/unit/policy_support.h"

/* Served domains of the tests; our hostname is mx.ecluse.test. */
static const char *const served_domains[] = { "example.net", "customer.test", NULL };

static bool
served(const void *arg, const char *name, size_t len)
{
	const char *const *d;

	(void)arg;
	for (d = served_domains; *d != NULL; d++)
		if (strlen(*d) == len && strncasecmp(*d, name, len) == 0)
			return true;
	return false;
}

/* The weights of the shipped defaults (ecluse.conf.example), written out so that a
 * change of the defaults does not silently change what these tests check. */
static void
params(struct policy_params *p)
{
	memset(p, 0, sizeof(*p));
	p->weight[POLICY_SPF_FAIL] = 4;
	p->weight[POLICY_SPF_SOFTFAIL] = 2;
	p->weight[POLICY_DKIM_FAIL] = 2;
	p->weight[POLICY_NO_AUTH] = 3;
	p->weight[POLICY_DMARC_FAIL_NONE] = 1;
	p->weight[POLICY_DMARC_FAIL_QUARANTINE] = 5;
	p->weight[POLICY_DMARC_FAIL_REJECT] = 9;
	p->weight[POLICY_NO_PTR] = 2;
	p->weight[POLICY_FCRDNS_MISMATCH] = 1;
	p->weight[POLICY_DNSBL] = 5;
	p->weight[POLICY_HELO_NOT_FQDN] = 1;
	p->weight[POLICY_HELO_IP_MISMATCH] = 2;
	p->weight[POLICY_HELO_OURS] = 5;
	p->weight[POLICY_FIRST_CONTACT] = 3;
	p->weight[POLICY_UNUSUAL_ORIGIN] = 2;
	p->weight[POLICY_FROM_SERVED_UNAUTH] = 6;
	p->quarantine_threshold = 5;
	p->reject_threshold = 15;
	p->hostname = "mx.ecluse.test";
	p->served = served;
}

/* Authentication of a well-run sender without a DMARC record: SPF and DKIM pass. */
#define AUTH_CLEAN { SPF_PASS, "example.org", DKIM_PASS, "example.org", 0, DMARC_RES_NONE, \
	DMARC_POLICY_NONE, "example.org" }
#define AUTH_NOTHING { SPF_NONE, "example.org", DKIM_NONE, NULL, 0, DMARC_RES_NONE, \
	DMARC_POLICY_NONE, "example.org" }
#define AUTH_DMARC_PASS { SPF_PASS, "example.org", DKIM_PASS, "example.org", 0, \
	DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.org" }

struct vcase {
	const char		*name;
	struct auth_spec	 auth;
	const char		*client;	/* NULL: 192.0.2.1 */
	const char		*helo;		/* NULL: mail.example.org */
	enum rdns_status	 rdns;		/* 0 (pending): confirmed */
	/* statuses of the three configured zones bl1.test, bl2.test, bl3.test */
	enum dnsbl_status	 bl[3];
	bool			 first;
	bool			 unusual;
	bool			 whitelisted;
	enum policy_action	 want;
	unsigned		 score;
	const char		*reasons;
};

static const struct vcase cases[] = {
	/* ------------------------------------------------------ each signal alone */
	{ "clean", AUTH_CLEAN, NULL, NULL, 0, { 0 }, false, false, false,
	    POLICY_RELAY, 0, "none" },
	{ "spf fail", { SPF_FAIL, "example.org", DKIM_PASS, "example.org", 0, DMARC_RES_NONE,
	    DMARC_POLICY_NONE, "example.org" }, NULL, NULL, 0, { 0 }, false, false, false,
	    POLICY_RELAY, 4, "spf_fail+4" },
	{ "spf softfail", { SPF_SOFTFAIL, "example.org", DKIM_PASS, "example.org", 0,
	    DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL, NULL, 0, { 0 }, false,
	    false, false, POLICY_RELAY, 2, "spf_softfail+2" },
	{ "spf neutral, temperror, permerror are not signals", { SPF_PERMERROR, "example.org",
	    DKIM_PASS, "example.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" },
	    NULL, NULL, 0, { 0 }, false, false, false, POLICY_RELAY, 0, "none" },
	{ "dkim fail", { SPF_PASS, "example.org", DKIM_FAIL, "example.org", 0, DMARC_RES_NONE,
	    DMARC_POLICY_NONE, "example.org" }, NULL, NULL, 0, { 0 }, false, false, false,
	    POLICY_RELAY, 2, "dkim_fail+2" },
	{ "dkim fail of a key in testing mode is not counted", { SPF_PASS, "example.org",
	    DKIM_FAIL, "example.org", 1, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" },
	    NULL, NULL, 0, { 0 }, false, false, false, POLICY_RELAY, 0, "none" },
	{ "dkim permerror is not a failing signature", { SPF_PASS, "example.org",
	    DKIM_PERMERROR, "example.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE,
	    "example.org" }, NULL, NULL, 0, { 0 }, false, false, false, POLICY_RELAY, 0,
	    "none" },
	{ "no authentication at all", AUTH_NOTHING, NULL, NULL, 0, { 0 }, false, false, false,
	    POLICY_RELAY, 3, "no_auth+3" },
	{ "spf pass alone is authentication", { SPF_PASS, "example.org", DKIM_NONE, NULL, 0,
	    DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL, NULL, 0, { 0 }, false,
	    false, false, POLICY_RELAY, 0, "none" },
	{ "dkim pass alone is authentication", { SPF_NONE, "example.org", DKIM_PASS,
	    "example.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL, NULL,
	    0, { 0 }, false, false, false, POLICY_RELAY, 0, "none" },
	{ "dmarc fail p=none", { SPF_PASS, "bounce.esp.test", DKIM_PASS, "esp.test", 0,
	    DMARC_RES_FAIL, DMARC_POLICY_NONE, "example.org" }, NULL, NULL, 0, { 0 }, false,
	    false, false, POLICY_RELAY, 1, "dmarc_fail_none+1" },
	{ "dmarc fail p=quarantine reaches the quarantine threshold", { SPF_PASS,
	    "bounce.esp.test", DKIM_PASS, "esp.test", 0, DMARC_RES_FAIL,
	    DMARC_POLICY_QUARANTINE, "example.org" }, NULL, NULL, 0, { 0 }, false, false, false,
	    POLICY_QUARANTINE, 5, "dmarc_fail_quarantine+5" },
	{ "dmarc fail p=reject", { SPF_PASS, "bounce.esp.test", DKIM_PASS, "esp.test", 0,
	    DMARC_RES_FAIL, DMARC_POLICY_REJECT, "example.org" }, NULL, NULL, 0, { 0 }, false,
	    false, false, POLICY_QUARANTINE, 9, "dmarc_fail_reject+9" },
	{ "dmarc temperror is not a signal", { SPF_PASS, "example.org", DKIM_PASS,
	    "example.org", 0, DMARC_RES_TEMPERROR, DMARC_POLICY_REJECT, "example.org" }, NULL,
	    NULL, 0, { 0 }, false, false, false, POLICY_RELAY, 0, "none" },
	{ "no PTR", AUTH_CLEAN, NULL, NULL, RDNS_NONE, { 0 }, false, false, false,
	    POLICY_RELAY, 2, "no_ptr+2" },
	{ "FCrDNS mismatch", AUTH_CLEAN, NULL, NULL, RDNS_MISMATCH, { 0 }, false, false,
	    false, POLICY_RELAY, 1, "fcrdns_mismatch+1" },
	{ "reverse DNS unknown is not counted", AUTH_CLEAN, NULL, NULL, RDNS_UNKNOWN, { 0 },
	    false, false, false, POLICY_RELAY, 0, "none" },
	{ "one DNSBL listing", AUTH_CLEAN, NULL, NULL, 0,
	    { DNSBL_NOT_LISTED, DNSBL_LISTED, DNSBL_NOT_LISTED }, false, false, false,
	    POLICY_QUARANTINE, 5, "dnsbl:bl2.test+5" },
	{ "DNSBL unknown and pending are not counted", AUTH_CLEAN, NULL, NULL, 0,
	    { DNSBL_UNKNOWN, DNSBL_PENDING, DNSBL_NOT_LISTED }, false, false, false,
	    POLICY_RELAY, 0, "none" },
	{ "HELO not a FQDN", AUTH_CLEAN, NULL, "localhost", 0, { 0 }, false, false, false,
	    POLICY_RELAY, 1, "helo_not_fqdn+1" },
	{ "HELO literal not the client", AUTH_CLEAN, NULL, "[192.0.2.99]", 0, { 0 }, false,
	    false, false, POLICY_RELAY, 2, "helo_ip_mismatch+2" },
	{ "HELO literal of the client", AUTH_CLEAN, NULL, "[192.0.2.1]", 0, { 0 }, false,
	    false, false, POLICY_RELAY, 0, "none" },
	{ "HELO our hostname", AUTH_CLEAN, NULL, "MX.ecluse.test.", 0, { 0 }, false, false,
	    false, POLICY_QUARANTINE, 5, "helo_ours+5" },
	{ "HELO a served domain", AUTH_CLEAN, NULL, "example.net", 0, { 0 }, false, false,
	    false, POLICY_QUARANTINE, 5, "helo_ours+5" },
	{ "first contact", AUTH_CLEAN, NULL, NULL, 0, { 0 }, true, false, false,
	    POLICY_RELAY, 3, "first_contact+3" },
	{ "unusual origin", AUTH_CLEAN, NULL, NULL, 0, { 0 }, false, true, false,
	    POLICY_RELAY, 2, "unusual_origin+2" },
	{ "From a served domain, not authenticated for it", { SPF_PASS, "other.test",
	    DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "customer.test" }, NULL,
	    NULL, 0, { 0 }, false, false, false, POLICY_QUARANTINE, 6, "from_served_unauth+6" },
	{ "From a served domain with aligned SPF", { SPF_PASS, "customer.test", DKIM_NONE,
	    NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "customer.test" }, NULL, NULL, 0,
	    { 0 }, false, false, false, POLICY_RELAY, 0, "none" },
	{ "From a served domain, DMARC pass", { SPF_NONE, NULL, DKIM_PASS, "customer.test", 0,
	    DMARC_RES_PASS, DMARC_POLICY_REJECT, "customer.test" }, NULL, NULL, 0, { 0 },
	    false, false, false, POLICY_RELAY, 0, "dmarc_pass" },

	/* ------------------------------------------- around the quarantine threshold */
	{ "unknown sender without authentication is held", AUTH_NOTHING, NULL, NULL, 0,
	    { 0 }, true, false, false, POLICY_QUARANTINE, 6, "no_auth+3 first_contact+3" },
	{ "one below the quarantine threshold", { SPF_SOFTFAIL, "example.org", DKIM_PASS,
	    "example.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL, NULL,
	    RDNS_NONE, { 0 }, false, false, false, POLICY_RELAY, 4, "spf_softfail+2 no_ptr+2" },
	{ "at the quarantine threshold", { SPF_SOFTFAIL, "example.org", DKIM_PASS,
	    "example.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL,
	    "localhost", RDNS_NONE, { 0 }, false, false, false, POLICY_QUARANTINE, 5,
	    "spf_softfail+2 no_ptr+2 helo_not_fqdn+1" },
	{ "forged SPF from a first-time sender is held", { SPF_FAIL, "example.org", DKIM_NONE,
	    NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL, NULL, 0, { 0 },
	    true, false, false, POLICY_QUARANTINE, 10, "spf_fail+4 no_auth+3 first_contact+3" },

	/* ---------------------------------------------- around the reject threshold */
	{ "one below the reject threshold", { SPF_FAIL, "example.org", DKIM_PASS,
	    "example.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL, NULL,
	    0, { DNSBL_LISTED, DNSBL_LISTED, DNSBL_NOT_LISTED }, false, false, false,
	    POLICY_QUARANTINE, 14, "spf_fail+4 dnsbl:bl1.test+5 dnsbl:bl2.test+5" },
	{ "at the reject threshold", { SPF_FAIL, "example.org", DKIM_PASS, "example.org", 0,
	    DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, NULL, "localhost", 0,
	    { DNSBL_LISTED, DNSBL_LISTED, DNSBL_NOT_LISTED }, false, false, false,
	    POLICY_REJECT, 15,
	    "spf_fail+4 dnsbl:bl1.test+5 dnsbl:bl2.test+5 helo_not_fqdn+1" },
	{ "three listings are hostile", AUTH_CLEAN, NULL, NULL, 0,
	    { DNSBL_LISTED, DNSBL_LISTED, DNSBL_LISTED }, false, false, false, POLICY_REJECT,
	    15, "dnsbl:bl1.test+5 dnsbl:bl2.test+5 dnsbl:bl3.test+5" },
	{ "forged p=reject domain from a first-time sender is refused", { SPF_FAIL,
	    "example.org", DKIM_NONE, NULL, 0, DMARC_RES_FAIL, DMARC_POLICY_REJECT,
	    "example.org" }, NULL, NULL, 0, { 0 }, true, false, false, POLICY_REJECT, 19,
	    "spf_fail+4 no_auth+3 dmarc_fail_reject+9 first_contact+3" },

	/* ------------------------------------------ authenticated and whitelisted mail */
	{ "DMARC pass relays a first-time sender", AUTH_DMARC_PASS, NULL, NULL, RDNS_NONE,
	    { 0 }, true, false, false, POLICY_RELAY, 5, "dmarc_pass no_ptr+2 first_contact+3" },
	{ "DMARC pass relays over the quarantine threshold", AUTH_DMARC_PASS, NULL, NULL, 0,
	    { DNSBL_LISTED, DNSBL_LISTED, DNSBL_NOT_LISTED }, true, false, false,
	    POLICY_RELAY, 13, "dmarc_pass dnsbl:bl1.test+5 dnsbl:bl2.test+5 first_contact+3" },
	{ "DMARC pass does not save a hostile client", AUTH_DMARC_PASS, NULL, NULL, 0,
	    { DNSBL_LISTED, DNSBL_LISTED, DNSBL_LISTED }, false, false, false, POLICY_REJECT,
	    15, "dmarc_pass dnsbl:bl1.test+5 dnsbl:bl2.test+5 dnsbl:bl3.test+5" },
	{ "whitelisted sender without authentication relays", AUTH_NOTHING, NULL, NULL,
	    RDNS_NONE, { 0 }, false, false, true, POLICY_RELAY, 5,
	    "whitelisted no_auth+3 no_ptr+2" },
	{ "whitelisted does not save a hostile client", AUTH_NOTHING, NULL, "localhost",
	    RDNS_NONE, { DNSBL_LISTED, DNSBL_LISTED, DNSBL_NOT_LISTED }, false, false, true,
	    POLICY_REJECT, 16, "whitelisted no_auth+3 no_ptr+2 dnsbl:bl1.test+5 "
	    "dnsbl:bl2.test+5 helo_not_fqdn+1" },

	/* ------------------------------------------------------------- IPv6 clients */
	{ "IPv6 HELO literal of the client", AUTH_CLEAN, "2001:db8::25", "[IPv6:2001:DB8::25]",
	    0, { 0 }, false, false, false, POLICY_RELAY, 0, "none" },
	{ "IPv6 HELO literal of another address", AUTH_CLEAN, "2001:db8::25",
	    "[IPv6:2001:db8::26]", 0, { 0 }, false, false, false, POLICY_RELAY, 2,
	    "helo_ip_mismatch+2" },
	{ "IPv4-mapped client and its IPv4 literal", AUTH_CLEAN, "::ffff:192.0.2.1",
	    "[192.0.2.1]", 0, { 0 }, false, false, false, POLICY_RELAY, 0, "none" },
	{ "IPv6 client, IPv4 literal", AUTH_CLEAN, "2001:db8::25", "[192.0.2.1]", 0, { 0 },
	    false, false, false, POLICY_RELAY, 2, "helo_ip_mismatch+2" },
	{ "IPv6 unknown sender without authentication and no PTR", AUTH_NOTHING,
	    "2001:db8::25", "[IPv6:2001:db8::25]", RDNS_NONE, { 0 }, true, false, false,
	    POLICY_QUARANTINE, 8, "no_auth+3 no_ptr+2 first_contact+3" },
};

static void
run_case(const struct vcase *c, const struct policy_params *p, struct policy_verdict *v)
{
	static const char *const zones[3] = { "bl1.test", "bl2.test", "bl3.test" };
	struct dnsbl_result bl[3];
	struct auth_result auth;
	struct sockaddr_storage ss;
	struct policy_input in;
	size_t i;

	auth_from_spec(&auth, &c->auth);
	for (i = 0; i < 3; i++) {
		bl[i].zone = zones[i];
		bl[i].status = c->bl[i];
		bl[i].code = c->bl[i] == DNSBL_LISTED ? 2 : 0;
	}
	memset(&in, 0, sizeof(in));
	in.auth = &auth;
	in.client = client_addr(&ss, c->client != NULL ? c->client : "192.0.2.1");
	in.helo = c->helo != NULL ? c->helo : "mail.example.org";
	in.helo_len = strlen(in.helo);
	in.rdns = c->rdns != RDNS_PENDING ? c->rdns : RDNS_CONFIRMED;
	in.dnsbl = bl;
	in.ndnsbl = 3;
	in.first_contact = c->first;
	in.unusual_origin = c->unusual;
	in.whitelisted = c->whitelisted;
	policy_decide(p, &in, v);
}

static void
test_table(void **state)
{
	struct policy_params p;
	struct policy_verdict v;
	size_t i;

	(void)state;
	params(&p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(&cases[i], &p, &v);
		if (v.action != cases[i].want || v.score != cases[i].score ||
		    strcmp(v.reasons, cases[i].reasons) != 0)
			fail_msg("case \"%s\": got %s score %u reasons \"%s\", want %s score %u "
			    "reasons \"%s\"", cases[i].name, policy_action_name(v.action),
			    v.score, v.reasons, policy_action_name(cases[i].want),
			    cases[i].score, cases[i].reasons);
	}
}

static const struct vcase *
find_case(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	fail_msg("no case \"%s\"", name);
	return NULL;
}

#define HELD_UNKNOWN "unknown sender without authentication is held"

static void
test_flags_and_bits(void **state)
{
	struct policy_params p;
	struct policy_verdict v;

	(void)state;
	params(&p);
	run_case(find_case(HELD_UNKNOWN), &p, &v);
	assert_int_equal(v.signals, (1u << POLICY_NO_AUTH) | (1u << POLICY_FIRST_CONTACT));
	assert_false(v.authenticated);
	assert_false(v.whitelisted);
	run_case(find_case("DMARC pass relays a first-time sender"), &p, &v);
	assert_true(v.authenticated);
	assert_false(v.whitelisted);
	assert_int_equal(v.action, POLICY_RELAY);
	run_case(find_case("whitelisted sender without authentication relays"), &p, &v);
	assert_false(v.authenticated);
	assert_true(v.whitelisted);
}

/* A weight of 0 turns a signal off: not counted, not listed. */
static void
test_zero_weight(void **state)
{
	struct policy_params p;
	struct policy_verdict v;

	(void)state;
	params(&p);
	p.weight[POLICY_FIRST_CONTACT] = 0;
	run_case(find_case(HELD_UNKNOWN), &p, &v);
	assert_int_equal(v.action, POLICY_RELAY);
	assert_int_equal(v.score, 3);
	assert_string_equal(v.reasons, "no_auth+3");
	assert_int_equal(v.signals, 1u << POLICY_NO_AUTH);
	p.weight[POLICY_NO_AUTH] = 0;
	run_case(find_case(HELD_UNKNOWN), &p, &v);
	assert_string_equal(v.reasons, "none");
	assert_int_equal(v.score, 0);
}

/* Nothing ran (no authentication session): every check reads "none". */
static void
test_no_auth_result(void **state)
{
	struct policy_params p;
	struct policy_verdict v;
	struct policy_input in;
	struct sockaddr_storage ss;

	(void)state;
	params(&p);
	memset(&in, 0, sizeof(in));
	in.client = client_addr(&ss, "192.0.2.1");
	in.helo = "mail.example.org";
	in.helo_len = strlen(in.helo);
	in.rdns = RDNS_PENDING;
	in.first_contact = true;
	policy_decide(&p, &in, &v);
	assert_int_equal(v.action, POLICY_QUARANTINE);
	assert_int_equal(v.score, 6);
	assert_string_equal(v.reasons, "no_auth+3 first_contact+3");
}

/* The threshold values themselves, moved: equal thresholds leave no quarantine. */
static void
test_thresholds(void **state)
{
	struct policy_params p;
	struct policy_verdict v;

	(void)state;
	params(&p);
	p.quarantine_threshold = 6;
	p.reject_threshold = 6;
	run_case(find_case(HELD_UNKNOWN), &p, &v);	/* score 6 */
	assert_int_equal(v.action, POLICY_REJECT);
	p.reject_threshold = 7;
	run_case(find_case(HELD_UNKNOWN), &p, &v);
	assert_int_equal(v.action, POLICY_QUARANTINE);
	p.quarantine_threshold = 7;
	run_case(find_case(HELD_UNKNOWN), &p, &v);
	assert_int_equal(v.action, POLICY_RELAY);
}

/* Several From addresses, one of them served: still a forgery of that domain. */
static void
test_from_many(void **state)
{
	static const struct auth_spec spec = { SPF_PASS, "example.org", DKIM_PASS,
	    "example.org", 0, DMARC_RES_FAIL, DMARC_POLICY_NONE, "example.org" };
	struct policy_params p;
	struct policy_verdict v;
	struct policy_input in;
	struct auth_result auth;
	struct sockaddr_storage ss;

	(void)state;
	params(&p);
	auth_from_spec(&auth, &spec);
	auth.from.err = FROM_MANY_ADDRESSES;
	auth.from.naddrs = 2;
	snprintf(auth.from.addr[1].domain, sizeof(auth.from.addr[1].domain), "Example.NET");
	memset(&in, 0, sizeof(in));
	in.auth = &auth;
	in.client = client_addr(&ss, "192.0.2.1");
	in.rdns = RDNS_CONFIRMED;
	policy_decide(&p, &in, &v);
	assert_string_equal(v.reasons, "dmarc_fail_none+1 from_served_unauth+6");
	assert_int_equal(v.action, POLICY_QUARANTINE);
}

struct hcase {
	const char	*helo;
	const char	*client;
	unsigned	 want;
};

#define NF (1u << POLICY_HELO_NOT_FQDN)
#define IP (1u << POLICY_HELO_IP_MISMATCH)
#define OURS (1u << POLICY_HELO_OURS)

static void
test_helo(void **state)
{
	static const struct hcase cases_h[] = {
		{ "mail.example.org", "192.0.2.1", 0 },
		{ "mail.example.org.", "192.0.2.1", 0 },
		{ "a-b.c0.example", "192.0.2.1", 0 },
		{ "x.io", "192.0.2.1", 0 },
		{ "localhost", "192.0.2.1", NF },
		{ "mx", "192.0.2.1", NF },
		{ "", "192.0.2.1", NF },
		{ ".", "192.0.2.1", NF },
		{ "a..b", "192.0.2.1", NF },
		{ "-a.example", "192.0.2.1", NF },
		{ "a-.example", "192.0.2.1", NF },
		{ "under_score.example", "192.0.2.1", NF },
		{ "192.0.2.1", "192.0.2.1", NF },		/* bare address */
		{ "1.2.3.4.5", "192.0.2.1", NF },
		{ "host.123", "192.0.2.1", NF },
		{ "2001:db8::1", "2001:db8::1", NF },
		{ "[192.0.2.1]", "192.0.2.1", 0 },
		{ "[192.0.2.2]", "192.0.2.1", IP },
		{ "[192.0.2.1", "192.0.2.1", IP },
		{ "[]", "192.0.2.1", IP },
		{ "[300.0.2.1]", "192.0.2.1", IP },
		{ "[2001:db8::1]", "2001:db8::1", IP },	/* RFC 5321: needs "IPv6:" */
		{ "[ipv6:2001:db8::1]", "2001:db8::1", 0 },
		{ "[IPv6:192.0.2.1]", "192.0.2.1", IP },
		{ "[IPv6:::ffff:192.0.2.1]", "192.0.2.1", 0 },
		{ "[tag:anything]", "192.0.2.1", IP },
		{ "mx.ecluse.test", "192.0.2.1", OURS },
		{ "customer.test", "192.0.2.1", OURS },
		{ "CUSTOMER.TEST.", "192.0.2.1", OURS },
		{ "sub.customer.test", "192.0.2.1", 0 },
		{ "customer.test.evil", "192.0.2.1", 0 },
	};
	struct policy_params p;
	struct sockaddr_storage ss;
	size_t i;

	(void)state;
	params(&p);
	for (i = 0; i < sizeof(cases_h) / sizeof(cases_h[0]); i++) {
		unsigned got = policy_helo(&p, cases_h[i].helo, strlen(cases_h[i].helo),
		    client_addr(&ss, cases_h[i].client));

		if (got != cases_h[i].want)
			fail_msg("HELO \"%s\" from %s: got %#x, want %#x", cases_h[i].helo,
			    cases_h[i].client, got, cases_h[i].want);
	}
	/* an unqualified hostname of ours is both not a FQDN and ours */
	p.hostname = "gateway";
	assert_int_equal(policy_helo(&p, "gateway", 7, client_addr(&ss, "192.0.2.1")),
	    NF | OURS);
	/* bytes past len are not read */
	assert_int_equal(policy_helo(&p, "mail.example.orgXX", 16,
	    client_addr(&ss, "192.0.2.1")), 0);
}

static void
test_history(void **state)
{
	struct store_seen addr[2] = {
		{ (char *)"198.51.100.0/24", 3, 1, 2 },
		{ (char *)"2001:db8:1::/48", 1, 1, 2 },
	};
	struct store_seen dom[1] = { { (char *)"203.0.113.0/24", 9, 1, 2 } };
	bool first, unusual;

	(void)state;
	/* never seen, nothing known of the domain: first contact only */
	policy_history(NULL, 0, NULL, 0, "192.0.2.0/24", &first, &unusual);
	assert_true(first);
	assert_false(unusual);
	/* known address, known network */
	policy_history(addr, 2, dom, 1, "198.51.100.0/24", &first, &unusual);
	assert_false(first);
	assert_false(unusual);
	policy_history(addr, 2, dom, 1, "2001:db8:1::/48", &first, &unusual);
	assert_false(unusual);
	/* known address, a network it never used: the domain's networks do not matter */
	policy_history(addr, 2, dom, 1, "203.0.113.0/24", &first, &unusual);
	assert_false(first);
	assert_true(unusual);
	/* new address of a known domain: judged by the domain's networks */
	policy_history(NULL, 0, dom, 1, "203.0.113.0/24", &first, &unusual);
	assert_true(first);
	assert_false(unusual);
	policy_history(NULL, 0, dom, 1, "192.0.2.0/24", &first, &unusual);
	assert_true(first);
	assert_true(unusual);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(policy_signal_name(POLICY_SPF_FAIL), "spf_fail");
	assert_string_equal(policy_signal_name(POLICY_FROM_SERVED_UNAUTH),
	    "from_served_unauth");
	assert_null(policy_signal_name(POLICY_NSIGNALS));
	assert_string_equal(policy_action_name(POLICY_RELAY), "relay");
	assert_string_equal(policy_action_name(POLICY_QUARANTINE), "quarantine");
	assert_string_equal(policy_action_name(POLICY_REJECT), "reject");
}

/* The longest reasons text there can be fits, with every zone at its longest. */
static void
test_reasons_bound(void **state)
{
	static char zones[DNSBL_ZONES_MAX][DNSBL_ZONE_MAX + 1];
	struct dnsbl_result bl[DNSBL_ZONES_MAX];
	struct policy_params p;
	struct policy_verdict v;
	struct policy_input in;
	struct auth_result auth;
	struct sockaddr_storage ss;
	size_t i, j;

	(void)state;
	params(&p);
	for (i = 0; i < POLICY_NSIGNALS; i++)
		p.weight[i] = 1000;
	p.reject_threshold = 100000;
	for (i = 0; i < DNSBL_ZONES_MAX; i++) {
		for (j = 0; j < DNSBL_ZONE_MAX; j++)
			zones[i][j] = (j % 60 == 59) ? '.' : (char)('a' + i);
		zones[i][DNSBL_ZONE_MAX] = '\0';
		bl[i].zone = zones[i];
		bl[i].status = DNSBL_LISTED;
	}
	memset(&auth, 0, sizeof(auth));
	auth.spf.result = SPF_FAIL;
	auth.ndkim = 1;
	auth.dkim[0].result = DKIM_FAIL;
	auth.dmarc.result = DMARC_RES_FAIL;
	auth.dmarc.policy = DMARC_POLICY_REJECT;
	auth.from.err = FROM_OK;
	auth.from.naddrs = 1;
	snprintf(auth.from.addr[0].domain, sizeof(auth.from.addr[0].domain), "customer.test");
	memset(&in, 0, sizeof(in));
	in.auth = &auth;
	in.client = client_addr(&ss, "192.0.2.1");
	in.helo = "[192.0.2.9]";
	in.helo_len = strlen(in.helo);
	in.rdns = RDNS_NONE;
	in.dnsbl = bl;
	in.ndnsbl = DNSBL_ZONES_MAX;
	in.first_contact = true;
	in.unusual_origin = true;
	in.whitelisted = true;
	policy_decide(&p, &in, &v);
	/* every listing is in the text, the last one whole */
	assert_non_null(strstr(v.reasons, zones[DNSBL_ZONES_MAX - 1]));
	assert_non_null(strstr(v.reasons, "unusual_origin+1000 from_served_unauth+1000"));
	/* spf_fail dkim_fail no_auth dmarc_fail_reject no_ptr helo_ip_mismatch
	 * first_contact unusual_origin from_served_unauth, and every listing */
	assert_int_equal(v.score, 1000 * (9 + DNSBL_ZONES_MAX));
	assert_int_equal(v.action, POLICY_RELAY);	/* whitelisted, under reject */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_flags_and_bits),
		cmocka_unit_test(test_zero_weight),
		cmocka_unit_test(test_no_auth_result),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_from_many),
		cmocka_unit_test(test_helo),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_reasons_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
