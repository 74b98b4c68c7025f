/*
 * proxies.c - trusted reverse proxies and the X-Forwarded-For walk; see proxies.h.
 * Addresses and networks are common/netaddr.h's, so a peer, an element and a
 * configured network compare in one canonical form (an IPv4-mapped IPv6 address is
 * its IPv4 address).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/netaddr.h"
#include "common/xmalloc.h"
#include "release-web/proxies.h"

/* RFC 9110 section 5.6.3: OWS is spaces and horizontal tabs. */
static bool
ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

void
proxies_clear(struct proxies *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static int
fail(struct proxies *out, const char **why, const char *reason)
{
	proxies_clear(out);
	*why = reason;
	return -1;
}

int
proxies_parse(const char *buf, size_t len, struct proxies *out, const char **why)
{
	size_t i = 0, s, e;

	out->v = NULL;
	out->n = 0;
	while (i < len && ows(buf[i]))
		i++;
	if (i == len)
		return 0;	/* empty: trust no one */
	for (;;) {
		while (i < len && ows(buf[i]))
			i++;
		s = i;
		while (i < len && buf[i] != ',')
			i++;
		e = i;
		while (e > s && ows(buf[e - 1]))
			e--;
		if (e == s)
			return fail(out, why, "empty item");
		if (out->n == PROXIES_MAX)
			return fail(out, why, "more than 256 items");
		out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		switch (netaddr_net_parse(buf + s, e - s, &out->v[out->n])) {
		case NETADDR_NET_OK:
			break;
		case NETADDR_NET_SYNTAX:
			return fail(out, why, "an item is not an address or ADDRESS/PREFIX");
		case NETADDR_NET_PREFIX:
			return fail(out, why, "a prefix is out of range for its family");
		case NETADDR_NET_HOST_BITS:
			return fail(out, why, "a network has bits set past its prefix");
		}
		out->n++;
		if (i == len)
			return 0;
		i++;	/* the comma */
	}
}

bool
proxies_trusted(const struct proxies *p, const struct netaddr *a)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (netaddr_net_contains(&p->v[i], a))
			return true;
	return false;
}

/*
 * The right-most element of (buf, *end): parses it into a and sets *end to the
 * offset of the comma before it, or to 0 and *last when it is the field's first.
 * Scans back no further than PROXIES_ELEM_MAX characters.
 */
static enum proxies_err
element_before(const char *buf, size_t *end, bool *last, struct netaddr *a,
    const char **why)
{
	size_t e = *end, s = e, n;

	while (s > 0 && buf[s - 1] != ',') {
		if (e - s == PROXIES_ELEM_MAX) {
			*why = "element too long";
			return PROXIES_TOO_LONG;
		}
		s--;
	}
	*last = s == 0;
	*end = s == 0 ? 0 : s - 1;
	while (s < e && ows(buf[s]))
		s++;
	n = e;
	while (n > s && ows(buf[n - 1]))
		n--;
	if (n == s) {
		*why = "empty element";
		return PROXIES_SYNTAX;
	}
	if (netaddr_parse(buf + s, n - s, a) != 0) {
		*why = "element is not an address literal";
		return PROXIES_SYNTAX;
	}
	return PROXIES_OK;
}

enum proxies_err
proxies_client(const struct proxies *p, const struct netaddr *peer,
    const struct proxies_field *f, size_t nf, struct netaddr *client, const char **why)
{
	struct netaddr a;
	enum proxies_err e;
	size_t k, end, nread = 0;
	bool last;

	*client = *peer;
	if (!proxies_trusted(p, peer))
		return PROXIES_OK;
	for (k = nf; k > 0; k--) {
		end = f[k - 1].len;
		do {
			if (nread == PROXIES_READ_MAX) {
				*client = *peer;
				*why = "more than 16 elements to read";
				return PROXIES_TOO_MANY;
			}
			nread++;
			e = element_before(f[k - 1].buf, &end, &last, &a, why);
			if (e != PROXIES_OK) {
				*client = *peer;
				return e;
			}
			*client = a;
			if (!proxies_trusted(p, &a))
				return PROXIES_OK;
		} while (!last);
	}
	return PROXIES_OK;	/* every one a proxy: the left-most */
}
