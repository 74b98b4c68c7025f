/*
 * data.h - the DATA phase byte machine (RFC 5321 4.1.1.4, 4.5.2), smuggling-safe.
 *
 * Only CRLF "." CRLF ends the data (the first CRLF belongs to the last line). A bare
 * CR, a bare LF or a NUL anywhere never ends it: the machine keeps scanning for the
 * real end and flags the message, which the session then refuses whole, so no second
 * message hidden in the first can ever reach the next hop (SMTP smuggling,
 * CVE-2023-51764 class). Dot-stuffing is undone: a leading "." of a line is removed.
 *
 * The machine copies the unstuffed content to the caller's buffer and stops copying
 * once any flag is set (the content will not be used).
 */
#ifndef ECLUSE_SMTPD_DATA_H
#define ECLUSE_SMTPD_DATA_H

#include <stddef.h>

/* RFC 5321 4.5.3.1.6: a text line is at most 1000 octets including the CRLF. */
#define SMTP_TEXT_LINE_MAX 1000

enum data_flag {
	DATA_BARE_CR_LF	= 1 << 0,	/* bare CR or LF: refuse (smuggling) */
	DATA_NUL	= 1 << 1,	/* NUL octet: refuse (RFC 5321 4.1.1.4 forbids) */
	DATA_LONG_LINE	= 1 << 2,	/* line over SMTP_TEXT_LINE_MAX */
	DATA_TOO_BIG	= 1 << 3,	/* content over max_size */
};

struct data_parser {
	int	 state;
	size_t	 line_len;
	size_t	 size;		/* content octets so far (after unstuffing) */
	size_t	 max_size;
	unsigned flags;
};

void data_init(struct data_parser *dp, size_t max_size);

/*
 * Consumes bytes of (buf, len) up to and including the end of data. Content goes to
 * out, which must hold len + 2 octets; *outlen gets the count. Returns the octets
 * consumed; *done becomes 1 when the end of data was among them (the rest of buf is
 * the next command, pipelined).
 */
size_t data_feed(struct data_parser *dp, const char *buf, size_t len, char *out,
    size_t *outlen, int *done);

#endif
