/*
 * token.h - release links as capabilities: a token names one held message (or, for a
 * later digest page, one recipient) until an expiry, and only the holder of the key
 * file can make one.
 *
 * Format: base64url without padding (RFC 4648 section 5) of 49 bytes,
 *     kind (1) | id (8, big-endian) | expiry (8, big-endian Unix seconds) | MAC (32)
 * which is TOKEN_LEN = 66 characters, all of [A-Za-z0-9_-]: safe in a URL path and in
 * an SMTP reply. MAC = HMAC-SHA-512-256 (libsodium's crypto_auth, in its streaming
 * form so that a fixed context string can precede the first 17 bytes) keyed by the
 * key file, compared with sodium_memcmp (constant time). Why crypto_auth: it is
 * libsodium's dedicated MAC, HMAC's security rests on well-studied assumptions, key
 * and tag are 32 bytes; keyed BLAKE2b would be faster, which does not matter at one
 * MAC per held message or click.
 * The kind byte is inside the MAC, so a recipient token can never be turned into a
 * release token (or the reverse) without the key.
 *
 * "Works once" is not the token's business: the store's spent flag is.
 *
 * Key file: 32 random bytes, created with mode 0600 at first start when missing (under
 * a temporary name, then linked into place, so two daemons starting together agree on
 * one key); refused when it is not a regular file, when group or others have any
 * permission, or when its size is not 32. The key lives in locked, read-only memory
 * (sodium_malloc), is wiped when freed and never logged.
 *
 * Decoding is strict: exactly TOKEN_LEN characters, canonical base64url (unused low
 * bits zero), a known kind; anything else is TOKEN_MALFORMED before any MAC is
 * computed.
 */
#ifndef ECLUSE_TOKEN_H
#define ECLUSE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

/* Characters of a token, without a NUL. */
#define TOKEN_LEN 66
/* Bytes of the key file. */
#define TOKEN_KEY_BYTES 32

enum token_kind {
	TOKEN_RELEASE = 1,	/* id is a held message: the link in the 550 reply */
	TOKEN_RECIPIENT = 2,	/* id is a recipient (store_recipient_id): digest page */
};

enum token_err {
	TOKEN_OK = 0,
	TOKEN_MALFORMED,	/* not a token: wrong length, characters or kind (HTTP 404) */
	TOKEN_FORGED,		/* well-formed, but the MAC does not match (HTTP 404, logged) */
	TOKEN_WRONG_KIND,	/* a genuine token of another kind (HTTP 404) */
	TOKEN_EXPIRED,		/* genuine, past its expiry (a page that says so) */
};

enum token_key_err {
	TOKEN_KEY_OK = 0,
	TOKEN_KEY_IO,		/* could not create, open or read the file (errno text) */
	TOKEN_KEY_TYPE,		/* not a regular file */
	TOKEN_KEY_MODE,		/* group or others have a permission on it */
	TOKEN_KEY_SIZE,		/* not TOKEN_KEY_BYTES bytes */
	TOKEN_KEY_CRYPTO,	/* libsodium could not start or lock memory */
};

struct token_key;

/*
 * Loads the key at path, creating it (mode 0600) when it does not exist. On error
 * returns it, *out is NULL, and err (errsz bytes) says why, with the path but never
 * key material. Calls sodium_init().
 */
enum token_key_err token_key_load(const char *path, struct token_key **out, char *err,
    size_t errsz);
/* Wipes and frees; token_key_free(NULL) is a no-op. */
void token_key_free(struct token_key *k);

/* Writes the token for (kind, id, expiry) and a NUL into out. */
void token_make(const struct token_key *k, enum token_kind kind, uint64_t id,
    int64_t expiry, char out[TOKEN_LEN + 1]);

/*
 * Checks the len bytes at buf (no NUL needed) as a token of kind want, valid while
 * now < expiry. On TOKEN_OK, *id and *expiry (either may be NULL) get its values;
 * on TOKEN_EXPIRED they are set too (the page can say which message expired).
 */
enum token_err token_check(const struct token_key *k, enum token_kind want,
    const char *buf, size_t len, int64_t now, uint64_t *id, int64_t *expiry);

/* A short constant text for an error. */
const char *token_strerror(enum token_err err);

#endif
