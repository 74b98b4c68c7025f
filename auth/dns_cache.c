/*
 * dns_cache.c - per-message DNS answer cache; see dns.h for why evaluations restart.
 * A linear array: one message asks a few dozen questions at most (DNS_CACHE_MAX).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/dns.h"
#include "common/xmalloc.h"

struct entry {
	char		*name;	/* lower case, no trailing dot */
	enum dns_type	 type;
	struct dns_rrset set;
};

struct dns_cache {
	struct entry	*e;
	size_t		 n;
	char		 wanted[DNS_NAME_MAX + 1];
	enum dns_type	 wanted_type;
	int		 has_wanted;
};

static const struct dns_rrset nx_set = { DNS_NXDOMAIN, 0, NULL, 0 };

struct dns_cache *
dns_cache_new(void)
{
	return xcalloc(1, sizeof(struct dns_cache));
}

void
dns_cache_free(struct dns_cache *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->e[i].set.n; j++)
			free(c->e[i].set.rr[j].data);
		free(c->e[i].set.rr);
		free(c->e[i].name);
	}
	free(c->e);
	free(c);
}

static size_t
trim_dot(const char *name, size_t len)
{
	return len > 0 && name[len - 1] == '.' ? len - 1 : len;
}

static struct entry *
find(const struct dns_cache *c, const char *name, size_t len, enum dns_type type)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->e[i].type == type && strlen(c->e[i].name) == len &&
		    strncasecmp(c->e[i].name, name, len) == 0)
			return &c->e[i];
	return NULL;
}

const struct dns_rrset *
dns_cache_get(struct dns_cache *c, const char *name, size_t len, enum dns_type type)
{
	struct entry *e;
	size_t i;

	len = trim_dot(name, len);
	if (len == 0 || len > DNS_NAME_MAX || memchr(name, '\0', len) != NULL)
		return &nx_set;
	if ((e = find(c, name, len, type)) != NULL)
		return &e->set;
	for (i = 0; i < len; i++)
		c->wanted[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	c->wanted[len] = '\0';
	c->wanted_type = type;
	c->has_wanted = 1;
	return NULL;
}

int
dns_cache_wanted(const struct dns_cache *c, const char **name, enum dns_type *type)
{
	if (!c->has_wanted)
		return -1;
	*name = c->wanted;
	*type = c->wanted_type;
	return 0;
}

int
dns_cache_put(struct dns_cache *c, const char *name, size_t len, enum dns_type type,
    enum dns_result result, const struct dns_rr *rr, size_t n)
{
	struct entry *e;
	size_t i;

	len = trim_dot(name, len);
	if (len == 0 || len > DNS_NAME_MAX)
		return 0;	/* never asked: dns_cache_get answers NXDOMAIN itself */
	if (find(c, name, len, type) != NULL)
		return 0;
	if (c->n >= DNS_CACHE_MAX)
		return -1;
	c->e = xreallocarray(c->e, c->n + 1, sizeof(*c->e));
	e = &c->e[c->n++];
	e->name = xstrndup(name, len);
	for (i = 0; i < len; i++)
		if (e->name[i] >= 'A' && e->name[i] <= 'Z')
			e->name[i] = (char)(e->name[i] + 32);
	e->type = type;
	if (result == DNS_OK && n == 0)
		result = DNS_NODATA;
	if (result != DNS_OK)
		n = 0;
	e->set.truncated = n > DNS_RR_MAX;
	if (n > DNS_RR_MAX)
		n = DNS_RR_MAX;
	e->set.result = result;
	e->set.n = n;
	e->set.rr = n ? xcalloc(n, sizeof(struct dns_rr)) : NULL;
	for (i = 0; i < n; i++) {
		e->set.rr[i].data = xmalloc(rr[i].len + 1);
		memcpy(e->set.rr[i].data, rr[i].data, rr[i].len);
		e->set.rr[i].data[rr[i].len] = '\0';
		e->set.rr[i].len = rr[i].len;
		e->set.rr[i].pref = rr[i].pref;
	}
	if (c->has_wanted && c->wanted_type == type && strlen(c->wanted) == len &&
	    strncasecmp(c->wanted, name, len) == 0)
		c->has_wanted = 0;
	return 0;
}

size_t
dns_cache_size(const struct dns_cache *c)
{
	return c->n;
}
