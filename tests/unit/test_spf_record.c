/*
 * test_spf_record.c - the SPF record parser: every mechanism and modifier, its
 * argument forms, and the syntax errors that RFC 7208 makes a permerror.
 *
 * Each good record is checked term by term against a canonical rendering of what the
 * parser produced (qualifier, name, domain-spec, CIDR lengths, address); each bad
 * record against the reason and the faulty term.
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

#include "auth/spf_record.h"

static const char *const type_names[] = {
	[SPF_TERM_ALL] = "all", [SPF_TERM_INCLUDE] = "include", [SPF_TERM_A] = "a",
	[SPF_TERM_MX] = "mx", [SPF_TERM_PTR] = "ptr", [SPF_TERM_IP4] = "ip4",
	[SPF_TERM_IP6] = "ip6", [SPF_TERM_EXISTS] = "exists",
	[SPF_TERM_REDIRECT] = "redirect", [SPF_TERM_EXP] = "exp",
};

/* Renders one term: "+a:spec/32//128", "-ip4:1.2.3.0/24", "exp=spec", "name=value". */
static void
render(const struct spf_term *t, char *out, size_t outsz)
{
	char addr[INET6_ADDRSTRLEN] = "";
	int n = 0;

	switch (t->type) {
	case SPF_TERM_REDIRECT:
	case SPF_TERM_EXP:
		n = snprintf(out, outsz, "%s=%.*s", type_names[t->type], (int)t->spec_len,
		    t->spec);
		break;
	case SPF_TERM_UNKNOWN:
		n = snprintf(out, outsz, "%.*s=%.*s", (int)t->name_len, t->name,
		    (int)t->spec_len, t->spec);
		break;
	case SPF_TERM_IP4:
	case SPF_TERM_IP6:
		inet_ntop(t->type == SPF_TERM_IP4 ? AF_INET : AF_INET6, t->addr, addr,
		    sizeof(addr));
		n = snprintf(out, outsz, "%c%s:%s/%u", t->qualifier, type_names[t->type], addr,
		    t->type == SPF_TERM_IP4 ? t->cidr4 : t->cidr6);
		break;
	case SPF_TERM_A:
	case SPF_TERM_MX:
		n = snprintf(out, outsz, "%c%s%s%.*s/%u//%u", t->qualifier, type_names[t->type],
		    t->spec_len ? ":" : "", (int)t->spec_len, t->spec, t->cidr4, t->cidr6);
		break;
	default:
		n = snprintf(out, outsz, "%c%s%s%.*s", t->qualifier, type_names[t->type],
		    t->spec_len ? ":" : "", (int)t->spec_len, t->spec);
		break;
	}
	assert_true(n > 0 && (size_t)n < outsz);
}

struct good {
	const char *record;
	const char *terms;	/* rendered terms, one space between */
};

static void
test_good(void **state)
{
	static const struct good cases[] = {
		{ "v=spf1", "" },
		{ "V=SpF1   ", "" },
		{ "v=spf1 -all", "-all" },
		{ "v=spf1 ALL ?All ~all +all", "+all ?all ~all +all" },
		{ "v=spf1 include:_spf.example.com", "+include:_spf.example.com" },
		{ "v=spf1 include:%{d}", "+include:%{d}" },
		{ "v=spf1 a", "+a/32//128" },
		{ "v=spf1 a/24", "+a/24//128" },
		{ "v=spf1 a//64", "+a/32//64" },
		{ "v=spf1 a/24//64", "+a/24//64" },
		{ "v=spf1 a/0//0", "+a/0//0" },
		{ "v=spf1 a:example.com", "+a:example.com/32//128" },
		{ "v=spf1 a:example.com/24//64", "+a:example.com/24//64" },
		{ "v=spf1 a:foo:bar/baz.example.com", "+a:foo:bar/baz.example.com/32//128" },
		{ "v=spf1 a:foo.example.xn--zckzah", "+a:foo.example.xn--zckzah/32//128" },
		{ "v=spf1 a:example.com.", "+a:example.com./32//128" },
		{ "v=spf1 a:example.123-456", "+a:example.123-456/32//128" },
		{ "v=spf1 -mx mx:mail.example.com//48", "-mx/32//128 +mx:mail.example.com/32//48" },
		{ "v=spf1 ptr ptr:example.com", "+ptr +ptr:example.com" },
		{ "v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1", "+ip4:192.0.2.0/24 +ip4:192.0.2.1/32" },
		{ "v=spf1 ip4:0.0.0.0/0", "+ip4:0.0.0.0/0" },
		{ "v=spf1 ip6:2001:db8::/32 ip6:::ffff:1.2.3.4",
		  "+ip6:2001:db8::/32 +ip6:::ffff:1.2.3.4/128" },
		{ "v=spf1 ip6:Cafe:Babe:8000::/33", "+ip6:cafe:babe:8000::/33" },
		{ "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}",
		  "+exists:%{ir}.%{l1r+-}._spf.%{d}" },
		{ "v=spf1 redirect=_spf.example.com", "redirect=_spf.example.com" },
		{ "v=spf1 REDIRECT=%{d}.d.spf.example.com.", "redirect=%{d}.d.spf.example.com." },
		{ "v=spf1 -all exp=explain._spf.%{d}", "-all exp=explain._spf.%{d}" },
		{ "v=spf1 moo.cow-far_out=man:dog/cat", "moo.cow-far_out=man:dog/cat" },
		{ "v=spf1 default=pass default=+ foo=", "default=pass default=+ foo=" },
		{ "v=spf1 a:macro%%percent%_%_space%-url-space.example.com",
		  "+a:macro%%percent%_%_space%-url-space.example.com/32//128" },
		{ "v=spf1 a:%{H}.bar", "+a:%{H}.bar/32//128" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *rec = cases[i].record;
		struct spf_record_info info;
		struct spf_record_iter it;
		struct spf_term t, bad;
		const char *reason = NULL;
		char got[1024] = "", one[256];
		size_t n = 0;
		enum spf_parse r;

		if (spf_record_parse(rec, strlen(rec), &info, &bad, &reason) != SPF_PARSE_END)
			fail_msg("case %zu \"%s\": error %s", i, rec, reason);
		spf_record_begin(&it, rec, strlen(rec));
		while ((r = spf_record_next(&it, &t, &reason)) == SPF_PARSE_TERM) {
			render(&t, one, sizeof(one));
			if (n++ > 0)
				strncat(got, " ", sizeof(got) - strlen(got) - 1);
			strncat(got, one, sizeof(got) - strlen(got) - 1);
		}
		assert_int_equal(r, SPF_PARSE_END);
		assert_int_equal(info.nterms, n);
		if (strcmp(got, cases[i].terms) != 0)
			fail_msg("case %zu \"%s\": got \"%s\", want \"%s\"", i, rec, got,
			    cases[i].terms);
	}
}

struct bad {
	const char *record;
	const char *term;	/* the faulty term */
	const char *reason;	/* substring of the reason */
};

static void
test_bad(void **state)
{
	static const struct bad cases[] = {
		{ "v=spf1 ip4:1.2.3.4 -all moo", "moo", "unknown mechanism" },
		{ "v=spf1 moo.cow/far_out=man:dog/cat", "moo.cow/far_out=man:dog/cat", "unknown mechanism" },
		{ "v=spf1 moo.cow:far_out=man:dog/cat", "moo.cow:far_out=man:dog/cat", "unknown mechanism" },
		{ "v=spf1 redirect:t2.example.com", "redirect:t2.example.com", "unknown mechanism" },
		{ "v=spf1 1up=foo", "1up=foo", "unknown mechanism" },
		{ "v=spf1 =all", "=all", "unknown mechanism" },
		{ "v=spf1 -redirect=example.com", "-redirect=example.com", "unknown mechanism" },
		{ "v=spf1 -all.", "-all.", "unknown mechanism" },
		{ "v=spf1 -all:foobar", "-all:foobar", "all takes no argument" },
		{ "v=spf1 -all/8", "-all/8", "all takes no argument" },
		{ "v=spf1 include", "include", "needs ':'" },
		{ "v=spf1 include:", "include:", "empty domain-spec" },
		{ "v=spf1 include:ip5.example.com/24", "include:ip5.example.com/24", "top label" },
		{ "v=spf1 exists", "exists", "needs ':'" },
		{ "v=spf1 exists:mail.example.com/24", "exists:mail.example.com/24", "top label" },
		{ "v=spf1 ptr/0", "ptr/0", "unexpected text" },
		{ "v=spf1 ptr:", "ptr:", "empty domain-spec" },
		{ "v=spf1 a:", "a:", "empty domain-spec" },
		{ "v=spf1 mx: -all", "mx:", "empty domain-spec" },
		{ "v=spf1 a:foo-bar", "a:foo-bar", "top label" },
		{ "v=spf1 a:museum", "a:museum", "top label" },
		{ "v=spf1 a:museum.", "a:museum.", "top label" },
		{ "v=spf1 a:abc.123", "a:abc.123", "top label" },
		{ "v=spf1 a:111.222.33.44", "a:111.222.33.44", "top label" },
		{ "v=spf1 a:example.-com", "a:example.-com", "top label" },
		{ "v=spf1 a:example.com-", "a:example.com-", "top label" },
		{ "v=spf1 a:example.com:8080", "a:example.com:8080", "top label" },
		{ "v=spf1 a:%{d}com", "a:%{d}com", "top label" },
		{ "v=spf1 a/33", "a/33", "CIDR" },
		{ "v=spf1 a//129", "a//129", "CIDR" },
		{ "v=spf1 a/24/64", "a/24/64", "CIDR" },
		{ "v=spf1 a/024", "a/024", "CIDR" },
		{ "v=spf1 a/", "a/", "CIDR" },
		{ "v=spf1 mx/1000", "mx/1000", "CIDR" },
		{ "v=spf1 ip4", "ip4", "needs ':'" },
		{ "v=spf1 ip4:1.2.3", "ip4:1.2.3", "bad ip4" },
		{ "v=spf1 ip4:1.2.3.4:8080", "ip4:1.2.3.4:8080", "bad ip4" },
		{ "v=spf1 ip4:01.2.3.4", "ip4:01.2.3.4", "bad ip4" },
		{ "v=spf1 ip4:1.2.3.4/33", "ip4:1.2.3.4/33", "CIDR" },
		{ "v=spf1 ip4:1.2.3.4/032", "ip4:1.2.3.4/032", "CIDR" },
		{ "v=spf1 ip4:1.2.3.4//32", "ip4:1.2.3.4//32", "CIDR" },
		{ "v=spf1 ip4:::1", "ip4:::1", "bad ip4" },
		{ "v=spf1 -all ip6", "ip6", "needs ':'" },
		{ "v=spf1 ip6::CAFE::BABE", "ip6::CAFE::BABE", "bad ip6" },
		{ "v=spf1 ip6:::1.1.1.1/129", "ip6:::1.1.1.1/129", "CIDR" },
		{ "v=spf1 ip6:::1.1.1.1//33", "ip6:::1.1.1.1//33", "CIDR" },
		{ "v=spf1 ip6:1.2.3.4", "ip6:1.2.3.4", "bad ip6" },
		{ "v=spf1 redirect=", "redirect=", "empty domain-spec" },
		{ "v=spf1 redirect=-all ?all", "redirect=-all", "top label" },
		{ "v=spf1 exp= -all", "exp=", "empty domain-spec" },
		{ "v=spf1 exp=-all", "exp=-all", "top label" },
		{ "v=spf1 exp=a.example.com -all exp=b.example.com", "exp=b.example.com", "exp= given twice" },
		{ "v=spf1 redirect=a.example.com redirect=b.example.com", "redirect=b.example.com", "redirect= given twice" },
		{ "v=spf1 -all foo=%abc", "foo=%abc", "'%' not followed" },
		{ "v=spf1 exp=%{r}.example.com", "exp=%{r}.example.com", "only in explanation" },
		/* 7.1: c, r, t "only in exp text", so not in an unknown modifier either */
		{ "v=spf1 -all x=%{c}", "x=%{c}", "only in explanation" },
		{ "v=spf1 -all x=%{R}", "x=%{R}", "only in explanation" },
		{ "v=spf1 -all x=%{t}", "x=%{t}", "only in explanation" },
		{ "v=spf1 a:%{a}.example.com", "a:%{a}.example.com", "unknown macro letter" },
		{ "v=spf1 -exists:%(ir).sbl.example.com", "-exists:%(ir).sbl.example.com", "'%' not followed" },
		{ "v=spf1 exists:foo%.sbl.example.com", "exists:foo%.sbl.example.com", "'%' not followed" },
		{ "v=spf1 a:%{d0}.example.com", "a:%{d0}.example.com", "zero" },
		{ "v=spf1 a:%{d", "a:%{d", "malformed" },
		/* Separators are SP only: other control bytes stay inside a term. */
		{ "v=spf1 a:ctrl.example.com\rptr -all", "a:ctrl.example.com\rptr", "character" },
		{ "v=spf1 ip4:192.0.2.5\n include:example.com", "ip4:192.0.2.5\n", "bad ip4" },
		{ "v=spf1 a\t-all", "a\t-all", "unknown mechanism" },
		{ "v=spf1 a:123-456.789", "a:123-456.789", "top label" },
		/* 7-bit only (3.1). */
		{ "v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all", "a:\xEF\xBB\xBFgarbage.example.net", "character" },
		{ "v=spf1 \x80" "a:example.net -all", "\x80" "a:example.net", "unknown mechanism" },
		{ "v=spf1 a:example.net \x96" "all", "\x96" "all", "unknown mechanism" },
		{ "v=spf10", "", "not an SPF" },
		{ "v=spf1mx", "", "not an SPF" },
		{ "spf1 -all", "", "not an SPF" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *rec = cases[i].record;
		struct spf_record_info info;
		struct spf_term bad;
		const char *reason = NULL;

		if (spf_record_parse(rec, strlen(rec), &info, &bad, &reason) != SPF_PARSE_ERROR)
			fail_msg("case %zu \"%s\": accepted", i, rec);
		if (strstr(reason, cases[i].reason) == NULL)
			fail_msg("case %zu \"%s\": reason \"%s\", want \"%s\"", i, rec, reason,
			    cases[i].reason);
		if (bad.text_len != strlen(cases[i].term) ||
		    (bad.text_len && memcmp(bad.text, cases[i].term, bad.text_len) != 0))
			fail_msg("case %zu \"%s\": faulty term \"%.*s\", want \"%s\"", i, rec,
			    (int)bad.text_len, bad.text ? bad.text : "", cases[i].term);
	}
}

static void
test_null_byte(void **state)
{
	/* A NUL inside a TXT record is a byte like any other: never a terminator. */
	static const char rec[] = "v=spf1 a:foo.example.com\0 -all";
	struct spf_record_info info;
	struct spf_term bad;
	const char *reason = NULL;

	assert_int_equal(spf_record_parse(rec, sizeof(rec) - 1, &info, &bad, &reason),
	    SPF_PARSE_ERROR);
	assert_int_equal(bad.text_len, strlen("a:foo.example.com") + 1);
}

static void
test_info(void **state)
{
	static const char rec[] = "v=spf1 exp=e.%{d} a -all redirect=r.example.com x=y";
	struct spf_record_info info;
	struct spf_term bad;
	const char *reason = NULL;

	assert_int_equal(spf_record_parse(rec, strlen(rec), &info, &bad, &reason), SPF_PARSE_END);
	assert_int_equal(info.nterms, 5);
	assert_true(info.has_exp);
	assert_true(info.has_redirect);
	assert_int_equal(info.exp.spec_len, strlen("e.%{d}"));
	assert_memory_equal(info.exp.spec, "e.%{d}", info.exp.spec_len);
	assert_memory_equal(info.redirect.spec, "r.example.com", info.redirect.spec_len);
	assert_true(spf_record_is_spf("v=spf1", 6));
	assert_true(spf_record_is_spf("V=SPF1 a", 8));
	assert_false(spf_record_is_spf("v=spf1", 5));
	assert_false(spf_record_is_spf("v=spf1\ta", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_null_byte),
		cmocka_unit_test(test_info),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
