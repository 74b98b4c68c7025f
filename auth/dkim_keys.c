/*
 * dkim_keys.c - RSA verification with a cache of decoded keys and prepared verify
 * contexts; see dkim_keys.h.
 *
 * A fixed array searched linearly by a keyed 64-bit hash of the key bytes
 * (SipHash with a random key per cache, so that a sender cannot pick records that
 * collide), then compared in full. A prepared EVP_PKEY_CTX is reused: OpenSSL lets
 * EVP_PKEY_verify() run any number of times after one EVP_PKEY_verify_init().
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "auth/dkim_keys.h"
#include "common/xmalloc.h"

struct entry {
	uint64_t	 hash;
	unsigned char	*der;
	size_t		 len;
	EVP_PKEY_CTX	*vctx;		/* ready for EVP_PKEY_verify() */
	uint64_t	 used;		/* clock of the last use */
};

struct dkim_keys {
	unsigned char	 hkey[crypto_shorthash_KEYBYTES];
	struct entry	 e[DKIM_KEYS_MAX];
	size_t		 n;
	uint64_t	 clock;
};

struct dkim_keys *
dkim_keys_new(void)
{
	struct dkim_keys *k = xcalloc(1, sizeof(*k));

	crypto_shorthash_keygen(k->hkey);
	return k;
}

void
dkim_keys_free(struct dkim_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		EVP_PKEY_CTX_free(k->e[i].vctx);
		free(k->e[i].der);
	}
	free(k);
}

/* SubjectPublicKeyInfo, or a bare RSAPublicKey (RFC 6376 3.6.1 names the latter;
 * signers publish the former). Trailing bytes make the record invalid. */
static EVP_PKEY *
decode(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *pk;

	if ((pk = d2i_PUBKEY(NULL, &p, (long)len)) == NULL) {
		p = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
	}
	if (pk != NULL && p != der + len) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

/* A verify context for the key, or NULL with *why set. */
static EVP_PKEY_CTX *
prepare(const unsigned char *der, size_t len, enum dkim_rsa_result *why)
{
	EVP_PKEY *pk;
	EVP_PKEY_CTX *vctx = NULL;
	int bits;

	*why = DKIM_RSA_BADKEY;
	if ((pk = decode(der, len)) == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		goto out;
	bits = EVP_PKEY_get_bits(pk);
	if (bits < DKIM_RSA_BITS_MIN || bits > DKIM_RSA_BITS_MAX) {
		*why = bits < DKIM_RSA_BITS_MIN ? DKIM_RSA_SHORT : DKIM_RSA_LONG;
		goto out;
	}
	*why = DKIM_RSA_ERROR;
	if ((vctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_verify_init(vctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(vctx);
		vctx = NULL;
	}
out:
	EVP_PKEY_free(pk);	/* the context holds its own reference */
	return vctx;
}

static enum dkim_rsa_result
verify(EVP_PKEY_CTX *vctx, const unsigned char *sig, size_t siglen,
    const unsigned char *hash)
{
	return EVP_PKEY_verify(vctx, sig, siglen, hash, 32) == 1 ? DKIM_RSA_PASS :
	    DKIM_RSA_FAIL;
}

/* The cached context for der, made and kept if new; NULL with *why set. */
static EVP_PKEY_CTX *
lookup(struct dkim_keys *k, const unsigned char *der, size_t len,
    enum dkim_rsa_result *why)
{
	unsigned char out[crypto_shorthash_BYTES];
	struct entry *e;
	EVP_PKEY_CTX *vctx;
	uint64_t h;
	size_t i, victim = 0;

	crypto_shorthash(out, der, len, k->hkey);
	memcpy(&h, out, sizeof(h));
	k->clock++;
	for (i = 0; i < k->n; i++) {
		e = &k->e[i];
		if (e->hash == h && e->len == len && memcmp(e->der, der, len) == 0) {
			e->used = k->clock;
			return e->vctx;
		}
		if (e->used < k->e[victim].used)
			victim = i;
	}
	if ((vctx = prepare(der, len, why)) == NULL)
		return NULL;
	if (k->n < DKIM_KEYS_MAX)
		victim = k->n++;
	else {
		EVP_PKEY_CTX_free(k->e[victim].vctx);
		free(k->e[victim].der);
	}
	e = &k->e[victim];
	e->hash = h;
	e->der = xmalloc(len);
	memcpy(e->der, der, len);
	e->len = len;
	e->vctx = vctx;
	e->used = k->clock;
	return vctx;
}

enum dkim_rsa_result
dkim_rsa_verify(struct dkim_keys *k, const unsigned char *der, size_t len,
    const unsigned char *sig, size_t siglen, const unsigned char *hash)
{
	enum dkim_rsa_result r;
	EVP_PKEY_CTX *vctx;

	if (k != NULL)
		return (vctx = lookup(k, der, len, &r)) != NULL ?
		    verify(vctx, sig, siglen, hash) : r;
	if ((vctx = prepare(der, len, &r)) == NULL)
		return r;
	r = verify(vctx, sig, siglen, hash);
	EVP_PKEY_CTX_free(vctx);
	return r;
}
