/*
 * test_dkim_keys.c - the cache of parsed key records (auth/dkim_keys.c) with RSA
 * keys: the prepared verify context reused across signatures, records too long to
 * keep, and a failure of OpenSSL while preparing a key, which must not stay in the
 * cache: it is no property of the record (RFC 6376 6.1.2 makes it a temporary
 * failure, so the next message must be able to verify).
 *
 * Linked with -Wl,--wrap=EVP_PKEY_verify_init so that a test can make OpenSSL fail.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "auth/dkim_keys.h"

int __real_EVP_PKEY_verify_init(EVP_PKEY_CTX *ctx);
int __wrap_EVP_PKEY_verify_init(EVP_PKEY_CTX *ctx);

/* Calls of EVP_PKEY_verify_init() still to fail. */
static int fail_inits;

int
__wrap_EVP_PKEY_verify_init(EVP_PKEY_CTX *ctx)
{
	if (fail_inits > 0) {
		fail_inits--;
		return 0;
	}
	return __real_EVP_PKEY_verify_init(ctx);
}

struct rsakey {
	EVP_PKEY	*pk;
	char		 rec[DKIM_KEYREC_MAX + 400];
	size_t		 len;
};

/* A 1024-bit key (the smallest RFC 8301 3.2 lets a verifier take) and its record,
 * padded with an unknown tag's value (RFC 6376 3.6.1 n=) to pad bytes at least. */
static void
rsakey_make(struct rsakey *k, size_t pad)
{
	unsigned char *der = NULL;
	int derlen, w;
	size_t n;

	assert_non_null(k->pk = EVP_RSA_gen(1024));
	assert_true((derlen = i2d_PUBKEY(k->pk, &der)) > 0);
	w = snprintf(k->rec, sizeof(k->rec), "v=DKIM1; k=rsa; n=");
	assert_true(w > 0);
	n = (size_t)w;
	assert_true(pad < sizeof(k->rec) - n);
	memset(k->rec + n, 'x', pad);
	n += pad;
	assert_true(n + 6 + ((size_t)derlen + 2) / 3 * 4 + 1 <= sizeof(k->rec));
	memcpy(k->rec + n, "; p=", 4);
	n += 4;
	n += (size_t)EVP_EncodeBlock((unsigned char *)k->rec + n, der, derlen);
	k->len = n;
	OPENSSL_free(der);
}

/* RSASSA-PKCS1-v1_5 SHA-256 signature of the 32-byte hash. */
static size_t
rsakey_sign(const struct rsakey *k, const unsigned char *hash, unsigned char *sig,
    size_t size)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k->pk, NULL);
	size_t n = size;

	assert_non_null(c);
	assert_int_equal(EVP_PKEY_sign_init(c), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()), 1);
	assert_int_equal(EVP_PKEY_sign(c, sig, &n, hash, 32), 1);
	EVP_PKEY_CTX_free(c);
	return n;
}

/* One prepared context verifies any number of signatures, a failed one in between
 * changing nothing; a long record (the scratch entry) as well as a kept one. */
static void
test_rsa_reuse(void **state)
{
	static struct rsakey keys[2];
	struct dkim_keys *cache = dkim_keys_new();
	unsigned char h1[32], h2[32], s1[256], s2[256];
	const struct dkim_keyrec *kr;
	size_t n1, n2, i, round;

	(void)state;
	memset(h1, 0x11, sizeof(h1));
	memset(h2, 0x22, sizeof(h2));
	rsakey_make(&keys[0], 10);
	rsakey_make(&keys[1], DKIM_KEYREC_MAX);
	assert_true(keys[1].len > DKIM_KEYREC_MAX);
	for (i = 0; i < 2; i++) {
		n1 = rsakey_sign(&keys[i], h1, s1, sizeof(s1));
		n2 = rsakey_sign(&keys[i], h2, s2, sizeof(s2));
		for (round = 0; round < 3; round++) {
			kr = dkim_keys_get(cache, keys[i].rec, keys[i].len);
			assert_int_equal(kr->err, DKIM_KEY_OK);
			assert_int_equal(kr->rsa, DKIM_RSA_PASS);
			assert_int_equal(dkim_keyrec_verify(kr, s1, n1, h1), DKIM_RSA_PASS);
			assert_int_equal(dkim_keyrec_verify(kr, s1, n1, h2), DKIM_RSA_FAIL);
			assert_int_equal(dkim_keyrec_verify(kr, s2, n2, h2), DKIM_RSA_PASS);
			assert_int_equal(dkim_keyrec_verify(kr, s2, n2 - 1, h2),
			    DKIM_RSA_FAIL);
			assert_int_equal(dkim_keyrec_verify(kr, s1, n1, h1), DKIM_RSA_PASS);
			/* the other key's record in between: its own key, not this one */
			kr = dkim_keys_get(cache, keys[1 - i].rec, keys[1 - i].len);
			assert_int_equal(dkim_keyrec_verify(kr, s1, n1, h1), DKIM_RSA_FAIL);
		}
	}
	for (i = 0; i < 2; i++)
		EVP_PKEY_free(keys[i].pk);
	dkim_keys_free(cache);
}

/* OpenSSL failing to prepare a key is a temporary error of this message only: the
 * same record is prepared again at its next use, kept or long. */
static void
test_rsa_error_not_kept(void **state)
{
	static struct rsakey keys[2];
	struct dkim_keys *cache = dkim_keys_new();
	unsigned char h[32], s[256];
	const struct dkim_keyrec *kr;
	size_t n, i;

	(void)state;
	memset(h, 0x33, sizeof(h));
	rsakey_make(&keys[0], 10);
	rsakey_make(&keys[1], DKIM_KEYREC_MAX);
	for (i = 0; i < 2; i++) {
		n = rsakey_sign(&keys[i], h, s, sizeof(s));
		fail_inits = 1;
		kr = dkim_keys_get(cache, keys[i].rec, keys[i].len);
		assert_int_equal(fail_inits, 0);
		assert_int_equal(kr->err, DKIM_KEY_OK);
		assert_int_equal(kr->rsa, DKIM_RSA_ERROR);
		assert_int_equal(dkim_keyrec_verify(kr, s, n, h), DKIM_RSA_ERROR);

		kr = dkim_keys_get(cache, keys[i].rec, keys[i].len);
		assert_int_equal(kr->err, DKIM_KEY_OK);
		assert_int_equal(kr->rsa, DKIM_RSA_PASS);
		assert_int_equal(dkim_keyrec_verify(kr, s, n, h), DKIM_RSA_PASS);
		kr = dkim_keys_get(cache, keys[i].rec, keys[i].len);
		assert_int_equal(dkim_keyrec_verify(kr, s, n, h), DKIM_RSA_PASS);
		EVP_PKEY_free(keys[i].pk);
	}
	dkim_keys_free(cache);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_reuse),
		cmocka_unit_test(test_rsa_error_not_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
