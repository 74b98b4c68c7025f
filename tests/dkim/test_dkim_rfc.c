/*
 * test_dkim_rfc.c - the RFC 6376 and RFC 8463 example messages of
 * $SHARED_TESTDATA/dkim, verified against dns-records.txt and compared with
 * expected-results.tsv (read at test time, used as is); then variants of them
 * that must not pass, and the restart behaviour of the verifier.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "auth/dkim.h"
#include "auth/dkim_canon.h"
#include "auth/dkim_sig.h"
#include "common/header.h"
#include "tests/dkim/dkim_support.h"

/* A fixed verification time after the vectors' t= (2018) and before any x=. */
#define NOW 1700000000

static char dir[1024];

static void
path_of(char *out, size_t size, const char *file)
{
	int n = snprintf(out, size, "%s/%s", dir, file);

	assert_true(n > 0 && (size_t)n < size);
}

struct run {
	struct dkim_ctx	*ctx;
	struct dns_cache *cache;
	char		*msg;
	int		 asked;
};

static void
run_keys(struct run *r, char *msg, size_t len, const struct dnstable *t,
    struct dkim_keys *keys)
{
	r->msg = msg;
	r->cache = dns_cache_new();
	r->ctx = dkim_new(msg, len, NOW);
	dkim_use_keys(r->ctx, keys);
	r->asked = dnstable_drive(t, r->ctx, r->cache);
}

static void
run_msg(struct run *r, char *msg, size_t len, const struct dnstable *t)
{
	run_keys(r, msg, len, t, NULL);
}

static void
run_free(struct run *r)
{
	dkim_free(r->ctx);
	dns_cache_free(r->cache);
	free(r->msg);
}

static struct dnstable *
rfc_dns(void)
{
	char p[1200];

	path_of(p, sizeof(p), "dns-records.txt");
	return dnstable_load(p);
}

/* Splits "rsa-sha256 s=brisbane d=example.com" into its three values. */
static void
sig_desc(const char *desc, char *a, char *s, char *d)
{
	assert_int_equal(sscanf(desc, "%31s s=%255s d=%255s", a, s, d), 3);
}

/* Every row of expected-results.tsv. */
static void
test_expected_results(void **state)
{
	struct dnstable *dns = rfc_dns();
	char p[1200], line[4096];
	FILE *f;
	int rows = 0;

	path_of(p, sizeof(p), "expected-results.tsv");
	assert_non_null(f = fopen(p, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *file = line, *desc, *expected, *tab;
		char mp[1200], a[32], s[256], d[256];
		struct run r;
		size_t len, i;
		char *msg;
		int found = 0;

		if (line[0] == '#' || strncmp(line, "file\t", 5) == 0)
			continue;
		assert_non_null(tab = strchr(file, '\t'));
		*tab = '\0';
		desc = tab + 1;
		assert_non_null(tab = strchr(desc, '\t'));
		*tab = '\0';
		expected = tab + 1;
		assert_non_null(tab = strchr(expected, '\t'));
		*tab = '\0';
		rows++;

		path_of(mp, sizeof(mp), file);
		msg = test_read_file(mp, &len, 1);
		run_msg(&r, msg, len, dns);
		print_message("%s: %s: expect %s\n", file, desc, expected);
		if (strcmp(desc, "(none)") == 0) {
			assert_string_equal(expected, "none");
			assert_int_equal(dkim_nresults(r.ctx), 0);
			run_free(&r);
			continue;
		}
		sig_desc(desc, a, s, d);
		for (i = 0; i < dkim_nresults(r.ctx); i++) {
			const struct dkim_sigres *res = dkim_result(r.ctx, i);

			if (strcmp(res->a, a) != 0 || strcmp(res->s, s) != 0 ||
			    strcmp(res->d, d) != 0)
				continue;
			found = 1;
			print_message("  got %s (%s)\n", dkim_result_name(res->result),
			    res->reason);
			assert_string_equal(dkim_result_name(res->result), expected);
			assert_true(strlen(res->b) >= 8);
		}
		assert_true(found);
		run_free(&r);
	}
	fclose(f);
	assert_true(rows >= 5);
	dnstable_free(dns);
}

static void
hash_out(void *arg, const void *p, size_t n)
{
	EVP_DigestUpdate(arg, p, n);
}

/* base64(sha256(canonical body)) of a message file. */
static void
body_hash_b64(const char *file, enum dkim_canon c, char *out, size_t outsize)
{
	char p[1200];
	size_t len;
	char *msg;
	struct header_iter it;
	struct header_field f;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char h[32];
	struct dkim_body *b;

	path_of(p, sizeof(p), file);
	msg = test_read_file(p, &len, 1);
	header_iter_init(&it, msg, len);
	while (header_next(&it, &f) == HEADER_OK)
		;
	assert_int_equal(header_next(&it, &f), HEADER_END);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	b = dkim_body_new(c, 0, 0, hash_out, md);
	dkim_body_update(b, msg + header_body_offset(&it), len - header_body_offset(&it));
	dkim_body_final(b);
	dkim_body_free(b);
	assert_int_equal(EVP_DigestFinal_ex(md, h, NULL), 1);
	EVP_MD_CTX_free(md);
	sodium_bin2base64(out, outsize, h, sizeof(h), sodium_base64_VARIANT_ORIGINAL);
	free(msg);
}

/* The DNS-free cross-checks written in the comments of expected-results.tsv. */
static void
test_body_hashes(void **state)
{
	static const char *files[] = { "rfc6376-A1-unsigned.eml", "rfc6376-A2-signed.eml",
	    "rfc6376-A3-received.eml", "rfc8463-A3-signed.eml" };
	const char *relaxed = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
	char got[64];
	size_t i;

	for (i = 0; i < 4; i++) {
		body_hash_b64(files[i], DKIM_CANON_RELAXED, got, sizeof(got));
		assert_string_equal(got, relaxed);
		body_hash_b64(files[i], DKIM_CANON_SIMPLE, got, sizeof(got));
		assert_string_equal(got, i < 3 ? relaxed :
		    "4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ=");
	}
}

/* Replaces the first occurrence of from by to in msg (a new buffer). */
static char *
patch(char *msg, size_t *len, const char *from, const char *to)
{
	char *p = strstr(msg, from), *out;
	size_t fl = strlen(from), tl = strlen(to), off;

	assert_non_null(p);
	off = (size_t)(p - msg);
	assert_non_null(out = malloc(*len - fl + tl + 1));
	memcpy(out, msg, off);
	memcpy(out + off, to, tl);
	memcpy(out + off + tl, p + fl, *len - off - fl + 1);
	*len = *len - fl + tl;
	free(msg);
	return out;
}

struct variant {
	const char	*what;
	const char	*file;
	const char	*from, *to;	/* patch, or NULL */
	const char	*dns;		/* table text, or NULL for dns-records.txt */
	const char	*expect[2];	/* per signature, top first */
};

#define ED_KEY "brisbane._domainkey.football.example.com"
#define RSA_KEY "test._domainkey.football.example.com"

static const struct variant variants[] = {
	{ "body byte changed", "rfc6376-A2-signed.eml", "We lost", "We won ", NULL,
	  { "fail", NULL } },
	{ "signed header changed", "rfc6376-A2-signed.eml", "Subject: Is dinner",
	  "Subject: Is supper", NULL, { "fail", NULL } },
	{ "header name case changed, simple", "rfc6376-A2-signed.eml", "\nTo: Suzie",
	  "\nTO: Suzie", NULL, { "fail", NULL } },
	{ "header name case changed, relaxed", "rfc8463-A3-signed.eml", "\nTo: Suzie",
	  "\nTO: Suzie", NULL, { "pass", "pass" } },
	{ "header whitespace changed, relaxed", "rfc8463-A3-signed.eml",
	  "Subject: Is dinner ready?", "Subject:Is  dinner ready?", NULL, { "pass", "pass" } },
	{ "header whitespace changed, simple", "rfc6376-A2-signed.eml",
	  "Subject: Is dinner ready?", "Subject:Is  dinner ready?", NULL, { "fail", NULL } },
	{ "body whitespace changed, relaxed", "rfc8463-A3-signed.eml", "game.  Are",
	  "game.\t Are", NULL, { "pass", "pass" } },
	{ "body whitespace changed, simple", "rfc6376-A2-signed.eml", "game. Are",
	  "game.\tAre", NULL, { "fail", NULL } },
	{ "trailing empty lines added", "rfc8463-A3-signed.eml", "Joe.\r\n",
	  "Joe.\r\n\r\n \r\n\r\n", NULL, { "pass", "pass" } },
	{ "trailing empty lines added, simple", "rfc6376-A2-signed.eml", "Joe.\r\n",
	  "Joe.\r\n\r\n\r\n", NULL, { "pass", NULL } },
	{ "last CRLF removed", "rfc8463-A3-signed.eml", "Joe.\r\n", "Joe.", NULL,
	  { "pass", "pass" } },
	{ "text appended", "rfc8463-A3-signed.eml", "Joe.\r\n", "Joe.\r\n\r\nP.S.\r\n", NULL,
	  { "fail", "fail" } },
	{ "ed25519 b= byte changed", "rfc8463-A3-signed.eml", "b=/gCrinpc", "b=/gCrinpd",
	  NULL, { "fail", "pass" } },
	{ "no key record", "rfc6376-A2-signed.eml", NULL, NULL, "# empty\n",
	  { "permerror", NULL } },
	{ "key lookup timeout", "rfc8463-A3-signed.eml", NULL, NULL,
	  ED_KEY "\tTIMEOUT\n" RSA_KEY "\tSERVFAIL\n", { "temperror", "temperror" } },
	{ "keys swapped", "rfc8463-A3-signed.eml", NULL, NULL,
	  ED_KEY "\tTXT\tv=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR0=\n"
	  RSA_KEY "\tTXT\tv=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB\n",
	  { "fail", "fail" } },
	{ "key type mismatch", "rfc8463-A3-signed.eml", NULL, NULL,
	  ED_KEY "\tTXT\tv=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
	  RSA_KEY "\tTXT\tv=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
	  { "permerror", "permerror" } },
	{ "revoked keys", "rfc8463-A3-signed.eml", NULL, NULL,
	  ED_KEY "\tTXT\tv=DKIM1; k=ed25519; p=\n" RSA_KEY "\tTXT\tv=DKIM1; p=\n",
	  { "permerror", "permerror" } },
	{ "key h=sha1 only", "rfc8463-A3-signed.eml", NULL, NULL,
	  ED_KEY "\tTXT\tv=DKIM1; k=ed25519; h=sha1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
	  { "permerror", "permerror" } },
	{ "key for another service", "rfc8463-A3-signed.eml", NULL, NULL,
	  ED_KEY "\tTXT\tv=DKIM1; k=ed25519; s=chat; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
	  { "permerror", "permerror" } },
	{ "several TXT records, one key", "rfc8463-A3-signed.eml", NULL, NULL,
	  ED_KEY "\tTXT\tsome=other; record\n"
	  ED_KEY "\tTXT\tv=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
	  { "pass", "permerror" } },
	{ "From not signed", "rfc6376-A2-signed.eml", "h=Received : From :",
	  "h=Received : Date :", NULL, { "permerror", NULL } },
	{ "i= outside d=", "rfc6376-A2-signed.eml", "i=joe@football.example.com",
	  "i=joe@football.example.org", NULL, { "permerror", NULL } },
	{ "rsa-sha1", "rfc6376-A2-signed.eml", "a=rsa-sha256", "a=rsa-sha1", NULL,
	  { "permerror", NULL } },
	{ "version 2", "rfc6376-A2-signed.eml", "v=1;", "v=2;", NULL, { "permerror", NULL } },
	{ "expired", "rfc8463-A3-signed.eml", "t=1528637909;", "x=1528637909;", NULL,
	  { "permerror", "pass" } },
	{ "timestamp in the future", "rfc8463-A3-signed.eml", "t=1528637909;",
	  "t=1928637909;", NULL, { "permerror", "pass" } },
	{ "bare LF in header", "rfc6376-A2-signed.eml", "Subject: Is dinner ready?\r\n",
	  "Subject: Is dinner ready?\n\n", NULL, { "permerror", NULL } },
};

static void
run_variant(const struct variant *c, const struct dnstable *rfc, struct dkim_keys *keys)
{
	struct dnstable *t = c->dns ? dnstable_parse(c->dns) : NULL;
	char p[1200];
	struct run r;
	size_t len, i, want = c->expect[1] ? 2 : 1;
	char *msg;

	print_message("variant (%s): %s\n", keys ? "key cache" : "no key cache", c->what);
	path_of(p, sizeof(p), c->file);
	msg = test_read_file(p, &len, 1);
	if (c->from)
		msg = patch(msg, &len, c->from, c->to);
	run_keys(&r, msg, len, t ? t : rfc, keys);
	assert_int_equal(dkim_nresults(r.ctx), want);
	for (i = 0; i < want; i++) {
		const struct dkim_sigres *res = dkim_result(r.ctx, i);

		print_message("  sig %zu: %s (%s)\n", i, dkim_result_name(res->result),
		    res->reason);
		assert_string_equal(dkim_result_name(res->result), c->expect[i]);
	}
	run_free(&r);
	dnstable_free(t);
}

/*
 * Every variant without a key cache, then twice through one shared cache: the
 * later rounds reuse decoded keys and verify contexts after passes and failures
 * with the same key, and must give the same results.
 */
static void
test_variants(void **state)
{
	struct dnstable *rfc = rfc_dns();
	struct dkim_keys *keys = dkim_keys_new();
	size_t v, round;

	for (round = 0; round < 3; round++)
		for (v = 0; v < sizeof(variants) / sizeof(variants[0]); v++)
			run_variant(&variants[v], rfc, round ? keys : NULL);
	dkim_keys_free(keys);
	dnstable_free(rfc);
}

/* One question per distinct key, never repeated; results fixed once DONE. */
static void
test_restart(void **state)
{
	struct dnstable *dns = rfc_dns();
	char p[1200];
	struct run r;
	size_t len;
	const char *name;
	enum dns_type type;

	path_of(p, sizeof(p), "rfc8463-A3-signed.eml");
	r.msg = test_read_file(p, &len, 1);
	r.cache = dns_cache_new();
	r.ctx = dkim_new(r.msg, len, NOW);
	assert_int_equal(dkim_verify_step(r.ctx, r.cache), DKIM_NEED_DNS);
	assert_int_equal(dns_cache_wanted(r.cache, &name, &type), 0);
	assert_string_equal(name, ED_KEY);
	assert_int_equal(type, DNS_T_TXT);
	/* Asking again without an answer asks the same question. */
	assert_int_equal(dkim_verify_step(r.ctx, r.cache), DKIM_NEED_DNS);
	assert_int_equal(dns_cache_wanted(r.cache, &name, &type), 0);
	assert_string_equal(name, ED_KEY);
	assert_int_equal(dns_cache_put(r.cache, ED_KEY, strlen(ED_KEY), DNS_T_TXT,
	    DNS_TIMEOUT, NULL, 0), 0);
	assert_int_equal(dkim_verify_step(r.ctx, r.cache), DKIM_NEED_DNS);
	assert_int_equal(dkim_result(r.ctx, 0)->result, DKIM_TEMPERROR);
	assert_int_equal(dns_cache_wanted(r.cache, &name, &type), 0);
	assert_string_equal(name, RSA_KEY);
	assert_int_equal(dnstable_drive(dns, r.ctx, r.cache), 1);
	assert_int_equal(dkim_result(r.ctx, 1)->result, DKIM_PASS);
	assert_int_equal(dkim_verify_step(r.ctx, r.cache), DKIM_DONE);
	assert_int_equal(dkim_result(r.ctx, 0)->result, DKIM_TEMPERROR);
	assert_null(dkim_result(r.ctx, 2));
	assert_string_equal(dkim_result(r.ctx, 0)->i, "@football.example.com");
	run_free(&r);
	dnstable_free(dns);
}

/*
 * A key name with more than DNS_RR_MAX TXT records: the cache keeps the first
 * DNS_RR_MAX. A key among them is used (RFC 6376 6.1.2 lets the verifier pick); no
 * key among them is a permerror that says why (what lies past them was not seen).
 */
static void
test_truncated_key_set(void **state)
{
	static const char key[] =
	    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	static const size_t at[] = { 0, DNS_RR_MAX - 1, DNS_RR_MAX, DNS_RR_MAX + 5 };
	static const enum dkim_result want[] = { DKIM_PASS, DKIM_PASS, DKIM_PERMERROR,
	    DKIM_PERMERROR };
	struct dns_rr rr[DNS_RR_MAX + 6];
	struct dnstable *dns = rfc_dns();
	char p[1200];
	struct run r;
	size_t len, i, k;

	path_of(p, sizeof(p), "rfc8463-A3-signed.eml");
	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		for (i = 0; i < DNS_RR_MAX + 6; i++) {
			rr[i].data = (unsigned char *)(i == at[k] ? key : "v=DKIM1; p=!!");
			rr[i].len = strlen((const char *)rr[i].data);
			rr[i].pref = 0;
		}
		r.msg = test_read_file(p, &len, 1);
		r.cache = dns_cache_new();
		assert_int_equal(dns_cache_put(r.cache, ED_KEY, strlen(ED_KEY), DNS_T_TXT,
		    DNS_OK, rr, DNS_RR_MAX + 6), 0);
		r.ctx = dkim_new(r.msg, len, NOW);
		dnstable_drive(dns, r.ctx, r.cache);
		if (dkim_result(r.ctx, 0)->result != want[k])
			fail_msg("key at %zu: %s (%s)", at[k],
			    dkim_result_name(dkim_result(r.ctx, 0)->result),
			    dkim_result(r.ctx, 0)->reason);
		if (want[k] == DKIM_PERMERROR)
			assert_non_null(strstr(dkim_result(r.ctx, 0)->reason, "TXT records"));
		run_free(&r);
	}
	dnstable_free(dns);
}

/*
 * RFC 8463 signing is deterministic: a signer made of this module's
 * canonicalization and the A.1 secret key must reproduce the published b= of the
 * A.3 ed25519 signature byte for byte. Header selection is done here the RFC 6376
 * 5.4.2 way (bottom-up, a name with no instance left adds nothing).
 */
static void
test_rfc8463_resign(void **state)
{
	unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES], hash[32], sig[crypto_sign_BYTES];
	struct header_field f[16];
	struct header_iter it;
	struct dkim_sig dsig;
	const char *reason;
	char p[1200], b64[128], want[128];
	size_t len, nf = 0, i, k, seedlen, w = 0;
	unsigned char taken[16] = { 0 };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *text, *msg;

	path_of(p, sizeof(p), "rfc8463-A1-ed25519-private-seed.b64");
	text = test_read_file(p, &len, 0);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	assert_int_equal(sodium_base642bin(seed, sizeof(seed), text, len, NULL, &seedlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(seedlen, sizeof(seed));
	free(text);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);

	path_of(p, sizeof(p), "rfc8463-A3-signed.eml");
	msg = test_read_file(p, &len, 1);
	header_iter_init(&it, msg, len);
	while (nf < 16 && header_next(&it, &f[nf]) == HEADER_OK)
		nf++;
	assert_true(header_name_is(&f[0], "DKIM-Signature"));
	assert_int_equal(dkim_sig_parse(f[0].raw, f[0].raw_len, f[0].value, f[0].value_len,
	    &dsig, &reason), DKIM_SIG_OK);
	assert_int_equal(dsig.alg, DKIM_ALG_ED25519_SHA256);

	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	for (i = 0; i < dsig.nh; i++)
		for (k = nf; k-- > 1;)
			if (!taken[k] && f[k].name_len == dsig.h[i].len &&
			    strncasecmp(f[k].name, dsig.h[i].name, f[k].name_len) == 0) {
				taken[k] = 1;
				dkim_canon_header(dsig.hcanon, f[k].raw, f[k].raw_len, 0, 0, 1,
				    hash_out, md);
				break;
			}
	dkim_canon_header(dsig.hcanon, f[0].raw, f[0].raw_len, dsig.b_off, dsig.b_len_raw, 0,
	    hash_out, md);
	assert_int_equal(EVP_DigestFinal_ex(md, hash, NULL), 1);
	EVP_MD_CTX_free(md);
	assert_int_equal(crypto_sign_detached(sig, NULL, hash, sizeof(hash), sk), 0);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);

	for (i = dsig.b_off; i < dsig.b_off + dsig.b_len_raw; i++)
		if (!isspace((unsigned char)f[0].raw[i]))
			want[w++] = f[0].raw[i];
	want[w] = '\0';
	assert_string_equal(b64, want);
	free(msg);
}

static int
setup(void **state)
{
	const char *td = getenv("SHARED_TESTDATA");
	int n;

	if (td == NULL) {
		fprintf(stderr, "SHARED_TESTDATA is not set\n");
		return -1;
	}
	n = snprintf(dir, sizeof(dir), "%s/dkim", td);
	return n > 0 && (size_t)n < sizeof(dir) ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected_results),
		cmocka_unit_test(test_body_hashes),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_truncated_key_set),
		cmocka_unit_test(test_rfc8463_resign),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
