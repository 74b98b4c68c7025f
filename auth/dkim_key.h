/*
 * dkim_key.h - a DKIM key record (RFC 6376 3.6.1, RFC 8463 4), as one TXT string.
 *
 * The record is checked and p= decoded from base64; turning the key bytes into a
 * usable public key is the verifier's job (dkim_verify.c), so this stays a pure
 * parser. Nothing is allocated; there is nothing to free.
 */
#ifndef ECLUSE_DKIM_KEY_H
#define ECLUSE_DKIM_KEY_H

#include <stddef.h>

#include "auth/dkim.h"

/* Decoded p= bytes: a DER SubjectPublicKeyInfo of a DKIM_RSA_BITS_MAX-bit key is
 * about DKIM_RSA_BITS_MAX / 8 + 40 bytes; twice that leaves room for odd encodings
 * without letting a record make us decode kilobytes. */
#define DKIM_KEY_P_MAX (DKIM_RSA_BITS_MAX / 4)
/* RFC 8463 4: an ed25519 public key is 32 bytes. */
#define DKIM_ED25519_KEY_LEN 32

enum dkim_key_type {
	DKIM_KEY_RSA,
	DKIM_KEY_ED25519,
};

/* Hash algorithms a key accepts (h=); all of them when h= is absent. */
#define DKIM_KEY_HASH_SHA1	0x1
#define DKIM_KEY_HASH_SHA256	0x2

enum dkim_key_err {
	DKIM_KEY_OK = 0,
	DKIM_KEY_SYNTAX,	/* tag-list syntax or a bad value: key syntax error */
	DKIM_KEY_VERSION,	/* v= present and not "DKIM1" first */
	DKIM_KEY_TYPE,		/* k= names a type we do not implement */
	DKIM_KEY_SERVICE,	/* s= does not include email or * */
	DKIM_KEY_REVOKED,	/* p= empty (RFC 6376 3.6.1) */
};

struct dkim_key {
	enum dkim_key_type type;
	unsigned	 hashes;	/* DKIM_KEY_HASH_* */
	int		 testing;	/* t=y */
	int		 strict;	/* t=s: i= domain must be d= itself */
	unsigned char	 p[DKIM_KEY_P_MAX];
	size_t		 p_len;
};

/* Parses one key record; *reason gets a constant string for the log. */
enum dkim_key_err dkim_key_parse(const char *buf, size_t len, struct dkim_key *key,
    const char **reason);

#endif
