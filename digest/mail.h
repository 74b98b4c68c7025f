/*
 * mail.h - the digest mail of one recipient: the messages held for them since their
 * last digest, each with a link that releases it (the release page of its token) and
 * one to the recipient's own page (release-web/recipient.h), where they can always
 * allow the sender; and the link to that page.
 *
 * The text comes from templates LANG/digest.subject, digest.txt, digest-row.txt,
 * digest.html and digest-row.html (common/template.h escapes every value: HTML in the
 * HTML part, no control character in the text part). The rows are rendered one by
 * one and joined as markup built here. The mail is multipart/alternative (RFC 2046
 * 5.1.4), text/plain then text/html, both UTF-8 in base64 (RFC 2045 6.8): 7-bit clean
 * whatever the next hop supports, with lines of 76 characters. The Subject is an
 * RFC 2047 encoded-word when it is not ASCII. Auto-Submitted: auto-generated (RFC
 * 3834 5) so responders do not answer it.
 *
 * Links are base_url + "/r/TOKEN" and base_url + "/u/TOKEN#held-ID": base_url must be
 * made of URL characters that need no escaping in an HTML attribute, or the mail is
 * refused (DIGEST_E_URL).
 * Ownership: digest_build returns a malloc'd header block and body (the caller frees
 * both); errors leave nothing allocated.
 */
#ifndef ECLUSE_DIGEST_MAIL_H
#define ECLUSE_DIGEST_MAIL_H

#include <stddef.h>
#include <stdint.h>

struct tmpl_set;
struct token_key;
struct store_held;

/* How long the recipient page link of a digest works: two weeks covers a holiday;
 * every digest brings a fresh one. */
#define DIGEST_PAGE_TTL		(14 * 86400)
/* Messages listed in one digest: the newest; the page shows them all. */
#define DIGEST_MAX_ROWS		200

enum digest_err {
	DIGEST_OK = 0,
	DIGEST_E_EMPTY,		/* no message: a digest is never sent empty */
	DIGEST_E_TEMPLATE,	/* a template is missing or failed to render */
	DIGEST_E_URL,		/* base_url has characters a link cannot carry as is */
};

struct digest_in {
	const struct tmpl_set	*tmpl;
	const char		*lang;		/* "en", "fr" */
	const struct token_key	*key;
	const char		*base_url;	/* without a trailing '/' needed */
	const char		*hostname;	/* From: postmaster@hostname, Message-ID */
	const char		*rcpt;
	uint64_t		 rcpt_id;	/* store_recipient_id */
	const struct store_held	*held;		/* the messages, newest first */
	size_t			 nheld;
	int64_t			 now;
};

/* Builds the mail: *head (header fields and the blank line) and *body, CRLF lines. */
enum digest_err digest_build(const struct digest_in *in, char **head, size_t *headlen,
    char **body, size_t *bodylen, const char **why);

#endif
