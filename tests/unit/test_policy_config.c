/*
 * test_policy_config.c - the verdict's [policy] keys: defaults, bounds,
 * the weight key of every signal reaching the verdict's weight, and
 * ecluse.conf.example giving exactly the defaults.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/config.h"
#include "smtpd/dnsbl.h"
#include "smtpd/policy.h"

static char path[64];

static struct config *
load(const char *text, char *err)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/ecluse-test-policy-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return config_load(path, err, CONFIG_ERR_MAX);
}

static void
test_defaults(void **state)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cf = load("[smtpd]\nhostname = mx.ecluse.test\n"
	    "[domain example.net]\nnext_hop = 127.0.0.1:2526\n", err);
	struct policy_params p;
	struct dnsbl_zones z;

	assert_non_null(cf);
	unlink(path);
	assert_int_equal(cf->quarantine_threshold, 5);
	assert_int_equal(cf->reject_threshold, 15);
	assert_string_equal(cf->dnsbl_zones, "");
	assert_int_equal(dnsbl_zones_parse(cf->dnsbl_zones, strlen(cf->dnsbl_zones), &z),
	    DNSBL_ZONES_OK);
	assert_int_equal(z.n, 0);
	policy_params_from_config(cf, &p);
	assert_int_equal(p.quarantine_threshold, 5);
	assert_int_equal(p.reject_threshold, 15);
	assert_int_equal(p.weight[POLICY_SPF_FAIL], 4);
	assert_int_equal(p.weight[POLICY_NO_AUTH], 3);
	assert_int_equal(p.weight[POLICY_FIRST_CONTACT], 3);
	assert_int_equal(p.weight[POLICY_DMARC_FAIL_REJECT], 9);
	assert_string_equal(p.hostname, "mx.ecluse.test");
	/* the served domains are the configuration's */
	assert_true(p.served(p.served_arg, "Example.NET.", 12));
	assert_false(p.served(p.served_arg, "example.org", 11));
	config_free(cf);
}

/* weight_<name> of every signal sets that signal's weight, and no other. */
static void
test_weight_keys(void **state)
{
	char text[4096], err[CONFIG_ERR_MAX] = "";
	struct policy_params p;
	struct config *cf;
	size_t i, n;
	int w;

	n = (size_t)snprintf(text, sizeof(text), "[policy]\nreject_threshold = 99999\n");
	for (i = 0; i < POLICY_NSIGNALS; i++) {
		w = snprintf(text + n, sizeof(text) - n, "weight_%s = %zu\n",
		    policy_signal_name((enum policy_signal)i), 100 + i);
		assert_true(w > 0 && (size_t)w < sizeof(text) - n);
		n += (size_t)w;
	}
	cf = load(text, err);
	if (cf == NULL)
		fail_msg("%s", err);
	unlink(path);
	policy_params_from_config(cf, &p);
	for (i = 0; i < POLICY_NSIGNALS; i++)
		if (p.weight[i] != 100 + i)
			fail_msg("weight_%s: got %u", policy_signal_name((enum policy_signal)i),
			    p.weight[i]);
	assert_int_equal(p.reject_threshold, 99999);
	config_free(cf);
}

struct bad { const char *text; const char *want; };

static void
test_errors(void **state)
{
	static const struct bad cases[] = {
		{ "[policy]\nquarantine_threshold = 0\n",
		  ":2: [policy] quarantine_threshold: number out of range" },
		{ "[policy]\nreject_threshold = 100001\n",
		  ":2: [policy] reject_threshold: number out of range" },
		{ "[policy]\nquarantine_threshold = 20\n",
		  "[policy] quarantine_threshold: greater than reject_threshold (20 > 15)" },
		{ "[policy]\nweight_dnsbl = 1001\n",
		  ":2: [policy] weight_dnsbl: number out of range" },
		{ "[policy]\nweight_spf_fail = -1\n",
		  ":2: [policy] weight_spf_fail: expected a number" },
		{ "[policy]\nweight_nosuch = 1\n", ":2: [policy] weight_nosuch: unknown key" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[CONFIG_ERR_MAX] = "";
		struct config *cf = load(cases[i].text, err);

		if (cf != NULL || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
		config_free(cf);
		unlink(path);
	}
}

/* Equal thresholds are allowed (nothing is then quarantined); the bounds hold. */
static void
test_edges(void **state)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cf = load("[policy]\nquarantine_threshold = 7\nreject_threshold = 7\n"
	    "weight_no_auth = 0\nweight_dnsbl = 1000\n"
	    "dnsbl_zones = zen.example, bl.example.\n", err);
	struct dnsbl_zones z;

	(void)state;
	if (cf == NULL)
		fail_msg("%s", err);
	unlink(path);
	assert_int_equal(cf->quarantine_threshold, 7);
	assert_int_equal(cf->weight_no_auth, 0);
	assert_int_equal(cf->weight_dnsbl, 1000);
	assert_int_equal(dnsbl_zones_parse(cf->dnsbl_zones, strlen(cf->dnsbl_zones), &z),
	    DNSBL_ZONES_OK);
	assert_int_equal(z.n, 2);
	assert_string_equal(z.zone[1], "bl.example");
	config_free(cf);
}

/* ecluse.conf.example documents each [policy] key with its default value. */
static void
test_example_file(void **state)
{
	const char *top = getenv("top_srcdir");
	char example[4096], err[CONFIG_ERR_MAX] = "";
	struct config *ex, *def;
	struct policy_params pe, pd;
	size_t i;

	(void)state;
	snprintf(example, sizeof(example), "%s/ecluse.conf.example", top != NULL ? top : ".");
	ex = config_load(example, err, sizeof(err));
	if (ex == NULL)
		fail_msg("%s", err);
	def = load("[domain example.org]\nnext_hop = 127.0.0.1:2526\n", err);
	assert_non_null(def);
	unlink(path);
	policy_params_from_config(ex, &pe);
	policy_params_from_config(def, &pd);
	for (i = 0; i < POLICY_NSIGNALS; i++)
		if (pe.weight[i] != pd.weight[i])
			fail_msg("weight_%s: example %u, default %u",
			    policy_signal_name((enum policy_signal)i), pe.weight[i], pd.weight[i]);
	assert_int_equal(pe.quarantine_threshold, pd.quarantine_threshold);
	assert_int_equal(pe.reject_threshold, pd.reject_threshold);
	assert_string_equal(ex->dnsbl_zones, def->dnsbl_zones);
	config_free(ex);
	config_free(def);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_weight_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
