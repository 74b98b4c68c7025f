/*
 * netaddr.h - client addresses in the forms the verdict policy (smtpd/) and
 * ecluse-web's trusted proxies need: one canonical binary form (an IPv4-mapped IPv6
 * address is its IPv4 address: a dual-stack socket reports IPv4 clients that way),
 * the reverse name under a zone (in-addr.arpa and ip6.arpa for PTR, a DNSBL zone:
 * RFC 5782 2.1 and 2.4), the network a client is remembered by in whitelist entries
 * and sender history, and CIDR containment.
 *
 * Pure functions, no allocation. Text input is (buf, len), no NUL needed; bad text is
 * an error return, never a guess.
 */
#ifndef ECLUSE_NETADDR_H
#define ECLUSE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * The network a sender is remembered by. IPv4: a /24, the longest prefix accepted in
 * the global routing table, so a sending pool never spans less; senders rotate among
 * the addresses of their pool, so the host address would make known senders look new.
 * IPv6: a /48, a site's usual assignment (RFC 6177) and the longest prefix routed
 * globally; a host changes its address inside its /64 at will (RFC 8981), so nothing
 * finer means anything.
 */
#define NETADDR_V4_PREFIX 24
#define NETADDR_V6_PREFIX 48

/* "xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx/128" and its NUL, rounded up; equal to
 * the store's STORE_NET_MAX so every network we write fits there. */
#define NETADDR_NET_MAX 64

/* The reversed part of a name: 32 nibbles each with its dot (RFC 3596 2.5). */
#define NETADDR_REV_MAX 64

struct netaddr {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 ip[16];	/* network order; 4 bytes used for AF_INET */
};

/* From a socket address; -1 when it is neither AF_INET nor AF_INET6. */
int netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out);

/* An address in text (dotted quad, or RFC 4291 2.2 IPv6 without a zone); -1 when
 * (buf, len) is not exactly one. */
int netaddr_parse(const char *buf, size_t len, struct netaddr *out);

bool netaddr_equal(const struct netaddr *a, const struct netaddr *b);

/*
 * The unit connection limits count a client by: an IPv4 address, an IPv6 /64. A
 * host takes any address inside its /64 at will (RFC 8981; RFC 4291 2.5.1: /64 is
 * the interface identifier's boundary), so counting each /128 would let one host
 * open a connection from each of 2^64 addresses.
 */
#define NETADDR_V6_CLIENT_PREFIX 64
void netaddr_client(const struct netaddr *a, struct netaddr *out);

/* The address in text (inet_ntop); buf holds at least 46 bytes. */
void netaddr_text(const struct netaddr *a, char *buf, size_t size);

/*
 * "4.3.2.1." + zone for 1.2.3.4 (RFC 5782 2.1), the 32 nibbles reversed for IPv6
 * (RFC 5782 2.4, RFC 3596 2.5). zone is (zone, zlen) without a leading dot. Returns
 * the length written (NUL added), or 0 when the name would pass DNS_NAME_MAX or not
 * fit in size.
 */
size_t netaddr_revname(const struct netaddr *a, const char *zone, size_t zlen, char *buf,
    size_t size);

/* The network a is remembered by ("192.0.2.0/24", "2001:db8:1::/48") into buf
 * (size NETADDR_NET_MAX). */
void netaddr_network(const struct netaddr *a, char *buf, size_t size);

struct netaddr_net {
	struct netaddr	 addr;		/* host bits zero */
	unsigned	 prefix;	/* 0..32 or 0..128 */
};

enum netaddr_net_err {
	NETADDR_NET_OK = 0,
	NETADDR_NET_SYNTAX,	/* not ADDRESS or ADDRESS/PREFIX */
	NETADDR_NET_PREFIX,	/* prefix out of range for the family */
	NETADDR_NET_HOST_BITS,	/* bits set past the prefix: a mistyped network */
};

/*
 * Parses a network "ADDRESS/PREFIX" or a single address (a host network). An IPv6
 * network inside ::ffff:0:0/96 becomes the IPv4 network it maps, as addresses do.
 */
enum netaddr_net_err netaddr_net_parse(const char *buf, size_t len,
    struct netaddr_net *out);

bool netaddr_net_contains(const struct netaddr_net *net, const struct netaddr *a);

#endif
