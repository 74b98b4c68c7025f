/*
 * dnsbl.h - DNS blocklists (RFC 5782): the configured zone list ([policy] dnsbl_zones)
 * and the lookups of one client address in every zone, asked in parallel on the
 * resolver when the client connects, so they are answered while it talks.
 *
 * A zone lists an address when the A record of the reversed address under the zone
 * (netaddr_revname) is in 127.0.0.2-127.0.0.255 (RFC 5782 2.1, 5: 127.0.0.1 is never
 * a listing). NXDOMAIN or no A record is "not listed". A timeout, a server failure,
 * or an answer outside 127.0.0.0/24 is "unknown": lists answer 127.255.255.x to say a
 * query was refused (rate limit, public resolver), which must not read as a listing.
 *
 * Ownership: dnsbl_zones is a plain value. dnsbl_start allocates; dnsbl_free cancels
 * what is in flight (the callback is then never called) and releases; dnsbl_free(NULL)
 * is a no-op. The zones passed to dnsbl_start are borrowed for the lookup's life.
 * Every lookup is freed before its resolver (resolver_free kills the handles).
 */
#ifndef ECLUSE_SMTPD_DNSBL_H
#define ECLUSE_SMTPD_DNSBL_H

#include <stddef.h>
#include <sys/socket.h>

#include "auth/dns.h"
#include "common/netaddr.h"

struct event_base;
struct resolver;

/*
 * Zones consulted: each is one DNS question per connection, paid by every client and
 * by the lists' servers; beyond a handful a list adds load, not information. Also
 * bounds the verdict's reason text.
 */
#define DNSBL_ZONES_MAX 8
/* A zone leaves room for the longest reversed address (an IPv6 one) in one DNS name
 * (RFC 1035 2.3.4). */
#define DNSBL_ZONE_MAX (DNS_NAME_MAX - NETADDR_REV_MAX)
/* RFC 1035 2.3.4. */
#define DNSBL_LABEL_MAX 63

struct dnsbl_zones {
	size_t	n;
	char	zone[DNSBL_ZONES_MAX][DNSBL_ZONE_MAX + 1];	/* lower case, no final dot */
};

enum dnsbl_zones_err {
	DNSBL_ZONES_OK = 0,
	DNSBL_ZONES_EMPTY_ITEM,		/* ",," or a trailing comma */
	DNSBL_ZONES_BAD_NAME,		/* not a host name (RFC 1123 2.1 labels) */
	DNSBL_ZONES_TOO_LONG,		/* a zone over DNSBL_ZONE_MAX, a label over 63 */
	DNSBL_ZONES_TOO_MANY,		/* more than DNSBL_ZONES_MAX */
	DNSBL_ZONES_DUPLICATE,		/* a zone given twice would count twice */
};

/*
 * Parses the comma-separated list (buf, len), blanks (space, tab) allowed around each
 * zone, one final dot per zone allowed; an empty or blank list is no zone. On error
 * out->n is 0.
 */
enum dnsbl_zones_err dnsbl_zones_parse(const char *buf, size_t len,
    struct dnsbl_zones *out);
/* A short constant text for the config error. */
const char *dnsbl_zones_strerror(enum dnsbl_zones_err err);

/* The query name of a under zone into buf (size > DNS_NAME_MAX); its length, or 0
 * when it does not fit (never with a parsed zone). */
size_t dnsbl_query_name(const struct netaddr *a, const char *zone, char *buf,
    size_t size);

enum dnsbl_status {
	DNSBL_PENDING = 0,	/* no answer yet */
	DNSBL_LISTED,
	DNSBL_NOT_LISTED,
	DNSBL_UNKNOWN,		/* timeout, server failure, error code, deadline */
};

struct dnsbl_result {
	const char		*zone;		/* the zone (borrowed from the zone list) */
	enum dnsbl_status	 status;
	unsigned		 code;		/* the x of 127.0.0.x when listed (the lists
						 * give it a meaning); else 0 */
};

/* "pending", "listed", "not_listed", "unknown". */
const char *dnsbl_status_name(enum dnsbl_status s);

struct dnsbl;

/* Called once, from the event loop, when every zone has answered or the deadline has
 * passed (what is still pending is then unknown). */
typedef void dnsbl_cb(void *arg);

/*
 * Starts a lookup of client in every zone of zones, bounded by timeout_ms. cb is
 * called once, never from within this call (with no zone, from the next loop turn).
 * Returns NULL when client is not an IP address.
 */
struct dnsbl *dnsbl_start(struct resolver *r, struct event_base *base,
    const struct dnsbl_zones *zones, const struct sockaddr *client, unsigned timeout_ms,
    dnsbl_cb *cb, void *arg);

/* The results so far, one per zone in list order; *v is valid until dnsbl_free. */
size_t dnsbl_results(const struct dnsbl *d, const struct dnsbl_result **v);

/* Whether the lookup has finished: every status is final, the callback has run. */
int dnsbl_done(const struct dnsbl *d);

void dnsbl_free(struct dnsbl *d);

#endif
