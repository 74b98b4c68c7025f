/*
 * csrf.c - form MACs. See csrf.h.
 */
#include "config.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "release-web/csrf.h"

struct csrf {
	unsigned char	key[crypto_auth_KEYBYTES];
};

/* Domain separation: this key MACs nothing else, but the context costs nothing. */
static const char context[] = "ecluse-web form v1";

struct csrf *
csrf_new(void)
{
	struct csrf *c;

	if (sodium_init() < 0 || (c = sodium_malloc(sizeof(*c))) == NULL)
		return NULL;
	crypto_auth_keygen(c->key);
	sodium_mprotect_readonly(c);
	return c;
}

void
csrf_free(struct csrf *c)
{
	if (c != NULL)
		sodium_free(c);	/* wipes */
}

static void
mac(const struct csrf *c, const char *token, size_t tlen, const char *nonce,
    size_t nlen, unsigned char out[crypto_auth_BYTES])
{
	crypto_auth_hmacsha512256_state st;
	unsigned char len[8];
	size_t i;

	/* the token's length first, so that (token, nonce) splits one way only */
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)tlen >> (56 - 8 * i));
	crypto_auth_hmacsha512256_init(&st, c->key, sizeof(c->key));
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)context, sizeof(context));
	crypto_auth_hmacsha512256_update(&st, len, sizeof(len));
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)token, tlen);
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)nonce, nlen);
	crypto_auth_hmacsha512256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
csrf_make(const struct csrf *c, const char *token, size_t tlen, const char *nonce,
    size_t nlen, char out[CSRF_LEN + 1])
{
	unsigned char m[crypto_auth_BYTES];

	mac(c, token, tlen, nonce, nlen, m);
	sodium_bin2base64(out, CSRF_LEN + 1, m, sizeof(m),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
csrf_check(const struct csrf *c, const char *token, size_t tlen, const char *nonce,
    size_t nlen, const char *given, size_t glen)
{
	char want[CSRF_LEN + 1];

	if (glen != CSRF_LEN)
		return -1;
	csrf_make(c, token, tlen, nonce, nlen, want);
	return sodium_memcmp(want, given, CSRF_LEN) == 0 ? 0 : -1;
}
