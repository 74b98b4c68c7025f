/*
 * test_proxies.c - [web] trusted_proxies and the X-Forwarded-For walk: the client is
 * the right-most address that is not a trusted proxy, only a trusted peer's header
 * is read, and anything the walk cannot parse leaves the peer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/netaddr.h"
#include "release-web/proxies.h"

#define LIST	"127.0.0.1, ::1,10.0.0.0/8 ,\tfd00::/8, 192.0.2.128/25"

static void
test_list(void **state)
{
	static const struct {
		const char	*text;
		int		 rc;
		size_t		 n;
	} cases[] = {
		{ "", 0, 0 },
		{ "  \t ", 0, 0 },
		{ LIST, 0, 5 },
		{ "::ffff:10.0.0.0/104", 0, 1 },	/* the IPv4 network it maps */
		{ "0.0.0.0/0", 0, 1 },
		{ "10.0.0.1/8", -1, 0 },		/* host bits: a mistyped network */
		{ "10.0.0.0/33", -1, 0 },
		{ "::/129", -1, 0 },
		{ "10.0.0.0/08", -1, 0 },
		{ "10.0.0.0/", -1, 0 },
		{ "localhost", -1, 0 },
		{ "127.0.0.1,,::1", -1, 0 },
		{ "127.0.0.1,", -1, 0 },
		{ ",127.0.0.1", -1, 0 },
		{ "127.0.0.1 ::1", -1, 0 },
		{ "[::1]", -1, 0 },
		{ "fe80::1%lo", -1, 0 },
	};
	struct proxies p;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		assert_int_equal(proxies_parse(cases[i].text, strlen(cases[i].text), &p, &why),
		    cases[i].rc);
		assert_int_equal(p.n, cases[i].n);
		if (cases[i].rc != 0)
			assert_non_null(why);
		proxies_clear(&p);
		proxies_clear(&p);	/* a cleared list is empty */
		assert_null(p.v);
	}
}

static void
test_list_bound(void **state)
{
	char buf[PROXIES_MAX * 16 + 16];
	struct proxies p;
	const char *why;
	size_t i, len = 0;

	for (i = 0; i <= PROXIES_MAX; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s10.%zu.%zu.1",
		    i ? "," : "", i / 256, i % 256);
	assert_int_equal(proxies_parse(buf, len, &p, &why), -1);
	assert_null(p.v);
	/* PROXIES_MAX items: the last comma and item off */
	len = (size_t)(strrchr(buf, ',') - buf);
	assert_int_equal(proxies_parse(buf, len, &p, &why), 0);
	assert_int_equal(p.n, PROXIES_MAX);
	proxies_clear(&p);
}

static struct netaddr
addr(const char *text)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(text, strlen(text), &a), 0);
	return a;
}

static void
test_walk(void **state)
{
	static const struct {
		const char	*peer;
		const char	*xff;	/* fields separated by '\n'; NULL: none */
		enum proxies_err err;
		const char	*client;
	} cases[] = {
		/* an untrusted peer: never read, whatever it says */
		{ "198.51.100.1", "203.0.113.5", PROXIES_OK, "198.51.100.1" },
		{ "198.51.100.1", "garbage", PROXIES_OK, "198.51.100.1" },
		{ "::ffff:198.51.100.1", "203.0.113.5", PROXIES_OK, "198.51.100.1" },
		/* a trusted one */
		{ "127.0.0.1", NULL, PROXIES_OK, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5", PROXIES_OK, "203.0.113.5" },
		{ "::ffff:127.0.0.1", "203.0.113.5", PROXIES_OK, "203.0.113.5" },
		{ "::1", " \t2001:DB8::5 ", PROXIES_OK, "2001:db8::5" },
		{ "127.0.0.1", "::ffff:203.0.113.5", PROXIES_OK, "203.0.113.5" },
		{ "127.0.0.1", "::ffff:10.1.1.1", PROXIES_OK, "10.1.1.1" },
		{ "127.0.0.1", "192.0.2.66, 203.0.113.5", PROXIES_OK, "203.0.113.5" },
		{ "127.0.0.1", "192.0.2.66,203.0.113.5,10.1.1.1", PROXIES_OK, "203.0.113.5" },
		{ "127.0.0.1", "192.0.2.1, 192.0.2.200", PROXIES_OK, "192.0.2.1" },
		{ "127.0.0.1", "10.2.2.2, 10.1.1.1", PROXIES_OK, "10.2.2.2" },
		{ "127.0.0.1", "unknown, <x>,, 203.0.113.5", PROXIES_OK, "203.0.113.5" },
		/* fields are one list, in order */
		{ "127.0.0.1", "192.0.2.66\n203.0.113.5", PROXIES_OK, "203.0.113.5" },
		{ "127.0.0.1", "192.0.2.66\n203.0.113.5, 10.1.1.1\nfd00::1",
		    PROXIES_OK, "203.0.113.5" },
		{ "127.0.0.1", "203.0.113.5\n10.1.1.1", PROXIES_OK, "203.0.113.5" },
		/* what the walk reads must parse, or the peer is the client */
		{ "127.0.0.1", "", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", " ", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5,", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5, 10.1.1.1, ", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", ",10.1.1.1", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5\n", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "unknown", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "unknown, 10.1.1.1", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5:80", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "[2001:db8::5]", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "[2001:db8::5]:443", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "fe80::1%eth0", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.005", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "0x7f.1", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5 10.1.1.1", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5;10.1.1.1", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "\"203.0.113.5\"", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "for=203.0.113.5", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1", "203.0.113.5\r\n", PROXIES_SYNTAX, "127.0.0.1" },
		{ "127.0.0.1",
		    "                                                            203.0.113.5",
		    PROXIES_TOO_LONG, "127.0.0.1" },
		{ "127.0.0.1", "x, 1111111111111111111111111111111111111111111111111111111111111111"
		    "1", PROXIES_TOO_LONG, "127.0.0.1" },
	};
	struct proxies p;
	struct netaddr client, want;
	struct proxies_field f[8];
	const char *why;
	size_t i, nf;

	assert_int_equal(proxies_parse(LIST, strlen(LIST), &p, &why), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *x = cases[i].xff, *nl;
		struct netaddr peer = addr(cases[i].peer);

		nf = 0;
		while (x != NULL) {
			nl = strchr(x, '\n');
			f[nf].buf = x;
			f[nf].len = nl != NULL ? (size_t)(nl - x) : strlen(x);
			nf++;
			x = nl != NULL ? nl + 1 : NULL;
		}
		why = NULL;
		memset(&client, 0xa5, sizeof(client));
		if (proxies_client(&p, &peer, f, nf, &client, &why) != cases[i].err)
			fail_msg("case %zu: %s", i, cases[i].xff);
		want = addr(cases[i].client);
		if (!netaddr_equal(&client, &want))
			fail_msg("case %zu: %s: not %s", i, cases[i].xff, cases[i].client);
		if (cases[i].err != PROXIES_OK)
			assert_non_null(why);
	}
	proxies_clear(&p);
}

/* At most PROXIES_READ_MAX elements are read, in one field or in many. */
static void
test_walk_bound(void **state)
{
	struct proxies p;
	struct netaddr peer = addr("127.0.0.1"), client, want = addr("203.0.113.5");
	struct proxies_field f[PROXIES_FIELDS_MAX];
	char one[PROXIES_READ_MAX * 16];
	const char *why;
	size_t i, len;

	assert_int_equal(proxies_parse(LIST, strlen(LIST), &p, &why), 0);
	/* a client and PROXIES_READ_MAX - 1 proxies: the most a walk reads */
	len = (size_t)snprintf(one, sizeof(one), "203.0.113.5");
	for (i = 1; i < PROXIES_READ_MAX; i++)
		len += (size_t)snprintf(one + len, sizeof(one) - len, ",10.0.0.%zu", i);
	f[0].buf = one;
	f[0].len = len;
	assert_int_equal(proxies_client(&p, &peer, f, 1, &client, &why), PROXIES_OK);
	assert_true(netaddr_equal(&client, &want));
	/* one proxy more */
	len += (size_t)snprintf(one + len, sizeof(one) - len, ",10.0.0.99");
	f[0].len = len;
	assert_int_equal(proxies_client(&p, &peer, f, 1, &client, &why), PROXIES_TOO_MANY);
	assert_true(netaddr_equal(&client, &peer));
	/* the same as fields: PROXIES_FIELDS_MAX of them need one read too many, so no
	 * caller needs to keep more */
	f[0].buf = "203.0.113.5";
	f[0].len = strlen(f[0].buf);
	for (i = 1; i < PROXIES_FIELDS_MAX; i++) {
		f[i].buf = "10.1.1.1";
		f[i].len = strlen(f[i].buf);
	}
	assert_int_equal(proxies_client(&p, &peer, f + 1, PROXIES_FIELDS_MAX - 1, &client,
	    &why), PROXIES_OK);
	assert_false(netaddr_equal(&client, &want));
	assert_int_equal(proxies_client(&p, &peer, f, PROXIES_FIELDS_MAX - 1, &client, &why),
	    PROXIES_OK);
	assert_true(netaddr_equal(&client, &want));
	assert_int_equal(proxies_client(&p, &peer, f, PROXIES_FIELDS_MAX, &client, &why),
	    PROXIES_TOO_MANY);
	assert_true(netaddr_equal(&client, &peer));
	proxies_clear(&p);
}

/* The walk reads only its own bytes: an element is never found past len. */
static void
test_walk_no_nul(void **state)
{
	struct proxies p;
	struct netaddr peer = addr("::1"), client, want = addr("203.0.113.5");
	struct proxies_field f;
	char *buf = malloc(11);
	const char *why;

	assert_int_equal(proxies_parse(LIST, strlen(LIST), &p, &why), 0);
	memcpy(buf, "203.0.113.5", 11);	/* no NUL */
	f.buf = buf;
	f.len = 11;
	assert_int_equal(proxies_client(&p, &peer, &f, 1, &client, &why), PROXIES_OK);
	assert_true(netaddr_equal(&client, &want));
	f.len = 10;	/* "203.0.113." */
	assert_int_equal(proxies_client(&p, &peer, &f, 1, &client, &why), PROXIES_SYNTAX);
	assert_true(netaddr_equal(&client, &peer));
	free(buf);
	proxies_clear(&p);
}

/* No list: no one is trusted. */
static void
test_empty_list(void **state)
{
	struct proxies p;
	struct netaddr peer = addr("127.0.0.1"), client;
	struct proxies_field f = { "203.0.113.5", 11 };
	const char *why;

	assert_int_equal(proxies_parse("", 0, &p, &why), 0);
	assert_false(proxies_trusted(&p, &peer));
	assert_int_equal(proxies_client(&p, &peer, &f, 1, &client, &why), PROXIES_OK);
	assert_true(netaddr_equal(&client, &peer));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_bound),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_walk_bound),
		cmocka_unit_test(test_walk_no_nul),
		cmocka_unit_test(test_empty_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
