/*
 * dkim_canon.c - RFC 6376 3.4 canonicalization, streamed to a callback.
 *
 * Header fields are short and done in one call. The body is a small state machine
 * fed in pieces: empty lines are counted, not written, until text follows them, so
 * that the empty lines at the end of the body disappear (3.4.3, 3.4.4) without
 * looking ahead; relaxed whitespace is likewise held as one pending space. Output is
 * gathered in a buffer so the hash sees few, large updates.
 *
 * Lines end with CRLF only; a CR not followed by LF and a bare LF are body text
 * (the SMTP side refuses them before DKIM ever runs; here they only need to be
 * deterministic).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth/dkim_canon.h"
#include "common/xmalloc.h"

/* Output gathering: large enough that hashing a typical body is a few updates. */
#define CANON_BUF 4096

struct outbuf {
	unsigned char	 b[256];
	size_t		 n;
	dkim_out_fn	*out;
	void		*arg;
};

static void
ob_put(struct outbuf *o, unsigned char c)
{
	if (o->n == sizeof(o->b)) {
		o->out(o->arg, o->b, o->n);
		o->n = 0;
	}
	o->b[o->n++] = c;
}

static void
ob_flush(struct outbuf *o)
{
	if (o->n > 0)
		o->out(o->arg, o->b, o->n);
	o->n = 0;
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
dkim_canon_header(enum dkim_canon c, const char *raw, size_t len, size_t skip_off,
    size_t skip_len, int crlf, dkim_out_fn *out, void *arg)
{
	struct outbuf o;
	size_t end = len, i;
	int in_name = 1, pending = 0, started = 0;

	if (skip_off > len)
		skip_off = len;
	if (skip_len > len - skip_off)
		skip_len = len - skip_off;
	if (c == DKIM_CANON_SIMPLE) {
		if (!crlf && len >= 2 && raw[len - 2] == '\r' && raw[len - 1] == '\n')
			end = len - 2;
		if (skip_off >= end) {
			out(arg, raw, end);
			return;
		}
		out(arg, raw, skip_off);
		if (skip_off + skip_len < end)
			out(arg, raw + skip_off + skip_len, end - skip_off - skip_len);
		return;
	}

	/*
	 * Relaxed (3.4.2): lower-case name, no whitespace around the colon, folding
	 * removed, whitespace runs as one space, none at the end. CR and LF inside a
	 * field are only folding, so they count as whitespace; the final CRLF is
	 * written back when asked.
	 */
	o.n = 0;
	o.out = out;
	o.arg = arg;
	for (i = 0; i < len; i++) {
		unsigned char ch;

		if (i == skip_off && skip_len > 0) {
			i += skip_len - 1;
			continue;
		}
		ch = (unsigned char)raw[i];
		if (in_name) {
			if (ch == ':') {
				ob_put(&o, ':');
				in_name = 0;
			} else if (!is_space(ch))
				ob_put(&o, (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch);
			continue;
		}
		if (is_space(ch)) {
			pending = 1;
			continue;
		}
		if (pending && started)
			ob_put(&o, ' ');
		pending = 0;
		started = 1;
		ob_put(&o, ch);
	}
	if (crlf) {
		ob_put(&o, '\r');
		ob_put(&o, '\n');
	}
	ob_flush(&o);
}

struct dkim_body {
	enum dkim_canon	 c;
	int		 limited;
	uint64_t	 limit;
	uint64_t	 length;	/* canonical bytes so far, limit or not */
	uint64_t	 crlfs;		/* line ends not yet written */
	int		 wsp;		/* relaxed: whitespace not yet written */
	int		 cr;		/* the last piece ended with CR */
	int		 content;	/* some text was written */
	dkim_out_fn	*out;
	void		*arg;
	size_t		 n;
	unsigned char	 buf[CANON_BUF];
};

struct dkim_body *
dkim_body_new(enum dkim_canon c, int limited, uint64_t limit, dkim_out_fn *out,
    void *arg)
{
	struct dkim_body *b = xcalloc(1, sizeof(*b));

	b->c = c;
	b->limited = limited;
	b->limit = limit;
	b->out = out;
	b->arg = arg;
	return b;
}

void
dkim_body_free(struct dkim_body *b)
{
	free(b);
}

static void
flush(struct dkim_body *b)
{
	if (b->n > 0)
		b->out(b->arg, b->buf, b->n);
	b->n = 0;
}

/* Writes canonical bytes, cut at the limit. */
static void
emit(struct dkim_body *b, const char *p, size_t n)
{
	size_t keep = n;

	if (b->limited) {
		uint64_t room = b->length < b->limit ? b->limit - b->length : 0;

		if (room < keep)
			keep = (size_t)room;
	}
	b->length += n;
	if (keep == 0)
		return;
	if (keep > sizeof(b->buf) - b->n) {
		flush(b);
		if (keep >= sizeof(b->buf)) {
			b->out(b->arg, p, keep);
			return;
		}
	}
	memcpy(b->buf + b->n, p, keep);
	b->n += keep;
}

/* Body text: first the line ends and the space held back before it. */
static void
text(struct dkim_body *b, const char *p, size_t n)
{
	for (; b->crlfs > 0; b->crlfs--)
		emit(b, "\r\n", 2);
	if (b->wsp) {
		emit(b, " ", 1);
		b->wsp = 0;
	}
	emit(b, p, n);
	b->content = 1;
}

void
dkim_body_update(struct dkim_body *b, const char *p, size_t n)
{
	size_t i = 0, j;
	int relaxed = b->c == DKIM_CANON_RELAXED;

	while (i < n) {
		char ch = p[i];

		if (b->cr) {
			b->cr = 0;
			if (ch == '\n') {
				/* Relaxed drops whitespace at the end of a line. */
				b->wsp = 0;
				b->crlfs++;
				i++;
				continue;
			}
			text(b, "\r", 1);
		}
		if (ch == '\r') {
			b->cr = 1;
			i++;
			continue;
		}
		if (relaxed && (ch == ' ' || ch == '\t')) {
			b->wsp = 1;
			i++;
			continue;
		}
		j = i + 1;
		if (relaxed) {
			while (j < n && p[j] != ' ' && p[j] != '\t' && p[j] != '\r')
				j++;
		} else {
			const char *cr = memchr(p + j, '\r', n - j);

			j = cr != NULL ? (size_t)(cr - p) : n;
		}
		text(b, p + i, j - i);
		i = j;
	}
}

uint64_t
dkim_body_final(struct dkim_body *b)
{
	if (b->cr) {
		b->cr = 0;
		text(b, "\r", 1);
	}
	/*
	 * Every body with text ends in exactly one CRLF, whatever followed its last
	 * text; an empty body is CRLF in simple (3.4.3) and nothing in relaxed (3.4.4).
	 */
	b->crlfs = 0;
	b->wsp = 0;
	if (b->content || b->c == DKIM_CANON_SIMPLE)
		emit(b, "\r\n", 2);
	flush(b);
	return b->length;
}
