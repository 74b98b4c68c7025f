/*
 * fuzz_admin_json.c - the admin API's input and output on arbitrary bytes: the
 * admin_tokens parser (a failure leaves nothing; a success gives tokens that check),
 * the merge of [web] and per-domain lists (the input's lines: the first is [web]'s,
 * each other "DOMAIN|LIST"; a failure leaves the tokens as they were; names and
 * tokens stay distinct, each token checks to itself and reaches exactly its sorted
 * domains), the scope decisions on the raw input, and the one JSON escaping function
 * (its output is a JSON string of printable ASCII and valid UTF-8 only, whatever
 * the input).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "release-web/admin_auth.h"
#include "release-web/admin_scope.h"
#include "release-web/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_string(const unsigned char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	for (i = 1; i + 1 < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			abort();	/* a raw control character */
		if (s[i] == '"')
			abort();	/* an unescaped quote */
		if (s[i] == '\\') {
			if (i + 2 >= n)
				abort();
			i++;
			if (s[i] == 'u') {
				if (i + 5 >= n)
					abort();
				i += 4;
			} else if (strchr("\"\\nrt", s[i]) == NULL)
				abort();
		}
	}
}

static void
check_merged(const struct admin_tokens *t, const char *data, size_t size)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		const struct admin_scope *s = &t->v[i].scope;

		if (admin_tokens_check(t, (const char *)t->v[i].token, t->v[i].len) !=
		    &t->v[i])
			abort();
		if (s->all != (s->n == 0))
			abort();	/* [web]'s, or some domains: never neither or both */
		for (k = 0; k < s->n; k++) {
			if (k > 0 && strcmp(s->domains[k - 1], s->domains[k]) >= 0)
				abort();
			if (!admin_scope_domain(s, s->domains[k], strlen(s->domains[k])))
				abort();
		}
		for (k = 0; k < i; k++)
			if (strcmp(t->v[k].name, t->v[i].name) == 0)
				abort();
		(void)admin_scope_rcpt(s, data, size);
		(void)admin_scope_domain(s, data, size);
	}
}

/* One line: the first is [web]'s list, the others "DOMAIN|LIST". */
static void
merge_line(struct admin_tokens *t, const char *p, size_t len, size_t line)
{
	char domain[300];
	const char *why, *bar;
	size_t before = t->n, dl;
	int rc;

	if (line == 0)
		rc = admin_tokens_add(t, p, len, NULL, &why);
	else {
		if ((bar = memchr(p, '|', len)) == NULL)
			return;
		dl = (size_t)(bar - p);
		if (dl >= sizeof(domain) || memchr(p, '\0', dl) != NULL)
			return;
		memcpy(domain, p, dl);
		domain[dl] = '\0';
		rc = admin_tokens_add(t, bar + 1, len - dl - 1, domain, &why);
	}
	if (rc != 0 && (t->n != before || why == NULL))
		abort();	/* a refused list changes nothing */
}

/* Feeds the lines of data to admin_tokens_add, then checks the result. */
static void
merge(const char *data, size_t size)
{
	struct admin_tokens t;
	const char *p = data, *end = data + size, *nl;
	size_t line = 0;

	memset(&t, 0, sizeof(t));
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		merge_line(&t, p, (size_t)(nl - p), line++);
		p = nl < end ? nl + 1 : end;
	}
	check_merged(&t, data, size);
	admin_tokens_clear(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct admin_tokens t;
	struct json j;
	const char *why;
	size_t i, len;
	char *out;

	if (admin_tokens_parse((const char *)data, size, &t, &why) != 0) {
		if (why == NULL || t.v != NULL || t.n != 0)
			abort();
	} else {
		for (i = 0; i < t.n; i++)
			if (admin_tokens_check(&t, (const char *)t.v[i].token, t.v[i].len) !=
			    &t.v[i])
				abort();
		admin_tokens_clear(&t);
	}
	merge((const char *)data, size);
	json_init(&j);
	json_strn(&j, (const char *)data, size);
	out = json_take(&j, &len);
	check_string((const unsigned char *)out, len);
	free(out);
	return 0;
}
