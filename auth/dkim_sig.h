/*
 * dkim_sig.h - one DKIM-Signature header field, parsed and checked against every
 * rule of RFC 6376 3.5 and 6.1.1 that needs no key and no clock.
 *
 * Ownership: the struct borrows the field (h= names point into it); it holds no
 * allocation, so there is nothing to free.
 */
#ifndef ECLUSE_DKIM_SIG_H
#define ECLUSE_DKIM_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"
#include "auth/dkim_canon.h"

/* Signature bytes: an RSA signature is as long as the modulus. */
#define DKIM_SIG_B_MAX (DKIM_RSA_BITS_MAX / 8)
/* SHA-256, the only hash left (RFC 8301 3.1). */
#define DKIM_HASH_LEN 32
/*
 * Names in h=. Each name costs a scan of the header; signers list a dozen or two
 * (over-signing doubles that). More is a cost attack, not a signature.
 */
#define DKIM_H_MAX 64
/* RFC 6376 3.5: t= and x= are at most 12 digits; l= at most 76 digits, but a body
 * is bounded far below 2^63 so a value that does not fit is refused. */
#define DKIM_TIME_DIGITS_MAX 12

enum dkim_alg {
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,
};

enum dkim_sig_err {
	DKIM_SIG_OK = 0,
	DKIM_SIG_SYNTAX,	/* tag-list syntax, a duplicate tag, or a bad value */
	DKIM_SIG_MISSING,	/* a required tag is absent (RFC 6376 6.1.1) */
	DKIM_SIG_VERSION,	/* v= is not 1 */
	DKIM_SIG_ALGORITHM,	/* a= unknown, or rsa-sha1 (RFC 8301 3.1) */
	DKIM_SIG_CANON,		/* c= unknown */
	DKIM_SIG_QUERY,		/* q= without dns/txt */
	DKIM_SIG_AUID,		/* i= domain is not d= nor below it */
	DKIM_SIG_FROM,		/* h= does not list From */
};

struct dkim_hname {
	const char	*name;
	size_t		 len;
};

struct dkim_sig {
	enum dkim_alg	 alg;
	enum dkim_canon	 hcanon, bcanon;
	char		 d[DNS_NAME_MAX + 1];	/* lower case */
	char		 s[DNS_NAME_MAX + 1];	/* lower case */
	char		 a[16];
	char		 i[DNS_NAME_MAX + 66];
	size_t		 i_domain;		/* offset of the domain in i */
	char		 b_prefix[DKIM_B_PREFIX + 1];
	unsigned char	 b[DKIM_SIG_B_MAX];
	size_t		 b_len;
	unsigned char	 bh[DKIM_HASH_LEN];
	struct dkim_hname h[DKIM_H_MAX];
	size_t		 nh;
	int		 has_l, has_t, has_x;
	uint64_t	 l, t, x;
	/* The b= value with its surrounding whitespace, as offsets into the raw
	 * field: hashing the signature field leaves these bytes out (RFC 6376 3.7). */
	size_t		 b_off, b_len_raw;
};

/*
 * Parses the field (raw: name to final CRLF; value: the bounds header_next gave)
 * into *sig. On error, the identifiers checked before the error (d, s, a, b_prefix,
 * in that order) are still filled, empty otherwise; *reason gets a constant string.
 */
enum dkim_sig_err dkim_sig_parse(const char *raw, size_t raw_len, const char *value,
    size_t value_len, struct dkim_sig *sig, const char **reason);

#endif
