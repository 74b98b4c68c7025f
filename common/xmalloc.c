/*
 * xmalloc.c - allocation that cannot fail (it exits with a log line). See xmalloc.h.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xmalloc.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		log_fatal("event=oom size=%zu", size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		log_fatal("event=oom nmemb=%zu size=%zu", nmemb, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;
	size_t total;

	if (size != 0 && nmemb > SIZE_MAX / size)
		log_fatal("event=overflow nmemb=%zu size=%zu", nmemb, size);
	total = nmemb * size;
	p = realloc(ptr, total != 0 ? total : 1);
	if (p == NULL)
		log_fatal("event=oom nmemb=%zu size=%zu", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *buf, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		log_fatal("event=overflow len=%zu", len);
	p = xmalloc(len + 1);
	memcpy(p, buf, len);
	p[len] = '\0';
	return p;
}
