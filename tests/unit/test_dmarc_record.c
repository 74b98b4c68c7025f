/*
 * test_dmarc_record.c - the DMARC Policy Record parser (RFC 9989 4.7, 4.8): what is a
 * record, defaults, leniency on bad tag-specs, and the tags RFC 9989 changed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/dmarc_record.h"

static void
test_not_dmarc(void **state)
{
	static const char *const cases[] = {
		"",
		"v=spf1 -all",
		"v=DMARC2; p=reject",
		"v=dmarc1; p=reject",		/* the version is case-sensitive (%s) */
		"v=DMARC10; p=reject",
		"p=reject; v=DMARC1",		/* v must come first */
		"v=DMARC1p=reject",
		"vv=DMARC1; p=reject",
		"x v=DMARC1",
	};
	struct dmarc_record r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (dmarc_record_parse(cases[i], strlen(cases[i]), &r) !=
		    DMARC_RECORD_NOT_DMARC)
			fail_msg("case %zu \"%s\" taken as a record", i, cases[i]);
}

static struct dmarc_record
parse(const char *s)
{
	struct dmarc_record r;

	assert_int_equal(dmarc_record_parse(s, strlen(s), &r), DMARC_RECORD_OK);
	return r;
}

static void
test_defaults(void **state)
{
	struct dmarc_record r = parse("v=DMARC1");

	/* RFC 9989 4.7: p absent in a valid record means p=none (RFC 7489 required p,
	 * so there "v=DMARC1" alone was no usable record) */
	assert_int_equal(r.p_state, DMARC_TAG_ABSENT);
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	assert_int_equal(r.sp_state, DMARC_TAG_ABSENT);
	assert_int_equal(r.np_state, DMARC_TAG_ABSENT);
	assert_int_equal(r.adkim, DMARC_ALIGN_RELAXED);
	assert_int_equal(r.aspf, DMARC_ALIGN_RELAXED);
	assert_int_equal(r.psd, DMARC_PSD_U);
	assert_int_equal(r.testing, 0);
	assert_int_equal(r.rua_valid, 0);
	r = parse(" v = DMARC1 ;");
	assert_int_equal(r.ignored, 0);
}

static void
test_tags(void **state)
{
	struct dmarc_record r;

	r = parse("v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=s; psd=n; t=y");
	assert_int_equal(r.p_state, DMARC_TAG_VALID);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.np_state, DMARC_TAG_VALID);
	assert_int_equal(r.np, DMARC_POLICY_NONE);
	assert_int_equal(r.adkim, DMARC_ALIGN_STRICT);
	assert_int_equal(r.aspf, DMARC_ALIGN_STRICT);
	assert_int_equal(r.psd, DMARC_PSD_N);
	assert_int_equal(r.testing, 1);
	assert_int_equal(r.ignored, 0);

	/* RFC 9989 allows any order after v (RFC 7489's ABNF put p second) */
	r = parse("v=DMARC1;adkim=s;psd=y;p=Quarantine;");
	assert_int_equal(r.p, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.psd, DMARC_PSD_Y);

	/* pct, rf and ri are historic in RFC 9989 (9.3): ignored, and pct=0 no longer
	 * lowers the policy; t=y does that now (A.6) */
	r = parse("v=DMARC1; p=reject; pct=0; rf=afrf; ri=3600");
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.testing, 0);
	assert_int_equal(r.ignored, 3);
}

static void
test_lenient(void **state)
{
	struct dmarc_record r;

	/* 4.8: syntax errors fall back to defaults, the rest of the record stands */
	r = parse("v=DMARC1; p=reject; adkim=x; 1bad=2; =; junk; aspf=s");
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.adkim, DMARC_ALIGN_RELAXED);
	assert_int_equal(r.aspf, DMARC_ALIGN_STRICT);
	assert_int_equal(r.ignored, 4);
	/* invalid p/sp/np are kept as invalid: the policy discovery decides */
	r = parse("v=DMARC1; p=bogus; sp=reject");
	assert_int_equal(r.p_state, DMARC_TAG_INVALID);
	assert_int_equal(r.sp_state, DMARC_TAG_VALID);
	r = parse("v=DMARC1; p=reject; p=none");
	assert_int_equal(r.p_state, DMARC_TAG_INVALID);
	r = parse("v=DMARC1; p=none; np=");
	assert_int_equal(r.np_state, DMARC_TAG_INVALID);
	r = parse("v=DMARC1; p=reject; t=maybe; psd=x");
	assert_int_equal(r.testing, 0);
	assert_int_equal(r.psd, DMARC_PSD_U);
	assert_int_equal(r.ignored, 2);
}

static void
test_rua(void **state)
{
	static const struct { const char *rec; int valid; } cases[] = {
		{ "v=DMARC1; rua=mailto:dmarc@example.com", 1 },
		{ "v=DMARC1; rua=mailto:a@example.com, mailto:b@example.net", 1 },
		{ "v=DMARC1; rua=mailto:a@example.com!10m", 1 },	/* obsolete size */
		{ "v=DMARC1; rua=bogus, https://r.example/x?y=1", 1 },
		{ "v=DMARC1; rua=mailto:a%2cb@example.com", 1 },
		{ "v=DMARC1; rua=", 0 },
		{ "v=DMARC1; rua=example.com", 0 },
		{ "v=DMARC1; rua=mailto:", 0 },
		{ "v=DMARC1; rua=mailto:a@b!", 0 },
		{ "v=DMARC1; rua=mailto:a b@example.com", 0 },
		{ "v=DMARC1; rua=1mailto:a@example.com", 0 },
		{ "v=DMARC1; rua=mailto:a%zz@example.com", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmarc_record r = parse(cases[i].rec);

		if (r.rua_valid != cases[i].valid)
			fail_msg("case %zu \"%s\": rua_valid %d", i, cases[i].rec, r.rua_valid);
	}
}

static void
test_limits(void **state)
{
	char buf[1024];
	size_t len, i;
	struct dmarc_record r;

	len = (size_t)snprintf(buf, sizeof(buf), "v=DMARC1");
	for (i = 0; i < DMARC_RECORD_TAGS_MAX + 5; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "; x%zu=1", i);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "; p=reject");
	r = parse(buf);
	/* tags past the limit are not read: p stays absent */
	assert_int_equal(r.p_state, DMARC_TAG_ABSENT);
	/* never reads past len */
	assert_int_equal(dmarc_record_parse("v=DMARC1; p=reject", 14, &r), DMARC_RECORD_OK);
	assert_int_equal(r.p_state, DMARC_TAG_INVALID);	/* "p=re" */
	assert_int_equal(dmarc_record_parse("v=DMARC", 7, &r), DMARC_RECORD_NOT_DMARC);
	assert_string_equal(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_dmarc),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_lenient),
		cmocka_unit_test(test_rua),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
