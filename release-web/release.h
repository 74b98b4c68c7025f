/*
 * release.h - the release page: GET /r/TOKEN shows the held message and a form,
 * GET /r/TOKEN/captcha.png draws its CAPTCHA, POST /r/TOKEN checks the answer and
 * releases the message.
 *
 * The page writes nothing: it checks the token (404 malformed or forged, 410
 * expired), reads the held message (404 unknown, 410 used or expired) and answers a
 * form with a random nonce N, the form field MAC(token, N) (csrf.h) and the image
 * /r/TOKEN/captcha.png?n=N. So a page view costs a MAC and a read, and the page can be
 * served at the rate of static files.
 * The image does the work: the same checks, a per-client limit (429), a new answer
 * stored as a challenge, the PNG drawn once (each image is a new answer, so no one
 * can fetch many drawings of one answer to average the noise away), and the cookie
 * "challenge=N.ID" (path /r/TOKEN, HttpOnly, SameSite=Strict, expiring with the
 * challenge) that ties the page's nonce to the challenge. The answer exists in this
 * process only while the image is drawn.
 * The post: the same checks, then limits per token, client and sender (429; each
 * refusal logged, the first of a window audited), Origin and form MAC (403), the
 * cookie's nonce against the form's (422 and a new image when stale), the answer (422
 * and a new image when wrong), then store_release, which marks the message released,
 * queues it, spends the token and writes the audit log in one transaction; the sender
 * is whitelisted for each recipient. A second post finds the token spent: 410, and
 * nothing is queued twice.
 */
#ifndef ECLUSE_RELEASE_H
#define ECLUSE_RELEASE_H

#include <stddef.h>

#include "release-web/lang.h"

struct web;
struct reply;

/* The nonce of a page: 16 random bytes in base64url. */
#define RELEASE_NONCE_LEN	22

struct release_req {
	const char	*token;		/* from the path, base64url (router) */
	size_t		 tokenlen;
	enum lang	 lang;
	int		 lang_explicit;	/* ?lang= given: keep it in the form's action */
	const char	*client;	/* client address, text, for the log */
	const char	*client_key;	/* its rate-limit key (an IPv6 client's /64) */
	const char	*origin;	/* Origin header, or NULL */
	const char	*nonce;		/* image: ?n=, or NULL */
	const char	*cookie;	/* post: the challenge cookie, or NULL */
	int		 https;		/* mark the cookie Secure */
	const char	*body;		/* post: the form */
	size_t		 bodylen;
};

void release_get(const struct web *w, const struct release_req *q, struct reply *r);
void release_captcha(const struct web *w, const struct release_req *q, struct reply *r);
void release_post(const struct web *w, const struct release_req *q, struct reply *r);

#endif
