/*
 * encode.h - inside captcha/ only: writes a coverage canvas as a PNG with libpng.
 *
 * Grayscale at CAPTCHA_PNG_BITS per pixel (ink black on white), no ancillary chunks,
 * zlib tuned for small line drawings. Cannot fail: memory comes from xmalloc, and a
 * libpng error on these fixed, valid parameters is a broken invariant (log_fatal).
 */
#ifndef ECLUSE_CAPTCHA_ENCODE_H
#define ECLUSE_CAPTCHA_ENCODE_H

#include <stddef.h>

#include "captcha/canvas.h"

/* 16 gray levels: enough for anti-aliased edges at half the size of 8 bits. */
#define CAPTCHA_PNG_BITS	4

/* *png gets a buffer of *png_len bytes that the caller frees with free(). */
void captcha_png_encode(const struct captcha_canvas *cv, unsigned char **png,
    size_t *png_len);

#endif
