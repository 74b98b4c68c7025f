/*
 * spf_macro.c - SPF macro strings (RFC 7208 section 7): syntax check and expansion.
 *
 * Grammar (7.1):
 *   macro-string = *( macro-expand / macro-literal )
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
 *   macro-literal = %x21-24 / %x26-7E
 *   transformers = *DIGIT [ "r" ]      (a DIGIT count, when given, is nonzero: 7.3)
 *   delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
 *   explain-string = *( macro-string / SP )
 * Letters and "r" are case-insensitive (ABNF); an upper-case letter URL-escapes its
 * value (7.3). A value is split on the delimiters (default "."), optionally reversed,
 * cut to its right-hand parts, and joined with ".".
 *
 * Owns nothing; every buffer is the caller's. Work is linear in the output: the parts
 * of a value are found by scanning, never by an array that a long value could fill.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/spf_macro.h"

/*
 * Output sink. Counts every byte it is given (total), drops the first skip bytes,
 * keeps at most cap bytes of the rest. With buf NULL it only checks and counts.
 */
struct sink {
	char	*buf;
	size_t	 cap;
	size_t	 n;
	size_t	 skip;
	size_t	 total;
};

static void
put(struct sink *s, char c)
{
	s->total++;
	if (s->buf == NULL)
		return;
	if (s->skip > 0) {
		s->skip--;
		return;
	}
	if (s->n < s->cap)
		s->buf[s->n++] = c;
}

static void
put_str(struct sink *s, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		put(s, p[i]);
}

/* RFC 3986 unreserved characters, the ones an upper-case macro leaves as they are. */
static int
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

static void
put_escaped(struct sink *s, const char *p, size_t len, int escape)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!escape || unreserved(c)) {
			put(s, (char)c);
		} else {
			put(s, '%');
			put(s, hex[c >> 4]);
			put(s, hex[c & 0xf]);
		}
	}
}

static int
is_delim(char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

/* Is c in the delimiter set of one macro ("." when the macro names none)? */
static int
in_set(const char *set, size_t setlen, char c)
{
	if (setlen == 0)
		return c == '.';
	return memchr(set, c, setlen) != NULL;
}

/*
 * Emits value split on set, reversed if rev, keeping its nparts right-hand parts
 * (0: all), joined with ".". Both orders walk the value once.
 */
static void
put_transformed(struct sink *s, const char *val, size_t len, const char *set, size_t setlen,
    unsigned nparts, int rev, int escape)
{
	size_t i, start, end, count = 1;
	size_t keep;

	for (i = 0; i < len; i++)
		if (in_set(set, setlen, val[i]))
			count++;
	keep = (nparts == 0 || nparts > count) ? count : nparts;

	if (!rev) {
		/* The last keep parts, in order: start after the (count-keep)th delimiter. */
		size_t skip = count - keep;

		start = 0;
		for (i = 0; i < len && skip > 0; i++)
			if (in_set(set, setlen, val[i])) {
				skip--;
				start = i + 1;
			}
		for (i = start; i < len; i++) {
			if (in_set(set, setlen, val[i]))
				put(s, '.');
			else
				put_escaped(s, &val[i], 1, escape);
		}
		return;
	}
	/*
	 * Reversed, the last keep parts are the first keep parts of the value, in
	 * reverse order: find where part keep-1 ends, then walk back.
	 */
	end = len;
	{
		size_t seen = 0;

		for (i = 0; i < len; i++)
			if (in_set(set, setlen, val[i]) && ++seen == keep) {
				end = i;
				break;
			}
	}
	for (;;) {
		start = end;
		while (start > 0 && !in_set(set, setlen, val[start - 1]))
			start--;
		put_escaped(s, val + start, end - start, escape);
		if (start == 0)
			break;
		put(s, '.');
		end = start - 1;
	}
}

static int
letter_allowed(char l, enum spf_macro_ctx ctx)
{
	switch (l) {
	case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'v': case 'h':
		return 1;
	case 'c': case 'r': case 't':
		/* 7.1: "allowed only in exp text", the explain-string: not in a
		 * domain-spec (exp= one included), nor in an unknown modifier */
		return ctx == SPF_MACRO_EXPLAIN;
	default:
		return 0;
	}
}

/* Puts the transformed value of letter l; the buffers hold the computed ones. */
static void
put_letter(struct sink *s, const struct spf_macro_vars *v, char l, const char *set,
    size_t setlen, unsigned nparts, int rev, int escape)
{
	char tmp[INET6_ADDRSTRLEN > 64 ? INET6_ADDRSTRLEN : 64];
	const char *val = "";
	size_t len = 0;
	int n;

	switch (l) {
	case 's': val = v->sender; len = v->sender_len; break;
	case 'l': val = v->local; len = v->local_len; break;
	case 'o': val = v->sender_domain; len = v->sender_domain_len; break;
	case 'd': val = v->domain; len = v->domain_len; break;
	case 'h': val = v->helo; len = v->helo_len; break;
	case 'p':
		val = v->ptr != NULL ? v->ptr : "unknown";
		len = v->ptr != NULL ? v->ptr_len : 7;
		break;
	case 'r':
		val = v->receiver != NULL ? v->receiver : "unknown";
		len = v->receiver != NULL ? v->receiver_len : 7;
		break;
	case 'v':
		val = v->family == AF_INET ? "in-addr" : "ip6";
		len = strlen(val);
		break;
	case 't':
		n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v->now);
		val = tmp;
		len = n > 0 && (size_t)n < sizeof(tmp) ? (size_t)n : 0;
		break;
	case 'c':
		if (inet_ntop(v->family, v->ip, tmp, sizeof(tmp)) != NULL) {
			val = tmp;
			len = strlen(tmp);
		}
		break;
	case 'i':
		if (v->family == AF_INET) {
			n = snprintf(tmp, sizeof(tmp), "%u.%u.%u.%u", v->ip[0], v->ip[1],
			    v->ip[2], v->ip[3]);
			len = n > 0 && (size_t)n < sizeof(tmp) ? (size_t)n : 0;
		} else {
			/* 7.3: dot-format, one nibble per label, as in ip6.arpa names. */
			static const char hex[] = "0123456789abcdef";
			size_t k;

			for (k = 0; k < 32; k++) {
				unsigned char b = v->ip[k / 2];

				tmp[len++] = hex[(k % 2) ? (b & 0xf) : (b >> 4)];
				if (k < 31)
					tmp[len++] = '.';
			}
		}
		val = tmp;
		break;
	}
	if (val == NULL) {
		val = "";
		len = 0;
	}
	put_transformed(s, val, len, set, setlen, nparts, rev, escape);
}

/*
 * The one walk over a macro string: checks it, and expands it into s when v is not
 * NULL. info gets the literal tail and the letters used.
 */
static enum spf_macro_err
walk(const char *buf, size_t len, enum spf_macro_ctx ctx, const struct spf_macro_vars *v,
    struct sink *s, struct spf_macro_info *info, const char **reason)
{
	size_t i = 0, tail = 0;
	unsigned letters = 0;

	while (i < len) {
		unsigned char c = (unsigned char)buf[i];

		if (c != '%') {
			if (c == ' ' ? ctx != SPF_MACRO_EXPLAIN : (c < 0x21 || c > 0x7e)) {
				*reason = "character not allowed in a macro string";
				return SPF_MACRO_SYNTAX;
			}
			if (v != NULL)
				put(s, (char)c);
			i++;
			continue;
		}
		if (i + 1 >= len) {
			*reason = "'%' at end of macro string";
			return SPF_MACRO_SYNTAX;
		}
		switch (buf[i + 1]) {
		case '%':
			if (v != NULL)
				put(s, '%');
			i += 2;
			break;
		case '_':
			if (v != NULL)
				put(s, ' ');
			i += 2;
			break;
		case '-':
			if (v != NULL)
				put_str(s, "%20", 3);
			i += 2;
			break;
		case '{': {
			char letter, lower;
			unsigned nparts = 0;
			int rev = 0, digits = 0;
			size_t set;

			i += 2;
			if (i >= len) {
				*reason = "unterminated macro";
				return SPF_MACRO_SYNTAX;
			}
			letter = buf[i++];
			lower = (letter >= 'A' && letter <= 'Z') ? (char)(letter + 32) : letter;
			if (!letter_allowed(lower, ctx)) {
				*reason = (lower == 'c' || lower == 'r' || lower == 't') ?
				    "macro letter allowed only in explanation text" :
				    "unknown macro letter";
				return SPF_MACRO_SYNTAX;
			}
			while (i < len && buf[i] >= '0' && buf[i] <= '9') {
				nparts = nparts * 10 + (unsigned)(buf[i++] - '0');
				if (nparts > SPF_MACRO_PARTS_MAX)
					nparts = SPF_MACRO_PARTS_MAX;
				digits = 1;
			}
			if (digits && nparts == 0) {
				*reason = "macro part count of zero";
				return SPF_MACRO_SYNTAX;
			}
			if (i < len && (buf[i] == 'r' || buf[i] == 'R')) {
				rev = 1;
				i++;
			}
			set = i;
			while (i < len && is_delim(buf[i]))
				i++;
			if (i >= len || buf[i] != '}') {
				*reason = "malformed macro";
				return SPF_MACRO_SYNTAX;
			}
			if (lower == 'p')
				letters |= SPF_MACRO_USES_P;
			if (v != NULL)
				put_letter(s, v, lower, buf + set, i - set, nparts, rev,
				    letter != lower);
			i++;
			break;
		}
		default:
			*reason = "'%' not followed by '{', '%', '_' or '-'";
			return SPF_MACRO_SYNTAX;
		}
		tail = i;
	}
	if (info != NULL) {
		info->tail = tail;
		info->letters = letters;
	}
	return SPF_MACRO_OK;
}

enum spf_macro_err
spf_macro_check(const char *buf, size_t len, enum spf_macro_ctx ctx,
    struct spf_macro_info *info, const char **reason)
{
	return walk(buf, len, ctx, NULL, NULL, info, reason);
}

enum spf_macro_err
spf_macro_expand(const char *buf, size_t len, enum spf_macro_ctx ctx,
    const struct spf_macro_vars *v, char *out, size_t outsz, size_t *outlen,
    const char **reason)
{
	struct sink s = { out, outsz > 0 ? outsz - 1 : 0, 0, 0, 0 };
	enum spf_macro_err e;

	*outlen = 0;
	if (outsz == 0) {
		*reason = "no room for the expansion";
		return SPF_MACRO_TOO_LONG;
	}
	e = walk(buf, len, ctx, v, &s, NULL, reason);
	if (e == SPF_MACRO_OK && s.total > s.cap) {
		*reason = "macro expansion too long";
		e = SPF_MACRO_TOO_LONG;
	}
	if (e != SPF_MACRO_OK) {
		out[0] = '\0';
		return e;
	}
	out[s.n] = '\0';
	*outlen = s.n;
	return SPF_MACRO_OK;
}

enum spf_macro_err
spf_macro_expand_domain(const char *buf, size_t len, const struct spf_macro_vars *v,
    char *out, size_t *outlen, const char **reason)
{
	struct sink s = { out, SPF_MACRO_DOMAIN_BUF - 1, 0, 0, 0 };
	enum spf_macro_err e;
	size_t n, k;

	*outlen = 0;
	if ((e = walk(buf, len, SPF_MACRO_DOMAIN, v, &s, NULL, reason)) != SPF_MACRO_OK) {
		out[0] = '\0';
		return e;
	}
	if (s.total > s.cap) {
		/* Only the right-hand end can survive the cut: expand again, keep that. */
		struct sink r = { out, s.cap, 0, s.total - s.cap, 0 };

		(void)walk(buf, len, SPF_MACRO_DOMAIN, v, &r, NULL, reason);
		s = r;
	}
	n = s.n;
	if (n > 0 && out[n - 1] == '.')
		n--;
	if (n > SPF_DOMAIN_MAX) {
		for (k = 0; k < n; k++)
			if (out[k] == '.' && n - k - 1 <= SPF_DOMAIN_MAX)
				break;
		if (k == n) {
			out[0] = '\0';
			*reason = "expanded domain has a label too long to cut";
			return SPF_MACRO_TOO_LONG;
		}
		memmove(out, out + k + 1, n - k - 1);
		n = n - k - 1;
	}
	out[n] = '\0';
	*outlen = n;
	return SPF_MACRO_OK;
}
