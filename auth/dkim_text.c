/*
 * dkim_text.c - text helpers of the DKIM parsers; see dkim_text.h.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "auth/dkim_text.h"

int
dkim_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
dkim_eq_nocase(const char *p, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lit[i])
			return 0;
	}
	return 1;
}

int
dkim_list_has(const char *p, size_t n, const char *want)
{
	size_t start = 0, i;

	for (i = 0; i <= n; i++) {
		size_t a, b;

		if (i < n && p[i] != ':')
			continue;
		for (a = start; a < i && dkim_is_space(p[a]); a++)
			;
		for (b = i; b > a && dkim_is_space(p[b - 1]); b--)
			;
		if (dkim_eq_nocase(p + a, b - a, want))
			return 1;
		start = i + 1;
	}
	return 0;
}

int
dkim_base64(const char *p, size_t n, unsigned char *out, size_t max, size_t *outlen)
{
	return sodium_base642bin(out, max, p, n, " \t\r\n", outlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL);
}
