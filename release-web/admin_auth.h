/*
 * admin_auth.h - the admin API's bearer tokens: parsed from [web] admin_tokens
 * ("name:token,name:token"; full access) and from each [domain X] admin_tokens (the
 * same syntax; that domain only), checked in constant time.
 *
 * A name is 1..ADMIN_NAME_MAX of [a-z0-9_-] (it goes into the audit log as
 * "admin:NAME" and into log lines); a token is ADMIN_TOKEN_MIN..ADMIN_TOKEN_MAX
 * characters of [A-Za-z0-9._~+/=-] (RFC 6750 section 2.1, b64token). Spaces around
 * items are allowed; an empty item, a repeated name or token, or more than
 * ADMIN_TOKENS_MAX pairs in one list is an error.
 * Across lists (admin_tokens_add): the same name:token under several domains reaches
 * each of them; a token both in [web] and under a domain, a name standing for two
 * tokens, a token under two names, are errors (an operator's slip that would give a
 * customer's administrator more than the operator meant).
 * Ownership: admin_tokens_clear wipes the tokens (sodium_memzero) and frees them
 * and their scopes.
 */
#ifndef ECLUSE_ADMIN_AUTH_H
#define ECLUSE_ADMIN_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define ADMIN_NAME_MAX		32
/* Below 16 characters a token can be guessed online; 128 holds any generator's. */
#define ADMIN_TOKEN_MIN		16
#define ADMIN_TOKEN_MAX		128
/* Operators and scripts, not users: in one list. */
#define ADMIN_TOKENS_MAX	64
/* Every token of a config: a check compares each of them (constant time), so the
 * count bounds a request's cost; an administrator per domain of CONFIG_MAX_DOMAINS
 * (common/config.c), plus the operators'. */
#define ADMIN_KEYS_MAX		(10000 + ADMIN_TOKENS_MAX)

/* What a token reaches: everything (a [web] token), or the served domains listed. */
struct admin_scope {
	int		 all;
	char		**domains;	/* lower case, no trailing dot, sorted, distinct */
	size_t		 n;
};

struct admin_token {
	char		name[ADMIN_NAME_MAX + 1];
	unsigned char	token[ADMIN_TOKEN_MAX];	/* zero-padded */
	size_t		len;
	struct admin_scope scope;	/* admin_tokens_parse: nothing (all 0, n 0) */
};

/* The tokens, and two indexes into v (open addressing, plus one; 0 is an empty slot):
 * by name, and by a keyed hash (SipHash, a random key of this set) of the token, so
 * that a check and a merge cost the same with ten thousand tokens as with one. */
struct admin_tokens {
	struct admin_token	*v;
	size_t			 n;
	size_t			 cap;		/* room in v */
	uint32_t		*byname;
	uint32_t		*bytoken;
	size_t			 nslots;
	unsigned char		 key[16];
};

/* One list. 0, or -1 with *why (static text) and out empty. The tokens reach
 * nothing (their scope is empty) until admin_tokens_add gives them one. */
int admin_tokens_parse(const char *buf, size_t len, struct admin_tokens *out,
    const char **why);
void admin_tokens_clear(struct admin_tokens *t);

/* Parses one list (buf, len) and merges it into t: domain NULL, [web]'s (every
 * domain); else that domain's (any case, one trailing dot allowed). 0, or -1 with
 * *why (static text, never a token) and t unchanged. */
int admin_tokens_add(struct admin_tokens *t, const char *buf, size_t len,
    const char *domain, const char **why);

struct config;
/* Every token of cf: [web] admin_tokens and each domain's. 0, or -1 with out empty
 * and err ("FILE: [web] admin_tokens: reason", or "FILE:LINE: [domain X]
 * admin_tokens: reason"). No token at all is an error: the caller asks only when
 * the admin API is served. */
int admin_tokens_load(const struct config *cf, struct admin_tokens *out, char *err,
    size_t errsz);

/* The token equal to (cred, len), or NULL. The candidates are the tokens whose keyed
 * hash falls in the slots the credential's hash probes (the key is random and never
 * leaves the process, so which slots tells nothing of a token); each is compared over
 * ADMIN_TOKEN_MAX bytes with sodium_memcmp, so the time does not depend on where a
 * guess differs from it. */
const struct admin_token *admin_tokens_check(const struct admin_tokens *t,
    const char *cred, size_t len);

#endif
