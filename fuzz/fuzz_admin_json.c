/*
 * fuzz_admin_json.c - the admin API's input and output on arbitrary bytes: the
 * admin_tokens parser (a failure leaves nothing; a success gives tokens that check),
 * and the one JSON escaping function (its output is a JSON string of printable ASCII
 * and valid UTF-8 only, whatever the input).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "release-web/admin_auth.h"
#include "release-web/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_string(const unsigned char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		abort();
	for (i = 1; i + 1 < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			abort();	/* a raw control character */
		if (s[i] == '"')
			abort();	/* an unescaped quote */
		if (s[i] == '\\') {
			if (i + 2 >= n)
				abort();
			i++;
			if (s[i] == 'u') {
				if (i + 5 >= n)
					abort();
				i += 4;
			} else if (strchr("\"\\nrt", s[i]) == NULL)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct admin_tokens t;
	struct json j;
	const char *why;
	size_t i, len;
	char *out;

	if (admin_tokens_parse((const char *)data, size, &t, &why) != 0) {
		if (why == NULL || t.v != NULL || t.n != 0)
			abort();
	} else {
		for (i = 0; i < t.n; i++)
			if (admin_tokens_check(&t, (const char *)t.v[i].token, t.v[i].len) == NULL)
				abort();
		admin_tokens_clear(&t);
	}
	json_init(&j);
	json_strn(&j, (const char *)data, size);
	out = json_take(&j, &len);
	check_string((const unsigned char *)out, len);
	free(out);
	return 0;
}
