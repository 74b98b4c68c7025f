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

/* Byte classes of base64 text with folding whitespace. */
enum { B64_BAD = 0, B64_CHAR, B64_PAD, B64_SPACE };

static const unsigned char b64_class[256] = {
	[' '] = B64_SPACE, ['\t'] = B64_SPACE, ['\r'] = B64_SPACE, ['\n'] = B64_SPACE,
	['='] = B64_PAD, ['+'] = B64_CHAR, ['/'] = B64_CHAR,
	['0'] = B64_CHAR, ['1'] = B64_CHAR, ['2'] = B64_CHAR, ['3'] = B64_CHAR,
	['4'] = B64_CHAR, ['5'] = B64_CHAR, ['6'] = B64_CHAR, ['7'] = B64_CHAR,
	['8'] = B64_CHAR, ['9'] = B64_CHAR,
	['A'] = B64_CHAR, ['B'] = B64_CHAR, ['C'] = B64_CHAR, ['D'] = B64_CHAR,
	['E'] = B64_CHAR, ['F'] = B64_CHAR, ['G'] = B64_CHAR, ['H'] = B64_CHAR,
	['I'] = B64_CHAR, ['J'] = B64_CHAR, ['K'] = B64_CHAR, ['L'] = B64_CHAR,
	['M'] = B64_CHAR, ['N'] = B64_CHAR, ['O'] = B64_CHAR, ['P'] = B64_CHAR,
	['Q'] = B64_CHAR, ['R'] = B64_CHAR, ['S'] = B64_CHAR, ['T'] = B64_CHAR,
	['U'] = B64_CHAR, ['V'] = B64_CHAR, ['W'] = B64_CHAR, ['X'] = B64_CHAR,
	['Y'] = B64_CHAR, ['Z'] = B64_CHAR,
	['a'] = B64_CHAR, ['b'] = B64_CHAR, ['c'] = B64_CHAR, ['d'] = B64_CHAR,
	['e'] = B64_CHAR, ['f'] = B64_CHAR, ['g'] = B64_CHAR, ['h'] = B64_CHAR,
	['i'] = B64_CHAR, ['j'] = B64_CHAR, ['k'] = B64_CHAR, ['l'] = B64_CHAR,
	['m'] = B64_CHAR, ['n'] = B64_CHAR, ['o'] = B64_CHAR, ['p'] = B64_CHAR,
	['q'] = B64_CHAR, ['r'] = B64_CHAR, ['s'] = B64_CHAR, ['t'] = B64_CHAR,
	['u'] = B64_CHAR, ['v'] = B64_CHAR, ['w'] = B64_CHAR, ['x'] = B64_CHAR,
	['y'] = B64_CHAR, ['z'] = B64_CHAR,
};

/* Decodes len characters of whitespace-free text of which the last pad are '='. */
static int
decode(const unsigned char *text, size_t len, size_t pad, unsigned char *out, size_t max,
    size_t *outlen)
{
	unsigned char bin[(DKIM_BASE64_MAX + 2) / 3 * 3];
	size_t bytes;

	*outlen = 0;
	if (len == 0)
		return 0;
	if (len % 4 != 0 || pad > 2 || len / 4 * 3 > sizeof(bin))
		return -1;
	bytes = len / 4 * 3 - pad;
	if (bytes > max || EVP_DecodeBlock(bin, text, (int)len) != (int)(len / 4 * 3))
		return -1;
	memcpy(out, bin, bytes);
	*outlen = bytes;
	return 0;
}

/*
 * Strict checks here (alphabet, length a multiple of 4, at most two '=' and only at
 * the end), then OpenSSL's decoder on the whitespace-free text: libsodium's decoder
 * is constant-time, which public data does not need, and ten times slower. Text
 * without whitespace (p= in DNS, most b=) goes straight to the decoder, which
 * refuses bytes outside the alphabet but not a misplaced '=': that is checked here.
 */
int
dkim_base64(const char *p, size_t n, unsigned char *out, size_t max, size_t *outlen)
{
	unsigned char text[(DKIM_BASE64_MAX + 2) / 3 * 4];
	size_t i, len = 0, pad = 0;
	const char *eq;

	if (n <= sizeof(text) && memchr(p, ' ', n) == NULL && memchr(p, '\t', n) == NULL &&
	    memchr(p, '\r', n) == NULL && memchr(p, '\n', n) == NULL) {
		if ((eq = memchr(p, '=', n)) != NULL) {
			pad = n - (size_t)(eq - p);
			if (pad > 2 || p[n - 1] != '=')
				return -1;
		}
		return decode((const unsigned char *)p, n, pad, out, max, outlen);
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		switch (b64_class[c]) {
		case B64_SPACE:
			continue;
		case B64_PAD:
			pad++;
			break;
		case B64_CHAR:
			if (pad > 0)
				return -1;
			break;
		default:
			return -1;
		}
		if (len == sizeof(text))
			return -1;
		text[len++] = c;
	}
	return decode(text, len, pad, out, max, outlen);
}
