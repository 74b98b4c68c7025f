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
		sodium_memzero(t->v, t->n * sizeof(*t->v));
		free(t->v);
	}
	t->v = NULL;
	t->n = 0;
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

	out->v = NULL;
	out->n = 0;
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
		t = &out->v[out->n++];
		memset(t, 0, sizeof(*t));
		memcpy(t->name, buf + s, colon - s);
		t->len = e - colon - 1;
		memcpy(t->token, buf + colon + 1, t->len);
		for (k = 0; k + 1 < out->n; k++) {
			if (strcmp(out->v[k].name, t->name) == 0)
				return fail(out, why, "name given twice");
			if (out->v[k].len == t->len &&
			    memcmp(out->v[k].token, t->token, t->len) == 0)
				return fail(out, why, "token given twice");
		}
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

static int
same_token(const struct admin_token *a, const struct admin_token *b)
{
	return a->len == b->len && memcmp(a->token, b->token, a->len) == 0;
}

int
admin_tokens_add(struct admin_tokens *t, const char *buf, size_t len,
    const char *domain, const char **why)
{
	struct admin_tokens in;
	char dom[ADMIN_DOMAIN_MAX + 1];
	size_t i, k, dl = 0, added = 0;

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
		int known = 0;

		for (k = 0; k < t->n; k++) {
			int same_name = strcmp(t->v[k].name, in.v[i].name) == 0;
			int same_tok = same_token(&t->v[k], &in.v[i]);

			if (!same_name && !same_tok)
				continue;
			if (same_tok && (t->v[k].scope.all || domain == NULL))
				*why = t->v[k].scope.all ? "token also in [web] admin_tokens" :
				    "token also in a [domain] admin_tokens";
			else if (same_name != same_tok)
				*why = same_name ? "name stands for another token elsewhere" :
				    "token given elsewhere under another name";
			else {
				known = 1;
				continue;
			}
			admin_tokens_clear(&in);
			return -1;
		}
		if (!known)
			added++;
	}
	if (added > ADMIN_KEYS_MAX - t->n) {
		admin_tokens_clear(&in);
		*why = "too many tokens in the whole file";
		return -1;
	}
	t->v = xreallocarray(t->v, t->n + added, sizeof(*t->v));
	for (i = 0; i < in.n; i++) {
		struct admin_token *to = NULL;

		for (k = 0; k < t->n && to == NULL; k++)
			if (same_token(&t->v[k], &in.v[i]))
				to = &t->v[k];
		if (to == NULL) {
			to = &t->v[t->n++];
			*to = in.v[i];
			memset(&to->scope, 0, sizeof(to->scope));
			to->scope.all = domain == NULL;
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
	size_t i;

	if (len == 0 || len > ADMIN_TOKEN_MAX)
		return NULL;
	memset(pad, 0, sizeof(pad));
	memcpy(pad, cred, len);
	for (i = 0; i < t->n; i++) {
		int same = sodium_memcmp(pad, t->v[i].token, sizeof(pad)) == 0;

		/* the padding is zeros on both sides: lengths must match too */
		if (same & (t->v[i].len == len))
			found = &t->v[i];
	}
	sodium_memzero(pad, sizeof(pad));
	return found;
}
