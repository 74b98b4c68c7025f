/*
 * test_header.c - the RFC 5322 header iterator: field bounds with folding, the body
 * offset, every strict error, and the size and count limits; header_check agrees.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/header.h"

#define S(lit) lit, sizeof(lit) - 1

struct want_field {
	const char	*name;
	const char	*value;
	const char	*raw;
};

struct header_case {
	const char		*what;
	const char		*in;
	size_t			 len;
	struct want_field	 fields[4];
	size_t			 nfields;
	enum header_err		 end;
	size_t			 body;	/* when end == HEADER_END */
};

static const struct header_case cases[] = {
	{ "simple", S("From: a@b\r\nTo: c@d\r\n\r\nbody\r\n"),
	  { { "From", " a@b", "From: a@b\r\n" }, { "To", " c@d", "To: c@d\r\n" } }, 2,
	  HEADER_END, 22 },
	{ "folded value keeps CRLF and WSP", S("Subject: one\r\n two\r\n\tthree\r\nX:y\r\n\r\n"),
	  { { "Subject", " one\r\n two\r\n\tthree", "Subject: one\r\n two\r\n\tthree\r\n" },
	    { "X", "y", "X:y\r\n" } }, 2, HEADER_END, 35 },
	{ "no body, no empty line", S("A: 1\r\nB: 2\r\n"),
	  { { "A", " 1", "A: 1\r\n" }, { "B", " 2", "B: 2\r\n" } }, 2, HEADER_END, 12 },
	{ "empty line then nothing", S("A: 1\r\n\r\n"), { { "A", " 1", "A: 1\r\n" } }, 1,
	  HEADER_END, 8 },
	{ "empty message", S(""), { { NULL, NULL, NULL } }, 0, HEADER_END, 0 },
	{ "no header at all", S("\r\nbody"), { { NULL, NULL, NULL } }, 0, HEADER_END, 2 },
	{ "WSP before colon (obsolete syntax)", S("Subject \t: x\r\n\r\n"),
	  { { "Subject", " x", "Subject \t: x\r\n" } }, 1, HEADER_END, 16 },
	{ "empty value", S("X-Empty:\r\n\r\n"), { { "X-Empty", "", "X-Empty:\r\n" } }, 1,
	  HEADER_END, 12 },
	{ "whitespace-only continuation", S("A: x\r\n \r\n\r\n"),
	  { { "A", " x\r\n ", "A: x\r\n \r\n" } }, 1, HEADER_END, 11 },
	{ "8-bit value (RFC 6532)", S("Subject: caf\xc3\xa9\r\n\r\n"),
	  { { "Subject", " caf\xc3\xa9", "Subject: caf\xc3\xa9\r\n" } }, 1, HEADER_END, 18 },
	{ "body may hold anything", S("A: 1\r\n\r\nno\ncolon\rhere\0"),
	  { { "A", " 1", "A: 1\r\n" } }, 1, HEADER_END, 8 },
	{ "line without colon", S("A: 1\r\nFrom joe\r\n\r\n"), { { "A", " 1", "A: 1\r\n" } }, 1,
	  HEADER_NO_COLON, 0 },
	{ "empty name", S(": x\r\n\r\n"), { { NULL, NULL, NULL } }, 0, HEADER_BAD_NAME, 0 },
	{ "space inside name", S("Sub ject: x\r\n\r\n"), { { NULL, NULL, NULL } }, 0,
	  HEADER_BAD_NAME, 0 },
	{ "control byte in name", S("Sub\x01ject: x\r\n\r\n"), { { NULL, NULL, NULL } }, 0,
	  HEADER_BAD_NAME, 0 },
	{ "continuation first", S(" A: 1\r\n\r\n"), { { NULL, NULL, NULL } }, 0,
	  HEADER_CONT_FIRST, 0 },
	{ "bare LF ends nothing", S("A: 1\nB: 2\r\n\r\n"), { { NULL, NULL, NULL } }, 0,
	  HEADER_BARE_LF, 0 },
	{ "bare LF in continuation", S("A: 1\r\n 2\n\r\n"), { { NULL, NULL, NULL } }, 0,
	  HEADER_BARE_LF, 0 },
	{ "LF LF is not an empty line", S("A: 1\r\n\n"), { { "A", " 1", "A: 1\r\n" } }, 1,
	  HEADER_BARE_LF, 0 },
	{ "bare CR", S("A: 1\r2\r\n\r\n"), { { NULL, NULL, NULL } }, 0, HEADER_BARE_CR, 0 },
	{ "CR CR LF", S("A: 1\r\r\n\r\n"), { { NULL, NULL, NULL } }, 0, HEADER_BARE_CR, 0 },
	{ "NUL in value", S("A: 1\0002\r\n\r\n"), { { NULL, NULL, NULL } }, 0, HEADER_NUL, 0 },
	{ "last line without CRLF", S("A: 1\r\nB: 2"), { { "A", " 1", "A: 1\r\n" } }, 1,
	  HEADER_TRUNCATED, 0 },
	{ "last line ends in CR", S("A: 1\r"), { { NULL, NULL, NULL } }, 0, HEADER_TRUNCATED,
	  0 },
};

static void
test_cases(void **state)
{
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct header_case *c = &cases[i];
		struct header_iter it;
		struct header_field f;
		enum header_err err;

		print_message("case: %s\n", c->what);
		header_iter_init(&it, c->in, c->len);
		for (j = 0; j < c->nfields; j++) {
			assert_int_equal(header_next(&it, &f), HEADER_OK);
			assert_int_equal(f.name_len, strlen(c->fields[j].name));
			assert_memory_equal(f.name, c->fields[j].name, f.name_len);
			assert_int_equal(f.value_len, strlen(c->fields[j].value));
			assert_memory_equal(f.value, c->fields[j].value, f.value_len);
			assert_int_equal(f.raw_len, strlen(c->fields[j].raw));
			assert_memory_equal(f.raw, c->fields[j].raw, f.raw_len);
		}
		err = header_next(&it, &f);
		assert_int_equal(err, c->end);
		/* Errors and the end are sticky. */
		assert_int_equal(header_next(&it, &f), c->end);
		if (err == HEADER_END)
			assert_int_equal(header_body_offset(&it), c->body);
		assert_non_null(header_strerror(err));
		/* what ecluse-smtpd refuses a message for */
		assert_int_equal(header_check(c->in, c->len), c->end);
	}
}

static void
test_name_is(void **state)
{
	struct header_iter it;
	struct header_field f;

	header_iter_init(&it, S("dKiM-SiGnAtUrE: x\r\n"));
	assert_int_equal(header_next(&it, &f), HEADER_OK);
	assert_true(header_name_is(&f, "DKIM-Signature"));
	assert_true(header_name_is(&f, "dkim-signature"));
	assert_false(header_name_is(&f, "DKIM-Signatur"));
	assert_false(header_name_is(&f, "DKIM-Signatures"));
	assert_false(header_name_is(&f, "DKIM_Signature"));
}

/* Builds a header of n fields "X: y" followed by an empty line and a body. */
static char *
many_fields(size_t n, size_t *len)
{
	char *buf = malloc(n * 6 + 8);
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < n; i++)
		memcpy(buf + i * 6, "X: y\r\n", 6);
	memcpy(buf + n * 6, "\r\nbody", 6);
	*len = n * 6 + 6;
	return buf;
}

static enum header_err
run(const char *buf, size_t len, size_t *nfields)
{
	struct header_iter it;
	struct header_field f;
	enum header_err err;

	header_iter_init(&it, buf, len);
	*nfields = 0;
	while ((err = header_next(&it, &f)) == HEADER_OK)
		(*nfields)++;
	return err;
}

static void
test_field_count_limit(void **state)
{
	size_t len, n;
	char *buf;

	buf = many_fields(HEADER_FIELDS_MAX, &len);
	assert_int_equal(run(buf, len, &n), HEADER_END);
	assert_int_equal(n, HEADER_FIELDS_MAX);
	free(buf);
	buf = many_fields(HEADER_FIELDS_MAX + 1, &len);
	assert_int_equal(run(buf, len, &n), HEADER_TOO_MANY);
	assert_int_equal(n, HEADER_FIELDS_MAX);
	free(buf);
}

/* One field "X: aaa...\r\n" then "\r\n" so that the header is exactly total bytes. */
static char *
sized_header(size_t total, int folded, size_t *len)
{
	char *buf = malloc(total + 16);
	size_t i;

	assert_non_null(buf);
	memcpy(buf, "X: ", 3);
	for (i = 3; i < total - 4; i++)
		buf[i] = 'a';
	if (folded)
		memcpy(buf + total / 2, "\r\n ", 3);
	memcpy(buf + total - 4, "\r\n\r\n", 4);
	memcpy(buf + total, "body\r\n", 6);
	*len = total + 6;
	return buf;
}

static void
test_size_limit(void **state)
{
	struct header_iter it;
	struct header_field f;
	size_t len;
	char *buf;
	int folded;

	for (folded = 0; folded <= 1; folded++) {
		buf = sized_header(HEADER_SIZE_MAX, folded, &len);
		header_iter_init(&it, buf, len);
		assert_int_equal(header_next(&it, &f), HEADER_OK);
		assert_int_equal(f.raw_len, HEADER_SIZE_MAX - 2);
		assert_int_equal(header_next(&it, &f), HEADER_END);
		assert_int_equal(header_body_offset(&it), HEADER_SIZE_MAX);
		free(buf);

		/* One byte more: the empty line ends past the limit. */
		buf = sized_header(HEADER_SIZE_MAX + 1, folded, &len);
		header_iter_init(&it, buf, len);
		assert_int_equal(header_next(&it, &f), HEADER_OK);
		assert_int_equal(header_next(&it, &f), HEADER_TOO_BIG);
		free(buf);

		/* Three more: the field itself crosses the limit. */
		buf = sized_header(HEADER_SIZE_MAX + 3, folded, &len);
		header_iter_init(&it, buf, len);
		assert_int_equal(header_next(&it, &f), HEADER_TOO_BIG);
		free(buf);
	}

	/* No body and no empty line: the last field may end exactly at the limit. */
	buf = sized_header(HEADER_SIZE_MAX + 2, 0, &len);
	header_iter_init(&it, buf, HEADER_SIZE_MAX);
	assert_int_equal(header_next(&it, &f), HEADER_OK);
	assert_int_equal(header_next(&it, &f), HEADER_END);
	assert_int_equal(header_body_offset(&it), HEADER_SIZE_MAX);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_name_is),
		cmocka_unit_test(test_field_count_limit),
		cmocka_unit_test(test_size_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
