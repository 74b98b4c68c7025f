/*
 * spf_suite.c - runs the RFC 7208 test suite (openspf, from pyspf) against
 * spf_check(), exactly as the daemon drives it: each test starts with an empty DNS
 * cache, and on SPF_NEED_DNS the wanted question is answered from the test's zone and
 * the evaluation restarts. One TAP line per suite test.
 *
 * Input: the line format of spf_suite.py (which reads the YAML and owns the zone
 * conventions), the file named by argv[1]. This file owns two of them: a name absent
 * from the zone does not exist, except names starting with "error.", which time out.
 *
 * A test passes when the result is one of those listed, and, when the test gives an
 * explanation, when the explanation is that text ("DEFAULT" is the suite driver's
 * default explanation: the evaluation gave none).
 *
 * Excluded tests: none.
 * Tests whose explanation is compared without regard to ASCII case: see `caseless`.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "auth/dns.h"
#include "auth/spf.h"
#include "common/xmalloc.h"

static const struct {
	const char *test;
	const char *why;
} caseless[] = {
	{ "v-macro-ip6", "the suite writes the %{ir} nibbles of an IPv6 address in upper "
	  "case (pyspf's output); RFC 7208 7.4 writes them in lower case, as this code "
	  "does: the same DNS name" },
};

#define FIELDS_MAX (5 + DNS_RR_MAX)

struct answer {
	char		*name;
	enum dns_type	 type;
	enum dns_result	 result;
	size_t		 n;
	struct dns_rr	 rr[DNS_RR_MAX];
};

struct zone {
	struct answer	*a;
	size_t		 n;
};

static void
zone_clear(struct zone *z)
{
	size_t i, j;

	for (i = 0; i < z->n; i++) {
		for (j = 0; j < z->a[i].n; j++)
			free(z->a[i].rr[j].data);
		free(z->a[i].name);
	}
	free(z->a);
	z->a = NULL;
	z->n = 0;
}

/* Undoes the \xHH escapes of spf_suite.py in place; returns the length. */
static size_t
unescape(char *s)
{
	size_t i = 0, o = 0;

	while (s[i] != '\0') {
		if (s[i] == '\\' && s[i + 1] == 'x' && s[i + 2] != '\0' && s[i + 3] != '\0') {
			char hex[3] = { s[i + 2], s[i + 3], '\0' };

			s[o++] = (char)strtoul(hex, NULL, 16);
			i += 4;
		} else {
			s[o++] = s[i++];
		}
	}
	s[o] = '\0';
	return o;
}

static size_t
split(char *line, char **f, size_t *len, size_t max)
{
	size_t n = 0;
	char *p = line, *tab;

	while (n < max) {
		f[n] = p;
		tab = strchr(p, '\t');
		if (tab != NULL)
			*tab = '\0';
		len[n] = unescape(f[n]);
		n++;
		if (tab == NULL)
			break;
		p = tab + 1;
	}
	return n;
}

static int
type_of(const char *s, enum dns_type *t)
{
	static const struct { const char *name; enum dns_type type; } types[] = {
		{ "A", DNS_T_A }, { "AAAA", DNS_T_AAAA }, { "MX", DNS_T_MX },
		{ "PTR", DNS_T_PTR }, { "TXT", DNS_T_TXT },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(s, types[i].name) == 0) {
			*t = types[i].type;
			return 0;
		}
	return -1;
}

static int
result_of(const char *s, enum dns_result *r)
{
	static const struct { const char *name; enum dns_result r; } rs[] = {
		{ "OK", DNS_OK }, { "NODATA", DNS_NODATA }, { "NXDOMAIN", DNS_NXDOMAIN },
		{ "TIMEOUT", DNS_TIMEOUT }, { "SERVFAIL", DNS_SERVFAIL },
	};
	size_t i;

	for (i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		if (strcmp(s, rs[i].name) == 0) {
			*r = rs[i].r;
			return 0;
		}
	return -1;
}

/* D name type result count rr... */
static int
add_answer(struct zone *z, char **f, size_t *len, size_t nf)
{
	struct answer *a;
	size_t i, n;

	if (nf < 5)
		return -1;
	n = strtoul(f[4], NULL, 10);
	if (n > DNS_RR_MAX || nf != 5 + n)
		return -1;
	z->a = xreallocarray(z->a, z->n + 1, sizeof(*z->a));
	a = &z->a[z->n++];
	memset(a, 0, sizeof(*a));
	a->name = xstrndup(f[1], len[1]);
	if (type_of(f[2], &a->type) < 0 || result_of(f[3], &a->result) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *v = f[5 + i];
		size_t vlen = len[5 + i];
		struct dns_rr *rr = &a->rr[a->n++];

		switch (a->type) {
		case DNS_T_A:
		case DNS_T_AAAA:
			rr->data = xmalloc(16);
			rr->len = a->type == DNS_T_A ? 4 : 16;
			if (inet_pton(a->type == DNS_T_A ? AF_INET : AF_INET6, v, rr->data) != 1)
				return -1;
			break;
		case DNS_T_MX: {
			const char *sp = strchr(v, ' ');

			if (sp == NULL)
				return -1;
			rr->pref = (unsigned)strtoul(v, NULL, 10);
			rr->len = vlen - (size_t)(sp + 1 - v);
			rr->data = (unsigned char *)xstrndup(sp + 1, rr->len);
			break;
		}
		case DNS_T_PTR:
		case DNS_T_TXT:
			rr->len = vlen;
			rr->data = (unsigned char *)xstrndup(v, vlen);
			break;
		}
	}
	return 0;
}

/* Answers the wanted question from the zone; the result of dns_cache_put. */
static int
resolve(const struct zone *z, struct dns_cache *cache)
{
	const char *name;
	enum dns_type type;
	size_t i, len;

	if (dns_cache_wanted(cache, &name, &type) < 0)
		return -1;
	len = strlen(name);
	for (i = 0; i < z->n; i++)
		if (z->a[i].type == type && strlen(z->a[i].name) == len &&
		    strncasecmp(z->a[i].name, name, len) == 0)
			return dns_cache_put(cache, name, len, type, z->a[i].result, z->a[i].rr,
			    z->a[i].n);
	return dns_cache_put(cache, name, len, type,
	    strncasecmp(name, "error.", 6) == 0 ? DNS_TIMEOUT : DNS_NXDOMAIN, NULL, 0);
}

static int
is_caseless(const char *test)
{
	size_t i;

	for (i = 0; i < sizeof(caseless) / sizeof(caseless[0]); i++)
		if (strcmp(caseless[i].test, test) == 0)
			return 1;
	return 0;
}

/* T name spec helo host mailfrom results explanation; prints the TAP line. */
static int
run_test(const struct zone *z, const char *scenario, unsigned num, char **f, size_t *len)
{
	struct spf_request req;
	struct spf_outcome out;
	struct dns_cache *cache;
	enum spf_status st;
	const char *want_exp = f[7][0] == '=' ? f[7] + 1 : NULL;
	const char *result;
	char results[128], *tok, *save = NULL;
	int ok = 0, exp_ok = 1;
	unsigned rounds = 0;

	memset(&req, 0, sizeof(req));
	if (inet_pton(AF_INET, f[4], req.ip) == 1)
		req.family = AF_INET;
	else if (inet_pton(AF_INET6, f[4], req.ip) == 1)
		req.family = AF_INET6;
	else
		return -1;
	req.helo = f[3];
	req.helo_len = len[3];
	req.mail_from = f[5];
	req.mail_from_len = len[5];
	req.now = 1;

	cache = dns_cache_new();
	while ((st = spf_check(&req, cache, &out)) == SPF_NEED_DNS) {
		/* Every round stores one new answer: the cache bounds the rounds. */
		if (++rounds > DNS_CACHE_MAX || resolve(z, cache) < 0) {
			out.result = SPF_TEMPERROR;
			break;
		}
	}
	result = spf_result_name(out.result);
	snprintf(results, sizeof(results), "%s", f[6]);
	for (tok = strtok_r(results, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, result) == 0)
			ok = 1;
	if (want_exp != NULL) {
		const char *w = strcmp(want_exp, "DEFAULT") == 0 ? "" : want_exp;

		exp_ok = is_caseless(f[1]) ? strcasecmp(w, out.explanation) == 0 :
		    strcmp(w, out.explanation) == 0;
	}
	printf("%sok %u - %s: %s (%s)\n", ok && exp_ok ? "" : "not ", num, scenario, f[1],
	    f[2]);
	if (!ok || !exp_ok) {
		printf("# got %s, want %s; explanation \"%s\", want \"%s\"\n", result, f[6],
		    out.explanation, want_exp ? want_exp : "(any)");
		printf("# mechanism \"%s\" reason \"%s\" terms %u voids %u rounds %u\n",
		    out.mechanism, out.reason, out.dns_terms, out.void_lookups, rounds);
	}
	dns_cache_free(cache);
	return 0;
}

int
main(int argc, char **argv)
{
	struct zone z = { NULL, 0 };
	char *line = NULL, scenario[256] = "";
	char *f[FIELDS_MAX];
	size_t cap = 0, len[FIELDS_MAX], nf;
	ssize_t got;
	unsigned num = 0, lineno = 0;
	FILE *in;
	int status = 1;

	if (argc != 2 || (in = fopen(argv[1], "r")) == NULL) {
		printf("Bail out! cannot read the converted suite\n");
		return 1;
	}
	while ((got = getline(&line, &cap, in)) > 0) {
		lineno++;
		if (line[got - 1] == '\n')
			line[got - 1] = '\0';
		nf = split(line, f, len, FIELDS_MAX);
		if (strcmp(f[0], "Z") == 0 && nf == 2) {
			zone_clear(&z);
			snprintf(scenario, sizeof(scenario), "%s", f[1]);
		} else if (strcmp(f[0], "D") == 0) {
			if (add_answer(&z, f, len, nf) < 0)
				break;
		} else if (strcmp(f[0], "T") == 0 && nf == 8) {
			if (run_test(&z, scenario, ++num, f, len) < 0)
				break;
		} else if (strcmp(f[0], "N") == 0 && nf == 2) {
			if (strtoul(f[1], NULL, 10) == num) {
				printf("1..%u\n", num);
				status = 0;
			}
			break;
		} else {
			break;
		}
	}
	if (status != 0)
		printf("Bail out! bad or truncated suite input at line %u\n", lineno);
	free(line);
	zone_clear(&z);
	fclose(in);
	return status;
}
