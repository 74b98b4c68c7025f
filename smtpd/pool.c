/*
 * pool.c - reusable next-hop connections; see pool.h. Hops are kept in a small
 * array searched linearly: a daemon talks to as many hops as it serves domains with
 * distinct servers, and the lookup happens once per transaction.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "smtpd/pool.h"

/* A busy connection and the client it is for. */
struct lease {
	struct smtp_client	*c;
	struct netaddr		 client;
};

struct hop {
	struct relay_pool	*pool;
	char			*host;
	uint16_t		 port;
	unsigned		 total;		/* busy + idle */
	struct smtp_client	**idle;
	size_t			 nidle;
	size_t			 cap;		/* of idle: a reload may change the limit */
	struct smtp_client	**resetting;	/* RSET in flight, owned by the pool */
	size_t			 nresetting;
	struct lease		*leases;	/* busy for a client; at most total */
	size_t			 nleases;
};

struct relay_pool {
	struct event_base	*base;
	struct evdns_base	*dns;
	const struct config	*cf;
	struct hop		**hops;
	size_t			 nhops;
};

struct relay_pool *
pool_new(struct event_base *base, struct evdns_base *dns, const struct config *cf)
{
	struct relay_pool *p = xcalloc(1, sizeof(*p));

	p->base = base;
	p->dns = dns;
	p->cf = cf;
	return p;
}

static struct hop *
hop_get(struct relay_pool *p, const struct hostport *hp)
{
	struct hop *h;
	size_t i;

	for (i = 0; i < p->nhops; i++)
		if (p->hops[i]->port == hp->port && strcmp(p->hops[i]->host, hp->host) == 0)
			return p->hops[i];
	h = xcalloc(1, sizeof(*h));
	h->pool = p;
	h->host = xstrdup(hp->host);
	h->port = hp->port;
	h->cap = p->cf->relay_pool_idle ? p->cf->relay_pool_idle : 1;
	h->idle = xcalloc(h->cap, sizeof(*h->idle));
	p->hops = xreallocarray(p->hops, p->nhops + 1, sizeof(*p->hops));
	p->hops[p->nhops++] = h;
	return h;
}

static void
list_remove(struct smtp_client **list, size_t *n, struct smtp_client *c)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (list[i] == c) {
			list[i] = list[--*n];
			return;
		}
}

/* Whether client holds its share of h's connections already. */
static int
share_full(const struct relay_pool *p, const struct hop *h, const struct netaddr *client)
{
	unsigned n = 0;
	size_t i;

	if (client == NULL)
		return 0;
	for (i = 0; i < h->nleases; i++)
		if (netaddr_equal(&h->leases[i].client, client))
			n++;
	return n >= p->cf->relay_max_connections_per_client;
}

static void
lease(struct hop *h, struct smtp_client *c, const struct netaddr *client)
{
	if (client == NULL)
		return;
	h->leases = xreallocarray(h->leases, h->nleases + 1, sizeof(*h->leases));
	h->leases[h->nleases].c = c;
	h->leases[h->nleases++].client = *client;
}

static void
unlease(struct hop *h, struct smtp_client *c)
{
	size_t i;

	for (i = 0; i < h->nleases; i++)
		if (h->leases[i].c == c) {
			h->leases[i] = h->leases[--h->nleases];
			return;
		}
}

struct smtp_client *
pool_take(struct relay_pool *p, const struct hostport *hp, const struct netaddr *client)
{
	struct hop *h = hop_get(p, hp);
	struct smtp_client *c;

	if (h->nidle == 0 || share_full(p, h, client))
		return NULL;
	/* the most recently used one: the least likely to have been closed */
	c = h->idle[--h->nidle];
	lease(h, c, client);
	return c;
}

struct smtp_client *
pool_connect(struct relay_pool *p, const struct hostport *hp, const struct netaddr *client,
    client_cb *done, void *arg)
{
	struct hop *h = hop_get(p, hp);
	struct client_timeouts to = {
		p->cf->relay_timeout_connect, p->cf->relay_timeout_reply,
		p->cf->relay_timeout_data_end,
	};
	struct smtp_client *c;

	if (h->total >= p->cf->relay_max_connections || share_full(p, h, client))
		return NULL;
	c = client_connect(p->base, p->dns, h->host, h->port, p->cf->hostname, &to, done,
	    arg);
	client_set_owner(c, h);
	h->total++;
	lease(h, c, client);
	return c;
}

void
pool_drop(struct relay_pool *p, struct smtp_client *c)
{
	struct hop *h;

	if (c == NULL)
		return;
	h = client_owner(c);
	list_remove(h->idle, &h->nidle, c);
	list_remove(h->resetting, &h->nresetting, c);
	unlease(h, c);
	h->total--;
	client_free(c);
}

static void
on_gone(struct smtp_client *c, void *arg)
{
	pool_drop(arg, c);
}

static void
keep(struct relay_pool *p, struct smtp_client *c)
{
	struct hop *h = client_owner(c);

	if (h->nidle >= p->cf->relay_pool_idle || h->nidle >= h->cap) {
		pool_drop(p, c);
		return;
	}
	h->idle[h->nidle++] = c;
	client_idle(c, p->cf->relay_pool_idle_timeout, on_gone, p);
}

static void
on_rset(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct hop *h = client_owner(c);

	list_remove(h->resetting, &h->nresetting, c);
	if (r->code == 250)
		keep(arg, c);
	else
		pool_drop(arg, c);
}

void
pool_put(struct relay_pool *p, struct smtp_client *c, int clean)
{
	struct hop *h;

	if (c == NULL)
		return;
	h = client_owner(c);
	unlease(h, c);
	if (clean) {
		keep(p, c);
		return;
	}
	h->resetting = xreallocarray(h->resetting, h->nresetting + 1, sizeof(*h->resetting));
	h->resetting[h->nresetting++] = c;
	client_command(c, "RSET", 4, on_rset, p);
}

void
pool_set_config(struct relay_pool *p, const struct config *cf)
{
	p->cf = cf;
}

void
pool_free(struct relay_pool *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nhops; i++) {
		for (j = 0; j < p->hops[i]->nidle; j++)
			client_free(p->hops[i]->idle[j]);
		for (j = 0; j < p->hops[i]->nresetting; j++)
			client_free(p->hops[i]->resetting[j]);
		free(p->hops[i]->idle);
		free(p->hops[i]->resetting);
		free(p->hops[i]->leases);
		free(p->hops[i]->host);
		free(p->hops[i]);
	}
	free(p->hops);
	free(p);
}
