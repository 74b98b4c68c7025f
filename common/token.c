/*
 * token.c - release tokens: the key file and the MAC'ed, base64url-encoded token.
 * See token.h for the format and the key-file rules. Owns the key memory (locked,
 * read-only between uses, wiped on free). base64url is libsodium's (strict about
 * the unused low bits), behind an alphabet check of our own (see b64url_char).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/token.h"

/* kind | id | expiry */
#define PAYLOAD_BYTES 17
#define RAW_BYTES (PAYLOAD_BYTES + crypto_auth_BYTES)
/* Domain separation: a MAC made with this key for any other purpose (there is none
 * today) can never be taken for a token. */
static const char token_context[] = "ecluse release token v1";

struct token_key {
	unsigned char	key[crypto_auth_KEYBYTES];
};

/* libsodium's constants are what the format and the key file promise. */
_Static_assert(crypto_auth_KEYBYTES == TOKEN_KEY_BYTES, "key file size");
_Static_assert(crypto_auth_BYTES == 32, "MAC size");

static enum token_key_err
key_fail(enum token_key_err e, char *err, size_t errsz, const char *path,
    const char *what, int errnum)
{
	if (errnum != 0)
		snprintf(err, errsz, "%s: %s: %s", path, what, strerror(errnum));
	else
		snprintf(err, errsz, "%s: %s", path, what);
	return e;
}

/* Reads exactly n bytes from fd; -1 with errno, or 0 on a short file. */
static ssize_t
read_full(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int
write_full(int fd, const unsigned char *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* fsyncs the directory that holds path, so a new name survives a power loss. */
static int
sync_parent(const char *path)
{
	char copy[PATH_MAX];
	int fd, r;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/*
 * Creates a new key at path: written and synced under a temporary name (mkstemp
 * gives mode 0600), then linked to path. When another process linked its key first,
 * link fails with EEXIST and the caller reads that one.
 */
static enum token_key_err
key_create(const char *path, char *err, size_t errsz)
{
	char tmp[PATH_MAX];
	unsigned char fresh[TOKEN_KEY_BYTES];
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return key_fail(TOKEN_KEY_IO, err, errsz, path, "path too long", 0);
	fd = mkstemp(tmp);
	if (fd < 0)
		return key_fail(TOKEN_KEY_IO, err, errsz, path, "cannot create", errno);
	crypto_auth_keygen(fresh);
	if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || write_full(fd, fresh, sizeof(fresh)) != 0 ||
	    fsync(fd) != 0) {
		saved = errno;
		sodium_memzero(fresh, sizeof(fresh));
		close(fd);
		unlink(tmp);
		return key_fail(TOKEN_KEY_IO, err, errsz, path, "cannot write", saved);
	}
	sodium_memzero(fresh, sizeof(fresh));
	close(fd);
	if (link(tmp, path) != 0 && errno != EEXIST) {
		saved = errno;
		unlink(tmp);
		return key_fail(TOKEN_KEY_IO, err, errsz, path, "cannot create", saved);
	}
	unlink(tmp);
	if (sync_parent(path) != 0)
		return key_fail(TOKEN_KEY_IO, err, errsz, path, "cannot sync directory", errno);
	return TOKEN_KEY_OK;
}

enum token_key_err
token_key_load(const char *path, struct token_key **out, char *err, size_t errsz)
{
	struct token_key *k;
	struct stat sb;
	enum token_key_err e;
	unsigned char extra;
	ssize_t n;
	int fd;

	*out = NULL;
	if (sodium_init() < 0)
		return key_fail(TOKEN_KEY_CRYPTO, err, errsz, path, "libsodium failed to start", 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		e = key_create(path, err, errsz);
		if (e != TOKEN_KEY_OK)
			return e;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return key_fail(TOKEN_KEY_IO, err, errsz, path, "cannot open", errno);
	if (fstat(fd, &sb) != 0) {
		e = key_fail(TOKEN_KEY_IO, err, errsz, path, "cannot stat", errno);
		close(fd);
		return e;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return key_fail(TOKEN_KEY_TYPE, err, errsz, path, "not a regular file", 0);
	}
	if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		snprintf(err, errsz, "%s: mode %04o gives group or others access; want 0600",
		    path, (unsigned)(sb.st_mode & 07777));
		return TOKEN_KEY_MODE;
	}
	if (sb.st_size != TOKEN_KEY_BYTES) {
		close(fd);
		snprintf(err, errsz, "%s: size %lld, want %d bytes", path,
		    (long long)sb.st_size, TOKEN_KEY_BYTES);
		return TOKEN_KEY_SIZE;
	}
	k = sodium_malloc(sizeof(*k));
	if (k == NULL) {
		close(fd);
		return key_fail(TOKEN_KEY_CRYPTO, err, errsz, path, "cannot allocate key memory",
		    errno);
	}
	n = read_full(fd, k->key, sizeof(k->key));
	/* The size was checked by fstat; a file that changes under us is refused. */
	if (n != (ssize_t)sizeof(k->key) || read_full(fd, &extra, 1) != 0) {
		e = n < 0 ? key_fail(TOKEN_KEY_IO, err, errsz, path, "cannot read", errno) :
		    key_fail(TOKEN_KEY_SIZE, err, errsz, path, "changed size while read", 0);
		close(fd);
		token_key_free(k);
		return e;
	}
	close(fd);
	sodium_mprotect_readonly(k);
	*out = k;
	return TOKEN_KEY_OK;
}

void
token_key_free(struct token_key *k)
{
	if (k == NULL)
		return;
	sodium_mprotect_readwrite(k);
	sodium_memzero(k, sizeof(*k));
	sodium_free(k);
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
token_mac(const struct token_key *k, const unsigned char payload[PAYLOAD_BYTES],
    unsigned char mac[crypto_auth_BYTES])
{
	crypto_auth_hmacsha512256_state st;

	crypto_auth_hmacsha512256_init(&st, k->key, sizeof(k->key));
	crypto_auth_hmacsha512256_update(&st, (const unsigned char *)token_context,
	    sizeof(token_context));
	crypto_auth_hmacsha512256_update(&st, payload, PAYLOAD_BYTES);
	crypto_auth_hmacsha512256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

void
token_make(const struct token_key *k, enum token_kind kind, uint64_t id, int64_t expiry,
    char out[TOKEN_LEN + 1])
{
	unsigned char raw[RAW_BYTES];

	raw[0] = (unsigned char)kind;
	put_be64(raw + 1, id);
	put_be64(raw + 9, (uint64_t)expiry);
	token_mac(k, raw, raw + PAYLOAD_BYTES);
	sodium_bin2base64(out, TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

_Static_assert(sodium_base64_ENCODED_LEN(RAW_BYTES,
    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == TOKEN_LEN + 1, "token length");

/*
 * libsodium 1.0.18's decoder maps some bytes >= 0x80 to digits (it reads them as
 * negative chars), which would make a token malleable: only the 64 characters of
 * RFC 4648 section 5 pass.
 */
static bool
b64url_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

enum token_err
token_check(const struct token_key *k, enum token_kind want, const char *buf, size_t len,
    int64_t now, uint64_t *id, int64_t *expiry)
{
	unsigned char raw[RAW_BYTES], mac[crypto_auth_BYTES];
	size_t rawlen = 0, i;
	int64_t exp;
	int ok;

	if (len != TOKEN_LEN)
		return TOKEN_MALFORMED;
	for (i = 0; i < len; i++)
		if (!b64url_char((unsigned char)buf[i]))
			return TOKEN_MALFORMED;
	if (sodium_base642bin(raw, sizeof(raw), buf, len, NULL, &rawlen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || rawlen != sizeof(raw))
		return TOKEN_MALFORMED;
	if (raw[0] != TOKEN_RELEASE && raw[0] != TOKEN_RECIPIENT)
		return TOKEN_MALFORMED;
	token_mac(k, raw, mac);
	ok = sodium_memcmp(mac, raw + PAYLOAD_BYTES, sizeof(mac)) == 0;
	sodium_memzero(mac, sizeof(mac));
	if (!ok)
		return TOKEN_FORGED;
	if (raw[0] != (unsigned char)want)
		return TOKEN_WRONG_KIND;
	exp = (int64_t)get_be64(raw + 9);
	if (id != NULL)
		*id = get_be64(raw + 1);
	if (expiry != NULL)
		*expiry = exp;
	return now < exp ? TOKEN_OK : TOKEN_EXPIRED;
}

const char *
token_strerror(enum token_err err)
{
	switch (err) {
	case TOKEN_OK:
		return "ok";
	case TOKEN_MALFORMED:
		return "malformed token";
	case TOKEN_FORGED:
		return "forged token (bad MAC)";
	case TOKEN_WRONG_KIND:
		return "token of another kind";
	case TOKEN_EXPIRED:
		return "expired token";
	}
	return "unknown token error";
}
