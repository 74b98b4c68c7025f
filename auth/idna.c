/*
 * idna.c - U-labels to A-labels and back with libidn2; see idna.h for the choices.
 *
 * libidn2 wants NUL-terminated strings: the input is copied into a bounded buffer
 * first (a NUL inside it is refused), and libidn2's allocated result is checked and
 * copied out, then freed, so nothing it made outlives a call.
 */
#include "config.h"

#include <string.h>

/* Only libidn2's own names: its libidn compatibility macros (idna_to_ascii_8z, ...)
 * would clash with this module's. */
#define IDN2_SKIP_LIBIDN_COMPAT 1
#include <idn2.h>

#include "auth/idna.h"
#include "common/log.h"

/* RFC 1035 2.3.4. */
#define LABEL_MAX 63
/* RFC 5890 2.3.2.1: the prefix of every A-label. */
#define ACE_PREFIX "xn--"
#define ACE_PREFIX_LEN 4
/* IDNA2008 lookup (RFC 5891 5) of NFC input with TR46 non-transitional mapping. */
#define IDNA_FLAGS (IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL)

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int
idna_has_8bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

static enum idna_err
fail(enum idna_err e, char *out, size_t outsize, const char **reason, const char *why)
{
	if (outsize > 0)
		out[0] = '\0';
	if (reason != NULL)
		*reason = why;
	return e;
}

/* (in, len) lower-cased into out with a NUL; -1 when it does not fit. */
static int
copy_lower(const char *in, size_t len, char *out, size_t outsize)
{
	size_t i;

	if (len >= outsize)
		return -1;
	for (i = 0; i < len; i++)
		out[i] = lower(in[i]);
	out[len] = '\0';
	return 0;
}

/*
 * What the DNS can be asked: labels of 1 to 63 octets of letters, digits, '-' and
 * '_', at most IDNA_NAME_MAX octets; one trailing dot allowed. TR46 can map a
 * character to ASCII punctuation ("⑵" is "(2)"), which no host name holds.
 */
static enum idna_err
check_ascii_name(const char *s, const char **why)
{
	size_t n = strlen(s), i, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n > IDNA_NAME_MAX) {
		*why = "name longer than 253 octets";
		return IDNA_TOO_LONG;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				break;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_')) {
			*why = "name maps to a character outside letters, digits, '-' and '_'";
			return IDNA_INVALID;
		}
		if (++label > LABEL_MAX) {
			*why = "label longer than 63 octets";
			return IDNA_TOO_LONG;
		}
	}
	if (i < n || label == 0) {
		*why = "empty label";
		return IDNA_INVALID;
	}
	return IDNA_OK;
}

/* libidn2's error as ours; running out of memory is not an answer about the name. */
static enum idna_err
from_idn2(int rc, const char **why)
{
	switch (rc) {
	case IDN2_MALLOC:
		log_fatal("event=oom what=libidn2");
	case IDN2_TOO_BIG_DOMAIN:
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:	/* the A-label would pass 63 octets */
		*why = "name or label too long for the DNS";
		return IDNA_TOO_LONG;
	case IDN2_ENCODING_ERROR:
		*why = "not UTF-8";
		return IDNA_INVALID;
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_PUNYCODE_OVERFLOW:
	case IDN2_INVALID_ALABEL:
	case IDN2_ALABEL_ROUNDTRIP_FAILED:
		*why = "invalid A-label";
		return IDNA_INVALID;
	case IDN2_BIDI:
		*why = "breaks the bidi rule (RFC 5893)";
		return IDNA_INVALID;
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTJ_NO_RULE:
	case IDN2_CONTEXTO:
	case IDN2_CONTEXTO_NO_RULE:
		*why = "breaks a contextual rule (RFC 5892)";
		return IDNA_INVALID;
	default:
		*why = "code point not allowed in a domain name (RFC 5892, TR46)";
		return IDNA_INVALID;
	}
}

/* idn2_to_ascii_8z of in, checked and copied into out. */
static enum idna_err
convert(const char *in, char *out, size_t outsize, const char **why)
{
	char *res = NULL;
	enum idna_err e;
	size_t n;
	int rc;

	if ((rc = idn2_to_ascii_8z(in, &res, IDNA_FLAGS)) != IDN2_OK) {
		idn2_free(res);
		return from_idn2(rc, why);
	}
	if ((e = check_ascii_name(res, why)) != IDNA_OK) {
		idn2_free(res);
		return e;
	}
	n = strlen(res);
	if (n >= outsize) {
		idn2_free(res);
		*why = "name does not fit";
		return IDNA_TOO_LONG;
	}
	memcpy(out, res, n + 1);
	idn2_free(res);
	return IDNA_OK;
}

enum idna_err
idna_to_ascii(const char *in, size_t len, char *out, size_t outsize, const char **reason)
{
	char buf[IDNA_INPUT_MAX + 1];
	const char *why = "ok";
	enum idna_err e;

	if (len > IDNA_INPUT_MAX)
		return fail(IDNA_TOO_LONG, out, outsize, reason, "name longer than 1024 bytes");
	if (memchr(in, '\0', len) != NULL)
		return fail(IDNA_INVALID, out, outsize, reason, "NUL in name");
	if (!idna_has_8bit(in, len)) {
		if (copy_lower(in, len, out, outsize) != 0)
			return fail(IDNA_TOO_LONG, out, outsize, reason, "name does not fit");
		if (reason != NULL)
			*reason = why;
		return IDNA_OK;
	}
	memcpy(buf, in, len);
	buf[len] = '\0';
	if ((e = convert(buf, out, outsize, &why)) != IDNA_OK)
		return fail(e, out, outsize, reason, why);
	if (reason != NULL)
		*reason = why;
	return IDNA_OK;
}

/* Whether the NUL-terminated name s has a label starting with the ACE prefix. */
static int
has_alabel(const char *s)
{
	const char *p = s;

	for (;;) {
		if (strncmp(p, ACE_PREFIX, ACE_PREFIX_LEN) == 0)
			return 1;
		if ((p = strchr(p, '.')) == NULL)
			return 0;
		p++;
	}
}

enum idna_err
idna_to_utf8(const char *in, size_t len, char *out, size_t outsize, const char **reason)
{
	char lo[IDNA_NAME_MAX + 2], back[IDNA_NAME_MAX + 2];
	const char *why = "ok";
	char *u = NULL;
	enum idna_err e;
	size_t n;
	int rc;

	if (idna_has_8bit(in, len))
		return fail(IDNA_INVALID, out, outsize, reason, "not an A-label name");
	if (memchr(in, '\0', len) != NULL)
		return fail(IDNA_INVALID, out, outsize, reason, "NUL in name");
	if (copy_lower(in, len, lo, sizeof(lo)) != 0)
		return fail(IDNA_TOO_LONG, out, outsize, reason, "name longer than 253 octets");
	if (!has_alabel(lo)) {
		if (copy_lower(lo, len, out, outsize) != 0)
			return fail(IDNA_TOO_LONG, out, outsize, reason, "name does not fit");
		if (reason != NULL)
			*reason = why;
		return IDNA_OK;
	}
	/*
	 * libidn2 decodes Punycode without checking what comes out (a C1 control, a
	 * line separator, a byte-order mark): the U-label is only taken when it converts
	 * back to the very same A-labels (RFC 5891 5.4 asks A-labels to be validated).
	 */
	if ((rc = idn2_to_unicode_8z8z(lo, &u, 0)) != IDN2_OK) {
		idn2_free(u);
		from_idn2(rc, &why);
		return fail(IDNA_INVALID, out, outsize, reason, why);
	}
	e = convert(u, back, sizeof(back), &why);
	if (e == IDNA_OK && strcmp(back, lo) != 0) {
		e = IDNA_INVALID;
		why = "invalid A-label";
	}
	if (e != IDNA_OK) {
		idn2_free(u);
		return fail(e, out, outsize, reason, why);
	}
	n = strlen(u);
	if (n >= outsize) {
		idn2_free(u);
		return fail(IDNA_TOO_LONG, out, outsize, reason, "name does not fit");
	}
	memcpy(out, u, n + 1);
	idn2_free(u);
	if (reason != NULL)
		*reason = why;
	return IDNA_OK;
}
