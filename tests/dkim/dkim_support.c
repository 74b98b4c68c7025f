/*
 * dkim_support.c - file reading and the DNS table of the DKIM tests; see
 * dkim_support.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/dkim/dkim_support.h"

struct record {
	char		*name;
	enum dns_result	 result;
	char		*value;		/* TXT value, for DNS_OK */
};

struct dnstable {
	struct record	*r;
	size_t		 n;
};

static __attribute__((noreturn)) void
die(const char *what, const char *arg)
{
	fprintf(stderr, "dkim test support: %s: %s\n", what, arg);
	abort();
}

char *
test_read_file(const char *path, size_t *len, int crlf)
{
	FILE *f = fopen(path, "rb");
	char *raw, *out;
	long size;
	size_t i, n = 0, extra = 0;

	if (f == NULL)
		die("cannot open", path);
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		die("cannot size", path);
	if ((raw = malloc((size_t)size + 1)) == NULL)
		die("out of memory", path);
	if (fread(raw, 1, (size_t)size, f) != (size_t)size)
		die("cannot read", path);
	fclose(f);
	if (!crlf) {
		raw[size] = '\0';
		*len = (size_t)size;
		return raw;
	}
	for (i = 0; i < (size_t)size; i++)
		if (raw[i] == '\n')
			extra++;
	if ((out = malloc((size_t)size + extra + 1)) == NULL)
		die("out of memory", path);
	for (i = 0; i < (size_t)size; i++) {
		if (raw[i] == '\n')
			out[n++] = '\r';
		out[n++] = raw[i];
	}
	out[n] = '\0';
	free(raw);
	*len = n;
	return out;
}

static char *
dup_span(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		die("out of memory", "dnstable");
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

struct dnstable *
dnstable_parse(const char *text)
{
	struct dnstable *t = calloc(1, sizeof(*t));
	const char *line = text;

	if (t == NULL)
		die("out of memory", "dnstable");
	while (*line != '\0') {
		const char *end = strchr(line, '\n'), *tab1, *tab2;
		size_t len = end ? (size_t)(end - line) : strlen(line);
		struct record r;
		char *type;

		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0 || line[0] == '#')
			goto next;
		if ((tab1 = memchr(line, '\t', len)) == NULL)
			die("no tab in table line", dup_span(line, len));
		r.name = dup_span(line, (size_t)(tab1 - line));
		tab2 = memchr(tab1 + 1, '\t', len - (size_t)(tab1 + 1 - line));
		type = dup_span(tab1 + 1, (size_t)((tab2 ? tab2 : line + len) - tab1 - 1));
		r.value = NULL;
		if (strcmp(type, "TXT") == 0) {
			if (tab2 == NULL)
				die("TXT without value", r.name);
			r.result = DNS_OK;
			r.value = dup_span(tab2 + 1, (size_t)(line + len - tab2 - 1));
		} else if (strcmp(type, "TIMEOUT") == 0)
			r.result = DNS_TIMEOUT;
		else if (strcmp(type, "SERVFAIL") == 0)
			r.result = DNS_SERVFAIL;
		else if (strcmp(type, "NODATA") == 0)
			r.result = DNS_NODATA;
		else
			die("unknown record type", type);
		free(type);
		if ((t->r = realloc(t->r, (t->n + 1) * sizeof(*t->r))) == NULL)
			die("out of memory", "dnstable");
		t->r[t->n++] = r;
next:
		if (end == NULL)
			break;
		line = end + 1;
	}
	return t;
}

struct dnstable *
dnstable_load(const char *path)
{
	size_t len;
	char *text = test_read_file(path, &len, 0);
	struct dnstable *t;

	if (memchr(text, '\0', len) != NULL)
		die("NUL in table", path);
	t = dnstable_parse(text);
	free(text);
	return t;
}

void
dnstable_free(struct dnstable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->r[i].name);
		free(t->r[i].value);
	}
	free(t->r);
	free(t);
}

/* Answers one question: every TXT line of that name makes the RRset. */
static void
answer(const struct dnstable *t, struct dns_cache *c, const char *name, enum dns_type type)
{
	struct dns_rr rr[DNS_RR_MAX];
	enum dns_result result = DNS_NXDOMAIN;
	size_t i, n = 0;

	for (i = 0; i < t->n; i++) {
		if (strcasecmp(t->r[i].name, name) != 0)
			continue;
		if (t->r[i].result != DNS_OK) {
			result = t->r[i].result;
			n = 0;
			break;
		}
		if (type != DNS_T_TXT) {
			result = DNS_NODATA;
			continue;
		}
		if (n == DNS_RR_MAX)
			die("too many records", name);
		rr[n].data = (unsigned char *)t->r[i].value;
		rr[n].len = strlen(t->r[i].value);
		rr[n].pref = 0;
		n++;
		result = DNS_OK;
	}
	if (dns_cache_put(c, name, strlen(name), type, result, rr, n) != 0)
		die("DNS cache full", name);
}

int
dnstable_drive(const struct dnstable *t, struct dkim_ctx *ctx, struct dns_cache *c)
{
	const char *name;
	enum dns_type type;
	int asked = 0;

	while (dkim_verify_step(ctx, c) == DKIM_NEED_DNS) {
		if (dns_cache_wanted(c, &name, &type) != 0)
			die("NEED_DNS without a wanted question", "");
		if (++asked > DNS_CACHE_MAX)
			die("evaluation does not end", name);
		answer(t, c, name, type);
	}
	return asked;
}
