/*
 * taglist.c - the DKIM/DMARC tag-list parser; an explicit scan of (buf, len), no
 * NUL needed, pointers into buf returned. See taglist.h for the grammar.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

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
 * base64 characters, so eight bytes are tested at a time; the tail, and the byte
 * that ends the run, one at a time.
 */
static size_t
valchar_run(const char *buf, size_t len, size_t i)
{
	uint64_t x, m;

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

enum taglist_err
taglist_parse(const char *buf, size_t len, struct tag *tags, size_t max, size_t *ntags)
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
			    memcmp(tags[j].name, t.name, t.name_len) == 0)
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

const struct tag *
taglist_find(const struct tag *tags, size_t ntags, const char *name)
{
	size_t i, nlen = strlen(name);

	for (i = 0; i < ntags; i++)
		if (tags[i].name_len == nlen && memcmp(tags[i].name, name, nlen) == 0)
			return &tags[i];
	return NULL;
}
