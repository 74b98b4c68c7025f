/*
 * admin_auth.c - admin API tokens and what each reaches. See admin_auth.h.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/xmalloc.h"
#include "release-web/admin_auth.h"

/* RFC 1035 2.3.4: a domain name is at most 255 octets. */
#define ADMIN_DOMAIN_MAX	255
/* Index slots: a power of two, at least twice the tokens. */
#define ADMIN_INDEX_MIN		16

_Static_assert(sizeof(((struct admin_tokens *)0)->key) == crypto_shorthash_KEYBYTES,
    "the index key is a SipHash key");
_Static_assert(ADMIN_KEYS_MAX < UINT32_MAX, "index slots are uint32_t");

static size_t
keyed(const struct admin_tokens *t, const void *buf, size_t len)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(h, buf, len, t->key);
	for (i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	return (size_t)v;
}

static void
slot_put(uint32_t *slots, size_t mask, size_t h, size_t i)
{
	size_t s = h & mask;

	while (slots[s] != 0)
		s = (s + 1) & mask;
	slots[s] = (uint32_t)(i + 1);
}

/* Puts t->v[i] in both indexes, growing them first when needed. */
static void
index_add(struct admin_tokens *t, size_t i)
{
	size_t k;

	if (t->nslots == 0)
		randombytes_buf(t->key, sizeof(t->key));
	if (2 * (t->n + 1) > t->nslots) {
		free(t->byname);
		free(t->bytoken);
		t->nslots = t->nslots ? t->nslots * 2 : ADMIN_INDEX_MIN;
		t->byname = xcalloc(t->nslots, sizeof(*t->byname));
		t->bytoken = xcalloc(t->nslots, sizeof(*t->bytoken));
		for (k = 0; k < i; k++)
			index_add(t, k);
	}
	slot_put(t->byname, t->nslots - 1, keyed(t, t->v[i].name, strlen(t->v[i].name)), i);
	slot_put(t->bytoken, t->nslots - 1, keyed(t, t->v[i].token, t->v[i].len), i);
}

static struct admin_token *
by_name(const struct admin_tokens *t, const char *name)
{
	size_t s;

	if (t->nslots == 0)
		return NULL;
	for (s = keyed(t, name, strlen(name)) & (t->nslots - 1); t->byname[s] != 0;
	    s = (s + 1) & (t->nslots - 1))
		if (strcmp(t->v[t->byname[s] - 1].name, name) == 0)
			return &t->v[t->byname[s] - 1];
	return NULL;
}

/* At load time only: memcmp, not constant time (admin_tokens_check is). */
static struct admin_token *
by_token(const struct admin_tokens *t, const unsigned char *tok, size_t len)
{
	size_t s;

	if (t->nslots == 0)
		return NULL;
	for (s = keyed(t, tok, len) & (t->nslots - 1); t->bytoken[s] != 0;
	    s = (s + 1) & (t->nslots - 1)) {
		const struct admin_token *k = &t->v[t->bytoken[s] - 1];

		if (k->len == len && memcmp(k->token, tok, len) == 0)
			return &t->v[t->bytoken[s] - 1];
	}
	return NULL;
}

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int
token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("._~+/=-", c) != NULL);
}

static void
scope_clear(struct admin_scope *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->domains[i]);
	free(s->domains);
	memset(s, 0, sizeof(*s));
}

void
admin_tokens_clear(struct admin_tokens *t)
{
	size_t i;

	if (t->v != NULL) {
		for (i = 0; i < t->n; i++)
			scope_clear(&t->v[i].scope);
		sodium_memzero(t->v, t->cap * sizeof(*t->v));
		free(t->v);
	}
	free(t->byname);
	free(t->bytoken);
	t->byname = t->bytoken = NULL;
	t->nslots = 0;
	sodium_memzero(t->key, sizeof(t->key));
	t->v = NULL;
	t->n = t->cap = 0;
}

static int
fail(struct admin_tokens *out, const char **why, const char *reason)
{
	admin_tokens_clear(out);
	*why = reason;
	return -1;
}

int
admin_tokens_parse(const char *buf, size_t len, struct admin_tokens *out,
    const char **why)
{
	size_t i = 0, s, e, colon, k;
	struct admin_token *t;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		while (i < len && buf[i] == ' ')
			i++;
		s = i;
		while (i < len && buf[i] != ',')
			i++;
		e = i;
		while (e > s && buf[e - 1] == ' ')
			e--;
		if (i < len && ++i == len)
			return fail(out, why, "empty item");	/* a trailing comma */
		if (e == s)
			return fail(out, why, "empty item");
		if (out->n >= ADMIN_TOKENS_MAX)
			return fail(out, why, "too many tokens");
		for (colon = s; colon < e && buf[colon] != ':'; colon++)
			if (!name_char(buf[colon]))
				return fail(out, why, "name: expected [a-z0-9_-]");
		if (colon == e)
			return fail(out, why, "expected name:token");
		if (colon == s || colon - s > ADMIN_NAME_MAX)
			return fail(out, why, "name: 1 to 32 characters");
		if (e - colon - 1 < ADMIN_TOKEN_MIN || e - colon - 1 > ADMIN_TOKEN_MAX)
			return fail(out, why, "token: 16 to 128 characters");
		for (k = colon + 1; k < e; k++)
			if (!token_char(buf[k]))
				return fail(out, why, "token: expected [A-Za-z0-9._~+/=-]");
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		out->cap = out->n + 1;
		t = &out->v[out->n];
		memset(t, 0, sizeof(*t));
		memcpy(t->name, buf + s, colon - s);
		t->len = e - colon - 1;
		memcpy(t->token, buf + colon + 1, t->len);
		if (by_name(out, t->name) != NULL) {
			sodium_memzero(t, sizeof(*t));
			return fail(out, why, "name given twice");
		}
		if (by_token(out, t->token, t->len) != NULL) {
			sodium_memzero(t, sizeof(*t));
			return fail(out, why, "token given twice");
		}
		index_add(out, out->n++);
	}
	if (out->n == 0)
		return fail(out, why, "no token");
	return 0;
}

/* Puts the domain (lower case, already checked) in s, in order; nothing when there. */
static void
scope_put(struct admin_scope *s, const char *dom)
{
	size_t lo = 0, hi = s->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(s->domains[mid], dom)) == 0)
			return;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->domains = xreallocarray(s->domains, s->n + 1, sizeof(*s->domains));
	memmove(s->domains + lo + 1, s->domains + lo, (s->n - lo) * sizeof(*s->domains));
	s->domains[lo] = xstrdup(dom);
	s->n++;
}

int
admin_tokens_add(struct admin_tokens *t, const char *buf, size_t len,
    const char *domain, const char **why)
{
	struct admin_tokens in;
	char dom[ADMIN_DOMAIN_MAX + 1];
	size_t i, dl = 0, added = 0;

	if (domain != NULL) {
		dl = strlen(domain);
		if (dl > 0 && domain[dl - 1] == '.')
			dl--;
		if (dl == 0 || dl > ADMIN_DOMAIN_MAX) {
			*why = "not a domain name";
			return -1;
		}
		for (i = 0; i < dl; i++) {
			char c = domain[i];

			/* as config.c takes them: letters, digits, '-', non-empty labels */
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' ||
			    (c == '.' && i > 0 && i + 1 < dl && domain[i + 1] != '.'))) {
				*why = "not a domain name";
				return -1;
			}
			dom[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		dom[dl] = '\0';
	}
	if (admin_tokens_parse(buf, len, &in, why) != 0)
		return -1;
	/* every check before any change, so that t is unchanged on an error */
	for (i = 0; i < in.n; i++) {
		const struct admin_token *kn = by_name(t, in.v[i].name);
		const struct admin_token *kt = by_token(t, in.v[i].token, in.v[i].len);

		if (kt != NULL && (kt->scope.all || domain == NULL))
			*why = kt->scope.all ? "token also in [web] admin_tokens" :
			    "token also in a [domain] admin_tokens";
		else if (kn != kt)
			*why = kn != NULL ? "name stands for another token elsewhere" :
			    "token given elsewhere under another name";
		else {
			added += kt == NULL;	/* else the same pair: one more domain */
			continue;
		}
		admin_tokens_clear(&in);
		return -1;
	}
	if (added > ADMIN_KEYS_MAX - t->n) {
		admin_tokens_clear(&in);
		*why = "too many tokens in the whole file";
		return -1;
	}
	if (t->n + added > t->cap) {
		/* doubling: ten thousand domains' lists are merged one by one */
		t->cap = t->n + added > 2 * t->cap ? t->n + added : 2 * t->cap;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	for (i = 0; i < in.n; i++) {
		struct admin_token *to = by_token(t, in.v[i].token, in.v[i].len);

		if (to == NULL) {
			to = &t->v[t->n];
			*to = in.v[i];
			memset(&to->scope, 0, sizeof(to->scope));
			to->scope.all = domain == NULL;
			index_add(t, t->n++);
		}
		if (domain != NULL)
			scope_put(&to->scope, dom);
	}
	admin_tokens_clear(&in);
	return 0;
}

int
admin_tokens_load(const struct config *cf, struct admin_tokens *out, char *err,
    size_t errsz)
{
	const char *why;
	size_t i;

	out->v = NULL;
	out->n = 0;
	if (cf->admin_tokens[0] != '\0' && admin_tokens_add(out, cf->admin_tokens,
	    strlen(cf->admin_tokens), NULL, &why) != 0) {
		snprintf(err, errsz, "%s: [web] admin_tokens: %s (required with "
		    "admin_listen)", cf->path, why);
		return -1;
	}
	for (i = 0; i < cf->ndomains; i++) {
		const struct domain_config *d = &cf->domains[i];

		if (d->admin_tokens[0] == '\0')
			continue;
		if (admin_tokens_add(out, d->admin_tokens, strlen(d->admin_tokens), d->name,
		    &why) != 0) {
			snprintf(err, errsz, "%s:%u: [domain %s] admin_tokens: %s", cf->path,
			    d->admin_tokens_line, d->name, why);
			admin_tokens_clear(out);
			return -1;
		}
	}
	if (out->n == 0) {
		snprintf(err, errsz, "%s: [web] admin_tokens: no token (required with "
		    "admin_listen, unless a [domain] section has some)", cf->path);
		return -1;
	}
	return 0;
}

const struct admin_token *
admin_tokens_check(const struct admin_tokens *t, const char *cred, size_t len)
{
	unsigned char pad[ADMIN_TOKEN_MAX];
	const struct admin_token *found = NULL;
	size_t s;

	if (len == 0 || len > ADMIN_TOKEN_MAX || t->nslots == 0)
		return NULL;
	memset(pad, 0, sizeof(pad));
	memcpy(pad, cred, len);
	/* every token of the probed slots is compared, not only up to the first match */
	for (s = keyed(t, pad, len) & (t->nslots - 1); t->bytoken[s] != 0;
	    s = (s + 1) & (t->nslots - 1)) {
		const struct admin_token *k = &t->v[t->bytoken[s] - 1];
		int same = sodium_memcmp(pad, k->token, sizeof(pad)) == 0;

		/* the padding is zeros on both sides: lengths must match too */
		if (same & (k->len == len))
			found = k;
	}
	sodium_memzero(pad, sizeof(pad));
	return found;
}
