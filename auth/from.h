/*
 * from.h - the RFC5322.From field of a message: its address(es) and their domains,
 * the Author Domain of DMARC (RFC 9989 3.2.2, 5.3.1).
 *
 * from_list_parse() is an explicit RFC 5322 3.4 address-list parser over a field
 * value (buf, len): display names (atoms, quoted strings, obsolete "." in phrases),
 * angle addresses, groups ("name: a@b, c@d;"), comments (nested, with quoted-pairs)
 * and folding whitespace anywhere CFWS is allowed, the obsolete forms of RFC 5322 4.4
 * (CFWS around the dots of a dot-atom, obs-route "<@a,@b:x@y>"). Encoded words
 * (RFC 2047) are left alone: they are atoms of a display name, never an address.
 * 8-bit bytes are accepted in display names, quoted strings, comments and local-parts
 * (RFC 6532); a domain is returned lower-cased and its 8-bit bytes kept, so the
 * caller decides what a U-label means.
 *
 * from_extract() finds the From field(s) of a message with the one header iterator
 * (common/header.h) and parses the first.
 *
 * Output is copied into fixed buffers (no allocation); buf is not kept.
 */
#ifndef ECLUSE_FROM_H
#define ECLUSE_FROM_H

#include <stddef.h>

/*
 * Longest local-part kept (quotes included). RFC 5321 4.5.3.1.1's 64 octets bound
 * the SMTP envelope, not a header field: RFC 5322 sets no limit, and DMARC reads
 * only the domain, so a longer local-part must not make DMARC fail. RFC 5322 2.1.1
 * bounds a line to 998 octets: a local-part longer than that is no real mail.
 */
#define FROM_LOCAL_MAX 998
/* RFC 1035 2.3.4 (DNS_NAME_MAX); a domain literal "[IPv6:...]" is shorter. */
#define FROM_DOMAIN_MAX 255
/* Addresses kept from one field: one is the norm; more are counted, not kept. */
#define FROM_ADDRS_MAX 8
/* Nesting of comments: RFC 5322 allows any depth; a deep one is an attack on the
 * parser's time, never a real header. */
#define FROM_COMMENT_DEPTH_MAX 16

enum from_err {
	FROM_OK = 0,		/* exactly one From field with exactly one address */
	FROM_NO_FIELD,		/* no From field (RFC 5322 3.6 requires one) */
	FROM_MANY_FIELDS,	/* more than one From field */
	FROM_NO_ADDRESS,	/* the field holds no mailbox (empty, or an empty group) */
	FROM_MANY_ADDRESSES,	/* more than one mailbox: addrs holds the first ones */
	FROM_SYNTAX,		/* not an RFC 5322 address-list */
	FROM_TOO_LONG,		/* a local-part or domain over the limits above */
	FROM_BAD_HEADER,	/* the header section itself is malformed (header.h) */
};

struct from_addr {
	char	local[FROM_LOCAL_MAX + 1];	/* CFWS removed, quotes kept */
	char	domain[FROM_DOMAIN_MAX + 1];	/* lower case; "[...]" for a literal */
	int	literal;			/* domain is a domain-literal */
};

struct from_result {
	enum from_err	 err;
	size_t		 naddrs;	/* addresses found (may exceed FROM_ADDRS_MAX) */
	struct from_addr addr[FROM_ADDRS_MAX];
};

/*
 * Parses an address-list (a From field's value, folding CRLFs included). Fills
 * addrs[0..max) and *n with the count of mailboxes found (which may exceed max).
 * Returns FROM_OK (any count, the caller judges), FROM_SYNTAX or FROM_TOO_LONG.
 */
enum from_err from_list_parse(const char *buf, size_t len, struct from_addr *addrs,
    size_t max, size_t *n);

/* Fills res from the message msg (header and body, CRLF lines); returns res->err. */
enum from_err from_extract(const char *msg, size_t len, struct from_result *res);

/* A short, constant reason for the log and the DMARC reason. */
const char *from_strerror(enum from_err err);

#endif
