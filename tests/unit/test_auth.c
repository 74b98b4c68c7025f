/*
 * test_auth.c - the transaction glue (auth.h) on a real event loop against the
 * loopback responder of dnsfake.h: SPF started at MAIL FROM, DKIM and DMARC at the
 * end of data, one callback never called from inside auth_message(), deadlines that
 * turn unfinished checks into temperror, and a session freed while DNS is pending.
 */
#include "config.h"

#include <event2/event.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "auth/auth.h"
#include "auth/resolver.h"
#include "tests/unit/dnsfake.h"

static const struct dnsfake_rr zone[] = {
	{ "example.test", 16, 0, 0, { "v=spf1 ip4:192.0.2.1 -all", NULL } },
	{ "_dmarc.example.test", 16, 0, 0, { "v=DMARC1; p=reject", NULL } },
	{ "slow.test", 16, 0, 1, { NULL } },
	{ "slowdmarc.test", 16, 0, 0, { "v=spf1 ip4:192.0.2.1 -all", NULL } },
	{ "_dmarc.slowdmarc.test", 16, 0, 1, { NULL } },
	/* an aligned identifier that SPF or DKIM cannot check: its DNS never answers */
	{ "slowspf.test", 16, 0, 1, { NULL } },
	{ "_dmarc.slowspf.test", 16, 0, 0, { "v=DMARC1; p=reject", NULL } },
	{ "slow._domainkey.example.test", 16, 0, 1, { NULL } },
	/* bücher.test: SPF and DMARC at its A-labels (RFC 8616) */
	{ "xn--bcher-kva.test", 16, 0, 0, { "v=spf1 ip4:192.0.2.1 -all", NULL } },
	{ "_dmarc.xn--bcher-kva.test", 16, 0, 0, { "v=DMARC1; p=reject", NULL } },
	{ NULL, 0, 0, 0, { NULL } },
};

static struct event_base *base;
static struct dnsfake *fake;
static struct resolver *res;

struct got {
	int			 calls;
	int			 in_message;
	int			 reentrant;
	struct auth_result	 r;
	char			 authres[1024];
};

static int
setup(void **state)
{
	char err[256];

	base = event_base_new();
	fake = dnsfake_start(base, zone);
	/* c-ares waits longer than the session deadlines of the timeout tests */
	res = resolver_new(base, dnsfake_servers(fake), 2000, 1, err, sizeof(err));
	return res == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	resolver_free(res);
	dnsfake_stop(fake);
	event_base_free(base);
	return 0;
}

static void
on_result(void *arg, const struct auth_result *r)
{
	struct got *g = arg;

	g->calls++;
	if (g->in_message)
		g->reentrant = 1;
	g->r = *r;
	snprintf(g->authres, sizeof(g->authres), "%s", r->authres ? r->authres : "");
	event_base_loopbreak(base);
}

static struct auth_session *
start(const char *ip, const char *mail_from, unsigned spf_ms, unsigned msg_ms)
{
	struct auth_params p = { base, res, "mx.test", "receiver.test", spf_ms, msg_ms, NULL };
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return auth_start(&p, (struct sockaddr *)&sin, "helo.test", 9, mail_from,
	    strlen(mail_from));
}

static void
message(struct auth_session *s, const char *msg, struct got *g)
{
	memset(g, 0, sizeof(*g));
	g->in_message = 1;
	auth_message(s, msg, strlen(msg), on_result, g);
	g->in_message = 0;
	event_base_dispatch(base);
	assert_int_equal(g->calls, 1);
	assert_int_equal(g->reentrant, 0);
}

static const char *msg_example =
    "From: Alice <alice@example.test>\r\n"
    "Authentication-Results: mx.test; dmarc=pass\r\n"
    "Subject: hi\r\n\r\nbody\r\n";

static void
test_pass(void **state)
{
	struct auth_session *s = start("192.0.2.1", "alice@example.test", 5000, 5000);
	struct got g;

	assert_non_null(s);
	message(s, msg_example, &g);
	assert_int_equal(g.r.spf.result, SPF_PASS);
	assert_int_equal(g.r.ndkim, 0);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_PASS);
	assert_int_equal(g.r.timed_out, 0);
	assert_string_equal(g.authres, "Authentication-Results: mx.test;\r\n"
	    "\tspf=pass smtp.mailfrom=example.test;\r\n"
	    "\tdkim=none;\r\n"
	    "\tdmarc=pass header.from=example.test policy.dmarc=reject\r\n");
	/* the forged field that claims our authserv-id is to be cut out */
	assert_int_equal(g.r.remove_err, AUTHRES_FIND_OK);
	assert_int_equal(g.r.nremove, 1);
	assert_memory_equal(msg_example + g.r.remove[0].off, "Authentication-Results: mx.test;",
	    32);
	assert_int_equal(g.r.dns_questions, 2);
	auth_free(s);
}

static void
stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

static void
test_spf_before_message(void **state)
{
	struct auth_session *s = start("198.51.100.7", "alice@example.test", 5000, 5000);
	struct timeval tv = { 0, 200000 };
	struct got g;
	int asked;

	/* SPF runs while the client would be sending DATA */
	event_base_once(base, -1, EV_TIMEOUT, stop, NULL, &tv);
	event_base_dispatch(base);
	asked = dnsfake_queries(fake);
	assert_true(asked >= 1);
	message(s, msg_example, &g);
	assert_int_equal(g.r.spf.result, SPF_FAIL);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_FAIL);
	assert_int_equal(g.r.dmarc.policy, DMARC_POLICY_REJECT);
	auth_free(s);
}

static void
test_spf_deadline(void **state)
{
	struct auth_session *s = start("192.0.2.1", "alice@slow.test", 100, 5000);
	struct got g;

	message(s, msg_example, &g);
	assert_int_equal(g.r.spf.result, SPF_TEMPERROR);
	assert_non_null(strstr(g.r.spf.reason, "timed out"));
	assert_int_equal(g.r.timed_out, 1);
	/* DKIM and DMARC still ran in their own time: no aligned identifier */
	assert_int_equal(g.r.dmarc.result, DMARC_RES_FAIL);
	auth_free(s);
}

static void
test_message_deadline(void **state)
{
	struct auth_session *s = start("192.0.2.1", "alice@slowdmarc.test", 5000, 150);
	struct got g;

	message(s, "From: a@slowdmarc.test\r\n\r\n", &g);
	assert_int_equal(g.r.spf.result, SPF_PASS);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_TEMPERROR);
	assert_string_equal(g.r.dmarc.author, "slowdmarc.test");
	assert_int_equal(g.r.timed_out, 1);
	assert_non_null(strstr(g.authres, "dmarc=temperror"));
	auth_free(s);
}

static void
test_deadline_during_spf(void **state)
{
	/* the message deadline falls while SPF still waits: everything unfinished is a
	 * temperror, and the signature DKIM never got to is listed as one */
	struct auth_session *s = start("192.0.2.1", "alice@slow.test", 5000, 150);
	struct got g;

	message(s, "DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=sel;\r\n"
	    "\tc=relaxed/relaxed; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
	    "\tb=dGVzdA==\r\n"
	    "From: a@example.test\r\n\r\nbody\r\n", &g);
	assert_int_equal(g.r.spf.result, SPF_TEMPERROR);
	assert_int_equal(g.r.ndkim, 1);
	assert_int_equal(g.r.dkim[0].result, DKIM_TEMPERROR);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_TEMPERROR);
	assert_int_equal(g.r.timed_out, 1);
	assert_non_null(strstr(g.authres, "dkim=temperror"));
	auth_free(s);
}

/*
 * RFC 9989 5.3.6: when SPF or DKIM could not check an identifier that would align,
 * for a transient DNS error, DMARC can say neither pass nor fail: temperror, so that
 * a p=reject domain's mail is not refused for a DNS hiccup. An unaligned identifier
 * that could not be checked changes nothing.
 */
static void
test_unchecked_aligned_identifier(void **state)
{
	struct auth_session *s = start("192.0.2.1", "bounce@slowspf.test", 100, 5000);
	struct got g;

	/* SPF times out for the Author Domain itself; nothing else authenticates */
	message(s, "From: a@slowspf.test\r\n\r\nbody\r\n", &g);
	assert_int_equal(g.r.spf.result, SPF_TEMPERROR);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_TEMPERROR);
	assert_non_null(strstr(g.r.dmarc.reason, "slowspf.test"));
	assert_non_null(strstr(g.authres, "dmarc=temperror"));
	auth_free(s);

	/* the key of an aligned signature cannot be fetched (empty body: bh matches) */
	s = start("198.51.100.7", "alice@example.test", 5000, 5000);
	message(s, "DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=slow;\r\n"
	    "\tc=relaxed/relaxed; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
	    "\tb=dGVzdA==\r\n"
	    "From: a@example.test\r\n\r\n", &g);
	assert_int_equal(g.r.spf.result, SPF_FAIL);
	assert_int_equal(g.r.ndkim, 1);
	assert_int_equal(g.r.dkim[0].result, DKIM_TEMPERROR);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_TEMPERROR);
	assert_non_null(strstr(g.r.dmarc.reason, "d=example.test"));
	auth_free(s);

	/* the same signature under a From it does not align with: a plain fail */
	s = start("198.51.100.7", "alice@example.test", 5000, 5000);
	message(s, "DKIM-Signature: v=1; a=rsa-sha256; d=example.test; s=slow;\r\n"
	    "\tc=relaxed/relaxed; h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
	    "\tb=dGVzdA==\r\n"
	    "From: a@slowspf.test\r\n\r\n", &g);
	assert_int_equal(g.r.dkim[0].result, DKIM_TEMPERROR);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_FAIL);
	assert_int_equal(g.r.dmarc.policy, DMARC_POLICY_REJECT);
	auth_free(s);
}

/*
 * RFC 8601 2.7.2, RFC 7208 9.2: the SPF result names the identity that was checked.
 * A MAIL FROM whose domain SPF cannot check (an address literal) gives none for
 * that identity: it is still smtp.mailfrom, never the HELO, which was not checked.
 */
static void
test_spf_identity_reported(void **state)
{
	struct auth_session *s = start("192.0.2.1", "alice@[192.0.2.1]", 5000, 5000);
	struct got g;

	message(s, "From: a@example.test\r\n\r\n", &g);
	assert_int_equal(g.r.spf.result, SPF_NONE);
	assert_int_equal(g.r.spf.identity, SPF_ID_MAILFROM);
	assert_non_null(strstr(g.authres, "\tspf=none smtp.mailfrom=\"alice@[192.0.2.1]\";"));
	assert_null(strstr(g.authres, "smtp.helo"));
	auth_free(s);

	/* the null reverse-path: the HELO identity, reported as such */
	s = start("192.0.2.1", "", 5000, 5000);
	message(s, "From: a@example.test\r\n\r\n", &g);
	assert_int_equal(g.r.spf.identity, SPF_ID_HELO);
	assert_non_null(strstr(g.authres, "\tspf=none smtp.helo=helo.test;"));
	auth_free(s);
}

static void
never(void *arg, const struct auth_result *r)
{
	fail_msg("callback after auth_free");
}

static void
test_free_while_pending(void **state)
{
	struct auth_session *s = start("192.0.2.1", "alice@slowdmarc.test", 5000, 5000);
	struct timeval tv = { 0, 100000 };

	auth_message(s, "From: a@slowdmarc.test\r\n\r\n", 26, never, NULL);
	event_base_once(base, -1, EV_TIMEOUT, stop, NULL, &tv);
	event_base_dispatch(base);	/* DMARC waits on the silent server */
	auth_free(s);
	event_base_once(base, -1, EV_TIMEOUT, stop, NULL, &tv);
	event_base_dispatch(base);
	auth_free(NULL);
}

/*
 * RFC 8616: an SMTPUTF8 MAIL FROM and an internationalized From with U-labels are
 * checked at their A-labels, and the field added to the (internationalized) message
 * names them with U-labels; the same identities in a 7-bit message stay A-labels.
 */
static void
test_idn(void **state)
{
	struct auth_session *s = start("192.0.2.1", "jörg@bücher.test", 5000, 5000);
	struct got g;

	assert_non_null(s);
	message(s, "From: Jörg <jörg@bücher.test>\r\nSubject: hi\r\n\r\nbody\r\n", &g);
	assert_int_equal(g.r.spf.result, SPF_PASS);
	assert_string_equal(g.r.spf.domain, "xn--bcher-kva.test");
	assert_int_equal(g.r.dmarc.result, DMARC_RES_PASS);
	assert_string_equal(g.r.dmarc.author, "xn--bcher-kva.test");
	assert_string_equal(g.authres, "Authentication-Results: mx.test;\r\n"
	    "\tspf=pass smtp.mailfrom=\"bücher.test\";\r\n"
	    "\tdkim=none;\r\n"
	    "\tdmarc=pass header.from=\"bücher.test\" policy.dmarc=reject\r\n");
	auth_free(s);

	s = start("192.0.2.1", "joerg@xn--bcher-kva.test", 5000, 5000);
	message(s, "From: joerg@xn--bcher-kva.test\r\nSubject: hi\r\n\r\nbody \xc3\xa9\r\n",
	    &g);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_PASS);
	assert_string_equal(g.authres, "Authentication-Results: mx.test;\r\n"
	    "\tspf=pass smtp.mailfrom=xn--bcher-kva.test;\r\n"
	    "\tdkim=none;\r\n"
	    "\tdmarc=pass header.from=xn--bcher-kva.test policy.dmarc=reject\r\n");
	auth_free(s);

	/* an Author Domain that is no valid IDN: permerror, shown without a domain (the
	 * header is 8-bit, so the valid IDN of MAIL FROM is shown with U-labels) */
	s = start("192.0.2.1", "joerg@xn--bcher-kva.test", 5000, 5000);
	message(s, "From: j@b\xfc" "cher.test\r\nSubject: hi\r\n\r\nbody\r\n", &g);
	assert_int_equal(g.r.dmarc.result, DMARC_RES_PERMERROR);
	assert_string_equal(g.authres, "Authentication-Results: mx.test;\r\n"
	    "\tspf=pass smtp.mailfrom=\"bücher.test\";\r\n"
	    "\tdkim=none;\r\n"
	    "\tdmarc=permerror reason=\"author domain is not a valid IDN: not UTF-8\"\r\n");
	auth_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spf_before_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spf_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_during_spf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_while_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchecked_aligned_identifier, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spf_identity_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
