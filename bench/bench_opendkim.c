/*
 * bench_opendkim.c - OpenDKIM, the reference C verifier (libopendkim, as the
 * opendkim milter uses it), on bench_dkim's message: its verifications per second
 * against EVP_PKEY_verify (what "openssl speed rsa2048" times) in the same run, so
 * that the ratio bench_dkim prints for ecluse has a point of comparison.
 *
 * A program apart from bench_dkim: libopendkim exports dkim_free, dkim_verify... as
 * ecluse's DKIM module does, and one process cannot hold both. The message is made
 * as bench_dkim makes its own: the same seven header fields, a body of the same
 * whitespace-heavy (default) or prose lines bringing it to 4 KB, signed
 * relaxed/relaxed rsa-sha256 with a 2048-bit key, here by OpenDKIM's signer. Keys
 * come from a lookup callback that answers the record at once, as ecluse's DNS cache
 * answers the daemon; OpenDKIM keeps no parsed keys, so it decodes the record (base64
 * and DER) for every message, as ecluse does without its key cache.
 *
 * Built when configure finds libopendkim (Debian: libopendkim-dev); bench/auth.sh
 * runs it when it is there. Usage: bench_opendkim [seconds [prose]]
 */
#include "config.h"
#include "bench/bench.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <opendkim/dkim.h>

#define MSG_SIZE 4096
#define BURST 200
/* What the DKIM-Signature field OpenDKIM makes here takes, with some room. */
#define SIG_FIELD_ROOM 600

static const char *const fields[] = {
	"From: Alice Example <alice@example.org>",
	"To: Bob Example <bob@example.com>",
	"Subject: Quarterly figures for the benchmark",
	"Date: Mon, 1 Jan 2024 10:00:00 +0000",
	"Message-ID: <20240101100000.bench@example.org>",
	"MIME-Version: 1.0",
	"Content-Type: text/plain; charset=us-ascii",
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* bench_dkim's two bodies. */
static const char *dense_line = "The quick brown fox jumps over the lazy dog;  figures  "
    "follow\tbelow.";
static const char *prose_line = "The quick brown fox jumps over the lazy dog; the figures "
    "follow below.";

static char record[2048];	/* the key record every lookup answers */

static DKIM_CBSTAT
lookup(DKIM *d, DKIM_SIGINFO *sig, u_char *buf, size_t len)
{
	int n = snprintf((char *)buf, len, "%s", record);

	(void)d;
	(void)sig;
	return n > 0 && (size_t)n < len ? DKIM_CBSTAT_CONTINUE : DKIM_CBSTAT_ERROR;
}

/* "v=DKIM1; k=rsa; p=" and the key's SubjectPublicKeyInfo in base64, into record. */
static void
make_record(EVP_PKEY *k)
{
	unsigned char der[1024], *p = der, b64[1400];
	int n = i2d_PUBKEY(k, &p);

	if (n <= 0 || (size_t)n > sizeof(der) || 4 * ((n + 2) / 3) >= (int)sizeof(b64))
		bench_die("bench_opendkim", "i2d_PUBKEY");
	EVP_EncodeBlock(b64, der, n);
	snprintf(record, sizeof(record), "v=DKIM1; k=rsa; p=%s", b64);
}

/* The private key in PEM, as dkim_sign takes it; the caller frees it. */
static char *
pem_key(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	if (b == NULL || PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(b, &data)) <= 0 || (out = malloc((size_t)n + 1)) == NULL)
		bench_die("bench_opendkim", "PEM");
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

/* The signed message into msg (MSG_SIZE + 1 bytes); returns its length. */
static size_t
make_message(DKIM_LIB *lib, EVP_PKEY *k, const char *line, char *msg)
{
	char head[1024], body[MSG_SIZE], *key = pem_key(k);
	unsigned char sig[2048];
	size_t hlen = 0, blen = 0, ll = strlen(line), i;
	DKIM_STAT st;
	DKIM *s;
	int n;

	for (i = 0; i < NFIELDS; i++)
		hlen += (size_t)snprintf(head + hlen, sizeof(head) - hlen, "%s\r\n", fields[i]);
	/* OpenDKIM's signature field (all fields in h=, t=, folded) takes 570 bytes. */
	while (hlen + 2 + blen + ll + 2 + SIG_FIELD_ROOM <= MSG_SIZE) {
		memcpy(body + blen, line, ll);
		memcpy(body + blen + ll, "\r\n", 2);
		blen += ll + 2;
	}
	s = dkim_sign(lib, (const u_char *)"bench", NULL, (u_char *)key,
	    (const u_char *)"bench", (const u_char *)"example.org", DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	if (s == NULL)
		bench_die("bench_opendkim", "dkim_sign");
	for (i = 0; i < NFIELDS; i++)
		if (dkim_header(s, (u_char *)(uintptr_t)fields[i], strlen(fields[i])) !=
		    DKIM_STAT_OK)
			bench_die("bench_opendkim", "dkim_header");
	if (dkim_eoh(s) != DKIM_STAT_OK || dkim_body(s, (u_char *)body, blen) != DKIM_STAT_OK ||
	    dkim_eom(s, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr(s, sig, sizeof(sig), strlen("DKIM-Signature: ")) != DKIM_STAT_OK)
		bench_die("bench_opendkim", "signing");
	dkim_free(s);
	free(key);
	n = snprintf(msg, MSG_SIZE + 1, "DKIM-Signature: %s\r\n%s\r\n", (char *)sig, head);
	if (n < 0 || (size_t)n + blen > MSG_SIZE)
		bench_die("bench_opendkim", "message too long");
	memcpy(msg + n, body, blen);
	return (size_t)n + blen;
}

/* One verification as the milter runs it: 1 when the signature passes. */
static int
opendkim_once(DKIM_LIB *lib, const char *msg, size_t len)
{
	DKIM_STAT st;
	DKIM *v = dkim_verify(lib, (const u_char *)"bench", NULL, &st);
	int ok;

	if (v == NULL)
		return 0;
	ok = dkim_chunk(v, (u_char *)(uintptr_t)msg, len) == DKIM_STAT_OK &&
	    dkim_chunk(v, NULL, 0) == DKIM_STAT_OK && dkim_eom(v, NULL) == DKIM_STAT_OK;
	dkim_free(v);
	return ok;
}

int
main(int argc, char **argv)
{
	static char msg[MSG_SIZE + 1];
	double secs = argc > 1 ? atof(argv[1]) : 10.0, start, best_o = 0, best_p = 0;
	const char *line = argc > 2 && strcmp(argv[2], "prose") == 0 ? prose_line : dense_line;
	unsigned char hash[32] = { 1 }, sig[512];
	size_t siglen = sizeof(sig), len;
	uint32_t v = dkim_libversion();
	EVP_PKEY_CTX *sc, *vc;
	EVP_PKEY *k;
	DKIM_LIB *lib;
	int i;

	if (secs <= 0)
		bench_die("bench_opendkim", "usage: bench_opendkim [seconds [prose]]");
	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)) == NULL ||
	    (lib = dkim_init(NULL, NULL)) == NULL ||
	    dkim_set_key_lookup(lib, lookup) != DKIM_STAT_OK)
		bench_die("bench_opendkim", "setup");
	make_record(k);
	len = make_message(lib, k, line, msg);
	/* EVP_PKEY_verify of a 32-byte hash with a context prepared once, as bench_dkim
	 * and "openssl speed" time it. */
	if ((sc = EVP_PKEY_CTX_new(k, NULL)) == NULL || EVP_PKEY_sign_init(sc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(sc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(sc, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(sc, sig, &siglen, hash, sizeof(hash)) != 1 ||
	    (vc = EVP_PKEY_CTX_new(k, NULL)) == NULL || EVP_PKEY_verify_init(vc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(vc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(vc, EVP_sha256()) != 1)
		bench_die("bench_opendkim", "RSA");
	/* Interleaved bursts, each kind's best kept, as bench_dkim does. */
	start = bench_now();
	do {
		double t = bench_now(), r;

		for (i = 0; i < BURST; i++)
			if (!opendkim_once(lib, msg, len))
				bench_die("bench_opendkim", "OpenDKIM did not pass the message");
		if ((r = BURST / (bench_now() - t)) > best_o)
			best_o = r;
		t = bench_now();
		for (i = 0; i < BURST; i++)
			if (EVP_PKEY_verify(vc, sig, siglen, hash, sizeof(hash)) != 1)
				bench_die("bench_opendkim", "EVP_PKEY_verify");
		if ((r = BURST / (bench_now() - t)) > best_p)
			best_p = r;
	} while (bench_now() - start < secs);
	printf("message %zu bytes (%s body); best of interleaved bursts over %.1f s\n", len,
	    line == prose_line ? "prose" : "whitespace-heavy", secs);
	printf("rsa2048  EVP_PKEY_verify (openssl speed) %8.0f/s\n", best_p);
	printf("rsa2048  OpenDKIM %u.%u.%u                  %8.0f/s  ratio to EVP_PKEY_verify "
	    "%.2f\n", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, best_o, best_o / best_p);
	EVP_PKEY_CTX_free(sc);
	EVP_PKEY_CTX_free(vc);
	EVP_PKEY_free(k);
	dkim_close(lib);
	return 0;
}
