/*
 * dnsq.c - one DNS question on the resolver, with its own one-answer cache; see
 * dnsq.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "auth/resolver.h"
#include "common/xmalloc.h"
#include "smtpd/dnsq.h"

/* The synthetic answer when the cache could not store one (it holds one question,
 * so this does not happen; a temporary failure is the safe reading). */
static const struct dns_rrset servfail = { DNS_SERVFAIL, 0, NULL, 0 };

struct dnsq {
	struct dns_cache	*cache;
	struct resolver_query	*q;
	char			 name[DNS_NAME_MAX + 1];
	size_t			 len;
	enum dns_type		 type;
	dnsq_cb			*cb;
	void			*arg;
};

static void
on_answer(void *arg, int stored)
{
	struct dnsq *q = arg;
	const struct dns_rrset *set;

	q->q = NULL;	/* the resolver has released its handle */
	set = stored == 0 ? dns_cache_get(q->cache, q->name, q->len, q->type) : NULL;
	q->cb(q->arg, set != NULL ? set : &servfail);
}

struct dnsq *
dnsq_ask(struct resolver *r, const char *name, size_t len, enum dns_type type,
    dnsq_cb *cb, void *arg)
{
	struct dnsq *q;

	if (len == 0 || len > DNS_NAME_MAX)
		return NULL;
	q = xcalloc(1, sizeof(*q));
	q->cache = dns_cache_new();
	if (dns_cache_get(q->cache, name, len, type) != NULL) {
		/* answered by the cache itself: not a name that can be asked */
		dns_cache_free(q->cache);
		free(q);
		return NULL;
	}
	memcpy(q->name, name, len);
	q->name[len] = '\0';
	q->len = len;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	q->q = resolver_fill(r, q->cache, on_answer, q);
	if (q->q == NULL) {
		/* the cache wants nothing: cannot happen after a miss */
		dns_cache_free(q->cache);
		free(q);
		return NULL;
	}
	return q;
}

void
dnsq_free(struct dnsq *q)
{
	if (q == NULL)
		return;
	resolver_cancel(q->q);
	dns_cache_free(q->cache);
	free(q);
}
