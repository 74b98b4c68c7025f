/*
 * render.c - draws a CAPTCHA answer: lays the glyphs out, distorts them and the noise
 * strokes, and hands the canvas to the PNG writer.
 *
 * Owns: nothing past the call (the canvas is freed, the random state wiped; the PNG
 * goes to the caller).
 * Limits: CAPTCHA_ANSWER_MIN..CAPTCHA_ANSWER_MAX glyphs; CAPTCHA_RENDER_TRIES draws
 * to fit CAPTCHA_PNG_MAX. Bad input: an answer of another length or with a character
 * outside CAPTCHA_ALPHABET gets CAPTCHA_RENDER_ERR_ANSWER.
 *
 * What each step stops:
 * - per-glyph random scale, rotation and height: template matching of whole glyphs;
 * - glyphs spaced to touch their rotated neighbours, a wavy line through the whole
 *   text and arcs across it: no clean column and no connected component per glyph,
 *   so the image does not cut into one glyph per piece (segmentation);
 * - a smooth displacement of every point (text and noise alike): straight-line and
 *   known-shape detection, while a person still reads the letters;
 * - all randomness drawn fresh per image: two images of one answer differ, so
 *   reloading gives no averaging attack a fixed image.
 * The noise strokes are thinner than the text: drawn as thick, they made letters
 * unreadable for people (E from F, H from N) long before they stopped a program.
 * None of this stops a solver trained for this generator; it stops generic
 * OCR and makes each answer cost a run of a purpose-built model.
 * Everything is drawn as vectors and rasterised once, anti-aliased, so the warp costs
 * a few hundred sin() calls rather than a resampling of every pixel.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "captcha/canvas.h"
#include "captcha/captcha.h"
#include "captcha/encode.h"
#include "captcha/font.h"
#include "captcha/rng.h"
#include "common/xmalloc.h"

/* A noisier draw can come out over CAPTCHA_PNG_MAX; redraw, but not forever. */
#define CAPTCHA_RENDER_TRIES	4

/*
 * Lengths in pixels are tuned on an 80-pixel-high image (by looking at samples and
 * timing bench/bench_captcha); PX() scales them to CAPTCHA_HEIGHT.
 */
#define PX(v)		((v) * ((float)CAPTCHA_HEIGHT / 80.0f))
/* Pixels per Hershey unit before the per-glyph scale: capitals ~42 px high. */
#define BASE_SCALE	PX(2.0f)
/* Room kept clear at the left and right edges. */
#define MARGIN_X	PX(12.0f)
/* Room kept clear above and below a glyph: the warp moves points up to ~5.5 px. */
#define EDGE_Y		PX(6.0f)
/* Space between the ink of two upright neighbours; rotation makes them touch. */
#define GAP_MIN		PX(2.0f)
#define GAP_MAX		PX(7.0f)
/* Longest straight piece drawn: the warp bends anything longer. */
#define WARP_STEP	PX(6.0f)
#define PI_F		3.14159265f

/* A smooth displacement: two sine waves per axis with random phase and frequency. */
struct warp {
	float	ax1, fx1, px1, ax2, fx2, gx2, px2;
	float	ay1, fy1, py1, ay2, fy2, gy2, py2;
};

struct pen {
	struct captcha_canvas	*cv;
	const struct warp	*warp;
	float			 r;	/* stroke radius, pixels */
	float			 x, y;	/* last point before the warp */
	float			 wx, wy;	/* and after */
};

/* The angular frequency of a wave whose length (in PX units) is drawn from [lo, hi). */
static float
wavelength(struct captcha_rng *rng, float lo, float hi)
{
	return 2.0f * PI_F / captcha_rng_range(rng, PX(lo), PX(hi));
}

static void
warp_init(struct warp *w, struct captcha_rng *rng)
{
	w->ax1 = captcha_rng_range(rng, PX(1.5f), PX(3.0f));
	w->fx1 = wavelength(rng, 40.0f, 80.0f);
	w->px1 = captcha_rng_range(rng, 0.0f, 2.0f * PI_F);
	w->ax2 = captcha_rng_range(rng, PX(0.5f), PX(1.5f));
	w->fx2 = wavelength(rng, 60.0f, 140.0f);
	w->gx2 = wavelength(rng, 60.0f, 140.0f);
	w->px2 = captcha_rng_range(rng, 0.0f, 2.0f * PI_F);
	w->ay1 = captcha_rng_range(rng, PX(2.0f), PX(4.0f));
	w->fy1 = wavelength(rng, 70.0f, 160.0f);
	w->py1 = captcha_rng_range(rng, 0.0f, 2.0f * PI_F);
	w->ay2 = captcha_rng_range(rng, PX(0.5f), PX(1.5f));
	w->fy2 = wavelength(rng, 30.0f, 60.0f);
	w->gy2 = wavelength(rng, 60.0f, 140.0f);
	w->py2 = captcha_rng_range(rng, 0.0f, 2.0f * PI_F);
}

static void
warp_apply(const struct warp *w, float x, float y, float *ox, float *oy)
{
	*ox = x + w->ax1 * sinf(w->fx1 * y + w->px1) +
	    w->ax2 * sinf(w->fx2 * x + w->gx2 * y + w->px2);
	*oy = y + w->ay1 * sinf(w->fy1 * x + w->py1) +
	    w->ay2 * sinf(w->fy2 * y + w->gy2 * x + w->py2);
}

/* Starts a stroke at (x, y); a stroke of one point is a dot. */
static void
pen_move(struct pen *pen, float x, float y)
{
	pen->x = x;
	pen->y = y;
	warp_apply(pen->warp, x, y, &pen->wx, &pen->wy);
	captcha_canvas_segment(pen->cv, pen->wx, pen->wy, pen->wx, pen->wy, pen->r);
}

/* Draws to (x, y) in pieces short enough for the warp to curve the line. */
static void
pen_line(struct pen *pen, float x, float y)
{
	float dx = x - pen->x, dy = y - pen->y;
	float len = sqrtf(dx * dx + dy * dy);
	int n = 1, i;

	/* Our points stay near the canvas; a longer (or NaN) piece is drawn whole. */
	if (len > WARP_STEP && len < (float)CAPTCHA_WIDTH * 4)
		n = (int)ceilf(len / WARP_STEP);
	for (i = 1; i <= n; i++) {
		float t = (float)i / (float)n, wx, wy;

		warp_apply(pen->warp, pen->x + dx * t, pen->y + dy * t, &wx, &wy);
		captcha_canvas_segment(pen->cv, pen->wx, pen->wy, wx, wy, pen->r);
		pen->wx = wx;
		pen->wy = wy;
	}
	pen->x = x;
	pen->y = y;
}

/* Where and how one glyph is drawn. */
struct place {
	const struct captcha_glyph	*g;
	float				 sx, sy;	/* pixels per unit */
	float				 cos_a, sin_a;
	float				 advance;	/* pixels */
	float				 x, y;		/* centre, pixels */
};

static void
draw_glyph(struct pen *pen, const struct captcha_font *font, const struct place *pl)
{
	const struct captcha_glyph *g = pl->g;
	const float cx = ((float)g->xmin + (float)g->xmax) * 0.5f;
	const float cy = ((float)g->top + (float)g->bottom) * 0.5f;
	size_t i;

	for (i = 0; i < g->npts; i++) {
		const struct captcha_font_pt *pt = &font->pts[g->first + i];
		float u = ((float)pt->x - cx) * pl->sx, v = ((float)pt->y - cy) * pl->sy;
		float x = pl->x + u * pl->cos_a - v * pl->sin_a;
		float y = pl->y + u * pl->sin_a + v * pl->cos_a;

		if (pt->pen_up)
			pen_move(pen, x, y);
		else
			pen_line(pen, x, y);
	}
}

/* Moves a glyph's centre height y so that the whole rotated glyph stays inside. */
static float
keep_inside(const struct place *pl, float y)
{
	const struct captcha_glyph *g = pl->g;
	float hw = ((float)g->xmax - (float)g->xmin) * 0.5f * pl->sx;
	float hh = ((float)g->bottom - (float)g->top) * 0.5f * pl->sy;
	float ext = fabsf(pl->sin_a) * hw + fabsf(pl->cos_a) * hh + EDGE_Y;

	if (y < ext)
		return ext;
	if (y > CAPTCHA_HEIGHT - ext)
		return CAPTCHA_HEIGHT - ext;
	return y;
}

/*
 * Chooses each glyph's scale, angle and height, then spaces them by their ink (not
 * the font's margins, which vary from glyph to glyph) so that neighbours touch or
 * nearly (no clean column between two glyphs), and the line fits the width.
 */
static void
layout(struct place *pl, size_t n, struct captcha_rng *rng)
{
	float total = 0.0f, fit, x, mid;
	size_t i;

	for (i = 0; i < n; i++) {
		float s = BASE_SCALE * captcha_rng_range(rng, 0.85f, 1.1f);
		float a = captcha_rng_range(rng, -0.15f, 0.15f);

		pl[i].sx = s * captcha_rng_range(rng, 0.9f, 1.1f);
		pl[i].sy = s * captcha_rng_range(rng, 0.9f, 1.1f);
		pl[i].cos_a = cosf(a);
		pl[i].sin_a = sinf(a);
		pl[i].advance = ((float)pl[i].g->xmax - (float)pl[i].g->xmin) * pl[i].sx +
		    captcha_rng_range(rng, GAP_MIN, GAP_MAX);
		total += pl[i].advance;
	}
	fit = total > CAPTCHA_WIDTH - 2 * MARGIN_X ?
	    (CAPTCHA_WIDTH - 2 * MARGIN_X) / total : 1.0f;
	x = MARGIN_X + captcha_rng_range(rng, 0.0f,
	    CAPTCHA_WIDTH - 2 * MARGIN_X - total * fit);
	mid = CAPTCHA_HEIGHT * 0.5f + captcha_rng_range(rng, PX(-3.0f), PX(3.0f));
	for (i = 0; i < n; i++) {
		pl[i].sx *= fit;
		pl[i].sy *= fit;
		pl[i].advance *= fit;
		pl[i].x = x + pl[i].advance * 0.5f;
		pl[i].y = keep_inside(&pl[i],
		    mid + captcha_rng_range(rng, PX(-6.0f), PX(6.0f)));
		x += pl[i].advance;
	}
}

/* A wavy line across the whole width through the text band. */
static void
noise_line(struct pen *pen, struct captcha_rng *rng)
{
	const int steps = 24;
	float rise = captcha_rng_range(rng, PX(8.0f), PX(20.0f)) *
	    (captcha_rng_u32(rng) & 1 ? 1.0f : -1.0f);
	float y0 = CAPTCHA_HEIGHT * 0.5f + rise, y1 = CAPTCHA_HEIGHT * 0.5f - rise;
	float amp = captcha_rng_range(rng, PX(3.0f), PX(9.0f));
	float freq = wavelength(rng, 50.0f, 120.0f);
	float phase = captcha_rng_range(rng, 0.0f, 2.0f * PI_F);
	int i;

	for (i = 0; i <= steps; i++) {
		float t = (float)i / (float)steps;
		float x = -4.0f + t * (CAPTCHA_WIDTH + 8.0f);
		float y = y0 + (y1 - y0) * t + amp * sinf(freq * x + phase);

		if (i == 0)
			pen_move(pen, x, y);
		else
			pen_line(pen, x, y);
	}
}

/* A short arc inside the text band: strokes of glyph size that are not glyphs. */
static void
noise_arc(struct pen *pen, struct captcha_rng *rng)
{
	const int steps = 10;
	float cx = captcha_rng_range(rng, MARGIN_X, CAPTCHA_WIDTH - MARGIN_X);
	float cy = captcha_rng_range(rng, PX(15.0f), CAPTCHA_HEIGHT - PX(15.0f));
	float rad = captcha_rng_range(rng, PX(14.0f), PX(30.0f));
	float a0 = captcha_rng_range(rng, 0.0f, 2.0f * PI_F);
	float span = captcha_rng_range(rng, 0.8f, 2.2f);
	int i;

	for (i = 0; i <= steps; i++) {
		float a = a0 + span * (float)i / (float)steps;
		float x = cx + rad * cosf(a), y = cy + rad * sinf(a);

		if (i == 0)
			pen_move(pen, x, y);
		else
			pen_line(pen, x, y);
	}
}

static void
draw(struct captcha_canvas *cv, const struct captcha_font *font, struct place *pl,
    size_t n, struct captcha_rng *rng)
{
	struct warp warp;
	struct pen pen;
	float r;
	int i, narcs;
	size_t k;

	captcha_canvas_clear(cv);
	warp_init(&warp, rng);
	layout(pl, n, rng);
	pen.cv = cv;
	pen.warp = &warp;
	r = captcha_rng_range(rng, PX(1.4f), PX(1.7f));
	for (k = 0; k < n; k++) {
		pen.r = r * captcha_rng_range(rng, 0.9f, 1.1f);
		draw_glyph(&pen, font, &pl[k]);
	}
	pen.r = r * captcha_rng_range(rng, 0.5f, 0.65f);
	noise_line(&pen, rng);
	narcs = 1 + (int)(captcha_rng_u32(rng) % 2);
	for (i = 0; i < narcs; i++) {
		pen.r = r * captcha_rng_range(rng, 0.5f, 0.65f);
		noise_arc(&pen, rng);
	}
}

enum captcha_render_err
captcha_render(const struct captcha_font *font, const char *answer, size_t len,
    unsigned char **png, size_t *png_len)
{
	static const char alphabet[] = CAPTCHA_ALPHABET;
	struct place pl[CAPTCHA_ANSWER_MAX];
	struct captcha_canvas *cv;
	struct captcha_rng rng;
	size_t i;
	int tries;

	*png = NULL;
	*png_len = 0;
	if (len < CAPTCHA_ANSWER_MIN || len > CAPTCHA_ANSWER_MAX)
		return CAPTCHA_RENDER_ERR_ANSWER;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)answer[i];

		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (memchr(alphabet, c, sizeof(alphabet) - 1) == NULL ||
		    (pl[i].g = captcha_font_glyph(font, c)) == NULL) {
			sodium_memzero(pl, sizeof(pl));
			return CAPTCHA_RENDER_ERR_ANSWER;
		}
	}
	cv = xmalloc(sizeof(*cv));
	captcha_rng_init(&rng);
	for (tries = 0; tries < CAPTCHA_RENDER_TRIES; tries++) {
		draw(cv, font, pl, len, &rng);
		captcha_png_encode(cv, png, png_len);
		if (*png_len <= CAPTCHA_PNG_MAX)
			break;
		free(*png);
		*png = NULL;
		*png_len = 0;
	}
	captcha_rng_wipe(&rng);
	sodium_memzero(pl, sizeof(pl));
	free(cv);
	return *png != NULL ? CAPTCHA_RENDER_OK : CAPTCHA_RENDER_ERR_SIZE;
}
