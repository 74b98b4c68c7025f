/*
 * fuzz_mailbox.c - mailbox_of and mailbox_delims_valid on arbitrary bytes. The first
 * byte picks a delimiter set (none, "+", "+-", every allowed character), the rest is
 * the address. Invariants: no crash and no read past the input (ASan); on success
 * the mailbox is NUL-terminated, no longer than the address, keeps the address from
 * its '@' on (domain lower-cased), its local part is a prefix of the address's, and
 * mapping the mailbox again gives it back (a mailbox is its own mailbox); on error
 * out is "".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mailbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = { NULL, "+", "+-", "!#$%&'*+-/=?^_`{|}~" };
	char out[MAILBOX_ADDR_MAX + 1], again[MAILBOX_ADDR_MAX + 1], *copy;
	const char *addr, *at, *oat, *delims, *why;
	size_t len, olen, alen;

	if (size == 0)
		return 0;
	delims = sets[data[0] % 4];
	len = size - 1;
	/* an exact-size heap copy: ASan sees any read past len */
	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data + 1, len);
	addr = copy;
	(void)mailbox_delims_valid(addr, len, &why);
	if (mailbox_of(addr, len, delims, out, &olen) != MAILBOX_OK) {
		if (out[0] != '\0' || olen != 0)
			abort();
		free(copy);
		return 0;
	}
	if (olen > len || strlen(out) > olen)
		abort();
	at = memrchr(addr, '@', len);
	oat = memrchr(out, '@', olen);
	if (at == NULL || oat == NULL)
		abort();
	alen = len - (size_t)(at - addr);
	if (olen - (size_t)(oat - out) != alen || strncasecmp(oat, at, alen) != 0 ||
	    memcmp(out, addr, (size_t)(oat - out)) != 0)
		abort();
	if (mailbox_of(out, olen, delims, again, &alen) != MAILBOX_OK || alen != olen ||
	    memcmp(again, out, olen) != 0)
		abort();
	free(copy);
	return 0;
}
