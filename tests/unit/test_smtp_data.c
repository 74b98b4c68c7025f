/*
 * test_smtp_data.c - the DATA machine: the only end of data is CRLF.CRLF, every
 * smuggling sequence is flagged and never ends the data, unstuffing is byte-exact,
 * and the result does not depend on where the input is cut into reads.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtpd/data.h"

struct run {
	char	 out[4096];
	size_t	 outlen;
	size_t	 consumed;	/* offset just after the end of data; 0 if none */
	unsigned flags;
};

/* Feeds in pieces of `step` octets, as reads from the network might cut it. */
static void
feed(const char *in, size_t len, size_t step, size_t max, struct run *r)
{
	struct data_parser dp;
	size_t off = 0;
	char tmp[4096 + 2];

	memset(r, 0, sizeof(*r));
	data_init(&dp, max);
	while (off < len) {
		size_t n = len - off < step ? len - off : step, used, olen;
		int done;

		used = data_feed(&dp, in + off, n, tmp, &olen, &done);
		memcpy(r->out + r->outlen, tmp, olen);
		r->outlen += olen;
		off += used;
		if (done) {
			r->consumed = off;
			break;
		}
	}
	r->flags = dp.flags;
}

struct dcase {
	const char	*in;
	size_t		 inlen;
	const char	*out;		/* NULL: flagged, content unused */
	size_t		 consumed;	/* 0: no end of data */
	unsigned	 flags;
};

#define S(x) x, sizeof(x) - 1

static void
test_table(void **state)
{
	static const struct dcase cases[] = {
		{ S("a\r\n.\r\n"), "a\r\n", 6, 0 },
		{ S(".\r\n"), "", 3, 0 },
		{ S("a\r\n..\r\n.\r\n"), "a\r\n.\r\n", 10, 0 },
		{ S("..x\r\n.\r\nMAIL"), ".x\r\n", 8, 0 },
		{ S(".x\r\n.\r\n"), "x\r\n", 7, 0 },
		{ S("a\r\n.\r\nQUIT\r\n"), "a\r\n", 6, 0 },
		/* smuggling sequences (testdata/smtp/smtp-smuggling-cases.tsv) */
		{ S("a\r\n\n.\nX\r\n.\r\n"), NULL, 12, DATA_BARE_CR_LF },
		{ S("a\r\n\n.\r\nX\r\n.\r\n"), NULL, 13, DATA_BARE_CR_LF },
		{ S("a\r\n.\nX\r\n.\r\n"), NULL, 11, DATA_BARE_CR_LF },
		{ S("a\r\n\r.\rX\r\n.\r\n"), NULL, 12, DATA_BARE_CR_LF },
		{ S("a\r\n\r.\nX\r\n.\r\n"), NULL, 12, DATA_BARE_CR_LF },
		{ S("a\r\n\n.\rX\r\n.\r\n"), NULL, 12, DATA_BARE_CR_LF },
		{ S("a\r\n\r.\r\nX\r\n.\r\n"), NULL, 13, DATA_BARE_CR_LF },
		{ S("a\r\n.\rX\r\n.\r\n"), NULL, 11, DATA_BARE_CR_LF },
		{ S("a\r\n.\r\r\nX\r\n.\r\n"), NULL, 13, DATA_BARE_CR_LF },
		{ S("a\r\r\n.\r\r\nX\r\n.\r\n"), NULL, 14, DATA_BARE_CR_LF },
		{ S("a\r\n\0.\r\nX\r\n.\r\n"), NULL, 13, DATA_NUL },
		{ S("a\r\n.\0\r\nX\r\n.\r\n"), NULL, 13, DATA_NUL },
		/* no end at all */
		{ S("a\r\n.\n"), NULL, 0, DATA_BARE_CR_LF },
		{ S("a\r\n"), "a\r\n", 0, 0 },
	};
	size_t i, step;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (step = 1; step <= cases[i].inlen; step++) {
			struct run r;

			feed(cases[i].in, cases[i].inlen, step, 1 << 20, &r);
			if (r.consumed != cases[i].consumed || r.flags != cases[i].flags)
				fail_msg("case %zu step %zu: consumed %zu flags %u, want %zu %u",
				    i, step, r.consumed, r.flags, cases[i].consumed,
				    cases[i].flags);
			if (cases[i].out != NULL && (r.outlen != strlen(cases[i].out) ||
			    memcmp(r.out, cases[i].out, r.outlen) != 0))
				fail_msg("case %zu step %zu: content differs", i, step);
		}
}

static void
test_limits(void **state)
{
	char line[1100];
	struct run r;
	size_t n;

	/* RFC 5321 4.5.3.1.6: 998 octets + CRLF is fine, 999 + CRLF is not */
	memset(line, 'x', 998);
	memcpy(line + 998, "\r\n.\r\n", 5);
	feed(line, 1003, 1003, 1 << 20, &r);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.outlen, 1000);
	memset(line, 'x', 999);
	memcpy(line + 999, "\r\n.\r\n", 5);
	feed(line, 1004, 7, 1 << 20, &r);
	assert_int_equal(r.flags, DATA_LONG_LINE);
	assert_int_equal(r.consumed, 1004);
	/* the stuffing dot is not counted: a 998-octet line of dots, stuffed to
	 * 999 on the wire, is still legal */
	line[0] = '.';
	memset(line + 1, '.', 998);
	memcpy(line + 999, "\r\n.\r\n", 5);
	feed(line, 1004, 1004, 1 << 20, &r);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.outlen, 1000);
	line[999] = '.';
	memcpy(line + 1000, "\r\n.\r\n", 5);
	feed(line, 1005, 1005, 1 << 20, &r);
	assert_int_equal(r.flags, DATA_LONG_LINE);
	/* size: exactly max is accepted, one more is refused */
	n = 10;
	feed("123456789\r\n.\r\n", 14, 3, 11, &r);
	assert_int_equal(r.flags, 0);
	feed("123456789\r\n.\r\n", 14, 3, n, &r);
	assert_int_equal(r.flags, DATA_TOO_BIG);
	assert_int_equal(r.consumed, 14);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
