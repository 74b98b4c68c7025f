/*
 * dmarc.c - DMARC evaluation (RFC 9989): policy discovery, Organizational Domains by
 * the DNS Tree Walk, Identifier Alignment, the applicable policy. See dmarc.h for
 * the receiver decisions; the record syntax is in dmarc_record.c.
 *
 * Each call runs from the start over the cache and stops at the first missing
 * answer; nothing is kept between calls. Domain names here are ASCII host names
 * (U-labels converted to A-labels, RFC 8616 6, then checked), so label arithmetic
 * needs no care for escapes or empty labels.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/dmarc.h"
#include "auth/idna.h"

/* RFC 9989 4.10 step 4: a subject domain of eight labels or more is shortened to
 * seven, so that the whole walk asks at most eight questions. */
#define DMARC_WALK_SHORTEN (DMARC_WALK_MAX - 1)
/* RFC 1035 2.3.4 / 3.1: 255 octets on the wire are 253 characters of text. */
#define DOMAIN_TEXT_MAX 253
#define LABEL_MAX 63
#define DMARC_PREFIX "_dmarc."
#define DMARC_PREFIX_LEN 7

enum look { LOOK_NEED, LOOK_ERROR, LOOK_NONE, LOOK_FOUND };

struct walk_entry {
	size_t			 off;	/* this name is the suffix d + off */
	int			 labels;
	int			 has;	/* a single valid DMARC Policy Record */
	struct dmarc_record	 rec;
};

/* One DNS Tree Walk (RFC 9989 4.10) from d, longest name first. */
struct walk {
	const char		*d;
	size_t			 len;
	int			 labels;
	size_t			 n;
	struct walk_entry	 e[DMARC_WALK_MAX];
};

enum wres { W_DONE, W_NEED, W_ERROR };
enum align { ALIGN_NO, ALIGN_YES, ALIGN_NEED, ALIGN_ERROR };

struct ctx {
	struct dns_cache	*cache;
	struct dmarc_result	*out;
	const char		*author;
	size_t			 author_len;
	struct walk		 wa;	/* the Author Domain's walk, once computed */
	int			 wa_done;
};

static void __attribute__((format(printf, 2, 3)))
reason(struct dmarc_result *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

static const char *
dns_error_name(enum dns_result r)
{
	return r == DNS_TIMEOUT ? "timeout" : "server failure";
}

/* The DMARC Policy Record at _dmarc.name: exactly one valid record, or none
 * (RFC 9989 4.10 step 2: several records are all discarded, and so is a set of
 * more than DNS_RR_MAX, which cannot be told to hold just one). */
static enum look
lookup(struct ctx *x, const char *name, size_t len, struct dmarc_record *rec)
{
	char q[DMARC_PREFIX_LEN + DNS_NAME_MAX];
	const struct dns_rrset *set;
	struct dmarc_record r;
	size_t i, count = 0;

	if (len + DMARC_PREFIX_LEN > DNS_NAME_MAX)
		return LOOK_NONE;	/* a name that long cannot exist */
	memcpy(q, DMARC_PREFIX, DMARC_PREFIX_LEN);
	memcpy(q + DMARC_PREFIX_LEN, name, len);
	if ((set = dns_cache_get(x->cache, q, DMARC_PREFIX_LEN + len, DNS_T_TXT)) == NULL)
		return LOOK_NEED;
	if (set->result == DNS_TIMEOUT || set->result == DNS_SERVFAIL) {
		reason(x->out, "DNS %s at _dmarc.%.*s", dns_error_name(set->result),
		    (int)len, name);
		return LOOK_ERROR;
	}
	if (set->result != DNS_OK)
		return LOOK_NONE;
	/* records were not read: one of them may be a second DMARC record */
	if (set->truncated)
		return LOOK_NONE;
	for (i = 0; i < set->n; i++)
		if (dmarc_record_parse((const char *)set->rr[i].data, set->rr[i].len,
		    &r) == DMARC_RECORD_OK && count++ == 0)
			*rec = r;
	return count == 1 ? LOOK_FOUND : LOOK_NONE;
}

static int
count_labels(const char *d, size_t len)
{
	int n = 1;
	size_t i;

	for (i = 0; i < len; i++)
		if (d[i] == '.')
			n++;
	return n;
}

/* Offset in d (of total labels) of its suffix of keep labels. */
static size_t
suffix_off(const char *d, int total, int keep)
{
	int drop = total - keep;
	size_t i = 0;

	while (drop > 0)
		if (d[i++] == '.')
			drop--;
	return i;
}

static enum wres
walk_run(struct ctx *x, struct walk *w, const char *d, size_t len)
{
	int cur = count_labels(d, len);
	size_t off = 0;

	w->d = d;
	w->len = len;
	w->labels = cur;
	w->n = 0;
	for (;;) {
		struct walk_entry *e = &w->e[w->n];
		enum look l = lookup(x, d + off, len - off, &e->rec);

		if (l == LOOK_NEED)
			return W_NEED;
		if (l == LOOK_ERROR)
			return W_ERROR;
		e->off = off;
		e->labels = cur;
		e->has = l == LOOK_FOUND;
		w->n++;
		/* steps 2 and 6: a record that says psd=y or psd=n ends the walk */
		if (e->has && e->rec.psd != DMARC_PSD_U)
			break;
		if (cur == 1 || w->n == DMARC_WALK_MAX)
			break;
		/* steps 4 and 7: shorten to seven labels once, then one label at a time */
		cur = cur > DMARC_WALK_SHORTEN ? DMARC_WALK_SHORTEN : cur - 1;
		off = suffix_off(d, w->labels, cur);
	}
	return W_DONE;
}

/*
 * RFC 9989 4.10.2: the Organizational Domain of the walk's start, as an offset into
 * it; *idx is its entry in the walk, or -1 when the walk skipped that name.
 */
static size_t
org_select(const struct walk *w, int *idx)
{
	int last = -1;
	size_t i, j, off;

	for (i = 0; i < w->n; i++) {
		const struct walk_entry *e = &w->e[i];

		if (!e->has)
			continue;
		if (e->rec.psd == DMARC_PSD_N) {
			*idx = (int)i;
			return e->off;
		}
		if (e->rec.psd == DMARC_PSD_Y && i != 0) {
			/* the domain one label below the PSD */
			off = suffix_off(w->d, w->labels, e->labels + 1);
			*idx = -1;
			for (j = 0; j < i; j++)
				if (w->e[j].off == off)
					*idx = (int)j;
			return off;
		}
		last = (int)i;
	}
	if (last >= 0) {
		*idx = last;	/* the record with the fewest labels */
		return w->e[last].off;
	}
	*idx = 0;		/* no record at all: the start itself */
	return 0;
}

/* An ASCII host name (letters, digits, '-', '_'; labels of 1 to 63 bytes). */
static int
domain_ok(const char *d, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > DOMAIN_TEXT_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (++label > LABEL_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return label > 0;
}

/*
 * The A-label form of the domain (d, len) into out (DNS_NAME_MAX + 1 bytes): RFC 8616
 * 6 converts every U-label before lookups and comparisons. 0, or -1 when d holds
 * 8-bit bytes that are no valid IDN (*why).
 */
static int
to_alabels(const char *d, size_t len, char out[DNS_NAME_MAX + 1], const char **why)
{
	return idna_to_ascii(d, len, out, DNS_NAME_MAX + 1, why) == IDNA_OK ? 0 : -1;
}

static int
same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

/* Whether d is org or a subdomain of it. */
static int
at_or_below(const char *d, size_t dlen, const char *org, size_t olen)
{
	if (dlen == olen)
		return strncasecmp(d, org, olen) == 0;
	return dlen > olen && d[dlen - olen - 1] == '.' &&
	    strncasecmp(d + dlen - olen, org, olen) == 0;
}

static int
same_tld(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *da = memrchr(a, '.', alen), *db = memrchr(b, '.', blen);
	size_t oa = da ? (size_t)(da - a) + 1 : 0, ob = db ? (size_t)(db - b) + 1 : 0;

	return same_name(a + oa, alen - oa, b + ob, blen - ob);
}

/*
 * Identifier Alignment (RFC 9989 3.2.10, 4.10.2) of id with the Author Domain:
 * strict is equality; relaxed is equal Organizational Domains. Two shortcuts avoid
 * walks that cannot change the answer: an Organizational Domain is always the name
 * itself or an ancestor, so names under different top-level labels, or an id not at
 * or below the Author Domain's Organizational Domain, cannot align.
 */
static enum align
aligned(struct ctx *x, const char *ident, enum dmarc_align mode)
{
	char id[DNS_NAME_MAX + 1];
	size_t len, aoff, doff;
	struct walk wd;
	const char *why;
	int idx;

	len = strlen(ident);
	if (len > 0 && ident[len - 1] == '.')
		len--;
	if (to_alabels(ident, len, id, &why) != 0)
		return ALIGN_NO;
	len = strlen(id);
	if (!domain_ok(id, len))
		return ALIGN_NO;
	if (same_name(id, len, x->author, x->author_len))
		return ALIGN_YES;
	if (mode == DMARC_ALIGN_STRICT || !same_tld(id, len, x->author, x->author_len))
		return ALIGN_NO;
	if (!x->wa_done) {
		switch (walk_run(x, &x->wa, x->author, x->author_len)) {
		case W_NEED:
			return ALIGN_NEED;
		case W_ERROR:
			return ALIGN_ERROR;
		case W_DONE:
			break;
		}
		x->wa_done = 1;
	}
	aoff = org_select(&x->wa, &idx);
	if (!at_or_below(id, len, x->author + aoff, x->author_len - aoff))
		return ALIGN_NO;
	switch (walk_run(x, &wd, id, len)) {
	case W_NEED:
		return ALIGN_NEED;
	case W_ERROR:
		return ALIGN_ERROR;
	case W_DONE:
		break;
	}
	doff = org_select(&wd, &idx);
	return same_name(id + doff, len - doff, x->author + aoff, x->author_len - aoff) ?
	    ALIGN_YES : ALIGN_NO;
}

/*
 * RFC 9989 5.3.6: when no identifier that passed aligns, one that SPF or DKIM could
 * not check for a transient DNS error, and that would align, means the DNS did not
 * let DMARC decide. ALIGN_YES (or ALIGN_ERROR, the alignment itself could not be
 * decided) then makes the result temperror. An identifier that would not align
 * changes nothing: a signature whose domain never answers cannot turn a forger's
 * fail into a temperror.
 */
static enum align
unchecked_aligned(struct ctx *x, const struct dmarc_input *in,
    const struct dmarc_record *rec)
{
	size_t i, n = in->ndkim_temp < DMARC_DKIM_DOMAINS_MAX ? in->ndkim_temp :
	    DMARC_DKIM_DOMAINS_MAX;
	enum align a;

	if (in->spf_temp_domain != NULL) {
		a = aligned(x, in->spf_temp_domain, rec->aspf);
		if (a == ALIGN_YES)
			reason(x->out, "SPF temperror for %s, aligned with %s",
			    in->spf_temp_domain, x->author);
		if (a != ALIGN_NO)
			return a;
	}
	for (i = 0; i < n; i++) {
		a = aligned(x, in->dkim_temp_domains[i], rec->adkim);
		if (a == ALIGN_YES)
			reason(x->out, "DKIM temperror for d=%s, aligned with %s",
			    in->dkim_temp_domains[i], x->author);
		if (a != ALIGN_NO)
			return a;
	}
	return ALIGN_NO;
}

/* The record that applies (RFC 9989 4.10.1), or none. */
struct policy_rec {
	int			 found;
	struct dmarc_record	 rec;
	size_t			 off;	/* its domain is author + off */
};

static enum wres
discover(struct ctx *x, struct policy_rec *pr)
{
	int idx;
	size_t i, org;

	pr->found = 0;
	switch (lookup(x, x->author, x->author_len, &pr->rec)) {
	case LOOK_NEED:
		return W_NEED;
	case LOOK_ERROR:
		return W_ERROR;
	case LOOK_FOUND:
		pr->found = 1;
		pr->off = 0;
		return W_DONE;
	case LOOK_NONE:
		break;
	}
	/* The walk repeats the Author Domain's question from the cache, then goes on
	 * from its parent (or from seven labels), as 4.10.1 says. */
	switch (walk_run(x, &x->wa, x->author, x->author_len)) {
	case W_NEED:
		return W_NEED;
	case W_ERROR:
		return W_ERROR;
	case W_DONE:
		break;
	}
	x->wa_done = 1;
	org = org_select(&x->wa, &idx);
	if (idx >= 0 && x->wa.e[idx].has) {
		pr->found = 1;
		pr->rec = x->wa.e[idx].rec;
		pr->off = org;
		return W_DONE;
	}
	if (idx < 0) {
		/* psd=y made a name the walk skipped the Organizational Domain */
		switch (lookup(x, x->author + org, x->author_len - org, &pr->rec)) {
		case LOOK_NEED:
			return W_NEED;
		case LOOK_ERROR:
			return W_ERROR;
		case LOOK_FOUND:
			pr->found = 1;
			pr->off = org;
			return W_DONE;
		case LOOK_NONE:
			break;
		}
	}
	/* lowest preference: the Public Suffix Domain's record */
	for (i = 0; i < x->wa.n; i++)
		if (x->wa.e[i].has && x->wa.e[i].rec.psd == DMARC_PSD_Y) {
			pr->found = 1;
			pr->rec = x->wa.e[i].rec;
			pr->off = x->wa.e[i].off;
		}
	return W_DONE;
}

/* Two From domains are one when their A-label forms are (bücher.example is
 * xn--bcher-kva.example); a domain that is no valid IDN equals only itself. */
static int
same_domain(const char *a, const char *b)
{
	char aa[DNS_NAME_MAX + 1], ab[DNS_NAME_MAX + 1];
	const char *why;

	if (strcasecmp(a, b) == 0)
		return 1;
	return to_alabels(a, strlen(a), aa, &why) == 0 &&
	    to_alabels(b, strlen(b), ab, &why) == 0 && strcmp(aa, ab) == 0;
}

/*
 * RFC 9989 5.3.1 asks for exactly one Author Domain: several mailboxes of one domain
 * have one (OpenDMARC reads them so too). All must have been kept to be compared.
 */
static int
one_author_domain(const struct from_result *f)
{
	size_t i;

	if (f->err == FROM_OK)
		return 1;
	if (f->err != FROM_MANY_ADDRESSES || f->naddrs > FROM_ADDRS_MAX)
		return 0;
	for (i = 1; i < f->naddrs; i++)
		if (f->addr[i].literal != f->addr[0].literal ||
		    !same_domain(f->addr[i].domain, f->addr[0].domain))
			return 0;
	return 1;
}

static enum dmarc_status
from_fail(struct dmarc_result *out, enum from_err err)
{
	out->result = DMARC_RES_FAIL;
	reason(out, "%s", from_strerror(err));
	return DMARC_DONE;
}

static enum dmarc_status
done(struct dmarc_result *out, enum dmarc_res res)
{
	out->result = res;
	return DMARC_DONE;
}

enum dmarc_status
dmarc_eval(const struct dmarc_input *in, struct dns_cache *cache, struct dmarc_result *out)
{
	struct ctx x;
	struct policy_rec pr;
	struct dmarc_record *rec = &pr.rec;
	const char *dkim_seen[DMARC_DKIM_DOMAINS_MAX], *why;
	size_t i, j, nseen = 0;
	int error = 0, sub;
	char err_reason[DMARC_REASON_MAX] = "";
	enum align a;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.cache = cache;
	x.out = out;
	if (!one_author_domain(in->from))
		return from_fail(out, in->from->err);
	if (in->from->addr[0].literal) {
		snprintf(out->author, sizeof(out->author), "%s", in->from->addr[0].domain);
		reason(out, "author domain is an address literal");
		return done(out, DMARC_RES_NONE);
	}
	/* RFC 9989 5.3.1, RFC 8616 6: the Author Domain as A-labels, before anything */
	if (to_alabels(in->from->addr[0].domain, strlen(in->from->addr[0].domain),
	    out->author, &why) != 0) {
		out->author[0] = '\0';
		reason(out, "author domain is not a valid IDN: %s", why);
		return done(out, DMARC_RES_PERMERROR);
	}
	x.author = out->author;
	x.author_len = strlen(out->author);
	if (!domain_ok(x.author, x.author_len)) {
		reason(out, "author domain is not a host name");
		return done(out, DMARC_RES_NONE);
	}

	switch (discover(&x, &pr)) {
	case W_NEED:
		return DMARC_NEED_DNS;
	case W_ERROR:
		return done(out, DMARC_RES_TEMPERROR);
	case W_DONE:
		break;
	}
	if (!pr.found) {
		reason(out, "no DMARC policy record for %s", x.author);
		return done(out, DMARC_RES_NONE);
	}
	snprintf(out->policy_domain, sizeof(out->policy_domain), "%s", x.author + pr.off);
	sub = pr.off != 0;
	if (rec->p_state == DMARC_TAG_INVALID || rec->sp_state == DMARC_TAG_INVALID ||
	    rec->np_state == DMARC_TAG_INVALID) {
		if (!rec->rua_valid) {
			reason(out, "invalid p, sp or np in _dmarc.%s", out->policy_domain);
			return done(out, DMARC_RES_PERMERROR);
		}
		/* 4.10.1: act as if the record said p=none */
		rec->p_state = DMARC_TAG_VALID;
		rec->p = DMARC_POLICY_NONE;
		rec->sp_state = rec->np_state = DMARC_TAG_ABSENT;
	}

	if (in->spf_domain != NULL) {
		a = aligned(&x, in->spf_domain, rec->aspf);
		if (a == ALIGN_NEED)
			return DMARC_NEED_DNS;
		if (a == ALIGN_ERROR) {
			error = 1;
			memcpy(err_reason, out->reason, sizeof(err_reason));
		}
		out->spf_aligned = a == ALIGN_YES;
	}
	for (i = 0; i < in->ndkim && !out->spf_aligned && !out->dkim_aligned; i++) {
		for (j = 0; j < nseen; j++)
			if (strcasecmp(dkim_seen[j], in->dkim_domains[i]) == 0)
				break;
		if (j < nseen)
			continue;
		if (nseen == DMARC_DKIM_DOMAINS_MAX)
			break;
		dkim_seen[nseen++] = in->dkim_domains[i];
		a = aligned(&x, in->dkim_domains[i], rec->adkim);
		if (a == ALIGN_NEED)
			return DMARC_NEED_DNS;
		if (a == ALIGN_ERROR && !error) {
			error = 1;
			memcpy(err_reason, out->reason, sizeof(err_reason));
		}
		if (a == ALIGN_YES) {
			out->dkim_aligned = 1;
			reason(out, "DKIM d=%s aligned (%s)", in->dkim_domains[i],
			    rec->adkim == DMARC_ALIGN_STRICT ? "strict" : "relaxed");
		}
	}
	if (out->spf_aligned)
		reason(out, "SPF %s aligned (%s)", in->spf_domain,
		    rec->aspf == DMARC_ALIGN_STRICT ? "strict" : "relaxed");
	if (!out->spf_aligned && !out->dkim_aligned && !error) {
		a = unchecked_aligned(&x, in, rec);
		if (a == ALIGN_NEED)
			return DMARC_NEED_DNS;
		if (a != ALIGN_NO) {
			error = 1;
			memcpy(err_reason, out->reason, sizeof(err_reason));
		}
	}

	/* The policy for a failing message: p for the Author Domain's own record; for
	 * a subdomain sp, or np when the Author Domain does not exist (RFC 8020). */
	out->policy = rec->p;
	if (sub && rec->np_state == DMARC_TAG_VALID && !out->spf_aligned &&
	    !out->dkim_aligned && !error) {
		const struct dns_rrset *set = dns_cache_get(cache, x.author, x.author_len,
		    DNS_T_TXT);

		if (set == NULL)
			return DMARC_NEED_DNS;
		if (set->result == DNS_TIMEOUT || set->result == DNS_SERVFAIL) {
			reason(out, "DNS %s at %s", dns_error_name(set->result), x.author);
			return done(out, DMARC_RES_TEMPERROR);
		}
		if (set->result == DNS_NXDOMAIN)
			out->policy = rec->np;
		else if (rec->sp_state == DMARC_TAG_VALID)
			out->policy = rec->sp;
	} else if (sub && rec->sp_state == DMARC_TAG_VALID)
		out->policy = rec->sp;
	if (rec->testing && out->policy != DMARC_POLICY_NONE) {
		/* t=y: one level below (4.7), replacing RFC 7489's pct */
		out->policy = out->policy == DMARC_POLICY_REJECT ?
		    DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
		out->testing = 1;
	}

	if (out->spf_aligned || out->dkim_aligned)
		return done(out, DMARC_RES_PASS);
	if (error) {
		memcpy(out->reason, err_reason, sizeof(out->reason));
		return done(out, DMARC_RES_TEMPERROR);
	}
	reason(out, "no authenticated identifier aligned with %s (%s)", x.author,
	    in->spf_domain == NULL && in->ndkim == 0 ? "SPF and DKIM did not pass" :
	    "SPF or DKIM passed for another domain");
	return done(out, DMARC_RES_FAIL);
}

const char *
dmarc_res_name(enum dmarc_res r)
{
	switch (r) {
	case DMARC_RES_PASS:
		return "pass";
	case DMARC_RES_FAIL:
		return "fail";
	case DMARC_RES_TEMPERROR:
		return "temperror";
	case DMARC_RES_PERMERROR:
		return "permerror";
	case DMARC_RES_NONE:
		break;
	}
	return "none";
}
