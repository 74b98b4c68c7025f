/*
 * netaddr.c - client addresses, reverse names and networks; see netaddr.h. Text goes
 * through inet_pton/inet_ntop on a bounded copy, so the accepted forms are exactly the
 * libc's strict ones (no octal, no zone index). Of auth/ only DNS_NAME_MAX, a
 * constant of its header: nothing to link.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "auth/dns.h"
#include "common/netaddr.h"

/* The longest address text inet_pton is given: IPv6 with an embedded IPv4 part. */
#define ADDR_TEXT_MAX INET6_ADDRSTRLEN

static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* An IPv4-mapped IPv6 address becomes its IPv4 address. */
static void
canonical(struct netaddr *a)
{
	if (a->family == AF_INET6 && memcmp(a->ip, v4mapped, sizeof(v4mapped)) == 0) {
		memmove(a->ip, a->ip + 12, 4);
		memset(a->ip + 4, 0, 12);
		a->family = AF_INET;
	}
}

int
netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

		out->family = AF_INET;
		memcpy(out->ip, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;

		out->family = AF_INET6;
		memcpy(out->ip, &sin6->sin6_addr, 16);
		canonical(out);
		return 0;
	}
	return -1;
}

int
netaddr_parse(const char *buf, size_t len, struct netaddr *out)
{
	char text[ADDR_TEXT_MAX];

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(text) || memchr(buf, '\0', len) != NULL)
		return -1;
	memcpy(text, buf, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, out->ip) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->ip) == 1) {
		out->family = AF_INET6;
		canonical(out);
		return 0;
	}
	return -1;
}

bool
netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->ip, b->ip, a->family == AF_INET ? 4 : 16) == 0;
}

void
netaddr_client(const struct netaddr *a, struct netaddr *out)
{
	*out = *a;
	if (a->family == AF_INET6)
		memset(out->ip + NETADDR_V6_CLIENT_PREFIX / 8, 0,
		    16 - NETADDR_V6_CLIENT_PREFIX / 8);
}

void
netaddr_text(const struct netaddr *a, char *buf, size_t size)
{
	if (inet_ntop(a->family, a->ip, buf, (socklen_t)size) == NULL && size > 0)
		buf[0] = '\0';
}

size_t
netaddr_revname(const struct netaddr *a, const char *zone, size_t zlen, char *buf,
    size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char rev[NETADDR_REV_MAX + 1];
	size_t n = 0, total;
	int i, w;

	if (a->family == AF_INET) {
		for (i = 3; i >= 0; i--) {
			w = snprintf(rev + n, sizeof(rev) - n, "%u.", a->ip[i]);
			if (w < 0 || (size_t)w >= sizeof(rev) - n)
				return 0;
			n += (size_t)w;
		}
	} else {
		for (i = 15; i >= 0; i--) {
			rev[n++] = hex[a->ip[i] & 0x0f];
			rev[n++] = '.';
			rev[n++] = hex[a->ip[i] >> 4];
			rev[n++] = '.';
		}
	}
	if (zlen == 0 || zlen > DNS_NAME_MAX - n)
		return 0;
	total = n + zlen;
	if (total >= size)
		return 0;
	memcpy(buf, rev, n);
	memcpy(buf + n, zone, zlen);
	buf[total] = '\0';
	return total;
}

/* Clears the bits of a past prefix bits. */
static void
mask(struct netaddr *a, unsigned prefix)
{
	unsigned bytes = a->family == AF_INET ? 4 : 16, i;

	for (i = 0; i < bytes; i++) {
		if (prefix >= 8 * (i + 1))
			continue;
		if (prefix <= 8 * i)
			a->ip[i] = 0;
		else
			a->ip[i] &= (unsigned char)(0xff << (8 - (prefix - 8 * i)));
	}
}

void
netaddr_network(const struct netaddr *a, char *buf, size_t size)
{
	struct netaddr net = *a;
	unsigned prefix = a->family == AF_INET ? NETADDR_V4_PREFIX : NETADDR_V6_PREFIX;
	char text[ADDR_TEXT_MAX];

	mask(&net, prefix);
	netaddr_text(&net, text, sizeof(text));
	snprintf(buf, size, "%s/%u", text, prefix);
}

enum netaddr_net_err
netaddr_net_parse(const char *buf, size_t len, struct netaddr_net *out)
{
	const char *slash = memchr(buf, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - buf) : len, i;
	unsigned prefix = 0, max;
	struct netaddr masked;
	bool mapped;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= ADDR_TEXT_MAX || memchr(buf, '\0', alen) != NULL)
		return NETADDR_NET_SYNTAX;
	{
		char text[ADDR_TEXT_MAX];

		memcpy(text, buf, alen);
		text[alen] = '\0';
		if (inet_pton(AF_INET, text, out->addr.ip) == 1)
			out->addr.family = AF_INET;
		else if (inet_pton(AF_INET6, text, out->addr.ip) == 1)
			out->addr.family = AF_INET6;
		else
			return NETADDR_NET_SYNTAX;
	}
	max = out->addr.family == AF_INET ? 32 : 128;
	if (slash == NULL)
		prefix = max;
	else {
		size_t plen = len - alen - 1;

		/* digits only, no sign, no leading zero: one spelling per network */
		if (plen == 0 || plen > 3 || (plen > 1 && slash[1] == '0'))
			return NETADDR_NET_SYNTAX;
		for (i = 1; i <= plen; i++) {
			if (slash[i] < '0' || slash[i] > '9')
				return NETADDR_NET_SYNTAX;
			prefix = prefix * 10 + (unsigned)(slash[i] - '0');
		}
		if (prefix > max)
			return NETADDR_NET_PREFIX;
	}
	masked = out->addr;
	mask(&masked, prefix);
	if (!netaddr_equal(&masked, &out->addr))
		return NETADDR_NET_HOST_BITS;
	mapped = out->addr.family == AF_INET6 &&
	    memcmp(out->addr.ip, v4mapped, sizeof(v4mapped)) == 0;
	if (mapped && prefix >= 96) {
		canonical(&out->addr);
		prefix -= 96;
	}
	out->prefix = prefix;
	return NETADDR_NET_OK;
}

bool
netaddr_net_contains(const struct netaddr_net *net, const struct netaddr *a)
{
	struct netaddr masked = *a;

	if (a->family != net->addr.family)
		return false;
	mask(&masked, net->prefix);
	return netaddr_equal(&masked, &net->addr);
}
