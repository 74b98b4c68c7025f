/*
 * spf.h - SPF (RFC 7208): check_host() for the MAIL FROM and HELO identities.
 *
 * The evaluation is restartable over the per-message DNS cache of dns.h: spf_check()
 * runs check_host() from the start with the answers the cache holds; at the first
 * answer it lacks it returns SPF_NEED_DNS and the cache names the wanted question
 * (dns_cache_wanted). The driver resolves it, stores it with dns_cache_put, and calls
 * spf_check() again, until SPF_DONE. A run allocates nothing, depends only on the
 * request and the cache (the time for %{t} is in the request), and so gives the same
 * answer every time: re-running it costs microseconds, next to a DNS round trip.
 * The driver bounds the wall-clock time (RFC 7208 4.6.4 asks for at least 20 s), and
 * ends with SPF_TEMPERROR when dns_cache_put reports a full cache.
 *
 * Limits enforced (RFC 7208 4.6.4): 10 DNS-querying terms (include, a, mx, ptr,
 * exists, redirect) per check, 2 void lookups, 10 MX names per mx (more: permerror),
 * 10 PTR names per ptr or %{p} (the rest ignored). Records are 7-bit; a syntax error
 * anywhere in a record is a permerror (4.6); the explanation (exp=, 6.2) is fetched
 * only for a fail and never counts against the limits.
 *
 * Ownership: the caller owns the request, the cache and the outcome; the outcome holds
 * copies, nothing in it points into the cache.
 */
#ifndef ECLUSE_SPF_H
#define ECLUSE_SPF_H

#include <stddef.h>
#include <time.h>

#include "auth/dns.h"

/* RFC 7208 4.6.4: terms that query DNS (include, a, mx, ptr, exists, redirect). */
#define SPF_DNS_TERMS_MAX 10
/* RFC 7208 4.6.4: lookups answering NXDOMAIN or no records; more is a permerror. */
#define SPF_VOID_LOOKUPS_MAX 2
/* RFC 7208 4.6.4: MX names one mx mechanism may look up; more is a permerror. */
#define SPF_MX_NAMES_MAX 10
/* RFC 7208 4.6.4: PTR names one ptr or %{p} may validate; the rest are ignored. */
#define SPF_PTR_NAMES_MAX 10
/*
 * Longest SPF record evaluated; a longer one is a permerror. RFC 7208 3.4 asks that
 * the answer fit in 512 octets; this leaves room for every record published in
 * practice while bounding the work of a hostile one, which every restart re-reads.
 */
#define SPF_RECORD_MAX 4096
/*
 * Explanation text kept (6.2). The text goes into an SMTP reply, whose line is at most
 * 512 octets (RFC 5321 4.5.3.1.5): a longer explanation is dropped, as a bad one is,
 * and so is one whose macros brought in a byte outside printable ASCII (from the
 * HELO or the local-part), which has no place in a reply.
 */
#define SPF_EXPLANATION_MAX 400
/* Log fields of the outcome. */
#define SPF_REASON_MAX 256
#define SPF_MECHANISM_MAX 128

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

enum spf_status {
	SPF_DONE,
	SPF_NEED_DNS,
};

enum spf_identity {
	SPF_ID_MAILFROM,	/* smtp.mailfrom */
	SPF_ID_HELO,		/* smtp.helo */
};

struct spf_request {
	int		 family;	/* AF_INET or AF_INET6; v4-mapped v6 counts as v4 */
	unsigned char	 ip[16];	/* network order, 4 or 16 bytes */
	const char	*helo;		/* HELO/EHLO argument as received */
	size_t		 helo_len;
	/* Reverse-path without "<>", as received; length 0 for the null path "<>". */
	const char	*mail_from;
	size_t		 mail_from_len;
	/* This host's name for %{r}; NULL gives "unknown" (7.3). */
	const char	*receiver;
	size_t		 receiver_len;
	time_t		 now;		/* %{t} */
};

struct spf_outcome {
	enum spf_result	 result;
	enum spf_identity identity;
	/* The domain checked, lower case (empty when the identity has none). */
	char		 domain[DNS_NAME_MAX + 1];
	/* The expanded exp= text on a fail, else empty: the caller's default then. */
	char		 explanation[SPF_EXPLANATION_MAX + 1];
	/* The term that decided, escaped for a log line (empty when none did). */
	char		 mechanism[SPF_MECHANISM_MAX];
	/* Why, for the log; escaped. */
	char		 reason[SPF_REASON_MAX];
	unsigned	 dns_terms;	/* DNS-querying terms evaluated */
	unsigned	 void_lookups;
};

/*
 * check_host() for the MAIL FROM identity, or for the HELO identity when the
 * reverse-path is null (RFC 7208 2.4: sender postmaster@<helo>). *out is rewritten on
 * every call; its fields mean something once the status is SPF_DONE.
 */
enum spf_status spf_check(const struct spf_request *req, struct dns_cache *cache,
    struct spf_outcome *out);

/* check_host() for the HELO identity alone (RFC 7208 2.3), whatever MAIL FROM is. */
enum spf_status spf_check_helo(const struct spf_request *req, struct dns_cache *cache,
    struct spf_outcome *out);

/* "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror" (RFC 8601). */
const char *spf_result_name(enum spf_result r);

#endif
