/*
 * test_idna.c - U-labels to A-labels and back (auth/idna.h): the conversions RFC 8616
 * asks of SPF, DKIM and DMARC, the choices idna.h makes (NFC, non-transitional TR46,
 * ASCII left alone), what is refused, and the bounds.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dns.h"
#include "auth/idna.h"

struct conv_case {
	const char	*in;
	enum idna_err	 err;
	const char	*out;	/* when IDNA_OK */
};

typedef enum idna_err conv_fn(const char *in, size_t len, char *out, size_t outsize,
    const char **reason);

/* Each case through fn with outsize bytes of output: its error, and its name when
 * OK; with empty_on_error, an error must leave an empty name and a reason. */
static void
run_cases(conv_fn *fn, const struct conv_case *cases, size_t n, size_t outsize,
    int empty_on_error)
{
	char out[DNS_NAME_MAX * 4 + 1];
	const char *why;
	size_t i;

	assert_true(outsize <= sizeof(out));
	for (i = 0; i < n; i++) {
		enum idna_err e = fn(cases[i].in, strlen(cases[i].in), out, outsize, &why);

		if (e != cases[i].err)
			fail_msg("case %zu (%s): err %d (%s), want %d", i, cases[i].in, e, why,
			    cases[i].err);
		if (e == IDNA_OK && strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu (%s): \"%s\", want \"%s\"", i, cases[i].in, out,
			    cases[i].out);
		if (empty_on_error && e != IDNA_OK &&
		    (out[0] != '\0' || why == NULL || why[0] == '\0'))
			fail_msg("case %zu: an error leaves an empty name and a reason", i);
	}
}

static void
test_to_ascii(void **state)
{
	static const struct conv_case cases[] = {
		/* U-labels become A-labels; ASCII labels around them stay */
		{ "bücher.example", IDNA_OK, "xn--bcher-kva.example" },
		{ "mail.bücher.example", IDNA_OK, "mail.xn--bcher-kva.example" },
		{ "münchen.de", IDNA_OK, "xn--mnchen-3ya.de" },
		{ "例え.テスト", IDNA_OK, "xn--r8jz45g.xn--zckzah" },
		{ "bücher.example.", IDNA_OK, "xn--bcher-kva.example." },
		{ "_dmarc.bücher.example", IDNA_OK, "_dmarc.xn--bcher-kva.example" },
		/* NFC: a decomposed u + U+0308 is the same domain */
		{ "bu\xcc\x88" "cher.example", IDNA_OK, "xn--bcher-kva.example" },
		/* TR46 mapping: case and width, as mail's case-insensitive names */
		{ "Bücher.EXAMPLE", IDNA_OK, "xn--bcher-kva.example" },
		{ "\xef\xbd\x82\xc3\xbc\xef\xbd\x83\xef\xbd\x88\xef\xbd\x85\xef\xbd\x92"
		  "\xef\xbc\x8e" "example", IDNA_OK, "xn--bcher-kva.example" },
		/* non-transitional: ß stays ß (faß.de is not fass.de, RFC 5891) */
		{ "faß.de", IDNA_OK, "xn--fa-hia.de" },
		{ "βόλος.gr", IDNA_OK, "xn--nxasmm1c.gr" },
		/* a valid A-label beside a U-label is kept */
		{ "xn--bcher-kva.münchen.de", IDNA_OK, "xn--bcher-kva.xn--mnchen-3ya.de" },
		/* ASCII alone never goes through IDNA: lower-cased, nothing else */
		{ "Example.COM", IDNA_OK, "example.com" },
		{ "xn--zz.example", IDNA_OK, "xn--zz.example" },
		{ "a..b", IDNA_OK, "a..b" },
		{ "", IDNA_OK, "" },
		/* refused: bytes that are not UTF-8, a bad A-label next to a U-label */
		{ "b\xfc" "cher.example", IDNA_INVALID, NULL },
		{ "b\xc3" "cher.example", IDNA_INVALID, NULL },
		{ "\xed\xa0\x80.example", IDNA_INVALID, NULL },	/* a UTF-16 surrogate */
		{ "xn--zz.bücher.example", IDNA_INVALID, NULL },
		/* an A-label decoding to a line separator (U+2028) */
		{ "xn--ab-x3t.bücher.example", IDNA_INVALID, NULL },
		/* disallowed code points and broken rules of RFC 5892/5893 */
		{ "a\xe2\x80\xa8" "b.example", IDNA_INVALID, NULL },	/* U+2028 */
		{ "\xc2\x85" "ü.example", IDNA_INVALID, NULL },		/* U+0085, C1 */
		{ "a\xe2\x80\x8d" "ü.example", IDNA_INVALID, NULL },	/* ZWJ, no virama */
		{ "ü\xd7\x90.example", IDNA_INVALID, NULL },		/* bidi: Latin + Hebrew */
		/* mapped to something no host name holds: U+2474 is "(2)" */
		{ "a\xe2\x91\xb5" "b.bücher.example", IDNA_INVALID, NULL },
		{ "ü..example", IDNA_INVALID, NULL },
		{ ".ü", IDNA_INVALID, NULL },
		{ "ü.exam ple", IDNA_INVALID, NULL },
	};

	run_cases(idna_to_ascii, cases, sizeof(cases) / sizeof(cases[0]), DNS_NAME_MAX + 1,
	    1);
}

static void
test_to_utf8(void **state)
{
	static const struct conv_case cases[] = {
		{ "xn--bcher-kva.example", IDNA_OK, "bücher.example" },
		{ "XN--BCHER-KVA.Example", IDNA_OK, "bücher.example" },
		{ "xn--fa-hia.de", IDNA_OK, "faß.de" },
		{ "_dmarc.xn--bcher-kva.example", IDNA_OK, "_dmarc.bücher.example" },
		{ "example.com", IDNA_OK, "example.com" },
		{ "Mail.Example.COM", IDNA_OK, "mail.example.com" },
		/* Punycode that is no valid U-label is never shown as one */
		{ "xn--zz.example", IDNA_INVALID, NULL },
		{ "xn--ab-x3t.example", IDNA_INVALID, NULL },	/* U+2028 */
		{ "xn--x-ka.example", IDNA_INVALID, NULL },	/* U+0085 */
		{ "xn--a-6m0i.example", IDNA_INVALID, NULL },	/* BOM: TR46 drops it */
		{ "xn--ab-m1t.example", IDNA_INVALID, NULL },	/* ZWJ */
		/* not NFC: the decomposed form has an A-label of its own */
		{ "xn--bucher-xyd.example", IDNA_INVALID, NULL },
		/* a U-label is not an A-label name */
		{ "bücher.example", IDNA_INVALID, NULL },
	};

	run_cases(idna_to_utf8, cases, sizeof(cases) / sizeof(cases[0]),
	    DNS_NAME_MAX * 4 + 1, 0);
}

/* Every U-label name converts to A-labels and back to itself. */
static void
test_round_trip(void **state)
{
	static const char *const names[] = {
		"bücher.example", "faß.de", "例え.テスト", "xn--bcher-kva.example",
		"mail.münchen.de", "ελληνικά.example", "пример.рф",
	};
	char a[DNS_NAME_MAX + 1], u[DNS_NAME_MAX * 4 + 1], a2[DNS_NAME_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(idna_to_ascii(names[i], strlen(names[i]), a, sizeof(a), NULL),
		    IDNA_OK);
		assert_int_equal(idna_to_utf8(a, strlen(a), u, sizeof(u), NULL), IDNA_OK);
		assert_int_equal(idna_to_ascii(u, strlen(u), a2, sizeof(a2), NULL), IDNA_OK);
		assert_string_equal(a, a2);
		if (idna_has_8bit(names[i], strlen(names[i])))
			assert_string_equal(u, names[i]);
	}
}

static void
test_bounds(void **state)
{
	char in[IDNA_INPUT_MAX + 2], out[DNS_NAME_MAX + 1], small[8];
	const char *why;
	size_t n;

	/* a label of 63 octets once converted fits; 64 does not ("ü" and 55 or 56 'a') */
	memset(in, 'a', sizeof(in));
	memcpy(in, "ü", 2);
	memcpy(in + 2 + 55, ".example", 9);
	assert_int_equal(idna_to_ascii(in, strlen(in), out, sizeof(out), &why), IDNA_OK);
	assert_int_equal(strchr(out, '.') - out, 63);
	memset(in, 'a', sizeof(in));
	memcpy(in, "ü", 2);
	memcpy(in + 2 + 56, ".example", 9);
	assert_int_equal(idna_to_ascii(in, strlen(in), out, sizeof(out), &why),
	    IDNA_TOO_LONG);
	/* 25 labels "üüüüü" (275 bytes) are 25 A-labels "xn--tdaaaaa": over 253 octets */
	for (n = 0; n < 25; n++)
		memcpy(in + n * 11, "üüüüü.", 11);
	memcpy(in + 25 * 11, "example", 8);
	assert_int_equal(idna_to_ascii(in, strlen(in), out, sizeof(out), &why),
	    IDNA_TOO_LONG);
	assert_string_equal(out, "");
	/* over IDNA_INPUT_MAX bytes: refused before any work */
	memset(in, 'a', sizeof(in));
	memcpy(in, "ü", 2);
	assert_int_equal(idna_to_ascii(in, IDNA_INPUT_MAX + 1, out, sizeof(out), &why),
	    IDNA_TOO_LONG);
	/* the output buffer bounds the result, ASCII or not */
	assert_int_equal(idna_to_ascii("bücher.example", 15, small, sizeof(small), &why),
	    IDNA_TOO_LONG);
	assert_string_equal(small, "");
	assert_int_equal(idna_to_ascii("example.com", 11, small, sizeof(small), &why),
	    IDNA_TOO_LONG);
	assert_int_equal(idna_to_utf8("xn--bcher-kva.example", 21, small, sizeof(small),
	    &why), IDNA_TOO_LONG);
	/* (buf, len): no NUL needed, a NUL inside refused */
	assert_int_equal(idna_to_ascii("bücher.exampleXYZ", 15, out, sizeof(out), &why),
	    IDNA_OK);
	assert_string_equal(out, "xn--bcher-kva.example");
	assert_int_equal(idna_to_ascii("b\0ü.example", 12, out, sizeof(out), &why),
	    IDNA_INVALID);
	assert_int_equal(idna_to_utf8("a\0.example", 10, out, sizeof(out), &why),
	    IDNA_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_ascii),
		cmocka_unit_test(test_to_utf8),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
