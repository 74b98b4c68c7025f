/*
 * admin_auth.c - admin API tokens. See admin_auth.h.
 */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "release-web/admin_auth.h"

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

void
admin_tokens_clear(struct admin_tokens *t)
{
	if (t->v != NULL) {
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

const char *
admin_tokens_check(const struct admin_tokens *t, const char *cred, size_t len)
{
	unsigned char pad[ADMIN_TOKEN_MAX];
	const char *found = NULL;
	size_t i;

	if (len == 0 || len > ADMIN_TOKEN_MAX)
		return NULL;
	memset(pad, 0, sizeof(pad));
	memcpy(pad, cred, len);
	for (i = 0; i < t->n; i++) {
		int same = sodium_memcmp(pad, t->v[i].token, sizeof(pad)) == 0;

		/* the padding is zeros on both sides: lengths must match too */
		if (same & (t->v[i].len == len))
			found = t->v[i].name;
	}
	sodium_memzero(pad, sizeof(pad));
	return found;
}
