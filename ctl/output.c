/*
 * output.c - see output.h. One UTF-8 decoder (RFC 3629 section 4: no overlong forms,
 * no surrogates, nothing above U+10FFFF) serves both the text and the JSON writers.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/output.h"

/* Length of the UTF-8 sequence at s (n bytes left) and its code point; 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	*cp = c;
	return len;
}

void
out_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len, i;
	uint32_t cp;

	while (n > 0) {
		len = utf8_seq(s, n, &cp);
		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			/* Not UTF-8, or a control character: each byte as \xHH. */
			if (len == 0)
				len = 1;
			for (i = 0; i < len; i++)
				fprintf(f, "\\x%02X", s[i]);
		} else if (cp == '\\') {
			fputs("\\\\", f);
		} else {
			fwrite(s, 1, len, f);
		}
		s += len;
		n -= len;
	}
}

void
out_json_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), len;
	uint32_t cp;

	fputc('"', f);
	while (n > 0) {
		len = utf8_seq(s, n, &cp);
		if (len == 0) {
			fputs("\\ufffd", f);
			len = 1;
		} else if (cp == '"' || cp == '\\') {
			fputc('\\', f);
			fputc((int)cp, f);
		} else if (cp == '\n') {
			fputs("\\n", f);
		} else if (cp == '\r') {
			fputs("\\r", f);
		} else if (cp == '\t') {
			fputs("\\t", f);
		} else if (cp < 0x20 || cp == 0x7f) {
			fprintf(f, "\\u%04x", (unsigned)cp);
		} else {
			fwrite(s, 1, len, f);
		}
		s += len;
		n -= len;
	}
	fputc('"', f);
}

const char *
out_time(int64_t t, char buf[OUT_TIME_MAX])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0)
		snprintf(buf, OUT_TIME_MAX, "-");
	else if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, OUT_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, OUT_TIME_MAX, "%lld", (long long)t);
	return buf;
}

void
out_json_time(FILE *f, int64_t t)
{
	char buf[OUT_TIME_MAX];

	if (t == 0)
		fputs("null", f);
	else
		fprintf(f, "\"%s\"", out_time(t, buf));
}

/* Reads exactly n digits at *s into *v and advances. */
static int
digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

static int
expect(const char **s, char c)
{
	if (**s != c)
		return -1;
	(*s)++;
	return 0;
}

int
out_parse_time(const char *s, int64_t *t)
{
	struct tm tm;
	const char *p = s;
	char *end;
	long long v;
	int y, mo, d, h = 0, mi = 0, se = 0;
	time_t tt;

	if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			return -1;
		*t = v;
		return 0;
	}
	if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) || expect(&p, '-') ||
	    digits(&p, 2, &d))
		return -1;
	if (*p == 'T' && (expect(&p, 'T') || digits(&p, 2, &h) || expect(&p, ':') ||
	    digits(&p, 2, &mi) || expect(&p, ':') || digits(&p, 2, &se) || expect(&p, 'Z')))
		return -1;
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	tt = timegm(&tm);
	/* timegm normalises 2023-02-31 to March: refuse a date that moved. */
	if (tt == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	*t = (int64_t)tt;
	return 0;
}
