/*
 * canvas.h - inside captcha/ only: the ink coverage of one image, and the one drawing
 * operation the renderer needs: an anti-aliased thick line segment with round ends.
 *
 * A pixel holds coverage 0 (paper) to 255 (ink). Segments combine by maximum, so the
 * joints of a polyline and crossing strokes do not darken: an attacker cannot find
 * stroke ends or crossings from the gray levels.
 */
#ifndef ECLUSE_CAPTCHA_CANVAS_H
#define ECLUSE_CAPTCHA_CANVAS_H

#include <stdint.h>

#include "captcha/captcha.h"

struct captcha_canvas {
	uint8_t	px[CAPTCHA_HEIGHT][CAPTCHA_WIDTH];
};

void captcha_canvas_clear(struct captcha_canvas *cv);

/*
 * Inks the points within radius r of the segment (x0,y0)-(x1,y1), in pixel units
 * (pixel (i,j) covers [i,i+1) x [j,j+1)), with a one-pixel soft edge. Any coordinates
 * are safe: what falls outside the canvas, or is not a finite number, is ignored.
 */
void captcha_canvas_segment(struct captcha_canvas *cv, float x0, float y0, float x1,
    float y1, float r);

#endif
