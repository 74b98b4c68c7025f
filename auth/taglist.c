/*
 * taglist.c - the DKIM/DMARC tag-list parser; an explicit scan of (buf, len), no
 * NUL needed, pointers into buf returned. See taglist.h for the grammar.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "auth/bytescan.h"
#include "auth/taglist.h"

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Skips FWS: WSP, or CRLF followed by at least one WSP. Returns the new position. */
static size_t
skip_fws(const char *buf, size_t len, size_t i)
{
	for (;;) {
		if (i < len && is_wsp(buf[i]))
			i++;
		else if (i + 2 < len && buf[i] == '\r' && buf[i + 1] == '\n' &&
		    is_wsp(buf[i + 2]))
			i += 3;
		else
			return i;
	}
}

/* Tag names are short (one or two letters in DKIM and DMARC) and compared often:
 * a call to memcmp costs more than the comparison. Case-sensitive (RFC 6376 3.2). */
static int
name_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_valchar(char c)
{
	return (unsigned char)c >= 0x21 && (unsigned char)c <= 0x7e && c != ';';
}

/*
 * The end of the run of VALCHAR starting at i: b= and p= values are hundreds of
 * base64 characters, so 16 bytes are tested at a time with SSE2 (VALCHAR bytes are
 * the signed bytes above 0x20 and below 0x7f, ';' aside), else 8 in a word; the
 * tail, and the byte that ends the run, one at a time.
 */
static size_t
valchar_run(const char *buf, size_t len, size_t i)
{
	uint64_t x, m;

#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x20), hi = _mm_set1_epi8(0x7f);
	const __m128i semi = _mm_set1_epi8(';');

	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
		__m128i ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, semi),
		    _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi)));
		unsigned bad = ~(unsigned)_mm_movemask_epi8(ok) & 0xffffu;

		if (bad != 0)
			return i + (size_t)__builtin_ctz(bad);
	}
#endif
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, buf + i, 8);
		m = bytescan_below21(x) | bytescan_high(x) | bytescan_eq(x, 0x7f) |
		    bytescan_eq(x, ';');
		if (m != 0)
			return i + bytescan_first(m);
	}
	while (i < len && is_valchar(buf[i]))
		i++;
	return i;
}

static enum taglist_err
parse(const char *buf, size_t len, struct tag *tags, size_t max, size_t *ntags, int utf8)
{
	size_t i = 0, n = 0, j;

	*ntags = 0;
	for (;;) {
		struct tag t;
		size_t vend;

		i = skip_fws(buf, len, i);
		if (i == len)
			break;	/* empty list, or a trailing ";" */
		if (!is_alpha(buf[i]))
			return TAGLIST_SYNTAX;
		t.name = buf + i;
		while (i < len && (is_alpha(buf[i]) || (buf[i] >= '0' && buf[i] <= '9') ||
		    buf[i] == '_'))
			i++;
		t.name_len = (size_t)(buf + i - t.name);
		i = skip_fws(buf, len, i);
		if (i == len || buf[i] != '=')
			return TAGLIST_SYNTAX;
		i = skip_fws(buf, len, i + 1);
		t.value = buf + i;
		vend = i;
		while (i < len && buf[i] != ';') {
			if (is_valchar(buf[i]))
				vend = i = valchar_run(buf, len, i + 1);
			else if (utf8 && (unsigned char)buf[i] >= 0x80)
				vend = ++i;	/* each tag's own grammar checks it */
			else if (is_wsp(buf[i]) || buf[i] == '\r') {
				size_t k = skip_fws(buf, len, i);

				if (k == i)
					return TAGLIST_SYNTAX;	/* bare CR or CRLF without WSP */
				i = k;
			} else
				return TAGLIST_SYNTAX;
		}
		t.value_len = (size_t)(buf + vend - t.value);
		for (j = 0; j < n; j++)
			if (tags[j].name_len == t.name_len &&
			    name_eq(tags[j].name, t.name, t.name_len))
				return TAGLIST_DUPLICATE;
		if (n == max)
			return TAGLIST_TOO_MANY;
		tags[n++] = t;
		*ntags = n;
		if (i == len)
			break;
		i++;	/* ';' */
	}
	return TAGLIST_OK;
}

enum taglist_err
taglist_parse(const char *buf, size_t len, struct tag *tags, size_t max, size_t *ntags)
{
	return parse(buf, len, tags, max, ntags, 0);
}

enum taglist_err
taglist_parse_utf8(const char *buf, size_t len, struct tag *tags, size_t max,
    size_t *ntags)
{
	return parse(buf, len, tags, max, ntags, 1);
}

const struct tag *
taglist_find(const struct tag *tags, size_t ntags, const char *name)
{
	size_t i, nlen = strlen(name);

	for (i = 0; i < ntags; i++)
		if (tags[i].name_len == nlen && name_eq(tags[i].name, name, nlen))
			return &tags[i];
	return NULL;
}
