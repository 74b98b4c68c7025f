/*
 * test_from.c - the From address-list parser and extraction: every RFC 5322 3.4 form
 * a sender may use (display names, quoted strings, comments, groups, obsolete
 * syntax, encoded words left alone), what is refused, and the field counting DMARC
 * depends on.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/from.h"

struct list_case {
	const char	*value;
	enum from_err	 err;
	size_t		 n;
	const char	*local0, *domain0;	/* first address */
	const char	*domain1;		/* second address, when n > 1 */
};

static void
test_list(void **state)
{
	static const struct list_case cases[] = {
		{ "a@example.com", FROM_OK, 1, "a", "example.com", NULL },
		{ " John Doe <John.Doe@Example.COM>", FROM_OK, 1, "John.Doe", "example.com", NULL },
		{ "\"Doe, John\" <jd@example.com>", FROM_OK, 1, "jd", "example.com", NULL },
		{ "\"a@evil.com\" <b@good.example>", FROM_OK, 1, "b", "good.example", NULL },
		{ "\"quoted local\"@example.com", FROM_OK, 1, "\"quoted local\"", "example.com", NULL },
		{ "\"a\\\"b\"@example.com", FROM_OK, 1, "\"a\\\"b\"", "example.com", NULL },
		{ "a@example.com (Comment (nested) \\) here)", FROM_OK, 1, "a", "example.com", NULL },
		{ "(c)a(c)@(c)example(c).(c)com(c)", FROM_OK, 1, "a", "example.com", NULL },
		{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", FROM_OK, 1, "pete", "silly.test", NULL },
		{ "=?utf-8?q?J=C3=B6rg?= <j@example.de>", FROM_OK, 1, "j", "example.de", NULL },
		{ "=?utf-8?b?SsO2cmc=?= <j@example.de>", FROM_OK, 1, "j", "example.de", NULL },
		{ "J\xc3\xb6rg <j\xc3\xb6@b\xc3\xbc" "cher.example>", FROM_OK, 1, "j\xc3\xb6", "b\xc3\xbc" "cher.example", NULL },
		{ "a@example.com,\r\n b@example.org", FROM_OK, 2, "a", "example.com", "example.org" },
		{ "a@x.example, B <b@y.example>", FROM_OK, 2, "a", "x.example", "y.example" },
		{ "Group: a@x.example, b@y.example;", FROM_OK, 2, "a", "x.example", "y.example" },
		{ "Undisclosed recipients:;", FROM_OK, 0, NULL, NULL, NULL },
		{ "Group:;, a@x.example", FROM_OK, 1, "a", "x.example", NULL },
		{ "Group: (empty) ;", FROM_OK, 0, NULL, NULL, NULL },
		{ "", FROM_OK, 0, NULL, NULL, NULL },
		{ " (only a comment) ", FROM_OK, 0, NULL, NULL, NULL },
		{ "a@[192.0.2.1]", FROM_OK, 1, "a", "[192.0.2.1]", NULL },
		{ "a@[IPv6:2001:DB8::1]", FROM_OK, 1, "a", "[ipv6:2001:db8::1]", NULL },
		{ "<@relay.example,@other.example:a@example.com>", FROM_OK, 1, "a", "example.com", NULL },
		{ "John Q. Public <jqp@example.com>", FROM_OK, 1, "jqp", "example.com", NULL },
		{ "a . b @ example . com", FROM_OK, 1, "a.b", "example.com", NULL },
		{ ",, a@x.example ,", FROM_OK, 1, "a", "x.example", NULL },
		{ "Folded\r\n Name\r\n\t<a@example.com>", FROM_OK, 1, "a", "example.com", NULL },
		/* refused */
		{ "John Doe", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "John Doe@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@example.com.", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a..b@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ ".a@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "<a@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "<>", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@example.com b@example.org", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "<a@x.example> junk", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "\"unclosed@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@example.com (unclosed", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@[192.0.2.1", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@example.com\n", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@example.com\r\n", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@exa\rmple.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "G: a@x.example", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "G: H: a@x.example;;", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ ": a@x.example;", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a)@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a\x01@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "(((((((((((((((((deep)))))))))))))))))a@example.com", FROM_SYNTAX, 0, NULL, NULL, NULL },
		{ "a@example.com, <@:b@example.com>", FROM_SYNTAX, 1, NULL, NULL, NULL },
		{ "a234567890123456789012345678901234567890123456789012345678901234@x.example",
		    FROM_OK, 1, "a234567890123456789012345678901234567890123456789012345678901234", "x.example", NULL },
		/* RFC 5321's 64-octet local-part is an SMTP limit; RFC 5322 sets none, and
		 * DMARC reads only the domain: a longer one is no reason to fail */
		{ "a2345678901234567890123456789012345678901234567890123456789012345@x.example",
		    FROM_OK, 1, "a2345678901234567890123456789012345678901234567890123456789012345", "x.example", NULL },
		{ "\"reply-fe8c1570736d037b77-1234_HTML-12345678-1234567-12 (Newsletter)\"@reply.example",
		    FROM_OK, 1, "\"reply-fe8c1570736d037b77-1234_HTML-12345678-1234567-12 (Newsletter)\"", "reply.example", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct list_case *c = &cases[i];
		struct from_addr a[FROM_ADDRS_MAX];
		enum from_err err;
		size_t n = 99;

		err = from_list_parse(c->value, strlen(c->value), a, FROM_ADDRS_MAX, &n);
		if (err != c->err)
			fail_msg("case %zu \"%s\": err %d, want %d", i, c->value, err, c->err);
		if (err != FROM_OK)
			continue;
		if (n != c->n)
			fail_msg("case %zu \"%s\": %zu addresses, want %zu", i, c->value, n, c->n);
		if (c->local0 != NULL && (strcmp(a[0].local, c->local0) != 0 ||
		    strcmp(a[0].domain, c->domain0) != 0))
			fail_msg("case %zu: got %s @ %s", i, a[0].local, a[0].domain);
		if (c->domain1 != NULL && strcmp(a[1].domain, c->domain1) != 0)
			fail_msg("case %zu: second domain %s", i, a[1].domain);
		if (c->domain0 != NULL && (a[0].literal != (c->domain0[0] == '[')))
			fail_msg("case %zu: literal flag", i);
	}
}

/* Over RFC 5322 2.1.1's 998-octet line a local-part is no mail anybody sends. */
static void
test_long_local_part(void **state)
{
	char buf[FROM_LOCAL_MAX + 32];
	struct from_addr a[1];
	size_t n;

	memset(buf, 'x', FROM_LOCAL_MAX);
	memcpy(buf + FROM_LOCAL_MAX, "@x.example", 10);
	assert_int_equal(from_list_parse(buf, FROM_LOCAL_MAX + 10, a, 1, &n), FROM_OK);
	assert_int_equal(strlen(a[0].local), FROM_LOCAL_MAX);
	assert_string_equal(a[0].domain, "x.example");
	memset(buf, 'x', FROM_LOCAL_MAX + 1);
	memcpy(buf + FROM_LOCAL_MAX + 1, "@x.example", 10);
	assert_int_equal(from_list_parse(buf, FROM_LOCAL_MAX + 11, a, 1, &n), FROM_TOO_LONG);
}

static void
test_list_many(void **state)
{
	char buf[4096];
	struct from_addr a[2];
	size_t i, len = 0, n;

	/* more mailboxes than slots: all are counted, the first kept */
	for (i = 0; i < 50; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%sx%zu@d%zu.example",
		    i ? ", " : "", i, i);
	assert_int_equal(from_list_parse(buf, len, a, 2, &n), FROM_OK);
	assert_int_equal(n, 50);
	assert_string_equal(a[1].domain, "d1.example");
	/* the parser never reads past len */
	assert_int_equal(from_list_parse("a@example.comXXXX", 11, a, 2, &n), FROM_OK);
	assert_string_equal(a[0].domain, "example.c");
}

struct msg_case {
	const char	*msg;
	enum from_err	 err;
	const char	*domain;
};

static void
test_extract(void **state)
{
	static const struct msg_case cases[] = {
		{ "From: a@example.com\r\nTo: b@example.org\r\n\r\nbody\r\n", FROM_OK, "example.com" },
		{ "to: b@example.org\r\nfrom : \"X\" <A@Example.NET>\r\n\r\n", FROM_OK, "example.net" },
		{ "From: a@example.com\r\n", FROM_OK, "example.com" },
		{ "Subject: x\r\n\r\nFrom: a@example.com\r\n", FROM_NO_FIELD, NULL },
		{ "From: a@example.com\r\nFrom: b@evil.example\r\n\r\n", FROM_MANY_FIELDS, NULL },
		{ "From: a@example.com, b@example.com\r\n\r\n", FROM_MANY_ADDRESSES, NULL },
		{ "From: Group:;\r\n\r\n", FROM_NO_ADDRESS, NULL },
		{ "From:\r\n\r\n", FROM_NO_ADDRESS, NULL },
		{ "From: a@\r\n\r\n", FROM_SYNTAX, NULL },
		{ "From: a@example.com\nTo: b\r\n\r\n", FROM_BAD_HEADER, NULL },
		{ "Resent-From: a@example.com\r\n\r\n", FROM_NO_FIELD, NULL },
		{ "From: a@example.com\r\n (folded comment)\r\n\r\n", FROM_OK, "example.com" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct from_result r;
		enum from_err err = from_extract(cases[i].msg, strlen(cases[i].msg), &r);

		if (err != cases[i].err || r.err != err)
			fail_msg("case %zu: err %d (%s), want %d", i, err, from_strerror(err),
			    cases[i].err);
		if (cases[i].domain != NULL && strcmp(r.addr[0].domain, cases[i].domain) != 0)
			fail_msg("case %zu: domain %s", i, r.addr[0].domain);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_long_local_part),
		cmocka_unit_test(test_list_many),
		cmocka_unit_test(test_extract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
