/*
 * dkim_keys.h - DKIM key records parsed once and kept across messages, RSA keys
 * with a prepared verify context.
 *
 * Parsing a key record (tag-list, base64 of p=), decoding its DER into an OpenSSL
 * key and preparing a verify context cost more than the RSA verification itself
 * (OpenSSL 3's decoders and provider fetches), and mail from one sender domain
 * carries the same record thousands of times. The cache is keyed by the exact
 * record text, so it never decides which key a domain has: DNS still does, per
 * message; this only skips work already done for the same bytes.
 *
 * struct dkim_keys (declared in dkim.h) is owned by its maker, one per process or
 * thread (it is not thread-safe), and lent to each verification with
 * dkim_use_keys(). At most DKIM_KEYS_MAX records are kept; the least recently used
 * is replaced. A record longer than DKIM_KEYREC_MAX is parsed at each use.
 */
#ifndef ECLUSE_DKIM_KEYS_H
#define ECLUSE_DKIM_KEYS_H

#include <stddef.h>

#include <openssl/evp.h>

#include "auth/dkim.h"
#include "auth/dkim_key.h"

/* Records kept: an 8192-bit key's record is about 1,450 characters. */
#define DKIM_KEYREC_MAX 2048

enum dkim_rsa_result {
	DKIM_RSA_PASS,
	DKIM_RSA_FAIL,		/* the signature does not verify */
	DKIM_RSA_BADKEY,	/* the bytes are not an RSA public key */
	DKIM_RSA_SHORT,		/* under DKIM_RSA_BITS_MIN bits (RFC 8301 3.2) */
	DKIM_RSA_LONG,		/* over DKIM_RSA_BITS_MAX bits */
	DKIM_RSA_ERROR,		/* OpenSSL failed: not the sender's fault */
};

/* One key record as the verifier uses it. */
struct dkim_keyrec {
	enum dkim_key_err err;		/* DKIM_KEY_OK, or why it is no usable key */
	const char	*reason;	/* constant, for the log */
	enum dkim_key_type type;
	unsigned	 hashes;	/* DKIM_KEY_HASH_* */
	int		 testing;	/* t=y */
	int		 strict;	/* t=s */
	unsigned char	 ed25519[DKIM_ED25519_KEY_LEN];
	enum dkim_rsa_result rsa;	/* RSA: DKIM_RSA_PASS when vctx is ready, or why
					 * the key cannot verify */
	EVP_PKEY_CTX	*vctx;		/* ready for EVP_PKEY_verify() */
};

/* The record rec[0..len) (a TXT record's text) parsed, from the cache or parsed now
 * and kept. Owned by keys; valid until the next call on keys. */
const struct dkim_keyrec *dkim_keys_get(struct dkim_keys *keys, const char *rec,
    size_t len);

/* RSASSA-PKCS1-v1_5 with SHA-256 over hash (32 bytes, RFC 6376 3.3.1) with the key
 * of an RSA record; kr->rsa when the key cannot verify. */
enum dkim_rsa_result dkim_keyrec_verify(const struct dkim_keyrec *kr,
    const unsigned char *sig, size_t siglen, const unsigned char *hash);

#endif
