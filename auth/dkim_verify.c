/*
 * dkim_verify.c - DKIM verification of one message (RFC 6376 6, RFC 8463, RFC 8301):
 * the context of dkim.h, key lookup through the DNS cache, hashing, and the
 * public-key check (RSA through OpenSSL EVP, ed25519 through libsodium).
 *
 * It owns the per-message work: the header fields (parsed once, in dkim_new), each
 * signature's parse and state, and the body hashes, shared by the signatures that
 * ask for the same canonicalization and l=. A signature is finished in the step
 * that finds its key in the cache, so nothing is hashed twice across restarts.
 *
 * Header selection (RFC 6376 5.4.2): each name in h= takes the bottom-most instance
 * not yet taken; a name with no instance left adds nothing (over-signing). The
 * signature field under verification is never selected: it did not exist when the
 * signer hashed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "auth/dkim.h"
#include "auth/dkim_canon.h"
#include "auth/dkim_key.h"
#include "auth/dkim_keys.h"
#include "auth/dkim_sig.h"
#include "common/header.h"
#include "common/xmalloc.h"

struct sigstate {
	struct dkim_sigres res;
	struct dkim_sig	 sig;
	size_t		 field;		/* index of the DKIM-Signature field */
	int		 done;
};

struct bodyhash {
	enum dkim_canon	 canon;
	int		 limited;
	uint64_t	 limit;
	uint64_t	 length;	/* whole canonical body */
	unsigned char	 hash[DKIM_HASH_LEN];
};

struct dkim_ctx {
	const char	*msg;
	size_t		 len;
	time_t		 now;
	struct header_field *fields;
	size_t		 nfields;
	size_t		 body;		/* offset of the body */
	unsigned char	*taken;		/* per field: selected for the current signature */
	struct sigstate	*sigs;
	size_t		 nsigs;
	struct bodyhash	 bh[DKIM_SIGS_MAX];
	size_t		 nbh;
	EVP_MD_CTX	*md;
	struct dkim_keys *keys;		/* lent by the caller, or own_keys */
	struct dkim_keys *own_keys;	/* made when the caller lent none */
};

static void
copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
finish(struct sigstate *st, enum dkim_result r, const char *reason)
{
	st->res.result = r;
	st->res.reason = reason;
	st->done = 1;
}

/* Checks that need only the signature and the clock (RFC 6376 3.5 t=, x=). */
static void
check_times(struct dkim_ctx *ctx, struct sigstate *st)
{
	uint64_t now = ctx->now < 0 ? 0 : (uint64_t)ctx->now;

	if (st->sig.has_x && now > st->sig.x)
		finish(st, DKIM_PERMERROR, "signature expired");
	else if (st->sig.has_t && st->sig.t > now + DKIM_CLOCK_SKEW)
		finish(st, DKIM_PERMERROR, "signature timestamp in the future");
}

/*
 * A message may carry one From (RFC 5322 3.6). When it carries more than h= names,
 * one of them is unsigned, and a reader may be shown that one under a signature
 * that passes: refuse the signature rather than leave that to every later check.
 */
static int
unsigned_from(const struct dkim_ctx *ctx, const struct dkim_sig *sig)
{
	size_t i, signed_from = 0, present = 0;

	for (i = 0; i < sig->nh; i++)
		if (sig->h[i].len == 4 && strncasecmp(sig->h[i].name, "from", 4) == 0)
			signed_from++;
	for (i = 0; i < ctx->nfields; i++)
		if (header_name_is(&ctx->fields[i], "From"))
			present++;
	return present > signed_from;
}

static void
add_signature(struct dkim_ctx *ctx, size_t field)
{
	const struct header_field *f = &ctx->fields[field];
	struct sigstate *st = &ctx->sigs[ctx->nsigs++];
	enum dkim_sig_err err;
	const char *reason;

	/* Initialized field by field: the struct is large and mostly buffers. */
	st->res.result = DKIM_NONE;
	st->res.i[0] = '\0';
	st->res.testing = 0;
	st->res.reason = NULL;
	st->done = 0;
	st->field = field;
	err = dkim_sig_parse(f->raw, f->raw_len, f->value, f->value_len, &st->sig, &reason);
	copy_str(st->res.d, sizeof(st->res.d), st->sig.d);
	copy_str(st->res.s, sizeof(st->res.s), st->sig.s);
	copy_str(st->res.a, sizeof(st->res.a), st->sig.a);
	copy_str(st->res.b, sizeof(st->res.b), st->sig.b_prefix);
	if (err != DKIM_SIG_OK) {
		finish(st, DKIM_PERMERROR, reason);
		return;
	}
	copy_str(st->res.i, sizeof(st->res.i), st->sig.i);
	if (unsigned_from(ctx, &st->sig))
		finish(st, DKIM_PERMERROR, "From field not signed (several From fields)");
	else
		check_times(ctx, st);
}

struct dkim_ctx *
dkim_new(const char *msg, size_t len, time_t now)
{
	struct dkim_ctx *ctx = xcalloc(1, sizeof(*ctx));
	struct header_iter it;
	struct header_field f;
	enum header_err err;
	size_t i, cap = 0, nsig = 0;

	ctx->msg = msg;
	ctx->len = len;
	ctx->now = now;
	header_iter_init(&it, msg, len);
	while ((err = header_next(&it, &f)) == HEADER_OK) {
		if (ctx->nfields == cap) {
			cap = cap ? cap * 2 : 32;
			ctx->fields = xreallocarray(ctx->fields, cap, sizeof(f));
		}
		ctx->fields[ctx->nfields++] = f;
	}
	if (err != HEADER_END) {
		ctx->sigs = xcalloc(1, sizeof(*ctx->sigs));
		ctx->nsigs = 1;
		finish(&ctx->sigs[0], DKIM_PERMERROR, header_strerror(err));
		return ctx;
	}
	ctx->body = header_body_offset(&it);
	for (i = 0; i < ctx->nfields && nsig < DKIM_SIGS_MAX; i++)
		if (header_name_is(&ctx->fields[i], "DKIM-Signature"))
			nsig++;
	ctx->sigs = nsig ? xreallocarray(NULL, nsig, sizeof(*ctx->sigs)) : NULL;
	for (i = 0; i < ctx->nfields && ctx->nsigs < nsig; i++)
		if (header_name_is(&ctx->fields[i], "DKIM-Signature"))
			add_signature(ctx, i);
	ctx->taken = xcalloc(ctx->nfields, 1);
	return ctx;
}

void
dkim_use_keys(struct dkim_ctx *ctx, struct dkim_keys *keys)
{
	ctx->keys = keys;
}

void
dkim_free(struct dkim_ctx *ctx)
{
	if (ctx == NULL)
		return;
	EVP_MD_CTX_free(ctx->md);
	dkim_keys_free(ctx->own_keys);
	free(ctx->fields);
	free(ctx->taken);
	free(ctx->sigs);
	free(ctx);
}

static void
hash_out(void *arg, const void *p, size_t n)
{
	EVP_DigestUpdate(arg, p, n);
}

/* Starts a SHA-256 in ctx->md; 0, or -1 when OpenSSL fails. The digest is fetched
 * once for the process: with EVP_sha256() OpenSSL 3 fetches it from its provider
 * store, under a lock, at every init (two per message). Never freed: it lives as long
 * as the process, like OpenSSL's own tables. */
static int
sha256_init(struct dkim_ctx *ctx)
{
	static EVP_MD *sha256;

	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return -1;
	if (ctx->md == NULL && (ctx->md = EVP_MD_CTX_new()) == NULL)
		return -1;
	return EVP_DigestInit_ex(ctx->md, sha256, NULL) == 1 ? 0 : -1;
}

/* The body hash for (canon, l=), computed on first use and kept. */
static const struct bodyhash *
body_hash(struct dkim_ctx *ctx, const struct dkim_sig *sig)
{
	struct bodyhash *h;
	struct dkim_body *b;
	size_t i;

	for (i = 0; i < ctx->nbh; i++) {
		h = &ctx->bh[i];
		if (h->canon == sig->bcanon && h->limited == sig->has_l &&
		    (!h->limited || h->limit == sig->l))
			return h;
	}
	if (sha256_init(ctx) != 0)
		return NULL;
	h = &ctx->bh[ctx->nbh];
	h->canon = sig->bcanon;
	h->limited = sig->has_l;
	h->limit = sig->l;
	b = dkim_body_new(sig->bcanon, sig->has_l, sig->l, hash_out, ctx->md);
	dkim_body_update(b, ctx->msg + ctx->body, ctx->len - ctx->body);
	h->length = dkim_body_final(b);
	dkim_body_free(b);
	if (EVP_DigestFinal_ex(ctx->md, h->hash, NULL) != 1)
		return NULL;
	ctx->nbh++;
	return h;
}

/* The hash of the selected header fields and the signature field (RFC 6376 3.7). */
static int
header_hash(struct dkim_ctx *ctx, const struct sigstate *st, unsigned char *out)
{
	const struct dkim_sig *sig = &st->sig;
	const struct header_field *sf = &ctx->fields[st->field];
	size_t i, k;

	if (sha256_init(ctx) != 0)
		return -1;
	memset(ctx->taken, 0, ctx->nfields);
	for (i = 0; i < sig->nh; i++) {
		for (k = ctx->nfields; k-- > 0;) {
			const struct header_field *f = &ctx->fields[k];

			if (ctx->taken[k] || k == st->field || f->name_len != sig->h[i].len ||
			    strncasecmp(f->name, sig->h[i].name, f->name_len) != 0)
				continue;
			ctx->taken[k] = 1;
			dkim_canon_header(sig->hcanon, f->raw, f->raw_len, 0, 0, 1, hash_out,
			    ctx->md);
			break;
		}
	}
	dkim_canon_header(sig->hcanon, sf->raw, sf->raw_len, sig->b_off, sig->b_len_raw, 0,
	    hash_out, ctx->md);
	return EVP_DigestFinal_ex(ctx->md, out, NULL) == 1 ? 0 : -1;
}

static void
verify_rsa(struct sigstate *st, const struct dkim_keyrec *kr, const unsigned char *hash)
{
	switch (dkim_keyrec_verify(kr, st->sig.b, st->sig.b_len, hash)) {
	case DKIM_RSA_PASS:
		finish(st, DKIM_PASS, "ok");
		break;
	case DKIM_RSA_FAIL:
		finish(st, DKIM_FAIL, "signature did not verify");
		break;
	case DKIM_RSA_BADKEY:
		finish(st, DKIM_PERMERROR, "invalid RSA key data");
		break;
	case DKIM_RSA_SHORT:
		finish(st, DKIM_POLICY, "RSA key under 1024 bits (RFC 8301)");
		break;
	case DKIM_RSA_LONG:
		finish(st, DKIM_POLICY, "RSA key over 8192 bits");
		break;
	case DKIM_RSA_ERROR:
		finish(st, DKIM_TEMPERROR, "RSA verification failed to run");
		break;
	}
}

/* RFC 8463 3: ed25519 signs the SHA-256 hash, not the data. */
static void
verify_ed25519(struct sigstate *st, const struct dkim_keyrec *kr, const unsigned char *hash)
{
	if (st->sig.b_len == crypto_sign_BYTES &&
	    crypto_sign_verify_detached(st->sig.b, hash, DKIM_HASH_LEN, kr->ed25519) == 0)
		finish(st, DKIM_PASS, "ok");
	else
		finish(st, DKIM_FAIL, "signature did not verify");
}

/*
 * Picks the key among the TXT records: the first that is a key record, valid or
 * revoked (RFC 6376 6.1.2 leaves the choice to the verifier). NULL when none is,
 * with *reason saying what was wrong with the first, or that the answer had more
 * records than were read (dns.h: truncated): a key past them is not looked for, the
 * name is broken and a retry would read the same ones (permerror, not temperror).
 */
static const struct dkim_keyrec *
pick_key(struct dkim_ctx *ctx, const struct dns_rrset *rr, const char **reason)
{
	const struct dkim_keyrec *kr;
	size_t i;

	if (ctx->keys == NULL)
		ctx->keys = ctx->own_keys = dkim_keys_new();
	*reason = "key syntax error";
	for (i = 0; i < rr->n; i++) {
		kr = dkim_keys_get(ctx->keys, (const char *)rr->rr[i].data, rr->rr[i].len);
		if (kr->err == DKIM_KEY_OK)
			return kr;
		if (kr->err == DKIM_KEY_REVOKED || i == 0)
			*reason = kr->reason;
		if (kr->err == DKIM_KEY_REVOKED)
			return NULL;
	}
	if (rr->truncated)
		*reason = "no key record among the TXT records read (the answer had more)";
	return NULL;
}

/* Everything after the key arrived (RFC 6376 6.1.2, 6.1.3). */
static void
verify_with(struct dkim_ctx *ctx, struct sigstate *st, const struct dns_rrset *rr)
{
	const struct dkim_sig *sig = &st->sig;
	const struct bodyhash *bh;
	unsigned char hash[DKIM_HASH_LEN];
	const struct dkim_keyrec *kr;
	const char *reason;

	switch (rr->result) {
	case DNS_OK:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		finish(st, DKIM_PERMERROR, "no key for signature");
		return;
	case DNS_TIMEOUT:
		finish(st, DKIM_TEMPERROR, "key lookup timed out");
		return;
	default:
		finish(st, DKIM_TEMPERROR, "key lookup failed");
		return;
	}
	if ((kr = pick_key(ctx, rr, &reason)) == NULL) {
		finish(st, DKIM_PERMERROR, reason);
		return;
	}
	st->res.testing = kr->testing;
	if ((sig->alg == DKIM_ALG_RSA_SHA256) != (kr->type == DKIM_KEY_RSA)) {
		finish(st, DKIM_PERMERROR, "inappropriate key algorithm");
		return;
	}
	if (!(kr->hashes & DKIM_KEY_HASH_SHA256)) {
		finish(st, DKIM_PERMERROR, "key h= does not allow sha256");
		return;
	}
	if (kr->strict && strcasecmp(sig->i + sig->i_domain, sig->d) != 0) {
		finish(st, DKIM_PERMERROR, "i= subdomain refused by key t=s");
		return;
	}

	if ((bh = body_hash(ctx, sig)) == NULL) {
		finish(st, DKIM_TEMPERROR, "hash computation failed");
		return;
	}
	if (sig->has_l && sig->l > bh->length) {
		finish(st, DKIM_PERMERROR, "l= longer than the body");
		return;
	}
	if (memcmp(bh->hash, sig->bh, DKIM_HASH_LEN) != 0) {
		finish(st, DKIM_FAIL, "body hash did not verify");
		return;
	}
	if (header_hash(ctx, st, hash) != 0) {
		finish(st, DKIM_TEMPERROR, "hash computation failed");
		return;
	}
	if (sig->alg == DKIM_ALG_RSA_SHA256)
		verify_rsa(st, kr, hash);
	else
		verify_ed25519(st, kr, hash);
}

enum dkim_status
dkim_verify_step(struct dkim_ctx *ctx, struct dns_cache *cache)
{
	size_t i;

	for (i = 0; i < ctx->nsigs; i++) {
		struct sigstate *st = &ctx->sigs[i];
		const struct dns_rrset *rr;
		char name[DNS_NAME_MAX + 1];
		int n;

		if (st->done)
			continue;
		n = snprintf(name, sizeof(name), "%s._domainkey.%s", st->sig.s, st->sig.d);
		if (n < 0 || (size_t)n >= sizeof(name)) {
			/* dkim_sig_parse bounds s= and d= so that this cannot happen. */
			finish(st, DKIM_PERMERROR, "key name too long");
			continue;
		}
		if ((rr = dns_cache_get(cache, name, (size_t)n, DNS_T_TXT)) == NULL)
			return DKIM_NEED_DNS;
		verify_with(ctx, st, rr);
	}
	return DKIM_DONE;
}

size_t
dkim_nresults(const struct dkim_ctx *ctx)
{
	return ctx->nsigs;
}

const struct dkim_sigres *
dkim_result(const struct dkim_ctx *ctx, size_t i)
{
	return i < ctx->nsigs ? &ctx->sigs[i].res : NULL;
}

const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIM_NONE:
		return "none";
	case DKIM_PASS:
		return "pass";
	case DKIM_FAIL:
		return "fail";
	case DKIM_NEUTRAL:
		return "neutral";
	case DKIM_POLICY:
		return "policy";
	case DKIM_TEMPERROR:
		return "temperror";
	case DKIM_PERMERROR:
		return "permerror";
	}
	return "permerror";
}
