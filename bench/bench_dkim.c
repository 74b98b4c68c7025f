/*
 * bench_dkim.c - DKIM verifications per second of a 4 KB message, against the raw
 * public-key verify rate measured in the same run.
 *
 * For RSA-2048 and ed25519 keys made at start, messages of 4096 bytes are signed
 * (relaxed/relaxed, five signed header fields) by a small signer here, then timed:
 *   dkim      the whole per-message path of the daemon: dkim_new, a step that asks
 *             for the key, the answer put in a fresh DNS cache, the step that
 *             parses the key record and verifies, dkim_free; for RSA with the
 *             process's key cache (struct dkim_keys, as the daemon runs) on a
 *             whitespace-heavy body and on a prose body, and without the cache
 *             (every key record decoded again);
 *   raw       RSA: EVP_DigestVerifyInit + EVP_DigestVerify of the same signature
 *             over the same canonical header bytes, with the key already parsed;
 *             ed25519: crypto_sign_verify_detached of the same signature over the
 *             same SHA-256 hash.
 *   pkey      RSA: EVP_PKEY_verify of the signature of a 32-byte hash with a context
 *             prepared once, what "openssl speed rsa2048" times;
 *   sha256    SHA-256 of the message's bytes, once: DKIM hashes about as many
 *             (the body, and the signed header fields) whatever the verifier does.
 * and the ratios dkim/raw and dkim/pkey are printed, with the bound that pkey and
 * sha256 put on the second one: the rate of a verifier whose parsing and
 * canonicalization cost nothing. Run: bench/bench_dkim [seconds per key type].
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "auth/dkim.h"
#include "auth/dkim_canon.h"
#include "auth/dns.h"
#include "bench/bench.h"

#define MSG_SIZE 4096
#define SELECTOR_NAME "bench._domainkey.example.org"

static const char *headers =
    "From: Alice Example <alice@example.org>\r\n"
    "To: Bob Example <bob@example.com>\r\n"
    "Subject: Quarterly figures for the benchmark\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <20240101100000.bench@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n";

struct signed_msg {
	char		 msg[MSG_SIZE + 1];
	size_t		 len;
	unsigned char	 hdata[2048];	/* canonical header bytes the signature covers */
	size_t		 hlen;
	unsigned char	 hash[32];	/* SHA-256 of hdata: what ed25519 signs, and
					 * what EVP_PKEY_verify checks for RSA */
	unsigned char	 sig[512];
	size_t		 siglen;
	char		 record[2048];
};

struct buf {
	unsigned char	*p;
	size_t		 n, cap;
};

static void
to_buf(void *arg, const void *p, size_t n)
{
	struct buf *b = arg;

	if (n > b->cap - b->n)
		bench_die("bench_dkim", "canonical data too long");
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
to_md(void *arg, const void *p, size_t n)
{
	EVP_DigestUpdate(arg, p, n);
}

/*
 * The two bodies: whitespace-heavy text (double spaces and a tab on every line,
 * the worst case of relaxed canonicalization short of pathological input) and
 * prose with single spaces, as most text mail is.
 */
static const char *dense_line = "The quick brown fox jumps over the lazy dog;  figures  "
    "follow\tbelow.";
static const char *prose_line = "The quick brown fox jumps over the lazy dog; the figures "
    "follow below.";

/* A body of text lines that brings the message to MSG_SIZE bytes. */
static size_t
fill_body(char *out, size_t want, const char *line)
{
	size_t n = 0, ll = strlen(line);

	while (n + ll + 2 <= want) {
		memcpy(out + n, line, ll);
		n += ll;
		memcpy(out + n, "\r\n", 2);
		n += 2;
	}
	while (n + 3 <= want)
		out[n++] = 'x';
	memcpy(out + n, "\r\n", 2);
	return n + 2;
}

/*
 * Signs relaxed/relaxed: the body hash, then the header fields and the signature
 * field with an empty b=, as RFC 6376 3.7 orders them; b= is appended last.
 */
static void
sign(struct signed_msg *m, int ed, EVP_PKEY *rsa, const unsigned char *edsk,
    const char *line)
{
	static const char *names[] = { "From:", "To:", "Subject:", "Date:", "Message-ID:" };
	char sighdr[1024], bh64[64], body[MSG_SIZE], b64[700];
	unsigned char bh[32];
	struct buf hb = { m->hdata, 0, sizeof(m->hdata) };
	struct dkim_body *b;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t i, blen, siglen_guess = ed ? 88 : 344, hlen = strlen(headers);
	int n;

	/* Size the body so that the signed message is MSG_SIZE bytes. */
	n = snprintf(sighdr, sizeof(sighdr), "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed;"
	    " d=example.org; s=bench;\r\n h=from:to:subject:date:message-id; bh=%44s;\r\n b=",
	    ed ? "ed25519-sha256" : "rsa-sha256", "");
	if (n < 0 || (size_t)n >= sizeof(sighdr))
		bench_die("bench_dkim", "signature header");
	blen = fill_body(body, MSG_SIZE - (size_t)n - siglen_guess - 2 - hlen - 2, line);

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		bench_die("bench_dkim", "sha256");
	b = dkim_body_new(DKIM_CANON_RELAXED, 0, 0, to_md, md);
	dkim_body_update(b, body, blen);
	dkim_body_final(b);
	dkim_body_free(b);
	EVP_DigestFinal_ex(md, bh, NULL);
	sodium_bin2base64(bh64, sizeof(bh64), bh, sizeof(bh), sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(sighdr, sizeof(sighdr), "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed;"
	    " d=example.org; s=bench;\r\n h=from:to:subject:date:message-id; bh=%s;\r\n b=\r\n",
	    ed ? "ed25519-sha256" : "rsa-sha256", bh64);

	for (i = 0; i < 5; i++) {
		const char *f = strstr(headers, names[i]), *e = strstr(f, "\r\n") + 2;

		dkim_canon_header(DKIM_CANON_RELAXED, f, (size_t)(e - f), 0, 0, 1, to_buf, &hb);
	}
	dkim_canon_header(DKIM_CANON_RELAXED, sighdr, (size_t)n, 0, 0, 0, to_buf, &hb);
	m->hlen = hb.n;

	crypto_hash_sha256(m->hash, m->hdata, m->hlen);
	if (ed) {
		unsigned long long sl;

		crypto_sign_detached(m->sig, &sl, m->hash, sizeof(m->hash), edsk);
		m->siglen = (size_t)sl;
	} else {
		m->siglen = sizeof(m->sig);
		if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, rsa) != 1 ||
		    EVP_DigestSign(md, m->sig, &m->siglen, m->hdata, m->hlen) != 1)
			bench_die("bench_dkim", "RSA sign");
	}
	EVP_MD_CTX_free(md);
	sodium_bin2base64(b64, sizeof(b64), m->sig, m->siglen, sodium_base64_VARIANT_ORIGINAL);
	/* The signature field, b= filled, then the header and the body. */
	n = snprintf(m->msg, sizeof(m->msg), "%.*s%s\r\n%s\r\n", n - 2, sighdr, b64, headers);
	if (n < 0 || (size_t)n + blen > MSG_SIZE)
		bench_die("bench_dkim", "message too long");
	memcpy(m->msg + n, body, blen);
	m->len = (size_t)n + blen;
}

static void
record_rsa(struct signed_msg *m, EVP_PKEY *k)
{
	unsigned char der[1024], *p = der;
	char b64[1400];
	int n = i2d_PUBKEY(k, &p);

	if (n <= 0 || (size_t)n > sizeof(der))
		bench_die("bench_dkim", "i2d_PUBKEY");
	sodium_bin2base64(b64, sizeof(b64), der, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
	snprintf(m->record, sizeof(m->record), "v=DKIM1; k=rsa; p=%s", b64);
}

static void
record_ed(struct signed_msg *m, const unsigned char *pk)
{
	char b64[64];

	sodium_bin2base64(b64, sizeof(b64), pk, crypto_sign_PUBLICKEYBYTES,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(m->record, sizeof(m->record), "v=DKIM1; k=ed25519; p=%s", b64);
}

/* One message through the verifier, as the daemon runs it. */
static int
dkim_once(const struct signed_msg *m, struct dkim_keys *keys)
{
	struct dns_cache *c = dns_cache_new();
	struct dkim_ctx *ctx = dkim_new(m->msg, m->len, time(NULL));
	struct dns_rr rr = { (unsigned char *)(uintptr_t)m->record, strlen(m->record), 0 };
	int ok;

	dkim_use_keys(ctx, keys);
	if (dkim_verify_step(ctx, c) != DKIM_NEED_DNS)
		bench_die("bench_dkim", "no key question");
	dns_cache_put(c, SELECTOR_NAME, strlen(SELECTOR_NAME), DNS_T_TXT, DNS_OK, &rr, 1);
	ok = dkim_verify_step(ctx, c) == DKIM_DONE && dkim_nresults(ctx) == 1 &&
	    dkim_result(ctx, 0)->result == DKIM_PASS;
	dkim_free(ctx);
	dns_cache_free(c);
	return ok;
}

static int
raw_rsa_once(const struct signed_msg *m, EVP_PKEY *pub)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_DigestVerify(md, m->sig, m->siglen, m->hdata, m->hlen) == 1;

	EVP_MD_CTX_free(md);
	return ok;
}

static int
pkey_once(const struct signed_msg *m, EVP_PKEY_CTX *vctx)
{
	return EVP_PKEY_verify(vctx, m->sig, m->siglen, m->hash, sizeof(m->hash)) == 1;
}

static int
sha_once(const struct signed_msg *m)
{
	unsigned char out[32];

	return EVP_Digest(m->msg, m->len, out, NULL, EVP_sha256(), NULL) == 1;
}

static int
raw_ed_once(const struct signed_msg *m, const unsigned char *pk)
{
	return crypto_sign_verify_detached(m->sig, m->hash, sizeof(m->hash), pk) == 0;
}

enum what { DKIM_COLD, DKIM, DKIM_PROSE, RAW_RSA, PKEY_RSA, SHA, RAW_ED, NWHAT };

/* What the kinds need besides the message. */
struct tools {
	EVP_PKEY	*pub;
	EVP_PKEY_CTX	*vctx;		/* prepared for EVP_PKEY_verify */
	const unsigned char *pk;
	struct dkim_keys *keys;
	const struct signed_msg *prose;	/* the RSA message with a prose body */
};

/* Operations per second of one burst of 200 operations. */
static double
burst(enum what w, const struct signed_msg *m, const struct tools *t)
{
	double start = bench_now();
	int i, ok = 1;

	for (i = 0; i < 200; i++) {
		if (w == DKIM)
			ok &= dkim_once(m, t->keys);
		else if (w == DKIM_PROSE)
			ok &= dkim_once(t->prose, t->keys);
		else if (w == DKIM_COLD)
			ok &= dkim_once(m, NULL);
		else if (w == RAW_RSA)
			ok &= raw_rsa_once(m, t->pub);
		else if (w == PKEY_RSA)
			ok &= pkey_once(m, t->vctx);
		else if (w == SHA)
			ok &= sha_once(m);
		else
			ok &= raw_ed_once(m, t->pk);
	}
	if (!ok)
		bench_die("bench_dkim", "a verification failed");
	return 200 / (bench_now() - start);
}

/*
 * The machine may be shared, so the kinds are measured in interleaved bursts for
 * the time given, and each kind's best burst is kept: interference only ever
 * slows a burst down, so the best is the closest to the quiet rate, and
 * interleaving exposes every kind to the same conditions.
 */
static void
measure(const struct signed_msg *m, struct tools *t, const enum what *kinds, size_t nk,
    double secs, double *best)
{
	double start = bench_now();
	size_t k;

	t->keys = dkim_keys_new();
	for (k = 0; k < nk; k++)
		best[kinds[k]] = 0;
	do {
		for (k = 0; k < nk; k++) {
			double r = burst(kinds[k], m, t);

			if (r > best[kinds[k]])
				best[kinds[k]] = r;
		}
	} while (bench_now() - start < secs);
	dkim_keys_free(t->keys);
}

/* A context ready for EVP_PKEY_verify, as dkim_keys.c and "openssl speed" make. */
static EVP_PKEY_CTX *
verify_ctx(EVP_PKEY *pub)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pub, NULL);

	if (c == NULL || EVP_PKEY_verify_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1)
		bench_die("bench_dkim", "verify context");
	return c;
}

int
main(int argc, char **argv)
{
	static struct signed_msg rsa_msg, prose_msg, ed_msg;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	static const enum what rsa_kinds[] = { RAW_RSA, PKEY_RSA, SHA, DKIM, DKIM_PROSE,
	    DKIM_COLD };
	static const enum what ed_kinds[] = { RAW_ED, DKIM };
	double secs = argc > 1 ? atof(argv[1]) : 10.0, best[NWHAT], bound;
	struct tools t = { NULL, NULL, pk, NULL, &prose_msg };
	EVP_PKEY *rsa;

	if (sodium_init() < 0 || secs <= 0)
		bench_die("bench_dkim", "init");
	if ((rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)) == NULL)
		bench_die("bench_dkim", "RSA keygen");
	crypto_sign_keypair(pk, sk);
	sign(&rsa_msg, 0, rsa, NULL, dense_line);
	sign(&prose_msg, 0, rsa, NULL, prose_line);
	record_rsa(&prose_msg, rsa);
	record_rsa(&rsa_msg, rsa);
	sign(&ed_msg, 1, NULL, sk, dense_line);
	record_ed(&ed_msg, pk);
	sodium_memzero(sk, sizeof(sk));

	printf("message %zu bytes (rsa), %zu bytes (ed25519); best of interleaved bursts over "
	    "%.1f s per key type\n", rsa_msg.len, ed_msg.len, secs);
	t.pub = rsa;
	t.vctx = verify_ctx(rsa);
	measure(&rsa_msg, &t, rsa_kinds, sizeof(rsa_kinds) / sizeof(rsa_kinds[0]), secs, best);
	/* Hashing the message and one RSA operation, nothing else: the fastest a DKIM
	 * verifier of this message can be, against what openssl speed times. */
	bound = 1 / (1 / best[PKEY_RSA] + 1 / best[SHA]);
	printf("rsa2048  raw EVP_DigestVerify            %8.0f/s\n", best[RAW_RSA]);
	printf("rsa2048  EVP_PKEY_verify (openssl speed) %8.0f/s\n", best[PKEY_RSA]);
	printf("sha256   of the %zu-byte message          %8.0f/s\n", rsa_msg.len, best[SHA]);
	printf("rsa2048  bound: one RSA op + one SHA-256 %8.0f/s  ratio to EVP_PKEY_verify %.2f\n",
	    bound, bound / best[PKEY_RSA]);
	printf("rsa2048  dkim, key cache                 %8.0f/s  ratio %.2f (to EVP_PKEY_verify "
	    "%.2f)\n", best[DKIM], best[DKIM] / best[RAW_RSA], best[DKIM] / best[PKEY_RSA]);
	printf("rsa2048  dkim, key cache, prose body     %8.0f/s  ratio %.2f (to EVP_PKEY_verify "
	    "%.2f)\n", best[DKIM_PROSE], best[DKIM_PROSE] / best[RAW_RSA],
	    best[DKIM_PROSE] / best[PKEY_RSA]);
	printf("rsa2048  dkim, no key cache              %8.0f/s  ratio %.2f\n",
	    best[DKIM_COLD], best[DKIM_COLD] / best[RAW_RSA]);
	measure(&ed_msg, &t, ed_kinds, sizeof(ed_kinds) / sizeof(ed_kinds[0]), secs, best);
	printf("ed25519  raw crypto_sign_verify_detached %8.0f/s\n", best[RAW_ED]);
	printf("ed25519  dkim                            %8.0f/s  ratio %.2f\n", best[DKIM],
	    best[DKIM] / best[RAW_ED]);
	EVP_PKEY_CTX_free(t.vctx);
	EVP_PKEY_free(rsa);
	return 0;
}
