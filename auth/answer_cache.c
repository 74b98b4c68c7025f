/*
 * answer_cache.c - DNS answers shared across messages, direct-mapped; see
 * answer_cache.h. Each slot owns one allocation: the name, the record array and the
 * record bytes, so replacing or freeing a slot is one free().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "auth/answer_cache.h"
#include "common/xmalloc.h"

struct slot {
	void		*mem;		/* NULL: empty */
	const char	*name;		/* lower case, in mem */
	enum dns_type	 type;
	int64_t		 expires;
	struct dns_rrset set;		/* rr in mem */
};

struct answer_cache {
	unsigned char	 key[crypto_shorthash_KEYBYTES];
	struct slot	 slot[ANSWER_CACHE_SLOTS];
};

struct answer_cache *
answer_cache_new(void)
{
	struct answer_cache *c = xcalloc(1, sizeof(*c));

	crypto_shorthash_keygen(c->key);
	return c;
}

void
answer_cache_free(struct answer_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < ANSWER_CACHE_SLOTS; i++)
		free(c->slot[i].mem);
	free(c);
}

/* The slot of (name, type): a keyed hash of the type and the lower-case name. */
static struct slot *
slot_of(struct answer_cache *c, const char *name, enum dns_type type)
{
	unsigned char buf[DNS_NAME_MAX + 2], out[crypto_shorthash_BYTES];
	size_t len = strlen(name), i;
	uint64_t h;

	if (len > DNS_NAME_MAX)
		len = DNS_NAME_MAX;
	buf[0] = (unsigned char)type;
	for (i = 0; i < len; i++)
		buf[i + 1] = (unsigned char)((name[i] >= 'A' && name[i] <= 'Z') ?
		    name[i] + 32 : name[i]);
	crypto_shorthash(out, buf, len + 1, c->key);
	memcpy(&h, out, sizeof(h));
	return &c->slot[h % ANSWER_CACHE_SLOTS];
}

void
answer_cache_put(struct answer_cache *c, const char *name, enum dns_type type,
    enum dns_result result, const struct dns_rr *rr, size_t n, unsigned ttl, int64_t now)
{
	struct slot *s;
	size_t namelen = strlen(name), bytes = 0, i;
	struct dns_rr *copy;
	char *p;

	if (ttl == 0 || namelen == 0 || namelen > DNS_NAME_MAX)
		return;
	if (result == DNS_OK ? n == 0 || n > DNS_RR_MAX :
	    result != DNS_NXDOMAIN && result != DNS_NODATA)
		return;
	if (result != DNS_OK)
		n = 0;
	for (i = 0; i < n; i++) {
		if (rr[i].len > ANSWER_CACHE_ENTRY_MAX - bytes)
			return;
		bytes += rr[i].len + 1;		/* with the NUL dns.h promises */
		if (bytes > ANSWER_CACHE_ENTRY_MAX)
			return;
	}
	if (ttl > ANSWER_CACHE_TTL_MAX)
		ttl = ANSWER_CACHE_TTL_MAX;
	s = slot_of(c, name, type);
	free(s->mem);
	/* bounded: DNS_RR_MAX records, ANSWER_CACHE_ENTRY_MAX bytes, a name */
	s->mem = xmalloc(n * sizeof(struct dns_rr) + bytes + namelen + 1);
	copy = s->mem;
	p = (char *)(copy + n);
	for (i = 0; i < n; i++) {
		copy[i].data = (unsigned char *)p;
		memcpy(p, rr[i].data, rr[i].len);
		p[rr[i].len] = '\0';
		copy[i].len = rr[i].len;
		copy[i].pref = rr[i].pref;
		p += rr[i].len + 1;
	}
	for (i = 0; i < namelen; i++)
		p[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	p[namelen] = '\0';
	s->name = p;
	s->type = type;
	s->expires = now + (int64_t)ttl;
	s->set.result = result;
	s->set.n = n;
	s->set.rr = n > 0 ? copy : NULL;
	s->set.truncated = 0;
}

const struct dns_rrset *
answer_cache_get(struct answer_cache *c, const char *name, enum dns_type type, int64_t now)
{
	struct slot *s = slot_of(c, name, type);

	if (s->mem == NULL || s->type != type || strcasecmp(s->name, name) != 0)
		return NULL;
	if (now >= s->expires) {
		free(s->mem);
		memset(s, 0, sizeof(*s));
		return NULL;
	}
	return &s->set;
}
