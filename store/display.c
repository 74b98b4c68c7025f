/*
 * display.c - see display.h. Reads the header with the one header parser
 * (common/header.h), so the Subject shown is the Subject DKIM and DMARC read. Bounded
 * by that parser's limits (HEADER_SIZE_MAX); on a malformed header it gives "" rather
 * than guess.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "common/header.h"
#include "store/display.h"

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

void
store_display_field(const unsigned char *msg, size_t len, const char *name, char *out,
    size_t outsz)
{
	struct header_iter it;
	struct header_field f;
	const char *v;
	enum header_err e;
	size_t n = 0, i, vlen;
	bool over = false;

	if (outsz == 0)
		return;
	out[0] = '\0';
	header_iter_init(&it, (const char *)msg, len);
	while ((e = header_next(&it, &f)) == HEADER_OK && !header_name_is(&f, name))
		continue;
	if (e != HEADER_OK)
		return;
	v = f.value;
	vlen = f.value_len;
	while (vlen > 0 && (is_wsp(v[0]) || v[0] == '\r' || v[0] == '\n')) {
		v++;
		vlen--;
	}
	/* Unfold: a CRLF inside a value is always followed by WSP (the parser checked). */
	for (i = 0; i < vlen; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		if (n == outsz - 1) {
			over = true;
			break;
		}
		out[n++] = v[i];
	}
	if (over) {
		/* Room for "...", cut back to the start of a UTF-8 character. */
		n = outsz > 4 ? outsz - 4 : 0;
		while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
			n--;
	}
	while (n > 0 && is_wsp(out[n - 1]))
		n--;
	if (over && outsz > 4) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}
