/*
 * dmarc.h - DMARC evaluation as RFC 9989 (DMARCbis, obsoletes RFC 7489) defines it:
 * policy discovery and Organizational Domains by the DNS Tree Walk (4.10; no public
 * suffix list), relaxed and strict Identifier Alignment of the SPF and DKIM
 * Authenticated Identifiers, and the Domain Owner Assessment Policy that applies
 * (p, sp, np, psd, t).
 *
 * Restartable over the DNS cache (dns.h): dmarc_eval() returns DMARC_NEED_DNS when an
 * answer is missing; the driver resolves the cache's wanted question and calls it
 * again with the same input. Every DNS Tree Walk asks at most DMARC_WALK_MAX
 * questions; one evaluation walks the Author Domain and at most
 * 1 + DMARC_DKIM_DOMAINS_MAX Authenticated Identifiers.
 *
 * Decisions the RFC leaves to the receiver, taken here:
 *  - a message without exactly one From field holding exactly one Author Domain
 *    (one address, or several of one domain) is a fail (RFC 9989 5.3.1 and 11.5
 *    leave it out of scope; such a message is how DMARC is evaded), with policy
 *    none and no policy domain;
 *  - any DNS error (timeout, server failure) in a query the result depends on gives
 *    temperror (5.3.6), unless an aligned identifier was already found; so does an
 *    SPF or DKIM temperror for an identifier that would align (the DNS did not let
 *    SPF or DKIM say whether it passes), while one for an identifier that would not
 *    align changes nothing;
 *  - a record whose p, sp or np is invalid and that has no valid rua (4.10.1: "no
 *    DMARC processing") gives permerror, so a broken record is visible in
 *    Authentication-Results instead of looking like no record;
 *  - U-labels are converted to A-labels (RFC 9989 5.3.1, RFC 8616 6; idna.h) in the
 *    Author Domain before its lookups and in every identifier before alignment is
 *    compared; an Author Domain with 8-bit bytes that are no valid IDN (bad UTF-8, a
 *    code point IDNA2008 disallows) gives permerror: no policy can be found for it,
 *    and "none" would let a sender escape DMARC with a broken name;
 *  - an address literal as Author Domain has no DMARC record: none.
 */
#ifndef ECLUSE_DMARC_H
#define ECLUSE_DMARC_H

#include <stddef.h>

#include "auth/dmarc_record.h"
#include "auth/dns.h"
#include "auth/from.h"

/* RFC 9989 4.10: a DNS Tree Walk never asks more than eight questions. */
#define DMARC_WALK_MAX 8
/* Distinct DKIM signing domains tried for alignment: each may cost a tree walk of
 * eight questions, and a message can carry any number of signatures. */
#define DMARC_DKIM_DOMAINS_MAX 8
#define DMARC_REASON_MAX 160

enum dmarc_res {
	DMARC_RES_NONE = 0,	/* no DMARC Policy Record applies */
	DMARC_RES_PASS,
	DMARC_RES_FAIL,
	DMARC_RES_TEMPERROR,
	DMARC_RES_PERMERROR,
};

enum dmarc_status { DMARC_DONE = 0, DMARC_NEED_DNS };

struct dmarc_input {
	const struct from_result *from;	/* from_extract() of the message */
	/* The SPF-Authenticated Identifier (RFC 9989 3.2.4): the MAIL FROM domain, or
	 * the HELO domain for a null reverse-path, when SPF passed; NULL otherwise. */
	const char		*spf_domain;
	/* d= of every DKIM signature that verified (pass), in message order. */
	const char *const	*dkim_domains;
	size_t			 ndkim;
	/*
	 * The identifiers SPF and DKIM could not check for a temporary error
	 * (temperror): the SPF domain, NULL when SPF did not end so, and d= of each
	 * such signature. When nothing that passed aligns and one of these would,
	 * the result is temperror (RFC 9989 5.3.6), not fail.
	 */
	const char		*spf_temp_domain;
	const char *const	*dkim_temp_domains;
	size_t			 ndkim_temp;
};

struct dmarc_result {
	enum dmarc_res		 result;
	/* The policy for this message when it fails (after t=y); none when no record. */
	enum dmarc_policy	 policy;
	int			 testing;	/* t=y lowered the policy by one level */
	/* The Author Domain in A-labels (header.from: Authentication-Results shows
	 * the U-labels of an internationalized message); an address literal as it is;
	 * "" when there is none or it is no valid IDN. */
	char			 author[FROM_DOMAIN_MAX + 1];
	char			 policy_domain[DNS_NAME_MAX + 1]; /* record's domain; "" */
	int			 spf_aligned;
	int			 dkim_aligned;
	char			 reason[DMARC_REASON_MAX];
};

/* Evaluates in against the answers in cache; fills out when it returns DMARC_DONE. */
enum dmarc_status dmarc_eval(const struct dmarc_input *in, struct dns_cache *cache,
    struct dmarc_result *out);

/* "none", "pass", "fail", "temperror", "permerror" (RFC 8601 / RFC 9989 9.2). */
const char *dmarc_res_name(enum dmarc_res r);

#endif
