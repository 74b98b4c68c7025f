/*
 * session.h - one SMTP client connection: the RFC 5321 state machine, the mirror of
 * MAIL/RCPT to the next hop, the DATA phase, STARTTLS, and the verdict call.
 *
 * Ownership: a session owns its socket and frees itself when the connection ends;
 * on_close is then called once (the server uses it for its connection counts).
 *
 * This header is the daemon's whole interface to a session. Its code is in parts:
 * session.c (the connection: I/O, timeouts, STARTTLS, the session's life),
 * session_cmd.c (the commands and the envelope), session_relay.c (the next hop of the
 * transaction), session_verdict.c (the checks, the end of data, the verdict) and
 * session_hold.c (the quarantine), sharing session_priv.h.
 */
#ifndef ECLUSE_SMTPD_SESSION_H
#define ECLUSE_SMTPD_SESSION_H

#include <sys/socket.h>

#include <openssl/ssl.h>

#include "auth/auth.h"
#include "common/template.h"
#include "common/token.h"
#include "store/store.h"
#include "common/config.h"
#include "common/snapshot.h"
#include "smtpd/dnsbl.h"
#include "smtpd/policy.h"
#include "smtpd/pool.h"

/* Read-only context shared by every session of the daemon. */
struct smtpd_env {
	const struct config	*cf;		/* the current version of conf */
	struct snapshot		*conf;		/* each session holds the version it
						 * started with (common/snapshot.h) */
	struct event_base	*base;
	struct relay_pool	*pool;
	SSL_CTX			*tls;		/* NULL: STARTTLS not offered */
	struct auth_params	 auth;		/* SPF, DKIM, DMARC of each transaction;
						 * each session names it (authserv_id,
						 * receiver) from its own configuration */
	struct store		*store;		/* held copies (group-committed) */
	const struct token_key	*token_key;	/* signs release links */
	const struct tmpl_set	*tmpl;		/* reply texts (templates/) */
	struct dnsbl_zones	 dnsbl_zones;
};

struct session;

typedef void session_close_cb(struct session *s, void *arg);

struct session *session_new(const struct smtpd_env *env, int fd,
    const struct sockaddr *sa, socklen_t salen, session_close_cb *on_close, void *arg);

/* The client as connection limits count it (netaddr_client); family 0 when the
 * socket was neither IPv4 nor IPv6. */
const struct netaddr *session_client(const struct session *s);

/* Ends every session at shutdown (transactions in progress get nothing: the client
 * retries, as after any lost connection). */
void session_free(struct session *s);

#endif
