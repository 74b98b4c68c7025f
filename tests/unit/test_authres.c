/*
 * test_authres.c - Authentication-Results: the field we add (golden text), values
 * from peers never breaking it, the authserv-id parser on hostile input, and the
 * fields to remove before relaying.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "auth/authres.h"

static void
test_build(void **state)
{
	struct authres_spf spf = { "pass", "example.com", "mx.example.com", NULL };
	struct authres_dkim dkim[] = {
		{ "pass", "example.com", "sel1", "dGhpcyBpcyBh\r\n IHNpZ25hdHVyZQ==", NULL },
		{ "fail", "example.com", "sel2", "dGhpcyBpcyBvdGhlcg==", "signature did not verify" },
		{ "pass", "lists.example.org", "s", "abc", NULL },
	};
	struct authres_dmarc dmarc = { "pass", "example.com", "reject", NULL };
	const char *want =
	    "Authentication-Results: mx.ecluse.example;\r\n"
	    "\tspf=pass smtp.mailfrom=example.com;\r\n"
	    "\tdkim=pass header.d=example.com header.s=sel1 header.b=dGhpcyBpcyBh;\r\n"
	    "\tdkim=fail reason=\"signature did not verify\" header.d=example.com"
	    " header.s=sel2 header.b=dGhpcyBpcyBv;\r\n"
	    "\tdkim=pass header.d=lists.example.org header.s=s header.b=abc;\r\n"
	    "\tdmarc=pass header.from=example.com policy.dmarc=reject\r\n";
	char *got = authres_build("mx.ecluse.example", &spf, dkim, 3, &dmarc, 0);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);

	/* null sender: smtp.helo; no signature, no DMARC record */
	spf = (struct authres_spf){ "softfail", NULL, "client.example.net", NULL };
	dkim[0] = (struct authres_dkim){ "none", NULL, NULL, NULL, NULL };
	dmarc = (struct authres_dmarc){ "none", "example.net", NULL, NULL };
	got = authres_build("mx", &spf, dkim, 1, &dmarc, 0);
	assert_string_equal(got, "Authentication-Results: mx;\r\n"
	    "\tspf=softfail smtp.helo=client.example.net;\r\n"
	    "\tdkim=none;\r\n"
	    "\tdmarc=none header.from=example.net\r\n");
	free(got);

	got = authres_build("mx", NULL, NULL, 0, NULL, 0);
	assert_string_equal(got, "Authentication-Results: mx; none\r\n");
	free(got);

	assert_null(authres_build("", NULL, NULL, 0, NULL, 0));
	assert_null(authres_build("bad\r\nid", NULL, NULL, 0, NULL, 0));
}

static void
test_build_hostile(void **state)
{
	/* peer values: quoted when not a token, dropped when not printable ASCII */
	struct authres_spf spf = { "fail", "evil.example\r\nX-Injected: 1", NULL, NULL };
	struct authres_dkim dkim[] = {
		{ "pass", "a\"b\\c.example", "s;1", "AAAAAAAA/1", NULL },
		{ "pass", "d\xc3\xa9.example", "s", "AAAAAAAA/2", NULL },
	};
	struct authres_dmarc dmarc = { "fail", "x=y.example", "quarantine", NULL };
	char *got = authres_build("mx", &spf, dkim, 2, &dmarc, 0);

	assert_string_equal(got, "Authentication-Results: mx;\r\n"
	    "\tspf=fail;\r\n"
	    "\tdkim=pass header.d=\"a\\\"b\\\\c.example\" header.s=\"s;1\""
	    " header.b=\"AAAAAAAA/1\";\r\n"
	    /* same first eight characters: the prefix grows until it differs */
	    "\tdkim=pass header.s=s header.b=\"AAAAAAAA/2\";\r\n"
	    "\tdmarc=fail header.from=\"x=y.example\" policy.dmarc=quarantine\r\n");
	free(got);
}

/*
 * An internationalized message (RFC 6532) gets its U-labels (RFC 8616 5), quoted;
 * only well-formed UTF-8 text passes, never a control character, and a message that
 * is not internationalized still gets no 8-bit byte.
 */
static void
test_build_utf8(void **state)
{
	struct authres_spf spf = { "pass", "bücher.example", NULL, NULL };
	struct authres_dkim dkim[] = {
		{ "pass", "bücher.example", "sel", "AAAA", NULL },
		{ "pass", "b\xfc" "cher.example", "s", "BBBB", NULL },		/* Latin-1 */
		{ "pass", "a\xc2\x85" "b.example", "s", "CCCC", NULL },		/* U+0085 */
		{ "pass", "a\xc0\xae" ".example", "s", "DDDD", NULL },		/* overlong */
		{ "pass", "a\xed\xa0\x80" ".example", "s", "EEEE", NULL },	/* surrogate */
		{ "pass", "a\xf4\x90\x80\x80" ".example", "s", "FFFF", NULL },	/* > U+10FFFF */
		{ "pass", "a\xe2\x82" ".example", "s", "GGGG", NULL },		/* cut short */
		{ "pass", "xn--bcher-kva.example", "s", "HHHH", NULL },
	};
	struct authres_dmarc dmarc = { "pass", "例え.テスト", "reject", NULL };
	char *got = authres_build("mx", &spf, dkim, 8, &dmarc, 1);

	assert_string_equal(got, "Authentication-Results: mx;\r\n"
	    "\tspf=pass smtp.mailfrom=\"bücher.example\";\r\n"
	    "\tdkim=pass header.d=\"bücher.example\" header.s=sel header.b=AAAA;\r\n"
	    "\tdkim=pass header.s=s header.b=BBBB;\r\n"
	    "\tdkim=pass header.s=s header.b=CCCC;\r\n"
	    "\tdkim=pass header.s=s header.b=DDDD;\r\n"
	    "\tdkim=pass header.s=s header.b=EEEE;\r\n"
	    "\tdkim=pass header.s=s header.b=FFFF;\r\n"
	    "\tdkim=pass header.s=s header.b=GGGG;\r\n"
	    "\tdkim=pass header.d=xn--bcher-kva.example header.s=s header.b=HHHH;\r\n"
	    "\tdmarc=pass header.from=\"例え.テスト\" policy.dmarc=reject\r\n");
	free(got);

	got = authres_build("mx", &spf, dkim, 1, &dmarc, 0);
	assert_string_equal(got, "Authentication-Results: mx;\r\n"
	    "\tspf=pass;\r\n"
	    "\tdkim=pass header.s=sel header.b=AAAA;\r\n"
	    "\tdmarc=pass policy.dmarc=reject\r\n");
	free(got);
}

static void
test_parse_id(void **state)
{
	static const struct { const char *v; enum authres_err err; const char *id; } cases[] = {
		{ " mx.example.com; spf=pass", AUTHRES_OK, "mx.example.com" },
		{ "mx.example.com;spf=pass", AUTHRES_OK, "mx.example.com" },
		{ "mx.example.com 1; spf=pass", AUTHRES_OK, "mx.example.com" },
		{ "mx.example.com; none", AUTHRES_OK, "mx.example.com" },
		{ "mx.example.com", AUTHRES_OK, "mx.example.com" },
		{ " (comment (nested)) MX.Example.COM (c); none", AUTHRES_OK, "MX.Example.COM" },
		{ "\r\n\tmx.example.com;\r\n\tspf=pass", AUTHRES_OK, "mx.example.com" },
		{ "\"mx.example.com\"; none", AUTHRES_OK, "mx.example.com" },
		{ "\"mx\\.example\\\"x\"; none", AUTHRES_OK, "mx.example\"x" },
		{ "mx.example.com(c); none", AUTHRES_OK, "mx.example.com" },
		/* refused */
		{ "", AUTHRES_SYNTAX, NULL },
		{ "   ", AUTHRES_SYNTAX, NULL },
		{ "; spf=pass", AUTHRES_SYNTAX, NULL },
		{ "(unclosed mx.example.com; none", AUTHRES_SYNTAX, NULL },
		{ "mx.example.com/x; none", AUTHRES_SYNTAX, NULL },
		{ "mx.example.com=x; none", AUTHRES_SYNTAX, NULL },
		{ "\"mx.example.com; none", AUTHRES_SYNTAX, NULL },
		{ "\"\"; none", AUTHRES_SYNTAX, NULL },
		{ "mx.example.com\n; none", AUTHRES_SYNTAX, NULL },
		{ "\nmx.example.com; none", AUTHRES_SYNTAX, NULL },
		{ "mx.ex\xc3\xa4mple.com; none", AUTHRES_SYNTAX, NULL },
		{ "\"mx\x01\"; none", AUTHRES_SYNTAX, NULL },
		{ "(((((((((((((((((deep))))))))))))))))) mx; none", AUTHRES_SYNTAX, NULL },
	};
	char id[AUTHRES_ID_MAX + 1], big[600];
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum authres_err err = authres_parse_id(cases[i].v, strlen(cases[i].v), id,
		    sizeof(id), &n);

		if (err != cases[i].err)
			fail_msg("case %zu \"%s\": err %d", i, cases[i].v, err);
		if (err == AUTHRES_OK && (strcmp(id, cases[i].id) != 0 ||
		    n != strlen(cases[i].id)))
			fail_msg("case %zu: id \"%s\"", i, id);
	}
	memset(big, 'a', sizeof(big));
	assert_int_equal(authres_parse_id(big, AUTHRES_ID_MAX, id, sizeof(id), &n),
	    AUTHRES_OK);
	assert_int_equal(authres_parse_id(big, AUTHRES_ID_MAX + 1, id, sizeof(id), &n),
	    AUTHRES_TOO_LONG);
	/* never reads past len */
	assert_int_equal(authres_parse_id("mx.example.com", 2, id, sizeof(id), &n), AUTHRES_OK);
	assert_string_equal(id, "mx");
}

static void
test_find(void **state)
{
	const char *msg =
	    "Received: from x\r\n"
	    "Authentication-Results: MX.ecluse.example; spf=pass smtp.mailfrom=a.example\r\n"
	    "Authentication-Results: other.example; dkim=pass\r\n"
	    "authentication-results: (forged)\r\n \"mx.ecluse.example\"; dmarc=pass\r\n"
	    "Authentication-Results: mx.ecluse.example.evil; spf=pass\r\n"
	    "Authentication-Results: mx.ecluse.example/x; spf=pass\r\n"
	    "Subject: Authentication-Results: mx.ecluse.example\r\n"
	    "\r\n"
	    "Authentication-Results: mx.ecluse.example; in the body\r\n";
	struct authres_range r[8];
	size_t n;

	assert_int_equal(authres_find(msg, strlen(msg), "mx.ecluse.example", r, 8, &n),
	    AUTHRES_FIND_OK);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].kind, AUTHRES_OURS);
	assert_memory_equal(msg + r[0].off, "Authentication-Results: MX.ecluse", 33);
	assert_memory_equal(msg + r[0].off + r[0].len - 11, "a.example\r\n", 11);
	assert_int_equal(r[1].kind, AUTHRES_OURS);
	assert_memory_equal(msg + r[1].off, "authentication-results: (forged)", 32);
	assert_int_equal(r[2].kind, AUTHRES_MALFORMED);
	assert_memory_equal(msg + r[2].off, "Authentication-Results: mx.ecluse.example/x", 43);

	assert_int_equal(authres_find(msg, strlen(msg), "mx.ecluse.example", r, 2, &n),
	    AUTHRES_FIND_TOO_MANY);
	assert_int_equal(authres_find("Bad\n\r\n", 6, "mx", r, 2, &n), AUTHRES_FIND_HEADER);
	assert_int_equal(authres_find("A: b\r\n\r\n", 8, "mx", r, 2, &n), AUTHRES_FIND_OK);
	assert_int_equal(n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_build_hostile),
		cmocka_unit_test(test_build_utf8),
		cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
