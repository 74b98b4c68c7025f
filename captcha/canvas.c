/*
 * canvas.c - rasterises anti-aliased thick segments into a coverage canvas.
 * See canvas.h.
 *
 * Owns: nothing beyond the caller's struct captcha_canvas.
 * Limits: the canvas is CAPTCHA_WIDTH x CAPTCHA_HEIGHT; the work per segment is
 * bounded by its clipped bounding box. Bad input (NaN, huge values) draws nothing.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "captcha/canvas.h"

void
captcha_canvas_clear(struct captcha_canvas *cv)
{
	memset(cv->px, 0, sizeof(cv->px));
}

/* floor(v) clamped to [lo, hi], for v already known to be a number. */
static int
clamp_floor(float v, int lo, int hi)
{
	if (v <= (float)lo)
		return lo;
	if (v >= (float)hi)
		return hi;
	return (int)floorf(v);
}

void
captcha_canvas_segment(struct captcha_canvas *cv, float x0, float y0, float x1,
    float y1, float r)
{
	const float reach = r + 0.5f;
	const float full = r > 0.5f ? (r - 0.5f) * (r - 0.5f) : 0.0f;
	float dx = x1 - x0, dy = y1 - y0, len2, inv;
	int xa, xb, ya, yb, x, y;

	if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1) ||
	    !isfinite(r) || r <= 0.0f)
		return;
	xa = clamp_floor(fminf(x0, x1) - reach, 0, CAPTCHA_WIDTH);
	xb = clamp_floor(fmaxf(x0, x1) + reach, -1, CAPTCHA_WIDTH - 1);
	ya = clamp_floor(fminf(y0, y1) - reach, 0, CAPTCHA_HEIGHT);
	yb = clamp_floor(fmaxf(y0, y1) + reach, -1, CAPTCHA_HEIGHT - 1);
	len2 = dx * dx + dy * dy;
	inv = len2 > 1e-6f ? 1.0f / len2 : 0.0f;
	for (y = ya; y <= yb; y++) {
		float py = (float)y + 0.5f - y0;

		for (x = xa; x <= xb; x++) {
			float px = (float)x + 0.5f - x0;
			float t = (px * dx + py * dy) * inv, ex, ey, d2, cov;
			uint8_t v;

			t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
			ex = px - t * dx;
			ey = py - t * dy;
			d2 = ex * ex + ey * ey;
			if (d2 >= reach * reach)
				continue;
			cov = d2 <= full ? 1.0f : reach - sqrtf(d2);
			if (cov > 1.0f)
				cov = 1.0f;
			v = (uint8_t)(cov * 255.0f + 0.5f);
			if (v > cv->px[y][x])
				cv->px[y][x] = v;
		}
	}
}
