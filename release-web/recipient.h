/*
 * recipient.h - a recipient's own page: GET /u/TOKEN lists the messages held for one
 * recipient and their sender lists (the senders they always accept, and those they
 * block); POST /u/TOKEN releases or deletes one of those messages, allows or blocks a
 * sender or a sender domain, or removes an entry of either list.
 *
 * The token (common/token.h, kind TOKEN_RECIPIENT) names a recipient id
 * (store_recipient_id); it is sent only in that recipient's digest mail, so holding
 * it is the recipient's credential: no password. It gives access to that one
 * address's data and nothing else: a message id posted with it is acted on only when
 * the address is one of the message's recipients (else 404, exactly as for an id
 * that does not exist); whitelist changes are always scope recipient, target that
 * address. Malformed, forged and wrong-kind tokens are 404, an expired one 410.
 *
 * Forms carry a nonce and MAC(token, nonce) (csrf.h) and, when the browser sends
 * one, Origin must be base_url's (403 otherwise). Every change is audited by the
 * store with the actor "rcpt:ADDRESS".
 *
 * Limits: the store keeps one state per message, not per recipient: releasing a
 * message addressed to several recipients delivers it to all of them (an operator's
 * release does the same); deleting it is refused (409) unless this address is its only
 * recipient, so one recipient cannot take a message from another. A block is the
 * store's whitelist entry with action block (store.h): ecluse-smtpd then refuses the
 * sender's mail to this address at RCPT (smtpd/whitelist.h), whatever its
 * authentication. Blocking a sender does not touch what is already held from it:
 * those messages stay listed here (release or delete them), but their sender's
 * release link now answers 403 (release.c): it would carry the very mail refused.
 */
#ifndef ECLUSE_RECIPIENT_H
#define ECLUSE_RECIPIENT_H

struct web;
struct reply;
struct release_req;

/* Held messages shown on one page: the newest; a recipient with more sees the count. */
#define RECIPIENT_PAGE_HELD	200
/* Entries shown on one page, in each of the two lists (allowed, blocked). */
#define RECIPIENT_PAGE_WL	500

/* q is filled as for the release page (token, lang, client, origin, body). */
void recipient_get(const struct web *w, const struct release_req *q, struct reply *r);
void recipient_post(const struct web *w, const struct release_req *q, struct reply *r);

#endif
