/*
 * dnsq.h - one DNS question asked on the resolver (auth/resolver.h), its answer handed
 * to a callback: the building block of the connect-time signals (dnsbl.h, rdns.h),
 * which ask several questions at once.
 *
 * The resolver fills a DNS cache with the cache's one wanted question, so questions
 * asked in parallel need a cache each: a dnsq owns a cache that holds one answer.
 *
 * Ownership: dnsq_ask allocates; dnsq_free cancels the question if it is still in
 * flight (the callback is then never called) and releases it; dnsq_free(NULL) is a
 * no-op. The rrset given to the callback lives until dnsq_free, which the callback may
 * call itself. A dnsq is freed before its resolver (resolver_free kills the handle).
 */
#ifndef ECLUSE_SMTPD_DNSQ_H
#define ECLUSE_SMTPD_DNSQ_H

#include <stddef.h>

#include "auth/dns.h"

struct resolver;
struct dnsq;

/* Called once, from the event loop, with the answer (never NULL): DNS_OK with its
 * records, DNS_NXDOMAIN, DNS_NODATA, DNS_TIMEOUT or DNS_SERVFAIL. */
typedef void dnsq_cb(void *arg, const struct dns_rrset *set);

/*
 * Asks (name, len, type). Returns NULL, and never calls cb, when the name cannot be
 * a DNS name (empty, longer than DNS_NAME_MAX, a NUL in it): for the caller that is
 * an NXDOMAIN known without asking.
 */
struct dnsq *dnsq_ask(struct resolver *r, const char *name, size_t len,
    enum dns_type type, dnsq_cb *cb, void *arg);

void dnsq_free(struct dnsq *q);

#endif
