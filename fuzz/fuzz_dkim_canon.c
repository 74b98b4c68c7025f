/*
 * fuzz_dkim_canon.c - libFuzzer target for the DKIM canonicalizers. The first two
 * bytes choose the algorithm, a split point and an l= limit; the rest is a body.
 * Oracle: the body fed whole, fed in two pieces at the split, and fed byte by byte
 * must give the same bytes and length, and a limit must give a prefix of them; the
 * whole must equal body_ref(), RFC 6376 3.4.3 / 3.4.4 applied line by line (the
 * canonicalizer streams, copies runs of text and holds back empty lines, so a
 * mistake shared by all three feeds would otherwise go unseen).
 * The header canonicalizer runs over the input taken as one field, with a skipped
 * region chosen by the same bytes; relaxed output must equal relaxed_ref(), RFC
 * 6376 3.4.2 applied one byte at a time (the canonicalizer copies runs of text),
 * simple output the field without the skipped bytes (3.4.1).
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

/*
 * The body oracle, whole lines at a time. Lines end with CRLF only (a bare CR or
 * LF is text, as in dkim_canon.c). Relaxed (3.4.4 a): WSP runs as one SP, none
 * before a CRLF; a last line without CRLF keeps it (dkim_canon.c says why). Both
 * (3.4.3, 3.4.4 b): empty lines at the end go, a CRLF ends the last line of text;
 * an empty body is CRLF in simple, nothing in relaxed.
 */
static void
body_ref(enum dkim_canon c, const unsigned char *p, size_t n, struct sink *s)
{
	size_t i = 0, e, k, start, keep = 0;
	int crlf, open = 0;

	s->n = 0;
	while (i < n) {
		for (e = i; e < n && !(p[e] == '\r' && e + 1 < n && p[e + 1] == '\n'); e++)
			;
		crlf = e < n;
		start = s->n;
		for (k = i; k < e; k++) {
			if (c == DKIM_CANON_RELAXED && (p[k] == ' ' || p[k] == '\t')) {
				/* the first WSP of a run stands for all of it */
				if (k == i || (p[k - 1] != ' ' && p[k - 1] != '\t'))
					s->b[s->n++] = ' ';
				continue;
			}
			s->b[s->n++] = p[k];
		}
		if (c == DKIM_CANON_RELAXED && crlf && s->n > start && s->b[s->n - 1] == ' ')
			s->n--;
		if (s->n > start) {
			keep = s->n + (crlf ? 2 : 0);
			open = !crlf;
		}
		if (crlf) {
			s->b[s->n++] = '\r';
			s->b[s->n++] = '\n';
		}
		i = crlf ? e + 2 : e;
	}
	s->n = keep;
	if (open || (keep == 0 && c == DKIM_CANON_SIMPLE)) {
		s->b[s->n++] = '\r';
		s->b[s->n++] = '\n';
	}
}

/* The simple header oracle: the field without the skipped bytes, without its final
 * CRLF when not asked. */
static void
simple_ref(const unsigned char *p, size_t n, size_t skip_off, size_t skip_len, int crlf,
    struct sink *s)
{
	size_t i, end = n;

	if (!crlf && n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n')
		end = n - 2;
	s->n = 0;
	for (i = 0; i < end; i++)
		if (i < skip_off || i - skip_off >= skip_len)
			s->b[s->n++] = p[i];
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The oracle: name lower-cased without whitespace, whitespace runs of the value as
 * one SP, none at its ends; CR and LF inside the field are folding. */
static void
relaxed_ref(const unsigned char *p, size_t n, size_t skip_off, size_t skip_len, int crlf,
    struct sink *s)
{
	size_t i;
	int in_name = 1, pending = 0, started = 0;
	unsigned char ch;

	if (skip_off > n)
		skip_off = n;
	if (skip_len > n - skip_off)
		skip_len = n - skip_off;
	s->n = 0;
	for (i = 0; i < n; i++) {
		if (i >= skip_off && i < skip_off + skip_len)
			continue;
		ch = p[i];
		if (in_name) {
			if (ch == ':') {
				s->b[s->n++] = ':';
				in_name = 0;
			} else if (!is_ws(ch))
				s->b[s->n++] = (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
		} else if (is_ws(ch))
			pending = 1;
		else {
			if (pending && started)
				s->b[s->n++] = ' ';
			pending = 0;
			started = 1;
			s->b[s->n++] = ch;
		}
	}
	if (crlf) {
		s->b[s->n++] = '\r';
		s->b[s->n++] = '\n';
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink a, b;
	enum dkim_canon c;
	const char *p;
	size_t n, split;
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
	body_ref(c, (const unsigned char *)p, n, &b);
	if (b.n != a.n || memcmp(a.b, b.b, a.n) != 0)
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
		relaxed_ref((const unsigned char *)p, n, split, limit % 16, data[0] & 2, &b);
	else
		simple_ref((const unsigned char *)p, n, split, limit % 16, data[0] & 2, &b);
	if (a.n != b.n || memcmp(a.b, b.b, a.n) != 0)
		abort();
	free(a.b);
	free(b.b);
	return 0;
}
