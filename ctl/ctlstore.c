/*
 * ctlstore.c - see ctlstore.h.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/config.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"

struct store *
ctl_store_open(const struct config *cf)
{
	struct store *st = NULL;
	char err[512];

	if (store_open(cf->store_path, &st, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "eclusectl: store: %s\n", err);
		return NULL;
	}
	return st;
}

void
ctl_actor(struct store_actor *by, char *buf, size_t bufsz)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL)
		snprintf(buf, bufsz, "admin:%s", pw->pw_name);
	else
		snprintf(buf, bufsz, "admin:uid=%lu", (unsigned long)getuid());
	by->who = buf;
	by->from = "cli";
}

int
ctl_store_error(const struct store *st, const char *what, enum store_err e)
{
	const char *detail = st != NULL ? store_last_error(st) : "";

	fprintf(stderr, "eclusectl: %s: %s\n", what, detail[0] != '\0' ? detail :
	    store_strerror(e));
	return CTL_EXIT_FAILURE;
}

int
ctl_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno != 0 || *end != '\0' || v <= 0) {
		fprintf(stderr, "eclusectl: \"%s\": not a message id (a positive number)\n", s);
		return -1;
	}
	*id = v;
	return 0;
}
