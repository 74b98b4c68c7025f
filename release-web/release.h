/*
 * release.h - the release page: GET /r/TOKEN shows the held message and a CAPTCHA,
 * POST /r/TOKEN checks the answer and releases the message.
 *
 * GET: token (404 malformed or forged, 410 expired) -> held message (404 unknown,
 * 410 used or expired) -> per-client page limit (429) -> new challenge stored, image
 * rendered once and inlined in the page as a data: URI (an answer is drawn only once,
 * so no one can fetch many renderings of one answer to average the noise away; the
 * answer exists in this process only during this request).
 * POST: the same checks, then limits per token, client and sender (429; each refusal
 * logged and audited), Origin and form MAC (403), the answer (422 and a new image
 * when wrong or stale), then store_release, which marks the message released, queues
 * it, spends the token and writes the audit log in one transaction; the sender is
 * whitelisted for each recipient. A second POST finds the token spent: 410, nothing
 * queued twice.
 */
#ifndef ECLUSE_RELEASE_H
#define ECLUSE_RELEASE_H

#include <stddef.h>

#include "release-web/lang.h"

struct web;
struct reply;

struct release_req {
	const char	*token;		/* from the path, base64url (router) */
	size_t		 tokenlen;
	enum lang	 lang;
	int		 lang_explicit;	/* ?lang= given: keep it in the form's action */
	const char	*client;	/* client address, text, for the log */
	const char	*client_key;	/* its rate-limit key (an IPv6 client's /64) */
	const char	*origin;	/* Origin header, or NULL */
	const char	*body;		/* POST: the form */
	size_t		 bodylen;
};

void release_get(const struct web *w, const struct release_req *q, struct reply *r);
void release_post(const struct web *w, const struct release_req *q, struct reply *r);

#endif
