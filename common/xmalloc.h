/*
 * xmalloc.h - the one place allocation failure is handled: a daemon that cannot
 * allocate logs and exits (log_fatal). Sizes are multiplied with overflow checks.
 * Ownership: the caller owns what these return and frees it with free().
 */
#ifndef ECLUSE_XMALLOC_H
#define ECLUSE_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* Copies len bytes and adds a NUL; buf need not be NUL-terminated. */
char *xstrndup(const char *buf, size_t len);

#endif
