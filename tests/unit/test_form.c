/*
 * test_form.c - the urlencoded form parser: what browsers send is decoded, anything
 * else is refused with the right error.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "release-web/form.h"

static void
test_good(void **state)
{
	struct form f;
	const char *why;
	const char *body = "c=AbC_-9&answer=+x%2By+&csrf=a.b*c~d&e=";

	assert_int_equal(form_parse(body, strlen(body), &f, &why), FORM_OK);
	assert_int_equal(f.n, 4);
	assert_string_equal(form_get(&f, "c")->val, "AbC_-9");
	assert_string_equal(form_get(&f, "answer")->val, " x+y ");
	assert_int_equal(form_get(&f, "answer")->len, 5);
	assert_string_equal(form_get(&f, "csrf")->val, "a.b*c~d");
	assert_string_equal(form_get(&f, "e")->val, "");
	assert_null(form_get(&f, "missing"));
	form_clear(&f);

	/* UTF-8 as browsers send it, in either hex case */
	assert_int_equal(form_parse("a=%C3%a9", 8, &f, &why), FORM_OK);
	assert_string_equal(form_get(&f, "a")->val, "\xc3\xa9");
	form_clear(&f);

	assert_int_equal(form_parse("", 0, &f, &why), FORM_OK);
	assert_int_equal(f.n, 0);
	form_clear(&f);
}

struct bad { const char *body; enum form_err want; };

static void
test_bad(void **state)
{
	static const struct bad cases[] = {
		{ "a", FORM_E_SYNTAX },
		{ "a=1&", FORM_E_SYNTAX },
		{ "&a=1", FORM_E_SYNTAX },
		{ "a=1&&b=2", FORM_E_SYNTAX },
		{ "=1", FORM_E_SYNTAX },
		{ "a%41=1", FORM_E_SYNTAX },
		{ "a b=1", FORM_E_SYNTAX },
		{ "abcdefghijabcdefghijabcdefghijabc=1", FORM_E_SYNTAX },
		{ "a=%", FORM_E_PERCENT },
		{ "a=%4", FORM_E_PERCENT },
		{ "a=%4g", FORM_E_PERCENT },
		{ "a=%G1", FORM_E_PERCENT },
		{ "a=%00", FORM_E_PERCENT },
		{ "a=x y", FORM_E_PERCENT },
		{ "a=x=y", FORM_E_PERCENT },
		{ "a=\xc3\xa9", FORM_E_PERCENT },
		{ "a=x\r\n", FORM_E_PERCENT },
		{ "a=/", FORM_E_PERCENT },
		{ "a=1&a=2", FORM_E_DUPLICATE },
		{ "a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1", FORM_E_TOO_MANY },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct form f;
		const char *why = NULL;
		enum form_err e = form_parse(cases[i].body, strlen(cases[i].body), &f, &why);

		if (e != cases[i].want)
			fail_msg("case %zu (%s): got %d want %d", i, cases[i].body, e,
			    cases[i].want);
		assert_non_null(why);
		assert_int_equal(f.n, 0);
	}
}

static void
test_embedded_nul_and_size(void **state)
{
	struct form f;
	const char *why;
	char *big = malloc(FORM_MAX_BODY + 1);

	/* a raw NUL byte is not a browser's */
	assert_int_equal(form_parse("a=x\0y", 5, &f, &why), FORM_E_PERCENT);
	memset(big, 'a', FORM_MAX_BODY + 1);
	big[0] = 'a';
	big[1] = '=';
	assert_int_equal(form_parse(big, FORM_MAX_BODY + 1, &f, &why), FORM_E_TOO_BIG);
	assert_int_equal(form_parse(big, FORM_MAX_BODY, &f, &why), FORM_OK);
	assert_int_equal(form_get(&f, "a")->len, FORM_MAX_BODY - 2);
	form_clear(&f);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_embedded_nul_and_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
