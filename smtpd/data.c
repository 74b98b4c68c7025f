/*
 * data.c - DATA byte machine; see data.h. One pass, no allocation, chunk boundaries
 * anywhere (the state carries a pending CR or dot across calls).
 */
#include "config.h"

#include "smtpd/data.h"

enum {
	S_BOL,		/* at the start of a line */
	S_TEXT,		/* inside a line */
	S_CR,		/* after a CR: a LF makes a line end */
	S_DOT,		/* after a "." at the start of a line */
	S_DOT_CR,	/* after "." CR at the start of a line: a LF ends the data */
};

void
data_init(struct data_parser *dp, size_t max_size)
{
	dp->state = S_BOL;
	dp->line_len = 0;
	dp->size = 0;
	dp->max_size = max_size;
	dp->flags = 0;
}

static void
emit(struct data_parser *dp, char *out, size_t *o, const char *s, size_t n)
{
	size_t i;

	if (dp->flags)
		return;
	if (n > dp->max_size - dp->size) {
		dp->flags |= DATA_TOO_BIG;
		return;
	}
	for (i = 0; i < n; i++)
		out[(*o)++] = s[i];
	dp->size += n;
}

size_t
data_feed(struct data_parser *dp, const char *buf, size_t len, char *out, size_t *outlen,
    int *done)
{
	size_t i, o = 0;

	*done = 0;
	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (dp->line_len <= SMTP_TEXT_LINE_MAX)	/* saturates at MAX + 1 */
			dp->line_len++;
		if (c == '\0')
			dp->flags |= DATA_NUL;
		switch (dp->state) {
		case S_BOL:
			if (c == '.') {
				/* the stuffing dot is transport, not part of the line the
				 * client's user wrote: a 998-octet line stays legal */
				dp->line_len--;
				dp->state = S_DOT;
				continue;
			}
			/* FALLTHROUGH */
		case S_TEXT:
			if (c == '\r')
				dp->state = S_CR;
			else {
				if (c == '\n')
					dp->flags |= DATA_BARE_CR_LF;
				emit(dp, out, &o, &c, 1);
				dp->state = S_TEXT;
			}
			continue;
		case S_CR:
			if (c == '\n') {
				if (dp->line_len > SMTP_TEXT_LINE_MAX)
					dp->flags |= DATA_LONG_LINE;
				emit(dp, out, &o, "\r\n", 2);
				dp->line_len = 0;
				dp->state = S_BOL;
				continue;
			}
			dp->flags |= DATA_BARE_CR_LF;
			emit(dp, out, &o, "\r", 1);
			dp->state = S_TEXT;
			i--;	/* c starts afresh: it may be another CR */
			dp->line_len--;
			continue;
		case S_DOT:
			if (c == '\r') {
				dp->state = S_DOT_CR;
				continue;
			}
			/* RFC 5321 4.5.2: the leading dot is deleted; c is content. */
			dp->state = S_TEXT;
			i--;
			dp->line_len--;
			continue;
		case S_DOT_CR:
			if (c == '\n') {
				*done = 1;
				*outlen = o;
				return i + 1;
			}
			/* ".\r" then not LF: a bare CR after the deleted dot */
			dp->flags |= DATA_BARE_CR_LF;
			emit(dp, out, &o, "\r", 1);
			dp->state = S_TEXT;
			i--;
			dp->line_len--;
			continue;
		}
	}
	*outlen = o;
	return len;
}
