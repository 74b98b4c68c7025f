/*
 * assets.h - the static files of ecluse-web (style sheet, images), read once at start
 * from DIR into memory and served from there: no file system access per request, and
 * nothing outside DIR can ever be named (names are the router's [a-z0-9-]+.ext).
 *
 * Only known extensions are loaded (css, png, svg, ico, txt); each file at most
 * ASSET_MAX_SIZE. The ETag is a hash of the content.
 * Ownership: assets_load allocates, assets_free releases (NULL is a no-op).
 */
#ifndef ECLUSE_ASSETS_H
#define ECLUSE_ASSETS_H

#include <stddef.h>

/* A style sheet or an icon; more is not an asset of this service. */
#define ASSET_MAX_SIZE		(256 * 1024)
#define ASSET_MAX_COUNT		64

struct assets;

struct asset {
	const char	*name;
	const char	*type;		/* Content-Type */
	const char	*etag;		/* quoted, as sent */
	const unsigned char *data;
	size_t		 len;
};

/* NULL and err filled ("PATH: reason") on error. */
struct assets *assets_load(const char *dir, char *err, size_t errsz);
void assets_free(struct assets *a);
/* The asset named by (name, len), or NULL. */
const struct asset *assets_get(const struct assets *a, const char *name, size_t len);

#endif
