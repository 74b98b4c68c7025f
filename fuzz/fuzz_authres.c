/*
 * fuzz_authres.c - libFuzzer target for Authentication-Results: the authserv-id
 * parser and the search for fields to remove (attacker input), and the builder fed
 * with attacker-chosen values, whose output must stay one well-formed header field
 * that names our authserv-id, 7-bit unless the message is internationalized.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authres.h"
#include "common/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUR_ID "mx.ecluse.example"

/* The next NUL-separated piece of the input, as a NUL-terminated copy. */
static char *
piece(const uint8_t **p, size_t *left)
{
	const uint8_t *end = memchr(*p, 0, *left);
	size_t len = end ? (size_t)(end - *p) : *left;
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p += end ? len + 1 : len;
	*left -= end ? len + 1 : len;
	return s;
}

static void
check_built(const char *h)
{
	struct header_iter it;
	struct header_field f;
	char id[AUTHRES_ID_MAX + 1];
	size_t idlen, len = strlen(h);

	header_iter_init(&it, h, len);
	if (header_next(&it, &f) != HEADER_OK || !header_name_is(&f, "Authentication-Results") ||
	    f.raw_len != len)
		abort();
	if (header_next(&it, &f) != HEADER_END)
		abort();
	if (authres_parse_id(f.value, f.value_len, id, sizeof(id), &idlen) != AUTHRES_OK ||
	    strcmp(id, OUR_ID) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[AUTHRES_ID_MAX + 1];
	struct authres_range r[8];
	size_t idlen, n, i, left = size;
	const uint8_t *p = data;
	enum authres_err err;
	char *f[8], *h;

	err = authres_parse_id((const char *)data, size, id, sizeof(id), &idlen);
	if (err == AUTHRES_OK) {
		if (idlen == 0 || idlen > AUTHRES_ID_MAX || strlen(id) != idlen)
			abort();
		for (i = 0; i < idlen; i++)
			if ((unsigned char)id[i] < 0x20 || (unsigned char)id[i] > 0x7e)
				abort();
	}

	if (authres_find((const char *)data, size, OUR_ID, r, 8, &n) == AUTHRES_FIND_OK) {
		for (i = 0; i < n; i++)
			if (r[i].off + r[i].len > size || r[i].len < 23 ||
			    strncasecmp((const char *)data + r[i].off, "Authentication-Results", 22) != 0)
				abort();
	}

	for (i = 0; i < 8; i++)
		f[i] = piece(&p, &left);
	{
		struct authres_spf spf = { "pass", f[0], f[1], NULL };
		struct authres_dkim dk[2] = {
			{ "pass", f[2], f[3], f[4], NULL },
			{ "fail", f[2], f[3], f[5], f[6] },
		};
		struct authres_dmarc dm = { "fail", f[7], "reject", f[6] };

		h = authres_build(OUR_ID, &spf, dk, 2, &dm, 0);
		if (h == NULL)
			abort();
		check_built(h);
		for (i = 0; h[i] != '\0'; i++)
			if ((unsigned char)h[i] >= 0x80)
				abort();
		free(h);
		/* an internationalized message: UTF-8 values, still one field */
		h = authres_build(OUR_ID, &spf, dk, 2, &dm, 1);
		if (h == NULL)
			abort();
		check_built(h);
		free(h);
	}
	for (i = 0; i < 8; i++)
		free(f[i]);
	return 0;
}
