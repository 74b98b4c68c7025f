/*
 * session_priv.h - what the files of one SMTP session share, and nothing else
 * includes: the session struct and the calls between its parts.
 *
 * A session is one state machine over one struct, cut into files by concern (see
 * session.h for the list). The parts read and write the same transaction: the
 * recipient in flight is parsed by the commands and mirrored by the relay, the
 * whitelist standing the commands keep is an input of the verdict, the relay ends
 * what the verdict decided. So the struct is shared here, not hidden behind accessors
 * that would copy each field out and back; session.h stays the daemon's whole
 * interface to a session. The parts' entry points are listed under the name of the
 * file that defines them.
 *
 * Ownership: a session owns what its fields point to, freed by session_free(),
 * except env (the daemon's), what points into its configuration (cf, hop, dom,
 * pending_dom: cf is a snapshot reference, given back last), auth_res (auth's) and
 * the hold ticket (freed by the store's callback, session_hold.c).
 */
#ifndef ECLUSE_SMTPD_SESSION_PRIV_H
#define ECLUSE_SMTPD_SESSION_PRIV_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/netaddr.h"
#include "smtpd/data.h"
#include "smtpd/parse.h"
#include "smtpd/session.h"
#include "smtpd/whitelist.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets including CRLF. */
#define SMTP_CMD_LINE_MAX 512
#define SESSION_ID_LEN 12

enum sstate {
	S_COMMAND,	/* reading command lines */
	S_DATA,		/* reading message data */
	S_TLS,		/* STARTTLS handshake in progress */
	S_CLOSING,	/* flushing the last reply */
};

struct session {
	const struct smtpd_env	*env;
	const struct config	*cf;		/* held from env->conf until the end */
	struct auth_params	 ap;		/* env->auth, named as cf says */
	struct bufferevent	*bev;
	session_close_cb	*on_close;
	void			*close_arg;
	char			 id[SESSION_ID_LEN + 1];
	char			 ip[INET6_ADDRSTRLEN];
	struct sockaddr_storage	 sa;
	struct netaddr		 client;	/* what connection limits count */
	enum sstate		 state;
	int			 busy;		/* waiting for the next hop */
	int			 discarding;	/* skipping the rest of an overlong line */
	int			 tls;
	int			 eof;		/* the client closed its side */
	int			 esmtp;
	char			*helo;
	unsigned		 errors;
	unsigned		 ntx;		/* transactions in this session */

	/* transaction */
	int			 in_tx;
	struct smtp_path	 from;
	struct mail_params	 params;
	char			**rcpts;	/* accepted recipients */
	size_t			 nrcpts;
	const struct hostport	*hop;		/* next hop of the transaction */
	const struct domain_config *dom;	/* of the first accepted recipient */
	const struct domain_config *pending_dom;	/* of the RCPT in flight */
	struct smtp_client	*up;		/* connection to it */
	int			 up_reused;	/* came from the pool: may be stale */
	int			 up_mail;	/* MAIL accepted by the next hop */
	int			 tx_broken;	/* next hop lost mid-transaction */
	struct smtp_path	 pending;	/* RCPT waiting for the next hop */
	struct data_parser	 dp;
	struct evbuffer		*msg;
	struct auth_session	*auth;		/* started at MAIL FROM */
	struct evbuffer		*head;		/* header fields ecluse adds */
	struct evbuffer		*body;		/* msg without forged A-R fields */
	struct hold_ticket	*ticket;	/* held copy being committed */
	/* verdict signals, gathered while the client talks */
	struct rdns		*rdns;		/* started at connect */
	struct dnsbl		*dnsbl;
	int			 rdns_done, dnsbl_done;
	char			 net[STORE_NET_MAX];	/* the client's network */
	int			 first_contact;	/* sender history, at MAIL */
	int			 unusual_origin;
	int			 has_standing;	/* whitelist standing of the transaction */
	struct whitelist_standing standing;
	struct whitelist_standing pending_standing;	/* of the RCPT in flight */
	const struct auth_result *auth_res;	/* end of data: checks done */
	struct event		*close_ev;	/* polls a TLS close until flushed */
	struct event		*cmd_ev;	/* deadline of the command line being read */
	struct event		*tx_ev;		/* deadline of the transaction */
	int			 tx_late;	/* it passed while the session was busy */
	unsigned		 close_polls;
};

/* Whether this session runs the checks and the verdict ([policy] mode = off: not). */
static inline bool
session_checks_on(const struct session *s)
{
	return s->cf->policy_mode != POLICY_OFF;
}

/* session.c: the connection */

/* Queues one reply line (fmt without its CRLF; cut to SMTP_CMD_LINE_MAX octets with
 * it). A 4xx or 5xx reply counts against max_errors. */
void session_reply(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The one line a transaction logs when it ends (event=transaction). */
void session_log_tx(struct session *s, const char *outcome, const char *why);
/* Ends the transaction (envelope, message, checks, next-hop connection). */
void session_tx_reset(struct session *s);
/* Arms the timeouts of the state the session is in (none while busy). */
void session_set_timeouts(struct session *s);
/* Stops reading; the session frees itself once its last reply is out. */
void session_close_after_flush(struct session *s);
/* Ends a wait on the next hop or the checks (s->busy): reads the next command, or
 * closes the session if its transaction passed its deadline meanwhile. */
void session_resume(struct session *s);
/* After the 220 to STARTTLS: drops what was pipelined in clear and starts the
 * handshake (S_TLS); 454 when TLS cannot start. */
void session_starttls(struct session *s);

/* session_cmd.c: the commands */

/* One command line (CRLF removed, no bare CR or NUL): its reply, or the session
 * made busy until the next hop answers (RCPT). */
void session_dispatch(struct session *s, const char *line, size_t len);

/* session_relay.c: the transaction's next hop */

/* The RCPT in flight (s->pending, of served domain d) to the next hop: the
 * transaction's connection, or one taken or opened for d's next hop and given MAIL
 * first. The session is busy until the next hop answers; its reply is passed to the
 * client. A recipient of another next hop gets 452 at once. */
void session_relay_rcpt(struct session *s, const struct domain_config *d);
/* The message (s->head, s->body) to the next hop; its final reply goes to the
 * client and ends the transaction. */
void session_relay_message(struct session *s);
/* The connection back to the pool (RSET first unless the next hop's transaction
 * ended), the next hop forgotten: the end of a transaction. */
void session_relay_release(struct session *s);
/* The connection closed, whatever it was doing: the session is going away. */
void session_relay_drop(struct session *s);

/* session_verdict.c: the checks, the end of data, the verdict */

/* At connect: reverse DNS and DNSBL, when the checks are on. */
void session_verdict_connect(struct session *s, const struct sockaddr *sa);
/* At MAIL: the sender's history and SPF, when the checks are on. */
void session_verdict_mail(struct session *s);
/* The client's end of data: a refusal of the message as received, or the session
 * busy until the checks end and the verdict relays, holds or refuses it. */
void session_end_of_data(struct session *s);

/* session_hold.c: quarantine */

/* The message (as it would have been relayed) committed to the store; the client
 * gets 550 with its release link once it is durable, 451 if it cannot be. The
 * transaction ends then. */
void session_hold(struct session *s, const struct auth_result *res, const char *reasons);
/* The session is going away: a commit in flight finishes without it. */
void session_hold_disown(struct session *s);

#endif
