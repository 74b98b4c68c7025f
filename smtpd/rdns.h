/*
 * rdns.h - the reverse DNS of a client, forward-confirmed ("FCrDNS"): the PTR names of
 * its address (netaddr_revname under in-addr.arpa or ip6.arpa), then the A (IPv4
 * client) or AAAA (IPv6 client) records of each name, asked in parallel. A name whose
 * addresses include the client's confirms it. Started when the client connects, so
 * the answers arrive while it talks.
 *
 * Results: confirmed (with the name), mismatch (PTR names, none leading back), none
 * (no PTR: NXDOMAIN or no record), unknown (a timeout or a server failure where the
 * answer mattered, a name with more addresses than DNS_RR_MAX that do not include
 * the client's among those read, or the deadline). Only the first RDNS_NAMES_MAX PTR
 * names are checked.
 *
 * Ownership: rdns_start allocates; rdns_free cancels what is in flight (the callback
 * is then never called) and releases; rdns_free(NULL) is a no-op. Every lookup is
 * freed before its resolver (resolver_free kills the handles).
 */
#ifndef ECLUSE_SMTPD_RDNS_H
#define ECLUSE_SMTPD_RDNS_H

#include <sys/socket.h>

#include "auth/dns.h"

struct event_base;
struct resolver;

/*
 * PTR names forward-checked: an address with many PTR names is rare and costs a
 * question each; RFC 7208 4.6.4 bounds its own PTR validation at 10 for the same
 * reason.
 */
#define RDNS_NAMES_MAX 10

enum rdns_status {
	RDNS_PENDING = 0,
	RDNS_CONFIRMED,
	RDNS_MISMATCH,
	RDNS_NONE,
	RDNS_UNKNOWN,
};

struct rdns_result {
	enum rdns_status status;
	/* confirmed: the name that leads back; mismatch: the first PTR name; else "".
	 * Lower case, no final dot, as the resolver gives names. */
	char		 name[DNS_NAME_MAX + 1];
};

/* "pending", "confirmed", "mismatch", "none", "unknown". */
const char *rdns_status_name(enum rdns_status s);

struct rdns;

/* Called once, from the event loop, when the result is final. */
typedef void rdns_cb(void *arg);

/*
 * Starts the lookups for client, bounded by timeout_ms in all. cb is called once,
 * never from within this call. Returns NULL when client is not an IP address.
 */
struct rdns *rdns_start(struct resolver *r, struct event_base *base,
    const struct sockaddr *client, unsigned timeout_ms, rdns_cb *cb, void *arg);

/* The result so far (status pending until the callback); valid until rdns_free. */
const struct rdns_result *rdns_result(const struct rdns *q);

void rdns_free(struct rdns *q);

#endif
