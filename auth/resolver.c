/*
 * resolver.c - c-ares inside a libevent loop; see resolver.h.
 *
 * c-ares tells us through its socket-state callback which sockets it wants watched
 * and for what; each becomes a persistent libevent event that calls
 * ares_process_fd(). One timer follows ares_timeout() so that retransmissions and
 * timeouts happen without a readable socket. An answer is stored into the query's
 * cache from the c-ares callback, but the caller's callback runs later from a
 * libevent event of its own: callers never run inside c-ares' stack, so they may
 * start queries, cancel others or free the resolver from their callback.
 *
 * Names that cannot be a DNS query name (a byte outside printable ASCII, a backslash
 * that c-ares would read as an escape, an empty label) get NXDOMAIN without a query.
 * With an answer_cache (resolver_use_answers), answers are kept for later messages for
 * their TTL, and a question it can answer is not sent.
 */
#include "config.h"

#include <ares.h>
#include <event2/event.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/answer_cache.h"
#include "auth/resolver.h"
#include "common/log.h"
#include "common/xmalloc.h"

/* RFC 6891 6.2.5: a payload size that avoids IP fragmentation on most paths (the
 * 2020 DNS flag day value); larger answers come over TCP after truncation. */
#define RESOLVER_EDNS_PAYLOAD 1232

struct sockev {
	ares_socket_t	 fd;		/* ARES_SOCKET_BAD: free slot */
	struct event	*ev;
};

struct resolver_query {
	struct resolver		*r;
	struct resolver_query	*prev, *next;
	struct dns_cache	*cache;
	char			 name[DNS_NAME_MAX + 1];
	enum dns_type		 type;
	resolver_cb		*cb;
	void			*arg;
	struct event		*done;	/* delivers the callback from the loop */
	int			 in_ares;	/* c-ares still owns a callback for it */
	int			 cancelled;
	int			 stored;
};

struct resolver {
	struct event_base	*base;
	ares_channel		 channel;
	int			 channel_ok;
	struct event		*timer;
	struct sockev		*socks;
	size_t			 nsocks;
	struct resolver_query	*queries;
	size_t			 npending;
	struct answer_cache	*answers;	/* borrowed; NULL: none */
	int			 destroying;
};

static void
unlink_query(struct resolver_query *q)
{
	struct resolver *r = q->r;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		r->queries = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	r->npending--;
}

static void
free_query(struct resolver_query *q)
{
	if (q->done != NULL)
		event_free(q->done);
	free(q);
}

static void
rearm_timer(struct resolver *r)
{
	struct timeval tvbuf, *tv;

	if (r->destroying)
		return;
	tv = ares_timeout(r->channel, NULL, &tvbuf);
	if (tv != NULL)
		evtimer_add(r->timer, tv);
	else
		evtimer_del(r->timer);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm_timer(r);
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct resolver *r = arg;

	ares_process_fd(r->channel, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	rearm_timer(r);
}

/*
 * c-ares opens, changes or closes a socket. Slots are reused rather than freed so
 * that an event is never freed from inside its own callback.
 */
static void
on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	struct sockev *s = NULL;
	size_t i;
	short what;

	if (r->destroying)
		return;
	for (i = 0; i < r->nsocks; i++)
		if (r->socks[i].fd == fd) {
			s = &r->socks[i];
			break;
		}
	if (s == NULL) {
		if (!readable && !writable)
			return;
		for (i = 0; i < r->nsocks; i++)
			if (r->socks[i].fd == ARES_SOCKET_BAD) {
				s = &r->socks[i];
				break;
			}
		if (s == NULL) {
			r->socks = xreallocarray(r->socks, r->nsocks + 1, sizeof(*r->socks));
			s = &r->socks[r->nsocks++];
			s->ev = NULL;
		}
		s->fd = fd;
	}
	if (s->ev != NULL)
		event_del(s->ev);
	if (!readable && !writable) {
		s->fd = ARES_SOCKET_BAD;
		return;
	}
	what = EV_PERSIST | (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	if (s->ev == NULL)
		s->ev = event_new(r->base, fd, what, on_socket, r);
	else
		event_assign(s->ev, r->base, fd, what, on_socket, r);
	if (s->ev == NULL)
		log_fatal("event=oom what=libevent");
	event_add(s->ev, NULL);
}

static char *
lower_name(const char *name)
{
	size_t len = strlen(name), i;
	char *s;

	if (len > 0 && name[len - 1] == '.')
		len--;
	s = xstrndup(name, len);
	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + 32);
	return s;
}

void
resolver_answer_free(struct dns_rr *rr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(rr[i].data);
	free(rr);
}

/*
 * Records read from one answer: one more than the cache keeps, so that an answer
 * with more is seen as such (dns_cache_put marks the set truncated); the rest of
 * the answer is not copied.
 */
#define PARSE_RR_MAX (DNS_RR_MAX + 1)

static enum dns_result
parse_a(int type, const unsigned char *abuf, int alen, struct dns_rr **out, size_t *n)
{
	struct ares_addrttl a4[PARSE_RR_MAX];
	struct ares_addr6ttl a6[PARSE_RR_MAX];
	struct hostent *he = NULL;
	int na = PARSE_RR_MAX, st, i;
	struct dns_rr *rr;

	if (type == DNS_T_A)
		st = ares_parse_a_reply(abuf, alen, &he, a4, &na);
	else
		st = ares_parse_aaaa_reply(abuf, alen, &he, a6, &na);
	if (he != NULL)
		ares_free_hostent(he);
	if (st == ARES_ENODATA || (st == ARES_SUCCESS && na <= 0))
		return DNS_NODATA;
	if (st != ARES_SUCCESS)
		return DNS_SERVFAIL;
	rr = xcalloc((size_t)na, sizeof(*rr));
	for (i = 0; i < na; i++) {
		rr[i].len = type == DNS_T_A ? 4 : 16;
		rr[i].data = xmalloc(rr[i].len);
		memcpy(rr[i].data, type == DNS_T_A ? (const void *)&a4[i].ipaddr :
		    (const void *)&a6[i].ip6addr, rr[i].len);
	}
	*out = rr;
	*n = (size_t)na;
	return DNS_OK;
}

static enum dns_result
parse_txt(const unsigned char *abuf, int alen, struct dns_rr **out, size_t *n)
{
	struct ares_txt_ext *txt = NULL, *t, *first;
	struct dns_rr *rr = NULL;
	size_t count = 0, len;
	int st;

	st = ares_parse_txt_reply_ext(abuf, alen, &txt);
	if (st == ARES_ENODATA)
		return DNS_NODATA;
	if (st != ARES_SUCCESS)
		return DNS_SERVFAIL;
	for (t = txt; t != NULL && count < PARSE_RR_MAX; ) {
		/* One record: its first string, then strings until the next record_start.
		 * Lengths are bounded by the 64 KiB DNS message they come from. */
		first = t;
		len = 0;
		do {
			len += t->length;
			t = t->next;
		} while (t != NULL && !t->record_start);
		rr = xreallocarray(rr, count + 1, sizeof(*rr));
		rr[count].data = xmalloc(len + 1);
		rr[count].len = 0;
		rr[count].pref = 0;
		for (; first != t; first = first->next) {
			memcpy(rr[count].data + rr[count].len, first->txt, first->length);
			rr[count].len += first->length;
		}
		rr[count].data[len] = '\0';
		count++;
	}
	ares_free_data(txt);
	if (count == 0)
		return DNS_NODATA;
	*out = rr;
	*n = count;
	return DNS_OK;
}

static void
add_name(struct dns_rr **rr, size_t *count, const char *name, unsigned pref)
{
	char *s;

	if (*count >= PARSE_RR_MAX)
		return;
	s = lower_name(name);
	*rr = xreallocarray(*rr, *count + 1, sizeof(**rr));
	(*rr)[*count].data = (unsigned char *)s;
	(*rr)[*count].len = strlen(s);
	(*rr)[*count].pref = pref;
	(*count)++;
}

static enum dns_result
parse_mx(const unsigned char *abuf, int alen, struct dns_rr **out, size_t *n)
{
	struct ares_mx_reply *mx = NULL, *m;
	struct dns_rr *rr = NULL;
	size_t count = 0;
	int st;

	st = ares_parse_mx_reply(abuf, alen, &mx);
	if (st == ARES_ENODATA)
		return DNS_NODATA;
	if (st != ARES_SUCCESS)
		return DNS_SERVFAIL;
	for (m = mx; m != NULL; m = m->next)
		add_name(&rr, &count, m->host, m->priority);
	ares_free_data(mx);
	if (count == 0)
		return DNS_NODATA;
	*out = rr;
	*n = count;
	return DNS_OK;
}

static enum dns_result
parse_ptr(const unsigned char *abuf, int alen, struct dns_rr **out, size_t *n)
{
	/* c-ares copies an address into the hostent; the query was by name, so a
	 * placeholder does. Every PTR target is in h_aliases. */
	static const unsigned char any[4];
	struct hostent *he = NULL;
	struct dns_rr *rr = NULL;
	size_t count = 0;
	char **a;
	int st;

	st = ares_parse_ptr_reply(abuf, alen, any, sizeof(any), AF_INET, &he);
	if (st == ARES_ENODATA)
		return DNS_NODATA;
	if (st != ARES_SUCCESS)
		return DNS_SERVFAIL;
	for (a = he->h_aliases; a != NULL && *a != NULL; a++)
		add_name(&rr, &count, *a, 0);
	if (count == 0 && he->h_name != NULL)
		add_name(&rr, &count, he->h_name, 0);
	ares_free_hostent(he);
	if (count == 0)
		return DNS_NODATA;
	*out = rr;
	*n = count;
	return DNS_OK;
}

enum dns_result
resolver_answer_parse(int status, enum dns_type type, const unsigned char *abuf, int alen,
    struct dns_rr **rr, size_t *n)
{
	*rr = NULL;
	*n = 0;
	switch (status) {
	case ARES_SUCCESS:
		break;
	case ARES_ENOTFOUND:
	case ARES_EBADNAME:	/* cannot be encoded, so cannot exist */
		return DNS_NXDOMAIN;
	case ARES_ENODATA:
		return DNS_NODATA;
	case ARES_ETIMEOUT:
		return DNS_TIMEOUT;
	default:		/* SERVFAIL, REFUSED, FORMERR, NOTIMP, bad answers, ... */
		return DNS_SERVFAIL;
	}
	if (abuf == NULL || alen <= 0)
		return DNS_SERVFAIL;
	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		return parse_a(type, abuf, alen, rr, n);
	case DNS_T_TXT:
		return parse_txt(abuf, alen, rr, n);
	case DNS_T_MX:
		return parse_mx(abuf, alen, rr, n);
	case DNS_T_PTR:
		return parse_ptr(abuf, alen, rr, n);
	}
	return DNS_SERVFAIL;
}

/* Skips the (possibly compressed) name at off; the offset after it, or 0. */
static size_t
skip_name(const unsigned char *m, size_t len, size_t off)
{
	unsigned labels;

	for (labels = 0; labels <= DNS_NAME_MAX / 2 + 1 && off < len; labels++) {
		if ((m[off] & 0xC0) == 0xC0)	/* a pointer ends the name */
			return off + 2 <= len ? off + 2 : 0;
		if ((m[off] & 0xC0) != 0)	/* RFC 6891 retired the other types */
			return 0;
		if (m[off] == 0)
			return off + 1;
		off += 1u + m[off];
	}
	return 0;
}

static unsigned
get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* RFC 2181 8: a TTL with the top bit set is read as zero. */
static unsigned
get_ttl(const unsigned char *p)
{
	uint32_t t = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

	return t & 0x80000000u ? 0 : (unsigned)t;
}

unsigned
resolver_answer_ttl(int status, const unsigned char *m, int mlen)
{
	size_t len = mlen > 0 ? (size_t)mlen : 0, off = 12, i, rdlen;
	unsigned qd, an, ns, ttl = UINT32_MAX, t, type;
	int negative = status == ARES_ENOTFOUND || status == ARES_ENODATA;

	if (m == NULL || len < 12 || (status != ARES_SUCCESS && !negative))
		return 0;
	qd = get16(m + 4);
	an = get16(m + 6);
	ns = get16(m + 8);
	for (i = 0; i < qd; i++)
		if ((off = skip_name(m, len, off)) == 0 || (off += 4) > len)
			return 0;
	/* answers (every record of the chain counts), then the authority section,
	 * whose SOA bounds a negative answer: min(its TTL, its MINIMUM), RFC 2308 5 */
	for (i = 0; i < (size_t)an + ns; i++) {
		if ((off = skip_name(m, len, off)) == 0 || len - off < 10)
			return 0;
		type = get16(m + off);
		t = get_ttl(m + off + 4);
		rdlen = get16(m + off + 8);
		off += 10;
		if (rdlen > len - off)
			return 0;
		if (i < an && !negative && t < ttl)
			ttl = t;
		if (i >= an && negative && type == ns_t_soa && rdlen >= 20) {
			unsigned minimum = get_ttl(m + off + rdlen - 4);

			t = t < minimum ? t : minimum;
			if (t < ttl)
				ttl = t;
		}
		off += rdlen;
	}
	return ttl == UINT32_MAX ? 0 : ttl;
}

static int64_t
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static void
store(struct resolver_query *q, enum dns_result res, const struct dns_rr *rr, size_t n)
{
	q->stored = dns_cache_put(q->cache, q->name, strlen(q->name), q->type, res, rr, n);
	event_active(q->done, EV_TIMEOUT, 0);
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct resolver_query *q = arg;
	struct dns_rr *rr;
	enum dns_result res;
	size_t n;

	q->in_ares = 0;
	if (status == ARES_EDESTRUCTION || q->cancelled) {
		unlink_query(q);
		free_query(q);
		return;
	}
	res = resolver_answer_parse(status, q->type, abuf, alen, &rr, &n);
	if (q->r->answers != NULL)
		answer_cache_put(q->r->answers, q->name, q->type, res, rr, n,
	    resolver_answer_ttl(status, abuf, alen), now_mono());
	store(q, res, rr, n);
	resolver_answer_free(rr, n);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct resolver_query *q = arg;
	resolver_cb *cb = q->cb;
	void *cbarg = q->arg;
	int stored = q->stored;

	unlink_query(q);
	free_query(q);
	cb(cbarg, stored);
}

/* Whether c-ares can send name as it is: printable ASCII, no escape, no empty label. */
static int
name_sendable(const char *name)
{
	const char *p;
	int label = 0;

	for (p = name; *p != '\0'; p++) {
		if (*p <= ' ' || *p > '~' || *p == '\\')
			return 0;
		if (*p == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else
			label++;
	}
	return label > 0;
}

struct resolver_query *
resolver_fill(struct resolver *r, struct dns_cache *cache, resolver_cb *cb, void *arg)
{
	struct resolver_query *q;
	const struct dns_rrset *known;
	const char *name;
	enum dns_type type;

	if (dns_cache_wanted(cache, &name, &type) != 0)
		return NULL;
	q = xcalloc(1, sizeof(*q));
	q->r = r;
	q->cache = cache;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->done = event_new(r->base, -1, 0, on_done, q);
	if (q->done == NULL)
		log_fatal("event=oom what=libevent");
	q->next = r->queries;
	if (q->next != NULL)
		q->next->prev = q;
	r->queries = q;
	r->npending++;
	if (!name_sendable(q->name)) {
		store(q, DNS_NXDOMAIN, NULL, 0);
		return q;
	}
	if (r->answers != NULL &&
	    (known = answer_cache_get(r->answers, q->name, type, now_mono())) != NULL) {
		store(q, known->result, known->rr, known->n);
		return q;
	}
	q->in_ares = 1;
	ares_query(r->channel, q->name, ns_c_in, (int)type, on_answer, q);
	rearm_timer(r);
	return q;
}

void
resolver_cancel(struct resolver_query *q)
{
	if (q == NULL)
		return;
	q->cancelled = 1;
	q->cache = NULL;
	if (q->in_ares)
		return;		/* on_answer frees it */
	event_del(q->done);
	unlink_query(q);
	free_query(q);
}

size_t
resolver_pending(const struct resolver *r)
{
	return r->npending;
}

struct resolver *
resolver_new(struct event_base *base, const char *servers, unsigned timeout_ms,
    unsigned tries, char *err, size_t errsz)
{
	struct ares_options opts;
	struct resolver *r;
	int st, mask;

	if (servers != NULL && strnlen(servers, RESOLVER_SERVERS_MAX + 1) >
	    RESOLVER_SERVERS_MAX) {
		snprintf(err, errsz, "dns servers list longer than %d bytes",
		    RESOLVER_SERVERS_MAX);
		return NULL;
	}
	if ((st = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errsz, "c-ares: %s", ares_strerror(st));
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->base = base;
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = on_sock_state;
	opts.sock_state_cb_data = r;
	opts.timeout = (int)timeout_ms;
	opts.tries = (int)tries;
	opts.flags = ARES_FLAG_EDNS;
	opts.ednspsz = RESOLVER_EDNS_PAYLOAD;
	mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ;
	if ((st = ares_init_options(&r->channel, &opts, mask)) != ARES_SUCCESS) {
		snprintf(err, errsz, "c-ares: %s", ares_strerror(st));
		free(r);
		ares_library_cleanup();
		return NULL;
	}
	r->channel_ok = 1;
	if (servers != NULL && servers[0] != '\0' &&
	    (st = ares_set_servers_ports_csv(r->channel, servers)) != ARES_SUCCESS) {
		snprintf(err, errsz, "dns servers \"%s\": %s (expected ip:port,ip:port)",
		    servers, ares_strerror(st));
		resolver_free(r);
		return NULL;
	}
	r->timer = evtimer_new(base, on_timer, r);
	if (r->timer == NULL)
		log_fatal("event=oom what=libevent");
	return r;
}

void
resolver_use_answers(struct resolver *r, struct answer_cache *answers)
{
	r->answers = answers;
}

void
resolver_free(struct resolver *r)
{
	struct resolver_query *q, *next;
	size_t i;

	if (r == NULL)
		return;
	/* Answers stored but not yet delivered: drop them. */
	for (q = r->queries; q != NULL; q = next) {
		next = q->next;
		if (!q->in_ares) {
			unlink_query(q);
			free_query(q);
		}
	}
	r->destroying = 1;
	if (r->channel_ok)
		ares_destroy(r->channel);	/* on_answer(EDESTRUCTION) frees the rest */
	for (i = 0; i < r->nsocks; i++)
		if (r->socks[i].ev != NULL)
			event_free(r->socks[i].ev);
	free(r->socks);
	if (r->timer != NULL)
		event_free(r->timer);
	free(r);
	ares_library_cleanup();
}
