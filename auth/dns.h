/*
 * dns.h - DNS answers for the authentication checks, as a per-message cache.
 *
 * Why a cache and not callbacks: SPF, DKIM and DMARC are written as pure,
 * restartable evaluations. An evaluation reads answers with dns_cache_get(); when an
 * answer is missing, the get records the (name, type) as wanted and returns NULL, and
 * the evaluation returns "need DNS" to its driver. The driver resolves the wanted
 * question (asynchronously with c-ares in the daemon, from a table in unit tests),
 * stores the answer with dns_cache_put(), and runs the evaluation again from the
 * start. Re-running is cheap next to a DNS round trip, the evaluators stay plain
 * functions of (input, cache), and a table of records tests them exactly as the
 * daemon runs them.
 *
 * Names are compared ASCII case-insensitively, one trailing dot ignored.
 * Ownership: the cache owns every rrset and record it returns; they live until
 * dns_cache_free(). dns_cache_free(NULL) is a no-op.
 */
#ifndef ECLUSE_DNS_H
#define ECLUSE_DNS_H

#include <stddef.h>

/* RFC 1035 2.3.4. */
#define DNS_NAME_MAX 255
/*
 * Records kept per answer: more is a hostile or broken zone (RFC 7208 4.4 limits
 * the SPF side further). Never a silent cut: an answer that had more is marked
 * truncated, and each evaluation decides what records it did not see may change.
 */
#define DNS_RR_MAX 64
/* Distinct questions one cache answers: bounds the work of one message. */
#define DNS_CACHE_MAX 256

enum dns_type {
	DNS_T_A = 1,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
};

enum dns_result {
	DNS_OK = 0,		/* n >= 1 records */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_NODATA,		/* the name exists, no record of that type */
	DNS_TIMEOUT,		/* no answer in time: temperror for SPF and DKIM */
	DNS_SERVFAIL,		/* server failure or refused: temperror */
};

struct dns_rr {
	/*
	 * A: 4 bytes, AAAA: 16 bytes (network order).
	 * TXT: the record's character-strings concatenated without separator (as SPF,
	 *      DKIM and DMARC all read them); may hold any byte, a NUL is added after len.
	 * MX, PTR: the target name, lower case, no trailing dot, NUL-terminated.
	 */
	unsigned char	*data;
	size_t		 len;
	unsigned	 pref;	/* MX preference */
};

struct dns_rrset {
	enum dns_result	 result;
	size_t		 n;
	struct dns_rr	*rr;
	/* The answer had more than DNS_RR_MAX records: rr holds the first
	 * DNS_RR_MAX of them, in the answer's order, and the rest are unknown. */
	int		 truncated;
};

struct dns_cache;

struct dns_cache *dns_cache_new(void);
void dns_cache_free(struct dns_cache *c);

/*
 * The answer to (name, type), or NULL when the cache has none yet: then (name, type)
 * becomes the wanted question (the most recent miss). name is (buf, len), no NUL needed.
 * A name longer than DNS_NAME_MAX gets a synthetic NXDOMAIN, never a query.
 */
const struct dns_rrset *dns_cache_get(struct dns_cache *c, const char *name, size_t len,
    enum dns_type type);

/* The question of the most recent miss; 0 if there is one, -1 if not. The name
 * pointer stays valid until the next dns_cache_get or dns_cache_put. */
int dns_cache_wanted(const struct dns_cache *c, const char **name, enum dns_type *type);

/*
 * Stores an answer (copies name and records). Of n > DNS_RR_MAX records the first
 * DNS_RR_MAX are kept and the set is marked truncated: a resolver that reads no more
 * than it keeps passes DNS_RR_MAX + 1 records when the answer had more.
 * Returns 0, or -1 when the cache already holds DNS_CACHE_MAX questions: the caller
 * then ends the evaluation with a temporary error.
 */
int dns_cache_put(struct dns_cache *c, const char *name, size_t len, enum dns_type type,
    enum dns_result result, const struct dns_rr *rr, size_t n);

/* Number of distinct questions stored: evaluations count their lookups elsewhere;
 * this is for logging and benchmarks. */
size_t dns_cache_size(const struct dns_cache *c);

#endif
