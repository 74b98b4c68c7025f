/*
 * test_dkim_canon.c - RFC 6376 3.4 canonicalization: header fields (simple,
 * relaxed, with the b= value left out), and the body fed whole, in two pieces at
 * every split point, and byte by byte, with and without an l= limit.
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

#include "auth/dkim_canon.h"

#define S(lit) lit, sizeof(lit) - 1

struct sink {
	char	 b[1024];
	size_t	 n;
};

static void
collect(void *arg, const void *p, size_t n)
{
	struct sink *s = arg;

	assert_true(s->n + n <= sizeof(s->b));
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

struct body_case {
	enum dkim_canon	 c;
	const char	*in;
	size_t		 len;
	const char	*out;	/* NUL-free */
};

static const struct body_case bodies[] = {
	{ DKIM_CANON_SIMPLE, S(""), "\r\n" },
	{ DKIM_CANON_SIMPLE, S("\r\n"), "\r\n" },
	{ DKIM_CANON_SIMPLE, S("\r\n\r\n\r\n"), "\r\n" },
	{ DKIM_CANON_SIMPLE, S("abc"), "abc\r\n" },
	{ DKIM_CANON_SIMPLE, S("abc\r\n\r\n\r\n"), "abc\r\n" },
	{ DKIM_CANON_SIMPLE, S(" a \r\n\r\nb\r\n\r\n"), " a \r\n\r\nb\r\n" },
	{ DKIM_CANON_SIMPLE, S(" \r\n"), " \r\n" },
	{ DKIM_CANON_SIMPLE, S("a  \t b\r\n"), "a  \t b\r\n" },
	{ DKIM_CANON_SIMPLE, S("a\rb\r\n"), "a\rb\r\n" },
	{ DKIM_CANON_SIMPLE, S("a\r"), "a\r\r\n" },
	{ DKIM_CANON_SIMPLE, S("a\r\r\n"), "a\r\r\n" },
	{ DKIM_CANON_SIMPLE, S("a\n\n"), "a\n\n\r\n" },
	{ DKIM_CANON_RELAXED, S(""), "" },
	{ DKIM_CANON_RELAXED, S("\r\n"), "" },
	{ DKIM_CANON_RELAXED, S("\r\n\r\n"), "" },
	{ DKIM_CANON_RELAXED, S(" \t \r\n\r\n \r\n"), "" },
	{ DKIM_CANON_RELAXED, S("a  b\t c \r\n"), "a b c\r\n" },
	{ DKIM_CANON_RELAXED, S("  lead\r\n"), " lead\r\n" },
	{ DKIM_CANON_RELAXED, S("a \r\n \r\nb"), "a\r\n\r\nb\r\n" },
	/* A last line without CRLF: 3.4.4 step a runs before step b adds the CRLF. */
	{ DKIM_CANON_RELAXED, S("abc  "), "abc \r\n" },
	{ DKIM_CANON_RELAXED, S("a\r\n\r\n \t"), "a\r\n\r\n \r\n" },
	{ DKIM_CANON_RELAXED, S("a\r\n \t\r\n"), "a\r\n" },
	{ DKIM_CANON_RELAXED, S("a \rb\r\n"), "a \rb\r\n" },
	{ DKIM_CANON_RELAXED, S("a\t\r"), "a \r\r\n" },
	{ DKIM_CANON_RELAXED, S("x\r\n\r\n\r\ny \r\n\r\n"), "x\r\n\r\n\r\ny\r\n" },
};

static uint64_t
run_body(const struct body_case *c, size_t split, int bytewise, int limited,
    uint64_t limit, struct sink *s)
{
	struct dkim_body *b = dkim_body_new(c->c, limited, limit, collect, s);
	uint64_t len;
	size_t i;

	s->n = 0;
	if (bytewise) {
		for (i = 0; i < c->len; i++)
			dkim_body_update(b, c->in + i, 1);
	} else {
		dkim_body_update(b, c->in, split);
		dkim_body_update(b, c->in + split, c->len - split);
	}
	len = dkim_body_final(b);
	dkim_body_free(b);
	return len;
}

static void
test_body(void **state)
{
	size_t i, split, want;
	struct sink s;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const struct body_case *c = &bodies[i];

		want = strlen(c->out);
		print_message("body case %zu\n", i);
		for (split = 0; split <= c->len; split++) {
			assert_int_equal(run_body(c, split, 0, 0, 0, &s), want);
			assert_int_equal(s.n, want);
			assert_memory_equal(s.b, c->out, want);
		}
		assert_int_equal(run_body(c, 0, 1, 0, 0, &s), want);
		assert_memory_equal(s.b, c->out, want);
	}
}

/* l=: only the first limit canonical bytes are hashed; the length counts all. */
static void
test_body_limit(void **state)
{
	size_t i, want;
	uint64_t limit;
	struct sink s;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		const struct body_case *c = &bodies[i];

		want = strlen(c->out);
		for (limit = 0; limit <= want + 2; limit++) {
			size_t keep = limit < want ? (size_t)limit : want;

			assert_int_equal(run_body(c, c->len / 2, 0, 1, limit, &s), want);
			assert_int_equal(s.n, keep);
			assert_memory_equal(s.b, c->out, keep);
		}
	}
}

struct bigsink {
	char	*b;
	size_t	 n, cap;
	size_t	 calls;
};

static void
collect_big(void *arg, const void *p, size_t n)
{
	struct bigsink *s = arg;

	assert_true(s->n + n <= s->cap);
	memcpy(s->b + s->n, p, n);
	s->n += n;
	s->calls++;
}

/* A body larger than the output buffer comes out whole, in order, in few pieces. */
static void
test_body_large(void **state)
{
	enum { LEN = 50000 };
	char *in = malloc(LEN);
	struct bigsink s = { malloc(LEN), 0, LEN, 0 };
	struct dkim_body *b;
	size_t i;

	assert_non_null(in);
	assert_non_null(s.b);
	for (i = 0; i < LEN; i++)
		in[i] = (i % 100 == 98) ? '\r' : (i % 100 == 99) ? '\n' : (i % 7 ? 'x' : ' ');
	b = dkim_body_new(DKIM_CANON_SIMPLE, 0, 0, collect_big, &s);
	for (i = 0; i < LEN; i += 333)
		dkim_body_update(b, in + i, LEN - i < 333 ? LEN - i : 333);
	assert_int_equal(dkim_body_final(b), LEN);
	dkim_body_free(b);
	assert_int_equal(s.n, LEN);
	assert_memory_equal(s.b, in, LEN);
	assert_true(s.calls <= LEN / 4096 + 2);
	free(in);
	free(s.b);
}

struct header_case {
	enum dkim_canon	 c;
	const char	*raw;
	size_t		 skip_off, skip_len;
	int		 crlf;
	const char	*out;
};

static const struct header_case headers[] = {
	{ DKIM_CANON_SIMPLE, "Subject:  Hi \r\n there\r\n", 0, 0, 1,
	  "Subject:  Hi \r\n there\r\n" },
	{ DKIM_CANON_SIMPLE, "Subject:  Hi \r\n there\r\n", 0, 0, 0,
	  "Subject:  Hi \r\n there" },
	{ DKIM_CANON_RELAXED, "SubJect :  Hi \r\n\tthere  \r\n", 0, 0, 1,
	  "subject:Hi there\r\n" },
	{ DKIM_CANON_RELAXED, "SubJect :  Hi \r\n\tthere  \r\n", 0, 0, 0, "subject:Hi there" },
	{ DKIM_CANON_RELAXED, "X:\r\n", 0, 0, 1, "x:\r\n" },
	{ DKIM_CANON_RELAXED, "X: \r\n \r\n", 0, 0, 1, "x:\r\n" },
	{ DKIM_CANON_RELAXED, "X:a:b  c\r\n", 0, 0, 1, "x:a:b c\r\n" },
	{ DKIM_CANON_RELAXED, "X: caf\xc3\xa9 \r\n", 0, 0, 1, "x:caf\xc3\xa9\r\n" },
	/* The b= value with its whitespace, "b=" and ";" kept (RFC 6376 3.7). */
	{ DKIM_CANON_SIMPLE, "DKIM-Signature: a=1; b= abc\r\n def ; c=2\r\n", 23, 11, 0,
	  "DKIM-Signature: a=1; b=; c=2" },
	{ DKIM_CANON_RELAXED, "DKIM-Signature: a=1; b= abc\r\n def ; c=2\r\n", 23, 11, 0,
	  "dkim-signature:a=1; b=; c=2" },
	{ DKIM_CANON_RELAXED, "DKIM-Signature: a=1; b=abc\r\n def\r\n", 23, 9, 0,
	  "dkim-signature:a=1; b=" },
	{ DKIM_CANON_SIMPLE, "DKIM-Signature: a=1; b=abc\r\n def\r\n", 23, 9, 0,
	  "DKIM-Signature: a=1; b=" },
	/* b= first in the value, with and without whitespace around its value, and
	 * last before trailing whitespace: the same rule at the ends. */
	{ DKIM_CANON_RELAXED, "DKIM-Signature:b=abc; a=1\r\n", 17, 3, 0,
	  "dkim-signature:b=; a=1" },
	{ DKIM_CANON_SIMPLE, "DKIM-Signature:b=abc; a=1\r\n", 17, 3, 0,
	  "DKIM-Signature:b=; a=1" },
	{ DKIM_CANON_RELAXED, "DKIM-Signature: b= abc ;a=1\r\n", 18, 5, 0,
	  "dkim-signature:b=;a=1" },
	{ DKIM_CANON_RELAXED, "DKIM-Signature: a=1;b=abc \t\r\n", 22, 5, 1,
	  "dkim-signature:a=1;b=\r\n" },
	{ DKIM_CANON_SIMPLE, "DKIM-Signature: a=1;b=abc \t\r\n", 22, 5, 1,
	  "DKIM-Signature: a=1;b=\r\n" },
	/* The skipped bytes are left out first: the whitespace on both sides of them
	 * is one run; in the name (the API allows it), the name closes up. */
	{ DKIM_CANON_RELAXED, "X: ab cd ef\r\n", 6, 2, 1, "x:ab ef\r\n" },
	{ DKIM_CANON_RELAXED, "X: ab cd\r\n\tef\r\n", 6, 2, 1, "x:ab ef\r\n" },
	{ DKIM_CANON_RELAXED, "X: abc\r\n", 2, 4, 1, "x:\r\n" },
	{ DKIM_CANON_RELAXED, "XY-Z: v\r\n", 1, 1, 1, "x-z:v\r\n" },
	{ DKIM_CANON_SIMPLE, "XY-Z: v\r\n", 1, 1, 1, "X-Z: v\r\n" },
	{ DKIM_CANON_RELAXED, "Ab: c: d\r\n", 2, 1, 1, "abc:d\r\n" },
	/* Tabs are WSP; 8-bit bytes are text, a SP between them kept. */
	{ DKIM_CANON_RELAXED, "X:\ta\t\tb\xff" " \xff" " \r\n", 0, 0, 1,
	  "x:a b\xff" " \xff" "\r\n" },
};

static void
test_header(void **state)
{
	size_t i;
	struct sink s;

	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		const struct header_case *c = &headers[i];

		print_message("header case %zu\n", i);
		s.n = 0;
		dkim_canon_header(c->c, c->raw, strlen(c->raw), c->skip_off, c->skip_len,
		    c->crlf, collect, &s);
		assert_int_equal(s.n, strlen(c->out));
		assert_memory_equal(s.b, c->out, s.n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_body_limit),
		cmocka_unit_test(test_body_large),
		cmocka_unit_test(test_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
