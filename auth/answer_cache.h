/*
 * answer_cache.h - DNS answers shared by every message of the process, for as long as
 * their TTL says (RFC 1035 3.2.1; negative answers RFC 2308 5), capped.
 *
 * Why: a message's checks ask about ten questions (SPF's terms, the DKIM key, DMARC,
 * reverse DNS), and the same senders write again and again; asking the resolver each
 * time cost more CPU than every check together (docs/benchmarks.md, bench/auth.sh).
 * The per-message cache (dns.h) still gives each evaluation one consistent view: an
 * answer is copied from here into it.
 *
 * What is kept: answers (records, NXDOMAIN, no data) with their expiry; never a
 * timeout or a server failure. An answer whose records exceed ANSWER_CACHE_ENTRY_MAX
 * bytes, or of more than DNS_RR_MAX records (a truncated set, dns.h), is not kept. Trust: the same as the resolver's answer it copies; a shorter
 * life than the record's TTL, never a longer one.
 *
 * The table is direct-mapped (ANSWER_CACHE_SLOTS, a slot per keyed hash of type and
 * name, a new answer replaces the slot's): bounded memory, no eviction scan, and a
 * sender cannot choose names that collide (the hash key is random per cache).
 * Ownership: answer_cache_new allocates, answer_cache_free releases (NULL is a
 * no-op); answer_cache_get returns a view valid until the next call on the cache.
 */
#ifndef ECLUSE_ANSWER_CACHE_H
#define ECLUSE_ANSWER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "auth/dns.h"

/* Slots: a few thousand busy sender domains times their handful of names. */
#define ANSWER_CACHE_SLOTS	4096
/* Record bytes one answer may keep: more than any SPF, DKIM or DMARC record set
 * needs; with the slots, about 20 MB at worst. */
#define ANSWER_CACHE_ENTRY_MAX	4096
/* Longest life of an answer, whatever its TTL: a revoked DKIM key or a changed SPF
 * record is seen within this many seconds. */
#define ANSWER_CACHE_TTL_MAX	300

struct answer_cache;

struct answer_cache *answer_cache_new(void);
void answer_cache_free(struct answer_cache *c);

/*
 * Keeps (name, type) -> (result, rr[0..n)) until now + ttl (seconds, capped at
 * ANSWER_CACHE_TTL_MAX; 0 keeps nothing). result must be DNS_OK (n >= 1),
 * DNS_NXDOMAIN or DNS_NODATA; anything else is ignored. Copies everything.
 */
void answer_cache_put(struct answer_cache *c, const char *name, enum dns_type type,
    enum dns_result result, const struct dns_rr *rr, size_t n, unsigned ttl, int64_t now);

/* The answer to (name, type) that has not expired at now, or NULL. */
const struct dns_rrset *answer_cache_get(struct answer_cache *c, const char *name,
    enum dns_type type, int64_t now);

#endif
