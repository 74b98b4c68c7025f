/*
 * whitelist.h - which whitelist entries count for a message, so that a forged
 * whitelisted address is treated as unknown (DESIGN rule 5; whitelisting a bare
 * address string is how challenge-response systems have been abused).
 *
 * The store's lookup (store_wl_lookup) matches the sender's address or domain only;
 * here each candidate entry is checked against how the message is authenticated now,
 * with what the entry remembers of how its sender was seen when it was made:
 *
 *  - an entry with an auth_domain counts only when the message is authenticated under
 *    that same domain now (whitelist_auth_domain);
 *  - an entry without one (auth_domain "") counts only when the client is inside its
 *    client_net, and neither SPF nor DMARC fails;
 *  - an entry with neither (added by hand without that knowledge) counts when neither
 *    SPF nor DMARC fails: the operator vouched for the address, the sender's domain
 *    can still disown a forgery.
 *
 * Blocks. An entry with action STORE_WL_BLOCK refuses the sender's mail to the
 * recipients it applies to, whatever the message's authentication: a block on an
 * address that a forger uses refuses the forger too, which is what the recipient
 * asked; an allow still counts only under the conditions above, so a forger cannot
 * ride an allow. A block beats an allow for the same recipient, at any scope: an
 * operator's domain-wide block is not undone by a recipient's allow of the address,
 * nor a recipient's block of a domain by an allow of one of its addresses. Blocks
 * match the envelope sender (MAIL FROM), as allows do: the address the digest and the
 * recipient page show, and the one known at RCPT time, so that ecluse-smtpd refuses
 * the recipient in its RCPT reply (550 5.7.1, no release link) and a blocked
 * recipient never joins a transaction: the recipients of one transaction share one
 * block standing (none) as they share one whitelist standing (DESIGN rule 2). A
 * sender who changes its envelope address gets past an address block; a domain block
 * catches its domain. Block entries are ignored by whitelist_match and the standing.
 *
 * The authenticated domain of a message is its author domain (the From domain,
 * RFC 5322 3.6.2) when the message is authenticated for it: DMARC passes; or, when the
 * domain publishes no DMARC policy, a DKIM signature that verifies or the SPF check
 * that passes names that domain or a parent of it (its owner controls the names below
 * it; a child could belong to someone else, and without a public suffix list we
 * cannot tell). The author domain, not the d= or MAIL FROM domain, is kept: it stays
 * the same when a sender changes its signing or bounce domains, and it is what the
 * recipient sees.
 *
 * Pure functions: no I/O, no allocation.
 */
#ifndef ECLUSE_SMTPD_WHITELIST_H
#define ECLUSE_SMTPD_WHITELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "auth/auth.h"
#include "store/store.h"

/* Entries store_wl_lookup can return for one (recipient, sender): three scopes, each
 * for the address and for its domain; (scope, target, sender) is unique. */
#define WHITELIST_CANDIDATES_MAX 6

/* The domain the message is authenticated under (see above) into out, or "" when
 * none; returns its length. auth may be NULL (nothing authenticated). */
size_t whitelist_auth_domain(const struct auth_result *auth, char out[DNS_NAME_MAX + 1]);

/* What a new entry remembers of the message it is made from (on release). */
struct whitelist_origin {
	char	auth_domain[STORE_DOMAIN_MAX + 1];	/* "" when not authenticated */
	char	client_net[STORE_NET_MAX];		/* netaddr_network() of the client */
};

/* Computed when a message is held, from its results and client, and kept with it
 * until its release makes the entry. auth may be NULL. */
void whitelist_origin(const struct auth_result *auth, const struct sockaddr *client,
    struct whitelist_origin *out);

/*
 * The client_net a release records, from the client address as the held copy keeps
 * it (text): its network (netaddr_network). Returns -1 (out "") when (addr, len) is
 * not an address; the entry then matches no network, which is the safe reading.
 */
int whitelist_client_net(const char *addr, size_t len, char out[STORE_NET_MAX]);

/* The first block among the candidate entries v[0..n) (the most specific one), or
 * NULL when none blocks. */
const struct store_wl_entry *whitelist_blocked(const struct store_wl_entry *v, size_t n);

/* The first of the candidate entries v[0..n) that counts for this message (they come
 * most specific first), or NULL: the sender is then unknown. */
const struct store_wl_entry *whitelist_match(const struct store_wl_entry *v, size_t n,
    const struct auth_result *auth, const struct sockaddr *client);

/*
 * The whitelist standing of one recipient, known at RCPT time (before DKIM and DMARC
 * have run): the conditions under which one of its candidate entries will count at
 * the end of data. Two recipients with equal standings are sure to get the same
 * whitelist outcome, so they can share one transaction and one verdict (DESIGN rule
 * 2); a recipient whose standing differs from the first one's gets 452 4.5.3.
 */
struct whitelist_standing {
	bool	 unauthenticated;	/* counts if neither SPF nor DMARC fails */
	size_t	 ndomains;		/* counts if authenticated under one of these */
	char	 domain[WHITELIST_CANDIDATES_MAX][STORE_DOMAIN_MAX + 1];	/* sorted */
};

/* From the candidates of store_wl_lookup (at most WHITELIST_CANDIDATES_MAX are read)
 * and the client's address. */
void whitelist_standing(const struct store_wl_entry *v, size_t n,
    const struct sockaddr *client, struct whitelist_standing *out);
bool whitelist_standing_equal(const struct whitelist_standing *a,
    const struct whitelist_standing *b);
/* At the end of data: whether the standing counts for the message. */
bool whitelist_standing_match(const struct whitelist_standing *s,
    const struct auth_result *auth);

#endif
