/*
 * dkim_canon_tool.c - prints ecluse's simple and relaxed DKIM canonical forms of
 * bodies and header fields read from stdin, for the differential test against
 * python3-dkim (tests/integration/test_dkim_canon_diff.py). Many cases go through
 * one process, so thousands of them cost one start-up.
 *
 * Input: records, each a header line then raw bytes.
 *	"body LEN LIMIT P1 P2 ...\n" LEN bytes: the body, fed to dkim_body_update() in
 *	    pieces of P1, P2, ... bytes (they add up to LEN; a single LEN is the body
 *	    whole); LIMIT is "-" for no l=, else l= in bytes.
 *	"header LEN\n" LEN bytes: one header field, name to final CRLF; it is read with
 *	    header_next() as the verifier reads it, then canonicalized with its CRLF.
 * Output, per record in order:
 *	"ok NS NR LS LR\n" then NS bytes (simple) and NR bytes (relaxed); LS and LR are
 *	    the lengths dkim_body_final() returned (0 for a header field);
 *	"refused REASON\n" when header_next() does not take the field.
 * Bad input (a malformed record line) is a usage error: exit 2 with a message.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_canon.h"
#include "common/header.h"
#include "common/xmalloc.h"
#include "tests/integration/tool_input.h"

/* Pieces one body record may be split into. */
#define PIECES_MAX 4096

struct sink {
	unsigned char	*b;
	size_t		 n, cap;
};

static void
collect(void *arg, const void *p, size_t n)
{
	struct sink *s = arg;

	if (n == 0)
		return;
	if (n > s->cap - s->n) {
		while (n > s->cap - s->n)
			s->cap = s->cap ? s->cap * 2 : 4096;
		s->b = xreallocarray(s->b, s->cap, 1);
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void
emit(const struct sink *s, const struct sink *r, uint64_t ls, uint64_t lr)
{
	printf("ok %zu %zu %" PRIu64 " %" PRIu64 "\n", s->n, r->n, ls, lr);
	/* an empty canonical form never allocated its buffer: fwrite wants one */
	if (s->n > 0)
		fwrite(s->b, 1, s->n, stdout);
	if (r->n > 0)
		fwrite(r->b, 1, r->n, stdout);
}

static uint64_t
body(enum dkim_canon c, const char *p, const size_t *pieces, size_t npieces,
    int limited, uint64_t limit, struct sink *s)
{
	struct dkim_body *b = dkim_body_new(c, limited, limit, collect, s);
	uint64_t len;
	size_t i, off = 0;

	s->n = 0;
	for (i = 0; i < npieces; i++) {
		dkim_body_update(b, p + off, pieces[i]);
		off += pieces[i];
	}
	len = dkim_body_final(b);
	dkim_body_free(b);
	return len;
}

/* Parses the numbers of a record line; returns how many, at most max. */
static size_t
numbers(char *line, const char *first, size_t *v, size_t max, int *limited,
    uint64_t *limit)
{
	char *tok, *save = NULL, *end;
	size_t n = 0;

	tok = strtok_r(line, " ", &save);
	if (tok == NULL || strcmp(tok, first) != 0)
		tool_fail("record type");
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		if (limited != NULL && n == 1 && strcmp(tok, "-") == 0) {
			*limited = 0;
			v[n++] = 0;
			continue;
		}
		if (n == max)
			tool_fail("too many numbers");
		v[n] = (size_t)strtoull(tok, &end, 10);
		if (end == tok || *end != '\0')
			tool_fail("bad number");
		if (limited != NULL && n == 1) {
			*limited = 1;
			*limit = v[n];
		}
		n++;
	}
	return n;
}

int
main(void)
{
	static size_t v[PIECES_MAX + 2];
	struct sink s = { 0 }, r = { 0 };
	size_t len, pos = 0;
	char *in = tool_read_stdin(&len);

	while (pos < len) {
		char *nl = memchr(in + pos, '\n', len - pos), *line = in + pos;
		size_t n, sum = 0, i;
		int limited = 0;
		uint64_t limit = 0, ls, lr;

		if (nl == NULL)
			tool_fail("record line without LF");
		*nl = '\0';
		pos = (size_t)(nl - in) + 1;
		if (strncmp(line, "body ", 5) == 0) {
			n = numbers(line, "body", v, PIECES_MAX + 2, &limited, &limit);
			if (n < 3)
				tool_fail("body record needs LEN LIMIT and pieces");
			for (i = 2; i < n; i++)
				sum += v[i];
			if (sum != v[0] || v[0] > len - pos)
				tool_fail("pieces do not add up to the body");
			ls = body(DKIM_CANON_SIMPLE, in + pos, v + 2, n - 2, limited, limit, &s);
			lr = body(DKIM_CANON_RELAXED, in + pos, v + 2, n - 2, limited, limit, &r);
			emit(&s, &r, ls, lr);
			pos += v[0];
		} else {
			struct header_iter it;
			struct header_field f;
			enum header_err err;
			char *field;

			n = numbers(line, "header", v, 1, NULL, NULL);
			if (n != 1 || v[0] > len - pos)
				tool_fail("header record needs LEN");
			/* The field, then the empty line that ends a header section. */
			field = xmalloc(v[0] + 2);
			memcpy(field, in + pos, v[0]);
			memcpy(field + v[0], "\r\n", 2);
			header_iter_init(&it, field, v[0] + 2);
			if ((err = header_next(&it, &f)) != HEADER_OK ||
			    (err = header_next(&it, &f)) != HEADER_END)
				printf("refused %s\n", header_strerror(err));
			else {
				header_iter_init(&it, field, v[0] + 2);
				(void)header_next(&it, &f);
				s.n = r.n = 0;
				dkim_canon_header(DKIM_CANON_SIMPLE, f.raw, f.raw_len, 0, 0, 1,
				    collect, &s);
				dkim_canon_header(DKIM_CANON_RELAXED, f.raw, f.raw_len, 0, 0, 1,
				    collect, &r);
				emit(&s, &r, 0, 0);
			}
			free(field);
			pos += v[0];
		}
	}
	free(s.b);
	free(r.b);
	free(in);
	return fflush(stdout) == 0 ? 0 : 1;
}
