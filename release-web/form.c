/*
 * form.c - application/x-www-form-urlencoded parser. See form.h.
 */
#include "config.h"

#include <string.h>
#include <stdlib.h>

#include "common/xmalloc.h"
#include "release-web/form.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int
value_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Decodes (buf, len) into out (room for len + 1); returns the length or -1. */
static long
decode(const char *buf, size_t len, char *out, const char **why)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)buf[i], hi, lo;

		if (c == '+')
			out[o++] = ' ';
		else if (c == '%') {
			if (len - i < 3 || (hi = hexval((unsigned char)buf[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)buf[i + 2])) < 0) {
				*why = "% not followed by two hex digits";
				return -1;
			}
			if (hi == 0 && lo == 0) {
				*why = "encoded NUL";
				return -1;
			}
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (value_char(c))
			out[o++] = (char)c;
		else {
			*why = "byte a browser would have percent-encoded";
			return -1;
		}
	}
	out[o] = '\0';
	return (long)o;
}

enum form_err
form_parse(const char *buf, size_t len, struct form *out, const char **why)
{
	size_t pos = 0;
	enum form_err e = FORM_OK;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (len > FORM_MAX_BODY) {
		*why = "body over FORM_MAX_BODY";
		return FORM_E_TOO_BIG;
	}
	if (len == 0)
		return FORM_OK;
	for (;;) {
		const char *amp = memchr(buf + pos, '&', len - pos);
		size_t end = amp != NULL ? (size_t)(amp - buf) : len;
		const char *eq = memchr(buf + pos, '=', end - pos);
		struct form_field *f;
		size_t nlen, i;
		long vlen;

		if (eq == NULL) {
			*why = end == pos ? "empty pair" : "pair without =";
			e = FORM_E_SYNTAX;
			break;
		}
		nlen = (size_t)(eq - (buf + pos));
		if (nlen == 0 || nlen > FORM_NAME_MAX) {
			*why = "empty or long field name";
			e = FORM_E_SYNTAX;
			break;
		}
		for (i = 0; i < nlen; i++)
			if (!name_char((unsigned char)buf[pos + i]))
				break;
		if (i < nlen) {
			*why = "bad byte in field name";
			e = FORM_E_SYNTAX;
			break;
		}
		if (out->n == FORM_MAX_FIELDS) {
			*why = "more than FORM_MAX_FIELDS fields";
			e = FORM_E_TOO_MANY;
			break;
		}
		for (i = 0; i < out->n; i++)
			if (strlen(out->f[i].name) == nlen &&
			    memcmp(out->f[i].name, buf + pos, nlen) == 0)
				break;
		if (i < out->n) {
			*why = "field given twice";
			e = FORM_E_DUPLICATE;
			break;
		}
		f = &out->f[out->n];
		memcpy(f->name, buf + pos, nlen);
		f->name[nlen] = '\0';
		f->val = xmalloc(end - nlen - pos);	/* value bytes + NUL */
		vlen = decode(eq + 1, end - (size_t)(eq + 1 - buf), f->val, why);
		if (vlen < 0) {
			free(f->val);
			f->val = NULL;
			e = FORM_E_PERCENT;
			break;
		}
		f->len = (size_t)vlen;
		out->n++;
		if (amp == NULL)
			break;
		pos = end + 1;
	}
	if (e != FORM_OK)
		form_clear(out);
	return e;
}

void
form_clear(struct form *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->f[i].val);
	memset(f, 0, sizeof(*f));
}

const struct form_field *
form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return &f->f[i];
	return NULL;
}
