/*
 * dkim_text.h - the small text rules shared by the DKIM signature and key parsers
 * (RFC 6376 2.x, 3.2): folding whitespace, colon-separated lists, base64 with
 * whitespace inside. All take (buf, len); none allocates.
 */
#ifndef ECLUSE_DKIM_TEXT_H
#define ECLUSE_DKIM_TEXT_H

#include <stddef.h>

/* SP, HTAB, CR, LF: what folding whitespace is made of. */
int dkim_is_space(char c);

/* p[0..n) equals the lower-case literal lit, ASCII case-insensitively. */
int dkim_eq_nocase(const char *p, size_t n, const char *lit);

/* Whether the colon-separated list p[0..n) has an element equal to want (case-
 * insensitive, whitespace around elements ignored). */
int dkim_list_has(const char *p, size_t n, const char *want);

/* Largest decoded size dkim_base64() handles: a key record's p= (DKIM_KEY_P_MAX). */
#define DKIM_BASE64_MAX 2048

/* Decodes base64 with folding whitespace anywhere (b=, bh=, p=); padding is
 * required. 0 on success, -1 on bad input or when it does not fit in max (which
 * must not exceed DKIM_BASE64_MAX). */
int dkim_base64(const char *p, size_t n, unsigned char *out, size_t max, size_t *outlen);

#endif
