/*
 * dkim_sig.c - the DKIM-Signature field: tag-list (taglist.h) into struct dkim_sig,
 * with the validity rules of RFC 6376 3.5 and 6.1.1 and RFC 8301 3.1.
 *
 * Strict: any value out of its grammar makes the whole signature invalid (6.1.1:
 * "any inconsistency or unexpected values MUST cause the header field to be
 * completely ignored"). Unknown tags are ignored (3.2). Everything is bounded by
 * the fixed arrays of struct dkim_sig; nothing is allocated.
 */
#include "config.h"

#include <string.h>

#include "auth/dkim_sig.h"
#include "auth/dkim_text.h"
#include "auth/idna.h"
#include "auth/taglist.h"

_Static_assert(DKIM_SIG_B_MAX <= DKIM_BASE64_MAX, "b= must fit the base64 decoder");

/* RFC 1035 2.3.4. */
#define LABEL_MAX 63

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/*
 * A domain name (RFC 6376 3.5 d=, s=: RFC 5321 sub-domains): labels of letters,
 * digits and hyphens, not starting or ending with a hyphen. Underscore is also
 * taken: DNS allows it and some selectors use it.
 */
static int
domain_ok(const char *p, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > DNS_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c == '.') {
			if (label == 0 || p[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || (c == '-' && label > 0)))
			return 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	return label > 0 && p[n - 1] != '-';
}

/*
 * d= or s= (or the domain of i=) into dst (DNS_NAME_MAX + 1 bytes) as the key query
 * and every comparison want it: lower case, U-labels as A-labels (RFC 8616 5 lets an
 * internationalized header carry U-labels there). 0, or -1 when it is no domain name.
 */
static int
domain_copy(char *dst, const char *p, size_t n)
{
	if (idna_to_ascii(p, n, dst, DNS_NAME_MAX + 1, NULL) == IDNA_OK &&
	    domain_ok(dst, strlen(dst)))
		return 0;
	dst[0] = '\0';
	return -1;
}

static void
copy_lower(char *dst, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = lower(p[i]);
	dst[n] = '\0';
}

/* 1*maxdigits DIGIT into *v; fails on anything else or on overflow. */
static int
number(const char *p, size_t n, size_t maxdigits, uint64_t *v)
{
	size_t i;

	if (n == 0 || n > maxdigits)
		return 0;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || *v > (UINT64_MAX - 9) / 10)
			return 0;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return 1;
}

/* Trims folding whitespace on both sides of [*p, *p + *n). */
static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && dkim_is_space(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && dkim_is_space((*p)[*n - 1]))
		(*n)--;
}

/* RFC 5322 ftext. */
static int
is_ftext(char c)
{
	unsigned char u = (unsigned char)c;

	return u >= 33 && u <= 126 && u != ':';
}

/* h=: field names separated by ':', folding whitespace around each. */
static int
parse_h(const char *p, size_t n, struct dkim_sig *sig)
{
	size_t start = 0, i, k;

	sig->nh = 0;
	for (i = 0; i <= n; i++) {
		const char *name;
		size_t len;

		if (i < n && p[i] != ':')
			continue;
		name = p + start;
		len = i - start;
		trim(&name, &len);
		if (len == 0 || sig->nh == DKIM_H_MAX)
			return 0;
		for (k = 0; k < len; k++)
			if (!is_ftext(name[k]))
				return 0;
		sig->h[sig->nh].name = name;
		sig->h[sig->nh].len = len;
		sig->nh++;
		start = i + 1;
	}
	return 1;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * i=: dkim-quoted-printable (RFC 6376 2.11) of [local-part] "@" domain. Decoded into
 * sig->i, a domain part with U-labels as its A-labels (compared with d= as such);
 * the domain part must be a domain name.
 */
static int
parse_i(const char *p, size_t n, struct dkim_sig *sig)
{
	char dom[DNS_NAME_MAX + 1];
	size_t i, o = 0, at = SIZE_MAX, dl;

	for (i = 0; i < n; i++) {
		char c = p[i];

		if (dkim_is_space(c))
			continue;
		if (c == '=') {
			int hi, lo;

			if (i + 2 >= n)
				return 0;
			if ((hi = hexval(p[i + 1])) < 0 || (lo = hexval(p[i + 2])) < 0)
				return 0;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= sizeof(sig->i))
			return 0;
		if (c == '@')
			at = o;
		sig->i[o++] = c;
	}
	sig->i[o] = '\0';
	if (at == SIZE_MAX || domain_copy(dom, sig->i + at + 1, o - at - 1) != 0)
		return 0;
	/* a U-label domain (quoted-printable UTF-8) is kept as its A-labels */
	if (idna_has_8bit(sig->i + at + 1, o - at - 1)) {
		dl = strlen(dom);
		if (dl >= sizeof(sig->i) - at - 1)
			return 0;
		memcpy(sig->i + at + 1, dom, dl + 1);
	}
	sig->i_domain = at + 1;
	return 1;
}

/* The i= domain is d= or a subdomain of it (RFC 6376 6.1.1), on a label boundary. */
static int
auid_in_domain(const struct dkim_sig *sig)
{
	const char *id = sig->i + sig->i_domain;
	size_t il = strlen(id), dl = strlen(sig->d), k;

	if (il < dl)
		return 0;
	for (k = 0; k < dl; k++)
		if (lower(id[il - dl + k]) != sig->d[k])
			return 0;
	return il == dl || id[il - dl - 1] == '.';
}

static int
parse_canon(const char *p, size_t n, enum dkim_canon *out)
{
	if (dkim_eq_nocase(p, n, "simple"))
		*out = DKIM_CANON_SIMPLE;
	else if (dkim_eq_nocase(p, n, "relaxed"))
		*out = DKIM_CANON_RELAXED;
	else
		return 0;
	return 1;
}

static int
parse_c(const char *p, size_t n, struct dkim_sig *sig)
{
	const char *slash = memchr(p, '/', n);

	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	if (slash == NULL)
		return parse_canon(p, n, &sig->hcanon);
	return parse_canon(p, (size_t)(slash - p), &sig->hcanon) &&
	    parse_canon(slash + 1, n - (size_t)(slash - p) - 1, &sig->bcanon);
}

static int
is_b64char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* header.b: the first characters of b=, whitespace left out. */
static void
b_prefix(const struct tag *t, struct dkim_sig *sig)
{
	size_t i, o = 0;

	for (i = 0; i < t->value_len && o < DKIM_B_PREFIX; i++) {
		if (dkim_is_space(t->value[i]))
			continue;
		if (!is_b64char(t->value[i])) {
			o = 0;
			break;
		}
		sig->b_prefix[o++] = t->value[i];
	}
	sig->b_prefix[o] = '\0';
}

/* Where the b= value and its surrounding whitespace lie in the raw field. */
static void
b_region(const char *raw, const char *vend, const struct tag *t, struct dkim_sig *sig)
{
	const char *start = t->name + t->name_len, *end;

	while (*start != '=')
		start++;
	start++;
	end = t->value + t->value_len;
	while (end < vend && *end != ';')
		end++;
	sig->b_off = (size_t)(start - raw);
	sig->b_len_raw = (size_t)(end - start);
}

static enum dkim_sig_err
fail(enum dkim_sig_err err, const char **reason, const char *why)
{
	*reason = why;
	return err;
}

enum dkim_sig_err
dkim_sig_parse(const char *raw, size_t raw_len, const char *value, size_t value_len,
    struct dkim_sig *sig, const char **reason)
{
	struct tag tags[TAGLIST_MAX];
	const struct tag *t, *tb;
	size_t ntags, i, len;
	int from = 0;

	/* Field by field: the struct is mostly buffers, filled as they are parsed. */
	sig->d[0] = sig->s[0] = sig->a[0] = sig->i[0] = sig->b_prefix[0] = '\0';
	sig->i_domain = sig->b_len = sig->nh = sig->b_off = sig->b_len_raw = 0;
	sig->has_l = sig->has_t = sig->has_x = 0;
	sig->l = sig->t = sig->x = 0;
	sig->alg = DKIM_ALG_RSA_SHA256;
	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	if (value < raw || value_len > raw_len || (size_t)(value - raw) > raw_len - value_len)
		return fail(DKIM_SIG_SYNTAX, reason, "value outside the field");
	switch (taglist_parse_utf8(value, value_len, tags, TAGLIST_MAX, &ntags)) {
	case TAGLIST_OK:
		break;
	case TAGLIST_DUPLICATE:
		return fail(DKIM_SIG_SYNTAX, reason, "duplicate tag in signature");
	case TAGLIST_TOO_MANY:
		return fail(DKIM_SIG_SYNTAX, reason, "too many tags in signature");
	default:
		return fail(DKIM_SIG_SYNTAX, reason, "signature syntax error");
	}

	if ((t = taglist_find(tags, ntags, "v")) == NULL)
		return fail(DKIM_SIG_MISSING, reason, "signature missing required tag v=");
	if (t->value_len != 1 || t->value[0] != '1')
		return fail(DKIM_SIG_VERSION, reason, "incompatible signature version");

	if ((t = taglist_find(tags, ntags, "d")) == NULL)
		return fail(DKIM_SIG_MISSING, reason, "signature missing required tag d=");
	if (domain_copy(sig->d, t->value, t->value_len) != 0)
		return fail(DKIM_SIG_SYNTAX, reason, "invalid d= domain");

	if ((t = taglist_find(tags, ntags, "s")) == NULL)
		return fail(DKIM_SIG_MISSING, reason, "signature missing required tag s=");
	/* The key lives at s._domainkey.d: that name must fit too. */
	if (domain_copy(sig->s, t->value, t->value_len) != 0 ||
	    strlen(sig->s) + strlen("._domainkey.") + strlen(sig->d) > DNS_NAME_MAX) {
		sig->s[0] = '\0';
		return fail(DKIM_SIG_SYNTAX, reason, "invalid s= selector");
	}

	if ((t = taglist_find(tags, ntags, "a")) == NULL)
		return fail(DKIM_SIG_MISSING, reason, "signature missing required tag a=");
	if (dkim_eq_nocase(t->value, t->value_len, "rsa-sha256"))
		sig->alg = DKIM_ALG_RSA_SHA256;
	else if (dkim_eq_nocase(t->value, t->value_len, "ed25519-sha256"))
		sig->alg = DKIM_ALG_ED25519_SHA256;
	else if (dkim_eq_nocase(t->value, t->value_len, "rsa-sha1")) {
		memcpy(sig->a, "rsa-sha1", sizeof("rsa-sha1"));
		return fail(DKIM_SIG_ALGORITHM, reason, "rsa-sha1 not accepted (RFC 8301)");
	} else
		return fail(DKIM_SIG_ALGORITHM, reason, "unsupported signature algorithm");
	copy_lower(sig->a, t->value, t->value_len);

	if ((tb = taglist_find(tags, ntags, "b")) == NULL)
		return fail(DKIM_SIG_MISSING, reason, "signature missing required tag b=");
	b_prefix(tb, sig);
	if (dkim_base64(tb->value, tb->value_len, sig->b, sizeof(sig->b), &sig->b_len) != 0)
		return fail(DKIM_SIG_SYNTAX, reason, "invalid b= base64");
	if (sig->b_len == 0)
		return fail(DKIM_SIG_SYNTAX, reason, "empty b= signature");
	b_region(raw, value + value_len, tb, sig);

	if ((t = taglist_find(tags, ntags, "bh")) == NULL)
		return fail(DKIM_SIG_MISSING, reason, "signature missing required tag bh=");
	if (dkim_base64(t->value, t->value_len, sig->bh, sizeof(sig->bh), &len) != 0 ||
	    len != DKIM_HASH_LEN)
		return fail(DKIM_SIG_SYNTAX, reason, "invalid bh= body hash");

	if ((t = taglist_find(tags, ntags, "h")) == NULL)
		return fail(DKIM_SIG_MISSING, reason, "signature missing required tag h=");
	if (!parse_h(t->value, t->value_len, sig))
		return fail(DKIM_SIG_SYNTAX, reason, "invalid h= header list");
	for (i = 0; i < sig->nh; i++)
		if (dkim_eq_nocase(sig->h[i].name, sig->h[i].len, "from"))
			from = 1;
	if (!from)
		return fail(DKIM_SIG_FROM, reason, "From field not signed");

	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	if ((t = taglist_find(tags, ntags, "c")) != NULL &&
	    !parse_c(t->value, t->value_len, sig))
		return fail(DKIM_SIG_CANON, reason, "unsupported c= canonicalization");

	if ((t = taglist_find(tags, ntags, "q")) != NULL &&
	    !dkim_list_has(t->value, t->value_len, "dns/txt"))
		return fail(DKIM_SIG_QUERY, reason, "unsupported q= query method");

	if ((t = taglist_find(tags, ntags, "i")) != NULL) {
		if (!parse_i(t->value, t->value_len, sig))
			return fail(DKIM_SIG_SYNTAX, reason, "invalid i= identity");
		if (!auid_in_domain(sig))
			return fail(DKIM_SIG_AUID, reason, "i= domain not within d=");
	} else {
		sig->i[0] = '@';
		memcpy(sig->i + 1, sig->d, strlen(sig->d) + 1);
		sig->i_domain = 1;
	}

	/* l= is 1*76DIGIT; a value past 2^64 cannot match any body we accept. */
	if ((t = taglist_find(tags, ntags, "l")) != NULL) {
		if (!number(t->value, t->value_len, 76, &sig->l))
			return fail(DKIM_SIG_SYNTAX, reason, "invalid l= body length");
		sig->has_l = 1;
	}
	if ((t = taglist_find(tags, ntags, "t")) != NULL) {
		if (!number(t->value, t->value_len, DKIM_TIME_DIGITS_MAX, &sig->t))
			return fail(DKIM_SIG_SYNTAX, reason, "invalid t= timestamp");
		sig->has_t = 1;
	}
	if ((t = taglist_find(tags, ntags, "x")) != NULL) {
		if (!number(t->value, t->value_len, DKIM_TIME_DIGITS_MAX, &sig->x))
			return fail(DKIM_SIG_SYNTAX, reason, "invalid x= expiration");
		sig->has_x = 1;
		/* 3.5: x= MUST be greater than t=. */
		if (sig->has_t && sig->x <= sig->t)
			return fail(DKIM_SIG_SYNTAX, reason, "x= not after t=");
	}
	*reason = "ok";
	return DKIM_SIG_OK;
}
