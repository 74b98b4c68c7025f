/*
 * dkim_keys.h - RSA verification with public keys decoded once and kept across
 * messages.
 *
 * Decoding a key record's DER into an OpenSSL key, and preparing a verify context
 * for it, cost several times the RSA verification itself (OpenSSL 3's decoders
 * and provider fetches), and mail from one sender domain carries the same key
 * thousands of times. The cache is keyed by the exact key bytes, so it never
 * decides which key a domain has: DNS still does, per message; this only skips
 * work already done for the same bytes.
 *
 * struct dkim_keys (declared in dkim.h) is owned by the caller, one per process or
 * thread (it is not thread-safe), and lent to each verification with
 * dkim_use_keys(). Bounded by DKIM_KEYS_MAX entries; the least recently used is
 * replaced. Without a cache (NULL), every call decodes and frees.
 */
#ifndef ECLUSE_DKIM_KEYS_H
#define ECLUSE_DKIM_KEYS_H

#include <stddef.h>

#include "auth/dkim.h"

enum dkim_rsa_result {
	DKIM_RSA_PASS,
	DKIM_RSA_FAIL,		/* the signature does not verify */
	DKIM_RSA_BADKEY,	/* the bytes are not an RSA public key */
	DKIM_RSA_SHORT,		/* under DKIM_RSA_BITS_MIN bits (RFC 8301 3.2) */
	DKIM_RSA_LONG,		/* over DKIM_RSA_BITS_MAX bits */
	DKIM_RSA_ERROR,		/* OpenSSL failed: not the sender's fault */
};

/* RSASSA-PKCS1-v1_5 with SHA-256 over hash (32 bytes, RFC 6376 3.3.1), with the
 * key in der[0..len) (SubjectPublicKeyInfo, or a bare RSAPublicKey). */
enum dkim_rsa_result dkim_rsa_verify(struct dkim_keys *keys, const unsigned char *der,
    size_t len, const unsigned char *sig, size_t siglen, const unsigned char *hash);

#endif
