/*
 * dkim.h - DKIM signature verification (RFC 6376, RFC 8463 ed25519, RFC 8301).
 *
 * A restartable evaluation over the per-message DNS cache of dns.h:
 *
 *	ctx = dkim_new(msg, len, time(NULL));
 *	while (dkim_verify_step(ctx, cache) == DKIM_NEED_DNS)
 *		resolve dns_cache_wanted(cache), dns_cache_put() the answer;
 *	for (i = 0; i < dkim_nresults(ctx); i++) use dkim_result(ctx, i);
 *	dkim_free(ctx);
 *
 * Unlike SPF and DMARC, the context keeps its work between steps: a signature is
 * finished (hashes computed, crypto done) as soon as its key is in the cache, and
 * body hashes are shared between signatures with the same body canonicalization and
 * l=, so a restart after a DNS answer never hashes anything twice.
 *
 * Results, one per DKIM-Signature field from the top of the header down (at most
 * DKIM_SIGS_MAX; further signatures are not looked at), named as RFC 8601 2.7.1
 * names them:
 *   pass       the signature verified;
 *   fail       the body hash or the signature did not verify (RFC 6376 6.1.3);
 *   permerror  every other PERMFAIL of RFC 6376 6: signature or key syntax, a
 *              missing required tag, unsupported v=/a=/c=/q=, i= outside d=, From
 *              not signed (also when the message has more From fields than h=
 *              names: the added-From attack), no key record (NXDOMAIN/NODATA),
 *              revoked key (empty p=), key not usable with a= (k=, h=, s=, t=s),
 *              l= beyond the body, x= in the past, t= in the future; rsa-sha1,
 *              which RFC 8301 3.1 forbids verifiers to accept, is an unsupported
 *              algorithm here; (U-labels in d=, s= and i=, raw UTF-8 as RFC 8616
 *              5 allows in an internationalized header or quoted-printable in
 *              i=, are taken and converted to A-labels: taglist_parse_utf8);
 *   policy     a well-formed RSA key that RFC 8301 3.2 forbids trusting: under
 *              DKIM_RSA_BITS_MIN bits (or over DKIM_RSA_BITS_MAX, a CPU cost we
 *              refuse);
 *   temperror  the key lookup timed out or failed (DNS_TIMEOUT, DNS_SERVFAIL);
 *   none       (no result entry) the message has no DKIM-Signature.
 * A header section that the header parser refuses gives one permerror result with
 * empty identifiers.
 *
 * A key with t=y (testing) still gets its real result; the testing flag is reported
 * so that policy can ignore it (RFC 6376 3.6.1).
 *
 * Ownership: dkim_new() borrows msg, which must stay valid and unchanged until
 * dkim_free(). Result pointers stay valid until dkim_free(). dkim_free(NULL) is a
 * no-op.
 */
#ifndef ECLUSE_DKIM_H
#define ECLUSE_DKIM_H

#include <stddef.h>
#include <time.h>

#include "auth/dns.h"

/*
 * Signatures evaluated per message. Each costs a DNS query and a public-key
 * operation; a message with dozens of them is a denial-of-service attack on the
 * verifier (RFC 6376 6.1 lets verifiers limit the signatures they try). Real mail
 * carries one to three (author domain, ESP, mailing list).
 */
#define DKIM_SIGS_MAX 8
/* RFC 8301 3.2: verifiers must not accept RSA keys under 1024 bits. */
#define DKIM_RSA_BITS_MIN 1024
/* Larger moduli cost CPU for nothing: RFC 8301 3.2 asks verifiers for 4096 at most. */
#define DKIM_RSA_BITS_MAX 8192
/* Characters of b= kept for Authentication-Results header.b (RFC 6008 asks >= 8). */
#define DKIM_B_PREFIX 12
/* Clock skew tolerated for a signature timestamp t= in the future. */
#define DKIM_CLOCK_SKEW 300
/*
 * Key records kept by a struct dkim_keys: enough for the busy sender domains of a
 * large MX; each entry holds one record (at most DKIM_KEYREC_MAX bytes) and its
 * parsed key.
 */
#define DKIM_KEYS_MAX 256

enum dkim_result {
	DKIM_NONE = 0,
	DKIM_PASS,
	DKIM_FAIL,
	DKIM_NEUTRAL,
	DKIM_POLICY,
	DKIM_TEMPERROR,
	DKIM_PERMERROR,
};

enum dkim_status {
	DKIM_DONE = 0,
	DKIM_NEED_DNS,	/* dns_cache_wanted() names the question */
};

/* One signature's outcome. Strings are NUL-terminated; each is empty when the
 * signature did not get far enough to know it. d, s, a and b hold only bytes that
 * passed their syntax check, so they can go into a header as they are; d and s are
 * lower case with U-labels as A-labels (RFC 8616 5: the key query and DMARC's
 * alignment use A-labels); i is decoded quoted-printable, its domain as A-labels,
 * and may hold any byte but NUL: escape it. */
struct dkim_sigres {
	enum dkim_result result;
	char		 d[DNS_NAME_MAX + 1];	/* d=, signing domain */
	char		 s[DNS_NAME_MAX + 1];	/* s=, selector */
	char		 a[16];			/* a=, "rsa-sha256", "ed25519-sha256", ... */
	char		 i[DNS_NAME_MAX + 66];	/* i= decoded, or "@" d= when absent */
	char		 b[DKIM_B_PREFIX + 1];	/* first characters of b= */
	int		 testing;		/* key has t=y */
	const char	*reason;		/* short, constant, for the log */
};

struct dkim_ctx;
struct dkim_keys;

struct dkim_ctx *dkim_new(const char *msg, size_t len, time_t now);
void dkim_free(struct dkim_ctx *ctx);

/*
 * Parsed key records shared by verifications (see dkim_keys.h for why): the daemon
 * makes one at start and lends it to each context before its first step. Optional:
 * without it a context keeps the records it parses for itself only. The cache must
 * outlive the contexts that use it. dkim_keys_free(NULL) is a no-op.
 */
struct dkim_keys *dkim_keys_new(void);
void dkim_keys_free(struct dkim_keys *keys);
void dkim_use_keys(struct dkim_ctx *ctx, struct dkim_keys *keys);

/*
 * Advances the evaluation with what the cache holds. DKIM_NEED_DNS: the cache's
 * wanted question must be answered, then call again. DKIM_DONE: results are final
 * (further calls return DKIM_DONE and change nothing).
 */
enum dkim_status dkim_verify_step(struct dkim_ctx *ctx, struct dns_cache *cache);

size_t dkim_nresults(const struct dkim_ctx *ctx);
const struct dkim_sigres *dkim_result(const struct dkim_ctx *ctx, size_t i);

/* "pass", "fail", ... as Authentication-Results writes them (RFC 8601 2.7.1). */
const char *dkim_result_name(enum dkim_result r);

#endif
