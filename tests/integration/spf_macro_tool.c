/*
 * spf_macro_tool.c - expands SPF macro strings with auth/spf_macro.c, many per process,
 * for the differential test against python3-spf (tests/integration/test_spf_macro_diff.py).
 *
 * Input: records, each a line then raw bytes.
 *	"CTX SLEN HLEN RLEN PLEN MLEN IP NOW\n" then the sender (local@domain), HELO name,
 *	receiver, validated client name (%{p}) and the macro string, SLEN, HLEN, RLEN,
 *	PLEN and MLEN bytes, back to back. CTX is "domain" (spf_macro_expand_domain: a
 *	name to query) or "explain" (spf_macro_expand in an explanation). IP is the
 *	client's address, IPv4 or IPv6 text; NOW the time %{t} gives.
 * Output, one line per record: "ok " and the expansion, or "err " and the reason.
 * The sender's local part is what precedes its last '@', the domain what follows (the
 * generator always gives both, as spf.c does after its own defaults); %{d} is the
 * sender's domain, as at the top of check_host().
 * Bad input is a usage error: exit 2 with a message.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/spf_macro.h"
#include "tests/integration/tool_input.h"

/* Output room of an explanation expansion: far more than any generated case needs. */
#define EXPLAIN_OUT 8192

int
main(void)
{
	static char out[EXPLAIN_OUT];
	size_t len, pos = 0;
	char *in = tool_read_stdin(&len);

	while (pos < len) {
		char *nl = memchr(in + pos, '\n', len - pos), *line = in + pos, *at;
		char ctx[16], ip[64];
		unsigned long long sl, hl, rl, pl, ml, now;
		struct spf_macro_vars v;
		const char *reason = "";
		enum spf_macro_err e;
		size_t outlen = 0;
		char *p, *m;

		if (nl == NULL)
			tool_fail("record line without LF");
		*nl = '\0';
		pos = (size_t)(nl - in) + 1;
		if (sscanf(line, "%15s %llu %llu %llu %llu %llu %63s %llu", ctx, &sl, &hl, &rl,
		    &pl, &ml, ip, &now) != 8)
			tool_fail("record line needs CTX SLEN HLEN RLEN PLEN MLEN IP NOW");
		if (sl > len - pos || hl > len - pos - sl || rl > len - pos - sl - hl ||
		    pl > len - pos - sl - hl - rl || ml > len - pos - sl - hl - rl - pl)
			tool_fail("record shorter than its lengths");
		memset(&v, 0, sizeof(v));
		p = in + pos;
		v.sender = p;
		v.sender_len = (size_t)sl;
		for (at = NULL, m = p; m < p + sl; m++)
			if (*m == '@')
				at = m;
		if (at == NULL)
			tool_fail("sender without '@'");
		v.local = p;
		v.local_len = (size_t)(at - p);
		v.sender_domain = v.domain = at + 1;
		v.sender_domain_len = v.domain_len = (size_t)(p + sl - at - 1);
		p += sl;
		v.helo = p;
		v.helo_len = (size_t)hl;
		p += hl;
		v.receiver = rl ? p : NULL;
		v.receiver_len = (size_t)rl;
		p += rl;
		v.ptr = p;
		v.ptr_len = (size_t)pl;
		p += pl;
		m = p;
		pos += (size_t)(sl + hl + rl + pl + ml);
		if (inet_pton(AF_INET, ip, v.ip) == 1)
			v.family = AF_INET;
		else if (inet_pton(AF_INET6, ip, v.ip) == 1)
			v.family = AF_INET6;
		else
			tool_fail("bad IP address");
		v.now = (time_t)now;
		if (strcmp(ctx, "domain") == 0) {
			char dom[SPF_MACRO_DOMAIN_BUF];

			e = spf_macro_expand_domain(m, (size_t)ml, &v, dom, &outlen, &reason);
			if (e == SPF_MACRO_OK)
				memcpy(out, dom, outlen);
		} else if (strcmp(ctx, "explain") == 0)
			e = spf_macro_expand(m, (size_t)ml, SPF_MACRO_EXPLAIN, &v, out,
			    sizeof(out), &outlen, &reason);
		else
			tool_fail("CTX is domain or explain");
		if (e == SPF_MACRO_OK)
			printf("ok %.*s\n", (int)outlen, out);
		else
			printf("err %s\n", reason);
	}
	free(in);
	return fflush(stdout) == 0 ? 0 : 1;
}
