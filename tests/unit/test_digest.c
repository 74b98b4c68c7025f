/*
 * test_digest.c - the digest mail of digest/mail.h, built from the shipped templates:
 * parts and links, escaping, the French text, 7-bit output, and refusals
 * (an empty digest, a base_url a link cannot carry).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/template.h"
#include "common/token.h"
#include "digest/mail.h"
#include "store/store.h"

#define NOW 1700000000

static struct tmpl_set *tmpl;
static struct token_key *key;
static char keydir[64];

static int
setup(void **state)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], err[512] = "", path[128];

	assert_non_null(top);
	snprintf(dir, sizeof(dir), "%s/templates", top);
	if ((tmpl = tmpl_set_load(dir, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	snprintf(keydir, sizeof(keydir), "/tmp/ecluse-test-digest-XXXXXX");
	assert_non_null(mkdtemp(keydir));
	snprintf(path, sizeof(path), "%s/token.key", keydir);
	assert_int_equal(token_key_load(path, &key, err, sizeof(err)), TOKEN_KEY_OK);
	return 0;
}

static int
teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/token.key", keydir);
	unlink(path);
	rmdir(keydir);
	tmpl_set_free(tmpl);
	token_key_free(key);
	return 0;
}

static struct store_held
held(int64_t id, char *from, char *subject, char *date)
{
	struct store_held h;

	memset(&h, 0, sizeof(h));
	h.id = id;
	h.mail_from = from;
	h.subject = subject;
	h.date = date;
	h.state = STORE_HELD;
	h.received = NOW - 60;
	h.expires = NOW + 86400;
	return h;
}

static struct digest_in
input(const char *lang, const struct store_held *h, size_t n)
{
	struct digest_in in = {
		.tmpl = tmpl, .lang = lang, .key = key, .base_url = "https://release.example",
		.hostname = "mx.example.org", .rcpt = "bob@example.org", .rcpt_id = 7,
		.held = h, .nheld = n, .now = NOW,
	};
	return in;
}

/* The decoded content of the part of type type. */
static char *
part(const char *body, const char *type)
{
	char marker[128];
	const char *p, *end;
	unsigned char *out;
	size_t cap, len = 0;
	char b64[8192];
	size_t bl = 0;

	snprintf(marker, sizeof(marker), "Content-Type: %s; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", type);
	p = strstr(body, marker);
	assert_non_null(p);
	p += strlen(marker);
	end = strstr(p, "\r\n--");
	assert_non_null(end);
	for (; p < end; p++)
		if (*p != '\r' && *p != '\n') {
			assert_true(bl < sizeof(b64) - 1);
			b64[bl++] = *p;
		}
	cap = bl;
	out = calloc(1, cap + 1);
	assert_int_equal(sodium_base642bin(out, cap, b64, bl, NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	out[len] = '\0';
	return (char *)out;
}

static void
test_english(void **state)
{
	struct store_held h[2] = {
		held(12, "alice@example.net", "<b>Invoice</b> & co\tnow", "Tue, 14 Nov 2023"),
		held(11, "", "", ""),
	};
	struct digest_in in = input("en", h, 2);
	char *head, *body, *txt, *html, tok[TOKEN_LEN + 1], url[256];
	size_t hl, bl;
	const char *why;

	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_OK);
	assert_int_equal(strlen(head), hl);
	assert_int_equal(strlen(body), bl);
	assert_non_null(strstr(head, "\r\nSubject: Messages held for you: 2\r\n"));
	assert_non_null(strstr(head, "From: <postmaster@mx.example.org>\r\n"));
	assert_non_null(strstr(head, "To: <bob@example.org>\r\n"));
	assert_non_null(strstr(head, "Auto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(head, "Content-Type: multipart/alternative; boundary="));
	assert_int_equal(memcmp(head + hl - 4, "\r\n\r\n", 4), 0);
	txt = part(body, "text/plain");
	html = part(body, "text/html");
	/* the tab of the subject became a space: the text part has no control character */
	assert_non_null(strstr(txt, "<b>Invoice</b> & co now"));
	assert_non_null(strstr(html, "&lt;b&gt;Invoice&lt;/b&gt; &amp; co now"));
	assert_null(strstr(html, "<b>"));
	token_make(key, TOKEN_RELEASE, 12, NOW + 86400, tok);
	snprintf(url, sizeof(url), "https://release.example/r/%s", tok);
	assert_non_null(strstr(txt, url));
	snprintf(url, sizeof(url), "<a href=\"https://release.example/r/%s\">", tok);
	assert_non_null(strstr(html, url));
	token_make(key, TOKEN_RECIPIENT, 7, NOW + DIGEST_PAGE_TTL, tok);
	snprintf(url, sizeof(url), "https://release.example/u/%s#held-12", tok);
	assert_non_null(strstr(txt, url));
	assert_non_null(strstr(html, url));
	/* the newest first, as given */
	assert_true(strstr(txt, "#held-12") < strstr(txt, "#held-11"));
	free(txt);
	free(html);
	free(head);
	free(body);
}

static void
test_french_seven_bit(void **state)
{
	struct store_held h[1] = { held(3, "alice@example.net", "Facture", "") };
	struct digest_in in = input("fr", h, 1);
	char *head, *body, *txt;
	size_t hl, bl;
	const char *why;

	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_OK);
	/* "Messages retenus pour vous : 1" is ASCII: as is */
	assert_non_null(strstr(head, "Subject: Messages retenus pour vous : 1\r\n"));
	txt = part(body, "text/plain");
	assert_non_null(strstr(txt, "Toujours accepter cet exp\xc3\xa9" "diteur"));
	assert_non_null(strstr(txt, "2023-11-14 22:12 UTC"));	/* no Date: received */
	assert_non_null(strstr(txt, "?lang=fr#held-3"));
	free(txt);
	free(head);
	free(body);
	/* every byte of head is 7-bit */
	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_OK);
	for (size_t i = 0; i < hl; i++)
		assert_true((unsigned char)head[i] < 0x80);
	for (size_t i = 0; i < bl; i++)
		assert_true((unsigned char)body[i] < 0x80);
	free(head);
	free(body);
}

/* The digest of a mailbox (bob@, recipient_delimiter "+") names the subaddresses a
 * message went to, and only when it went to one: bob+shop@ tells bob which address
 * the sender had; a message to bob@ alone has no To: line; addresses of other
 * mailboxes are never shown. */
static void
test_subaddresses(void **state)
{
	char *r1[] = { "bob+shop@example.org", "carol@example.org" };
	char *m1[] = { "bob@example.org", "carol@example.org" };
	char *r2[] = { "Bob@example.org" };
	char *m2[] = { "Bob@example.org" };
	char *r3[] = { "bob@example.org", "bob+news@example.org" };
	char *m3[] = { "bob@example.org", "bob@example.org" };
	struct store_held h[3] = {
		held(21, "shop@example.net", "Order", ""),
		held(22, "friend@example.net", "Hello", ""),
		held(23, "list@example.net", "News", ""),
	};
	struct digest_in in;
	char *head, *body, *txt, *html, *row2, *row3;
	size_t hl, bl;
	const char *why;

	h[0].rcpts = r1, h[0].mailboxes = m1, h[0].nrcpts = 2;
	h[1].rcpts = r2, h[1].mailboxes = m2, h[1].nrcpts = 1;
	h[2].rcpts = r3, h[2].mailboxes = m3, h[2].nrcpts = 2;
	in = input("en", h, 3);
	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_OK);
	txt = part(body, "text/plain");
	html = part(body, "text/html");
	row2 = strstr(txt, "From:    friend@example.net");
	row3 = strstr(txt, "From:    list@example.net");
	assert_non_null(row2);
	assert_non_null(row3);
	assert_non_null(strstr(txt, "  Subject: Order\n  To:      bob+shop@example.org\n"
	    "  Sent:"));
	assert_non_null(strstr(txt, "  Subject: Hello\n  Sent:"));
	assert_non_null(strstr(row3, "  To:      bob@example.org, bob+news@example.org\n"));
	assert_null(strstr(txt, "carol"));
	assert_non_null(strstr(html, "Order<br><small>To bob+shop@example.org</small></td>"));
	assert_non_null(strstr(html, "Hello</td>"));
	assert_null(strstr(html, "carol"));
	free(txt);
	free(html);
	free(head);
	free(body);
}

static void
test_refusals(void **state)
{
	struct store_held h[1] = { held(3, "alice@example.net", "x", "") };
	struct digest_in in = input("en", h, 0);
	char *head = (char *)1, *body = (char *)1;
	size_t hl, bl;
	const char *why;

	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_E_EMPTY);
	assert_null(head);
	assert_null(body);
	in = input("en", h, 1);
	in.base_url = "https://release.example/\"><script>";
	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_E_URL);
	in.base_url = "";
	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_E_URL);
	in = input("de", h, 1);
	assert_int_equal(digest_build(&in, &head, &hl, &body, &bl, &why), DIGEST_E_TEMPLATE);
	assert_null(head);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_french_seven_bit),
		cmocka_unit_test(test_subaddresses),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
