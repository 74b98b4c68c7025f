/*
 * fuzz_idna.c - libFuzzer target for the IDNA conversions (auth/idna.h): never reads
 * outside the input; an A-label result is a DNS name of LDH or '_' labels, lower case,
 * at most 253 octets; a U-label result converts back to the same A-labels; an error
 * leaves an empty name.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dns.h"
#include "auth/idna.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_ascii(const char *s, int had_8bit)
{
	size_t i, n = strnlen(s, DNS_NAME_MAX + 1);

	if (n > DNS_NAME_MAX)
		abort();
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c >= 'A' && c <= 'Z'))
			abort();
		if (had_8bit && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[DNS_NAME_MAX + 1], u[DNS_NAME_MAX * 4 + 1], back[DNS_NAME_MAX + 1];
	const char *in = (const char *)data, *why;
	int eight = idna_has_8bit(in, size);

	switch (idna_to_ascii(in, size, a, sizeof(a), &why)) {
	case IDNA_OK:
		check_ascii(a, eight);
		if (idna_to_utf8(a, strlen(a), u, sizeof(u), &why) == IDNA_OK) {
			if (idna_to_ascii(u, strlen(u), back, sizeof(back), &why) != IDNA_OK)
				abort();
			/* ASCII input is not validated, so an invalid "xn--" label of it
			 * fails to_utf8; a valid one comes back as itself */
			if (strcmp(back, a) != 0)
				abort();
		}
		break;
	case IDNA_INVALID:
	case IDNA_TOO_LONG:
		if (a[0] != '\0' || why == NULL)
			abort();
		break;
	default:
		abort();
	}
	if (idna_to_utf8(in, size, u, sizeof(u), &why) != IDNA_OK && u[0] != '\0')
		abort();
	return 0;
}
