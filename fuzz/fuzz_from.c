/*
 * fuzz_from.c - libFuzzer target for the From address-list parser and extraction:
 * never reads outside the input; every address it returns is NUL-terminated inside
 * its buffer, has a non-empty domain in lower case and no line break; the count is
 * consistent with the error.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/from.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_addr(const struct from_addr *a)
{
	size_t i, ll = strnlen(a->local, sizeof(a->local)),
	    dl = strnlen(a->domain, sizeof(a->domain));

	if (ll == sizeof(a->local) || dl == sizeof(a->domain) || ll == 0 || dl == 0)
		abort();
	for (i = 0; i < dl; i++)
		if ((a->domain[i] >= 'A' && a->domain[i] <= 'Z') || a->domain[i] == '\r' ||
		    a->domain[i] == '\n')
			abort();
	for (i = 0; i < ll; i++)
		if (a->local[i] == '\r' || a->local[i] == '\n')
			abort();
	if (a->literal != (a->domain[0] == '['))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct from_addr addrs[FROM_ADDRS_MAX];
	struct from_result res;
	size_t n, i;
	enum from_err err;

	err = from_list_parse((const char *)data, size, addrs, FROM_ADDRS_MAX, &n);
	if (err != FROM_OK && err != FROM_SYNTAX && err != FROM_TOO_LONG)
		abort();
	if (err == FROM_OK)
		for (i = 0; i < n && i < FROM_ADDRS_MAX; i++)
			check_addr(&addrs[i]);

	err = from_extract((const char *)data, size, &res);
	if (err != res.err || err > FROM_BAD_HEADER)
		abort();
	if (err == FROM_OK) {
		if (res.naddrs != 1)
			abort();
		check_addr(&res.addr[0]);
	}
	if (err == FROM_MANY_ADDRESSES && res.naddrs < 2)
		abort();
	return 0;
}
