/*
 * test_spf_macro.c - the SPF macro expander: the examples of RFC 7208 section 7.4,
 * every letter, transformers and delimiters, URL escaping, the letters reserved to
 * explanations, syntax errors, and the left cut of long domain names (7.3).
 */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "auth/spf_macro.h"

#define S(x) x, sizeof(x) - 1

/* The values of RFC 7208 7.4: sender strong-bad@email.example.com, PTR mx.example.org. */
static void
vars_74(struct spf_macro_vars *v, int family)
{
	memset(v, 0, sizeof(*v));
	v->sender = "strong-bad@email.example.com";
	v->sender_len = strlen(v->sender);
	v->local = "strong-bad";
	v->local_len = strlen(v->local);
	v->sender_domain = v->domain = "email.example.com";
	v->sender_domain_len = v->domain_len = strlen(v->domain);
	v->helo = "mx.example.org";
	v->helo_len = strlen(v->helo);
	v->ptr = "mx.example.org";
	v->ptr_len = strlen(v->ptr);
	v->family = family;
	if (family == AF_INET)
		assert_int_equal(inet_pton(AF_INET, "192.0.2.3", v->ip), 1);
	else
		assert_int_equal(inet_pton(AF_INET6, "2001:db8::cb01", v->ip), 1);
	v->now = 1234567890;
}

struct good {
	int family;
	enum spf_macro_ctx ctx;
	const char *in;
	const char *out;
};

static void
test_expand(void **state)
{
	static const struct good cases[] = {
		/* RFC 7208 7.4, first table. */
		{ AF_INET, SPF_MACRO_DOMAIN, "%{s}", "strong-bad@email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{o}", "email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d}", "email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d4}", "email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d3}", "email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d2}", "example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d1}", "com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{dr}", "com.example.email" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d2r}", "example.email" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{l}", "strong-bad" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{l-}", "strong.bad" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{lr}", "strong-bad" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{lr-}", "bad.strong" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{l1r-}", "strong" },
		/* RFC 7208 7.4, second table. */
		{ AF_INET, SPF_MACRO_DOMAIN, "%{ir}.%{v}._spf.%{d2}",
		  "3.2.0.192.in-addr._spf.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{lr-}.lp._spf.%{d2}",
		  "bad.strong.lp._spf.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		  "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d2}.trusted-domains.example.net",
		  "example.com.trusted-domains.example.net" },
		{ AF_INET6, SPF_MACRO_DOMAIN, "%{ir}.%{v}._spf.%{d2}",
		  "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com" },
		/* The other letters, case, escapes. */
		{ AF_INET, SPF_MACRO_DOMAIN, "%{i}", "192.0.2.3" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{I}", "192.0.2.3" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{p}.%{h}", "mx.example.org.mx.example.org" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{D1R}", "email" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{S}", "strong-bad%40email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%%%_%-", "% %20" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d99}", "email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{d12345678901234567890}", "email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{s2}", "example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{s=}", "strong-bad@email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{s-.}", "strong.bad@email.example.com" },
		{ AF_INET, SPF_MACRO_DOMAIN, "%{sr-.}", "com.example.bad@email.strong" },
		{ AF_INET, SPF_MACRO_DOMAIN, "a..b", "a..b" },
		/* Explanation letters and spaces. */
		{ AF_INET, SPF_MACRO_EXPLAIN, "%{c} is not one of %{d}'s servers",
		  "192.0.2.3 is not one of email.example.com's servers" },
		{ AF_INET6, SPF_MACRO_EXPLAIN, "from %{c} at %{t} seen by %{r}",
		  "from 2001:db8::cb01 at 1234567890 seen by unknown" },
		{ AF_INET6, SPF_MACRO_EXPLAIN, "%{t2}", "1234567890" },
		{ AF_INET, SPF_MACRO_EXPLAIN, "http://example.com/why.html?l=%{L}",
		  "http://example.com/why.html?l=strong-bad" },
		{ AF_INET, SPF_MACRO_EXPLAIN, "", "" },
		{ AF_INET, SPF_MACRO_MODIFIER, "man:dog/cat", "man:dog/cat" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spf_macro_vars v;
		const char *reason = NULL;
		char out[SPF_MACRO_DOMAIN_BUF];
		size_t n;
		enum spf_macro_err e;

		vars_74(&v, cases[i].family);
		e = spf_macro_expand(cases[i].in, strlen(cases[i].in), cases[i].ctx, &v, out,
		    sizeof(out), &n, &reason);
		if (e != SPF_MACRO_OK)
			fail_msg("case %zu \"%s\": error %s", i, cases[i].in, reason);
		if (strcmp(out, cases[i].out) != 0 || n != strlen(out))
			fail_msg("case %zu \"%s\": got \"%s\", want \"%s\"", i, cases[i].in, out,
			    cases[i].out);
		assert_int_equal(spf_macro_check(cases[i].in, strlen(cases[i].in),
		    cases[i].ctx, NULL, &reason), SPF_MACRO_OK);
	}
}

static void
test_url_escape(void **state)
{
	struct spf_macro_vars v;
	const char *reason = NULL;
	char out[256];
	size_t n;

	/* RFC 7208 7.3: everything outside the unreserved set is escaped. */
	vars_74(&v, AF_INET);
	v.local = "~jack&jill=up-a_b3.c";
	v.local_len = strlen(v.local);
	assert_int_equal(spf_macro_expand(S("l=%{L}"), SPF_MACRO_EXPLAIN, &v, out, sizeof(out),
	    &n, &reason), SPF_MACRO_OK);
	assert_string_equal(out, "l=~jack%26jill%3Dup-a_b3.c");
	v.helo = "JUMPIN' JUPITER";
	v.helo_len = strlen(v.helo);
	assert_int_equal(spf_macro_expand(S("%{H}"), SPF_MACRO_DOMAIN, &v, out, sizeof(out),
	    &n, &reason), SPF_MACRO_OK);
	assert_string_equal(out, "JUMPIN%27%20JUPITER");
	v.helo = "\xff\x01";
	v.helo_len = 2;
	assert_int_equal(spf_macro_expand(S("%{H}"), SPF_MACRO_DOMAIN, &v, out, sizeof(out),
	    &n, &reason), SPF_MACRO_OK);
	assert_string_equal(out, "%FF%01");
}

struct bad {
	enum spf_macro_ctx ctx;
	const char *in;
	const char *reason;
};

static void
test_syntax(void **state)
{
	static const struct bad cases[] = {
		{ SPF_MACRO_DOMAIN, "%", "at end" },
		{ SPF_MACRO_DOMAIN, "abc%", "at end" },
		{ SPF_MACRO_DOMAIN, "%(ir)", "not followed" },
		{ SPF_MACRO_DOMAIN, "%x", "not followed" },
		{ SPF_MACRO_DOMAIN, "%{", "unterminated" },
		{ SPF_MACRO_DOMAIN, "%{}", "unknown macro letter" },
		{ SPF_MACRO_DOMAIN, "%{a}", "unknown macro letter" },
		{ SPF_MACRO_DOMAIN, "%{c}", "only in explanation" },
		{ SPF_MACRO_DOMAIN, "%{R}", "only in explanation" },
		{ SPF_MACRO_DOMAIN, "%{t}", "only in explanation" },
		{ SPF_MACRO_DOMAIN, "%{d0}", "zero" },
		{ SPF_MACRO_DOMAIN, "%{d00}", "zero" },
		{ SPF_MACRO_DOMAIN, "%{d", "malformed" },
		{ SPF_MACRO_DOMAIN, "%{d2", "malformed" },
		{ SPF_MACRO_DOMAIN, "%{drr}", "malformed" },
		{ SPF_MACRO_DOMAIN, "%{dr2}", "malformed" },
		{ SPF_MACRO_DOMAIN, "%{d:}", "malformed" },
		{ SPF_MACRO_DOMAIN, "%{d }", "malformed" },
		{ SPF_MACRO_DOMAIN, "a b", "character" },
		{ SPF_MACRO_MODIFIER, "a b", "character" },
		{ SPF_MACRO_MODIFIER, "%{c}", "only in explanation" },
		{ SPF_MACRO_MODIFIER, "%{r}", "only in explanation" },
		{ SPF_MACRO_MODIFIER, "%{T}", "only in explanation" },
		{ SPF_MACRO_EXPLAIN, "a\tb", "character" },
		{ SPF_MACRO_EXPLAIN, "\xEF\xBB\xBF" "Explanation", "character" },
		{ SPF_MACRO_EXPLAIN, "The %{x}-files.", "unknown macro letter" },
	};
	const char *reason0 = NULL;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spf_macro_vars v;
		const char *reason = NULL;
		char out[64];
		size_t n, len = strlen(cases[i].in);

		if (spf_macro_check(cases[i].in, len, cases[i].ctx, NULL, &reason) !=
		    SPF_MACRO_SYNTAX || strstr(reason, cases[i].reason) == NULL)
			fail_msg("case %zu \"%s\": check gave \"%s\", want \"%s\"", i,
			    cases[i].in, reason ? reason : "ok", cases[i].reason);
		vars_74(&v, AF_INET);
		assert_int_equal(spf_macro_expand(cases[i].in, len, cases[i].ctx, &v, out,
		    sizeof(out), &n, &reason), SPF_MACRO_SYNTAX);
		assert_int_equal(n, 0);
	}
	/* A NUL is a byte like another, not an end. */
	assert_int_equal(spf_macro_check("a\0b", 3, SPF_MACRO_DOMAIN, NULL, &reason0),
	    SPF_MACRO_SYNTAX);
}

static void
test_info(void **state)
{
	struct spf_macro_info info;
	const char *reason = NULL;

	assert_int_equal(spf_macro_check(S("%{d}.example.com"), SPF_MACRO_DOMAIN, &info,
	    &reason), SPF_MACRO_OK);
	assert_int_equal(info.tail, 4);
	assert_int_equal(info.letters, 0);
	assert_int_equal(spf_macro_check(S("x.%{p}"), SPF_MACRO_DOMAIN, &info, &reason),
	    SPF_MACRO_OK);
	assert_int_equal(info.tail, 6);
	assert_int_equal(info.letters, SPF_MACRO_USES_P);
	assert_int_equal(spf_macro_check(S("a%%"), SPF_MACRO_DOMAIN, &info, &reason),
	    SPF_MACRO_OK);
	assert_int_equal(info.tail, 3);
	assert_int_equal(spf_macro_check(S("plain.example.com"), SPF_MACRO_DOMAIN, &info,
	    &reason), SPF_MACRO_OK);
	assert_int_equal(info.tail, 0);
}

static void
test_too_long(void **state)
{
	struct spf_macro_vars v;
	const char *reason = NULL;
	char out[16];
	size_t n = 99;

	vars_74(&v, AF_INET);
	assert_int_equal(spf_macro_expand(S("0123456789abcde"), SPF_MACRO_EXPLAIN, &v, out,
	    sizeof(out), &n, &reason), SPF_MACRO_OK);
	assert_int_equal(n, 15);
	assert_int_equal(spf_macro_expand(S("0123456789abcdef"), SPF_MACRO_EXPLAIN, &v, out,
	    sizeof(out), &n, &reason), SPF_MACRO_TOO_LONG);
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	assert_int_equal(spf_macro_expand(S("%{s}"), SPF_MACRO_EXPLAIN, &v, out,
	    sizeof(out), &n, &reason), SPF_MACRO_TOO_LONG);
}

static void
test_domain(void **state)
{
	struct spf_macro_vars v;
	const char *reason = NULL;
	char out[SPF_MACRO_DOMAIN_BUF], want[SPF_MACRO_DOMAIN_BUF];
	char spec[600];
	size_t n, k;

	vars_74(&v, AF_INET);
	/* One trailing dot goes. */
	assert_int_equal(spf_macro_expand_domain(S("%{d}.d.spf.example.com."), &v, out, &n,
	    &reason), SPF_MACRO_OK);
	assert_string_equal(out, "email.example.com.d.spf.example.com");

	/* The suite's domain-name-truncation case: 258 octets lose "foobar." (7.3). */
	v.sender_domain = "somewhat.long.exp.example.com";
	v.sender_domain_len = strlen(v.sender_domain);
	assert_int_equal(spf_macro_expand_domain(
	    S("foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com"), &v, out, &n,
	    &reason), SPF_MACRO_OK);
	snprintf(want, sizeof(want), "%s.%s.%s.%s.%s.%s.%s.%s.example.com", v.sender_domain,
	    v.sender_domain, v.sender_domain, v.sender_domain, v.sender_domain,
	    v.sender_domain, v.sender_domain, v.sender_domain);
	assert_string_equal(out, want);
	assert_int_equal(n, 251);

	/* Longer than the working buffer: the right-hand end is kept, cut on a label. */
	spec[0] = '\0';
	for (k = 0; k < 20; k++)
		strncat(spec, "%{o}.", sizeof(spec) - strlen(spec) - 1);
	strncat(spec, "example.com", sizeof(spec) - strlen(spec) - 1);
	assert_int_equal(spf_macro_expand_domain(spec, strlen(spec), &v, out, &n, &reason),
	    SPF_MACRO_OK);
	assert_true(n <= SPF_DOMAIN_MAX);
	assert_int_equal(n, strlen(out));
	assert_int_equal(n, 251);	/* 8 x "somewhat.long.exp.example.com." + "example.com" */
	assert_memory_equal(out, want, n);

	/* Labels go from the left, down to the last one if need be. */
	memset(spec, 'x', 300);
	memcpy(spec + 300, ".com", 5);
	assert_int_equal(spf_macro_expand_domain(spec, strlen(spec), &v, out, &n, &reason),
	    SPF_MACRO_OK);
	assert_string_equal(out, "com");

	/* A last label longer than the limit cannot be cut to fit. */
	memset(spec, 'y', 300);
	v.helo = spec;
	v.helo_len = 300;
	assert_int_equal(spf_macro_expand_domain(S("x.%{h}"), &v, out, &n, &reason),
	    SPF_MACRO_TOO_LONG);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
