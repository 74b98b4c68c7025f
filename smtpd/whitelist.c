/*
 * whitelist.c - whitelist entries checked against how a message is authenticated;
 * see whitelist.h. Each entry reduces to one condition (never, "neither SPF nor DMARC
 * fails", or "authenticated under DOMAIN"); matching an entry and matching a standing
 * evaluate the same conditions, so the two cannot disagree.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/idna.h"
#include "common/netaddr.h"
#include "smtpd/whitelist.h"

/* id is domain, or a parent of it (at a label boundary). */
static bool
equal_or_parent(const char *id, const char *domain)
{
	size_t il = strlen(id), dl = strlen(domain);

	if (il == 0 || il > dl)
		return false;
	if (strcasecmp(domain + (dl - il), id) != 0)
		return false;
	return il == dl || domain[dl - il - 1] == '.';
}

size_t
whitelist_auth_domain(const struct auth_result *auth, char out[DNS_NAME_MAX + 1])
{
	char from[DNS_NAME_MAX + 1];
	size_t i;
	bool ok = false;

	out[0] = '\0';
	if (auth == NULL)
		return 0;
	if (auth->dmarc.result == DMARC_RES_PASS) {
		if (auth->dmarc.author[0] == '\0')
			return 0;
		return (size_t)snprintf(out, DNS_NAME_MAX + 1, "%s", auth->dmarc.author);
	}
	/* a failed or undecided DMARC check leaves nothing to fall back on */
	if (auth->dmarc.result != DMARC_RES_NONE)
		return 0;
	if (auth->from.err != FROM_OK || auth->from.addr[0].literal)
		return 0;
	/* SPF and DKIM name their domains with A-labels (RFC 8616): so must the From
	 * domain they are compared with, and the domain an entry records. */
	if (idna_to_ascii(auth->from.addr[0].domain, strlen(auth->from.addr[0].domain), from,
	    sizeof(from), NULL) != IDNA_OK)
		return 0;
	if (auth->spf.result == SPF_PASS && equal_or_parent(auth->spf.domain, from))
		ok = true;
	for (i = 0; i < auth->ndkim && i < DKIM_SIGS_MAX && !ok; i++)
		if (auth->dkim[i].result == DKIM_PASS && equal_or_parent(auth->dkim[i].d, from))
			ok = true;
	if (!ok)
		return 0;
	return (size_t)snprintf(out, DNS_NAME_MAX + 1, "%s", from);
}

void
whitelist_origin(const struct auth_result *auth, const struct sockaddr *client,
    struct whitelist_origin *out)
{
	char domain[DNS_NAME_MAX + 1];
	struct netaddr a;

	memset(out, 0, sizeof(*out));
	whitelist_auth_domain(auth, domain);
	snprintf(out->auth_domain, sizeof(out->auth_domain), "%s", domain);
	if (client != NULL && netaddr_from_sockaddr(client, &a) == 0)
		netaddr_network(&a, out->client_net, sizeof(out->client_net));
}

int
whitelist_client_net(const char *addr, size_t len, char out[STORE_NET_MAX])
{
	struct netaddr a;

	out[0] = '\0';
	if (netaddr_parse(addr, len, &a) != 0)
		return -1;
	netaddr_network(&a, out, STORE_NET_MAX);
	return 0;
}

enum cond { COND_NEVER, COND_UNAUTH, COND_DOMAIN };

/* What must hold at the end of data for entry e to count. */
static enum cond
entry_condition(const struct store_wl_entry *e, const struct netaddr *client)
{
	struct netaddr_net net;
	const char *cn = e->client_net != NULL ? e->client_net : "";

	if (e->action != STORE_WL_ALLOW)
		return COND_NEVER;	/* a block is never a reason to let mail in */
	if (e->auth_domain != NULL && e->auth_domain[0] != '\0')
		return COND_DOMAIN;
	if (cn[0] == '\0')
		return COND_UNAUTH;	/* made by hand: see whitelist.h */
	if (client == NULL || netaddr_net_parse(cn, strlen(cn), &net) != NETADDR_NET_OK ||
	    !netaddr_net_contains(&net, client))
		return COND_NEVER;
	return COND_UNAUTH;
}

const struct store_wl_entry *
whitelist_blocked(const struct store_wl_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].action == STORE_WL_BLOCK)
			return &v[i];
	return NULL;
}

static bool
unauth_holds(const struct auth_result *auth)
{
	if (auth == NULL)
		return true;	/* nothing ran, so nothing failed */
	return auth->spf.result != SPF_FAIL && auth->dmarc.result != DMARC_RES_FAIL;
}

const struct store_wl_entry *
whitelist_match(const struct store_wl_entry *v, size_t n, const struct auth_result *auth,
    const struct sockaddr *client)
{
	char domain[DNS_NAME_MAX + 1];
	struct netaddr a;
	bool have_client = client != NULL && netaddr_from_sockaddr(client, &a) == 0;
	size_t i;

	whitelist_auth_domain(auth, domain);
	for (i = 0; i < n; i++) {
		switch (entry_condition(&v[i], have_client ? &a : NULL)) {
		case COND_NEVER:
			break;
		case COND_UNAUTH:
			if (unauth_holds(auth))
				return &v[i];
			break;
		case COND_DOMAIN:
			if (domain[0] != '\0' && strcasecmp(domain, v[i].auth_domain) == 0)
				return &v[i];
			break;
		}
	}
	return NULL;
}

static int
cmp_domain(const void *a, const void *b)
{
	return strcmp(a, b);
}

void
whitelist_standing(const struct store_wl_entry *v, size_t n, const struct sockaddr *client,
    struct whitelist_standing *out)
{
	char d[STORE_DOMAIN_MAX + 1];
	struct netaddr a;
	bool have_client = client != NULL && netaddr_from_sockaddr(client, &a) == 0;
	size_t i, j, k;

	memset(out, 0, sizeof(*out));
	if (n > WHITELIST_CANDIDATES_MAX)
		n = WHITELIST_CANDIDATES_MAX;
	for (i = 0; i < n; i++) {
		switch (entry_condition(&v[i], have_client ? &a : NULL)) {
		case COND_NEVER:
			break;
		case COND_UNAUTH:
			out->unauthenticated = true;
			break;
		case COND_DOMAIN:
			/* lower case, so equal standings compare equal byte for byte */
			for (k = 0; k < STORE_DOMAIN_MAX && v[i].auth_domain[k] != '\0'; k++)
				d[k] = (char)(v[i].auth_domain[k] >= 'A' &&
				    v[i].auth_domain[k] <= 'Z' ? v[i].auth_domain[k] + 32 :
				    v[i].auth_domain[k]);
			d[k] = '\0';
			for (j = 0; j < out->ndomains; j++)
				if (strcmp(out->domain[j], d) == 0)
					break;
			if (j == out->ndomains)
				memcpy(out->domain[out->ndomains++], d, k + 1);
			break;
		}
	}
	qsort(out->domain, out->ndomains, sizeof(out->domain[0]), cmp_domain);
}

bool
whitelist_standing_equal(const struct whitelist_standing *a,
    const struct whitelist_standing *b)
{
	size_t i;

	if (a->unauthenticated != b->unauthenticated || a->ndomains != b->ndomains)
		return false;
	for (i = 0; i < a->ndomains; i++)
		if (strcmp(a->domain[i], b->domain[i]) != 0)
			return false;
	return true;
}

bool
whitelist_standing_match(const struct whitelist_standing *s,
    const struct auth_result *auth)
{
	char domain[DNS_NAME_MAX + 1];
	size_t i;

	if (s->unauthenticated && unauth_holds(auth))
		return true;
	if (whitelist_auth_domain(auth, domain) == 0)
		return false;
	for (i = 0; i < s->ndomains; i++)
		if (strcasecmp(s->domain[i], domain) == 0)
			return true;
	return false;
}
