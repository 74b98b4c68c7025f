/*
 * csrf.h - the hidden field that ties a release form to the page that showed it:
 * a MAC, under a key of this process, over the release token and the challenge id.
 *
 * Why this and not a cookie: ecluse-web sets no cookie and has no session, so a
 * cross-site request carries no ambient authority; what an attacker must not do is
 * submit an answer for a challenge (or a token) other than the page's. The field is
 * checked in constant time; with it the Origin header, when the browser sends a real
 * one, must be base_url's.
 * The key is random per process (libsodium, locked memory): a form shown before a
 * restart is refused, and the sender gets a fresh image.
 * Ownership: csrf_new allocates, csrf_free wipes and releases (NULL is a no-op).
 */
#ifndef ECLUSE_CSRF_H
#define ECLUSE_CSRF_H

#include <stddef.h>

/* base64url without padding of a 32-byte MAC */
#define CSRF_LEN	43

struct csrf;

/* NULL if libsodium cannot allocate locked memory. */
struct csrf *csrf_new(void);
void csrf_free(struct csrf *c);
void csrf_make(const struct csrf *c, const char *token, size_t tlen,
    const char *challenge, size_t clen, char out[CSRF_LEN + 1]);
/* 0 if given (glen bytes) is the field for (token, challenge), else -1. */
int csrf_check(const struct csrf *c, const char *token, size_t tlen,
    const char *challenge, size_t clen, const char *given, size_t glen);

#endif
