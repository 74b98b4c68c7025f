/*
 * lang.c - Accept-Language negotiation between English and French. See lang.h.
 */
#include "config.h"

#include <string.h>

#include "release-web/lang.h"

static const char *const names[LANG_COUNT] = { "en", "fr" };

static int
alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
ows(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ),
 * as thousandths; -1 if malformed. */
static int
qvalue(const char *buf, size_t len)
{
	int q, scale = 100;
	size_t i;

	if (len == 0 || (buf[0] != '0' && buf[0] != '1'))
		return -1;
	q = (buf[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (buf[1] != '.' || len > 5)
		return -1;
	for (i = 2; i < len; i++) {
		if (!digit((unsigned char)buf[i]))
			return -1;
		q += (buf[i] - '0') * scale;
		scale /= 10;
	}
	return q <= 1000 ? q : -1;
}

/* Which served language a range names: 0..LANG_COUNT-1, LANG_COUNT for "*", -1 for
 * none, -2 if malformed. */
static int
range_lang(const char *buf, size_t len)
{
	size_t i, sub = 0, primary = 0;
	int l;

	if (len == 1 && buf[0] == '*')
		return LANG_COUNT;
	for (i = 0; i < len; i++) {
		int c = (unsigned char)buf[i];

		if (c == '-') {
			if (sub == 0)
				return -2;
			if (primary == 0)
				primary = i;
			sub = 0;
			continue;
		}
		if (!(alpha(c) || (primary != 0 && digit(c))))
			return -2;
		if (++sub > 8)
			return -2;
	}
	if (sub == 0)
		return -2;
	if (primary == 0)
		primary = len;
	for (l = 0; l < LANG_COUNT; l++)
		if (primary == 2 && (buf[0] | 0x20) == names[l][0] &&
		    (buf[1] | 0x20) == names[l][1])
			return l;
	return -1;
}

int
lang_accept(const char *buf, size_t len, enum lang *out)
{
	size_t pos = 0, nranges = 0;
	int best = -1, bestq = 0;

	if (len > LANG_ACCEPT_MAX)
		return -1;
	while (pos < len) {
		const char *comma = memchr(buf + pos, ',', len - pos);
		size_t end = comma ? (size_t)(comma - buf) : len;
		size_t a = pos, b, r;
		int l, q = 1000;

		while (a < end && ows((unsigned char)buf[a]))
			a++;
		b = end;
		while (b > a && ows((unsigned char)buf[b - 1]))
			b--;
		pos = end + 1;
		if (a == b) {
			/* RFC 9110 5.6.1: empty list elements are ignored */
			if (comma == NULL)
				break;
			continue;
		}
		if (++nranges > LANG_ACCEPT_RANGES)
			return -1;
		for (r = a; r < b && buf[r] != ';' && !ows((unsigned char)buf[r]); r++)
			;
		if ((l = range_lang(buf + a, r - a)) == -2)
			return -1;
		while (r < b && ows((unsigned char)buf[r]))
			r++;
		if (r < b) {
			if (buf[r] != ';')
				return -1;
			r++;
			while (r < b && ows((unsigned char)buf[r]))
				r++;
			if (b - r < 2 || (buf[r] != 'q' && buf[r] != 'Q') || buf[r + 1] != '=')
				return -1;
			if ((q = qvalue(buf + r + 2, b - r - 2)) < 0)
				return -1;
		}
		if (l == LANG_COUNT)
			l = LANG_DEFAULT;
		if (l >= 0 && q > bestq) {
			best = l;
			bestq = q;
		}
		if (comma == NULL)
			break;
	}
	if (best < 0)
		return -1;
	*out = (enum lang)best;
	return 0;
}

int
lang_from_name(const char *buf, size_t len, enum lang *out)
{
	int l;

	for (l = 0; l < LANG_COUNT; l++)
		if (len == 2 && memcmp(buf, names[l], 2) == 0) {
			*out = (enum lang)l;
			return 0;
		}
	return -1;
}

const char *
lang_name(enum lang l)
{
	return names[l];
}
