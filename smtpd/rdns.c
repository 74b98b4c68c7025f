/*
 * rdns.c - forward-confirmed reverse DNS of a client; see rdns.h. Two rounds: the PTR
 * question, then one address question per PTR name (at most RDNS_NAMES_MAX), all at
 * once; a deadline timer bounds both rounds together.
 */
#include "config.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/netaddr.h"
#include "common/xmalloc.h"
#include "smtpd/dnsq.h"
#include "smtpd/rdns.h"

struct fwd_query {
	struct rdns	*owner;
	struct dnsq	*q;
	char		 name[DNS_NAME_MAX + 1];
};

struct rdns {
	struct resolver		*r;
	struct netaddr		 client;
	struct dnsq		*ptr;
	struct fwd_query	 fwd[RDNS_NAMES_MAX];
	size_t			 nfwd;
	size_t			 pending;	/* forward questions not answered */
	int			 tempfail;	/* a forward question failed */
	struct event		*timer;
	struct event		*deliver;
	rdns_cb			*cb;
	void			*arg;
	struct rdns_result	 res;
};

const char *
rdns_status_name(enum rdns_status s)
{
	switch (s) {
	case RDNS_PENDING:
		return "pending";
	case RDNS_CONFIRMED:
		return "confirmed";
	case RDNS_MISMATCH:
		return "mismatch";
	case RDNS_NONE:
		return "none";
	case RDNS_UNKNOWN:
		return "unknown";
	}
	return "?";
}

static void
cancel_all(struct rdns *q)
{
	size_t i;

	dnsq_free(q->ptr);
	q->ptr = NULL;
	for (i = 0; i < q->nfwd; i++) {
		dnsq_free(q->fwd[i].q);
		q->fwd[i].q = NULL;
	}
	q->pending = 0;
}

/* Sets the final result; the callback runs last, as it may free q. */
static void
finish(struct rdns *q, enum rdns_status status, const char *name)
{
	cancel_all(q);
	evtimer_del(q->timer);
	q->res.status = status;
	snprintf(q->res.name, sizeof(q->res.name), "%s", name);
	q->cb(q->arg);
}

static void
on_forward(void *arg, const struct dns_rrset *set)
{
	struct fwd_query *f = arg;
	struct rdns *q = f->owner;
	size_t i, alen = q->client.family == AF_INET ? 4 : 16;
	bool confirmed = false;

	if (set->result == DNS_OK) {
		for (i = 0; i < set->n && !confirmed; i++)
			confirmed = set->rr[i].len == alen &&
			    memcmp(set->rr[i].data, q->client.ip, alen) == 0;
		/* addresses past DNS_RR_MAX were not read: the client may be one */
		if (!confirmed && set->truncated)
			q->tempfail = 1;
	} else if (set->result == DNS_TIMEOUT || set->result == DNS_SERVFAIL)
		q->tempfail = 1;
	/* set lives in f->q: read it all before this */
	dnsq_free(f->q);
	f->q = NULL;
	q->pending--;
	if (confirmed)
		finish(q, RDNS_CONFIRMED, f->name);
	else if (q->pending == 0)
		finish(q, q->tempfail ? RDNS_UNKNOWN : RDNS_MISMATCH,
		    q->tempfail ? "" : q->fwd[0].name);
}

static void
on_ptr(void *arg, const struct dns_rrset *set)
{
	struct rdns *q = arg;
	enum dns_type type = q->client.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
	size_t i;

	switch (set->result) {
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		finish(q, RDNS_NONE, "");
		return;
	case DNS_TIMEOUT:
	case DNS_SERVFAIL:
		finish(q, RDNS_UNKNOWN, "");
		return;
	case DNS_OK:
		break;
	}
	for (i = 0; i < set->n && q->nfwd < RDNS_NAMES_MAX; i++) {
		struct fwd_query *f = &q->fwd[q->nfwd];
		size_t len = set->rr[i].len;

		if (len == 0 || len > DNS_NAME_MAX)
			continue;	/* not a name: it cannot lead back */
		memcpy(f->name, set->rr[i].data, len);
		f->name[len] = '\0';
		f->owner = q;
		q->nfwd++;
		/* a name that cannot be asked is an NXDOMAIN: it leads nowhere */
		if ((f->q = dnsq_ask(q->r, f->name, len, type, on_forward, f)) != NULL)
			q->pending++;
	}
	/* the PTR answer lives in the dnsq: names were copied, it can go now */
	dnsq_free(q->ptr);
	q->ptr = NULL;
	if (q->pending == 0)
		finish(q, RDNS_MISMATCH, q->nfwd > 0 ? q->fwd[0].name : "");
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct rdns *q = arg;

	(void)fd;
	(void)what;
	if (q->res.status == RDNS_PENDING)
		finish(q, RDNS_UNKNOWN, "");
}

static struct event *
must(struct event *ev)
{
	if (ev == NULL)
		abort();	/* libevent allocation failure: as xmalloc would */
	return ev;
}

struct rdns *
rdns_start(struct resolver *r, struct event_base *base, const struct sockaddr *client,
    unsigned timeout_ms, rdns_cb *cb, void *arg)
{
	struct timeval tv = { (time_t)(timeout_ms / 1000),
	    (suseconds_t)(timeout_ms % 1000) * 1000 };
	char name[DNS_NAME_MAX + 1];
	struct rdns *q;
	size_t len;

	q = xcalloc(1, sizeof(*q));
	if (netaddr_from_sockaddr(client, &q->client) != 0) {
		free(q);
		return NULL;
	}
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->timer = must(evtimer_new(base, on_deadline, q));
	q->deliver = must(event_new(base, -1, 0, on_deadline, q));
	if (q->client.family == AF_INET)
		len = netaddr_revname(&q->client, "in-addr.arpa", 12, name, sizeof(name));
	else
		len = netaddr_revname(&q->client, "ip6.arpa", 8, name, sizeof(name));
	if (len == 0 || (q->ptr = dnsq_ask(r, name, len, DNS_T_PTR, on_ptr, q)) == NULL)
		event_active(q->deliver, EV_TIMEOUT, 0);	/* cannot happen: unknown */
	else
		evtimer_add(q->timer, &tv);
	return q;
}

const struct rdns_result *
rdns_result(const struct rdns *q)
{
	return &q->res;
}

void
rdns_free(struct rdns *q)
{
	if (q == NULL)
		return;
	cancel_all(q);
	event_free(q->timer);
	event_free(q->deliver);
	free(q);
}
