/*
 * test_mailbox.c - subaddressing: the mailbox of a recipient address under a
 * delimiter set (common/mailbox.h), the recipient_delimiter keys ([policy] and
 * [domain X], with their errors naming file:line) and ecluse.conf.example giving
 * the default.
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
#include "common/mailbox.h"
#include "tests/unit/conf_text.h"


struct mcase {
	const char	*addr;
	const char	*delims;	/* NULL: none */
	const char	*want;		/* NULL: an error */
	enum mailbox_err err;
};

static void
test_mapping(void **state)
{
	static const struct mcase cases[] = {
		/* no subaddressing: only the domain's case changes */
		{ "alice+news@demo.example", NULL, "alice+news@demo.example", MAILBOX_OK },
		{ "alice+news@demo.example", "", "alice+news@demo.example", MAILBOX_OK },
		{ "Alice@Demo.EXAMPLE", NULL, "Alice@demo.example", MAILBOX_OK },
		/* cut at the first delimiter; the local part keeps its case */
		{ "alice+news@demo.example", "+", "alice@demo.example", MAILBOX_OK },
		{ "Alice+News@DEMO.example", "+", "Alice@demo.example", MAILBOX_OK },
		{ "alice+a+b@demo.example", "+", "alice@demo.example", MAILBOX_OK },
		{ "alice-news@demo.example", "+", "alice-news@demo.example", MAILBOX_OK },
		{ "alice-news@demo.example", "+-", "alice@demo.example", MAILBOX_OK },
		{ "alice-x+y@demo.example", "+-", "alice@demo.example", MAILBOX_OK },
		{ "alice+x-y@demo.example", "-+", "alice@demo.example", MAILBOX_OK },
		{ "john.smith+tag@demo.example", "+", "john.smith@demo.example", MAILBOX_OK },
		/* a delimiter with nothing before it is no subaddress */
		{ "+news@demo.example", "+", "+news@demo.example", MAILBOX_OK },
		{ "++news@demo.example", "+", "++news@demo.example", MAILBOX_OK },
		{ "-a+b@demo.example", "+-", "-a+b@demo.example", MAILBOX_OK },
		{ "@demo.example", "+", "@demo.example", MAILBOX_OK },
		/* a delimiter last: the mailbox before it */
		{ "alice+@demo.example", "+", "alice@demo.example", MAILBOX_OK },
		/* none in the domain counts */
		{ "alice@demo+x.example", "+", "alice@demo+x.example", MAILBOX_OK },
		/* a quoted local part is kept whole (see mailbox.h) */
		{ "\"alice smith+x\"@demo.example", "+", "\"alice smith+x\"@demo.example",
		    MAILBOX_OK },
		{ "\"a+b\"@Demo.Example", "+", "\"a+b\"@demo.example", MAILBOX_OK },
		/* the last '@' separates the domain */
		{ "\"a@b\"+x@demo.example", "+", "\"a@b\"+x@demo.example", MAILBOX_OK },
		/* not a recipient address */
		{ "alice", "+", NULL, MAILBOX_NO_AT },
		{ "alice+x@", "+", NULL, MAILBOX_NO_AT },
		{ "", "+", NULL, MAILBOX_NO_AT },
	};
	char out[MAILBOX_ADDR_MAX + 1];
	size_t i, outlen;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		enum mailbox_err e = mailbox_of(c->addr, strlen(c->addr), c->delims, out,
		    &outlen);

		if (e != c->err)
			fail_msg("case %zu <%s>: error %d, want %d", i, c->addr, (int)e,
			    (int)c->err);
		if (c->want == NULL) {
			assert_string_equal(out, "");
			assert_int_equal(outlen, 0);
			continue;
		}
		if (strcmp(out, c->want) != 0)
			fail_msg("case %zu <%s> under \"%s\": got <%s>, want <%s>", i, c->addr,
			    c->delims ? c->delims : "", out, c->want);
		assert_int_equal(outlen, strlen(c->want));
	}
}

/* (buf, len): no NUL needed, nothing read past len; a NUL byte is no delimiter. */
static void
test_bounds(void **state)
{
	char out[MAILBOX_ADDR_MAX + 1], big[MAILBOX_ADDR_MAX + 2];
	size_t outlen;

	(void)state;
	assert_int_equal(mailbox_of("alice+x@demo.example+more", 20, "+", out, &outlen),
	    MAILBOX_OK);
	assert_string_equal(out, "alice@demo.example");
	assert_int_equal(mailbox_of("al\0ce@d.example", 15, "+", out, &outlen), MAILBOX_OK);
	assert_int_equal(outlen, 15);
	assert_memory_equal(out, "al\0ce@d.example", 15);

	/* the longest path is kept; one byte more is an error, never a truncation */
	memset(big, 'a', sizeof(big));
	memcpy(big + MAILBOX_ADDR_MAX - 10, "@d.example", 10);
	assert_int_equal(mailbox_of(big, MAILBOX_ADDR_MAX, "+", out, &outlen), MAILBOX_OK);
	assert_int_equal(outlen, MAILBOX_ADDR_MAX);
	memcpy(big + MAILBOX_ADDR_MAX - 9, "@d.example", 10);
	assert_int_equal(mailbox_of(big, MAILBOX_ADDR_MAX + 1, "+", out, &outlen),
	    MAILBOX_TOO_LONG);
	assert_string_equal(out, "");
}

static void
test_delims_valid(void **state)
{
	static const char *const good[] = { "", "+", "+-", "-", "=", "!#$%&'*+-/=?^_`{|}~" };
	static const char *const bad[] = { "a", "1", "+a", ".", "@", " ", "\"", "\\", ",",
	    "++", "+-+", "<", "\xc3\xa9" };
	const char *why = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!mailbox_delims_valid(good[i], strlen(good[i]), &why))
			fail_msg("\"%s\" refused: %s", good[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (mailbox_delims_valid(bad[i], strlen(bad[i]), &why))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(why);
	}
}

/* [policy] sets every domain's value; [domain X] overrides it, also with "". */
static void
test_config_keys(void **state)
{
	char err[CONFIG_ERR_MAX] = "", out[MAILBOX_ADDR_MAX + 1];
	struct config *cf;
	size_t outlen;

	(void)state;
	cf = conf_load("[domain a.example]\nnext_hop = 127.0.0.1:2526\n", err);
	assert_non_null(cf);
	unlink(conf_path);
	assert_string_equal(cf->recipient_delimiter, "");
	assert_string_equal(cf->domains[0].recipient_delimiter, "");
	assert_int_equal(mailbox_of_config(cf, "x+y@A.example", 13, out, &outlen),
	    MAILBOX_OK);
	assert_string_equal(out, "x+y@a.example");
	config_free(cf);

	/* the domain sections come before [policy]: inherited after the whole file */
	cf = conf_load("[domain a.example]\nnext_hop = 127.0.0.1:2526\n"
	    "[domain b.example]\nnext_hop = 127.0.0.1:2526\nrecipient_delimiter =\n"
	    "[domain c.example]\nnext_hop = 127.0.0.1:2526\nrecipient_delimiter = -\n"
	    "[policy]\nrecipient_delimiter = +\n", err);
	if (cf == NULL)
		fail_msg("%s", err);
	unlink(conf_path);
	assert_string_equal(cf->recipient_delimiter, "+");
	assert_string_equal(cf->domains[0].recipient_delimiter, "+");
	assert_string_equal(cf->domains[1].recipient_delimiter, "");
	assert_string_equal(cf->domains[2].recipient_delimiter, "-");
	assert_int_equal(mailbox_of_config(cf, "x+y@A.example", 13, out, &outlen),
	    MAILBOX_OK);
	assert_string_equal(out, "x@a.example");
	assert_int_equal(mailbox_of_config(cf, "x+y@b.example", 13, out, &outlen),
	    MAILBOX_OK);
	assert_string_equal(out, "x+y@b.example");
	assert_int_equal(mailbox_of_config(cf, "x+y-z@c.example.", 16, out, &outlen),
	    MAILBOX_OK);
	assert_string_equal(out, "x+y@c.example.");
	/* a domain not served: the [policy] value */
	assert_int_equal(mailbox_of_config(cf, "x+y@other.example", 17, out, &outlen),
	    MAILBOX_OK);
	assert_string_equal(out, "x@other.example");
	config_free(cf);
}

struct bad {
	const char *text;
	const char *want;
};

static void
test_config_errors(void **state)
{
	static const struct bad cases[] = {
		{ "[policy]\n\nrecipient_delimiter = a\n",
		    ":3: [policy] recipient_delimiter: expected characters among" },
		{ "[policy]\nrecipient_delimiter = ++\n",
		    ":2: [policy] recipient_delimiter: a character given twice (got \"++\")" },
		{ "[policy]\nrecipient_delimiter = +.\n", ":2: [policy] recipient_delimiter:" },
		{ "[policy]\nrecipient_delimiter = + -\n", ":2: [policy] recipient_delimiter:" },
		{ "[policy]\nrecipient_delimiter = @\n", ":2: [policy] recipient_delimiter:" },
		{ "[smtpd]\nrecipient_delimiter = +\n", ":2: [smtpd] recipient_delimiter: unknown key" },
		{ "[domain a.b]\nnext_hop = h:25\nrecipient_delimiter = x\n",
		    ":3: [domain a.b] recipient_delimiter: expected characters among" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[CONFIG_ERR_MAX] = "";
		struct config *cf = conf_load(cases[i].text, err);

		if (cf != NULL || strstr(err, cases[i].want) == NULL ||
		    strncmp(err, conf_path, strlen(conf_path)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].want);
		config_free(cf);
		unlink(conf_path);
	}
}

/* ecluse.conf.example documents the key with its default. */
static void
test_example_file(void **state)
{
	const char *top = getenv("top_srcdir");
	char example[4096], err[CONFIG_ERR_MAX] = "";
	struct config *ex;

	(void)state;
	snprintf(example, sizeof(example), "%s/ecluse.conf.example", top != NULL ? top : ".");
	ex = config_load(example, err, sizeof(err));
	if (ex == NULL)
		fail_msg("%s", err);
	assert_string_equal(ex->recipient_delimiter, "");
	assert_true(ex->ndomains > 0);
	assert_string_equal(ex->domains[0].recipient_delimiter, "");
	config_free(ex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_delims_valid),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
