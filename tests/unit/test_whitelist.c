/*
 * test_whitelist.c - which whitelist entries count (smtpd/whitelist.c): a forged
 * whitelisted address is unknown, an entry made under authentication needs the same
 * authentication now, an entry made without needs its network and no SPF or DMARC
 * failure; the authenticated domain; the origin a new entry remembers; standings at
 * RCPT time agree with the match at the end of data.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smtpd/whitelist.h"
#include "tests/unit/policy_support.h"

struct dcase {
	const char		*name;
	struct auth_spec	 auth;
	const char		*want;
};

static void
test_auth_domain(void **state)
{
	static const struct dcase cases[] = {
		{ "DMARC pass: the author domain", { SPF_PASS, "bounce.esp.test", DKIM_PASS,
		    "example.org", 0, DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.org" },
		    "example.org" },
		{ "DMARC fail: nothing", { SPF_PASS, "example.org", DKIM_PASS, "example.org", 0,
		    DMARC_RES_FAIL, DMARC_POLICY_NONE, "example.org" }, "" },
		{ "DMARC temperror: nothing to fall back on", { SPF_PASS, "example.org",
		    DKIM_PASS, "example.org", 0, DMARC_RES_TEMPERROR, DMARC_POLICY_NONE,
		    "example.org" }, "" },
		{ "no DMARC record, SPF of the From domain", { SPF_PASS, "example.org", DKIM_NONE,
		    NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, "example.org" },
		{ "no DMARC record, SPF of a parent", { SPF_PASS, "example.org", DKIM_NONE, NULL,
		    0, DMARC_RES_NONE, DMARC_POLICY_NONE, "mail.example.org" },
		    "mail.example.org" },
		{ "no DMARC record, SPF of a child is not enough", { SPF_PASS,
		    "bounce.example.org", DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE,
		    "example.org" }, "" },
		{ "no DMARC record, SPF of a look-alike", { SPF_PASS, "badexample.org",
		    DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, "" },
		{ "no DMARC record, SPF of another domain", { SPF_PASS, "esp.test", DKIM_NONE,
		    NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, "" },
		{ "no DMARC record, DKIM of the From domain", { SPF_NONE, NULL, DKIM_PASS,
		    "EXAMPLE.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" },
		    "example.org" },
		{ "no DMARC record, DKIM of another domain", { SPF_NONE, NULL, DKIM_PASS,
		    "esp.test", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, "" },
		{ "no DMARC record, DKIM of the domain fails", { SPF_NONE, NULL, DKIM_FAIL,
		    "example.org", 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, "" },
		{ "no DMARC record, SPF softfail", { SPF_SOFTFAIL, "example.org", DKIM_NONE,
		    NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" }, "" },
		{ "no DMARC record, SPF of a U-label From domain", { SPF_PASS,
		    "xn--bcher-kva.test", DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE,
		    "b\xc3\xbc" "cher.test" }, "xn--bcher-kva.test" },
		{ "no DMARC record, DKIM of a U-label From domain", { SPF_NONE, NULL, DKIM_PASS,
		    "xn--bcher-kva.test", 0, DMARC_RES_NONE, DMARC_POLICY_NONE,
		    "B\xc3\xbc" "cher.test" }, "xn--bcher-kva.test" },
		{ "no From field", { SPF_PASS, "example.org", DKIM_PASS, "example.org", 0,
		    DMARC_RES_NONE, DMARC_POLICY_NONE, NULL }, "" },
	};
	char out[DNS_NAME_MAX + 1];
	struct auth_result a;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		auth_from_spec(&a, &cases[i].auth);
		n = whitelist_auth_domain(&a, out);
		if (strcmp(out, cases[i].want) != 0 || n != strlen(cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].name, out, cases[i].want);
	}
	assert_int_equal(whitelist_auth_domain(NULL, out), 0);
	assert_string_equal(out, "");
	/* a From domain literal is never authenticated */
	auth_from_spec(&a, &cases[3].auth);
	a.from.addr[0].literal = 1;
	assert_int_equal(whitelist_auth_domain(&a, out), 0);
}

static void
test_origin(void **state)
{
	static const struct auth_spec dmarc = { SPF_PASS, "example.org", DKIM_PASS,
	    "example.org", 0, DMARC_RES_PASS, DMARC_POLICY_NONE, "example.org" };
	static const struct auth_spec nothing = { SPF_NONE, "example.org", DKIM_NONE, NULL, 0,
	    DMARC_RES_NONE, DMARC_POLICY_NONE, "example.org" };
	struct whitelist_origin o;
	struct auth_result a;
	struct sockaddr_storage ss;

	(void)state;
	auth_from_spec(&a, &dmarc);
	whitelist_origin(&a, client_addr(&ss, "198.51.100.23"), &o);
	assert_string_equal(o.auth_domain, "example.org");
	assert_string_equal(o.client_net, "198.51.100.0/24");
	auth_from_spec(&a, &nothing);
	whitelist_origin(&a, client_addr(&ss, "2001:db8:77:1::5"), &o);
	assert_string_equal(o.auth_domain, "");
	assert_string_equal(o.client_net, "2001:db8:77::/48");
	whitelist_origin(NULL, NULL, &o);
	assert_string_equal(o.auth_domain, "");
	assert_string_equal(o.client_net, "");
}

/* At release, from the client address the held copy kept. */
static void
test_client_net(void **state)
{
	char net[STORE_NET_MAX];

	(void)state;
	assert_int_equal(whitelist_client_net("198.51.100.23", 13, net), 0);
	assert_string_equal(net, "198.51.100.0/24");
	assert_int_equal(whitelist_client_net("::ffff:198.51.100.23", 20, net), 0);
	assert_string_equal(net, "198.51.100.0/24");
	assert_int_equal(whitelist_client_net("2001:db8:77:1::5", 16, net), 0);
	assert_string_equal(net, "2001:db8:77::/48");
	assert_int_equal(whitelist_client_net("unknown", 7, net), -1);
	assert_string_equal(net, "");
	assert_int_equal(whitelist_client_net("", 0, net), -1);
}

/* Candidate entries, most specific first, as store_wl_lookup returns them. */
static const struct store_wl_entry entry_auth = {
	1, STORE_WL_RECIPIENT, "rcpt@customer.test", "alice@example.org",
	STORE_WL_BY_RELEASE, "example.org", "198.51.100.0/24", 0, 0, STORE_WL_ALLOW };
static const struct store_wl_entry entry_net = {
	2, STORE_WL_RECIPIENT, "rcpt@customer.test", "bob@plain.test",
	STORE_WL_BY_RELEASE, "", "198.51.100.0/24", 0, 0, STORE_WL_ALLOW };
static const struct store_wl_entry entry_net6 = {
	3, STORE_WL_RECIPIENT, "rcpt@customer.test", "bob@plain.test",
	STORE_WL_BY_RELEASE, "", "2001:db8:77::/48", 0, 0, STORE_WL_ALLOW };
static const struct store_wl_entry entry_manual = {
	4, STORE_WL_DOMAIN, "customer.test", "carol@hand.test",
	STORE_WL_BY_ADMIN, "", "", 0, 0, STORE_WL_ALLOW };
static const struct store_wl_entry entry_badnet = {
	5, STORE_WL_RECIPIENT, "rcpt@customer.test", "dave@plain.test",
	STORE_WL_BY_RELEASE, "", "198.51.100.1/24", 0, 0, STORE_WL_ALLOW };

struct mcase {
	const char			*name;
	const struct store_wl_entry	*entry;
	struct auth_spec		 auth;
	const char			*client;
	bool				 match;
};

#define DMARC_PASS_EXAMPLE { SPF_PASS, "example.org", DKIM_PASS, "example.org", 0, \
	DMARC_RES_PASS, DMARC_POLICY_REJECT, "example.org" }
#define NOTHING(d) { SPF_NONE, d, DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE, d }

static const struct mcase mcases[] = {
	/* an entry made under authentication */
	{ "authenticated as before, from anywhere", &entry_auth, DMARC_PASS_EXAMPLE,
	    "203.0.113.5", true },
	{ "authenticated as before, IPv6 client", &entry_auth, DMARC_PASS_EXAMPLE,
	    "2001:db8:99::1", true },
	{ "forged: the address, no authentication, from the old network", &entry_auth,
	    NOTHING("example.org"), "198.51.100.7", false },
	{ "forged: DMARC fails", &entry_auth, { SPF_FAIL, "example.org", DKIM_NONE, NULL, 0,
	    DMARC_RES_FAIL, DMARC_POLICY_REJECT, "example.org" }, "198.51.100.7", false },
	{ "forged: authenticated under another domain", &entry_auth, { SPF_PASS,
	    "attacker.test", DKIM_PASS, "attacker.test", 0, DMARC_RES_PASS,
	    DMARC_POLICY_NONE, "attacker.test" }, "198.51.100.7", false },
	{ "authenticated by aligned SPF without a DMARC record", &entry_auth, { SPF_PASS,
	    "example.org", DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE,
	    "example.org" }, "203.0.113.5", true },
	{ "DNS trouble: DMARC temperror is not authentication", &entry_auth, { SPF_PASS,
	    "example.org", DKIM_PASS, "example.org", 0, DMARC_RES_TEMPERROR,
	    DMARC_POLICY_NONE, "example.org" }, "198.51.100.7", false },

	/* an entry made without authentication: its network */
	{ "same network, nothing fails", &entry_net, NOTHING("plain.test"), "198.51.100.200",
	    true },
	{ "same network, SPF softfail is not a failure", &entry_net, { SPF_SOFTFAIL,
	    "plain.test", DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE,
	    "plain.test" }, "198.51.100.200", true },
	{ "same network, SPF fails", &entry_net, { SPF_FAIL, "plain.test", DKIM_NONE, NULL, 0,
	    DMARC_RES_NONE, DMARC_POLICY_NONE, "plain.test" }, "198.51.100.200", false },
	{ "same network, DMARC fails", &entry_net, { SPF_NONE, "plain.test", DKIM_NONE, NULL,
	    0, DMARC_RES_FAIL, DMARC_POLICY_NONE, "plain.test" }, "198.51.100.200", false },
	{ "forged: another network", &entry_net, NOTHING("plain.test"), "198.51.101.200",
	    false },
	{ "forged: another network, even authenticated", &entry_net, { SPF_PASS,
	    "plain.test", DKIM_NONE, NULL, 0, DMARC_RES_NONE, DMARC_POLICY_NONE,
	    "plain.test" }, "203.0.113.1", false },
	{ "same network through an IPv4-mapped address", &entry_net, NOTHING("plain.test"),
	    "::ffff:198.51.100.9", true },
	{ "IPv6 network, inside", &entry_net6, NOTHING("plain.test"), "2001:db8:77:ab::25",
	    true },
	{ "IPv6 network, outside", &entry_net6, NOTHING("plain.test"), "2001:db8:78::25",
	    false },
	{ "IPv6 network, IPv4 client", &entry_net6, NOTHING("plain.test"), "198.51.100.9",
	    false },
	{ "a malformed stored network never matches", &entry_badnet, NOTHING("plain.test"),
	    "198.51.100.1", false },

	/* an entry added by hand, without origin */
	{ "by hand, nothing fails", &entry_manual, NOTHING("hand.test"), "203.0.113.1",
	    true },
	{ "by hand, SPF fails", &entry_manual, { SPF_FAIL, "hand.test", DKIM_NONE, NULL, 0,
	    DMARC_RES_NONE, DMARC_POLICY_NONE, "hand.test" }, "203.0.113.1", false },
	{ "by hand, DMARC fails", &entry_manual, { SPF_PASS, "other.test", DKIM_NONE, NULL, 0,
	    DMARC_RES_FAIL, DMARC_POLICY_QUARANTINE, "hand.test" }, "203.0.113.1", false },
};

static void
test_match(void **state)
{
	struct whitelist_standing st;
	struct auth_result a;
	struct sockaddr_storage ss;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		const struct sockaddr *sa = client_addr(&ss, mcases[i].client);
		const struct store_wl_entry *got;

		auth_from_spec(&a, &mcases[i].auth);
		got = whitelist_match(mcases[i].entry, 1, &a, sa);
		if ((got != NULL) != mcases[i].match)
			fail_msg("%s: got %s", mcases[i].name, got != NULL ? "match" : "none");
		if (got != NULL)
			assert_ptr_equal(got, mcases[i].entry);
		/* the standing made at RCPT time says the same at the end of data */
		whitelist_standing(mcases[i].entry, 1, sa, &st);
		if (whitelist_standing_match(&st, &a) != mcases[i].match)
			fail_msg("%s: the standing disagrees", mcases[i].name);
	}
}

/* Several candidates: the first that counts is returned, the forged ones skipped. */
static void
test_match_first(void **state)
{
	static const struct auth_spec nothing = NOTHING("example.org");
	static const struct auth_spec dmarc = DMARC_PASS_EXAMPLE;
	struct store_wl_entry v[3];
	struct auth_result a;
	struct sockaddr_storage ss;

	(void)state;
	v[0] = entry_auth;
	v[1] = entry_net;
	v[2] = entry_manual;
	auth_from_spec(&a, &nothing);
	/* not authenticated: the auth entry is skipped, the network one counts */
	assert_ptr_equal(whitelist_match(v, 3, &a, client_addr(&ss, "198.51.100.1")), &v[1]);
	/* another network: only the entry by hand is left */
	assert_ptr_equal(whitelist_match(v, 3, &a, client_addr(&ss, "203.0.113.1")), &v[2]);
	auth_from_spec(&a, &dmarc);
	assert_ptr_equal(whitelist_match(v, 3, &a, client_addr(&ss, "203.0.113.1")), &v[0]);
	assert_null(whitelist_match(v, 0, &a, client_addr(&ss, "203.0.113.1")));
	/* without results, nothing failed: the entries without authentication count */
	assert_ptr_equal(whitelist_match(v, 3, NULL, client_addr(&ss, "198.51.100.1")),
	    &v[1]);
	assert_ptr_equal(whitelist_match(v, 1, &a, NULL), &v[0]);
	assert_null(whitelist_match(&v[1], 1, &a, NULL));
}

static void
test_standing(void **state)
{
	struct store_wl_entry v[WHITELIST_CANDIDATES_MAX + 2];
	struct whitelist_standing s1, s2;
	struct sockaddr_storage ss;
	const struct sockaddr *in_net, *off_net;
	struct sockaddr_storage ss2;
	static const struct auth_spec nothing = NOTHING("example.org");
	static const struct auth_spec dmarc = DMARC_PASS_EXAMPLE;
	static const struct auth_spec other = { SPF_PASS, "other.test", DKIM_PASS,
	    "other.test", 0, DMARC_RES_PASS, DMARC_POLICY_NONE, "other.test" };
	struct auth_result a;
	size_t i;

	(void)state;
	in_net = client_addr(&ss, "198.51.100.1");
	off_net = client_addr(&ss2, "203.0.113.1");
	/* no entry: no standing, nothing matches */
	whitelist_standing(NULL, 0, in_net, &s1);
	assert_false(s1.unauthenticated);
	assert_int_equal(s1.ndomains, 0);
	auth_from_spec(&a, &dmarc);
	assert_false(whitelist_standing_match(&s1, &a));

	/* order and case of the entries do not change a standing */
	v[0] = entry_auth;
	v[1] = entry_net;
	v[2] = entry_auth;
	v[2].auth_domain = "Other.TEST";
	whitelist_standing(v, 3, in_net, &s1);
	v[0] = entry_net;
	v[1] = entry_auth;
	v[1].auth_domain = "other.test";
	v[2] = entry_auth;
	v[2].auth_domain = "EXAMPLE.org";
	whitelist_standing(v, 3, in_net, &s2);
	assert_true(whitelist_standing_equal(&s1, &s2));
	assert_true(s1.unauthenticated);
	assert_int_equal(s1.ndomains, 2);
	assert_string_equal(s1.domain[0], "example.org");
	assert_string_equal(s1.domain[1], "other.test");
	auth_from_spec(&a, &other);
	assert_true(whitelist_standing_match(&s1, &a));

	/* off the network, the network entry gives no standing */
	whitelist_standing(v, 3, off_net, &s2);
	assert_false(whitelist_standing_equal(&s1, &s2));
	assert_false(s2.unauthenticated);
	auth_from_spec(&a, &nothing);
	assert_false(whitelist_standing_match(&s2, &a));

	/* a recipient with no entry and one with a forged-proof entry differ */
	whitelist_standing(NULL, 0, in_net, &s1);
	whitelist_standing(&entry_auth, 1, in_net, &s2);
	assert_false(whitelist_standing_equal(&s1, &s2));
	/* two recipients whose entries fail alike share a standing */
	whitelist_standing(&entry_net, 1, off_net, &s1);
	whitelist_standing(NULL, 0, off_net, &s2);
	assert_true(whitelist_standing_equal(&s1, &s2));

	/* more candidates than the store can return: the rest are not read */
	for (i = 0; i < WHITELIST_CANDIDATES_MAX + 2; i++) {
		v[i] = entry_auth;
		v[i].auth_domain = i < WHITELIST_CANDIDATES_MAX ? "example.org" : "late.test";
	}
	whitelist_standing(v, WHITELIST_CANDIDATES_MAX + 2, in_net, &s1);
	assert_int_equal(s1.ndomains, 1);
}

/* A block refuses whatever the authentication, beats an allow at any scope, and never
 * counts as an allow in a match or a standing. */
static void
test_block(void **state)
{
	static const struct auth_spec dmarc = DMARC_PASS_EXAMPLE;
	struct store_wl_entry v[3];
	struct whitelist_standing s1, s2;
	struct sockaddr_storage ss;
	const struct sockaddr *sa = client_addr(&ss, "198.51.100.1");
	struct auth_result a;

	(void)state;
	assert_null(whitelist_blocked(NULL, 0));
	v[0] = entry_auth;
	v[1] = entry_manual;
	v[2] = entry_net;
	assert_null(whitelist_blocked(v, 3));
	/* an operator's domain-wide block after the recipient's own allow: blocked */
	v[1].action = STORE_WL_BLOCK;
	assert_ptr_equal(whitelist_blocked(v, 3), &v[1]);
	v[2].action = STORE_WL_BLOCK;
	assert_ptr_equal(whitelist_blocked(v, 3), &v[1]);
	/* a block entry on its own: no match even for a message that would pass it
	 * as an allow, and no standing */
	auth_from_spec(&a, &dmarc);
	v[0].action = STORE_WL_BLOCK;
	assert_ptr_equal(whitelist_blocked(v, 1), &v[0]);
	assert_null(whitelist_match(v, 1, &a, sa));
	whitelist_standing(v, 1, sa, &s1);
	whitelist_standing(NULL, 0, sa, &s2);
	assert_true(whitelist_standing_equal(&s1, &s2));
	assert_false(whitelist_standing_match(&s1, &a));
	/* blocks among allows: the allows alone make the match and the standing */
	v[0].action = STORE_WL_ALLOW;
	v[1].action = STORE_WL_BLOCK;
	v[2].action = STORE_WL_ALLOW;
	assert_ptr_equal(whitelist_match(&v[1], 2, NULL, sa), &v[2]);
	whitelist_standing(v, 3, sa, &s1);
	assert_true(s1.unauthenticated);
	assert_int_equal(s1.ndomains, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_domain),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_client_net),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_first),
		cmocka_unit_test(test_standing),
		cmocka_unit_test(test_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
