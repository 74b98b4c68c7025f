/*
 * fuzz_dnsbl_zones.c - libFuzzer target for the [policy] dnsbl_zones parser: never
 * reads outside the input; a list it accepts holds at most DNSBL_ZONES_MAX distinct
 * zones, each a lower-case host name that leaves room for an IPv6 query name, and
 * reads back the same when joined again; a refused list leaves no zone.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd/dnsbl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_zone(const char *z)
{
	size_t len = strnlen(z, DNSBL_ZONE_MAX + 1), i;

	if (len == 0 || len > DNSBL_ZONE_MAX || z[0] == '.' || z[len - 1] == '.' ||
	    z[0] == '-' || z[len - 1] == '-' || strstr(z, "..") != NULL)
		abort();
	for (i = 0; i < len; i++)
		if (!((z[i] >= 'a' && z[i] <= 'z') || (z[i] >= '0' && z[i] <= '9') ||
		    z[i] == '-' || z[i] == '.'))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char joined[DNSBL_ZONES_MAX * (DNSBL_ZONE_MAX + 1)];
	char name[DNS_NAME_MAX + 1];
	struct dnsbl_zones z, again;
	struct netaddr v6;
	enum dnsbl_zones_err err;
	size_t i, j, n = 0;

	err = dnsbl_zones_parse((const char *)data, size, &z);
	if (err != DNSBL_ZONES_OK) {
		if (z.n != 0 || err > DNSBL_ZONES_DUPLICATE)
			abort();
		return 0;
	}
	if (z.n > DNSBL_ZONES_MAX)
		abort();
	memset(&v6, 0xff, sizeof(v6));
	v6.family = AF_INET6;
	for (i = 0; i < z.n; i++) {
		size_t len = strlen(z.zone[i]);

		check_zone(z.zone[i]);
		for (j = 0; j < i; j++)
			if (strcmp(z.zone[i], z.zone[j]) == 0)
				abort();
		if (dnsbl_query_name(&v6, z.zone[i], name, sizeof(name)) == 0)
			abort();
		if (i > 0)
			joined[n++] = ',';
		memcpy(joined + n, z.zone[i], len);
		n += len;
	}
	if (dnsbl_zones_parse(joined, n, &again) != DNSBL_ZONES_OK || again.n != z.n)
		abort();
	for (i = 0; i < z.n; i++)
		if (strcmp(again.zone[i], z.zone[i]) != 0)
			abort();
	return 0;
}
