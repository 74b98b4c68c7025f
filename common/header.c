/*
 * header.c - the RFC 5322 header iterator: an explicit scan of (buf, len) that owns
 * no memory and returns bounds into buf. See header.h for the rules it enforces.
 */
#include "config.h"

#include <string.h>

#include "common/header.h"

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 5322 3.6.8: ftext = %d33-57 / %d59-126. */
static int
is_ftext(char c)
{
	unsigned char u = (unsigned char)c;

	return u >= 33 && u <= 126 && u != ':';
}

/*
 * Finds the CRLF ending the line that starts at i. Only [0, lim) may be read as
 * header; lim < len means the header limit cut the buffer. memchr does the
 * scanning: the CR, then no LF nor NUL before it.
 */
static enum header_err
line_end(const char *buf, size_t lim, size_t len, size_t i, size_t *eol)
{
	const char *cr = memchr(buf + i, '\r', lim - i), *lf, *nul;
	size_t end = cr != NULL ? (size_t)(cr - buf) : lim;

	lf = memchr(buf + i, '\n', end - i);
	nul = memchr(buf + i, '\0', end - i);
	if (nul != NULL && (lf == NULL || nul < lf))
		return HEADER_NUL;
	if (lf != NULL)
		return HEADER_BARE_LF;
	if (cr == NULL || end + 1 >= lim)
		return lim < len ? HEADER_TOO_BIG : HEADER_TRUNCATED;
	if (buf[end + 1] != '\n')
		return HEADER_BARE_CR;
	*eol = end;
	return HEADER_OK;
}

void
header_iter_init(struct header_iter *it, const char *buf, size_t len)
{
	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->len = len;
	it->err = HEADER_OK;
}

static enum header_err
stop(struct header_iter *it, enum header_err err)
{
	it->err = err;
	return err;
}

/* Which error a line that does not start a field gets. */
static enum header_err
bad_line(const char *buf, size_t start, size_t eol)
{
	return memchr(buf + start, ':', eol - start) != NULL ? HEADER_BAD_NAME :
	    HEADER_NO_COLON;
}

enum header_err
header_next(struct header_iter *it, struct header_field *f)
{
	const char *buf = it->buf;
	size_t len = it->len, pos = it->pos, lim, i, name_end, eol, next;
	enum header_err err;

	if (it->err != HEADER_OK)
		return it->err;
	lim = len < HEADER_SIZE_MAX ? len : HEADER_SIZE_MAX;
	if (pos == len) {
		it->body = len;
		return stop(it, HEADER_END);
	}
	if (is_wsp(buf[pos]))
		return stop(it, HEADER_CONT_FIRST);
	if ((err = line_end(buf, lim, len, pos, &eol)) != HEADER_OK)
		return stop(it, err);
	if (eol == pos) {
		it->body = pos + 2;
		return stop(it, HEADER_END);
	}
	if (it->nfields == HEADER_FIELDS_MAX)
		return stop(it, HEADER_TOO_MANY);

	for (i = pos; i < eol && is_ftext(buf[i]); i++)
		;
	name_end = i;
	while (i < eol && is_wsp(buf[i]))
		i++;
	if (i == eol || buf[i] != ':' || name_end == pos)
		return stop(it, bad_line(buf, pos, eol));

	/* The value runs over continuation lines: CRLF followed by WSP. */
	for (;;) {
		next = eol + 2;
		if (next == len || !is_wsp(buf[next]))
			break;
		if ((err = line_end(buf, lim, len, next, &eol)) != HEADER_OK)
			return stop(it, err);
	}
	f->name = buf + pos;
	f->name_len = name_end - pos;
	f->raw = buf + pos;
	f->raw_len = next - pos;
	f->value = buf + i + 1;
	f->value_len = eol - (i + 1);
	it->pos = next;
	it->nfields++;
	return HEADER_OK;
}

enum header_err
header_check(const char *buf, size_t len)
{
	struct header_iter it;
	struct header_field f;
	enum header_err err;

	header_iter_init(&it, buf, len);
	while ((err = header_next(&it, &f)) == HEADER_OK)
		;
	return err;
}

size_t
header_body_offset(const struct header_iter *it)
{
	return it->body;
}

int
header_name_is(const struct header_field *f, const char *name)
{
	size_t i, n = strlen(name);

	if (n != f->name_len)
		return 0;
	for (i = 0; i < n; i++) {
		char a = f->name[i], b = name[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (char)(b + 32);
		if (a != b)
			return 0;
	}
	return 1;
}

const char *
header_strerror(enum header_err err)
{
	switch (err) {
	case HEADER_OK:
		return "ok";
	case HEADER_END:
		return "end of header";
	case HEADER_NO_COLON:
		return "header line without colon";
	case HEADER_BAD_NAME:
		return "invalid header field name";
	case HEADER_CONT_FIRST:
		return "header starts with a continuation line";
	case HEADER_BARE_LF:
		return "bare LF in header";
	case HEADER_BARE_CR:
		return "bare CR in header";
	case HEADER_NUL:
		return "NUL byte in header";
	case HEADER_TRUNCATED:
		return "header line without CRLF";
	case HEADER_TOO_BIG:
		return "header too big";
	case HEADER_TOO_MANY:
		return "too many header fields";
	}
	return "unknown header error";
}
