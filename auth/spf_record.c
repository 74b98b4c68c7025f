/*
 * spf_record.c - the SPF record parser (RFC 7208 4.5, 4.6.1, 5, 6, 7.1).
 *
 * Grammar (4.6.1, 5, 6, 7.1), names case-insensitive:
 *   record    = version terms *SP          version = "v=spf1"
 *   terms     = *( 1*SP ( directive / modifier ) )
 *   directive = [ qualifier ] mechanism    qualifier = "+" / "-" / "?" / "~"
 *   mechanism = all / include / a / mx / ptr / ip4 / ip6 / exists
 *   modifier  = redirect / explanation / unknown-modifier
 *   unknown-modifier = name "=" macro-string
 *   name      = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
 *   domain-spec = macro-string domain-end
 *   domain-end  = ( "." toplabel [ "." ] ) / macro-expand
 *   toplabel  = ( *alphanum ALPHA *alphanum ) /
 *               ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
 *   dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]
 * Terms are separated by SP only: any other control byte is inside a term and makes
 * it invalid (4.6.1). A term whose name is followed by "=" is a modifier; "redirect"
 * and "exp" never fall back to unknown-modifier when their value is bad (the suite's
 * reading of 6.1 and 6.2). CIDR lengths take no leading zero, as ip4 octets do (5.6).
 *
 * Nothing is allocated; terms point into the caller's record.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "auth/spf_macro.h"
#include "auth/spf_record.h"

/* Longest text inet_pton accepts for each family, plus its NUL. */
#define IP4_TEXT_MAX INET_ADDRSTRLEN
#define IP6_TEXT_MAX INET6_ADDRSTRLEN

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_name_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.';
}

/* (p, n) is name, ASCII case-insensitively (names are ABNF strings). */
static int
name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

int
spf_record_is_spf(const char *buf, size_t len)
{
	return len >= 6 && strncasecmp(buf, "v=spf1", 6) == 0 && (len == 6 || buf[6] == ' ');
}

int
spf_record_toplabel_ok(const char *p, size_t n)
{
	size_t i;
	int alpha = 0, dash = 0;

	if (n == 0 || p[0] == '-' || p[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (is_alpha(p[i]))
			alpha = 1;
		else if (p[i] == '-')
			dash = 1;
		else if (!is_digit(p[i]))
			return 0;
	}
	return alpha || dash;
}

static int
domain_spec_ok(const char *s, size_t n, const char **reason)
{
	struct spf_macro_info info;
	size_t end, dot;

	if (n == 0) {
		*reason = "empty domain-spec";
		return 0;
	}
	if (spf_macro_check(s, n, SPF_MACRO_DOMAIN, &info, reason) != SPF_MACRO_OK)
		return 0;
	if (info.tail == n)
		return 1;	/* ends with a macro-expand */
	end = n;
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > info.tail && s[dot - 1] != '.'; dot--)
		;
	if (dot == info.tail || !spf_record_toplabel_ok(s + dot, end - dot)) {
		*reason = "domain-spec does not end in a valid top label";
		return 0;
	}
	return 1;
}

/* A CIDR length: 1 to 3 digits, no leading zero, at most max. */
static int
cidr_num(const char *p, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return 0;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v > max)
		return 0;
	*out = v;
	return 1;
}

/* dual-cidr-length: "", "/N", "//M" or "/N//M". */
static int
dual_cidr(const char *p, size_t n, struct spf_term *t)
{
	size_t k;

	if (n == 0)
		return 1;
	if (p[0] != '/')
		return 0;
	if (n >= 2 && p[1] == '/')
		return cidr_num(p + 2, n - 2, SPF_CIDR6_MAX, &t->cidr6);
	for (k = 1; k < n && p[k] != '/'; k++)
		;
	if (!cidr_num(p + 1, k - 1, SPF_CIDR4_MAX, &t->cidr4))
		return 0;
	if (k == n)
		return 1;
	if (n - k < 2 || p[k + 1] != '/')
		return 0;
	return cidr_num(p + k + 2, n - k - 2, SPF_CIDR6_MAX, &t->cidr6);
}

/*
 * Where a dual-cidr-length at the end of an "a:" or "mx:" argument starts (n when
 * there is none). A domain-spec cannot end in "/" DIGIT (its end is a top label or a
 * macro), so the split is unambiguous.
 */
static size_t
cidr_suffix(const char *p, size_t n)
{
	size_t d, s, d2;

	for (d = n; d > 0 && is_digit(p[d - 1]); d--)
		;
	if (d == n || d == 0 || p[d - 1] != '/')
		return n;
	s = d - 1;
	if (s > 0 && p[s - 1] == '/') {
		s--;
		for (d2 = s; d2 > 0 && is_digit(p[d2 - 1]); d2--)
			;
		if (d2 < s && d2 > 0 && p[d2 - 1] == '/')
			s = d2 - 1;
	}
	return s;
}

static int
parse_ip(int family, const char *p, size_t n, unsigned char *addr)
{
	char text[IP6_TEXT_MAX];
	size_t max = family == AF_INET ? IP4_TEXT_MAX : IP6_TEXT_MAX;

	if (n == 0 || n >= max)
		return 0;
	memcpy(text, p, n);
	text[n] = '\0';
	return inet_pton(family, text, addr) == 1;
}

/* ip4:network[/N] or ip6:network[/N]; rest starts after the mechanism name. */
static enum spf_parse
parse_ip_mech(struct spf_term *t, const char *rest, size_t n, const char **reason)
{
	int v4 = t->type == SPF_TERM_IP4;
	size_t k;

	if (n == 0 || rest[0] != ':') {
		*reason = v4 ? "ip4 needs ':' and a network" : "ip6 needs ':' and a network";
		return SPF_PARSE_ERROR;
	}
	rest++;
	n--;
	for (k = 0; k < n && rest[k] != '/'; k++)
		;
	if (!parse_ip(v4 ? AF_INET : AF_INET6, rest, k, t->addr)) {
		*reason = v4 ? "bad ip4 network" : "bad ip6 network";
		return SPF_PARSE_ERROR;
	}
	if (k < n && !cidr_num(rest + k + 1, n - k - 1, v4 ? SPF_CIDR4_MAX : SPF_CIDR6_MAX,
	    v4 ? &t->cidr4 : &t->cidr6)) {
		*reason = "bad CIDR length";
		return SPF_PARSE_ERROR;
	}
	return SPF_PARSE_TERM;
}

/* a and mx: [ ":" domain-spec ] [ dual-cidr-length ]. */
static enum spf_parse
parse_a_mx(struct spf_term *t, const char *rest, size_t n, const char **reason)
{
	size_t s;

	if (n > 0 && rest[0] == ':') {
		rest++;
		n--;
		s = cidr_suffix(rest, n);
		if (!domain_spec_ok(rest, s, reason))
			return SPF_PARSE_ERROR;
		t->spec = rest;
		t->spec_len = s;
		rest += s;
		n -= s;
	}
	if (!dual_cidr(rest, n, t)) {
		*reason = "bad CIDR length";
		return SPF_PARSE_ERROR;
	}
	return SPF_PARSE_TERM;
}

/* A ":" domain-spec argument: required for include and exists, optional for ptr. */
static enum spf_parse
parse_domain_arg(struct spf_term *t, const char *rest, size_t n, int required,
    const char **reason)
{
	if (n == 0 && !required)
		return SPF_PARSE_TERM;
	if (n == 0 || rest[0] != ':') {
		*reason = required ? "mechanism needs ':' and a domain-spec" :
		    "unexpected text after mechanism";
		return SPF_PARSE_ERROR;
	}
	if (!domain_spec_ok(rest + 1, n - 1, reason))
		return SPF_PARSE_ERROR;
	t->spec = rest + 1;
	t->spec_len = n - 1;
	return SPF_PARSE_TERM;
}

static enum spf_parse
parse_modifier(struct spf_term *t, const char *name, size_t name_len, const char *val,
    size_t val_len, const char **reason)
{
	t->spec = val;
	t->spec_len = val_len;
	if (name_is(name, name_len, "redirect"))
		t->type = SPF_TERM_REDIRECT;
	else if (name_is(name, name_len, "exp"))
		t->type = SPF_TERM_EXP;
	else
		t->type = SPF_TERM_UNKNOWN;
	if (t->type != SPF_TERM_UNKNOWN)
		return domain_spec_ok(val, val_len, reason) ? SPF_PARSE_TERM : SPF_PARSE_ERROR;
	t->name = name;
	t->name_len = name_len;
	if (spf_macro_check(val, val_len, SPF_MACRO_MODIFIER, NULL, reason) != SPF_MACRO_OK)
		return SPF_PARSE_ERROR;
	return SPF_PARSE_TERM;
}

/* What may follow a mechanism name. */
enum arg {
	ARG_NONE,		/* all */
	ARG_DOMAIN,		/* include, exists: ":" domain-spec */
	ARG_DOMAIN_OPT,		/* ptr: [ ":" domain-spec ] */
	ARG_DOMAIN_CIDR,	/* a, mx: [ ":" domain-spec ] [ dual-cidr-length ] */
	ARG_IP,			/* ip4, ip6: ":" network [ cidr-length ] */
};

static const struct {
	const char		*name;
	size_t			 len;
	enum spf_term_type	 type;
	enum arg		 arg;
} mechanisms[] = {
	{ "ip4", 3, SPF_TERM_IP4, ARG_IP },
	{ "include", 7, SPF_TERM_INCLUDE, ARG_DOMAIN },
	{ "a", 1, SPF_TERM_A, ARG_DOMAIN_CIDR },
	{ "mx", 2, SPF_TERM_MX, ARG_DOMAIN_CIDR },
	{ "all", 3, SPF_TERM_ALL, ARG_NONE },
	{ "ip6", 3, SPF_TERM_IP6, ARG_IP },
	{ "ptr", 3, SPF_TERM_PTR, ARG_DOMAIN_OPT },
	{ "exists", 6, SPF_TERM_EXISTS, ARG_DOMAIN },
};

static enum spf_parse
parse_term(const char *p, size_t n, struct spf_term *t, const char **reason)
{
	size_t i = 0, k, m;

	memset(t, 0, sizeof(*t));
	t->text = p;
	t->text_len = n;
	t->qualifier = '+';
	t->cidr4 = SPF_CIDR4_MAX;
	t->cidr6 = SPF_CIDR6_MAX;

	if (is_alpha(p[0])) {
		for (k = 1; k < n && is_name_char(p[k]); k++)
			;
		if (k < n && p[k] == '=')
			return parse_modifier(t, p, k, p + k + 1, n - k - 1, reason);
	}
	if (p[0] == '+' || p[0] == '-' || p[0] == '~' || p[0] == '?') {
		t->qualifier = p[0];
		i = 1;
	}
	for (k = i; k < n && p[k] != ':' && p[k] != '/'; k++)
		;
	for (m = 0; m < sizeof(mechanisms) / sizeof(mechanisms[0]); m++)
		if (k - i == mechanisms[m].len &&
		    strncasecmp(p + i, mechanisms[m].name, mechanisms[m].len) == 0)
			break;
	if (m == sizeof(mechanisms) / sizeof(mechanisms[0])) {
		*reason = "unknown mechanism";
		return SPF_PARSE_ERROR;
	}
	t->type = mechanisms[m].type;
	switch (mechanisms[m].arg) {
	case ARG_NONE:
		if (k != n) {
			*reason = "all takes no argument";
			return SPF_PARSE_ERROR;
		}
		return SPF_PARSE_TERM;
	case ARG_DOMAIN:
		return parse_domain_arg(t, p + k, n - k, 1, reason);
	case ARG_DOMAIN_OPT:
		return parse_domain_arg(t, p + k, n - k, 0, reason);
	case ARG_DOMAIN_CIDR:
		return parse_a_mx(t, p + k, n - k, reason);
	case ARG_IP:
		return parse_ip_mech(t, p + k, n - k, reason);
	}
	*reason = "unknown mechanism";
	return SPF_PARSE_ERROR;
}

void
spf_record_begin(struct spf_record_iter *it, const char *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->pos = len < 6 ? len : 6;	/* after "v=spf1" */
}

enum spf_parse
spf_record_next(struct spf_record_iter *it, struct spf_term *term, const char **reason)
{
	size_t start;

	while (it->pos < it->len && it->buf[it->pos] == ' ')
		it->pos++;
	if (it->pos == it->len)
		return SPF_PARSE_END;
	start = it->pos;
	while (it->pos < it->len && it->buf[it->pos] != ' ')
		it->pos++;
	return parse_term(it->buf + start, it->pos - start, term, reason);
}

enum spf_parse
spf_record_parse(const char *buf, size_t len, struct spf_record_info *info,
    struct spf_term *bad, const char **reason)
{
	struct spf_record_iter it;
	struct spf_term t;
	enum spf_parse r;

	memset(info, 0, sizeof(*info));
	if (!spf_record_is_spf(buf, len)) {
		memset(bad, 0, sizeof(*bad));
		*reason = "not an SPF version 1 record";
		return SPF_PARSE_ERROR;
	}
	spf_record_begin(&it, buf, len);
	while ((r = spf_record_next(&it, &t, reason)) == SPF_PARSE_TERM) {
		info->nterms++;
		if (t.type == SPF_TERM_REDIRECT || t.type == SPF_TERM_EXP) {
			int *has = t.type == SPF_TERM_EXP ? &info->has_exp : &info->has_redirect;

			if (*has) {
				*bad = t;
				*reason = t.type == SPF_TERM_EXP ? "exp= given twice" :
				    "redirect= given twice";
				return SPF_PARSE_ERROR;
			}
			*has = 1;
			if (t.type == SPF_TERM_EXP)
				info->exp = t;
			else
				info->redirect = t;
		}
	}
	if (r == SPF_PARSE_ERROR)
		*bad = t;
	return r;
}
