/*
 * dmarc_record.c - DMARC Policy Record parser; see dmarc_record.h for the leniency
 * rules. Reads (buf, len) without a NUL and keeps no pointer into it.
 *
 * Tag names and keyword values compare ASCII case-insensitively (RFC 5234 2.3: ABNF
 * strings are case-insensitive); only the version "DMARC1" is case-sensitive (%s).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "auth/dmarc_record.h"
#include "auth/taglist.h"

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
word_is(const char *buf, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(buf, word, len) == 0;
}

/* "v" *WSP "=" *WSP "DMARC1" *WSP, then ";" or the end. Returns the offset after the
 * ";" (or len), or 0 when the record does not start so. */
static size_t
version_end(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && is_wsp(buf[i]))
		i++;
	if (i == len || (buf[i] != 'v' && buf[i] != 'V'))
		return 0;
	for (i++; i < len && is_wsp(buf[i]); i++)
		;
	if (i == len || buf[i] != '=')
		return 0;
	for (i++; i < len && is_wsp(buf[i]); i++)
		;
	if (len - i < 6 || memcmp(buf + i, "DMARC1", 6) != 0)
		return 0;
	for (i += 6; i < len && is_wsp(buf[i]); i++)
		;
	if (i == len)
		return len;
	return buf[i] == ';' ? i + 1 : 0;
}

static int
parse_policy(const char *v, size_t len, enum dmarc_policy *p)
{
	if (word_is(v, len, "none"))
		*p = DMARC_POLICY_NONE;
	else if (word_is(v, len, "quarantine"))
		*p = DMARC_POLICY_QUARANTINE;
	else if (word_is(v, len, "reject"))
		*p = DMARC_POLICY_REJECT;
	else
		return -1;
	return 0;
}

/*
 * One URI of RFC 3986 shape: scheme ":" and at least one URI character (unreserved,
 * reserved, or a %-escape). dmarc-uri forbids a raw "," or "!" (4.8), and ";" cannot
 * reach here. An obsolete "!size" suffix is accepted and ignored.
 */
static int
uri_valid(const char *u, size_t len)
{
	size_t i, end = len;
	const char *bang = memchr(u, '!', len);

	if (bang != NULL) {
		/* obs-dmarc-report-size = "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] */
		i = (size_t)(bang - u) + 1;
		if (i == len || !is_digit(u[i]))
			return 0;
		while (i < len && is_digit(u[i]))
			i++;
		if (i < len && strchr("kmgtKMGT", u[i]) != NULL)
			i++;
		if (i != len)
			return 0;
		end = (size_t)(bang - u);
	}
	if (end == 0 || !is_alpha(u[0]))
		return 0;
	for (i = 1; i < end && u[i] != ':'; i++)
		if (!is_alpha(u[i]) && !is_digit(u[i]) && u[i] != '+' && u[i] != '-' &&
		    u[i] != '.')
			return 0;
	if (i >= end || i + 1 == end)
		return 0;	/* no ":" or nothing after it */
	for (i++; i < end; i++) {
		if (u[i] == '%') {
			if (i + 2 >= end || !is_hex(u[i + 1]) || !is_hex(u[i + 2]))
				return 0;
			i += 2;
		} else if (!is_alpha(u[i]) && !is_digit(u[i]) &&
		    strchr("-._~:/?#[]@$&'()*+=", u[i]) == NULL)
			return 0;
	}
	return 1;
}

/* dmarc-urilist: whether at least one entry is a valid URI (4.10.1 asks no more). */
static int
urilist_has_valid(const char *v, size_t len)
{
	size_t i = 0;

	while (i <= len) {
		const char *comma = memchr(v + i, ',', len - i);
		size_t end = comma ? (size_t)(comma - v) : len, s = i, e = end;

		while (s < e && is_wsp(v[s]))
			s++;
		while (e > s && is_wsp(v[e - 1]))
			e--;
		if (e > s && uri_valid(v + s, e - s))
			return 1;
		if (comma == NULL)
			break;
		i = end + 1;
	}
	return 0;
}

enum known { T_P, T_SP, T_NP, T_ADKIM, T_ASPF, T_PSD, T_T, T_RUA, T_RUF, T_FO, T_NKNOWN };

static const char *const known_names[T_NKNOWN] = {
	"p", "sp", "np", "adkim", "aspf", "psd", "t", "rua", "ruf", "fo",
};

static void
set_policy(enum dmarc_tag_state *st, enum dmarc_policy *p, const struct tag *t, int dup)
{
	if (dup || parse_policy(t->value, t->value_len, p) != 0) {
		*st = DMARC_TAG_INVALID;
		*p = DMARC_POLICY_NONE;
	} else
		*st = DMARC_TAG_VALID;
}

static void
set_align(enum dmarc_align *a, const struct tag *t, int dup, unsigned *ignored)
{
	*a = DMARC_ALIGN_RELAXED;
	if (!dup && word_is(t->value, t->value_len, "s"))
		*a = DMARC_ALIGN_STRICT;
	else if (dup || !word_is(t->value, t->value_len, "r"))
		(*ignored)++;
}

static void
apply(struct dmarc_record *rec, enum known k, const struct tag *t, int dup)
{
	switch (k) {
	case T_P:
		set_policy(&rec->p_state, &rec->p, t, dup);
		break;
	case T_SP:
		set_policy(&rec->sp_state, &rec->sp, t, dup);
		break;
	case T_NP:
		set_policy(&rec->np_state, &rec->np, t, dup);
		break;
	case T_ADKIM:
		set_align(&rec->adkim, t, dup, &rec->ignored);
		break;
	case T_ASPF:
		set_align(&rec->aspf, t, dup, &rec->ignored);
		break;
	case T_PSD:
		rec->psd = DMARC_PSD_U;
		if (!dup && word_is(t->value, t->value_len, "y"))
			rec->psd = DMARC_PSD_Y;
		else if (!dup && word_is(t->value, t->value_len, "n"))
			rec->psd = DMARC_PSD_N;
		else if (dup || !word_is(t->value, t->value_len, "u"))
			rec->ignored++;
		break;
	case T_T:
		rec->testing = 0;
		if (!dup && word_is(t->value, t->value_len, "y"))
			rec->testing = 1;
		else if (dup || !word_is(t->value, t->value_len, "n"))
			rec->ignored++;
		break;
	case T_RUA:
		rec->rua_valid = !dup && urilist_has_valid(t->value, t->value_len);
		break;
	case T_RUF:
	case T_FO:
		break;		/* failure reports: ecluse sends none */
	case T_NKNOWN:
		break;
	}
}

enum dmarc_record_err
dmarc_record_parse(const char *buf, size_t len, struct dmarc_record *rec)
{
	unsigned seen = 0, nspecs = 0;
	size_t i;

	memset(rec, 0, sizeof(*rec));
	if ((i = version_end(buf, len)) == 0)
		return DMARC_RECORD_NOT_DMARC;
	while (i < len) {
		const char *semi = memchr(buf + i, ';', len - i);
		size_t end = semi ? (size_t)(semi - buf) : len, j, ntags;
		struct tag t;
		int k;

		for (j = i; j < end && is_wsp(buf[j]); j++)
			;
		if (j < end) {
			if (++nspecs > DMARC_RECORD_TAGS_MAX) {
				rec->ignored++;
				break;
			}
			if (taglist_parse(buf + i, end - i, &t, 1, &ntags) != TAGLIST_OK ||
			    ntags != 1) {
				rec->ignored++;
			} else {
				for (k = 0; k < T_NKNOWN; k++)
					if (word_is(t.name, t.name_len, known_names[k]))
						break;
				if (k == T_NKNOWN)
					rec->ignored++;	/* unknown, or historic pct/rf/ri */
				else {
					apply(rec, (enum known)k, &t, (seen >> k) & 1);
					seen |= 1u << k;
				}
			}
		}
		i = end + 1;
	}
	return DMARC_RECORD_OK;
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case DMARC_POLICY_REJECT:
		return "reject";
	case DMARC_POLICY_NONE:
		break;
	}
	return "none";
}
