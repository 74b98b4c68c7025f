/*
 * fuzz_netaddr.c - libFuzzer target for the address texts the policy reads: stored
 * networks (netaddr_net_parse, from whitelist entries), addresses
 * (netaddr_parse), and the HELO argument a client sends (policy_helo, whose address
 * literals go through netaddr_parse). Never reads outside the input; an accepted
 * network contains its own address and has no host bits; an accepted address reads
 * back the same from its text; HELO bits are only the three HELO signals.
 */
#include "config.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/netaddr.h"
#include "smtpd/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
served(const void *arg, const char *name, size_t len)
{
	(void)arg;
	return len == 12 && memcmp(name, "example.test", 12) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct netaddr_net net;
	struct netaddr a, b;
	struct policy_params p;
	struct sockaddr_in sin;
	char text[NETADDR_NET_MAX];
	unsigned bits, allowed = (1u << POLICY_HELO_NOT_FQDN) |
	    (1u << POLICY_HELO_IP_MISMATCH) | (1u << POLICY_HELO_OURS);

	if (netaddr_net_parse(buf, size, &net) == NETADDR_NET_OK) {
		if (net.prefix > (net.addr.family == AF_INET ? 32u : 128u) ||
		    !netaddr_net_contains(&net, &net.addr))
			abort();
	}
	if (netaddr_parse(buf, size, &a) == 0) {
		netaddr_text(&a, text, sizeof(text));
		if (netaddr_parse(text, strlen(text), &b) != 0 || !netaddr_equal(&a, &b))
			abort();
		netaddr_network(&a, text, sizeof(text));
		if (netaddr_net_parse(text, strlen(text), &net) != NETADDR_NET_OK ||
		    !netaddr_net_contains(&net, &a))
			abort();
	}
	memset(&p, 0, sizeof(p));
	p.hostname = "mx.example.test";
	p.served = served;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0xc0000201);
	bits = policy_helo(&p, buf, size, (const struct sockaddr *)&sin);
	if ((bits & ~allowed) != 0)
		abort();
	return 0;
}
