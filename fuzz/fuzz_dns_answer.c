/*
 * fuzz_dns_answer.c - libFuzzer target for DNS answers as a server (or an attacker
 * racing it) sends them: the record parsers for every type the checks ask, and the
 * TTL reader that decides how long an answer is kept (auth/resolver.h). Whatever the
 * bytes, a parse gives a typed result with records inside their bounds.
 */
#include "config.h"

#include <ares.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/resolver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_TXT, DNS_T_MX,
	    DNS_T_PTR };
	struct dns_rr *rr;
	size_t n, i, k;
	volatile size_t sink = 0;

	if (size > 65535)
		return 0;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (resolver_answer_parse(ARES_SUCCESS, types[i], data, (int)size, &rr, &n) ==
		    DNS_OK)
			for (k = 0; k < n; k++)	/* every record readable to its end */
				sink += rr[k].len ? rr[k].data[rr[k].len - 1] : 0;
		resolver_answer_free(rr, n);
	}
	sink += resolver_answer_ttl(ARES_SUCCESS, data, (int)size);
	sink += resolver_answer_ttl(ARES_ENOTFOUND, data, (int)size);
	(void)sink;
	return 0;
}
