/*
 * auth.h - the authentication checks of one SMTP transaction, as ecluse-smtpd runs
 * them: SPF starts at MAIL FROM (while the client is still sending), DKIM and DMARC
 * run at the end of DATA, and one callback delivers every result together with the
 * Authentication-Results field to add and the incoming ones to remove.
 *
 * Never blocks: every DNS question goes through the resolver (resolver.h) on the
 * caller's event loop, and the evaluations restart over the session's DNS cache
 * (dns.h). Time is bounded twice: SPF by spf_timeout_ms from auth_start(), DKIM and
 * DMARC by msg_timeout_ms from auth_message(). What has not finished by then is a
 * temperror, as is a DNS timeout or server failure where RFC 7208 (SPF), RFC 6376
 * (DKIM) and RFC 9989 (DMARC) say a transient error is one.
 *
 * Ownership: auth_start() allocates the session; auth_free() cancels whatever is in
 * flight (the callback is then never called) and releases it; auth_free(NULL) is a
 * no-op. The message given to auth_message() is borrowed until the callback has run
 * or the session is freed. The result passed to the callback lives until auth_free().
 */
#ifndef ECLUSE_AUTH_H
#define ECLUSE_AUTH_H

#include <stddef.h>
#include <sys/socket.h>

#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/from.h"
#include "auth/spf.h"

struct event_base;
struct resolver;

/* Incoming Authentication-Results fields that can be removed in one message; more
 * claiming our name is an attack: the message is then refused (remove_err). */
#define AUTH_REMOVE_MAX 32

struct auth_params {
	struct event_base	*base;
	struct resolver		*resolver;
	/* authserv-id of the field we add ([policy] authserv_id); NULL or empty: the
	 * receiver name. Borrowed for the session's life. */
	const char		*authserv_id;
	/* This host's name, for SPF's %{r} (RFC 7208 7.3); NULL: "unknown". Borrowed. */
	const char		*receiver;
	/* RFC 7208 4.6.4 asks at least 20 s for SPF. */
	unsigned		 spf_timeout_ms;
	unsigned		 msg_timeout_ms;
	/* Parsed DKIM keys shared by every session (dkim.h): decoding an RSA key costs
	 * several verifications. NULL: none kept. Borrowed. */
	struct dkim_keys	*dkim_keys;
};

struct auth_result {
	struct spf_outcome	 spf;
	size_t			 ndkim;		/* 0: no DKIM-Signature */
	struct dkim_sigres	 dkim[DKIM_SIGS_MAX];
	struct from_result	 from;
	struct dmarc_result	 dmarc;
	/* "Authentication-Results: ...\r\n" to prepend; NULL when no usable
	 * authserv-id was given. */
	const char		*authres;
	/* Fields to cut out of the message before relaying (authres.h), and whether
	 * they could all be found: when not AUTHRES_FIND_OK, do not relay as is. */
	struct authres_range	 remove[AUTH_REMOVE_MAX];
	size_t			 nremove;
	enum authres_find_err	 remove_err;
	int			 timed_out;	/* a deadline cut the checks short */
	size_t			 dns_questions;	/* distinct questions asked (log) */
};

typedef void auth_cb(void *arg, const struct auth_result *res);

/* The authserv-id in use: p->authserv_id, else the receiver name, else "". */
const char *auth_serv_id(const struct auth_params *p);

struct auth_session;

/*
 * At MAIL FROM: the client's address (AF_INET or AF_INET6), the HELO/EHLO argument
 * and the reverse-path without "<>" (mail_from_len 0 for the null path), as received.
 * SPF starts at once. Returns NULL when client is not an IP address.
 */
struct auth_session *auth_start(const struct auth_params *p, const struct sockaddr *client,
    const char *helo, size_t helo_len, const char *mail_from, size_t mail_from_len);

/*
 * At the end of DATA: the message as received (header and body, CRLF lines, dots
 * unstuffed). cb is called once, from the event loop, never from within this call.
 */
void auth_message(struct auth_session *s, const char *msg, size_t len, auth_cb *cb,
    void *arg);

void auth_free(struct auth_session *s);

#endif
