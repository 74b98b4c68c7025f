/*
 * from.c - RFC 5322 3.4 address-list parser for the From field, and the extraction
 * of that field from a message. See from.h for what is accepted.
 *
 * A lexer turns (buf, len) into tokens (atom, quoted-string, domain-literal, special),
 * skipping CFWS; a recursive-descent parser over it reads addresses, backtracking only
 * by re-reading from a saved offset (a phrase that turns out to be a local-part).
 * Each token is read a bounded number of times, so the work is linear in len.
 * Bad input gets FROM_SYNTAX: a bare CR or LF, a NUL, an unclosed comment, quote or
 * literal, comments nested deeper than FROM_COMMENT_DEPTH_MAX, a control byte outside
 * quotes and comments (inside them, RFC 5322 4.1's obs-NO-WS-CTL is tolerated).
 */
#include "config.h"

#include <string.h>

#include "auth/from.h"
#include "common/header.h"

enum tok { T_END, T_ERR, T_ATOM, T_QSTR, T_DLIT, T_SPECIAL };

struct lex {
	const char	*buf;
	size_t		 len;
	size_t		 pos;
	/* the last token */
	enum tok	 t;
	char		 c;	/* T_SPECIAL */
	size_t		 start, end;	/* T_ATOM, T_QSTR, T_DLIT: buf[start..end) */
};

struct parser {
	struct lex	 lx;
	struct from_addr *addrs;
	size_t		 max;
	size_t		 n;
	enum from_err	 err;	/* FROM_SYNTAX or FROM_TOO_LONG once failed */
};

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 5322 3.2.3 atext, plus UTF8-non-ascii (RFC 6532 3.2). */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* FWS: WSP, or CRLF followed by WSP. Returns the bytes it spans at i (0: none, -1:
 * a CR or LF that is not folding). */
static int
fws_at(const struct lex *lx, size_t i)
{
	unsigned char c = (unsigned char)lx->buf[i];

	if (is_wsp(c))
		return 1;
	if (c == '\r' || c == '\n') {
		if (c == '\r' && i + 2 < lx->len && lx->buf[i + 1] == '\n' &&
		    is_wsp((unsigned char)lx->buf[i + 2]))
			return 3;
		return -1;
	}
	return 0;
}

/* A comment starting at lx->pos ('('); returns 0, or -1 when malformed. */
static int
skip_comment(struct lex *lx)
{
	int depth = 0, f;

	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->buf[lx->pos];

		if ((f = fws_at(lx, lx->pos)) != 0) {
			if (f < 0)
				return -1;
			lx->pos += (size_t)f;
		} else if (c == '(') {
			if (++depth > FROM_COMMENT_DEPTH_MAX)
				return -1;
			lx->pos++;
		} else if (c == ')') {
			lx->pos++;
			if (--depth == 0)
				return 0;
		} else if (c == '\\') {
			if (lx->pos + 1 >= lx->len || lx->buf[lx->pos + 1] == '\0' ||
			    lx->buf[lx->pos + 1] == '\r' || lx->buf[lx->pos + 1] == '\n')
				return -1;
			lx->pos += 2;
		} else if (c == '\0') {
			return -1;
		} else
			lx->pos++;	/* ctext, 8-bit, obs-ctext */
	}
	return -1;
}

static int
skip_cfws(struct lex *lx)
{
	int f;

	while (lx->pos < lx->len) {
		if ((f = fws_at(lx, lx->pos)) < 0)
			return -1;
		if (f > 0)
			lx->pos += (size_t)f;
		else if (lx->buf[lx->pos] == '(') {
			if (skip_comment(lx) != 0)
				return -1;
		} else
			break;
	}
	return 0;
}

/* Reads up to the closing delimiter of a quoted string or domain literal. */
static int
scan_quoted(struct lex *lx, char close, int escapes)
{
	int f;

	lx->pos++;
	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->buf[lx->pos];

		if ((f = fws_at(lx, lx->pos)) != 0) {
			if (f < 0)
				return -1;
			lx->pos += (size_t)f;
		} else if (c == (unsigned char)close) {
			lx->pos++;
			return 0;
		} else if (c == '\\' && escapes) {
			if (lx->pos + 1 >= lx->len || lx->buf[lx->pos + 1] == '\0' ||
			    lx->buf[lx->pos + 1] == '\r' || lx->buf[lx->pos + 1] == '\n')
				return -1;
			lx->pos += 2;
		} else if (c == '\0' || (!escapes && (c == '[' || c == '\\'))) {
			return -1;
		} else
			lx->pos++;
	}
	return -1;
}

static enum tok
next(struct lex *lx)
{
	unsigned char c;

	if (skip_cfws(lx) != 0)
		return lx->t = T_ERR;
	if (lx->pos == lx->len)
		return lx->t = T_END;
	lx->start = lx->pos;
	c = (unsigned char)lx->buf[lx->pos];
	if (is_atext(c)) {
		while (lx->pos < lx->len && is_atext((unsigned char)lx->buf[lx->pos]))
			lx->pos++;
		lx->end = lx->pos;
		return lx->t = T_ATOM;
	}
	if (c == '"' || c == '[') {
		if (scan_quoted(lx, c == '"' ? '"' : ']', c == '"') != 0)
			return lx->t = T_ERR;
		lx->end = lx->pos;
		return lx->t = c == '"' ? T_QSTR : T_DLIT;
	}
	if (strchr("<>:;@,.", c) != NULL && c != '\0') {
		lx->pos++;
		lx->c = (char)c;
		return lx->t = T_SPECIAL;
	}
	return lx->t = T_ERR;	/* ')' ']' '\\', controls, bare CR/LF */
}

static int
is_special(const struct lex *lx, char c)
{
	return lx->t == T_SPECIAL && lx->c == c;
}

static void
fail(struct parser *p, enum from_err err)
{
	if (p->err == FROM_OK)
		p->err = err;
}

/* Appends buf[s..e) to out (of size cap) with folding CRLFs and, for literals,
 * all whitespace removed; lower-cases when asked. */
static int
append(char *out, size_t cap, size_t *olen, const char *buf, size_t s, size_t e,
    int lower, int drop_wsp)
{
	size_t i;

	for (i = s; i < e; i++) {
		char c = buf[i];

		if (c == '\r' || c == '\n' || (drop_wsp && (c == ' ' || c == '\t')))
			continue;
		if (*olen + 1 >= cap)
			return -1;
		if (lower && c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		out[(*olen)++] = c;
	}
	out[*olen] = '\0';
	return 0;
}

/* local-part = dot-atom / quoted-string / obs-local-part (word *("." word)); the
 * current token is its first. Leaves the token after it current. */
static int
local_part(struct parser *p, struct from_addr *a)
{
	struct lex *lx = &p->lx;
	size_t olen = 0;

	for (;;) {
		if (lx->t != T_ATOM && lx->t != T_QSTR)
			return -1;
		if (append(a->local, sizeof(a->local), &olen, lx->buf, lx->start, lx->end,
		    0, 0) != 0) {
			fail(p, FROM_TOO_LONG);
			return -1;
		}
		next(lx);
		if (!is_special(lx, '.'))
			return 0;
		if (append(a->local, sizeof(a->local), &olen, ".", 0, 1, 0, 0) != 0) {
			fail(p, FROM_TOO_LONG);
			return -1;
		}
		next(lx);
	}
}

/* domain = dot-atom / domain-literal / obs-domain (atom *("." atom)). */
static int
domain(struct parser *p, struct from_addr *a)
{
	struct lex *lx = &p->lx;
	size_t olen = 0;

	if (lx->t == T_DLIT) {
		a->literal = 1;
		if (append(a->domain, sizeof(a->domain), &olen, lx->buf, lx->start,
		    lx->end, 1, 1) != 0) {
			fail(p, FROM_TOO_LONG);
			return -1;
		}
		next(lx);
		return 0;
	}
	for (;;) {
		if (lx->t != T_ATOM)
			return -1;
		if (append(a->domain, sizeof(a->domain), &olen, lx->buf, lx->start,
		    lx->end, 1, 0) != 0) {
			fail(p, FROM_TOO_LONG);
			return -1;
		}
		next(lx);
		if (!is_special(lx, '.'))
			return 0;
		if (append(a->domain, sizeof(a->domain), &olen, ".", 0, 1, 0, 0) != 0) {
			fail(p, FROM_TOO_LONG);
			return -1;
		}
		next(lx);
	}
}

/* addr-spec = local-part "@" domain, into the next slot (or a scratch one). */
static int
addr_spec(struct parser *p)
{
	struct from_addr scratch, *a = p->n < p->max ? &p->addrs[p->n] : &scratch;

	memset(a, 0, sizeof(*a));
	if (local_part(p, a) != 0 || !is_special(&p->lx, '@'))
		return -1;
	next(&p->lx);
	if (domain(p, a) != 0)
		return -1;
	p->n++;
	return 0;
}

/* obs-route = obs-domain-list ":" ; obs-domain-list = *(CFWS / ",") "@" domain
 * *("," [CFWS] ["@" domain]). The current token follows "<"; the route is dropped. */
static int
obs_route(struct parser *p)
{
	struct lex *lx = &p->lx;
	struct from_addr scratch;
	int routes = 0;

	while (is_special(lx, ','))
		next(lx);
	for (;;) {
		if (is_special(lx, '@')) {
			next(lx);
			memset(&scratch, 0, sizeof(scratch));
			if (domain(p, &scratch) != 0)
				return -1;
			routes++;
		}
		if (is_special(lx, ':'))
			break;
		if (!is_special(lx, ','))
			return -1;
		next(lx);
	}
	if (routes == 0)
		return -1;
	next(lx);
	return 0;
}

/* angle-addr = "<" [obs-route] addr-spec ">"; the current token is "<". */
static int
angle_addr(struct parser *p)
{
	struct lex *lx = &p->lx;

	next(lx);
	if ((is_special(lx, '@') || is_special(lx, ',')) && obs_route(p) != 0)
		return -1;
	if (addr_spec(p) != 0 || !is_special(lx, '>'))
		return -1;
	next(lx);
	return 0;
}

/*
 * Skips a phrase (1*word / obs-phrase: word *(word / "." / CFWS)); returns the
 * number of words. A "." before the first word is not a phrase.
 */
static int
phrase(struct lex *lx)
{
	int words = 0;

	while (lx->t == T_ATOM || lx->t == T_QSTR || (words > 0 && is_special(lx, '.'))) {
		if (lx->t != T_SPECIAL)
			words++;
		next(lx);
	}
	return words;
}

/* mailbox = name-addr / addr-spec; group only when allow_group. Current token is
 * its first. */
static int
address(struct parser *p, int allow_group)
{
	struct lex *lx = &p->lx;
	struct lex save = *lx;
	int words = phrase(lx);

	if (is_special(lx, '<'))
		return angle_addr(p);
	if (is_special(lx, ':') && words > 0 && allow_group) {
		/* group = display-name ":" [group-list] ";" ; group-list is a
		 * mailbox-list with empty elements allowed (obs-group-list) */
		next(lx);
		for (;;) {
			while (is_special(lx, ','))
				next(lx);
			if (is_special(lx, ';')) {
				next(lx);
				return 0;
			}
			if (address(p, 0) != 0)
				return -1;
			if (is_special(lx, ';'))
				continue;
			if (!is_special(lx, ','))
				return -1;
		}
	}
	if (!is_special(lx, '@'))
		return -1;
	*lx = save;	/* the "phrase" was a local-part */
	return addr_spec(p);
}

enum from_err
from_list_parse(const char *buf, size_t len, struct from_addr *addrs, size_t max,
    size_t *n)
{
	struct parser p;

	memset(&p, 0, sizeof(p));
	p.lx.buf = buf;
	p.lx.len = len;
	p.addrs = addrs;
	p.max = max;
	*n = 0;
	next(&p.lx);
	/* address-list with obs-addr-list's empty elements: *([CFWS] ",") ... */
	for (;;) {
		while (is_special(&p.lx, ','))
			next(&p.lx);
		if (p.lx.t == T_END)
			break;
		if (address(&p, 1) != 0) {
			fail(&p, FROM_SYNTAX);
			*n = p.n;
			return p.err;
		}
		if (p.lx.t == T_END)
			break;
		if (!is_special(&p.lx, ',')) {
			fail(&p, FROM_SYNTAX);
			*n = p.n;
			return p.err;
		}
	}
	*n = p.n;
	return FROM_OK;
}

enum from_err
from_extract(const char *msg, size_t len, struct from_result *res)
{
	struct header_iter it;
	struct header_field f, from = { 0 };
	enum header_err herr;
	size_t nfrom = 0;
	enum from_err err;

	memset(res, 0, sizeof(*res));
	header_iter_init(&it, msg, len);
	while ((herr = header_next(&it, &f)) == HEADER_OK)
		if (header_name_is(&f, "From") && nfrom++ == 0)
			from = f;
	if (herr != HEADER_END)
		return res->err = FROM_BAD_HEADER;
	if (nfrom == 0)
		return res->err = FROM_NO_FIELD;
	if (nfrom > 1)
		return res->err = FROM_MANY_FIELDS;
	err = from_list_parse(from.value, from.value_len, res->addr, FROM_ADDRS_MAX,
	    &res->naddrs);
	if (err != FROM_OK)
		return res->err = err;
	if (res->naddrs == 0)
		return res->err = FROM_NO_ADDRESS;
	if (res->naddrs > 1)
		return res->err = FROM_MANY_ADDRESSES;
	return res->err = FROM_OK;
}

const char *
from_strerror(enum from_err err)
{
	switch (err) {
	case FROM_OK:
		return "one From address";
	case FROM_NO_FIELD:
		return "no From field";
	case FROM_MANY_FIELDS:
		return "several From fields";
	case FROM_NO_ADDRESS:
		return "no address in From";
	case FROM_MANY_ADDRESSES:
		return "several addresses in From";
	case FROM_SYNTAX:
		return "From is not an RFC 5322 address list";
	case FROM_TOO_LONG:
		return "From address over the length limits";
	case FROM_BAD_HEADER:
		return "malformed header section";
	}
	return "unknown";
}
