/*
 * admin_auth.h - the admin API's bearer tokens: parsed from [web] admin_tokens
 * ("name:token,name:token"), checked in constant time.
 *
 * A name is 1..ADMIN_NAME_MAX of [a-z0-9_-] (it goes into the audit log as
 * "admin:NAME" and into log lines); a token is ADMIN_TOKEN_MIN..ADMIN_TOKEN_MAX
 * characters of [A-Za-z0-9._~+/=-] (RFC 6750 section 2.1, b64token). Spaces around
 * items are allowed; an empty item, a repeated name or token, or more than
 * ADMIN_TOKENS_MAX pairs is an error.
 * Ownership: admin_tokens_clear wipes the tokens (sodium_memzero) and frees them.
 */
#ifndef ECLUSE_ADMIN_AUTH_H
#define ECLUSE_ADMIN_AUTH_H

#include <stddef.h>

#define ADMIN_NAME_MAX		32
/* Below 16 characters a token can be guessed online; 128 holds any generator's. */
#define ADMIN_TOKEN_MIN		16
#define ADMIN_TOKEN_MAX		128
/* Operators and scripts, not users. */
#define ADMIN_TOKENS_MAX	64

struct admin_token {
	char		name[ADMIN_NAME_MAX + 1];
	unsigned char	token[ADMIN_TOKEN_MAX];	/* zero-padded */
	size_t		len;
};

struct admin_tokens {
	struct admin_token	*v;
	size_t			 n;
};

/* 0, or -1 with *why (static text) and out empty. */
int admin_tokens_parse(const char *buf, size_t len, struct admin_tokens *out,
    const char **why);
void admin_tokens_clear(struct admin_tokens *t);

/* The name of the token equal to (cred, len), or NULL. Every configured token is
 * compared, each over ADMIN_TOKEN_MAX bytes with sodium_memcmp, so the time does not
 * depend on where a guess differs or which token it is closest to. */
const char *admin_tokens_check(const struct admin_tokens *t, const char *cred,
    size_t len);

#endif
