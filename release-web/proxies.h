/*
 * proxies.h - the client behind ecluse-web's trusted reverse proxies: the list of
 * [web] trusted_proxies, and the walk of X-Forwarded-For that finds the address a
 * request came from.
 *
 * Why: the CAPTCHA's limits count per client address. Behind the site's HTTPS reverse
 * proxy every request comes from the proxy, so without this one client holding any
 * release link could spend every sender's budget of images for an hour.
 *
 * The walk, as nginx's real_ip_recursive: only when the TCP peer is a trusted proxy
 * (from any other peer the header is not read: a direct client must not pick its
 * address). The X-Forwarded-For fields, in the order received, are one list (RFC 9110
 * section 5.3: a proxy may append its own field rather than extend the last). Each
 * proxy appends the address it got the request from, so the list is read from the
 * right: trusted proxies are stepped over, the first address that is not one is the
 * client; when every one is trusted, the left-most is. What lies left of the client
 * is never read: the client wrote it and may write anything there; holding it to
 * the grammar would let any client send junk to be counted as the proxy.
 *
 * Strict where it reads: an element is exactly one IPv4 or IPv6 address literal
 * (netaddr_parse: no port, no brackets, no zone, no "unknown"), with spaces or tabs
 * around it, at most PROXIES_ELEM_MAX characters in all; at most PROXIES_READ_MAX
 * elements are read. Anything else is an error, and the client is then the peer:
 * never a partial result.
 *
 * Ownership: proxies_parse allocates the list; proxies_clear frees it (a cleared or
 * zeroed list is empty, and clearing it again is a no-op). The walk allocates nothing.
 */
#ifndef ECLUSE_PROXIES_H
#define ECLUSE_PROXIES_H

#include <stdbool.h>
#include <stddef.h>

#include "common/netaddr.h"

/* A site's own proxies are a few; a CDN publishes a few dozen ranges. */
#define PROXIES_MAX		256
/* An address literal (INET6_ADDRSTRLEN - 1, an IPv6 address with an IPv4 tail) and
 * the spaces a proxy puts around it: more is no address, and is not scanned. */
#define PROXIES_ELEM_MAX	64
/* Addresses read from the right: a client and 15 proxies in a row. It bounds the
 * work of a request whatever the header's length (a trusted proxy forwards what
 * the client wrote left of its own element, up to libmicrohttpd's header memory). */
#define PROXIES_READ_MAX	16
/* The X-Forwarded-For fields a caller need pass: the last ones received. Every field
 * read yields at least one element or an error, so a walk that would need an
 * earlier field has read more than PROXIES_READ_MAX elements and failed already. */
#define PROXIES_FIELDS_MAX	(PROXIES_READ_MAX + 1)

struct proxies {
	struct netaddr_net	*v;
	size_t			 n;
};

/*
 * Parses [web] trusted_proxies: a comma-separated list of addresses and CIDR
 * networks, IPv4 and IPv6, spaces around items allowed; empty: no one is trusted.
 * Returns 0, or -1 with *why (static text) and out empty.
 */
int proxies_parse(const char *buf, size_t len, struct proxies *out, const char **why);
void proxies_clear(struct proxies *p);

bool proxies_trusted(const struct proxies *p, const struct netaddr *a);

/* One X-Forwarded-For field value, as received (no NUL needed). */
struct proxies_field {
	const char	*buf;
	size_t		 len;
};

enum proxies_err {
	PROXIES_OK = 0,
	PROXIES_SYNTAX,		/* an element read is not an address literal */
	PROXIES_TOO_LONG,	/* an element read is longer than PROXIES_ELEM_MAX */
	PROXIES_TOO_MANY,	/* more than PROXIES_READ_MAX elements to read */
};

/*
 * The client of a request from peer that carried the nf fields f (in the order
 * received; NULL and 0 when it had none). *client is the peer when the peer is not
 * trusted or there is no field, the walk's result on PROXIES_OK, and the peer again
 * on an error, with *why (static text) for the log.
 */
enum proxies_err proxies_client(const struct proxies *p, const struct netaddr *peer,
    const struct proxies_field *f, size_t nf, struct netaddr *client, const char **why);

#endif
