/*
 * test_smtp_parse.c - the SMTP command and path parser, table-driven: every relay
 * form refused as relay (550), syntax errors as syntax (501), parameters.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "smtpd/parse.h"

struct rcpt_case {
	const char	*arg;
	int		 utf8;
	enum parse_err	 want;
	const char	*addr;
};

static void
test_rcpt(void **state)
{
	static const struct rcpt_case cases[] = {
		{ "TO:<bob@example.org>", 0, P_OK, "bob@example.org" },
		{ "to:<Bob.Smith+tag@Example.ORG>", 0, P_OK, "Bob.Smith+tag@Example.ORG" },
		{ "TO: <bob@example.org>", 0, P_OK, "bob@example.org" },
		{ "TO:<\"john doe\"@example.org>", 0, P_OK, "\"john doe\"@example.org" },
		/* open-relay forms (nmap smtp-open-relay, mail-abuse.org) */
		{ "TO:<user%ext.example@example.org>", 0, P_RELAY, NULL },
		{ "TO:<ext.example!user@example.org>", 0, P_RELAY, NULL },
		{ "TO:<ext.example!user>", 0, P_RELAY, NULL },
		{ "TO:<\"user@ext.example\"@example.org>", 0, P_RELAY, NULL },
		{ "TO:<\"user%ext.example\"@example.org>", 0, P_RELAY, NULL },
		{ "TO:<\"user@ext.example\">", 0, P_RELAY, NULL },
		{ "TO:<user@ext.example@example.org>", 0, P_RELAY, NULL },
		{ "TO:<@example.org:user@ext.example>", 0, P_RELAY, NULL },
		{ "TO:<@a.example,@b.example:user@ext.example>", 0, P_RELAY, NULL },
		{ "TO:<user@[127.0.0.1]>", 0, P_RELAY, NULL },
		{ "TO:<postmaster>", 0, P_RELAY, NULL },
		{ "TO:<>", 0, P_RELAY, NULL },
		/* syntax */
		{ "TO:bob@example.org", 0, P_PATH, NULL },
		{ "TO:<bob@example.org", 0, P_PATH, NULL },
		{ "TO:<bob@exa mple.org>", 0, P_PATH, NULL },
		{ "TO:<bob@-example.org>", 0, P_PATH, NULL },
		{ "TO:<bob@example..org>", 0, P_PATH, NULL },
		{ "TO:<.bob@example.org>", 0, P_PATH, NULL },
		{ "TO:<bo..b@example.org>", 0, P_PATH, NULL },
		{ "TO:<\"bob\"x@example.org>", 0, P_PATH, NULL },
		{ "TO:<bob@example.org> NOTIFY=NEVER", 0, P_PARAM_UNKNOWN, NULL },
		{ "FROM:<bob@example.org>", 0, P_SYNTAX, NULL },
		/* RFC 5321 4.5.3.1.1: local part at most 64 octets */
		{ "TO:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org>", 0, P_PATH, NULL },
		/* RFC 5321 4.5.3.1.3: a path is at most 256 octets */
		{ "TO:<a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.example>", 0, P_PATH, NULL },
		/* RFC 6531 */
		{ "TO:<j\xc3\xb6rg@example.org>", 0, P_UTF8, NULL },
		{ "TO:<j\xc3\xb6rg@example.org>", 1, P_OK, "j\xc3\xb6rg@example.org" },
		{ "TO:<\"j\xc3\xb6rg\"@example.org>", 0, P_UTF8, NULL },
		{ "TO:<\"a\\\xc3\xb6\"@example.org>", 0, P_UTF8, NULL },
		{ "TO:<\"j\xc3\xb6rg\"@example.org>", 1, P_OK, "j\xc3\xb6rg@example.org" },
		/* RFC 5321 4.1.2: one form per mailbox, the least quoted */
		{ "TO:<\"bob\"@example.org>", 0, P_OK, "bob@example.org" },
		{ "TO:<\"\\b\\o.b\"@example.org>", 0, P_OK, "bo.b@example.org" },
		{ "TO:<\"b..b\"@example.org>", 0, P_OK, "\"b..b\"@example.org" },
		{ "TO:<\".bob\"@example.org>", 0, P_OK, "\".bob\"@example.org" },
		{ "TO:<\"\"@example.org>", 0, P_OK, "\"\"@example.org" },
		{ "TO:<\"a\\ b\\\"c\\\\\"@example.org>", 0, P_OK, "\"a b\\\"c\\\\\"@example.org" },
		{ "TO:<\"a\\\x7f\"@example.org>", 0, P_PATH, NULL },
		/* angle brackets inside quotes: valid, but refused (see parse.h) */
		{ "TO:<\"a>b\"@example.org>", 0, P_ANGLE, NULL },
		{ "TO:<\"a<b\"@example.org>", 0, P_ANGLE, NULL },
		{ "TO:<\"a\\>b\"@example.org>", 0, P_ANGLE, NULL },
		{ "TO:<\">\"@example.org>", 0, P_ANGLE, NULL },
		{ "TO:<\"a>@b\"@example.org>", 0, P_RELAY, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_path p;
		enum parse_err e = smtp_parse_rcpt(cases[i].arg, strlen(cases[i].arg),
		    cases[i].utf8, &p);

		if (e != cases[i].want)
			fail_msg("case %zu \"%s\": got %d, want %d", i, cases[i].arg, e,
			    cases[i].want);
		if (cases[i].addr != NULL) {
			assert_string_equal(p.addr, cases[i].addr);
			assert_int_equal(p.addr[p.at], '@');
		}
	}
}

struct mail_case {
	const char	*arg;
	enum parse_err	 want;
	const char	*addr;
	unsigned long long size;
	enum body_type	 body;
	int		 utf8;
};

static void
test_mail(void **state)
{
	static const struct mail_case cases[] = {
		{ "FROM:<a@example.org>", P_OK, "a@example.org", 0, BODY_NONE, 0 },
		{ "FROM:<>", P_OK, "", 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org> SIZE=1000 BODY=8BITMIME", P_OK, "a@example.org", 1000, BODY_8BITMIME, 0 },
		{ "FROM:<a@example.org> body=7bit", P_OK, "a@example.org", 0, BODY_7BIT, 0 },
		{ "FROM:<j\xc3\xb6@example.org> SMTPUTF8", P_OK, "j\xc3\xb6@example.org", 0, BODY_NONE, 1 },
		{ "FROM:<j\xc3\xb6@example.org>", P_UTF8, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<\"j\xc3\xb6\"@example.org>", P_UTF8, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<\"a%b\"@example.org>", P_OK, "a%b@example.org", 0, BODY_NONE, 0 },
		{ "FROM:<\"a>b\"@example.org>", P_ANGLE, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<\"a>b\"@example.org> SIZE=10", P_ANGLE, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<\"a<b\"@example.org>", P_ANGLE, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<\"a b\"@example.org> SIZE=10", P_OK, "\"a b\"@example.org", 10, BODY_NONE, 0 },
		{ "FROM:<@relay.example:\"a b\"@example.org>", P_OK, "\"a b\"@example.org", 0, BODY_NONE, 0 },
		/* RFC 5321 3.6.1: a source route in MAIL is accepted and ignored */
		{ "FROM:<@relay.example:a@example.org>", P_OK, "a@example.org", 0, BODY_NONE, 0 },
		{ "FROM:<a@[192.0.2.1]>", P_OK, "a@[192.0.2.1]", 0, BODY_NONE, 0 },
		{ "FROM:<spamtest>", P_PATH, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@b@example.org>", P_PATH, NULL, 0, BODY_NONE, 0 },
		{ "FROM:a@example.org", P_PATH, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org> SIZE=", P_PARAM, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org> SIZE=12x", P_PARAM, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org> SIZE=999999999999999999999", P_PARAM, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org> SIZE=1 SIZE=2", P_PARAM, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org> BODY=BINARYMIME", P_PARAM, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org> AUTH=<>", P_PARAM_UNKNOWN, NULL, 0, BODY_NONE, 0 },
		{ "FROM:<a@example.org>SIZE=1", P_SYNTAX, NULL, 0, BODY_NONE, 0 },
		{ "TO:<a@example.org>", P_SYNTAX, NULL, 0, BODY_NONE, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct smtp_path p;
		struct mail_params mp;
		enum parse_err e = smtp_parse_mail(cases[i].arg, strlen(cases[i].arg), &p, &mp);

		if (e != cases[i].want)
			fail_msg("case %zu \"%s\": got %d, want %d", i, cases[i].arg, e,
			    cases[i].want);
		if (e != P_OK)
			continue;
		assert_string_equal(p.addr, cases[i].addr);
		assert_int_equal(mp.size, cases[i].size);
		assert_int_equal(mp.body, cases[i].body);
		assert_int_equal(mp.smtputf8, cases[i].utf8);
	}
}

static void
test_verb(void **state)
{
	static const struct { const char *line; enum smtp_verb v; const char *arg; } cases[] = {
		{ "EHLO client.example", V_EHLO, "client.example" },
		{ "ehlo   client.example  ", V_EHLO, "client.example" },
		{ "MAIL FROM:<a@b.c>", V_MAIL, "FROM:<a@b.c>" },
		{ "QUIT", V_QUIT, "" },
		{ "STARTTLS", V_STARTTLS, "" },
		{ "MAILX", V_UNKNOWN, "" },
		{ "", V_UNKNOWN, "" },
		{ "BDAT 100 LAST", V_BDAT, "100 LAST" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *arg;
		size_t alen;
		enum smtp_verb v = smtp_parse_verb(cases[i].line, strlen(cases[i].line), &arg,
		    &alen);

		assert_int_equal(v, cases[i].v);
		if (v != V_UNKNOWN) {
			assert_int_equal(alen, strlen(cases[i].arg));
			assert_memory_equal(arg, cases[i].arg, alen);
		}
	}
	assert_int_equal(smtp_parse_helo("mx.example.org", 14), P_OK);
	assert_int_equal(smtp_parse_helo("[192.0.2.1]", 11), P_OK);
	assert_int_equal(smtp_parse_helo("", 0), P_SYNTAX);
	assert_int_equal(smtp_parse_helo("a b", 3), P_SYNTAX);
	assert_int_equal(smtp_parse_helo("evil)(x", 7), P_SYNTAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_verb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
