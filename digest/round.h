/*
 * round.h - one digest round: every recipient with held messages that no digest
 * listed yet gets one digest mail (digest/mail.h), through the next hop of their
 * domain with the one SMTP client (smtpd/client.h), one recipient after the other,
 * on the caller's libevent loop. ecluse-smtpd runs rounds on its schedule
 * (digest/schedule.h), eclusectl runs one at once ("digest send").
 *
 * Never twice: before building a recipient's mail the round claims their pending
 * messages with a lease (store_digest_claim), so that a concurrent round (another
 * process, another daemon on the same store) cannot send them too; after the next
 * hop's 250 to the end of data the messages are recorded as listed
 * (store_digest_done); a failure gives them back (store_digest_unclaim), pending for
 * the next round. A process that dies mid-send leaves them pending once the lease
 * ends (store.h names the RFC 1047 window).
 * Never empty: a recipient with nothing pending gets nothing, and nothing pending at
 * all makes no connection.
 * The envelope sender is null (RFC 5321 4.5.5: an automatic notice must not draw
 * bounces). A recipient whose domain is not served ([domain NAME]) is a failure; a
 * domain with "digest = no" gets none (its messages stay pending, counted as skipped).
 * Language: the domain's "language" key.
 *
 * The store calls are synchronous (store.h: "off the per-message path"), in the
 * loop's thread. Callbacks run from the loop, never from digest_round_start.
 *
 * Ownership: digest_round_start keeps every pointer of its digest_env (they must
 * outlive the round, or cf be replaced first with digest_round_set_config). The
 * caller frees the round with digest_round_free, also from
 * inside the done callback; freeing a round in progress closes its connection and
 * gives the claimed messages back. digest_round_free(NULL) is a no-op.
 */
#ifndef ECLUSE_DIGEST_ROUND_H
#define ECLUSE_DIGEST_ROUND_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct config;
struct event_base;
struct evdns_base;
struct tmpl_set;
struct token_key;
struct digest_round;

/* (message, recipient) pairs one round considers: the oldest first; the rest wait
 * for the next round. */
#define DIGEST_PENDING_MAX STORE_LIST_MAX
/* Reply lines the client may wait for in one send: greeting, EHLO, MAIL, RCPT, DATA
 * (and the final reply, under relay_timeout_data_end). The lease of a claim covers
 * them all plus DIGEST_LEASE_MARGIN. */
#define DIGEST_SEND_REPLIES	5
/* Covers a store call waiting for a lock (STORE_BUSY_TIMEOUT_MS) and clock skew
 * between the hosts of a shared store. */
#define DIGEST_LEASE_MARGIN	30

struct digest_env {
	struct event_base	*base;
	struct evdns_base	*dns;		/* NULL: next hops are resolved by the
						 * system (IP literals need none) */
	const struct config	*cf;		/* domains, relay timeouts, hostname,
						 * base_url */
	struct store		*st;
	const struct tmpl_set	*tmpl;
	const struct token_key	*key;
};

/* What became of one recipient's digest. */
struct digest_result {
	const char	*rcpt;
	size_t		 messages;	/* listed (or that would have been) */
	const char	*error;		/* NULL: sent and recorded; else why not */
};

struct digest_stats {
	size_t	sent;
	size_t	failed;
	size_t	skipped;	/* recipients of domains with "digest = no" */
	size_t	elsewhere;	/* recipients whose messages another round claimed */
};

/* Called once per recipient sent or failed (not for skipped ones). */
typedef void digest_each_cb(void *arg, const struct digest_result *res);
/* Called once when the round is over; the round may be freed in it. */
typedef void digest_done_cb(void *arg, const struct digest_stats *stats);

/*
 * Lists what is pending now (the wall clock: leases are compared across processes)
 * and starts sending from the loop. STORE_OK and *out, or the store's error
 * (store_last_error says more) and nothing started.
 */
enum store_err digest_round_start(const struct digest_env *env, digest_each_cb *each,
    digest_done_cb *done, void *arg, struct digest_round **out);

void digest_round_free(struct digest_round *r);

/* The configuration for the recipients not started yet (a daemon's reload); the
 * round keeps no pointer into the one it replaces. */
void digest_round_set_config(struct digest_round *r, const struct config *cf);

/* The lease of a claim, in seconds, from the relay timeouts of cf. */
int64_t digest_lease(const struct config *cf);

#endif
