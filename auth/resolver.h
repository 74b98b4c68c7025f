/*
 * resolver.h - asynchronous DNS for the authentication checks: c-ares driven by a
 * libevent loop, answers delivered into a struct dns_cache (see dns.h).
 *
 * The evaluations (SPF, DKIM, DMARC) never talk to the resolver: they stop on a
 * cache miss, their driver calls resolver_fill() for the cache's wanted question,
 * and runs them again from the callback. Nothing here blocks the loop: c-ares
 * sockets become libevent events, and its retransmission timer a libevent timer.
 *
 * Limits: each query is bounded by timeout_ms and tries (c-ares doubles the timeout
 * on each round over the servers, so the worst case is about
 * timeout_ms * (2^tries - 1)); callers bound a whole evaluation with their own
 * deadline. Answers keep at most DNS_RR_MAX records, marked truncated when there
 * were more (dns_cache_put).
 *
 * Ownership: resolver_new allocates, resolver_free releases (NULL is a no-op). A
 * query handle is owned by the resolver; it stays valid until its callback has
 * returned or resolver_cancel() is called, whichever comes first.
 */
#ifndef ECLUSE_RESOLVER_H
#define ECLUSE_RESOLVER_H

#include <stddef.h>

#include "auth/dns.h"

struct event_base;
struct resolver;
struct resolver_query;

/* Longest "servers" string accepted: a handful of host:port entries. */
#define RESOLVER_SERVERS_MAX 1024

/*
 * A resolver on base. servers is "host:port,host:port" with IP addresses only
 * ("[v6]:port" for IPv6), or NULL/empty for the system's resolv.conf. Returns NULL
 * and a reason in err (size errsz) when c-ares cannot start or servers is malformed.
 */
struct resolver *resolver_new(struct event_base *base, const char *servers,
    unsigned timeout_ms, unsigned tries, char *err, size_t errsz);

/*
 * Answers are kept in answers (answer_cache.h) for later questions, and taken from it,
 * from now on; NULL stops that. Borrowed: it must outlive the resolver or be replaced.
 * Without it (the default) every question is sent: a one-shot tool wants the DNS's
 * current word, a daemon wants the cache.
 */
struct answer_cache;
void resolver_use_answers(struct resolver *r, struct answer_cache *answers);

/* Drops every query in flight without calling its callback; their handles die. */
void resolver_free(struct resolver *r);

/*
 * Called once per query, from the event loop, after the answer was stored into the
 * cache. stored is 0, or -1 when the cache was full (DNS_CACHE_MAX): the evaluation
 * then ends with a temporary error.
 */
typedef void resolver_cb(void *arg, int stored);

/*
 * Resolves the cache's wanted question (dns_cache_wanted), from the answer cache
 * when one is in use and holds an unexpired answer, and stores the answer there: DNS_OK with the records, or DNS_NXDOMAIN, DNS_NODATA, DNS_TIMEOUT,
 * DNS_SERVFAIL (which also covers refused and malformed answers). The cache must
 * outlive the query, or the query be cancelled first. Returns the query, or NULL
 * when the cache wants nothing (then cb is never called).
 */
struct resolver_query *resolver_fill(struct resolver *r, struct dns_cache *cache,
    resolver_cb *cb, void *arg);

/* The callback of q will not be called and q's cache is no longer touched. */
void resolver_cancel(struct resolver_query *q);

/* Number of queries in flight (tests, and the log at shutdown). */
size_t resolver_pending(const struct resolver *r);

/*
 * Converts a raw c-ares status plus answer into the cache's typed result and records;
 * exposed so the unit test can feed it answers without a network. abuf is a DNS
 * answer message (alen bytes) when status is ARES_SUCCESS. On return *rr (n records)
 * points to storage the caller frees with resolver_answer_free(); n is at most
 * DNS_RR_MAX + 1, the extra record saying the answer had more than the cache keeps.
 */
enum dns_result resolver_answer_parse(int status, enum dns_type type,
    const unsigned char *abuf, int alen, struct dns_rr **rr, size_t *n);
void resolver_answer_free(struct dns_rr *rr, size_t n);

/*
 * How long the answer abuf (alen bytes, with c-ares' status) may be kept, in seconds:
 * the smallest TTL of the answer section, or for NXDOMAIN and no data the SOA of the
 * authority section (RFC 2308 5); 0 for any other status or a malformed message.
 */
unsigned resolver_answer_ttl(int status, const unsigned char *abuf, int alen);

#endif
