/*
 * dnsbl.c - DNS blocklist zones and lookups; see dnsbl.h. The zone list parser is an
 * explicit scan of (buf, len); every zone is asked at once, each as its own dnsq, and
 * one deadline timer bounds them all.
 */
#include "config.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "smtpd/dnsbl.h"
#include "smtpd/dnsq.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-';
}

/* Checks one zone and copies it lower-cased into out (DNSBL_ZONE_MAX + 1 bytes). */
static enum dnsbl_zones_err
zone_copy(const char *buf, size_t len, char *out)
{
	size_t i, label = 0;

	if (len > 0 && buf[len - 1] == '.')
		len--;
	if (len == 0)
		return DNSBL_ZONES_BAD_NAME;
	for (i = 0; i < len; i++) {
		if (buf[i] == '.') {
			if (label == 0 || buf[i - 1] == '-')
				return DNSBL_ZONES_BAD_NAME;
			label = 0;
			continue;
		}
		if (!ldh(buf[i]) || (label == 0 && buf[i] == '-'))
			return DNSBL_ZONES_BAD_NAME;
		if (++label > DNSBL_LABEL_MAX)
			return DNSBL_ZONES_TOO_LONG;
	}
	if (label == 0 || buf[len - 1] == '-')
		return DNSBL_ZONES_BAD_NAME;
	if (len > DNSBL_ZONE_MAX)
		return DNSBL_ZONES_TOO_LONG;
	for (i = 0; i < len; i++)
		out[i] = (char)(buf[i] >= 'A' && buf[i] <= 'Z' ? buf[i] + 32 : buf[i]);
	out[len] = '\0';
	return DNSBL_ZONES_OK;
}

static enum dnsbl_zones_err
zones_parse(const char *buf, size_t len, struct dnsbl_zones *out)
{
	enum dnsbl_zones_err err;
	size_t i = 0, start, end, j;

	while (i < len && blank(buf[i]))
		i++;
	if (i == len)
		return DNSBL_ZONES_OK;
	for (;;) {
		while (i < len && blank(buf[i]))
			i++;
		start = i;
		while (i < len && buf[i] != ',')
			i++;
		end = i;
		while (end > start && blank(buf[end - 1]))
			end--;
		if (end == start)
			return DNSBL_ZONES_EMPTY_ITEM;
		if (out->n == DNSBL_ZONES_MAX)
			return DNSBL_ZONES_TOO_MANY;
		if ((err = zone_copy(buf + start, end - start, out->zone[out->n])) !=
		    DNSBL_ZONES_OK)
			return err;
		for (j = 0; j < out->n; j++)
			if (strcmp(out->zone[j], out->zone[out->n]) == 0)
				return DNSBL_ZONES_DUPLICATE;
		out->n++;
		if (i == len)
			return DNSBL_ZONES_OK;
		i++;	/* the comma */
	}
}

enum dnsbl_zones_err
dnsbl_zones_parse(const char *buf, size_t len, struct dnsbl_zones *out)
{
	enum dnsbl_zones_err err;

	memset(out, 0, sizeof(*out));
	if ((err = zones_parse(buf, len, out)) != DNSBL_ZONES_OK)
		out->n = 0;
	return err;
}

const char *
dnsbl_zones_strerror(enum dnsbl_zones_err err)
{
	switch (err) {
	case DNSBL_ZONES_OK:
		return "ok";
	case DNSBL_ZONES_EMPTY_ITEM:
		return "empty zone in the list";
	case DNSBL_ZONES_BAD_NAME:
		return "a zone is not a host name";
	case DNSBL_ZONES_TOO_LONG:
		return "a zone or one of its labels is too long";
	case DNSBL_ZONES_TOO_MANY:
		return "too many zones";
	case DNSBL_ZONES_DUPLICATE:
		return "a zone is listed twice";
	}
	return "unknown error";
}

size_t
dnsbl_query_name(const struct netaddr *a, const char *zone, char *buf, size_t size)
{
	return netaddr_revname(a, zone, strlen(zone), buf, size);
}

const char *
dnsbl_status_name(enum dnsbl_status s)
{
	switch (s) {
	case DNSBL_PENDING:
		return "pending";
	case DNSBL_LISTED:
		return "listed";
	case DNSBL_NOT_LISTED:
		return "not_listed";
	case DNSBL_UNKNOWN:
		return "unknown";
	}
	return "?";
}

struct zone_query {
	struct dnsbl	*d;
	size_t		 i;
	struct dnsq	*q;
};

struct dnsbl {
	struct dnsbl_result	 res[DNSBL_ZONES_MAX];
	struct zone_query	 zq[DNSBL_ZONES_MAX];
	size_t			 n;
	size_t			 pending;
	struct event		*timer;
	struct event		*deliver;
	dnsbl_cb		*cb;
	void			*arg;
	int			 done;
};

/* What one answer says (RFC 5782 2.1, 2.3). */
static void
classify(const struct dns_rrset *set, struct dnsbl_result *res)
{
	size_t i;

	switch (set->result) {
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		res->status = DNSBL_NOT_LISTED;
		return;
	case DNS_TIMEOUT:
	case DNS_SERVFAIL:
		res->status = DNSBL_UNKNOWN;
		return;
	case DNS_OK:
		break;
	}
	res->status = DNSBL_UNKNOWN;
	for (i = 0; i < set->n; i++) {
		const unsigned char *ip = set->rr[i].data;

		if (set->rr[i].len == 4 && ip[0] == 127 && ip[1] == 0 && ip[2] == 0 &&
		    ip[3] >= 2) {
			res->status = DNSBL_LISTED;
			res->code = ip[3];
			return;
		}
	}
}

/* Ends the lookup: what is still pending is unknown, and the callback runs last. */
static void
finish(struct dnsbl *d)
{
	size_t i;

	d->done = 1;
	evtimer_del(d->timer);
	for (i = 0; i < d->n; i++) {
		dnsq_free(d->zq[i].q);
		d->zq[i].q = NULL;
		if (d->res[i].status == DNSBL_PENDING)
			d->res[i].status = DNSBL_UNKNOWN;
	}
	d->pending = 0;
	d->cb(d->arg);
}

static void
on_answer(void *arg, const struct dns_rrset *set)
{
	struct zone_query *zq = arg;
	struct dnsbl *d = zq->d;

	classify(set, &d->res[zq->i]);
	dnsq_free(zq->q);
	zq->q = NULL;
	if (--d->pending == 0)
		finish(d);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct dnsbl *d = arg;

	(void)fd;
	(void)what;
	if (!d->done)
		finish(d);
}

static struct event *
must(struct event *ev)
{
	if (ev == NULL)
		abort();	/* libevent allocation failure: as xmalloc would */
	return ev;
}

struct dnsbl *
dnsbl_start(struct resolver *r, struct event_base *base, const struct dnsbl_zones *zones,
    const struct sockaddr *client, unsigned timeout_ms, dnsbl_cb *cb, void *arg)
{
	struct timeval tv = { (time_t)(timeout_ms / 1000),
	    (suseconds_t)(timeout_ms % 1000) * 1000 };
	char name[DNS_NAME_MAX + 1];
	struct netaddr a;
	struct dnsbl *d;
	size_t i, len;

	if (netaddr_from_sockaddr(client, &a) != 0)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->cb = cb;
	d->arg = arg;
	d->n = zones->n;
	d->timer = must(evtimer_new(base, on_deadline, d));
	d->deliver = must(event_new(base, -1, 0, on_deadline, d));
	for (i = 0; i < d->n; i++) {
		d->res[i].zone = zones->zone[i];
		d->zq[i].d = d;
		d->zq[i].i = i;
		len = dnsbl_query_name(&a, zones->zone[i], name, sizeof(name));
		if (len == 0 || (d->zq[i].q = dnsq_ask(r, name, len, DNS_T_A, on_answer,
		    &d->zq[i])) == NULL) {
			d->res[i].status = DNSBL_UNKNOWN;
			continue;
		}
		d->pending++;
	}
	if (d->pending == 0)
		event_active(d->deliver, EV_TIMEOUT, 0);
	else
		evtimer_add(d->timer, &tv);
	return d;
}

size_t
dnsbl_results(const struct dnsbl *d, const struct dnsbl_result **v)
{
	*v = d->res;
	return d->n;
}

int
dnsbl_done(const struct dnsbl *d)
{
	return d->done;
}

void
dnsbl_free(struct dnsbl *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		dnsq_free(d->zq[i].q);
	event_free(d->timer);
	event_free(d->deliver);
	free(d);
}
