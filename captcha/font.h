/*
 * font.h - inside captcha/ only: the layout of a loaded Hershey font, for the renderer.
 * The public side (load, parse, free) is in captcha.h; font.c owns both.
 *
 * Coordinates are Hershey units: x grows to the right from the glyph's centre, y grows
 * downwards; a capital spans about y = -12 (top) to 9 (baseline).
 */
#ifndef ECLUSE_CAPTCHA_FONT_H
#define ECLUSE_CAPTCHA_FONT_H

#include <stddef.h>
#include <stdint.h>

#include "captcha/captcha.h"

/* One glyph per printable ASCII character, space (32) to DEL (127), in file order. */
#define CAPTCHA_FONT_FIRST	32
#define CAPTCHA_FONT_GLYPHS	96

struct captcha_font_pt {
	int8_t	x, y;
	uint8_t	pen_up;		/* 1: a new stroke starts at this point */
};

struct captcha_glyph {
	int8_t	left, right;	/* margins: the advance is right - left */
	int8_t	xmin, xmax;	/* ink extent (all 0 for a glyph without points) */
	int8_t	top, bottom;
	size_t	first, npts;	/* range in captcha_font.pts */
};

struct captcha_font {
	struct captcha_glyph	 glyph[CAPTCHA_FONT_GLYPHS];
	size_t			 nglyphs;
	struct captcha_font_pt	*pts;
	size_t			 npts;
};

/* The glyph of character c, or NULL if the font has none or it has no strokes. */
const struct captcha_glyph *captcha_font_glyph(const struct captcha_font *font,
    unsigned char c);

#endif
