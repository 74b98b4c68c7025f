/*
 * fuzz_router.c - the router and the Accept-Language parser on arbitrary bytes. The
 * input is "METHOD SP PATH" (or a whole header value for the language); a match must
 * point inside the path and only at characters the router allows.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "release-web/lang.h"
#include "release-web/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *sp = memchr(buf, ' ', size);
	struct route_match m;
	enum lang l;
	size_t i;

	if (lang_accept(buf, size, &l) == 0 && l != LANG_EN && l != LANG_FR)
		abort();
	if (sp == NULL)
		return 0;
	if (router_match(buf, (size_t)(sp - buf), sp + 1, size - (size_t)(sp - buf) - 1,
	    &m) == ROUTER_NOT_FOUND)
		return 0;
	if (m.arg != NULL) {
		if (m.arg < sp + 1 || m.arg + m.arglen > buf + size || m.arglen == 0)
			abort();
		for (i = 0; i < m.arglen; i++)
			if (m.arg[i] == '/' || m.arg[i] == '%' || m.arg[i] == '\0')
				abort();
	}
	return 0;
}
