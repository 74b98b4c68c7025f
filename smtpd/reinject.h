/*
 * reinject.h - the re-injection runner of ecluse-smtpd: delivers released messages
 * from the store's queue to the next hop of their recipients' domain, through the
 * relay pool and the one SMTP client (DESIGN rules 1 and 6).
 *
 * The queue lives in the store, so the runner keeps nothing of its own across a
 * restart: it claims a due message with a lease (store_reinject_claim), delivers it,
 * and reports the outcome with the claim. A timer wakes it when the store says the
 * next message is due, and at least every REINJECT_POLL seconds, because releases are
 * queued by other processes (ecluse-web, eclusectl).
 *
 * Outcomes of one attempt (RFC 5321 semantics; reply classes 4.2.1):
 *   - 250 after DATA: delivered (store_reinject_done). Recipients the next hop refused
 *     with 5xx while others were accepted are not retried: the message went to the
 *     accepted ones, each refusal is logged and written to the audit log, as an MTA
 *     delivers to the good recipients and bounces the bad ones.
 *   - a 4xx reply anywhere (also to one RCPT among accepted ones), no connection,
 *     a lost connection, a timeout, a refused greeting or EHLO: temporary. Nothing is
 *     sent, and the whole message is retried with exponential backoff; held messages
 *     have no per-recipient queue state, and a partial delivery retried later would
 *     deliver twice to the recipients that took it.
 *   - 5xx to MAIL, to DATA or after the data, or to every RCPT: permanent
 *     (store_reinject_fail, state "failed": an operator may release it again).
 *   - a temporary failure after REINJECT_LIFETIME since the release is permanent.
 *
 * Delivered at most once, except in the window SMTP leaves open (RFC 1047, stated in
 * store.h): a runner that dies, or loses its connection, after sending the end of data
 * and before reading the reply. Each attempt is bounded by a time budget shorter than
 * its lease by REINJECT_LEASE_MARGIN, so no second runner can claim a message while
 * the first still talks to the next hop about it.
 *
 * The store calls are synchronous (store.h: "off the per-message path"), in the
 * event loop's thread.
 *
 * Ownership: reinject_new keeps base, pool, st and cf by pointer (they must outlive
 * the runner; free the runner first). reinject_free(NULL) is a no-op.
 */
#ifndef ECLUSE_SMTPD_REINJECT_H
#define ECLUSE_SMTPD_REINJECT_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "smtpd/pool.h"
#include "store/store.h"

/*
 * Backoff between attempts after a temporary failure: REINJECT_RETRY_FIRST seconds,
 * then REINJECT_RETRY_FACTOR times more after each further failure, never more than
 * REINJECT_RETRY_MAX; past REINJECT_LIFETIME after the release the message fails, as
 * an MTA bounces what it could not deliver in its queue lifetime (5 days is the usual
 * one, e.g. Postfix's maximal_queue_lifetime).
 */
#define REINJECT_RETRY_FIRST	60
#define REINJECT_RETRY_FACTOR	2
#define REINJECT_RETRY_MAX	3600
#define REINJECT_LIFETIME	(5 * 24 * 3600)
/* Deliveries in progress at once: released mail is a trickle next to the live relay,
 * whose connections to a next hop it shares (relay_max_connections). */
#define REINJECT_CONCURRENCY	4
/* Longest sleep between two looks at the queue: a release made by another process is
 * picked up within this many seconds. */
#define REINJECT_POLL		3
/*
 * The time budget of one attempt is relay_timeout_connect + REINJECT_ATTEMPT_REPLIES *
 * relay_timeout_reply + relay_timeout_data_end: EHLO, MAIL, DATA and a few RCPT may
 * each take their whole reply timeout. A next hop slower than that over the whole
 * attempt is a temporary failure.
 */
#define REINJECT_ATTEMPT_REPLIES 6
/* Lease = budget + this margin: covers a store call waiting for a lock
 * (STORE_BUSY_TIMEOUT_MS) and clock skew between the hosts of a shared store. */
#define REINJECT_LEASE_MARGIN	10
/* The next hop's connection limit is reached: try again this soon. */
#define REINJECT_BUSY_DELAY	10
/* store_reinject_done failed (store busy or I/O): tried again this often until the
 * lease ends, because a done that is never written means a second delivery. */
#define REINJECT_DONE_RETRY	2
/* Room for the release header (one folded field, two short lines). */
#define REINJECT_HEADER_MAX	256

struct event_base;
struct reinject;

/* The values an operator may change; main fills it from the config (or the
 * REINJECT_* defaults). reinject_new raises a value under its minimum to it. */
struct reinject_limits {
	unsigned	retry_first;	/* seconds; >= 1 */
	unsigned	retry_max;	/* seconds; >= retry_first */
	unsigned	lifetime;	/* seconds since the release */
	unsigned	concurrency;	/* >= 1 */
};

/* Starts the runner; its first look at the queue is from the event loop, at once. */
struct reinject *reinject_new(struct event_base *base, struct relay_pool *pool,
    struct store *st, const struct config *cf, const struct reinject_limits *lim);

/* After a reload: the served domains of cf from the next delivery on (cf borrowed). */
void reinject_set_config(struct reinject *r, const struct config *cf);

/*
 * Stops: connections of attempts in progress are closed and their messages put back
 * in the queue, due at once (one that had sent its end of data may then be delivered
 * twice: the RFC 1047 window). Call it before pool_free and store_close.
 */
void reinject_free(struct reinject *r);

/* ---- pure parts, in the header for the unit tests ---- */

/*
 * After a temporary failure of attempt number attempts (1 for the first) of a message
 * released at released: 0 and *next = when to try again, or -1 when the message has
 * been failing for lim->lifetime and must fail. The last attempt is made at the end of
 * the lifetime, not up to retry_max after it.
 */
int reinject_backoff(const struct reinject_limits *lim, unsigned attempts,
    int64_t released, int64_t now, int64_t *next);

/* The lease of a claim and the time budget of its attempt (lease minus
 * REINJECT_LEASE_MARGIN), in seconds, from the relay timeouts of cf. */
int64_t reinject_lease(const struct config *cf);

/*
 * Writes the header field that records the release of h (CRLF-terminated, folded):
 *   X-Ecluse-Released: by sender after challenge; id=42;
 *   \tat=Tue, 05 Mar 2024 10:00:00 +0100
 * "by operator" when the release token was not used. No token, secret or address in
 * it. Returns its length, or 0 (and buf "") when it does not fit in size bytes.
 */
size_t reinject_header(const struct store_held *h, char *buf, size_t size);

#endif
