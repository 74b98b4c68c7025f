/*
 * tool_input.c - stdin and fatal errors for the differential test tools; see
 * tool_input.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/xmalloc.h"
#include "tests/integration/tool_input.h"

void
tool_fail(const char *why)
{
	fprintf(stderr, "%s: %s\n", program_invocation_short_name, why);
	exit(2);
}

char *
tool_read_stdin(size_t *len)
{
	size_t cap = 1 << 20, n = 0, got;
	char *buf = xmalloc(cap);

	while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
	}
	if (ferror(stdin))
		tool_fail("read error");
	*len = n;
	return buf;
}
