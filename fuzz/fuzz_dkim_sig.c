/*
 * fuzz_dkim_sig.c - libFuzzer target for the DKIM-Signature parser and the verifier
 * around it: the input is a message; each DKIM-Signature field of its header is
 * parsed on its own (bounds of the b= region checked), then the whole verifier runs
 * with every key question answered by a fixed ed25519 and RSA record set, so header
 * selection, canonicalization and hashing see the input too.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim.h"
#include "auth/dkim_sig.h"
#include "auth/dns.h"
#include "common/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *records[] = {
	"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkM"
	"oGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rc"
	"ac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB",
};

static void
parse_fields(const char *buf, size_t len)
{
	struct header_iter it;
	struct header_field f;
	struct dkim_sig sig;
	const char *reason;

	header_iter_init(&it, buf, len);
	while (header_next(&it, &f) == HEADER_OK) {
		if (!header_name_is(&f, "DKIM-Signature"))
			continue;
		if (dkim_sig_parse(f.raw, f.raw_len, f.value, f.value_len, &sig, &reason) !=
		    DKIM_SIG_OK)
			continue;
		if (sig.b_off < (size_t)(f.value - f.raw) ||
		    sig.b_off + sig.b_len_raw > f.raw_len - 2 || sig.nh == 0 ||
		    sig.nh > DKIM_H_MAX || sig.b_len == 0 || sig.b_len > DKIM_SIG_B_MAX ||
		    strlen(sig.d) == 0 || strlen(sig.s) == 0 || sig.i_domain >= sizeof(sig.i))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct dns_cache *cache;
	struct dkim_ctx *ctx;
	struct dns_rr rr[2];
	const char *name;
	enum dns_type type;
	size_t i;
	int rounds = 0;

	parse_fields(buf, size);

	for (i = 0; i < 2; i++) {
		rr[i].data = (unsigned char *)(uintptr_t)records[i];
		rr[i].len = strlen(records[i]);
		rr[i].pref = 0;
	}
	cache = dns_cache_new();
	ctx = dkim_new(buf, size, 1700000000);
	while (dkim_verify_step(ctx, cache) == DKIM_NEED_DNS) {
		if (dns_cache_wanted(cache, &name, &type) != 0 || ++rounds > DKIM_SIGS_MAX)
			abort();
		/* Alternate which record comes first, to reach both key types. */
		if (dns_cache_put(cache, name, strlen(name), type, DNS_OK,
		    rounds % 2 ? rr : rr + 1, rounds % 2 ? 2 : 1) != 0)
			abort();
	}
	if (dkim_nresults(ctx) > DKIM_SIGS_MAX)
		abort();
	for (i = 0; i < dkim_nresults(ctx); i++)
		if (dkim_result(ctx, i)->reason == NULL ||
		    dkim_result(ctx, i)->result == DKIM_NONE)
			abort();
	dkim_free(ctx);
	dns_cache_free(cache);
	return 0;
}
