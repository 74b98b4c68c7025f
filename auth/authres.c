/*
 * authres.c - Authentication-Results (RFC 8601): the field we add, and the incoming
 * fields claiming our authserv-id. See authres.h.
 *
 * The authserv-id parser reads attacker input: an explicit scan of (buf, len), CFWS
 * with comments nested at most AUTHRES_COMMENT_DEPTH_MAX deep, no NUL, no bare CR or
 * LF, 7-bit only; anything else is AUTHRES_SYNTAX.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authres.h"
#include "common/header.h"
#include "common/log.h"
#include "common/xmalloc.h"

/* Comments may nest (RFC 5322 3.2.2); deeper than this is an attack on the parser. */
#define AUTHRES_COMMENT_DEPTH_MAX 16

/* RFC 2045 5.1 tspecials. */
static int
is_tspecial(unsigned char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static int
is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !is_tspecial(c);
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* --- building --- */

struct sbuf {
	char	*s;
	size_t	 len, cap;
	int	 utf8;	/* values may be UTF-8 (an internationalized message) */
};

static void
put(struct sbuf *b, const char *s, size_t len)
{
	if (len >= b->cap - b->len) {
		size_t need, cap;

		if (len > SIZE_MAX - b->len - 1)
			log_fatal("event=overflow what=authres len=%zu", len);
		need = b->len + len + 1;
		cap = b->cap > need / 2 ? b->cap * 2 : need;
		b->s = xreallocarray(b->s, cap, 1);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

static void
puts_(struct sbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static int
printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * Well-formed UTF-8 (RFC 3629 4: no overlong form, no surrogate, nothing past
 * U+10FFFF) without a control character, C0, DEL or C1.
 */
static int
utf8_text(const char *s, size_t len)
{
	size_t i = 0, k, n;
	uint32_t cp;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return 0;
		if (n >= len - i)
			return 0;
		for (k = 1; k <= n; k++) {
			unsigned char t = (unsigned char)s[i + k];

			if ((t & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (t & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
			return 0;
		i += n + 1;
	}
	return 1;
}

/* An RFC 2045 value: the token itself, or a quoted string. */
static void
put_value(struct sbuf *b, const char *v, size_t len)
{
	size_t i;
	int token = len > 0;

	for (i = 0; i < len && token; i++)
		token = is_token_char((unsigned char)v[i]);
	if (token) {
		put(b, v, len);
		return;
	}
	put(b, "\"", 1);
	for (i = 0; i < len; i++) {
		if (v[i] == '"' || v[i] == '\\')
			put(b, "\\", 1);
		put(b, v + i, 1);
	}
	put(b, "\"", 1);
}

/* " name=value", left out when value is absent or not printable ASCII (nor, in an
 * internationalized message, UTF-8 text). */
static void
put_prop(struct sbuf *b, const char *name, const char *v, size_t len)
{
	if (v == NULL || len == 0 || !(printable(v, len) || (b->utf8 && utf8_text(v, len))))
		return;
	put(b, " ", 1);
	puts_(b, name);
	put(b, "=", 1);
	put_value(b, v, len);
}

static void
put_sprop(struct sbuf *b, const char *name, const char *v)
{
	if (v != NULL)
		put_prop(b, name, v, strlen(v));
}

static void
put_method(struct sbuf *b, const char *method, const char *result, const char *reason)
{
	put(b, ";\r\n\t", 4);
	puts_(b, method);
	put(b, "=", 1);
	put_value(b, result, strlen(result));
	put_sprop(b, "reason", reason);
}

/* The b= value without its folding whitespace. */
static char *
strip_b(const char *b)
{
	size_t i, n = 0, len = strlen(b);
	char *s = xmalloc(len + 1);

	for (i = 0; i < len; i++)
		if (!is_wsp((unsigned char)b[i]) && b[i] != '\r' && b[i] != '\n')
			s[n++] = b[i];
	s[n] = '\0';
	return s;
}

/* RFC 6008: the shortest prefix of at least AUTHRES_B_PREFIX characters that no
 * other signature of the message shares. */
static size_t
b_prefix_len(char *const *bs, size_t n, size_t k)
{
	size_t len = AUTHRES_B_PREFIX, full = strlen(bs[k]), i;
	int clash;

	if (len > full)
		return full;
	do {
		clash = 0;
		for (i = 0; i < n && !clash; i++)
			if (i != k && bs[i] != NULL && strlen(bs[i]) >= len &&
			    strncmp(bs[i], bs[k], len) == 0 && strcmp(bs[i], bs[k]) != 0)
				clash = 1;
	} while (clash && ++len < full);
	return len;
}

char *
authres_build(const char *authserv_id, const struct authres_spf *spf,
    const struct authres_dkim *dkim, size_t ndkim, const struct authres_dmarc *dmarc,
    int utf8)
{
	struct sbuf b = { NULL, 0, 0, utf8 != 0 };
	size_t idlen = strlen(authserv_id), i;
	char **bs;
	int any = 0;

	if (idlen == 0 || idlen > AUTHRES_ID_MAX || !printable(authserv_id, idlen))
		return NULL;
	puts_(&b, "Authentication-Results: ");
	put_value(&b, authserv_id, idlen);
	if (spf != NULL && spf->result != NULL) {
		put_method(&b, "spf", spf->result, spf->reason);
		if (spf->mailfrom != NULL)
			put_sprop(&b, "smtp.mailfrom", spf->mailfrom);
		else
			put_sprop(&b, "smtp.helo", spf->helo);
		any = 1;
	}
	bs = ndkim ? xcalloc(ndkim, sizeof(*bs)) : NULL;
	for (i = 0; i < ndkim; i++)
		if (dkim[i].b != NULL)
			bs[i] = strip_b(dkim[i].b);
	for (i = 0; i < ndkim; i++) {
		if (dkim[i].result == NULL)
			continue;
		put_method(&b, "dkim", dkim[i].result, dkim[i].reason);
		put_sprop(&b, "header.d", dkim[i].d);
		put_sprop(&b, "header.s", dkim[i].s);
		if (bs[i] != NULL)
			put_prop(&b, "header.b", bs[i], b_prefix_len(bs, ndkim, i));
		any = 1;
	}
	for (i = 0; i < ndkim; i++)
		free(bs[i]);
	free(bs);
	if (dmarc != NULL && dmarc->result != NULL) {
		put_method(&b, "dmarc", dmarc->result, dmarc->reason);
		put_sprop(&b, "header.from", dmarc->from);
		put_sprop(&b, "policy.dmarc", dmarc->policy);
		any = 1;
	}
	if (!any)
		puts_(&b, "; none");
	put(&b, "\r\n", 2);
	return b.s;
}

/* --- the authserv-id of an incoming field --- */

/* FWS at i: the bytes it spans, 0 for none, -1 for a CR or LF that does not fold. */
static int
fws_at(const char *buf, size_t len, size_t i)
{
	if (is_wsp((unsigned char)buf[i]))
		return 1;
	if (buf[i] == '\r' || buf[i] == '\n') {
		if (buf[i] == '\r' && i + 2 < len && buf[i + 1] == '\n' &&
		    is_wsp((unsigned char)buf[i + 2]))
			return 3;
		return -1;
	}
	return 0;
}

/* Skips CFWS from *i; -1 on a malformed comment or line end. */
static int
skip_cfws(const char *buf, size_t len, size_t *i)
{
	int depth = 0, f;

	while (*i < len) {
		unsigned char c = (unsigned char)buf[*i];

		if ((f = fws_at(buf, len, *i)) < 0)
			return -1;
		if (f > 0) {
			*i += (size_t)f;
			continue;
		}
		if (c == '(') {
			if (++depth > AUTHRES_COMMENT_DEPTH_MAX)
				return -1;
		} else if (depth == 0) {
			return 0;
		} else if (c == ')') {
			depth--;
		} else if (c == '\\') {
			if (*i + 1 >= len || (unsigned char)buf[*i + 1] < 0x20 ||
			    (unsigned char)buf[*i + 1] > 0x7e)
				return -1;
			(*i)++;
		} else if (c < 0x20 || c > 0x7e) {
			return -1;
		}
		(*i)++;
	}
	return depth == 0 ? 0 : -1;
}

enum authres_err
authres_parse_id(const char *buf, size_t len, char *id, size_t idsz, size_t *idlen)
{
	size_t i = 0, n = 0;
	int f;

	*idlen = 0;
	if (idsz <= AUTHRES_ID_MAX)
		return AUTHRES_TOO_LONG;
	if (skip_cfws(buf, len, &i) != 0 || i == len)
		return AUTHRES_SYNTAX;
	if (buf[i] == '"') {
		for (i++; ; i++) {
			unsigned char c;

			if (i == len)
				return AUTHRES_SYNTAX;
			c = (unsigned char)buf[i];
			if ((f = fws_at(buf, len, i)) < 0)
				return AUTHRES_SYNTAX;
			if (f == 3) {
				i += 2;		/* folding: the WSP after CRLF is kept */
				c = (unsigned char)buf[i];
			} else if (c == '"') {
				i++;
				break;
			} else if (c == '\\') {
				if (++i == len)
					return AUTHRES_SYNTAX;
				c = (unsigned char)buf[i];
			}
			if (c < 0x20 || c > 0x7e)
				return AUTHRES_SYNTAX;	/* also NUL and a CR after '\\' */
			if (n == AUTHRES_ID_MAX)
				return AUTHRES_TOO_LONG;
			id[n++] = (char)c;
		}
		if (n == 0)
			return AUTHRES_SYNTAX;
	} else {
		while (i < len && is_token_char((unsigned char)buf[i])) {
			if (n == AUTHRES_ID_MAX)
				return AUTHRES_TOO_LONG;
			id[n++] = buf[i++];
		}
		if (n == 0)
			return AUTHRES_SYNTAX;
	}
	/* what follows: the end, ";", or CFWS (before a version or ";") */
	if (i < len && buf[i] != ';' && buf[i] != '(' && fws_at(buf, len, i) <= 0)
		return AUTHRES_SYNTAX;
	id[n] = '\0';
	*idlen = n;
	return AUTHRES_OK;
}

enum authres_find_err
authres_find(const char *msg, size_t len, const char *authserv_id,
    struct authres_range *ranges, size_t max, size_t *n)
{
	struct header_iter it;
	struct header_field f;
	enum header_err herr;
	char id[AUTHRES_ID_MAX + 1];
	size_t idlen, ourlen = strlen(authserv_id);

	*n = 0;
	header_iter_init(&it, msg, len);
	while ((herr = header_next(&it, &f)) == HEADER_OK) {
		enum authres_kind kind;

		if (!header_name_is(&f, "Authentication-Results"))
			continue;
		if (authres_parse_id(f.value, f.value_len, id, sizeof(id), &idlen) !=
		    AUTHRES_OK)
			kind = AUTHRES_MALFORMED;
		else if (idlen == ourlen && strncasecmp(id, authserv_id, idlen) == 0)
			kind = AUTHRES_OURS;
		else
			continue;
		if (*n == max)
			return AUTHRES_FIND_TOO_MANY;
		ranges[*n].off = (size_t)(f.raw - msg);
		ranges[*n].len = f.raw_len;
		ranges[*n].kind = kind;
		(*n)++;
	}
	return herr == HEADER_END ? AUTHRES_FIND_OK : AUTHRES_FIND_HEADER;
}
