/*
 * policy.c - signals, score and verdict of one transaction; see policy.h. One table
 * names every signal and its config field; the verdict is a sum and two comparisons.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "common/netaddr.h"
#include "smtpd/policy.h"
#include "smtpd/whitelist.h"

/* RFC 1035 2.3.4 / RFC 1123 2.1: a host label. */
#define LABEL_MAX 63

static const struct {
	const char	*name;
	size_t		 field;		/* its weight in struct config */
} signals[POLICY_NSIGNALS] = {
	[POLICY_SPF_FAIL] = { "spf_fail", offsetof(struct config, weight_spf_fail) },
	[POLICY_SPF_SOFTFAIL] = { "spf_softfail", offsetof(struct config, weight_spf_softfail) },
	[POLICY_DKIM_FAIL] = { "dkim_fail", offsetof(struct config, weight_dkim_fail) },
	[POLICY_NO_AUTH] = { "no_auth", offsetof(struct config, weight_no_auth) },
	[POLICY_DMARC_FAIL_NONE] = { "dmarc_fail_none",
	    offsetof(struct config, weight_dmarc_fail_none) },
	[POLICY_DMARC_FAIL_QUARANTINE] = { "dmarc_fail_quarantine",
	    offsetof(struct config, weight_dmarc_fail_quarantine) },
	[POLICY_DMARC_FAIL_REJECT] = { "dmarc_fail_reject",
	    offsetof(struct config, weight_dmarc_fail_reject) },
	[POLICY_NO_PTR] = { "no_ptr", offsetof(struct config, weight_no_ptr) },
	[POLICY_FCRDNS_MISMATCH] = { "fcrdns_mismatch",
	    offsetof(struct config, weight_fcrdns_mismatch) },
	[POLICY_DNSBL] = { "dnsbl", offsetof(struct config, weight_dnsbl) },
	[POLICY_HELO_NOT_FQDN] = { "helo_not_fqdn",
	    offsetof(struct config, weight_helo_not_fqdn) },
	[POLICY_HELO_IP_MISMATCH] = { "helo_ip_mismatch",
	    offsetof(struct config, weight_helo_ip_mismatch) },
	[POLICY_HELO_OURS] = { "helo_ours", offsetof(struct config, weight_helo_ours) },
	[POLICY_FIRST_CONTACT] = { "first_contact",
	    offsetof(struct config, weight_first_contact) },
	[POLICY_UNUSUAL_ORIGIN] = { "unusual_origin",
	    offsetof(struct config, weight_unusual_origin) },
	[POLICY_FROM_SERVED_UNAUTH] = { "from_served_unauth",
	    offsetof(struct config, weight_from_served_unauth) },
};

/* Every word of the reasons text fits: the fixed names, DNSBL_ZONES_MAX zones, and a
 * weight of up to 10 digits each. */
_Static_assert(POLICY_REASONS_MAX >= 20 + POLICY_NSIGNALS * (24 + 12) +
    DNSBL_ZONES_MAX * (DNSBL_ZONE_MAX + 6 + 12), "reasons text may not fit");
_Static_assert(POLICY_REASONS_MAX <= STORE_REASONS_MAX, "reasons must fit the store");
_Static_assert(POLICY_NSIGNALS <= 32, "signal bits must fit an unsigned");

const char *
policy_signal_name(enum policy_signal s)
{
	if ((unsigned)s >= POLICY_NSIGNALS)
		return NULL;
	return signals[s].name;
}

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_RELAY:
		return "relay";
	case POLICY_QUARANTINE:
		return "quarantine";
	case POLICY_REJECT:
		return "reject";
	}
	return "?";
}

static bool
served_by_config(const void *arg, const char *name, size_t len)
{
	return config_domain(arg, name, len) != NULL;
}

void
policy_params_from_config(const struct config *cf, struct policy_params *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < POLICY_NSIGNALS; i++)
		p->weight[i] = *(const unsigned *)(const void *)((const char *)cf +
		    signals[i].field);
	p->quarantine_threshold = cf->quarantine_threshold;
	p->reject_threshold = cf->reject_threshold;
	p->hostname = cf->hostname;
	p->served = served_by_config;
	p->served_arg = cf;
}

/* Whether (name, len) is our hostname or a served domain; one final dot allowed. */
static bool
ours(const struct policy_params *p, const char *name, size_t len)
{
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0)
		return false;
	if (p->hostname != NULL && strlen(p->hostname) == len &&
	    strncasecmp(p->hostname, name, len) == 0)
		return true;
	return p->served != NULL && p->served(p->served_arg, name, len);
}

/* RFC 1123 2.1 host name with at least two labels, the last not all digits. */
static bool
fqdn(const char *name, size_t len)
{
	size_t i, label = 0, labels = 0;
	bool digits = true;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		char c = i < len ? name[i] : '.';

		if (c == '.') {
			if (label == 0 || name[i - 1] == '-')
				return false;
			labels++;
			label = 0;
			continue;
		}
		if (label == 0)
			digits = true;
		if (c >= '0' && c <= '9')
			;
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			digits = false;
		else if (c == '-' && label > 0)
			digits = false;
		else
			return false;
		if (++label > LABEL_MAX)
			return false;
	}
	return labels >= 2 && !digits;
}

/* RFC 5321 4.1.3: "[a.b.c.d]" or "[IPv6:...]"; -1 for any other literal. */
static int
literal_parse(const char *buf, size_t len, struct netaddr *a)
{
	if (len < 2 || buf[0] != '[' || buf[len - 1] != ']')
		return -1;
	buf++;
	len -= 2;
	if (len > 5 && strncasecmp(buf, "IPv6:", 5) == 0) {
		if (netaddr_parse(buf + 5, len - 5, a) != 0 || memchr(buf + 5, ':', len - 5) ==
		    NULL)
			return -1;
		return 0;
	}
	if (memchr(buf, ':', len) != NULL)
		return -1;	/* IPv6 without its tag, or another tag */
	return netaddr_parse(buf, len, a);
}

unsigned
policy_helo(const struct policy_params *p, const char *helo, size_t len,
    const struct sockaddr *client)
{
	struct netaddr lit, peer;
	unsigned bits = 0;

	if (len > 0 && helo[0] == '[') {
		if (literal_parse(helo, len, &lit) != 0 || client == NULL ||
		    netaddr_from_sockaddr(client, &peer) != 0 || !netaddr_equal(&lit, &peer))
			bits |= 1u << POLICY_HELO_IP_MISMATCH;
		return bits;
	}
	if (!fqdn(helo, len))
		bits |= 1u << POLICY_HELO_NOT_FQDN;
	if (ours(p, helo, len))
		bits |= 1u << POLICY_HELO_OURS;
	return bits;
}

static bool
seen_from(const struct store_seen *v, size_t n, const char *net)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].net != NULL && strcasecmp(v[i].net, net) == 0)
			return true;
	return false;
}

void
policy_history(const struct store_seen *addr, size_t naddr, const struct store_seen *dom,
    size_t ndom, const char *client_net, bool *first_contact, bool *unusual_origin)
{
	*first_contact = naddr == 0;
	if (naddr > 0)
		*unusual_origin = !seen_from(addr, naddr, client_net);
	else if (ndom > 0)
		*unusual_origin = !seen_from(dom, ndom, client_net);
	else
		*unusual_origin = false;
}

/* The reasons text under construction; never overflows (see the static assert). */
struct text {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

static void
add_word(struct text *t, const char *word, const char *zone, unsigned weight, bool weighted)
{
	int w;

	if (zone != NULL)
		w = snprintf(t->buf + t->len, t->size - t->len, "%s%s:%s+%u",
		    t->len > 0 ? " " : "", word, zone, weight);
	else if (weighted)
		w = snprintf(t->buf + t->len, t->size - t->len, "%s%s+%u",
		    t->len > 0 ? " " : "", word, weight);
	else
		w = snprintf(t->buf + t->len, t->size - t->len, "%s%s",
		    t->len > 0 ? " " : "", word);
	if (w > 0 && (size_t)w < t->size - t->len)
		t->len += (size_t)w;
}

/* Adds weight to the score, saturating (bounded config makes it unreachable). */
static void
add_score(unsigned *score, unsigned weight)
{
	*score = *score > ~0u - weight ? ~0u : *score + weight;
}

/* The signals of the authentication results, as bits. */
static unsigned
auth_signals(const struct policy_params *p, const struct auth_result *a)
{
	char domain[DNS_NAME_MAX + 1];
	unsigned bits = 0;
	bool pass = false;
	size_t i, n;

	if (a == NULL)
		return 1u << POLICY_NO_AUTH;
	if (a->spf.result == SPF_FAIL)
		bits |= 1u << POLICY_SPF_FAIL;
	else if (a->spf.result == SPF_SOFTFAIL)
		bits |= 1u << POLICY_SPF_SOFTFAIL;
	else if (a->spf.result == SPF_PASS)
		pass = true;
	n = a->ndkim < DKIM_SIGS_MAX ? a->ndkim : DKIM_SIGS_MAX;
	for (i = 0; i < n; i++) {
		/* RFC 6376 3.6.1: a key in testing mode must not change the treatment */
		if (a->dkim[i].result == DKIM_FAIL && !a->dkim[i].testing)
			bits |= 1u << POLICY_DKIM_FAIL;
		else if (a->dkim[i].result == DKIM_PASS)
			pass = true;
	}
	if (!pass)
		bits |= 1u << POLICY_NO_AUTH;
	if (a->dmarc.result == DMARC_RES_FAIL) {
		switch (a->dmarc.policy) {
		case DMARC_POLICY_NONE:
			bits |= 1u << POLICY_DMARC_FAIL_NONE;
			break;
		case DMARC_POLICY_QUARANTINE:
			bits |= 1u << POLICY_DMARC_FAIL_QUARANTINE;
			break;
		case DMARC_POLICY_REJECT:
			bits |= 1u << POLICY_DMARC_FAIL_REJECT;
			break;
		}
	}
	if (a->from.err == FROM_OK || a->from.err == FROM_MANY_ADDRESSES) {
		n = a->from.naddrs < FROM_ADDRS_MAX ? a->from.naddrs : FROM_ADDRS_MAX;
		whitelist_auth_domain(a, domain);
		for (i = 0; i < n; i++) {
			const char *d = a->from.addr[i].domain;

			if (!a->from.addr[i].literal && ours(p, d, strlen(d)) &&
			    strcasecmp(domain, d) != 0)
				bits |= 1u << POLICY_FROM_SERVED_UNAUTH;
		}
	}
	return bits;
}

void
policy_decide(const struct policy_params *p, const struct policy_input *in,
    struct policy_verdict *out)
{
	struct text t;
	unsigned bits = 0;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	t.buf = out->reasons;
	t.size = sizeof(out->reasons);
	t.len = 0;
	bits |= auth_signals(p, in->auth);
	if (in->rdns == RDNS_NONE)
		bits |= 1u << POLICY_NO_PTR;
	else if (in->rdns == RDNS_MISMATCH)
		bits |= 1u << POLICY_FCRDNS_MISMATCH;
	for (i = 0; in->dnsbl != NULL && i < in->ndnsbl; i++)
		if (in->dnsbl[i].status == DNSBL_LISTED)
			bits |= 1u << POLICY_DNSBL;
	if (in->helo != NULL)
		bits |= policy_helo(p, in->helo, in->helo_len, in->client);
	if (in->first_contact)
		bits |= 1u << POLICY_FIRST_CONTACT;
	if (in->unusual_origin)
		bits |= 1u << POLICY_UNUSUAL_ORIGIN;

	out->authenticated = in->auth != NULL && in->auth->dmarc.result == DMARC_RES_PASS;
	out->whitelisted = in->whitelisted;
	if (out->authenticated)
		add_word(&t, "dmarc_pass", NULL, 0, false);
	if (out->whitelisted)
		add_word(&t, "whitelisted", NULL, 0, false);
	for (i = 0; i < POLICY_NSIGNALS; i++) {
		unsigned w = p->weight[i];

		if (!(bits & (1u << i)) || w == 0)
			continue;
		out->signals |= 1u << i;
		if (i != POLICY_DNSBL) {
			add_score(&out->score, w);
			add_word(&t, signals[i].name, NULL, w, true);
			continue;
		}
		for (j = 0; j < in->ndnsbl; j++)
			if (in->dnsbl[j].status == DNSBL_LISTED) {
				add_score(&out->score, w);
				add_word(&t, signals[i].name, in->dnsbl[j].zone, w, true);
			}
	}
	if (out->signals == 0 && !out->authenticated && !out->whitelisted)
		add_word(&t, "none", NULL, 0, false);

	if (out->score >= p->reject_threshold)
		out->action = POLICY_REJECT;
	else if (out->authenticated || out->whitelisted)
		out->action = POLICY_RELAY;
	else if (out->score >= p->quarantine_threshold)
		out->action = POLICY_QUARANTINE;
	else
		out->action = POLICY_RELAY;
}
