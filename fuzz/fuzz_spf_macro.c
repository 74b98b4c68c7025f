/*
 * fuzz_spf_macro.c - libFuzzer target for the SPF macro expander.
 *
 * Input: one byte choosing the context and address family, then the macro string,
 * then (after the first NUL, if any) a value used as local-part and HELO, so that
 * delimiters and escapes meet arbitrary values. Checks that the syntax check and the
 * expansions agree, and that outputs respect their bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/spf_macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum spf_macro_ctx ctxs[] = {
		SPF_MACRO_DOMAIN, SPF_MACRO_MODIFIER, SPF_MACRO_EXPLAIN,
	};
	struct spf_macro_vars v;
	struct spf_macro_info info;
	enum spf_macro_ctx ctx;
	enum spf_macro_err chk, e;
	const char *buf, *val = "", *nul, *reason;
	char out[SPF_MACRO_DOMAIN_BUF], small[64];
	size_t len, vlen = 0, n;

	if (size < 1)
		return 0;
	ctx = ctxs[data[0] % 3];
	buf = (const char *)data + 1;
	len = size - 1;
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		val = nul + 1;
		vlen = len - (size_t)(nul + 1 - buf);
		len = (size_t)(nul - buf);
	}

	memset(&v, 0, sizeof(v));
	v.family = (data[0] & 4) ? AF_INET6 : AF_INET;
	memset(v.ip, data[0], sizeof(v.ip));
	v.sender = "user@example.com";
	v.sender_len = 16;
	v.local = val;
	v.local_len = vlen;
	v.sender_domain = v.domain = "example.com";
	v.sender_domain_len = v.domain_len = 11;
	v.helo = val;
	v.helo_len = vlen;
	if (data[0] & 8) {
		v.ptr = "mx.example.com";
		v.ptr_len = 14;
	}
	v.now = (time_t)data[0] << 24;

	chk = spf_macro_check(buf, len, ctx, &info, &reason);
	if (chk == SPF_MACRO_OK && info.tail > len)
		__builtin_trap();
	e = spf_macro_expand(buf, len, ctx, &v, out, sizeof(out), &n, &reason);
	if ((chk == SPF_MACRO_OK) != (e != SPF_MACRO_SYNTAX) || n >= sizeof(out) ||
	    out[n] != '\0')
		__builtin_trap();
	e = spf_macro_expand(buf, len, ctx, &v, small, sizeof(small), &n, &reason);
	if ((chk == SPF_MACRO_OK) != (e != SPF_MACRO_SYNTAX) || n >= sizeof(small))
		__builtin_trap();
	if (ctx == SPF_MACRO_DOMAIN) {
		e = spf_macro_expand_domain(buf, len, &v, out, &n, &reason);
		if ((chk == SPF_MACRO_OK) != (e != SPF_MACRO_SYNTAX) || n > SPF_DOMAIN_MAX ||
		    out[n] != '\0')
			__builtin_trap();
	}
	return 0;
}
