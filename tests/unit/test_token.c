/*
 * test_token.c - release tokens: round trip, every tampered character and bit,
 * expiry, wrong key, wrong kind, malformed input, and the key file's creation and
 * mode/size/type checks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "common/token.h"

#define T0 1700000000

static char dir[64];
static char keypath[128];
static struct token_key *key;

static int
setup(void **state)
{
	char err[256] = "";

	snprintf(dir, sizeof(dir), "/tmp/ecluse-test-token-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(keypath, sizeof(keypath), "%s/token.key", dir);
	if (token_key_load(keypath, &key, err, sizeof(err)) != TOKEN_KEY_OK)
		fail_msg("token_key_load: %s", err);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	token_key_free(key);
	key = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
test_round_trip(void **state)
{
	static const struct {
		enum token_kind kind;
		uint64_t id;
		int64_t expiry;
	} cases[] = {
		{ TOKEN_RELEASE, 1, T0 + 14 * 86400 },
		{ TOKEN_RELEASE, 0, T0 + 1 },
		{ TOKEN_RELEASE, UINT64_MAX, INT64_MAX },
		{ TOKEN_RECIPIENT, 42, T0 + 86400 },
		{ TOKEN_RECIPIENT, 0x0102030405060708ull, T0 + 2 },
	};
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char tok[TOKEN_LEN + 1];
		uint64_t id = 99;
		int64_t exp = 99;

		token_make(key, cases[i].kind, cases[i].id, cases[i].expiry, tok);
		assert_int_equal(strlen(tok), TOKEN_LEN);
		for (k = 0; k < TOKEN_LEN; k++)
			assert_non_null(strchr(b64url, tok[k]));
		assert_int_equal(token_check(key, cases[i].kind, tok, TOKEN_LEN, T0, &id, &exp),
		    TOKEN_OK);
		assert_true(id == cases[i].id);
		assert_int_equal(exp, cases[i].expiry);
		/* NULL outputs are allowed. */
		assert_int_equal(token_check(key, cases[i].kind, tok, TOKEN_LEN, T0, NULL, NULL),
		    TOKEN_OK);
	}
}

static void
test_deterministic_and_distinct(void **state)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], c[TOKEN_LEN + 1], d[TOKEN_LEN + 1];

	token_make(key, TOKEN_RELEASE, 7, T0, a);
	token_make(key, TOKEN_RELEASE, 7, T0, b);
	token_make(key, TOKEN_RELEASE, 8, T0, c);
	token_make(key, TOKEN_RECIPIENT, 7, T0, d);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	/* The MACs differ too, not only the payload. */
	assert_memory_not_equal(a + 23, d + 23, TOKEN_LEN - 23);
}

/* Every character replaced by every other base64url character: never accepted. */
static void
test_tampered_characters(void **state)
{
	char tok[TOKEN_LEN + 1], bad[TOKEN_LEN + 1];
	size_t pos, k;
	unsigned forged = 0, malformed = 0;

	token_make(key, TOKEN_RELEASE, 12345, T0 + 3600, tok);
	for (pos = 0; pos < TOKEN_LEN; pos++) {
		for (k = 0; k < 64; k++) {
			enum token_err e;

			if (b64url[k] == tok[pos])
				continue;
			memcpy(bad, tok, sizeof(bad));
			bad[pos] = b64url[k];
			e = token_check(key, TOKEN_RELEASE, bad, TOKEN_LEN, T0, NULL, NULL);
			if (e != TOKEN_FORGED && e != TOKEN_MALFORMED)
				fail_msg("position %zu, char %c: %s", pos, b64url[k],
				    token_strerror(e));
			e == TOKEN_FORGED ? forged++ : malformed++;
		}
	}
	/* Both refusals happen: a changed MAC or payload is forged; a kind byte that is no
	 * kind, or non-zero padding bits in the last character, are malformed. */
	assert_true(forged > 0);
	assert_true(malformed > 0);
}

static void
b64_decode(const char *tok, unsigned char raw[49])
{
	size_t len = 0;

	assert_int_equal(sodium_base642bin(raw, 49, tok, TOKEN_LEN, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	assert_int_equal(len, 49);
}

/* Every bit of the decoded token flipped, re-encoded: never accepted. */
static void
test_tampered_bits(void **state)
{
	char tok[TOKEN_LEN + 1], bad[TOKEN_LEN + 1];
	unsigned char raw[49], flip[49];
	size_t byte;
	int bit;

	token_make(key, TOKEN_RELEASE, 12345, T0 + 3600, tok);
	b64_decode(tok, raw);
	assert_int_equal(raw[0], TOKEN_RELEASE);
	for (byte = 0; byte < sizeof(raw); byte++) {
		for (bit = 0; bit < 8; bit++) {
			enum token_err e;

			memcpy(flip, raw, sizeof(raw));
			flip[byte] ^= (unsigned char)(1u << bit);
			sodium_bin2base64(bad, sizeof(bad), flip, sizeof(flip),
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			e = token_check(key, TOKEN_RELEASE, bad, TOKEN_LEN, T0, NULL, NULL);
			/* Flipping bit 1 of the kind byte gives kind 3: no kind at all. Bit 0
			 * and bit 1 together would give RECIPIENT, but one flip cannot. */
			if (byte == 0)
				assert_int_equal(e, TOKEN_MALFORMED);
			else
				assert_int_equal(e, TOKEN_FORGED);
		}
	}
}

static void
test_expired(void **state)
{
	char tok[TOKEN_LEN + 1];
	uint64_t id = 0;
	int64_t exp = 0;

	token_make(key, TOKEN_RELEASE, 77, T0, tok);
	assert_int_equal(token_check(key, TOKEN_RELEASE, tok, TOKEN_LEN, T0 - 1, &id, &exp),
	    TOKEN_OK);
	assert_int_equal(token_check(key, TOKEN_RELEASE, tok, TOKEN_LEN, T0, &id, &exp),
	    TOKEN_EXPIRED);
	assert_int_equal(id, 77);
	assert_int_equal(exp, T0);
	assert_int_equal(token_check(key, TOKEN_RELEASE, tok, TOKEN_LEN, INT64_MAX, NULL,
	    NULL), TOKEN_EXPIRED);
}

static void
test_wrong_key(void **state)
{
	char other_path[160], err[256] = "", tok[TOKEN_LEN + 1];
	struct token_key *other = NULL;

	snprintf(other_path, sizeof(other_path), "%s/other.key", dir);
	assert_int_equal(token_key_load(other_path, &other, err, sizeof(err)), TOKEN_KEY_OK);
	token_make(other, TOKEN_RELEASE, 1, T0 + 60, tok);
	assert_int_equal(token_check(key, TOKEN_RELEASE, tok, TOKEN_LEN, T0, NULL, NULL),
	    TOKEN_FORGED);
	assert_int_equal(token_check(other, TOKEN_RELEASE, tok, TOKEN_LEN, T0, NULL, NULL),
	    TOKEN_OK);
	token_key_free(other);
	token_key_free(NULL);
}

static void
test_wrong_kind(void **state)
{
	char tok[TOKEN_LEN + 1];

	token_make(key, TOKEN_RECIPIENT, 5, T0 + 60, tok);
	assert_int_equal(token_check(key, TOKEN_RELEASE, tok, TOKEN_LEN, T0, NULL, NULL),
	    TOKEN_WRONG_KIND);
	token_make(key, TOKEN_RELEASE, 5, T0 + 60, tok);
	assert_int_equal(token_check(key, TOKEN_RECIPIENT, tok, TOKEN_LEN, T0, NULL, NULL),
	    TOKEN_WRONG_KIND);
	/* A wrong kind that is also expired: the kind is told first. */
	assert_int_equal(token_check(key, TOKEN_RECIPIENT, tok, TOKEN_LEN, T0 + 61, NULL,
	    NULL), TOKEN_WRONG_KIND);
}

static void
test_malformed(void **state)
{
	char tok[TOKEN_LEN + 1], buf[2 * TOKEN_LEN + 2];
	struct { const char *buf; size_t len; } cases[8];
	size_t i, n = 0;

	token_make(key, TOKEN_RELEASE, 5, T0 + 60, tok);
	cases[n].buf = "";
	cases[n++].len = 0;
	cases[n].buf = tok;			/* one short */
	cases[n++].len = TOKEN_LEN - 1;
	snprintf(buf, sizeof(buf), "%s=", tok);	/* padding is not part of the format */
	cases[n].buf = buf;
	cases[n++].len = TOKEN_LEN + 1;
	snprintf(buf, sizeof(buf), "%s%s", tok, tok);
	cases[n].buf = buf;
	cases[n++].len = 2 * TOKEN_LEN;
	for (i = 0; i < n; i++)
		assert_int_equal(token_check(key, TOKEN_RELEASE, cases[i].buf, cases[i].len, T0,
		    NULL, NULL), TOKEN_MALFORMED);

	/* Characters outside base64url, at the start, in the middle and at the end,
	 * including the standard alphabet's + and /, a NUL, and 8-bit bytes. */
	{
		static const char intruders[] = { '+', '/', '=', ' ', '.', '\0', '\n', '\x80',
		    '\xff', '%' };
		static const size_t where[] = { 0, 30, TOKEN_LEN - 1 };
		size_t a, b;

		for (a = 0; a < sizeof(intruders); a++) {
			for (b = 0; b < sizeof(where) / sizeof(where[0]); b++) {
				memcpy(buf, tok, TOKEN_LEN);
				buf[where[b]] = intruders[a];
				assert_int_equal(token_check(key, TOKEN_RELEASE, buf, TOKEN_LEN,
				    T0, NULL, NULL), TOKEN_MALFORMED);
			}
		}
	}
	/* A well-formed token of an unknown kind. */
	{
		unsigned char raw[49];

		b64_decode(tok, raw);
		raw[0] = 0;
		sodium_bin2base64(buf, sizeof(buf), raw, sizeof(raw),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		assert_int_equal(token_check(key, TOKEN_RELEASE, buf, TOKEN_LEN, T0, NULL,
		    NULL), TOKEN_MALFORMED);
	}
	assert_string_equal(token_strerror(TOKEN_FORGED), "forged token (bad MAC)");
}

/*
 * A known answer, computed outside this code from token.h's description alone
 * (Python: hmac, hashlib.sha512 truncated to 32 bytes, base64.urlsafe_b64encode),
 * pins the format: a token once sent must stay valid across versions.
 */
static void
test_known_answer(void **state)
{
	static const unsigned char fixed[TOKEN_KEY_BYTES] = "ecluse-fuzz-key-0123456789abcdef";
	static const char want[] =
	    "AQAAAAAAAAAqAAAAAGVVQoAovyFzaH3EZgt3BVOGvB4-CoIQK1Gh3jxp46gEcZrBjA";
	char p[160], err[256] = "", tok[TOKEN_LEN + 1];
	struct token_key *k = NULL;
	int fd;

	snprintf(p, sizeof(p), "%s/fixed.key", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, fixed, sizeof(fixed)), (ssize_t)sizeof(fixed));
	close(fd);
	assert_int_equal(token_key_load(p, &k, err, sizeof(err)), TOKEN_KEY_OK);
	token_make(k, TOKEN_RELEASE, 42, T0 + 86400, tok);
	assert_string_equal(tok, want);
	token_key_free(k);
}

/* ------------------------------------------------------------ key file */

static void
test_key_created_0600(void **state)
{
	struct stat sb;
	char path2[160], err[256] = "", tok[TOKEN_LEN + 1];
	struct token_key *again = NULL;

	assert_int_equal(stat(keypath, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_size, TOKEN_KEY_BYTES);
	/* Loading again reads the same key: tokens stay valid across restarts. */
	assert_int_equal(token_key_load(keypath, &again, err, sizeof(err)), TOKEN_KEY_OK);
	token_make(key, TOKEN_RELEASE, 3, T0 + 60, tok);
	assert_int_equal(token_check(again, TOKEN_RELEASE, tok, TOKEN_LEN, T0, NULL, NULL),
	    TOKEN_OK);
	token_key_free(again);
	/* No temporary file is left beside the key. */
	snprintf(path2, sizeof(path2), "ls -a '%s' | grep -c . | grep -qx 3", dir);
	assert_int_equal(system(path2), 0);
}

static void
write_file(const char *p, const void *data, size_t len, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_key_file_refused(void **state)
{
	static const unsigned char bytes[64] = { 1, 2, 3 };
	static const struct {
		const char *name;
		size_t len;
		mode_t mode;
		enum token_key_err want;
	} cases[] = {
		{ "group-read", 32, 0640, TOKEN_KEY_MODE },
		{ "world-read", 32, 0604, TOKEN_KEY_MODE },
		{ "group-write", 32, 0620, TOKEN_KEY_MODE },
		{ "group-exec", 32, 0610, TOKEN_KEY_MODE },
		{ "short", 31, 0600, TOKEN_KEY_SIZE },
		{ "long", 33, 0600, TOKEN_KEY_SIZE },
		{ "empty", 0, 0600, TOKEN_KEY_SIZE },
		{ "owner-only-read", 32, 0400, TOKEN_KEY_OK },
	};
	char p[200], err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct token_key *k = (struct token_key *)&i;

		snprintf(p, sizeof(p), "%s/%s.key", dir, cases[i].name);
		write_file(p, bytes, cases[i].len, cases[i].mode);
		err[0] = '\0';
		assert_int_equal(token_key_load(p, &k, err, sizeof(err)), cases[i].want);
		if (cases[i].want == TOKEN_KEY_OK) {
			assert_non_null(k);
			token_key_free(k);
			continue;
		}
		assert_null(k);
		/* The error names the file, and never prints key bytes. */
		assert_non_null(strstr(err, cases[i].name));
		assert_null(strstr(err, "\x01\x02\x03"));
	}
	{
		struct token_key *k = NULL;

		snprintf(p, sizeof(p), "%s/a-directory", dir);
		assert_int_equal(mkdir(p, 0700), 0);
		assert_int_equal(token_key_load(p, &k, err, sizeof(err)), TOKEN_KEY_TYPE);
		assert_null(k);
		snprintf(p, sizeof(p), "%s/no-such-dir/token.key", dir);
		assert_int_equal(token_key_load(p, &k, err, sizeof(err)), TOKEN_KEY_IO);
		assert_null(k);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_deterministic_and_distinct),
		T(test_tampered_characters),
		T(test_tampered_bits),
		T(test_expired),
		T(test_wrong_key),
		T(test_wrong_kind),
		T(test_malformed),
		T(test_known_answer),
		T(test_key_created_0600),
		T(test_key_file_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
