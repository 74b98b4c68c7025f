/*
 * mail.c - composes the digest mail of one recipient. See mail.h.
 */
#include "config.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/template.h"
#include "common/token.h"
#include "common/xmalloc.h"
#include "digest/mail.h"
#include "store/store.h"

/* RFC 2045 6.8: encoded lines are at most 76 characters. */
#define B64_LINE	76
/* RFC 2047 2: an encoded-word is at most 75 characters; 45 bytes of text fit. */
#define EW_CHUNK	45
/* base_url (at most half of it: url_ok), "/u/" or "/r/" and a token; a link to a
 * message adds "#held-" and an id (LINK_MAX). */
#define URL_MAX		1024
#define LINK_MAX	(URL_MAX + 32)
/* "Sun, 22 Nov 2026 19:30:00 +0000" */
#define DATE_MAX	64
/* Texts shown for one message (subject, sender, date) once made printable. */
#define SHOWN_MAX	(STORE_SUBJECT_MAX + 1)

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
put(struct buf *b, const char *s, size_t len)
{
	if (len >= b->cap - b->len || b->p == NULL) {
		b->cap = (b->len + len) * 2 + 256;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
putf(struct buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* s with every control character (a header's tab, a stray CR) made a space: the
 * text templates refuse them, and a list shows one line per field. */
static void
printable(const char *s, char out[SHOWN_MAX])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < SHOWN_MAX - 1; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
	out[i] = '\0';
}

/* base_url characters that are the same in a URL, an HTML attribute and a text
 * line: RFC 3986 unreserved, gen-delims of an authority and path, and '%'. */
static int
url_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		    "-._~:/[]%", s[i]) == NULL)
			return 0;
	return i > 0 && i < URL_MAX / 2;
}

static char *
render(const struct digest_in *in, const char *name, const struct tmpl_vars *v,
    size_t *len)
{
	const struct tmpl *t = tmpl_set_get(in->tmpl, in->lang, name);
	enum tmpl_err e;

	return t == NULL ? NULL : tmpl_render(t, v, len, &e);
}

/* Appends data in base64, B64_LINE characters a line. */
static void
put_base64(struct buf *b, const char *data, size_t len)
{
	size_t per = B64_LINE / 4 * 3, i;
	char line[B64_LINE + 1];

	for (i = 0; i < len; i += per) {
		size_t n = len - i < per ? len - i : per;

		sodium_bin2base64(line, sizeof(line), (const unsigned char *)data + i, n,
		    sodium_base64_VARIANT_ORIGINAL);
		put(b, line, strlen(line));
		put(b, "\r\n", 2);
	}
}

/* The Subject field: as is when ASCII, else RFC 2047 B encoded-words cut at UTF-8
 * character boundaries, one per folded line. */
static void
put_subject(struct buf *b, const char *s, size_t len)
{
	char ew[128];
	size_t i, start;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			break;
	put(b, "Subject: ", 9);
	if (i == len) {
		put(b, s, len);
		put(b, "\r\n", 2);
		return;
	}
	for (start = 0; start < len; ) {
		size_t n = len - start < EW_CHUNK ? len - start : EW_CHUNK;

		/* never split a UTF-8 sequence: back up over continuation bytes */
		while (start + n < len && n > 1 && ((unsigned char)s[start + n] & 0xc0) == 0x80)
			n--;
		sodium_bin2base64(ew, sizeof(ew), (const unsigned char *)s + start, n,
		    sodium_base64_VARIANT_ORIGINAL);
		if (start > 0)
			put(b, "\r\n ", 3);
		putf(b, "=?UTF-8?B?%s?=", ew);
		start += n;
	}
	put(b, "\r\n", 2);
}

/* The pages open in the mail's language: "?lang=fr" (ecluse-web's explicit choice),
 * nothing for English, the pages' default. */
static const char *
lang_q(const struct digest_in *in)
{
	return strcmp(in->lang, "fr") == 0 ? "?lang=fr" : "";
}

/*
 * The addresses of this digest's mailbox the message was sent to, when one of them is
 * a subaddress (alice+shop@ for the digest of alice@: the tag tells the recipient
 * which address a sender had), as many as fit; else "" (the row shows no To:).
 */
static void
subaddresses(const struct digest_in *in, const struct store_held *h, char out[SHOWN_MAX])
{
	size_t i, n = 0, len;
	int tagged = 0;

	out[0] = '\0';
	for (i = 0; i < h->nrcpts && h->mailboxes != NULL; i++)
		if (strcasecmp(h->mailboxes[i], in->rcpt) == 0 &&
		    strcasecmp(h->rcpts[i], in->rcpt) != 0)
			tagged = 1;
	if (!tagged)
		return;
	for (i = 0; i < h->nrcpts; i++) {
		if (strcasecmp(h->mailboxes[i], in->rcpt) != 0)
			continue;
		len = strlen(h->rcpts[i]);
		if (n + 2 + len >= SHOWN_MAX)
			break;
		n += (size_t)snprintf(out + n, SHOWN_MAX - n, "%s%s", n > 0 ? ", " : "",
		    h->rcpts[i]);
	}
}

/* The vars of one message row: shown texts and both links. */
static void
row_vars(const struct digest_in *in, const struct store_held *h, const char *page_url,
    struct tmpl_vars *v, char *release_url, char *allow_url)
{
	char tok[TOKEN_LEN + 1], text[SHOWN_MAX];
	time_t t = (time_t)h->received;
	struct tm tm;

	token_make(in->key, TOKEN_RELEASE, (uint64_t)h->id, h->expires, tok);
	snprintf(release_url, URL_MAX, "%s/r/%s%s", in->base_url, tok, lang_q(in));
	snprintf(allow_url, LINK_MAX, "%s#held-%lld", page_url, (long long)h->id);
	printable(h->mail_from, text);
	tmpl_vars_set_str(v, "sender", text);
	printable(h->subject, text);
	tmpl_vars_set_str(v, "subject", text);
	if (h->date[0] != '\0')
		printable(h->date, text);
	else if (gmtime_r(&t, &tm) == NULL ||
	    strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(text, sizeof(text), "?");
	tmpl_vars_set_str(v, "date", text);
	subaddresses(in, h, text);
	printable(text, text);
	tmpl_vars_set_str(v, "to", text);
	tmpl_vars_set_str(v, "release_url", release_url);
	tmpl_vars_set_str(v, "allow_url", allow_url);
}

/* An anchor start tag for url (checked by url_ok, plus a token and digits: nothing
 * to escape), set raw: the HTML template engine refuses a value at the start of a
 * URL attribute, and these are ours. */
static void
set_anchor(struct tmpl_vars *v, const char *name, const char *url)
{
	char a[LINK_MAX + 16];
	int n = snprintf(a, sizeof(a), "<a href=\"%s\">", url);

	tmpl_vars_set_raw(v, name, a, (size_t)n);
}

static void
new_boundary(char out[40])
{
	unsigned char r[18];

	randombytes_buf(r, sizeof(r));
	memcpy(out, "=_", 2);
	/* base64url has no character that needs quoting in a boundary (RFC 2046 5.1.1) */
	sodium_bin2base64(out + 2, 38, r, sizeof(r), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

enum digest_err
digest_build(const struct digest_in *in, char **head, size_t *headlen, char **body,
    size_t *bodylen, const char **why)
{
	struct buf txt_rows = { 0 }, html_rows = { 0 }, h = { 0 }, b = { 0 };
	char tok[TOKEN_LEN + 1], page_url[URL_MAX], release_url[LINK_MAX], allow_url[LINK_MAX];
	char count[24], date[DATE_MAX], boundary[40], mid[48];
	char *subject = NULL, *txt = NULL, *html = NULL, *r;
	struct tmpl_vars *v;
	size_t i, n = in->nheld < DIGEST_MAX_ROWS ? in->nheld : DIGEST_MAX_ROWS;
	size_t slen = 0, tlen = 0, hlen = 0, len;
	enum digest_err ret = DIGEST_E_TEMPLATE;
	time_t now = (time_t)in->now;
	struct tm tm;
	unsigned char rnd[12];

	*head = *body = NULL;
	*headlen = *bodylen = 0;
	if (in->nheld == 0) {
		*why = "no held message";
		return DIGEST_E_EMPTY;
	}
	if (!url_ok(in->base_url)) {
		*why = "base_url has characters a link cannot carry";
		return DIGEST_E_URL;
	}
	token_make(in->key, TOKEN_RECIPIENT, in->rcpt_id, in->now + DIGEST_PAGE_TTL, tok);
	snprintf(page_url, sizeof(page_url), "%s/u/%s%s", in->base_url, tok, lang_q(in));
	*why = "template missing or failed to render";
	for (i = 0; i < n; i++) {
		v = tmpl_vars_new();
		row_vars(in, &in->held[i], page_url, v, release_url, allow_url);
		set_anchor(v, "release_a", release_url);
		set_anchor(v, "allow_a", allow_url);
		if ((r = render(in, "digest-row.txt", v, &len)) != NULL) {
			put(&txt_rows, r, len);
			free(r);
			r = render(in, "digest-row.html", v, &len);
		}
		tmpl_vars_free(v);
		if (r == NULL)
			goto done;
		put(&html_rows, r, len);
		free(r);
	}
	v = tmpl_vars_new();
	snprintf(count, sizeof(count), "%zu", in->nheld);
	tmpl_vars_set_str(v, "count", count);
	if (in->nheld > n)
		tmpl_vars_set_str(v, "more", "1");
	tmpl_vars_set_str(v, "rcpt", in->rcpt);
	tmpl_vars_set_str(v, "page_url", page_url);
	set_anchor(v, "page_a", page_url);
	tmpl_vars_set_raw(v, "rows", txt_rows.p, txt_rows.len);
	subject = render(in, "digest.subject", v, &slen);
	txt = render(in, "digest.txt", v, &tlen);
	tmpl_vars_set_raw(v, "rows", html_rows.p, html_rows.len);
	html = render(in, "digest.html", v, &hlen);
	tmpl_vars_free(v);
	if (subject == NULL || txt == NULL || html == NULL)
		goto done;
	while (slen > 0 && (subject[slen - 1] == '\n' || subject[slen - 1] == '\r'))
		slen--;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		snprintf(date, sizeof(date), "Thu, 01 Jan 1970 00:00:00 +0000");
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(mid, sizeof(mid), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	new_boundary(boundary);
	putf(&h, "From: <postmaster@%s>\r\n", in->hostname);
	putf(&h, "To: <%s>\r\n", in->rcpt);
	put_subject(&h, subject, slen);
	putf(&h, "Date: %s\r\n", date);
	putf(&h, "Message-ID: <digest.%s@%s>\r\n", mid, in->hostname);
	putf(&h, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n");
	putf(&h, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary);

	putf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", boundary);
	put_base64(&b, txt, tlen);
	putf(&b, "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", boundary);
	put_base64(&b, html, hlen);
	putf(&b, "--%s--\r\n", boundary);
	*head = h.p;
	*headlen = h.len;
	*body = b.p;
	*bodylen = b.len;
	h.p = b.p = NULL;
	ret = DIGEST_OK;
	*why = "";
done:
	free(subject);
	free(txt);
	free(html);
	free(txt_rows.p);
	free(html_rows.p);
	free(h.p);
	free(b.p);
	return ret;
}
