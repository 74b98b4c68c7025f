/*
 * answer.c - the CAPTCHA answer: drawing a random one, and checking what the sender
 * typed against it.
 *
 * Owns nothing: answers live in the caller's buffers (and its store).
 * Limits: CAPTCHA_ANSWER_MIN..CAPTCHA_ANSWER_MAX characters of CAPTCHA_ALPHABET.
 * Bad input: a too small buffer gets -1; a typed answer of any content or length is
 * just "not equal".
 */
#include "config.h"

#include <sodium.h>

#include "captcha/captcha.h"

int
captcha_new_answer(char *out, size_t outsz)
{
	static const char alphabet[] = CAPTCHA_ALPHABET;
	uint32_t n, i;

	if (out == NULL || outsz < CAPTCHA_ANSWER_SIZE)
		return -1;
	/* The length varies too: a solver cannot assume where the last glyph sits. */
	n = CAPTCHA_ANSWER_MIN +
	    randombytes_uniform(CAPTCHA_ANSWER_MAX - CAPTCHA_ANSWER_MIN + 1);
	for (i = 0; i < n; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	out[n] = '\0';
	return (int)n;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ASCII upper case without a branch or a table indexed by the secret. */
static unsigned
fold(unsigned char c)
{
	unsigned lower = (unsigned)(c - 'a') < 26u;

	return c - (lower << 5);
}

int
captcha_answer_equal(const char *expected, size_t elen, const char *given, size_t glen)
{
	unsigned diff;
	size_t i;

	/* Trimming looks at the sender's own input only: it reveals nothing. */
	while (glen > 0 && is_space(given[0])) {
		given++;
		glen--;
	}
	while (glen > 0 && is_space(given[glen - 1]))
		glen--;
	diff = elen != glen;
	/* Always elen rounds, whatever is typed: no early exit on the first mismatch. */
	for (i = 0; i < elen; i++) {
		unsigned char g = i < glen ? (unsigned char)given[i] : 0;

		diff |= fold((unsigned char)expected[i]) ^ fold(g);
	}
	return elen != 0 && diff == 0;
}
