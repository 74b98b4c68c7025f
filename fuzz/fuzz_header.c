/*
 * fuzz_header.c - libFuzzer target for the RFC 5322 header iterator: every field it
 * returns must lie inside the input, be contiguous with the previous one, and the
 * body offset must follow the last field.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct header_iter it;
	struct header_field f;
	enum header_err err;
	size_t expect = 0, n = 0;

	header_iter_init(&it, buf, size);
	while ((err = header_next(&it, &f)) == HEADER_OK) {
		if (f.raw != buf + expect || f.raw_len < 3 || expect + f.raw_len > size ||
		    f.name != f.raw || f.name_len == 0 ||
		    f.value < f.name + f.name_len || f.value + f.value_len + 2 !=
		    f.raw + f.raw_len || memcmp(f.value + f.value_len, "\r\n", 2) != 0)
			abort();
		expect += f.raw_len;
		if (++n > HEADER_FIELDS_MAX)
			abort();
	}
	if (expect > HEADER_SIZE_MAX)
		abort();
	if (err == HEADER_END) {
		size_t body = header_body_offset(&it);

		if (body > size || body > HEADER_SIZE_MAX ||
		    (body != expect && body != expect + 2))
			abort();
	}
	return 0;
}
