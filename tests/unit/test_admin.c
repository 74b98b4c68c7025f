/*
 * test_admin.c - the admin API's pieces that need no server: the JSON writer (commas,
 * nesting, the one escaping function on hostile bytes) and the bearer tokens (parsing
 * of [web] admin_tokens, the check).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "release-web/admin_auth.h"
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
	assert_string_equal(admin_tokens_check(&t, "abcdefghijklmnop", 16), "ops");
	assert_string_equal(admin_tokens_check(&t, "ABC.def~ghi+jkl/mno=-_", 22), "bot-2");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_structure),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_tokens_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
