/*
 * test_netaddr.c - client addresses for the policy (common/netaddr.c): canonical form,
 * reverse and DNSBL names (RFC 5782 2.1, 2.4), remembered networks (/24, /48), the
 * network parser and CIDR containment.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dns.h"
#include "common/netaddr.h"
#include "smtpd/dnsbl.h"
#include "tests/unit/policy_support.h"

static struct netaddr
addr(const char *text)
{
	struct netaddr a;

	if (netaddr_parse(text, strlen(text), &a) != 0)
		fail_msg("\"%s\" does not parse", text);
	return a;
}

static void
test_parse(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4",
		"::1%eth0", "2001:db8::1::2", "g::1", "1.2.3.4/24",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999",
	};
	struct netaddr a, b;
	char text[INET6_ADDRSTRLEN];
	size_t i;

	(void)state;
	a = addr("192.0.2.1");
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.ip, "\xc0\x00\x02\x01", 4);
	a = addr("2001:DB8::1");
	assert_int_equal(a.family, AF_INET6);
	netaddr_text(&a, text, sizeof(text));
	assert_string_equal(text, "2001:db8::1");
	/* an IPv4-mapped address is its IPv4 address */
	a = addr("::ffff:192.0.2.1");
	b = addr("192.0.2.1");
	assert_int_equal(a.family, AF_INET);
	assert_true(netaddr_equal(&a, &b));
	/* IPv4-compatible (deprecated) is not mapped: stays IPv6 */
	a = addr("::192.0.2.1");
	assert_int_equal(a.family, AF_INET6);
	assert_false(netaddr_equal(&a, &b));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (netaddr_parse(bad[i], strlen(bad[i]), &a) == 0)
			fail_msg("\"%s\" parsed", bad[i]);
	/* (buf, len): the bytes after len are not read */
	assert_int_equal(netaddr_parse("192.0.2.1999", 9, &a), 0);
	assert_true(netaddr_equal(&a, &b));
	assert_int_equal(netaddr_parse("1.2.3.4\0", 8, &a), -1);
}

static void
test_sockaddr(void **state)
{
	struct sockaddr_storage ss;
	struct netaddr a, b = addr("192.0.2.7");
	struct sockaddr sa;

	(void)state;
	assert_int_equal(netaddr_from_sockaddr(client_addr(&ss, "192.0.2.7"), &a), 0);
	assert_true(netaddr_equal(&a, &b));
	assert_int_equal(netaddr_from_sockaddr(client_addr(&ss, "::ffff:192.0.2.7"), &a), 0);
	assert_true(netaddr_equal(&a, &b));
	assert_int_equal(netaddr_from_sockaddr(client_addr(&ss, "2001:db8::7"), &a), 0);
	assert_int_equal(a.family, AF_INET6);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_int_equal(netaddr_from_sockaddr(&sa, &a), -1);
}

struct rcase {
	const char	*addr;
	const char	*zone;
	const char	*want;
};

/* Reverse names and DNSBL query names, IPv4 and IPv6 (RFC 5782 2.1, 2.4). */
static void
test_revname(void **state)
{
	static const struct rcase cases[] = {
		{ "192.0.2.99", "in-addr.arpa", "99.2.0.192.in-addr.arpa" },
		{ "127.0.0.2", "zen.example", "2.0.0.127.zen.example" },
		{ "0.0.0.0", "bl.test", "0.0.0.0.bl.test" },
		{ "255.255.255.255", "bl.test", "255.255.255.255.bl.test" },
		{ "::ffff:127.0.0.2", "bl.test", "2.0.0.127.bl.test" },
		/* RFC 5782 2.4's example */
		{ "2001:db8:1:2:3:4:567:89ab", "ugly.example.com",
		  "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com" },
		{ "2001:db8::1", "ip6.arpa",
		  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" },
		{ "::", "bl.test",
		  "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test" },
	};
	char name[DNS_NAME_MAX + 1];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct netaddr a = addr(cases[i].addr);

		n = netaddr_revname(&a, cases[i].zone, strlen(cases[i].zone), name,
		    sizeof(name));
		assert_int_equal(n, strlen(cases[i].want));
		assert_string_equal(name, cases[i].want);
		n = dnsbl_query_name(&a, cases[i].zone, name, sizeof(name));
		assert_string_equal(name, cases[i].want);
	}
}

static void
test_revname_limits(void **state)
{
	char zone[DNS_NAME_MAX + 1], name[DNS_NAME_MAX + 1], small[16];
	struct netaddr v6 = addr("2001:db8::1"), v4 = addr("255.255.255.255");

	(void)state;
	memset(zone, 'a', sizeof(zone));
	/* the longest zone a DNSBL may have still gives a DNS name for IPv6 */
	assert_int_equal(netaddr_revname(&v6, zone, DNSBL_ZONE_MAX, name, sizeof(name)),
	    DNS_NAME_MAX);
	assert_int_equal(netaddr_revname(&v6, zone, DNSBL_ZONE_MAX + 1, name, sizeof(name)),
	    0);
	/* IPv4 reversed is at most 16 bytes: room for a longer zone */
	assert_int_equal(netaddr_revname(&v4, zone, DNS_NAME_MAX - 16, name, sizeof(name)),
	    DNS_NAME_MAX);
	assert_int_equal(netaddr_revname(&v4, zone, DNS_NAME_MAX - 15, name, sizeof(name)),
	    0);
	/* an empty zone, or a buffer too small, is 0, never a truncated name */
	assert_int_equal(netaddr_revname(&v4, zone, 0, name, sizeof(name)), 0);
	assert_int_equal(netaddr_revname(&v4, "bl.test", 7, small, sizeof(small)), 0);
}

static void
test_network(void **state)
{
	static const struct { const char *addr, *want; } cases[] = {
		{ "192.0.2.77", "192.0.2.0/24" },
		{ "198.51.100.255", "198.51.100.0/24" },
		{ "::ffff:203.0.113.9", "203.0.113.0/24" },
		{ "2001:db8:abcd:1234:5678::1", "2001:db8:abcd::/48" },
		{ "2001:db8:ab:ffff::", "2001:db8:ab::/48" },
		{ "::1", "::/48" },
	};
	char net[NETADDR_NET_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct netaddr a = addr(cases[i].addr);

		netaddr_network(&a, net, sizeof(net));
		assert_string_equal(net, cases[i].want);
	}
	/* the longest network text fits the store's column */
	{
		struct netaddr a = addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

		netaddr_network(&a, net, sizeof(net));
		assert_string_equal(net, "ffff:ffff:ffff::/48");
	}
}

struct ncase {
	const char		*net;
	enum netaddr_net_err	 err;
	unsigned		 prefix;
};

static void
test_net_parse(void **state)
{
	static const struct ncase cases[] = {
		{ "192.0.2.0/24", NETADDR_NET_OK, 24 },
		{ "192.0.2.1", NETADDR_NET_OK, 32 },
		{ "0.0.0.0/0", NETADDR_NET_OK, 0 },
		{ "2001:db8::/32", NETADDR_NET_OK, 32 },
		{ "2001:db8::1", NETADDR_NET_OK, 128 },
		{ "::/0", NETADDR_NET_OK, 0 },
		{ "::ffff:192.0.2.0/120", NETADDR_NET_OK, 24 },	/* the IPv4 network */
		{ "192.0.2.1/24", NETADDR_NET_HOST_BITS, 0 },
		{ "2001:db8::1/48", NETADDR_NET_HOST_BITS, 0 },
		{ "192.0.2.0/33", NETADDR_NET_PREFIX, 0 },
		{ "2001:db8::/129", NETADDR_NET_PREFIX, 0 },
		{ "192.0.2.0/024", NETADDR_NET_SYNTAX, 0 },
		{ "192.0.2.0/", NETADDR_NET_SYNTAX, 0 },
		{ "192.0.2.0/+4", NETADDR_NET_SYNTAX, 0 },
		{ "192.0.2.0/2a", NETADDR_NET_SYNTAX, 0 },
		{ "192.0.2.0/1000", NETADDR_NET_SYNTAX, 0 },
		{ "/24", NETADDR_NET_SYNTAX, 0 },
		{ "", NETADDR_NET_SYNTAX, 0 },
		{ "example.org/24", NETADDR_NET_SYNTAX, 0 },
		{ "192.0.2.0/24/8", NETADDR_NET_SYNTAX, 0 },
		{ "192.0.2.0 /24", NETADDR_NET_SYNTAX, 0 },
	};
	struct netaddr_net net;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum netaddr_net_err err = netaddr_net_parse(cases[i].net,
		    strlen(cases[i].net), &net);

		if (err != cases[i].err)
			fail_msg("\"%s\": error %d, want %d", cases[i].net, err, cases[i].err);
		if (err == NETADDR_NET_OK && net.prefix != cases[i].prefix)
			fail_msg("\"%s\": prefix %u, want %u", cases[i].net, net.prefix,
			    cases[i].prefix);
	}
}

struct ccase {
	const char	*net;
	const char	*addr;
	bool		 in;
};

static void
test_contains(void **state)
{
	static const struct ccase cases[] = {
		{ "192.0.2.0/24", "192.0.2.0", true },
		{ "192.0.2.0/24", "192.0.2.255", true },
		{ "192.0.2.0/24", "192.0.3.0", false },
		{ "192.0.2.0/24", "::ffff:192.0.2.9", true },
		{ "192.0.2.0/24", "2001:db8::1", false },
		{ "192.0.2.128/25", "192.0.2.127", false },
		{ "192.0.2.128/25", "192.0.2.128", true },
		{ "10.0.0.0/7", "11.255.255.255", true },
		{ "10.0.0.0/7", "12.0.0.0", false },
		{ "0.0.0.0/0", "203.0.113.1", true },
		{ "0.0.0.0/0", "2001:db8::1", false },		/* families never mix */
		{ "192.0.2.1", "192.0.2.1", true },
		{ "192.0.2.1", "192.0.2.2", false },
		{ "2001:db8:abcd::/48", "2001:db8:abcd:ffff::1", true },
		{ "2001:db8:abcd::/48", "2001:db8:abce::1", false },
		{ "2001:db8::/29", "2001:dbf:ffff::1", true },
		{ "2001:db8::/29", "2001:dc0::1", false },
		{ "::/0", "::1", true },
		{ "::/0", "192.0.2.1", false },
		{ "::ffff:192.0.2.0/120", "192.0.2.200", true },
	};
	struct netaddr_net net;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct netaddr a = addr(cases[i].addr);

		assert_int_equal(netaddr_net_parse(cases[i].net, strlen(cases[i].net), &net),
		    NETADDR_NET_OK);
		if (netaddr_net_contains(&net, &a) != cases[i].in)
			fail_msg("%s in %s: got %d", cases[i].addr, cases[i].net, !cases[i].in);
	}
}

/* What netaddr_network writes, netaddr_net_parse reads, and the address is inside. */
static void
test_network_round_trip(void **state)
{
	static const char *const addrs[] = {
		"192.0.2.77", "0.0.0.1", "255.255.255.255", "2001:db8:abcd:12::99", "::1",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	char text[NETADDR_NET_MAX];
	struct netaddr_net net;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct netaddr a = addr(addrs[i]);

		netaddr_network(&a, text, sizeof(text));
		assert_int_equal(netaddr_net_parse(text, strlen(text), &net), NETADDR_NET_OK);
		assert_int_equal(net.prefix, a.family == AF_INET ? NETADDR_V4_PREFIX :
		    NETADDR_V6_PREFIX);
		assert_true(netaddr_net_contains(&net, &a));
	}
}

/* Connection limits count an IPv6 client by its /64, an IPv4 client by its address. */
static void
test_client(void **state)
{
	static const struct { const char *a, *b; bool same; } cases[] = {
		{ "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", true },
		{ "2001:db8:1:2::1", "2001:db8:1:2::1", true },
		{ "2001:db8:1:2::1", "2001:db8:1:3::1", false },
		{ "2001:db8:1:2::1", "2001:db9:1:2::1", false },
		{ "192.0.2.1", "192.0.2.1", true },
		{ "192.0.2.1", "192.0.2.2", false },	/* a host address, not a /24 */
		{ "::ffff:192.0.2.1", "192.0.2.1", true },
		{ "192.0.2.1", "::ffff:192.0.2.2", false },
	};
	struct netaddr a, b, ka, kb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = addr(cases[i].a);
		b = addr(cases[i].b);
		netaddr_client(&a, &ka);
		netaddr_client(&b, &kb);
		if (netaddr_equal(&ka, &kb) != cases[i].same)
			fail_msg("%s and %s: %s client", cases[i].a, cases[i].b,
			    cases[i].same ? "not the same" : "the same");
	}
	a = addr("2001:db8:1:2:3:4:5:6");
	netaddr_client(&a, &ka);
	b = addr("2001:db8:1:2::");
	assert_true(netaddr_equal(&ka, &b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_revname),
		cmocka_unit_test(test_revname_limits),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_net_parse),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_network_round_trip),
		cmocka_unit_test(test_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
