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

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "auth/bytescan.h"
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
ob_append(struct outbuf *o, const unsigned char *p, size_t n)
{
	while (n > sizeof(o->b) - o->n) {
		size_t room = sizeof(o->b) - o->n;

		memcpy(o->b + o->n, p, room);
		o->n = sizeof(o->b);
		p += room;
		n -= room;
		o->out(o->arg, o->b, o->n);
		o->n = 0;
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void
ob_flush(struct outbuf *o)
{
	if (o->n > 0)
		o->out(o->arg, o->b, o->n);
	o->n = 0;
}

/*
 * Whitespace of relaxed canonicalization. In the body, CR (of CRLF), HTAB and SP;
 * a bare LF is text there. In a header field CR and LF are only folding, so they
 * are whitespace like the others.
 */
static const unsigned char body_ws[256] = { ['\r'] = 1, ['\t'] = 1, [' '] = 1 };
static const unsigned char header_ws[256] = {
	['\r'] = 1, ['\n'] = 1, ['\t'] = 1, [' '] = 1
};

/*
 * The end of the run of text starting at i: the first whitespace byte of ws other
 * than SP, or SP that starts a whitespace run or ends the piece. A single SP
 * between two other bytes stays as it is in relaxed, so a run covers words and
 * single spaces alike.
 * Many bytes at a time (16 with SSE2, else 8 in a 64-bit word): a byte may stop
 * the run only if it is below 0x21 and is not a SP followed by a byte of 0x21 or
 * more; such candidates are then checked one by one (other control bytes are
 * text). The byte-at-a-time tail gives the same answer, which fuzz_dkim_canon
 * checks by feeding bodies whole and byte by byte.
 */
static size_t
run_end(const unsigned char *u, size_t i, size_t n, const unsigned char *ws)
{
	size_t j = i + 1;

	for (;;) {
#ifdef __SSE2__
		const __m128i lim = _mm_set1_epi8(0x20), sp = _mm_set1_epi8(' ');

		for (; j + 17 <= n; j += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + j));
			__m128i y = _mm_loadu_si128((const __m128i *)(const void *)(u + j + 1));
			__m128i lowx = _mm_cmpeq_epi8(_mm_min_epu8(x, lim), x);
			__m128i lowy = _mm_cmpeq_epi8(_mm_min_epu8(y, lim), y);
			__m128i single = _mm_andnot_si128(lowy, _mm_cmpeq_epi8(x, sp));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(single, lowx));

			if (m != 0) {
				j += (size_t)__builtin_ctz(m);
				break;
			}
		}
		if (j + 17 > n)
#endif
		{
			uint64_t x, y, m;

			for (; j + 9 <= n; j += 8) {
				memcpy(&x, u + j, 8);
				memcpy(&y, u + j + 1, 8);
				m = bytescan_below21(x) &
				    ~(bytescan_eq(x, ' ') & ~bytescan_below21(y));
				if (m != 0) {
					j += bytescan_first(m);
					break;
				}
			}
			if (j + 9 > n)
				while (j < n && u[j] > 0x20)
					j++;
		}
		if (j >= n)
			return n;
		if (ws[u[j]] && (u[j] != ' ' || j + 1 == n || ws[u[j + 1]]))
			return j;
		j++;	/* a single SP, or another control byte: text */
	}
}

/* Relaxed header value state: whitespace seen and not written; text written. */
struct hvalue {
	int	 pending;
	int	 started;
};

/* One piece of a relaxed header value: runs of text copied whole, whitespace runs
 * held as one pending space, written only if more text follows. */
static void
header_value(struct outbuf *o, const unsigned char *u, size_t n, struct hvalue *hs)
{
	size_t i = 0, j;

	while (i < n) {
		if (header_ws[u[i]]) {
			hs->pending = 1;
			i++;
			continue;
		}
		if (hs->pending && hs->started)
			ob_put(o, ' ');
		hs->pending = 0;
		hs->started = 1;
		j = run_end(u, i, n, header_ws);
		ob_append(o, u + i, j - i);
		i = j;
	}
}

void
dkim_canon_header(enum dkim_canon c, const char *raw, size_t len, size_t skip_off,
    size_t skip_len, int crlf, dkim_out_fn *out, void *arg)
{
	struct outbuf o;
	struct hvalue hs = { 0, 0 };
	size_t end = len, i;
	unsigned char ch;
	int value = 0;

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
	 * written back when asked. The value is done in two pieces around the bytes
	 * left out.
	 */
	o.n = 0;
	o.out = out;
	o.arg = arg;
	for (i = 0; i < len && !value; i++) {
		ch = (unsigned char)raw[i];
		if (i == skip_off && skip_len > 0)
			i += skip_len - 1;
		else if (ch == ':') {
			ob_put(&o, ':');
			value = 1;
		} else if (!header_ws[ch])
			ob_put(&o, (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch);
	}
	if (skip_len == 0 || skip_off < i) {
		skip_off = len;
		skip_len = 0;
	}
	header_value(&o, (const unsigned char *)raw + i, skip_off - i, &hs);
	header_value(&o, (const unsigned char *)raw + skip_off + skip_len,
	    len - skip_off - skip_len, &hs);
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
	uint64_t	 done;		/* canonical bytes already flushed (sent or cut) */
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
	struct dkim_body *b = xmalloc(sizeof(*b));

	memset(b, 0, offsetof(struct dkim_body, buf));
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

/* Hands the gathered bytes on, cut at the limit: everything counts in the length. */
static void
flush(struct dkim_body *b)
{
	size_t keep = b->n;

	if (b->limited) {
		uint64_t room = b->done < b->limit ? b->limit - b->done : 0;

		if (room < keep)
			keep = (size_t)room;
	}
	if (keep > 0)
		b->out(b->arg, b->buf, keep);
	b->done += b->n;
	b->n = 0;
}

static void
put(struct dkim_body *b, unsigned char c)
{
	if (b->n == sizeof(b->buf))
		flush(b);
	b->buf[b->n++] = c;
}

static inline void
append(struct dkim_body *b, const char *p, size_t n)
{
	while (n > sizeof(b->buf) - b->n) {
		size_t room = sizeof(b->buf) - b->n;

		memcpy(b->buf + b->n, p, room);
		b->n += room;
		p += room;
		n -= room;
		flush(b);
	}
	memcpy(b->buf + b->n, p, n);
	b->n += n;
}

/* Before body text: the line ends and the space held back. */
static inline void
pending(struct dkim_body *b)
{
	if (b->crlfs == 0 && !b->wsp)
		return;
	for (; b->crlfs > 0; b->crlfs--) {
		put(b, '\r');
		put(b, '\n');
	}
	if (b->wsp) {
		put(b, ' ');
		b->wsp = 0;
	}
}

/*
 * Relaxed: text runs are copied whole; whitespace runs, whitespace before a line
 * end (or at the end of a piece, where the next byte is unknown) and CR take the
 * slow path.
 */
static void
update_relaxed(struct dkim_body *b, const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, j;

	while (i < n) {
		unsigned char ch = u[i];

		if (b->cr) {
			b->cr = 0;
			if (ch == '\n') {
				/* Whitespace at the end of a line goes. */
				b->wsp = 0;
				b->crlfs++;
				i++;
				continue;
			}
			pending(b);
			put(b, '\r');
			b->content = 1;
		}
		if (ch == '\r') {
			b->cr = 1;
			i++;
			continue;
		}
		if ((ch == ' ' || ch == '\t') &&
		    (ch == '\t' || b->wsp || i + 1 == n || body_ws[u[i + 1]])) {
			/* A whitespace run: one pending space for all of it. */
			for (i++; i < n && (u[i] == ' ' || u[i] == '\t'); i++)
				;
			b->wsp = 1;
			continue;
		}
		j = run_end(u, i, n, body_ws);
		pending(b);
		append(b, p + i, j - i);
		b->content = 1;
		i = j;
	}
}

/* Simple: text runs up to each CR, copied whole. */
static void
update_simple(struct dkim_body *b, const char *p, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		const char *cr;

		if (b->cr) {
			b->cr = 0;
			if (p[i] == '\n') {
				b->crlfs++;
				i++;
				continue;
			}
			pending(b);
			put(b, '\r');
			b->content = 1;
		}
		if (p[i] == '\r') {
			b->cr = 1;
			i++;
			continue;
		}
		cr = memchr(p + i + 1, '\r', n - i - 1);
		j = cr != NULL ? (size_t)(cr - p) : n;
		pending(b);
		append(b, p + i, j - i);
		b->content = 1;
		i = j;
	}
}

void
dkim_body_update(struct dkim_body *b, const char *p, size_t n)
{
	if (b->c == DKIM_CANON_RELAXED)
		update_relaxed(b, p, n);
	else
		update_simple(b, p, n);
}

uint64_t
dkim_body_final(struct dkim_body *b)
{
	/*
	 * A last line without CRLF (only outside SMTP, 3.4.4 says) keeps its last
	 * whitespace as one SP in relaxed: the steps of 3.4.4 apply in order, and the
	 * CRLF is added by step b, after step a only removed whitespace before CRLFs.
	 * So that line is text, and the empty lines before it stay.
	 */
	if (b->cr || b->wsp) {
		pending(b);
		if (b->cr)
			put(b, '\r');
		b->cr = 0;
		b->content = 1;
	}
	/*
	 * Every body with text ends in exactly one CRLF; an empty body is CRLF in
	 * simple (3.4.3) and nothing in relaxed (3.4.4).
	 */
	b->crlfs = 0;
	if (b->content || b->c == DKIM_CANON_SIMPLE) {
		put(b, '\r');
		put(b, '\n');
	}
	flush(b);
	return b->done;
}
