/*
 * fuzz_dkim_canon.c - libFuzzer target for the DKIM canonicalizers. The first two
 * bytes choose the algorithm, a split point and an l= limit; the rest is a body.
 * Oracle: the body fed whole, fed in two pieces at the split, and fed byte by byte
 * must give the same bytes and length, and a limit must give a prefix of them.
 * The header canonicalizer runs over the input taken as one field, with a skipped
 * region chosen by the same bytes; relaxed output must have no whitespace runs.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Canonical output is at most twice the input plus a CRLF: big enough always. */
struct sink {
	unsigned char	*b;
	size_t		 n, cap;
};

static void
collect(void *arg, const void *p, size_t n)
{
	struct sink *s = arg;

	if (n > s->cap - s->n)
		abort();
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static uint64_t
body(enum dkim_canon c, const char *p, size_t n, size_t split, int limited,
    uint64_t limit, struct sink *s)
{
	struct dkim_body *b = dkim_body_new(c, limited, limit, collect, s);
	uint64_t len;
	size_t i;

	s->n = 0;
	if (split == SIZE_MAX) {
		for (i = 0; i < n; i++)
			dkim_body_update(b, p + i, 1);
	} else {
		dkim_body_update(b, p, split);
		dkim_body_update(b, p + split, n - split);
	}
	len = dkim_body_final(b);
	dkim_body_free(b);
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink a, b;
	enum dkim_canon c;
	const char *p;
	size_t n, split, i;
	uint64_t la, lb, limit;

	if (size < 2)
		return 0;
	c = (data[0] & 1) ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	p = (const char *)data + 2;
	n = size - 2;
	split = n ? data[1] % (n + 1) : 0;
	limit = data[1];
	a.cap = b.cap = 2 * n + 2;
	a.b = malloc(a.cap);
	b.b = malloc(b.cap);
	if (a.b == NULL || b.b == NULL)
		abort();

	la = body(c, p, n, n, 0, 0, &a);
	if (la != a.n)
		abort();
	lb = body(c, p, n, split, 0, 0, &b);
	if (lb != la || b.n != a.n || memcmp(a.b, b.b, a.n) != 0)
		abort();
	lb = body(c, p, n, SIZE_MAX, 0, 0, &b);
	if (lb != la || b.n != a.n || memcmp(a.b, b.b, a.n) != 0)
		abort();
	lb = body(c, p, n, split, 1, limit, &b);
	if (lb != la || b.n != (limit < la ? limit : la) || memcmp(a.b, b.b, b.n) != 0)
		abort();

	a.n = 0;
	dkim_canon_header(c, p, n, split, limit % 16, data[0] & 2, collect, &a);
	if (c == DKIM_CANON_RELAXED)
		for (i = 0; i + 1 < a.n; i++)
			if (a.b[i] == ' ' && (a.b[i + 1] == ' ' || a.b[i + 1] == '\t'))
				abort();
	free(a.b);
	free(b.b);
	return 0;
}
