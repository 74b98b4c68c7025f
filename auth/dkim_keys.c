/*
 * dkim_keys.c - key records parsed once and kept; see dkim_keys.h.
 *
 * A fixed array searched linearly by a keyed 64-bit hash of the record text
 * (SipHash with a random key per cache, so that a sender cannot pick records that
 * collide), then compared in full. Everything parsed is a property of the record
 * text and kept, except DKIM_RSA_ERROR (OpenSSL failed, not the record): such an
 * entry is prepared again at its next use. A prepared EVP_PKEY_CTX is reused: OpenSSL lets
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
	char		*rec;		/* the record text, len bytes */
	size_t		 len;
	uint64_t	 used;		/* clock of the last use */
	struct dkim_keyrec kr;
};

struct dkim_keys {
	unsigned char	 hkey[crypto_shorthash_KEYBYTES];
	struct entry	 e[DKIM_KEYS_MAX];
	size_t		 n;
	uint64_t	 clock;
	struct dkim_keyrec scratch;	/* a record too long to keep */
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
		EVP_PKEY_CTX_free(k->e[i].kr.vctx);
		free(k->e[i].rec);
	}
	EVP_PKEY_CTX_free(k->scratch.vctx);
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

/* A verify context for the key in kr->vctx, or kr->rsa says why not. */
static void
prepare(struct dkim_keyrec *kr, const unsigned char *der, size_t len)
{
	EVP_PKEY *pk;
	EVP_PKEY_CTX *vctx = NULL;
	int bits;

	kr->rsa = DKIM_RSA_BADKEY;
	if ((pk = decode(der, len)) == NULL)
		return;
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		goto out;
	bits = EVP_PKEY_get_bits(pk);
	if (bits < DKIM_RSA_BITS_MIN || bits > DKIM_RSA_BITS_MAX) {
		kr->rsa = bits < DKIM_RSA_BITS_MIN ? DKIM_RSA_SHORT : DKIM_RSA_LONG;
		goto out;
	}
	kr->rsa = DKIM_RSA_ERROR;
	if ((vctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_verify_init(vctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha256()) != 1) {
		EVP_PKEY_CTX_free(vctx);
		goto out;
	}
	kr->vctx = vctx;
	kr->rsa = DKIM_RSA_PASS;
out:
	EVP_PKEY_free(pk);	/* the context holds its own reference */
}

/* Fills kr (whose vctx must be NULL) from the record text. */
static void
parse(struct dkim_keyrec *kr, const char *rec, size_t len)
{
	struct dkim_key key;

	kr->err = dkim_key_parse(rec, len, &key, &kr->reason);
	kr->type = key.type;
	kr->hashes = key.hashes;
	kr->testing = key.testing;
	kr->strict = key.strict;
	kr->rsa = DKIM_RSA_BADKEY;
	kr->vctx = NULL;
	if (kr->err != DKIM_KEY_OK)
		return;
	if (key.type == DKIM_KEY_ED25519)
		memcpy(kr->ed25519, key.p, sizeof(kr->ed25519));
	else
		prepare(kr, key.p, key.p_len);
}

const struct dkim_keyrec *
dkim_keys_get(struct dkim_keys *k, const char *rec, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	struct entry *e;
	uint64_t h;
	size_t i, victim = 0;

	if (len > DKIM_KEYREC_MAX) {
		EVP_PKEY_CTX_free(k->scratch.vctx);
		k->scratch.vctx = NULL;
		parse(&k->scratch, rec, len);
		return &k->scratch;
	}
	crypto_shorthash(out, (const unsigned char *)rec, len, k->hkey);
	memcpy(&h, out, sizeof(h));
	k->clock++;
	for (i = 0; i < k->n; i++) {
		e = &k->e[i];
		if (e->hash == h && e->len == len && memcmp(e->rec, rec, len) == 0) {
			e->used = k->clock;
			/* OpenSSL's failure says nothing of the record: try again. */
			if (e->kr.err == DKIM_KEY_OK && e->kr.rsa == DKIM_RSA_ERROR)
				parse(&e->kr, e->rec, e->len);
			return &e->kr;
		}
		if (e->used < k->e[victim].used)
			victim = i;
	}
	if (k->n < DKIM_KEYS_MAX)
		victim = k->n++;
	else {
		EVP_PKEY_CTX_free(k->e[victim].kr.vctx);
		free(k->e[victim].rec);
	}
	e = &k->e[victim];
	e->hash = h;
	e->rec = xmalloc(len ? len : 1);
	memcpy(e->rec, rec, len);
	e->len = len;
	e->used = k->clock;
	parse(&e->kr, rec, len);
	return &e->kr;
}

enum dkim_rsa_result
dkim_keyrec_verify(const struct dkim_keyrec *kr, const unsigned char *sig, size_t siglen,
    const unsigned char *hash)
{
	if (kr->rsa != DKIM_RSA_PASS)
		return kr->rsa;
	return EVP_PKEY_verify(kr->vctx, sig, siglen, hash, 32) == 1 ? DKIM_RSA_PASS :
	    DKIM_RSA_FAIL;
}
