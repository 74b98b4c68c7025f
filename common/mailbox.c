/*
 * mailbox.c - the mailbox of a recipient address under a recipient_delimiter set.
 * See mailbox.h for the rule. Owns nothing; bad input is an error return.
 */
#include "config.h"

#include <string.h>

#include "common/config.h"
#include "common/mailbox.h"

/* RFC 5322 3.2.3 atext without ALPHA and DIGIT: the characters a delimiter may be. */
static const char delim_chars[] = "!#$%&'*+-/=?^_`{|}~";

enum mailbox_err
mailbox_of(const char *addr, size_t len, const char *delims,
    char out[MAILBOX_ADDR_MAX + 1], size_t *outlen)
{
	const char *at;
	size_t local, cut, i, o;

	out[0] = '\0';
	*outlen = 0;
	if (len > MAILBOX_ADDR_MAX)
		return MAILBOX_TOO_LONG;
	if ((at = memrchr(addr, '@', len)) == NULL || at + 1 == addr + len)
		return MAILBOX_NO_AT;
	local = (size_t)(at - addr);
	cut = local;
	if (delims != NULL && addr[0] != '"') {
		for (i = 0; i < local; i++)
			if (addr[i] != '\0' && strchr(delims, addr[i]) != NULL)
				break;
		if (i > 0 && i < local)	/* nothing before it: not cut */
			cut = i;
	}
	memcpy(out, addr, cut);
	o = cut;
	for (i = local; i < len; i++) {
		unsigned char c = (unsigned char)addr[i];

		out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[o] = '\0';
	*outlen = o;
	return MAILBOX_OK;
}

enum mailbox_err
mailbox_of_config(const struct config *cf, const char *addr, size_t len,
    char out[MAILBOX_ADDR_MAX + 1], size_t *outlen)
{
	const char *at = len <= MAILBOX_ADDR_MAX ? memrchr(addr, '@', len) : NULL;
	const struct domain_config *d = NULL;

	if (at != NULL)
		d = config_domain(cf, at + 1, len - (size_t)(at + 1 - addr));
	return mailbox_of(addr, len, d != NULL ? d->recipient_delimiter :
	    cf->recipient_delimiter, out, outlen);
}

bool
mailbox_delims_valid(const char *buf, size_t len, const char **why)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] == '\0' || strchr(delim_chars, buf[i]) == NULL) {
			*why = "expected characters among !#$%&'*+-/=?^_`{|}~";
			return false;
		}
		if (memchr(buf, buf[i], i) != NULL) {
			*why = "a character given twice";
			return false;
		}
	}
	return true;
}
