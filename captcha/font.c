/*
 * font.c - loads a Hershey vector font (.jhf, James Hurt's format, as shipped by
 * Debian's hershey-fonts-data) for the CAPTCHA renderer.
 *
 * Owns: the struct captcha_font (glyph table and one array of points).
 * Limits: CAPTCHA_FONT_MAX_BYTES per file, CAPTCHA_FONT_GLYPHS records; coordinates
 * are the printable characters '!'..'~' minus 'R' (-49..44), so every value fits the
 * int8_t it is kept in.
 * Bad input: the first record that breaks the format stops the parse with
 * CAPTCHA_FONT_ERR_SYNTAX and "line N: what"; nothing is half-loaded.
 *
 * The font is read once at start by the daemon (the path is a config value), so this
 * parser sees operator files, not network data; it is strict and fuzzed all the same.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "captcha/captcha.h"
#include "captcha/font.h"
#include "common/xmalloc.h"

/* A record starts with a 5-column glyph number and a 3-column vertex count. */
#define JHF_NUMBER_COLS	5
#define JHF_COUNT_COLS	3
#define JHF_HEADER	(JHF_NUMBER_COLS + JHF_COUNT_COLS)
/* Every coordinate is one character, its value the distance from 'R'. */
#define JHF_ORIGIN	'R'
#define JHF_COORD_MIN	'!'
#define JHF_COORD_MAX	'~'

static void
set_reason(char *reason, size_t reasonsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_reason(char *reason, size_t reasonsz, const char *fmt, ...)
{
	va_list ap;

	if (reason == NULL || reasonsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, reasonsz, fmt, ap);
	va_end(ap);
}

/* A right-aligned decimal field: spaces, then at least one digit, then nothing else. */
static int
field_number(const char *p, size_t cols, unsigned *val)
{
	size_t i = 0;
	unsigned v = 0;

	while (i < cols && p[i] == ' ')
		i++;
	if (i == cols)
		return -1;
	for (; i < cols; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*val = v;
	return 0;
}

static int
is_coord(char c)
{
	return c >= JHF_COORD_MIN && c <= JHF_COORD_MAX;
}

/* Parses one record (without its LF) into glyph g; its points go to font->pts. */
static enum captcha_font_err
parse_record(struct captcha_font *font, size_t *cap, struct captcha_glyph *g,
    const char *p, size_t len, const char **why)
{
	unsigned number, count, k;
	int pen_up = 1, have_ink = 0;

	if (len < JHF_HEADER + 2) {
		*why = "record too short";
		return CAPTCHA_FONT_ERR_SYNTAX;
	}
	if (field_number(p, JHF_NUMBER_COLS, &number) == -1) {
		*why = "glyph number is not a number";
		return CAPTCHA_FONT_ERR_SYNTAX;
	}
	if (field_number(p + JHF_NUMBER_COLS, JHF_COUNT_COLS, &count) == -1 || count == 0) {
		*why = "vertex count is not a positive number";
		return CAPTCHA_FONT_ERR_SYNTAX;
	}
	/* count <= 999, so 2 * count cannot overflow. */
	if (len != JHF_HEADER + 2 * (size_t)count) {
		*why = "vertex count does not match the record length";
		return CAPTCHA_FONT_ERR_SYNTAX;
	}
	p += JHF_HEADER;
	if (!is_coord(p[0]) || !is_coord(p[1]) || p[0] > p[1]) {
		*why = "bad margins";
		return CAPTCHA_FONT_ERR_SYNTAX;
	}
	g->left = (int8_t)(p[0] - JHF_ORIGIN);
	g->right = (int8_t)(p[1] - JHF_ORIGIN);
	g->first = font->npts;
	g->npts = 0;
	g->xmin = g->xmax = g->top = g->bottom = 0;
	for (k = 1; k < count; k++) {
		const char a = p[2 * k], b = p[2 * k + 1];
		struct captcha_font_pt *pt;

		if (a == ' ' && b == JHF_ORIGIN) {
			/* A pen-up joins two strokes: never first, last or doubled. */
			if (pen_up || k == count - 1) {
				*why = "pen-up not between two points";
				return CAPTCHA_FONT_ERR_SYNTAX;
			}
			pen_up = 1;
			continue;
		}
		if (!is_coord(a) || !is_coord(b)) {
			*why = "coordinate out of range";
			return CAPTCHA_FONT_ERR_SYNTAX;
		}
		if (font->npts == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			font->pts = xreallocarray(font->pts, *cap, sizeof(*font->pts));
		}
		pt = &font->pts[font->npts++];
		pt->x = (int8_t)(a - JHF_ORIGIN);
		pt->y = (int8_t)(b - JHF_ORIGIN);
		pt->pen_up = (uint8_t)pen_up;
		pen_up = 0;
		if (!have_ink || pt->x < g->xmin)
			g->xmin = pt->x;
		if (!have_ink || pt->x > g->xmax)
			g->xmax = pt->x;
		if (!have_ink || pt->y < g->top)
			g->top = pt->y;
		if (!have_ink || pt->y > g->bottom)
			g->bottom = pt->y;
		have_ink = 1;
		g->npts++;
	}
	return CAPTCHA_FONT_OK;
}

enum captcha_font_err
captcha_font_parse(const char *buf, size_t len, struct captcha_font **out,
    char *reason, size_t reasonsz)
{
	struct captcha_font *font;
	enum captcha_font_err err = CAPTCHA_FONT_OK;
	const char *why = NULL;
	size_t pos = 0, line = 0, cap = 0;
	const char *c;

	*out = NULL;
	set_reason(reason, reasonsz, "ok");
	if (len > CAPTCHA_FONT_MAX_BYTES) {
		set_reason(reason, reasonsz, "over %d bytes", CAPTCHA_FONT_MAX_BYTES);
		return CAPTCHA_FONT_ERR_TOO_BIG;
	}
	if (len == 0) {
		set_reason(reason, reasonsz, "empty file");
		return CAPTCHA_FONT_ERR_SYNTAX;
	}
	font = xcalloc(1, sizeof(*font));
	while (pos < len) {
		const char *eol = memchr(buf + pos, '\n', len - pos);
		size_t rlen = eol != NULL ? (size_t)(eol - (buf + pos)) : len - pos;

		line++;
		if (font->nglyphs == CAPTCHA_FONT_GLYPHS) {
			set_reason(reason, reasonsz, "line %zu: more than %d glyphs", line,
			    CAPTCHA_FONT_GLYPHS);
			err = CAPTCHA_FONT_ERR_TOO_MANY;
			goto fail;
		}
		err = parse_record(font, &cap, &font->glyph[font->nglyphs], buf + pos, rlen,
		    &why);
		if (err != CAPTCHA_FONT_OK) {
			set_reason(reason, reasonsz, "line %zu: %s", line, why);
			goto fail;
		}
		font->nglyphs++;
		pos += rlen + (eol != NULL);
	}
	for (c = CAPTCHA_ALPHABET; *c != '\0'; c++) {
		if (captcha_font_glyph(font, (unsigned char)*c) == NULL) {
			set_reason(reason, reasonsz, "no strokes for '%c' (line %d)", *c,
			    *c - CAPTCHA_FONT_FIRST + 1);
			err = CAPTCHA_FONT_ERR_MISSING;
			goto fail;
		}
	}
	*out = font;
	return CAPTCHA_FONT_OK;
fail:
	captcha_font_free(font);
	return err;
}

enum captcha_font_err
captcha_font_load(const char *path, struct captcha_font **out, char *reason,
    size_t reasonsz)
{
	/* One byte more than the limit tells an oversized file from a full one. */
	char *buf = xmalloc(CAPTCHA_FONT_MAX_BYTES + 1);
	size_t len = 0;
	enum captcha_font_err err;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		set_reason(reason, reasonsz, "%s: %s", path, strerror(errno));
		free(buf);
		return CAPTCHA_FONT_ERR_IO;
	}
	while (len < CAPTCHA_FONT_MAX_BYTES + 1) {
		ssize_t n = read(fd, buf + len, CAPTCHA_FONT_MAX_BYTES + 1 - len);

		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			set_reason(reason, reasonsz, "%s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return CAPTCHA_FONT_ERR_IO;
		}
		len += (size_t)n;
	}
	close(fd);
	err = captcha_font_parse(buf, len, out, reason, reasonsz);
	free(buf);
	return err;
}

const char *
captcha_font_strerror(enum captcha_font_err err)
{
	switch (err) {
	case CAPTCHA_FONT_OK:
		return "ok";
	case CAPTCHA_FONT_ERR_IO:
		return "io";
	case CAPTCHA_FONT_ERR_TOO_BIG:
		return "too-big";
	case CAPTCHA_FONT_ERR_SYNTAX:
		return "syntax";
	case CAPTCHA_FONT_ERR_TOO_MANY:
		return "too-many-glyphs";
	case CAPTCHA_FONT_ERR_MISSING:
		return "missing-glyph";
	}
	return "unknown";
}

void
captcha_font_free(struct captcha_font *font)
{
	if (font == NULL)
		return;
	free(font->pts);
	free(font);
}

const struct captcha_glyph *
captcha_font_glyph(const struct captcha_font *font, unsigned char c)
{
	const struct captcha_glyph *g;

	if (c < CAPTCHA_FONT_FIRST || (size_t)(c - CAPTCHA_FONT_FIRST) >= font->nglyphs)
		return NULL;
	g = &font->glyph[c - CAPTCHA_FONT_FIRST];
	return g->npts > 0 ? g : NULL;
}
