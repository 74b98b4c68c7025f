/*
 * client.h - the one SMTP client of ecluse: in-transaction relay and re-injection of
 * released mail both speak to the next hop through it (DESIGN rule 6).
 *
 * Asynchronous, on a libevent bufferevent: one command at a time, each with its own
 * timeout; replies are parsed strictly in size (SMTP_REPLY_LINE_MAX per line,
 * CLIENT_REPLY_LINES_MAX lines) and reduced to code + first line text, printable ASCII.
 * A reply with code 0 means no reply: connect failure, timeout, closed connection or
 * protocol garbage; the client is then dead and must be freed.
 *
 * Ownership: the caller owns the client and frees it with client_free(), which may be
 * called from inside a callback. client_free(NULL) is a no-op.
 */
#ifndef ECLUSE_SMTPD_CLIENT_H
#define ECLUSE_SMTPD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets including CRLF. */
#define SMTP_REPLY_LINE_MAX 512
/* A multi-line reply longer than this is not a mail server talking (EHLO has ~20). */
#define CLIENT_REPLY_LINES_MAX 100

struct event_base;
struct evdns_base;
struct smtp_client;

struct smtp_reply {
	int	 code;				/* 0: no reply */
	char	 text[SMTP_REPLY_LINE_MAX];	/* first line after "NNN ", sanitized */
};

struct client_timeouts {
	unsigned connect;	/* seconds: TCP connect and the 220 greeting */
	unsigned reply;		/* seconds: each command's reply, 354 after DATA */
	unsigned data_end;	/* seconds: final reply after the end of data */
};

enum client_ext {
	EXT_PIPELINING	= 1 << 0,
	EXT_SIZE	= 1 << 1,
	EXT_8BITMIME	= 1 << 2,
	EXT_SMTPUTF8	= 1 << 3,
};

typedef void client_cb(struct smtp_client *c, const struct smtp_reply *r, void *arg);

/*
 * Connects, reads the greeting, says EHLO (HELO if EHLO is refused). done gets the
 * EHLO/HELO reply (2xx: ready) or the failure. host is a name or an IP literal.
 */
struct smtp_client *client_connect(struct event_base *base, struct evdns_base *dns,
    const char *host, uint16_t port, const char *helo, const struct client_timeouts *to,
    client_cb *done, void *arg);

/* Sends one command line (without CRLF; at most SMTP_REPLY_LINE_MAX - 2 octets). */
void client_command(struct smtp_client *c, const char *line, size_t len, client_cb *done,
    void *arg);

/*
 * Sends DATA; on 354, sends head then body (both raw, CRLF lines, not yet
 * dot-stuffed: this does it) and the end of data. done gets the 354 refusal or the
 * final reply. head and body are borrowed, not copied: they are read, a slice at a
 * time as the next hop takes them, until done is called or the client is freed.
 */
void client_data(struct smtp_client *c, const char *head, size_t headlen,
    const char *body, size_t bodylen, client_cb *done, void *arg);

/* Watches an idle client: on_gone is called once if the server closes it, sends
 * anything, or idle_timeout seconds pass. client_command() ends the watch. */
void client_idle(struct smtp_client *c, unsigned idle_timeout, void (*on_gone)(
    struct smtp_client *, void *), void *arg);

unsigned client_exts(const struct smtp_client *c);
/* An opaque pointer for whoever holds the client (the pool keeps its hop there). */
void client_set_owner(struct smtp_client *c, void *owner);
void *client_owner(const struct smtp_client *c);
const char *client_peer(const struct smtp_client *c);	/* "host:port", for logs */
void client_free(struct smtp_client *c);

#endif
