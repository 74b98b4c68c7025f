/*
 * test_lang.c - Accept-Language negotiation between English and French.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "release-web/lang.h"

struct lcase { const char *header; int want; };	/* want: enum lang, or -1 */

static void
test_accept(void **state)
{
	static const struct lcase cases[] = {
		{ "fr", LANG_FR },
		{ "FR", LANG_FR },
		{ "en", LANG_EN },
		{ "fr-CA", LANG_FR },
		{ "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", LANG_FR },
		{ "en-US,en;q=0.9,fr;q=0.8", LANG_EN },
		{ "de-DE,de;q=0.9,fr;q=0.8,en;q=0.5", LANG_FR },
		{ "de, fr ; q=0.1", LANG_FR },
		{ "en;q=0.5, fr;q=0.6", LANG_FR },
		{ "fr;q=0.5, en;q=0.5", LANG_FR },	/* a tie: the first listed */
		{ "fr;q=0, en;q=0.1", LANG_EN },
		{ "fr;q=1.000", LANG_FR },
		{ "fr;Q=0.5", LANG_FR },
		{ "*", LANG_EN },
		{ "de, *;q=0.5", LANG_EN },
		{ "de,,fr", LANG_FR },
		{ " fr ", LANG_FR },
		{ "es-419, fr-x-private", LANG_FR },
		/* nothing served, or malformed: the caller takes the default */
		{ "", -1 },
		{ "de", -1 },
		{ "fr;q=0", -1 },
		{ "french", -1 },
		{ "fra", -1 },
		{ "fr;q=2", -1 },
		{ "fr;q=1.5", -1 },
		{ "fr;q=0.1234", -1 },
		{ "fr;q=.5", -1 },
		{ "fr;level=1", -1 },
		{ "fr;q=", -1 },
		{ "fr-", -1 },
		{ "-fr", -1 },
		{ "fr--CA", -1 },
		{ "fr-abcdefghi", -1 },
		{ "f\xc3\xa9", -1 },
		{ "fr en", -1 },
		{ "1r", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum lang l = LANG_COUNT;
		int r = lang_accept(cases[i].header, strlen(cases[i].header), &l);

		if (cases[i].want < 0) {
			if (r != -1)
				fail_msg("case %zu (%s): accepted as %d", i, cases[i].header, l);
		} else if (r != 0 || (int)l != cases[i].want)
			fail_msg("case %zu (%s): got r=%d lang=%d", i, cases[i].header, r, l);
	}
}

static void
test_limits(void **state)
{
	char buf[LANG_ACCEPT_MAX + 8];
	enum lang l;
	size_t i, n = 0;

	/* over LANG_ACCEPT_RANGES ranges */
	for (i = 0; i <= LANG_ACCEPT_RANGES; i++) {
		memcpy(buf + n, "de,", 3);
		n += 3;
	}
	memcpy(buf + n, "fr", 2);
	assert_int_equal(lang_accept(buf, n + 2, &l), -1);
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "fr", 2);
	assert_int_equal(lang_accept(buf, LANG_ACCEPT_MAX, &l), 0);
	assert_int_equal(l, LANG_FR);
	assert_int_equal(lang_accept(buf, LANG_ACCEPT_MAX + 1, &l), -1);
}

static void
test_names(void **state)
{
	enum lang l;

	assert_int_equal(lang_from_name("fr", 2, &l), 0);
	assert_int_equal(l, LANG_FR);
	assert_int_equal(lang_from_name("en", 2, &l), 0);
	assert_int_equal(l, LANG_EN);
	assert_int_equal(lang_from_name("FR", 2, &l), -1);
	assert_int_equal(lang_from_name("fr-", 3, &l), -1);
	assert_int_equal(lang_from_name("", 0, &l), -1);
	assert_string_equal(lang_name(LANG_FR), "fr");
	assert_string_equal(lang_name(LANG_EN), "en");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
