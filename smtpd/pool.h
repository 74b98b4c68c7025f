/*
 * pool.h - next-hop connections kept open and reused across transactions.
 *
 * Per next hop (host:port): at most relay_pool_idle idle connections, each kept for
 * relay_pool_idle_timeout seconds, and at most relay_max_connections in all (busy and
 * idle), so one slow customer server cannot take every socket of the daemon. Of
 * those, one client (an IPv4 address, an IPv6 /64: netaddr_client) holds at most
 * relay_max_connections_per_client busy at once, so a few clients that keep their
 * transactions open cannot take a next hop from everyone else.
 *
 * Ownership: pool_take() and pool_connect() hand a client to the caller; the caller
 * gives it back with pool_put() (reusable) or pool_drop() (close it). The pool frees
 * what it holds in pool_free(); pool_free(NULL) is a no-op.
 */
#ifndef ECLUSE_SMTPD_POOL_H
#define ECLUSE_SMTPD_POOL_H

#include "common/config.h"
#include "smtpd/client.h"
#include "common/netaddr.h"

struct relay_pool;

struct relay_pool *pool_new(struct event_base *base, struct evdns_base *dns,
    const struct config *cf);
/* After a reload: limits and timeouts of cf from now on (cf borrowed as in pool_new). */
void pool_set_config(struct relay_pool *p, const struct config *cf);
void pool_free(struct relay_pool *p);

/*
 * client: whom the connection is for, as netaddr_client() gives it (copied), counted
 * against its share until pool_put() or pool_drop(); NULL for ecluse's own use
 * (re-injection, bounded by its own concurrency), not counted.
 */

/* An idle connection to hop, ready for MAIL, or NULL (none idle, or client holds
 * its share). */
struct smtp_client *pool_take(struct relay_pool *p, const struct hostport *hop,
    const struct netaddr *client);

/* A new connection (done gets the EHLO reply), or NULL when hop is at its limit or
 * client holds its share. */
struct smtp_client *pool_connect(struct relay_pool *p, const struct hostport *hop,
    const struct netaddr *client, client_cb *done, void *arg);

/* Back to the pool. clean: the last transaction ended (250 after DATA, or RSET
 * done); otherwise the pool sends RSET first and keeps it only on 250. */
void pool_put(struct relay_pool *p, struct smtp_client *c, int clean);
void pool_drop(struct relay_pool *p, struct smtp_client *c);

#endif
