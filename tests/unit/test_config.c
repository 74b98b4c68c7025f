/*
 * test_config.c - the config loader: defaults, every error names file:line and key,
 * domains are the relay gate.
 */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/config.h"
#include "tests/unit/conf_text.h"


static void
test_defaults(void **state)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cf = conf_load("[domain Example.ORG]\nnext_hop = 127.0.0.1:2526\n", err);

	assert_non_null(cf);
	assert_int_equal(cf->max_recipients, 100);
	assert_int_equal(cf->max_message_size, 10 * 1024 * 1024);
	assert_string_equal(cf->smtpd_listen.host, "127.0.0.1");
	assert_int_equal(cf->smtpd_listen.port, 2525);
	assert_int_equal(cf->ndomains, 1);
	assert_string_equal(cf->domains[0].name, "example.org");
	assert_int_equal(cf->domains[0].next_hop.port, 2526);
	assert_non_null(config_domain(cf, "EXAMPLE.org.", 12));
	assert_null(config_domain(cf, "example.org.evil", 16));
	assert_null(config_domain(cf, "sub.example.org", 15));
	assert_string_equal(cf->domains[0].admin_tokens, "");
	assert_int_equal(cf->domains[0].admin_tokens_line, 0);
	config_free(cf);
	unlink(conf_path);
	/* the line of a domain's admin_tokens, for ecluse-web's errors (comments and
	 * blank lines counted as inih counts them) */
	cf = conf_load("# c\n\n[domain a.example]\nnext_hop = h:25\n[domain b.example]\n"
	    "next_hop = h:25\n; note\nadmin_tokens = acme:abcdefghijklmnop\n", err);
	assert_non_null(cf);
	assert_int_equal(cf->domains[0].admin_tokens_line, 0);
	assert_int_equal(cf->domains[1].admin_tokens_line, 8);
	assert_string_equal(cf->domains[1].admin_tokens, "acme:abcdefghijklmnop");
	config_free(cf);
	unlink(conf_path);
}

struct bad { const char *text; const char *want; };

#define LONG_10 "xxxxxxxxxx"
#define LONG_190 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 \
	LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10 LONG_10

static void
test_errors(void **state)
{
	static const struct bad cases[] = {
		{ "[smtpd]\nmax_recipients = 0\n", ":2: [smtpd] max_recipients: number out of range" },
		{ "[smtpd]\n\nmax_recipients = 12x\n", ":3: [smtpd] max_recipients: expected a number" },
		{ "[smtpd]\nlisten = nowhere\n", ":2: [smtpd] listen: expected host:port" },
		{ "[smtpd]\nlisten = 127.0.0.1:70000\n", ":2: [smtpd] listen:" },
		{ "[smtpd]\nbogus = 1\n", ":2: [smtpd] bogus: unknown key" },
		{ "[nosuch]\nkey = 1\n", ":2: [nosuch]: unknown section" },
		{ "[smtpd]\nmax_errors = 3\nmax_errors = 4\n", ":3: [smtpd] max_errors: key set twice" },
		{ "[domain a..b]\nnext_hop = h:25\n", ":2: [domain a..b]: not a valid domain name" },
		{ "[domain a.b]\nnext_hop = h\n", ":2: [domain a.b] next_hop: expected host:port" },
		{ "[domain a.b]\nfoo = 1\n", ":2: [domain a.b] foo: unknown key" },
		/* a secret list is never silently replaced by a second line */
		{ "[domain a.b]\nnext_hop = h:25\nadmin_tokens = x\nadmin_tokens = y\n",
		  ":4: [domain a.b] admin_tokens: key set twice" },
		{ "[domain a.b]\nadmin_tokens = x\n  y\nnext_hop = h:25\n",
		  ":3: [domain a.b] admin_tokens: key set twice" },
		{ "[policy]\nmode = maybe\n", ":2: [policy] mode: expected enforce, monitor or off" },
		{ "[smtpd]\ntls_cert = /x\n", "tls_cert and tls_key" },
		{ "no section line\n", ":1: " },
		{ "[smtpd]\nmax_message_size = 99999999999999999999G\n", ":2: [smtpd] max_message_size: number out of range" },
		/* inih reads 199 bytes of a line: a longer one would reach it as a value
		 * cut short and the rest as a line of its own */
		{ "[policy]\nauthserv_id = " LONG_190 "\n[domain a.b]\nnext_hop = h:25\n",
		  ":2: line longer than 198 characters" },
		{ "[smtpd]\n# " LONG_190 LONG_190 "\n[domain a.b]\nnext_hop = h:25\n",
		  ":2: line longer than 198 characters" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[CONFIG_ERR_MAX] = "";
		struct config *cf = conf_load(cases[i].text, err);

		if (cf != NULL || strstr(err, cases[i].want) == NULL ||
		    strncmp(err, conf_path, strlen(conf_path)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
		unlink(conf_path);
	}
}

static void
test_sizes(void **state)
{
	char err[CONFIG_ERR_MAX] = "";
	struct config *cf = conf_load("[smtpd]\nmax_message_size = 2M\n", err);

	assert_non_null(cf);
	assert_int_equal(cf->max_message_size, 2 * 1024 * 1024);
	config_free(cf);
	unlink(conf_path);
	assert_null(config_load("/nonexistent/ecluse.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/ecluse.conf: cannot open"));
}

/* Domains through the index: every one of many is found by any case and with a
 * trailing dot, names next to them are not, each keeps its own settings, the
 * order of the file stays, and a name met again (in any case) is an error at
 * its line, as the index grows past several sizes. */
#define MANY_DOMAINS 3000

static void
test_many_domains(void **state)
{
	char err[CONFIG_ERR_MAX] = "", name[64], up[64];
	size_t cap = MANY_DOMAINS * 64 + 64, n = 0, i, k;
	char *text = malloc(cap);
	struct config *cf;
	const struct domain_config *d;

	assert_non_null(text);
	for (i = 0; i < MANY_DOMAINS; i++)
		n += (size_t)snprintf(text + n, cap - n, "[domain c%zu.example]\n"
		    "next_hop = 127.0.0.1:%zu\n", i, 1000 + i);
	cf = conf_load(text, err);
	assert_non_null(cf);
	assert_int_equal(cf->ndomains, MANY_DOMAINS);
	for (i = 0; i < MANY_DOMAINS; i++) {
		snprintf(name, sizeof(name), "c%zu.example", i);
		assert_string_equal(cf->domains[i].name, name);
		for (k = 0; name[k] != '\0'; k++)	/* every other letter upper case */
			up[k] = (char)(k % 2 && islower((unsigned char)name[k]) ?
			    toupper((unsigned char)name[k]) : name[k]);
		up[k] = '.';
		d = config_domain(cf, up, k + 1);
		assert_ptr_equal(d, &cf->domains[i]);
		assert_int_equal(d->next_hop.port, 1000 + i);
		assert_ptr_equal(config_domain(cf, name, k), &cf->domains[i]);
		assert_null(config_domain(cf, name, k - 1));		/* c1.exampl */
		assert_null(config_domain(cf, name + 1, k - 1));	/* 1.example */
		snprintf(name, sizeof(name), "x.c%zu.example", i);
		assert_null(config_domain(cf, name, strlen(name)));
	}
	snprintf(name, sizeof(name), "c%d.example", MANY_DOMAINS);
	assert_null(config_domain(cf, name, strlen(name)));
	assert_null(config_domain(cf, "", 0));
	config_free(cf);
	unlink(conf_path);

	n = (size_t)snprintf(text, cap, "[domain A.example]\nnext_hop = h:25\n"
	    "[domain b.example]\nnext_hop = h:25\n");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, cap - n, "[domain c%zu.example]\n"
		    "next_hop = h:25\n", i);
	snprintf(text + n, cap - n, "[domain a.EXAMPLE]\nnext_hop = h:25\n");
	assert_null(conf_load(text, err));
	assert_non_null(strstr(err, ":86: [domain a.EXAMPLE]: domain configured twice"));
	unlink(conf_path);
	free(text);
}

/* host:port forms, and the comparison the daemons use to tell a changed next hop
 * or listener on reload. */
static void
test_hostport(void **state)
{
	struct hostport a, b, unset = { NULL, 0 };

	assert_int_equal(hostport_parse("127.0.0.1:2525", 14, &a), 0);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 2525);
	assert_int_equal(hostport_parse("[::1]:25", 8, &b), 0);
	assert_string_equal(b.host, "::1");
	assert_int_equal(b.port, 25);
	assert_int_equal(hostport_equal(&a, &b), 0);
	assert_int_equal(hostport_equal(&a, &unset), 0);
	assert_int_equal(hostport_equal(&unset, &unset), 1);
	free(b.host);
	assert_int_equal(hostport_parse("127.0.0.1:2526", 14, &b), 0);
	assert_int_equal(hostport_equal(&a, &b), 0);
	free(b.host);
	assert_int_equal(hostport_parse("127.0.0.1:2525", 14, &b), 0);
	assert_int_equal(hostport_equal(&a, &b), 1);
	free(b.host);
	free(a.host);
	assert_int_equal(hostport_parse("127.0.0.1", 9, &a), -1);
	assert_int_equal(hostport_parse("127.0.0.1:0", 11, &a), -1);
	assert_int_equal(hostport_parse("127.0.0.1:65536", 15, &a), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_many_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
