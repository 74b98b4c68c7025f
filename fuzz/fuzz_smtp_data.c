/*
 * fuzz_smtp_data.c - libFuzzer target: the DATA machine. The input is fed whole and
 * again cut at a point taken from the input; both runs must agree (the result never
 * depends on how reads cut the stream), an end of data is only ever right after
 * CRLF "." CRLF, and accepted content has only CRLF line ends.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t
run(const char *buf, size_t len, size_t cut, char *out, size_t *outlen, unsigned *flags)
{
	struct data_parser dp;
	size_t off = 0, o = 0, olen, used;
	int done = 0;

	data_init(&dp, 4096);
	while (off < len && !done) {
		size_t n = off < cut ? cut - off : len - off;

		used = data_feed(&dp, buf + off, n, out + o, &olen, &done);
		o += olen;
		off += used;
	}
	*outlen = o;
	*flags = dp.flags;
	return done ? off : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char *a, *b;
	size_t alen, blen, ea, eb, i, cut = size ? data[0] % (size + 1) : 0;
	unsigned fa, fb;

	a = malloc(size + 2);
	b = malloc(size + 2);
	ea = run(buf, size, size, a, &alen, &fa);
	eb = run(buf, size, cut, b, &blen, &fb);
	if (ea != eb || fa != fb || (fa == 0 && (alen != blen || memcmp(a, b, alen) != 0)))
		abort();
	if (ea != 0 && !(ea == 3 ? memcmp(buf, ".\r\n", 3) == 0 :
	    (ea >= 5 && memcmp(buf + ea - 5, "\r\n.\r\n", 5) == 0)))
		abort();
	if (ea != 0 && fa == 0)
		for (i = 0; i < alen; i++)
			if ((a[i] == '\n') != (i > 0 && a[i - 1] == '\r') || a[i] == '\0')
				abort();
	free(a);
	free(b);
	return 0;
}
