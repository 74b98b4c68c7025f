/*
 * spf.c - check_host() (RFC 7208 sections 4 to 6) as a restartable evaluation over
 * the per-message DNS cache; see spf.h for the restart contract and the limits.
 *
 * One run: initial processing of the identity (4.3), then check_host() on its domain:
 * TXT lookup and record selection (4.4, 4.5), a full syntax check of the record (4.6),
 * mechanisms in order (5), then redirect= (6.1), and exp= on a fail (6.2). include
 * and redirect recurse; the recursion is bounded by SPF_DNS_TERMS_MAX since each level
 * costs one DNS-querying term. A missing answer stops the run at once (need_dns set,
 * every level returns); the driver restarts it when the answer is in the cache.
 *
 * Choices where the RFC leaves room (tests/unit/test_spf.c and the suite hold them):
 * - a target name that cannot be queried (empty label, label over 63 octets) does not
 *   match, without a query; as an include or redirect target it is a permerror;
 * - void lookups are counted for the main query of a, mx and exists; not for the
 *   address lookups of MX hosts (an MX host without IPv6 is normal), nor for ptr,
 *   whose PTR records belong to the client, not to the domain being checked;
 * - DNS errors on the address lookup of an MX host are a temperror; on ptr they skip
 *   the name (5.5);
 * - the names of ptr whose target does not match are not validated (no lookup);
 * - an answer of more than DNS_RR_MAX records (dns.h: the rest not read) never lets
 *   the unread records decide: at the SPF record lookup it is a permerror (one
 *   record cannot be told, 4.5; a retry gets the same answer, so not temperror);
 *   an address set of a or of an mx host that does not hold the client is a
 *   temperror (the client may be in the rest: the check could not be completed,
 *   as with a DNS answer too large to receive), while a match is a match; for ptr
 *   and %{p} such a set validates nothing, as a DNS error would (5.5);
 * - U-labels in the MAIL FROM domain and the HELO name are converted to A-labels
 *   before anything else (RFC 8616 4), so %{d}, %{o}, %{h} and %{s} expand to
 *   A-labels; one that is no valid IDN is a malformed domain (4.3: none). A local
 *   part with 8-bit bytes stays as it is, and a term whose expanded target then holds
 *   an 8-bit byte matches nothing, without a query (RFC 8616 4 says so of %{s} and
 *   %{l}); as a redirect= target it is a target without an SPF record (permerror).
 */
#include "config.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "auth/dns.h"
#include "auth/idna.h"
#include "auth/spf.h"
#include "auth/spf_macro.h"
#include "auth/spf_record.h"
#include "common/log.h"

/* RFC 1035 2.3.4: longest label. */
#define LABEL_MAX 63
/*
 * The sender for %{s}: "postmaster@" and a domain (4.3), or a local part, "@" and the
 * domain's A-labels; RFC 5321 4.5.3.1.1 bounds a local part at 64 octets, and one
 * longer than this buffer keeps the sender as received.
 */
#define SENDER_BUF (2 * (DNS_NAME_MAX + 1))
/* x.x. ... .ip6.arpa: 32 nibbles and dots, plus "ip6.arpa" and a NUL. */
#define REVERSE_BUF 80

/* What one mechanism gives. */
enum match {
	M_NOMATCH,
	M_MATCH,
	M_TEMPERROR,
	M_PERMERROR,
};

struct eval {
	struct dns_cache	*cache;
	struct spf_outcome	*out;
	struct spf_macro_vars	 vars;	/* d and p are set per expansion */
	char			 sender[SENDER_BUF];
	unsigned		 dns_terms;
	unsigned		 voids;
	int			 need_dns;
};

static enum spf_result check_host(struct eval *ev, const char *d, size_t dlen, int top);

static void set_reason(struct eval *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The first reason given wins: it is the innermost, the one that explains. Names and
 * terms in it come from the network: callers pass them through log_escape.
 */
static void
set_reason(struct eval *ev, const char *fmt, ...)
{
	char *r = ev->out->reason;
	size_t sz = sizeof(ev->out->reason);
	va_list ap;
	int n;

	if (r[0] != '\0' || ev->need_dns)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r, sz, fmt, ap);
	va_end(ap);
	if (n < 0)
		r[0] = '\0';
	else if ((size_t)n >= sz)
		memcpy(r + sz - 4, "...", 4);
}

static const char *
type_name(enum dns_type t)
{
	switch (t) {
	case DNS_T_A: return "A";
	case DNS_T_AAAA: return "AAAA";
	case DNS_T_MX: return "MX";
	case DNS_T_PTR: return "PTR";
	case DNS_T_TXT: return "TXT";
	}
	return "?";
}

/* The cached answer, or NULL after marking the run as waiting for it. */
static const struct dns_rrset *
lookup(struct eval *ev, const char *name, size_t len, enum dns_type type)
{
	const struct dns_rrset *rs = dns_cache_get(ev->cache, name, len, type);

	if (rs == NULL)
		ev->need_dns = 1;
	return rs;
}

static int
dns_error(struct eval *ev, const struct dns_rrset *rs, const char *name, size_t len,
    enum dns_type type)
{
	char e[96];

	if (rs->result != DNS_TIMEOUT && rs->result != DNS_SERVFAIL)
		return 0;
	set_reason(ev, "DNS %s for %s %s", rs->result == DNS_TIMEOUT ? "timeout" : "failure",
	    type_name(type), log_escape(e, sizeof(e), name, len));
	return 1;
}

/* A void lookup (4.6.4): 0, or -1 once over the limit (permerror). */
static int
count_void(struct eval *ev, const char *name, size_t len)
{
	char e[96];

	if (++ev->voids <= SPF_VOID_LOOKUPS_MAX)
		return 0;
	set_reason(ev, "more than %d void lookups (last: %s)", SPF_VOID_LOOKUPS_MAX,
	    log_escape(e, sizeof(e), name, len));
	return -1;
}

static size_t
strip_dot(const char *d, size_t n)
{
	return n > 0 && d[n - 1] == '.' ? n - 1 : n;
}

/*
 * A name a query can be made of (RFC 1035 2.3.4): labels of 1 to 63 octets, 7-bit
 * (an 8-bit byte comes from a local part, which RFC 8616 4 says matches nothing).
 */
static int
name_ok(const char *d, size_t n)
{
	size_t i, label = 0;

	n = strip_dot(d, n);
	if (n == 0 || n > SPF_DOMAIN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)d[i] >= 0x80)
			return 0;
		if (d[i] != '.') {
			if (++label > LABEL_MAX)
				return 0;
		} else if (label == 0) {
			return 0;
		} else {
			label = 0;
		}
	}
	return label > 0;
}

/*
 * A domain check_host() can start from (4.3): a queryable name of visible ASCII with
 * at least two labels, whose last label is a toplabel (so no IP or domain literal).
 */
static int
domain_ok(const char *d, size_t n)
{
	size_t i, last = 0;

	if (!name_ok(d, n))
		return 0;
	n = strip_dot(d, n);
	for (i = 0; i < n; i++) {
		if ((unsigned char)d[i] < 0x21 || (unsigned char)d[i] > 0x7e)
			return 0;
		if (d[i] == '.')
			last = i + 1;
	}
	return last > 0 && spf_record_toplabel_ok(d + last, n - last);
}

/* name equals target, or ends with "." target (5.5), ASCII case-insensitively. */
static int
under(const char *name, size_t nlen, const char *target, size_t tlen)
{
	if (nlen == tlen)
		return strncasecmp(name, target, tlen) == 0;
	return nlen > tlen && name[nlen - tlen - 1] == '.' &&
	    strncasecmp(name + nlen - tlen, target, tlen) == 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	size_t full = bits / 8;
	unsigned rem = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rem == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rem));
	return (a[full] & mask) == (b[full] & mask);
}

static enum dns_type
addr_type(const struct eval *ev)
{
	return ev->vars.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

/* The in-addr.arpa or ip6.arpa name of the client (5.5). */
static size_t
reverse_name(const struct eval *ev, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *ip = ev->vars.ip;
	size_t n = 0;
	int i, k;

	if (ev->vars.family == AF_INET) {
		k = snprintf(buf, REVERSE_BUF, "%u.%u.%u.%u.in-addr.arpa", ip[3], ip[2], ip[1],
		    ip[0]);
		return k > 0 && k < REVERSE_BUF ? (size_t)k : 0;
	}
	for (i = 15; i >= 0; i--) {
		buf[n++] = hex[ip[i] & 0xf];
		buf[n++] = '.';
		buf[n++] = hex[ip[i] >> 4];
		buf[n++] = '.';
	}
	memcpy(buf + n, "ip6.arpa", sizeof("ip6.arpa"));
	return n + sizeof("ip6.arpa") - 1;
}

/*
 * Does name have an address equal to the client's (5.5 "validated")? 1 yes, 0 no
 * (DNS errors included: the name is skipped), -1 waiting for DNS.
 */
static int
validates(struct eval *ev, const char *name, size_t len)
{
	const struct dns_rrset *rs;
	size_t alen = ev->vars.family == AF_INET ? 4 : 16, i;

	if ((rs = lookup(ev, name, len, addr_type(ev))) == NULL)
		return -1;
	if (rs->result != DNS_OK)
		return 0;
	for (i = 0; i < rs->n; i++)
		if (rs->rr[i].len == alen && memcmp(rs->rr[i].data, ev->vars.ip, alen) == 0)
			return 1;
	return 0;
}

/*
 * %{p} (7.3): a validated name of the client, preferring <domain> itself, then a
 * subdomain of it, then any; "unknown" when none. 0, or -1 waiting for DNS.
 */
static int
ptr_name(struct eval *ev, const char *d, size_t dlen, char *out, size_t *olen)
{
	const struct dns_rrset *rs;
	char rev[REVERSE_BUF];
	size_t rlen = reverse_name(ev, rev), n, i;
	int rank, v;

	memcpy(out, "unknown", sizeof("unknown"));
	*olen = sizeof("unknown") - 1;
	if ((rs = lookup(ev, rev, rlen, DNS_T_PTR)) == NULL)
		return -1;
	if (rs->result != DNS_OK)
		return 0;
	n = rs->n < SPF_PTR_NAMES_MAX ? rs->n : SPF_PTR_NAMES_MAX;
	for (rank = 0; rank < 3; rank++) {
		for (i = 0; i < n; i++) {
			const char *nm = (const char *)rs->rr[i].data;
			size_t nl = rs->rr[i].len;
			int r = (nl == dlen && strncasecmp(nm, d, dlen) == 0) ? 0 :
			    under(nm, nl, d, dlen) ? 1 : 2;

			if (r != rank || nl == 0 || nl > DNS_NAME_MAX)
				continue;
			if ((v = validates(ev, nm, nl)) < 0)
				return -1;
			if (v) {
				memcpy(out, nm, nl);
				out[nl] = '\0';
				*olen = nl;
				return 0;
			}
		}
	}
	return 0;
}

/*
 * Expands a macro string in ctx with <domain> d into out (outsz bytes), computing
 * %{p} first when the string uses it. Domain-specs (SPF_MACRO_DOMAIN) get the cut of
 * 7.3, out must then hold SPF_MACRO_DOMAIN_BUF. A failed expansion leaves out empty:
 * as a name, no query accepts it; as an explanation, there is none. 0, or -1 waiting
 * for DNS.
 */
static int
expand(struct eval *ev, const char *spec, size_t len, enum spf_macro_ctx ctx,
    const char *d, size_t dlen, char *out, size_t outsz, size_t *olen)
{
	struct spf_macro_vars v = ev->vars;
	struct spf_macro_info info;
	char ptr[DNS_NAME_MAX + 1];
	const char *why;
	enum spf_macro_err e;

	v.domain = d;
	v.domain_len = dlen;
	if (spf_macro_check(spec, len, ctx, &info, &why) == SPF_MACRO_OK &&
	    (info.letters & SPF_MACRO_USES_P)) {
		if (ptr_name(ev, d, dlen, ptr, &v.ptr_len) < 0)
			return -1;
		v.ptr = ptr;
	}
	if (ctx == SPF_MACRO_DOMAIN)
		e = spf_macro_expand_domain(spec, len, &v, out, olen, &why);
	else
		e = spf_macro_expand(spec, len, ctx, &v, out, outsz, olen, &why);
	if (e != SPF_MACRO_OK) {
		out[0] = '\0';
		*olen = 0;
	}
	return 0;
}

/* a, and each host of mx: an address of name in the CIDR range of the client. */
static enum match
match_host(struct eval *ev, const char *name, size_t len, const struct spf_term *t,
    int *is_void)
{
	const struct dns_rrset *rs;
	enum dns_type type = addr_type(ev);
	size_t alen = type == DNS_T_A ? 4 : 16, i;
	unsigned bits = type == DNS_T_A ? t->cidr4 : t->cidr6;
	char e[96];

	*is_void = 0;
	if (!name_ok(name, len))
		return M_NOMATCH;
	if ((rs = lookup(ev, name, len, type)) == NULL)
		return M_TEMPERROR;
	if (dns_error(ev, rs, name, len, type))
		return M_TEMPERROR;
	if (rs->result != DNS_OK) {
		*is_void = 1;
		return M_NOMATCH;
	}
	for (i = 0; i < rs->n; i++)
		if (rs->rr[i].len == alen && prefix_match(rs->rr[i].data, ev->vars.ip, bits))
			return M_MATCH;
	if (rs->truncated) {
		/* the client may be among the addresses not read: no fail on that */
		set_reason(ev, "more than %d %s records for %s, the client not in the first",
		    DNS_RR_MAX, type_name(type), log_escape(e, sizeof(e), name, len));
		return M_TEMPERROR;
	}
	return M_NOMATCH;
}

static enum match
eval_a(struct eval *ev, const char *name, size_t len, const struct spf_term *t)
{
	int is_void;
	enum match m = match_host(ev, name, len, t, &is_void);

	if (is_void && count_void(ev, name, len) < 0)
		return M_PERMERROR;
	return m;
}

static enum match
eval_mx(struct eval *ev, const char *name, size_t len, const struct spf_term *t)
{
	const struct dns_rrset *rs;
	size_t i;
	int is_void;
	char e[96];

	if (!name_ok(name, len))
		return M_NOMATCH;
	if ((rs = lookup(ev, name, len, DNS_T_MX)) == NULL)
		return M_TEMPERROR;
	if (dns_error(ev, rs, name, len, DNS_T_MX))
		return M_TEMPERROR;
	if (rs->result != DNS_OK)
		return count_void(ev, name, len) < 0 ? M_PERMERROR : M_NOMATCH;
	if (rs->n > SPF_MX_NAMES_MAX) {
		set_reason(ev, "%s has more than %d MX records",
		    log_escape(e, sizeof(e), name, len), SPF_MX_NAMES_MAX);
		return M_PERMERROR;
	}
	for (i = 0; i < rs->n; i++) {
		enum match m;

		/* A null MX (RFC 7505, target ".") names no host. */
		if (rs->rr[i].len == 0)
			continue;
		m = match_host(ev, (const char *)rs->rr[i].data, rs->rr[i].len, t, &is_void);
		if (m != M_NOMATCH)
			return m;
	}
	return M_NOMATCH;
}

static enum match
eval_ptr(struct eval *ev, const char *target, size_t tlen)
{
	const struct dns_rrset *rs;
	char rev[REVERSE_BUF];
	size_t rlen = reverse_name(ev, rev), n, i;
	int v;

	if (!name_ok(target, tlen))
		return M_NOMATCH;
	if ((rs = lookup(ev, rev, rlen, DNS_T_PTR)) == NULL)
		return M_TEMPERROR;
	if (rs->result != DNS_OK)
		return M_NOMATCH;	/* 5.5: a DNS error on the PTR query is no match */
	n = rs->n < SPF_PTR_NAMES_MAX ? rs->n : SPF_PTR_NAMES_MAX;
	for (i = 0; i < n; i++) {
		const char *nm = (const char *)rs->rr[i].data;

		if (!under(nm, rs->rr[i].len, target, tlen))
			continue;
		if ((v = validates(ev, nm, rs->rr[i].len)) < 0)
			return M_TEMPERROR;
		if (v)
			return M_MATCH;
	}
	return M_NOMATCH;
}

static enum match
eval_exists(struct eval *ev, const char *name, size_t len)
{
	const struct dns_rrset *rs;

	if (!name_ok(name, len))
		return M_NOMATCH;
	/* 5.7: an A query, whatever the client's address family. */
	if ((rs = lookup(ev, name, len, DNS_T_A)) == NULL)
		return M_TEMPERROR;
	if (dns_error(ev, rs, name, len, DNS_T_A))
		return M_TEMPERROR;
	if (rs->result != DNS_OK)
		return count_void(ev, name, len) < 0 ? M_PERMERROR : M_NOMATCH;
	return M_MATCH;
}

static enum match
eval_include(struct eval *ev, const char *name, size_t len)
{
	char e[96];

	switch (check_host(ev, name, len, 0)) {
	case SPF_PASS:
		return M_MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return M_NOMATCH;
	case SPF_TEMPERROR:
		return M_TEMPERROR;
	case SPF_NONE:
		set_reason(ev, "include of %s, which has no SPF record",
		    log_escape(e, sizeof(e), name, len));
		return M_PERMERROR;
	case SPF_PERMERROR:
		break;
	}
	return M_PERMERROR;
}

/* Counts a DNS-querying term (4.6.4): 0, or -1 over the limit. */
static int
count_term(struct eval *ev)
{
	if (++ev->dns_terms <= SPF_DNS_TERMS_MAX)
		return 0;
	set_reason(ev, "more than %d DNS-querying terms", SPF_DNS_TERMS_MAX);
	return -1;
}

static enum match
eval_mech(struct eval *ev, const struct spf_term *t, const char *d, size_t dlen)
{
	char name[SPF_MACRO_DOMAIN_BUF];
	size_t nlen;

	switch (t->type) {
	case SPF_TERM_ALL:
		return M_MATCH;
	case SPF_TERM_IP4:
		return ev->vars.family == AF_INET && prefix_match(ev->vars.ip, t->addr, t->cidr4) ?
		    M_MATCH : M_NOMATCH;
	case SPF_TERM_IP6:
		return ev->vars.family == AF_INET6 &&
		    prefix_match(ev->vars.ip, t->addr, t->cidr6) ? M_MATCH : M_NOMATCH;
	default:
		break;
	}
	if (count_term(ev) < 0)
		return M_PERMERROR;
	if (t->spec_len == 0) {
		memcpy(name, d, dlen);
		nlen = dlen;
	} else if (expand(ev, t->spec, t->spec_len, SPF_MACRO_DOMAIN, d, dlen, name,
	    sizeof(name), &nlen) < 0) {
		return M_TEMPERROR;
	}
	/* RFC 8616 4: a target built from a UTF-8 local part matches nothing */
	if (idna_has_8bit(name, nlen))
		return M_NOMATCH;
	switch (t->type) {
	case SPF_TERM_INCLUDE:
		return eval_include(ev, name, nlen);
	case SPF_TERM_A:
		return eval_a(ev, name, nlen, t);
	case SPF_TERM_MX:
		return eval_mx(ev, name, nlen, t);
	case SPF_TERM_PTR:
		return eval_ptr(ev, name, nlen);
	case SPF_TERM_EXISTS:
		return eval_exists(ev, name, nlen);
	default:
		break;
	}
	return M_NOMATCH;
}

/* exp= (6.2): sets the explanation, or leaves it empty when anything is amiss. */
static void
explain(struct eval *ev, const struct spf_term *exp, const char *d, size_t dlen)
{
	const struct dns_rrset *rs;
	char name[SPF_MACRO_DOMAIN_BUF];
	size_t nlen, n, i;

	if (expand(ev, exp->spec, exp->spec_len, SPF_MACRO_DOMAIN, d, dlen, name, sizeof(name),
	    &nlen) < 0 || !name_ok(name, nlen))
		return;
	if ((rs = lookup(ev, name, nlen, DNS_T_TXT)) == NULL)
		return;
	if (rs->result != DNS_OK || rs->n != 1)
		return;
	if (expand(ev, (const char *)rs->rr[0].data, rs->rr[0].len, SPF_MACRO_EXPLAIN, d,
	    dlen, ev->out->explanation, sizeof(ev->out->explanation), &n) < 0)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)ev->out->explanation[i] < 0x20 ||
		    (unsigned char)ev->out->explanation[i] > 0x7e) {
			ev->out->explanation[0] = '\0';
			return;
		}
}

static enum spf_result
qualifier_result(char q)
{
	switch (q) {
	case '-': return SPF_FAIL;
	case '~': return SPF_SOFTFAIL;
	case '?': return SPF_NEUTRAL;
	default: return SPF_PASS;
	}
}

/* The one SPF record at d (4.4, 4.5), or NULL with *r the result to return. */
static const struct dns_rr *
select_record(struct eval *ev, const char *d, size_t dlen, enum spf_result *r)
{
	const struct dns_rrset *rs;
	const struct dns_rr *rec = NULL;
	size_t i, count = 0;
	char e[96];

	*r = SPF_TEMPERROR;
	if ((rs = lookup(ev, d, dlen, DNS_T_TXT)) == NULL)
		return NULL;
	if (dns_error(ev, rs, d, dlen, DNS_T_TXT))
		return NULL;
	if (rs->truncated) {
		/* records were not read: one of them may be a second SPF record (4.5) */
		set_reason(ev, "more than %d TXT records at %s: one SPF record cannot be told",
		    DNS_RR_MAX, log_escape(e, sizeof(e), d, dlen));
		*r = SPF_PERMERROR;
		return NULL;
	}
	for (i = 0; i < rs->n; i++)
		if (spf_record_is_spf((const char *)rs->rr[i].data, rs->rr[i].len)) {
			rec = &rs->rr[i];
			count++;
		}
	if (count == 1 && rec->len > SPF_RECORD_MAX) {
		set_reason(ev, "SPF record of %zu octets at %s (limit %d)", rec->len,
		    log_escape(e, sizeof(e), d, dlen), SPF_RECORD_MAX);
		*r = SPF_PERMERROR;
		return NULL;
	}
	if (count == 1)
		return rec;
	if (count == 0) {
		set_reason(ev, "no SPF record at %s", log_escape(e, sizeof(e), d, dlen));
		*r = SPF_NONE;
	} else {
		set_reason(ev, "%zu SPF records at %s", count, log_escape(e, sizeof(e), d, dlen));
		*r = SPF_PERMERROR;
	}
	return NULL;
}

/* 6.1: redirect= counts as a DNS-querying term, and its target's result is ours. */
static enum spf_result
redirect(struct eval *ev, const struct spf_term *t, const char *d, size_t dlen, int top)
{
	char name[SPF_MACRO_DOMAIN_BUF], e[96], et[96];
	size_t nlen;
	enum spf_result r;

	if (count_term(ev) < 0)
		return SPF_PERMERROR;
	if (expand(ev, t->spec, t->spec_len, SPF_MACRO_DOMAIN, d, dlen, name, sizeof(name),
	    &nlen) < 0)
		return SPF_TEMPERROR;
	r = check_host(ev, name, nlen, top);
	if (r == SPF_NONE && !ev->need_dns) {
		ev->out->reason[0] = '\0';
		set_reason(ev, "redirect of %s to %s, which has no SPF record",
		    log_escape(e, sizeof(e), d, dlen), log_escape(et, sizeof(et), name, nlen));
		return SPF_PERMERROR;
	}
	return r;
}

static enum spf_result
check_host(struct eval *ev, const char *d, size_t dlen, int top)
{
	struct spf_record_info info;
	struct spf_record_iter it;
	struct spf_term t;
	const struct dns_rr *rec;
	const char *why;
	enum spf_result r;
	char e[96], et[64];

	if (!domain_ok(d, dlen)) {
		set_reason(ev, "malformed domain %s", log_escape(e, sizeof(e), d, dlen));
		return SPF_NONE;
	}
	dlen = strip_dot(d, dlen);
	if ((rec = select_record(ev, d, dlen, &r)) == NULL)
		return r;
	if (spf_record_parse((const char *)rec->data, rec->len, &info, &t, &why) !=
	    SPF_PARSE_END) {
		set_reason(ev, "syntax error in the record of %s: %s: \"%s\"",
		    log_escape(e, sizeof(e), d, dlen), why,
		    log_escape(et, sizeof(et), t.text, t.text_len));
		return SPF_PERMERROR;
	}
	spf_record_begin(&it, (const char *)rec->data, rec->len);
	while (spf_record_next(&it, &t, &why) == SPF_PARSE_TERM) {
		if (t.type == SPF_TERM_REDIRECT || t.type == SPF_TERM_EXP ||
		    t.type == SPF_TERM_UNKNOWN)
			continue;
		switch (eval_mech(ev, &t, d, dlen)) {
		case M_NOMATCH:
			continue;
		case M_TEMPERROR:
			return SPF_TEMPERROR;
		case M_PERMERROR:
			if (top)
				log_escape(ev->out->mechanism, sizeof(ev->out->mechanism), t.text,
				    t.text_len);
			return SPF_PERMERROR;
		case M_MATCH:
			break;
		}
		r = qualifier_result(t.qualifier);
		if (top) {
			log_escape(ev->out->mechanism, sizeof(ev->out->mechanism), t.text,
			    t.text_len);
			set_reason(ev, "matched in the record of %s",
			    log_escape(e, sizeof(e), d, dlen));
			if (r == SPF_FAIL && info.has_exp)
				explain(ev, &info.exp, d, dlen);
		}
		return r;
	}
	if (!info.has_redirect) {
		if (top)
			set_reason(ev, "no mechanism matched in the record of %s",
			    log_escape(e, sizeof(e), d, dlen));
		return SPF_NEUTRAL;
	}
	return redirect(ev, &info.redirect, d, dlen, top);
}

static void
lower_copy(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] + 32) : src[i];
	dst[len] = '\0';
}

static enum spf_status
run(const struct spf_request *req, struct dns_cache *cache, struct spf_outcome *out,
    enum spf_identity id)
{
	static const unsigned char v4mapped[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };
	struct eval ev;
	const char *dom, *local = NULL, *at = NULL, *why;
	size_t dlen, llen = 0;
	char e[96], adom[DNS_NAME_MAX + 1], ahelo[DNS_NAME_MAX + 1];
	int converted = 0;

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	out->identity = id;
	ev.cache = cache;
	ev.out = out;

	/* 5: an IPv4-mapped IPv6 client is an IPv4 client. */
	if (req->family == AF_INET6 && memcmp(req->ip, v4mapped, 12) == 0) {
		ev.vars.family = AF_INET;
		memcpy(ev.vars.ip, req->ip + 12, 4);
	} else {
		ev.vars.family = req->family == AF_INET ? AF_INET : AF_INET6;
		memcpy(ev.vars.ip, req->ip, req->family == AF_INET ? 4 : 16);
	}

	if (id == SPF_ID_MAILFROM) {
		/* The domain follows the last "@": a quoted local-part may hold one. */
		dom = req->mail_from;
		dlen = req->mail_from_len;
		for (size_t i = req->mail_from_len; i > 0; i--)
			if (req->mail_from[i - 1] == '@') {
				at = req->mail_from + i - 1;
				break;
			}
		if (at != NULL) {
			local = req->mail_from;
			llen = (size_t)(at - req->mail_from);
			dom = at + 1;
			dlen = req->mail_from_len - llen - 1;
		}
	} else {
		dom = req->helo;
		dlen = req->helo_len;
	}
	if (dom == NULL) {
		dom = "";
		dlen = 0;
	}
	/* RFC 8616 4: every U-label as its A-label before the SPF check */
	if (idna_has_8bit(dom, dlen)) {
		if (idna_to_ascii(dom, strip_dot(dom, dlen), adom, sizeof(adom), &why) !=
		    IDNA_OK) {
			out->result = SPF_NONE;
			set_reason(&ev, "malformed domain \"%s\" (not a valid IDN: %s)",
			    log_escape(e, sizeof(e), dom, dlen), why);
			return SPF_DONE;
		}
		dom = adom;
		dlen = strlen(adom);
		converted = 1;
	}
	if (!domain_ok(dom, dlen)) {
		out->result = SPF_NONE;
		set_reason(&ev, "malformed domain \"%s\"", log_escape(e, sizeof(e), dom, dlen));
		return SPF_DONE;
	}
	dlen = strip_dot(dom, dlen);
	lower_copy(out->domain, dom, dlen);

	/* 4.3: no local-part, "postmaster" stands for it. */
	if (llen == 0) {
		int n = snprintf(ev.sender, sizeof(ev.sender), "postmaster@%.*s", (int)dlen, dom);

		ev.vars.sender = ev.sender;
		ev.vars.sender_len = n > 0 && (size_t)n < sizeof(ev.sender) ? (size_t)n : 0;
		ev.vars.local = "postmaster";
		ev.vars.local_len = sizeof("postmaster") - 1;
	} else {
		int n = converted && llen < sizeof(ev.sender) ? snprintf(ev.sender,
		    sizeof(ev.sender), "%.*s@%.*s", (int)llen, local, (int)dlen, dom) : -1;

		if (n > 0 && (size_t)n < sizeof(ev.sender)) {
			ev.vars.sender = ev.sender;
			ev.vars.sender_len = (size_t)n;
		} else {
			ev.vars.sender = req->mail_from;
			ev.vars.sender_len = req->mail_from_len;
		}
		ev.vars.local = local;
		ev.vars.local_len = llen;
	}
	ev.vars.sender_domain = dom;
	ev.vars.sender_domain_len = dlen;
	ev.vars.helo = req->helo != NULL ? req->helo : "";
	ev.vars.helo_len = req->helo != NULL ? req->helo_len : 0;
	if (id == SPF_ID_HELO && converted) {
		ev.vars.helo = dom;
		ev.vars.helo_len = dlen;
	} else if (idna_has_8bit(ev.vars.helo, ev.vars.helo_len) &&
	    idna_to_ascii(ev.vars.helo, ev.vars.helo_len, ahelo, sizeof(ahelo), &why) ==
	    IDNA_OK) {
		ev.vars.helo = ahelo;
		ev.vars.helo_len = strlen(ahelo);
	}
	ev.vars.receiver = req->receiver;
	ev.vars.receiver_len = req->receiver_len;
	ev.vars.now = req->now;

	out->result = check_host(&ev, dom, dlen, 1);
	out->dns_terms = ev.dns_terms;
	out->void_lookups = ev.voids;
	if (ev.need_dns)
		return SPF_NEED_DNS;
	if (out->result != SPF_FAIL)
		out->explanation[0] = '\0';
	return SPF_DONE;
}

enum spf_status
spf_check(const struct spf_request *req, struct dns_cache *cache, struct spf_outcome *out)
{
	return run(req, cache, out, req->mail_from_len > 0 ? SPF_ID_MAILFROM : SPF_ID_HELO);
}

enum spf_status
spf_check_helo(const struct spf_request *req, struct dns_cache *cache,
    struct spf_outcome *out)
{
	return run(req, cache, out, SPF_ID_HELO);
}

const char *
spf_result_name(enum spf_result r)
{
	switch (r) {
	case SPF_NONE: return "none";
	case SPF_NEUTRAL: return "neutral";
	case SPF_PASS: return "pass";
	case SPF_FAIL: return "fail";
	case SPF_SOFTFAIL: return "softfail";
	case SPF_TEMPERROR: return "temperror";
	case SPF_PERMERROR: return "permerror";
	}
	return "permerror";
}
