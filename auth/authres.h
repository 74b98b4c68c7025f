/*
 * authres.h - the Authentication-Results header field (RFC 8601): building ours from
 * the SPF, DKIM and DMARC results, and finding the incoming ones that claim our
 * authserv-id, which must go before the message is relayed (RFC 8601 5: a forged
 * field with our name would be believed downstream).
 *
 * Every value taken from the message or the SMTP session (domains, selectors, the
 * signature prefix) is written as an RFC 2045 token when it is one, as a quoted
 * string otherwise, and left out when it holds a byte outside printable ASCII: the
 * header we add never carries a CR, an LF or 8-bit data from a peer. The one
 * exception is an internationalized message (RFC 6532: its header section already
 * holds UTF-8): there RFC 8616 5 has domain names written with U-labels (the
 * pvalue's domain-name is RFC 6376's d=, RFC 8601 2.2), so a value that is
 * well-formed UTF-8 (RFC 3629) without control characters is kept, quoted.
 */
#ifndef ECLUSE_AUTHRES_H
#define ECLUSE_AUTHRES_H

#include <stddef.h>

/* RFC 6008 3: header.b carries a prefix of the signature long enough to tell the
 * message's signatures apart, and at least this long. */
#define AUTHRES_B_PREFIX 8
/* An authserv-id longer than this is not a host name anybody configures (RFC 1035). */
#define AUTHRES_ID_MAX 255

/* Results as RFC 8601 2.7 / RFC 9989 9.2 name them ("pass", "fail", ...). A NULL
 * result leaves the method out. Strings are NUL-terminated; NULL fields are left out. */
struct authres_spf {
	const char	*result;
	/* the MAIL FROM domain (or the address, when SPF could not read a domain
	 * from it); NULL when the HELO identity was checked (null sender) */
	const char	*mailfrom;
	const char	*helo;		/* reported when mailfrom is NULL */
	const char	*reason;
};

struct authres_dkim {
	const char	*result;
	const char	*d;		/* header.d */
	const char	*s;		/* header.s */
	const char	*b;		/* the b= tag value; whitespace is skipped */
	const char	*reason;
};

struct authres_dmarc {
	const char	*result;
	const char	*from;		/* header.from, the Author Domain */
	const char	*policy;	/* policy.dmarc; NULL when no record applied */
	const char	*reason;
};

/*
 * The whole field, "Authentication-Results: " to the final CRLF, folded one result
 * per line; utf8 says the message is internationalized (see above). Returns NULL
 * when authserv_id is not a usable RFC 2045 value (empty, a CTL or 8-bit byte,
 * longer than AUTHRES_ID_MAX). The caller frees the string.
 */
char *authres_build(const char *authserv_id, const struct authres_spf *spf,
    const struct authres_dkim *dkim, size_t ndkim, const struct authres_dmarc *dmarc,
    int utf8);

enum authres_err {
	AUTHRES_OK = 0,
	AUTHRES_SYNTAX,		/* the field does not start with a valid authserv-id */
	AUTHRES_TOO_LONG,	/* the authserv-id is longer than AUTHRES_ID_MAX */
};

/*
 * Parses the authserv-id at the start of an Authentication-Results field value
 * (buf, len): [CFWS] (token / quoted-string), followed by CFWS, ";" or the end.
 * Copies it, unquoted, into id (size idsz > AUTHRES_ID_MAX) with *idlen.
 */
enum authres_err authres_parse_id(const char *buf, size_t len, char *id, size_t idsz,
    size_t *idlen);

enum authres_kind {
	AUTHRES_OURS,		/* its authserv-id equals ours (case-insensitively) */
	AUTHRES_MALFORMED,	/* its authserv-id cannot be read: a downstream reader
				 * might still take it for ours */
};

struct authres_range {
	size_t			 off;	/* the whole field, name to CRLF, in the message */
	size_t			 len;
	enum authres_kind	 kind;
};

enum authres_find_err {
	AUTHRES_FIND_OK = 0,
	AUTHRES_FIND_HEADER,	/* the header section is malformed (header.h) */
	AUTHRES_FIND_TOO_MANY,	/* more than max fields to remove */
};

/*
 * Every Authentication-Results field of msg (len bytes) to remove before relaying:
 * those claiming our authserv-id and the malformed ones, in message order, into
 * ranges[0..max) with the count in *n. On error nothing may be relayed as is.
 */
enum authres_find_err authres_find(const char *msg, size_t len, const char *authserv_id,
    struct authres_range *ranges, size_t max, size_t *n);

#endif
