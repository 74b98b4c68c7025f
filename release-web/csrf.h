/*
 * csrf.h - the hidden field that ties a release form to the page that showed it:
 * a MAC, under a key of this process, over the release token and the page's nonce
 * (the nonce also names the CAPTCHA image of that page, and the challenge cookie the
 * image sets carries it back: see release.h).
 *
 * Why a MAC field and not only the cookie: the challenge cookie is ambient (a browser
 * sends it with any request to the path), so a form posted from another site must be
 * told apart; SameSite=Strict on the cookie already keeps it off cross-site posts, the
 * field does not depend on the browser honouring that, and it needs no server state.
 * The field is checked in constant time; with it, the Origin header, when the browser
 * sends a real one, must be base_url's.
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
    const char *nonce, size_t nlen, char out[CSRF_LEN + 1]);
/* 0 if given (glen bytes) is the field for (token, nonce), else -1. */
int csrf_check(const struct csrf *c, const char *token, size_t tlen,
    const char *nonce, size_t nlen, const char *given, size_t glen);

#endif
