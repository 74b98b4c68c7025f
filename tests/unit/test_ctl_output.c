/*
 * test_ctl_output.c - eclusectl's output of network strings (terminal-safe text,
 * JSON) and its time parsing and printing.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/output.h"

/* Runs fn(f, in) into a memory stream and returns the text (static buffer). */
static const char *
capture(void (*fn)(FILE *, const char *), const char *in)
{
	static char out[1024];
	FILE *f;

	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out), "w");

	assert_non_null(f);
	fn(f, in);
	fclose(f);
	return out;
}

static void
test_text(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain ascii", "plain ascii" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7" },
		{ "\x1b[31mred", "\\x1B[31mred" },
		{ "line\nforged: yes", "line\\x0Aforged: yes" },
		{ "cr\rtab\t", "cr\\x0Dtab\\x09" },
		{ "del\x7f", "del\\x7F" },
		{ "c1 \xc2\x9b", "c1 \\xC2\\x9B" },		/* U+009B CSI */
		{ "back\\slash", "back\\\\slash" },
		{ "bad \xff\xfe", "bad \\xFF\\xFE" },
		{ "overlong \xc0\xaf", "overlong \\xC0\\xAF" },
		{ "surrogate \xed\xa0\x80", "surrogate \\xED\\xA0\\x80" },
		{ "too big \xf4\x90\x80\x80", "too big \\xF4\\x90\\x80\\x80" },
		{ "cut \xe2\x82", "cut \\xE2\\x82" },
		{ "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(capture(out_text, cases[i].in), cases[i].want);
}

static void
test_json(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "nl\ncr\rtab\t", "\"nl\\ncr\\rtab\\t\"" },
		{ "\x1b\x01\x7f", "\"\\u001b\\u0001\\u007f\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "bad\xff!", "\"bad\\ufffd!\"" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "", "\"\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(capture(out_json_str, cases[i].in), cases[i].want);
}

static void
test_times(void **state)
{
	static const struct { const char *in; int ok; int64_t want; } cases[] = {
		{ "2023-11-14", 0, 1699920000 },
		{ "2023-11-14T22:13:20Z", 0, 1700000000 },
		{ "1700000000", 0, 1700000000 },
		{ "1970-01-01", 0, 0 },
		{ "2024-02-29", 0, 1709164800 },
		{ "2023-02-29", -1, 0 },
		{ "2023-02-31", -1, 0 },
		{ "2023-13-01", -1, 0 },
		{ "2023-11-14T24:00:00Z", -1, 0 },
		{ "2023-11-14T22:13:20", -1, 0 },	/* UTC only, said with Z */
		{ "2023-11-14 22:13:20Z", -1, 0 },
		{ "2023-1-14", -1, 0 },
		{ "23-11-14", -1, 0 },
		{ "2023-11-14x", -1, 0 },
		{ "yesterday", -1, 0 },
		{ "", -1, 0 },
		{ "99999999999999999999999", -1, 0 },
	};
	char buf[OUT_TIME_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = -1;

		assert_int_equal(out_parse_time(cases[i].in, &t), cases[i].ok);
		if (cases[i].ok == 0)
			assert_int_equal(t, cases[i].want);
	}
	assert_string_equal(out_time(1700000000, buf), "2023-11-14T22:13:20Z");
	assert_string_equal(out_time(0, buf), "-");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
