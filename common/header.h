/*
 * header.h - the one parser of the header section of a raw RFC 5322 message.
 *
 * An iterator over (buf, len): each call yields the next header field as bounds into
 * buf (nothing is copied, nothing allocated), and at the end the offset where the
 * body starts. DKIM, DMARC's From, Authentication-Results removal and the quarantine
 * store's Subject all read the header through it, so they all agree on where a field
 * starts and ends.
 *
 * Strict: lines end with CRLF only (a bare CR or bare LF is an error, never a line
 * end: RFC 5322 2.2, and the SMTP smuggling attacks), a line that is neither a field
 * nor a continuation is an error, NUL is refused, and the header section is bounded
 * by HEADER_SIZE_MAX bytes and HEADER_FIELDS_MAX fields. Whitespace between the
 * field name and the colon (RFC 5322 4.5.8, obsolete but still sent) is accepted and
 * left out of the name. 8-bit bytes in values are accepted (RFC 6532).
 *
 * The header ends at an empty line (the body follows it), or at the end of buf when
 * the message has no body (then the body offset is len).
 */
#ifndef ECLUSE_HEADER_H
#define ECLUSE_HEADER_H

#include <stddef.h>

/*
 * Bytes from the start of the message to the end of the header's empty line. Bounds
 * the work every header reader does (DKIM hashes, repeated lookups); Postfix's
 * default header_size_limit is 100 KB, so 256 KiB leaves room for honest mail.
 */
#define HEADER_SIZE_MAX (256 * 1024)
/* Header fields per message: more is a flood meant to slow down per-field work
 * such as DKIM's bottom-up selection of repeated names. */
#define HEADER_FIELDS_MAX 1000

enum header_err {
	HEADER_OK = 0,		/* a field was returned */
	HEADER_END,		/* no more fields: header_body_offset() is valid */
	HEADER_NO_COLON,	/* a line that is not a continuation and has no colon */
	HEADER_BAD_NAME,	/* empty field name, or a byte outside RFC 5322 ftext */
	HEADER_CONT_FIRST,	/* the first line starts with whitespace */
	HEADER_BARE_LF,		/* LF not preceded by CR */
	HEADER_BARE_CR,		/* CR not followed by LF */
	HEADER_NUL,		/* a NUL byte */
	HEADER_TRUNCATED,	/* the last line has no CRLF */
	HEADER_TOO_BIG,		/* header section over HEADER_SIZE_MAX */
	HEADER_TOO_MANY,	/* more than HEADER_FIELDS_MAX fields */
};

struct header_field {
	const char	*name;		/* field name, without whitespace before ':' */
	size_t		 name_len;
	const char	*raw;		/* the whole field: name to final CRLF included */
	size_t		 raw_len;
	const char	*value;		/* after ':' up to the final CRLF (excluded); */
	size_t		 value_len;	/* keeps folding CRLFs and leading whitespace */
};

/* Iterator state; the caller owns it (a plain value, no free needed). */
struct header_iter {
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	size_t		 nfields;
	enum header_err	 err;	/* sticky once not HEADER_OK */
	size_t		 body;
};

void header_iter_init(struct header_iter *it, const char *buf, size_t len);

/*
 * Fills *f with the next field and returns HEADER_OK; HEADER_END after the last
 * field; an error otherwise. After END or an error every further call returns the
 * same value.
 */
enum header_err header_next(struct header_iter *it, struct header_field *f);

/* Offset of the first body byte (len when there is no body); valid after END. */
size_t header_body_offset(const struct header_iter *it);

/* Whether f's name is name (ASCII case-insensitive, RFC 5322 1.2.2). */
int header_name_is(const struct header_field *f, const char *name);

/*
 * Reads the whole header section: HEADER_END when every line is a field, a
 * continuation or the empty line that ends it, the first error otherwise. A message
 * that fails it is refused: a field after the error would reach the next hop
 * unread, so a forged Authentication-Results there could not be removed.
 */
enum header_err header_check(const char *buf, size_t len);

/* A short, constant reason for the log. */
const char *header_strerror(enum header_err err);

#endif
