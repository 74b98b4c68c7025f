/*
 * test_admin.c - the admin API's pieces that need no server: the JSON writer (commas,
 * nesting, the one escaping function on hostile bytes), the bearer tokens (parsing
 * of [web] admin_tokens, the check, the merge of [web] and per-domain lists) and
 * the scope decisions of per-domain tokens (admin_scope.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "release-web/admin_auth.h"
#include "release-web/admin_scope.h"
#include "release-web/json.h"

static char *
take(struct json *j)
{
	size_t len;
	char *s = json_take(j, &len);

	assert_int_equal(strlen(s), len);
	return s;
}

static void
test_json_structure(void **state)
{
	struct json j;
	char *s;

	json_init(&j);
	json_obj_open(&j);
	json_key(&j, "a");
	json_arr_open(&j);
	json_int(&j, -1);
	json_uint(&j, 18446744073709551615ULL);
	json_obj_open(&j);
	json_obj_close(&j);
	json_arr_open(&j);
	json_arr_close(&j);
	json_bool(&j, 1);
	json_null(&j);
	json_arr_close(&j);
	json_key(&j, "b");
	json_str(&j, NULL);
	json_key(&j, "c");
	json_obj_open(&j);
	json_key(&j, "d");
	json_bool(&j, 0);
	json_obj_close(&j);
	json_obj_close(&j);
	s = take(&j);
	assert_string_equal(s, "{\"a\":[-1,18446744073709551615,{},[],true,null],\"b\":\"\","
	    "\"c\":{\"d\":false}}");
	free(s);
	/* an empty writer gives an empty string */
	s = take(&j);
	assert_string_equal(s, "");
	free(s);
	json_clear(&j);
}

static void
esc(const char *in, size_t len, const char *want)
{
	struct json j;
	char *s;

	json_init(&j);
	json_strn(&j, in, len);
	s = take(&j);
	assert_string_equal(s, want);
	free(s);
}

static void
test_json_escaping(void **state)
{
	esc("a\"b\\c/", 6, "\"a\\\"b\\\\c/\"");
	esc("\n\r\t\b\x01\x1f\x7f", 7, "\"\\n\\r\\t\\u0008\\u0001\\u001f\\u007f\"");
	esc("nul\0x", 5, "\"nul\\u0000x\"");
	/* valid UTF-8 is kept: 2, 3 and 4 bytes */
	esc("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* not UTF-8: a Latin-1 byte, a lone continuation, an overlong '/', a surrogate,
	 * above U+10FFFF, a sequence cut short */
	esc("caf\xe9", 4, "\"caf\\ufffd\"");
	esc("\x80", 1, "\"\\ufffd\"");
	esc("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	esc("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	esc("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	esc("\xe2\x82", 2, "\"\\ufffd\\ufffd\"");
	/* a key is escaped the same way */
	{
		struct json j;
		char *s;

		json_init(&j);
		json_obj_open(&j);
		json_key(&j, "k\"");
		json_int(&j, 1);
		json_obj_close(&j);
		s = take(&j);
		assert_string_equal(s, "{\"k\\\"\":1}");
		free(s);
	}
}

static void
test_tokens_parse(void **state)
{
	struct admin_tokens t;
	const char *why;
	const char *good = " ops:abcdefghijklmnop ,bot-2:ABC.def~ghi+jkl/mno=-_ ";
	static const char *const bad[] = {
		"", " ", ",", "ops:abcdefghijklmnop,", "ops:abcdefghijklmno",
		"ops", ":abcdefghijklmnop", "Ops:abcdefghijklmnop", "o p:abcdefghijklmnop",
		"ops:abcdefghijklmn p", "ops:abcdefghijklmnop,ops:qrstuvwxyz012345",
		"a:abcdefghijklmnop,b:abcdefghijklmnop", "ops:abcdefghijklmnop\"",
		"abcdefghijklmnopqrstuvwxyz0123456:abcdefghijklmnop",
	};
	size_t i;

	assert_int_equal(admin_tokens_parse(good, strlen(good), &t, &why), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.v[0].name, "ops");
	assert_string_equal(t.v[1].name, "bot-2");
	assert_string_equal(admin_tokens_check(&t, "abcdefghijklmnop", 16)->name, "ops");
	assert_string_equal(admin_tokens_check(&t, "ABC.def~ghi+jkl/mno=-_", 22)->name,
	    "bot-2");
	/* a parsed list reaches nothing until admin_tokens_add gives it a scope */
	assert_false(t.v[0].scope.all);
	assert_int_equal(t.v[0].scope.n, 0);
	/* a prefix, an extension, another case, empty: no */
	assert_null(admin_tokens_check(&t, "abcdefghijklmno", 15));
	assert_null(admin_tokens_check(&t, "abcdefghijklmnopq", 17));
	assert_null(admin_tokens_check(&t, "ABCDEFGHIJKLMNOP", 16));
	assert_null(admin_tokens_check(&t, "", 0));
	/* zero bytes after a token do not extend a match */
	assert_null(admin_tokens_check(&t, "abcdefghijklmnop\0", 17));
	admin_tokens_clear(&t);
	assert_null(t.v);
	admin_tokens_clear(&t);	/* twice: a no-op */

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (admin_tokens_parse(bad[i], strlen(bad[i]), &t, &why) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(why);
		assert_null(t.v);
		assert_int_equal(t.n, 0);
	}
}

#define TA "tokenA-aaaaaaaaaaaa"
#define TB "tokenB-bbbbbbbbbbbb"
#define TG "tokenG-gggggggggggg"

static const struct admin_token *
find(const struct admin_tokens *t, const char *tok)
{
	return admin_tokens_check(t, tok, strlen(tok));
}

/* [web] and per-domain lists merged: scopes, and the conflicts refused with t left
 * as it was. */
static void
test_tokens_merge(void **state)
{
	struct admin_tokens t;
	const struct admin_token *k;
	const char *why;
	static const struct { const char *list, *domain, *why; } bad[] = {
		{ "ops:" TG, "a.example", "token also in [web] admin_tokens" },
		{ "ops:" TA, "a.example", "name stands for another token elsewhere" },
		{ "other:" TA, "c.example", "token given elsewhere under another name" },
		{ "acme:" TB, "c.example", "name stands for another token elsewhere" },
		{ "acme:" TA, NULL, "token also in a [domain] admin_tokens" },
		{ "new:tokenN-nnnnnnnnnnnn,bad", "c.example", "expected name:token" },
		{ "x:tokenX-xxxxxxxxxxxx", "", "not a domain name" },
	};
	size_t i;

	memset(&t, 0, sizeof(t));
	assert_int_equal(admin_tokens_add(&t, "ops:" TG, strlen("ops:" TG), NULL, &why), 0);
	assert_int_equal(admin_tokens_add(&t, "acme:" TA, strlen("acme:" TA), "A.Example.",
	    &why), 0);
	assert_int_equal(admin_tokens_add(&t, "beta:" TB ", acme:" TA,
	    strlen("beta:" TB ", acme:" TA), "b.example", &why), 0);
	assert_int_equal(t.n, 3);
	k = find(&t, TG);
	assert_non_null(k);
	assert_true(k->scope.all);
	k = find(&t, TA);
	assert_string_equal(k->name, "acme");
	assert_false(k->scope.all);
	assert_int_equal(k->scope.n, 2);
	assert_string_equal(k->scope.domains[0], "a.example");
	assert_string_equal(k->scope.domains[1], "b.example");
	k = find(&t, TB);
	assert_int_equal(k->scope.n, 1);
	assert_string_equal(k->scope.domains[0], "b.example");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(admin_tokens_add(&t, bad[i].list, strlen(bad[i].list),
		    bad[i].domain, &why), -1);
		assert_string_equal(why, bad[i].why);
		assert_int_equal(t.n, 3);
		assert_int_equal(find(&t, TA)->scope.n, 2);
	}
	assert_null(find(&t, "tokenN-nnnnnnnnnnnn"));
	admin_tokens_clear(&t);
	assert_null(t.v);
}

/* The decisions: domains (case, trailing dot, prefixes and suffixes), addresses
 * (the last '@'), messages, whitelist entries. */
static void
test_scope(void **state)
{
	char *doms[] = { "a.example", "b.example", "m.example" };
	struct admin_scope s = { 0, doms, 3 }, all = { 1, NULL, 0 }, none = { 0, NULL, 0 };
	static const char *const in_a[] = { "x@a.example", "y@A.EXAMPLE." };
	static const char *const mixed[] = { "x@a.example", "y@c.example" };
	static const char *const out[] = { "x@c.example", "a.example@c.example" };
	static const struct { const char *d; int want; } cases[] = {
		{ "a.example", 1 }, { "B.Example", 1 }, { "m.example.", 1 },
		{ "c.example", 0 }, { "a.exampl", 0 }, { "a.example.org", 0 },
		{ "xa.example", 0 }, { "", 0 }, { ".", 0 }, { "a.example..", 0 },
		{ "0", 0 }, { "z.example", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(admin_scope_domain(&s, cases[i].d, strlen(cases[i].d)),
		    cases[i].want);
		assert_int_equal(admin_scope_domain(&none, cases[i].d, strlen(cases[i].d)), 0);
		assert_int_equal(admin_scope_domain(&all, cases[i].d, strlen(cases[i].d)), 1);
	}
	/* a NUL inside never matches a shorter name */
	assert_int_equal(admin_scope_domain(&s, "a.example\0x", 11), 0);
	assert_int_equal(admin_scope_rcpt(&s, "bob@a.example", 13), 1);
	assert_int_equal(admin_scope_rcpt(&s, "a.example", 9), 0);
	assert_int_equal(admin_scope_rcpt(&s, "bob@", 4), 0);
	assert_int_equal(admin_scope_rcpt(&s, "\"x@c.example\"@b.example", 23), 1);
	assert_int_equal(admin_scope_rcpt(&s, "x@a.example@c.example", 21), 0);
	assert_int_equal(admin_scope_held(&s, in_a, 2), ADMIN_REACH_ALL);
	assert_int_equal(admin_scope_held(&s, mixed, 2), ADMIN_REACH_PART);
	assert_int_equal(admin_scope_held(&s, out, 2), ADMIN_REACH_NONE);
	assert_int_equal(admin_scope_held(&s, out, 0), ADMIN_REACH_NONE);
	assert_int_equal(admin_scope_held(&all, mixed, 2), ADMIN_REACH_ALL);
	assert_int_equal(admin_scope_wl(&s, STORE_WL_GLOBAL, ""), 0);
	assert_int_equal(admin_scope_wl(&all, STORE_WL_GLOBAL, ""), 1);
	assert_int_equal(admin_scope_wl(&s, STORE_WL_DOMAIN, "A.example"), 1);
	assert_int_equal(admin_scope_wl(&s, STORE_WL_DOMAIN, "c.example"), 0);
	assert_int_equal(admin_scope_wl(&s, STORE_WL_DOMAIN, "x@a.example"), 0);
	assert_int_equal(admin_scope_wl(&s, STORE_WL_RECIPIENT, "x@a.example"), 1);
	assert_int_equal(admin_scope_wl(&s, STORE_WL_RECIPIENT, "x@c.example"), 0);
	assert_int_equal(admin_scope_wl(&s, STORE_WL_RECIPIENT, "a.example"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_structure),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_tokens_parse),
		cmocka_unit_test(test_tokens_merge),
		cmocka_unit_test(test_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
