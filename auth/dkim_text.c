/*
 * dkim_text.c - text helpers of the DKIM parsers; see dkim_text.h.
 */
#include "config.h"

#include <string.h>

#include <openssl/evp.h>

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

static int
is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '+' || c == '/';
}

/*
 * Strict checks here (alphabet, length a multiple of 4, at most two '=' and only at
 * the end), then OpenSSL's decoder on the whitespace-free text: libsodium's decoder
 * is constant-time, which public data does not need, and ten times slower.
 */
int
dkim_base64(const char *p, size_t n, unsigned char *out, size_t max, size_t *outlen)
{
	unsigned char text[(DKIM_BASE64_MAX + 2) / 3 * 4], bin[(DKIM_BASE64_MAX + 2) / 3 * 3];
	size_t i, len = 0, pad = 0, bytes;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (dkim_is_space((char)c))
			continue;
		if (len == sizeof(text))
			return -1;
		if (c == '=')
			pad++;
		else if (!is_b64(c) || pad > 0)
			return -1;
		text[len++] = c;
	}
	*outlen = 0;
	if (len == 0)
		return 0;
	if (len % 4 != 0 || pad > 2)
		return -1;
	bytes = len / 4 * 3 - pad;
	if (bytes > max || EVP_DecodeBlock(bin, text, (int)len) != (int)(len / 4 * 3))
		return -1;
	memcpy(out, bin, bytes);
	*outlen = bytes;
	return 0;
}
