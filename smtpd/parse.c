/*
 * parse.c - SMTP command and path parser (RFC 5321 4.1.1, 4.1.2; RFC 6531 for UTF-8).
 * Explicit scanning of (buf, len); see parse.h for the error mapping.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "smtpd/parse.h"

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} verbs[] = {
	{ "HELO", V_HELO }, { "EHLO", V_EHLO }, { "MAIL", V_MAIL }, { "RCPT", V_RCPT },
	{ "DATA", V_DATA }, { "RSET", V_RSET }, { "NOOP", V_NOOP }, { "QUIT", V_QUIT },
	{ "VRFY", V_VRFY }, { "EXPN", V_EXPN }, { "HELP", V_HELP },
	{ "STARTTLS", V_STARTTLS }, { "BDAT", V_BDAT }, { "AUTH", V_AUTH },
	{ "ETRN", V_ETRN }, { "TURN", V_TURN },
};

enum smtp_verb
smtp_parse_verb(const char *buf, size_t len, const char **arg, size_t *arglen)
{
	size_t i, vlen = 0;

	while (vlen < len && buf[vlen] != ' ')
		vlen++;
	i = vlen;
	while (i < len && buf[i] == ' ')
		i++;
	*arg = buf + i;
	*arglen = len - i;
	while (*arglen > 0 && (*arg)[*arglen - 1] == ' ')
		(*arglen)--;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == vlen && strncasecmp(verbs[i].name, buf, vlen) == 0)
			return verbs[i].verb;
	return V_UNKNOWN;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5321 4.1.2 atext (RFC 5322 3.2.3), plus any non-ASCII byte under SMTPUTF8. */
static int
is_atext(unsigned char c, int utf8)
{
	if (c >= 0x80)
		return utf8;
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]. */
static int
valid_domain(const char *d, size_t len, int utf8)
{
	size_t i, lab = 0;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (lab == 0 || d[i - 1] == '-')
				return 0;
			lab = 0;
		} else if (is_alnum(c) || (c >= 0x80 && utf8)) {
			lab++;
		} else if (c == '-' && lab > 0) {
			lab++;
		} else
			return 0;
		if (lab > 63)	/* RFC 1035 2.3.4 */
			return 0;
	}
	return lab > 0 && d[len - 1] != '-';
}

/* address-literal: "[" ( IPv4 / "IPv6:" ... / tag ":" dcontent ) "]", checked loosely:
 * printable, no brackets or backslash inside. */
static int
valid_literal(const char *d, size_t len)
{
	size_t i;

	if (len < 3 || d[0] != '[' || d[len - 1] != ']')
		return 0;
	for (i = 1; i + 1 < len; i++)
		if ((unsigned char)d[i] < 33 || (unsigned char)d[i] > 126 || d[i] == '[' ||
		    d[i] == ']' || d[i] == '\\')
			return 0;
	return 1;
}

struct path_scan {
	int	 route;		/* an A-d-l source route was present */
	int	 quoted;
	int	 quoted_trick;	/* '@', '%' or '!' inside the quotes */
	int	 quoted_angle;	/* '<' or '>' inside the quotes */
	int	 bang_pct;	/* '%' or '!' in an unquoted local part */
	int	 extra_at;	/* more than one unquoted '@' */
	int	 literal;	/* domain is an address literal */
	int	 nonascii;
	size_t	 at;		/* offset of the last '@' in the mailbox */
	size_t	 mb_off, mb_len;	/* mailbox inside the path, brackets excluded */
};

/*
 * Scans "<...>" at (buf, len). Returns the bytes consumed (including '>'), or 0 on
 * a syntax error. Records relay tricks instead of failing on them, so RCPT can refuse
 * them with 550 5.7.1 rather than 501.
 */
static size_t
scan_path(const char *buf, size_t len, int utf8, struct path_scan *ps)
{
	size_t i = 1, start, end, j, nat = 0, qend = 0;

	memset(ps, 0, sizeof(*ps));
	if (len < 2 || buf[0] != '<')
		return 0;
	/* A-d-l = At-domain *( "," At-domain ) ":" */
	if (buf[i] == '@') {
		ps->route = 1;
		while (i < len && buf[i] != ':' && buf[i] != '>')
			i++;
		if (i == len || buf[i] != ':')
			return 0;
		i++;
	}
	start = i;
	if (i < len && buf[i] == '"') {
		ps->quoted = 1;
		for (i++; i < len && buf[i] != '"'; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c == '\\') {
				/* quoted-pairSMTP: %d92 %d32-126 (8-bit under SMTPUTF8) */
				if (++i == len || (unsigned char)buf[i] < 32 ||
				    (unsigned char)buf[i] == 127)
					return 0;
				c = (unsigned char)buf[i];
			} else if (c < 32 || c == 127)
				return 0;
			if (c == '@' || c == '%' || c == '!')
				ps->quoted_trick = 1;
			else if (c == '<' || c == '>')
				ps->quoted_angle = 1;
			else if (c >= 0x80)
				ps->nonascii = 1;	/* RFC 6531 3.3: needs SMTPUTF8 too */
		}
		if (i == len)
			return 0;
		qend = ++i;
	}
	for (; i < len && buf[i] != '>'; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '@') {
			nat++;
			ps->at = i;
		} else if (c == '%' || c == '!') {
			if (nat == 0)
				ps->bang_pct = 1;
		} else if (c >= 0x80)
			ps->nonascii = 1;
		else if (c <= 32 || c == 127 || c == '<' || c == '"' || c == '\\')
			return 0;
	}
	if (i == len)
		return 0;
	end = i;
	if (end + 1 > SMTP_PATH_MAX)
		return 0;	/* RFC 5321 4.5.3.1.3, and the size of smtp_path.addr */
	ps->mb_off = start;
	ps->mb_len = end - start;
	if (nat > 1)
		ps->extra_at = 1;
	if (nat == 0)
		ps->at = end;
	/* local part: Dot-string unless quoted */
	if (!ps->quoted) {
		size_t lend = nat ? (ps->extra_at ? (size_t)((const char *)memchr(buf + start,
		    '@', end - start) - buf) : ps->at) : end;

		if (lend == start || buf[start] == '.' || buf[lend - 1] == '.')
			return ps->mb_len == 0 && !ps->route ? end + 1 : 0;
		for (j = start; j < lend; j++) {
			if (buf[j] == '.') {
				if (buf[j - 1] == '.')
					return 0;
			} else if (!is_atext((unsigned char)buf[j], 1))
				return 0;
		}
	} else if (nat == 0)
		return end + 1;
	else if (buf[qend] != '@')
		return 0;	/* text between the closing quote and the '@' */
	if (ps->at - start > SMTP_LOCAL_MAX + (ps->quoted ? 2u : 0u))
		return 0;
	if (nat > 0 && !ps->extra_at) {
		const char *d = buf + ps->at + 1;
		size_t dlen = end - ps->at - 1;

		if (dlen > 0 && d[0] == '[') {
			if (!valid_literal(d, dlen))
				return 0;
			ps->literal = 1;
		} else if (!valid_domain(d, dlen, utf8))
			return 0;
	}
	return end + 1;
}

/* Dot-string = Atom *("." Atom) (RFC 5321 4.1.2), 8-bit allowed (checked elsewhere). */
static int
dot_string(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '.' ? s[i - 1] == '.' : !is_atext((unsigned char)s[i], 1))
			return 0;
	return 1;
}

/*
 * Copies the mailbox. RFC 5321 4.1.2: all quoted forms of a local part are the same
 * mailbox and MUST compare equal, and the least quoting SHOULD be sent; so a quoted
 * local part is kept in that one form ("b" and "\b" become b), which the whitelist,
 * the blocks and the next hop all see: a sender cannot slip past a block by quoting.
 * The form is never longer than what the client sent.
 */
static void
copy_path(struct smtp_path *path, const char *buf, const struct path_scan *ps)
{
	const char *mb = buf + ps->mb_off;
	size_t local = ps->at - ps->mb_off, i, n = 0, o = 0;
	char raw[SMTP_PATH_MAX];

	if (ps->quoted) {
		/* mb[0] and mb[local - 1] are the quotes (scan_path) */
		for (i = 1; i + 1 < local; i++) {
			if (mb[i] == '\\')
				i++;
			raw[n++] = mb[i];
		}
		if (dot_string(raw, n)) {
			memcpy(path->addr, raw, n);
			o = n;
		} else {
			path->addr[o++] = '"';
			for (i = 0; i < n; i++) {
				if (raw[i] == '"' || raw[i] == '\\')
					path->addr[o++] = '\\';
				path->addr[o++] = raw[i];
			}
			path->addr[o++] = '"';
		}
	} else {
		memcpy(path->addr, mb, local);
		o = local;
	}
	path->at = o;
	memcpy(path->addr + o, mb + local, ps->mb_len - local);
	path->len = o + ps->mb_len - local;
	path->addr[path->len] = '\0';
}

static int
prefix(const char *buf, size_t len, const char *word)
{
	size_t wl = strlen(word);

	return len >= wl && strncasecmp(buf, word, wl) == 0;
}

/* Parses "KEY[=VALUE]" parameters separated by spaces (RFC 5321 4.1.2 esmtp-param). */
static enum parse_err
parse_params(const char *buf, size_t len, struct mail_params *mp)
{
	size_t i = 0;

	while (i < len) {
		const char *kw, *val = NULL;
		size_t kwlen, vlen = 0, j;

		while (i < len && buf[i] == ' ')
			i++;
		if (i == len)
			break;
		kw = buf + i;
		while (i < len && buf[i] != ' ' && buf[i] != '=')
			i++;
		kwlen = (size_t)(buf + i - kw);
		if (i < len && buf[i] == '=') {
			val = buf + ++i;
			while (i < len && buf[i] != ' ')
				i++;
			vlen = (size_t)(buf + i - val);
		}
		if (kwlen == 4 && strncasecmp(kw, "SIZE", 4) == 0) {
			unsigned long long n = 0;

			if (val == NULL || vlen == 0 || vlen > 20 || mp->has_size)
				return P_PARAM;
			for (j = 0; j < vlen; j++) {
				if (val[j] < '0' || val[j] > '9' || n > (~0ULL - 9) / 10)
					return P_PARAM;
				n = n * 10 + (unsigned)(val[j] - '0');
			}
			mp->has_size = 1;
			mp->size = n;
		} else if (kwlen == 4 && strncasecmp(kw, "BODY", 4) == 0) {
			if (val == NULL || mp->body != BODY_NONE)
				return P_PARAM;
			if (vlen == 4 && strncasecmp(val, "7BIT", 4) == 0)
				mp->body = BODY_7BIT;
			else if (vlen == 8 && strncasecmp(val, "8BITMIME", 8) == 0)
				mp->body = BODY_8BITMIME;
			else
				return P_PARAM;
		} else if (kwlen == 8 && strncasecmp(kw, "SMTPUTF8", 8) == 0) {
			if (val != NULL || mp->smtputf8)
				return P_PARAM;
			mp->smtputf8 = 1;
		} else
			return P_PARAM_UNKNOWN;
	}
	return P_OK;
}

/* Skips "FROM:" / "TO:" and optional spaces (tolerated after the colon, as most
 * servers do: clients in the wild send them). */
static size_t
skip_keyword(const char *arg, size_t len, const char *kw)
{
	size_t i = strlen(kw);

	if (!prefix(arg, len, kw))
		return 0;
	while (i < len && arg[i] == ' ')
		i++;
	return i;
}

enum parse_err
smtp_parse_mail(const char *arg, size_t len, struct smtp_path *path,
    struct mail_params *params)
{
	struct path_scan ps;
	size_t i, used;
	enum parse_err e;

	memset(params, 0, sizeof(*params));
	memset(path, 0, sizeof(*path));
	if ((i = skip_keyword(arg, len, "FROM:")) == 0)
		return P_SYNTAX;
	if (i == len || arg[i] != '<')
		return P_PATH;
	/* Parameters decide whether UTF-8 is allowed in the path: read them first,
	 * after the path's end as the most lenient scan finds it (a '>' may be
	 * quoted). */
	if ((used = scan_path(arg + i, len - i, 1, &ps)) == 0)
		return P_PATH;
	used += i;
	if (used < len && arg[used] != ' ')
		return P_SYNTAX;
	if ((e = parse_params(arg + used, len - used, params)) != P_OK)
		return e;
	if (scan_path(arg + i, used - i, params->smtputf8, &ps) != used - i)
		return P_PATH;
	if (ps.quoted_angle)
		return P_ANGLE;
	if (ps.mb_len == 0)
		return ps.route ? P_PATH : P_OK;	/* the null reverse-path */
	if (ps.nonascii && !params->smtputf8)
		return P_UTF8;
	/* RFC 5321 4.1.1.2 / 3.6.1: a source route in MAIL is ignored; but an
	 * unqualified or multi-@ sender is not a mailbox. */
	if (ps.extra_at || ps.at == ps.mb_off + ps.mb_len)
		return P_PATH;
	copy_path(path, arg + i, &ps);
	return P_OK;
}

enum parse_err
smtp_parse_rcpt(const char *arg, size_t len, int utf8, struct smtp_path *path)
{
	struct path_scan ps;
	size_t i, used;

	memset(path, 0, sizeof(*path));
	if ((i = skip_keyword(arg, len, "TO:")) == 0)
		return P_SYNTAX;
	if (i == len || arg[i] != '<')
		return P_PATH;
	used = scan_path(arg + i, len - i, utf8, &ps);
	if (used == 0)
		return P_PATH;
	if (i + used != len)
		return arg[i + used] == ' ' ? P_PARAM_UNKNOWN : P_PATH;
	if (ps.route || ps.bang_pct || ps.quoted_trick || ps.extra_at || ps.literal ||
	    ps.mb_len == 0 || ps.at == ps.mb_off + ps.mb_len)
		return P_RELAY;
	if (ps.quoted_angle)
		return P_ANGLE;
	if (ps.nonascii && !utf8)
		return P_UTF8;
	copy_path(path, arg + i, &ps);
	return P_OK;
}

enum parse_err
smtp_parse_helo(const char *arg, size_t len)
{
	size_t i;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return P_SYNTAX;
	for (i = 0; i < len; i++)
		if ((unsigned char)arg[i] <= 32 || (unsigned char)arg[i] >= 127 ||
		    arg[i] == '(' || arg[i] == ')')
			return P_SYNTAX;
	return P_OK;
}
