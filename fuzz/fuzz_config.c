/*
 * fuzz_config.c - libFuzzer target for the configuration loader (the operator's file,
 * through inih and the key table): never reads outside the input; a refused file
 * gives an error that names the file; an accepted one has every served domain,
 * valid and lower case, found by the domain index under its own name, upper-cased
 * and with a trailing dot, and no domain twice. The input goes through a memfd, as
 * config_load reads a path.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create */
#endif
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A name and its variants must find domain d, and only it. */
static void
check_domain(const struct config *cf, const struct domain_config *d)
{
	char v[300];
	size_t len = strlen(d->name), i;

	if (len == 0 || len + 1 >= sizeof(v))
		abort();
	for (i = 0; i < len; i++) {
		if (isupper((unsigned char)d->name[i]))
			abort();
		v[i] = (char)toupper((unsigned char)d->name[i]);
	}
	v[len] = '.';
	if (config_domain(cf, d->name, len) != d || config_domain(cf, v, len) != d ||
	    config_domain(cf, v, len + 1) != d)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[CONFIG_ERR_MAX];
	struct config *cf;
	size_t i;
	int fd = memfd_create("fuzz_config", 0);

	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	cf = config_load(path, err, sizeof(err));
	if (cf == NULL) {
		if (strncmp(err, path, strlen(path)) != 0 || memchr(err, '\0', sizeof(err)) == NULL)
			abort();
	} else {
		for (i = 0; i < cf->ndomains; i++)
			check_domain(cf, &cf->domains[i]);
		config_free(cf);
	}
	close(fd);
	return 0;
}
