/*
 * parse.h - SMTP command lines and paths (RFC 5321 4.1), strict.
 *
 * Input is one command line without its CRLF, as (buf, len); nothing needs a NUL.
 * Output paths are copied into fixed buffers (no allocation). Errors are an enum that
 * the session maps to the RFC 5321 / RFC 3463 reply. No parser here ever accepts a
 * relay form (source route, %-hack, bang path, quoted '@') in a recipient, nor an
 * angle bracket inside quotes in any path.
 */
#ifndef ECLUSE_SMTPD_PARSE_H
#define ECLUSE_SMTPD_PARSE_H

#include <stddef.h>

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets including the angle brackets. */
#define SMTP_PATH_MAX 256
/* RFC 5321 4.5.3.1.1 and 4.5.3.1.2. */
#define SMTP_LOCAL_MAX 64
#define SMTP_DOMAIN_MAX 255

enum smtp_verb {
	V_UNKNOWN, V_HELO, V_EHLO, V_MAIL, V_RCPT, V_DATA, V_RSET, V_NOOP, V_QUIT,
	V_VRFY, V_EXPN, V_HELP, V_STARTTLS, V_BDAT, V_AUTH, V_ETRN, V_TURN,
};

enum parse_err {
	P_OK = 0,
	P_SYNTAX,		/* 501 5.5.4: command syntax */
	P_PATH,			/* 501 5.1.7 (MAIL) / 501 5.1.3 (RCPT): path syntax */
	P_RELAY,		/* 550 5.7.1: a relay trick in a recipient */
	P_PARAM_UNKNOWN,	/* 555 5.5.4 */
	P_PARAM,		/* 501 5.5.4: known parameter, bad value */
	P_UTF8,			/* 553 5.6.7: non-ASCII address without SMTPUTF8 */
	/* 553 5.1.7 (MAIL) / 553 5.1.3 (RCPT): '<' or '>' inside a quoted local part.
	 * Valid (RFC 5321 4.1.2), but every parser that does not follow the quoting
	 * (many next hops, the re-injection check of a held copy) ends the path there,
	 * and no real mailbox needs them. */
	P_ANGLE,
};

enum body_type { BODY_NONE, BODY_7BIT, BODY_8BITMIME };

struct smtp_path {
	char	 addr[SMTP_PATH_MAX + 1];	/* mailbox without <> or route; "" = null */
	size_t	 len;
	size_t	 at;		/* offset of the '@' in addr (len when none) */
};

struct mail_params {
	int		 has_size;
	unsigned long long size;
	enum body_type	 body;
	int		 smtputf8;
};

/* Splits "VERB[ SP arg]". *arg points into buf (trailing spaces removed). */
enum smtp_verb smtp_parse_verb(const char *buf, size_t len, const char **arg,
    size_t *arglen);

/* "FROM:<path> [params]". The null path gives len 0. */
enum parse_err smtp_parse_mail(const char *arg, size_t len, struct smtp_path *path,
    struct mail_params *params);

/* "TO:<path>". Refuses every relay form; utf8 says whether SMTPUTF8 was given. */
enum parse_err smtp_parse_rcpt(const char *arg, size_t len, int utf8,
    struct smtp_path *path);

/* HELO/EHLO argument: a domain or address literal, printable ASCII, no spaces. */
enum parse_err smtp_parse_helo(const char *arg, size_t len);

#endif
