/*
 * assets.c - static files held in memory. See assets.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "release-web/assets.h"

struct entry {
	struct asset	 a;
	char		*name;
	char		 etag[2 + 32 + 1];
	unsigned char	*data;
};

struct assets {
	struct entry	 e[ASSET_MAX_COUNT];
	size_t		 n;
};

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".css", "text/css; charset=utf-8" },
	{ ".png", "image/png" },
	{ ".svg", "image/svg+xml" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *
type_of(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

static int
load_one(struct entry *en, const char *dir, const char *name, char *err, size_t errsz)
{
	char path[4096];
	unsigned char hash[16];
	struct stat st;
	size_t got = 0, i;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ASSET_MAX_SIZE) {
		snprintf(err, errsz, "%s: not a regular file of at most %d bytes", path,
		    ASSET_MAX_SIZE);
		close(fd);
		return -1;
	}
	en->data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, en->data + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errsz, "%s: %s", path, r == 0 ? "file shrank" :
			    strerror(errno));
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	crypto_generichash(hash, sizeof(hash), en->data, got, NULL, 0);
	en->etag[0] = '"';
	for (i = 0; i < sizeof(hash); i++)
		snprintf(en->etag + 1 + 2 * i, 3, "%02x", hash[i]);
	en->etag[33] = '"';
	en->etag[34] = '\0';
	en->name = xstrdup(name);
	en->a.name = en->name;
	en->a.type = type_of(name);
	en->a.etag = en->etag;
	en->a.data = en->data;
	en->a.len = got;
	return 0;
}

struct assets *
assets_load(const char *dir, char *err, size_t errsz)
{
	struct assets *a = xcalloc(1, sizeof(*a));
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		free(a);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || type_of(de->d_name) == NULL)
			continue;
		if (a->n == ASSET_MAX_COUNT) {
			snprintf(err, errsz, "%s: more than %d assets", dir, ASSET_MAX_COUNT);
			goto bad;
		}
		if (load_one(&a->e[a->n], dir, de->d_name, err, errsz) != 0) {
			a->n++;	/* so that assets_free releases it */
			goto bad;
		}
		a->n++;
	}
	closedir(d);
	return a;
bad:
	closedir(d);
	assets_free(a);
	return NULL;
}

void
assets_free(struct assets *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->e[i].name);
		free(a->e[i].data);
	}
	free(a);
}

const struct asset *
assets_get(const struct assets *a, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strlen(a->e[i].name) == len && memcmp(a->e[i].name, name, len) == 0)
			return &a->e[i].a;
	return NULL;
}
