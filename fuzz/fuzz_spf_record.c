/*
 * fuzz_spf_record.c - libFuzzer target for the SPF record parser and, through it,
 * the whole check_host() evaluation.
 *
 * The input is one TXT record. It is parsed term by term; then it is evaluated as the
 * record of every domain, in a zone where every name has an address, an MX and a PTR,
 * so include, redirect, mx, ptr, exists and every macro run on it, up to the limits.
 * The restart loop is the daemon's; it must end within the cache's bound.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/dns.h"
#include "auth/spf.h"
#include "auth/spf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
answer(struct dns_cache *c, const uint8_t *record, size_t size)
{
	static unsigned char v4[4] = { 192, 0, 2, 1 };
	static unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const char *name;
	enum dns_type type;
	struct dns_rr rr;

	if (dns_cache_wanted(c, &name, &type) < 0)
		__builtin_trap();	/* SPF_NEED_DNS always names a question */
	memset(&rr, 0, sizeof(rr));
	switch (type) {
	case DNS_T_TXT:
		rr.data = (unsigned char *)record;
		rr.len = size;
		break;
	case DNS_T_A:
		rr.data = v4;
		rr.len = 4;
		break;
	case DNS_T_AAAA:
		rr.data = v6;
		rr.len = 16;
		break;
	case DNS_T_MX:
	case DNS_T_PTR:
		rr.data = (unsigned char *)"host.fuzz.example";
		rr.len = 17;
		break;
	}
	if (dns_cache_put(c, name, strlen(name), type, DNS_OK, &rr, 1) < 0)
		__builtin_trap();	/* the limits keep one check under the cache bound */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct spf_record_info info;
	struct spf_record_iter it;
	struct spf_term t;
	const char *reason;
	struct spf_request req;
	struct spf_outcome out;
	struct dns_cache *c;
	unsigned rounds = 0;

	if (spf_record_is_spf(buf, size)) {
		(void)spf_record_parse(buf, size, &info, &t, &reason);
		spf_record_begin(&it, buf, size);
		while (spf_record_next(&it, &t, &reason) == SPF_PARSE_TERM)
			;
	}

	memset(&req, 0, sizeof(req));
	req.family = (size & 1) ? AF_INET6 : AF_INET;
	req.ip[0] = 192;
	req.ip[3] = 1;
	req.helo = "helo.fuzz.example";
	req.helo_len = strlen(req.helo);
	req.mail_from = "user@fuzz.example";
	req.mail_from_len = strlen(req.mail_from);
	c = dns_cache_new();
	while (spf_check(&req, c, &out) == SPF_NEED_DNS) {
		if (++rounds > DNS_CACHE_MAX)
			__builtin_trap();
		answer(c, data, size);
	}
	dns_cache_free(c);
	return 0;
}
