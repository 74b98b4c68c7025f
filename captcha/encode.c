/*
 * encode.c - the PNG writer of the CAPTCHA (libpng). See encode.h.
 *
 * Owns: the output buffer until it is handed to the caller.
 * Limits: the image is CAPTCHA_WIDTH x CAPTCHA_HEIGHT; the buffer grows to what
 * libpng writes (the renderer checks it against CAPTCHA_PNG_MAX). No bad input: the
 * canvas is ours.
 *
 * libpng reports errors by longjmp unless its error function does not return; ours
 * logs and exits, so no setjmp is needed anywhere.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "captcha/encode.h"
#include "common/log.h"
#include "common/xmalloc.h"

/* Pixels per byte and the largest gray value at CAPTCHA_PNG_BITS. */
#define PIX_PER_BYTE	(8 / CAPTCHA_PNG_BITS)
#define GRAY_MAX	((1u << CAPTCHA_PNG_BITS) - 1)
#define ROW_BYTES	((CAPTCHA_WIDTH + PIX_PER_BYTE - 1) / PIX_PER_BYTE)

/*
 * zlib settings, measured on this renderer's images (bench/bench_captcha): white
 * paper and strokes are runs of equal bytes, so Z_RLE compresses as well as the
 * default strategy at a tenth of its time (the default's match search at level 9 is
 * what made it slow); a PNG row filter only makes the runs shorter (at 220x80, no
 * filter gave 2.1 KB a PNG, "up" 2.4 KB, "sub" 2.8 KB); memory level 7 keeps zlib's
 * tables under glibc's mmap threshold, so they are not mapped and faulted in anew
 * for each image (level 8 took 4 times as long on a blank image).
 */
#define ZLIB_LEVEL	9
#define ZLIB_STRATEGY	Z_RLE
#define ZLIB_MEMLEVEL	7

struct out {
	unsigned char	*buf;
	size_t		 len, cap;
};

static void
write_fn(png_structp png, png_bytep data, size_t n)
{
	struct out *o = png_get_io_ptr(png);

	if (n > o->cap - o->len) {
		size_t need = o->len + n;

		if (need < o->len)
			log_fatal("event=captcha_png_overflow");
		o->cap = need > 2 * o->cap ? need : 2 * o->cap;
		o->buf = xreallocarray(o->buf, o->cap, 1);
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
}

static void
flush_fn(png_structp png)
{
}

static void __attribute__((noreturn))
error_fn(png_structp png, png_const_charp msg)
{
	log_fatal("event=captcha_png_error reason=\"%s\"", msg);
}

static void
warning_fn(png_structp png, png_const_charp msg)
{
	log_warn("event=captcha_png_warning reason=\"%s\"", msg);
}

static png_voidp
malloc_fn(png_structp png, png_alloc_size_t size)
{
	return xmalloc(size);
}

static void
free_fn(png_structp png, png_voidp ptr)
{
	free(ptr);
}

/* Coverage 0..255 to gray GRAY_MAX..0, rounded, packed high pixel first (PNG 7.2). */
static void
pack_row(const uint8_t *cov, unsigned char *row)
{
	size_t x = 0, i, k;

	for (i = 0; i < ROW_BYTES; i++) {
		unsigned v = 0;

		for (k = 0; k < PIX_PER_BYTE; k++, x++) {
			unsigned c = x < CAPTCHA_WIDTH ? cov[x] : 0;

			v = v << CAPTCHA_PNG_BITS | (GRAY_MAX - (c * GRAY_MAX + 127) / 255);
		}
		row[i] = (unsigned char)v;
	}
}

void
captcha_png_encode(const struct captcha_canvas *cv, unsigned char **png,
    size_t *png_len)
{
	struct out o = { NULL, 0, 0 };
	unsigned char row[ROW_BYTES];
	png_structp p;
	png_infop info;
	size_t y;

	p = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, NULL, error_fn, warning_fn,
	    NULL, malloc_fn, free_fn);
	if (p == NULL)
		log_fatal("event=captcha_png_error reason=\"cannot create writer\"");
	info = png_create_info_struct(p);
	if (info == NULL)
		log_fatal("event=captcha_png_error reason=\"cannot create info\"");
	o.cap = 4096;
	o.buf = xmalloc(o.cap);
	png_set_write_fn(p, &o, write_fn, flush_fn);
	png_set_IHDR(p, info, CAPTCHA_WIDTH, CAPTCHA_HEIGHT, CAPTCHA_PNG_BITS,
	    PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(p, ZLIB_LEVEL);
	png_set_compression_strategy(p, ZLIB_STRATEGY);
	png_set_compression_mem_level(p, ZLIB_MEMLEVEL);
	png_set_filter(p, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_write_info(p, info);
	for (y = 0; y < CAPTCHA_HEIGHT; y++) {
		pack_row(cv->px[y], row);
		png_write_row(p, row);
	}
	png_write_end(p, NULL);
	png_destroy_write_struct(&p, &info);
	*png = o.buf;
	*png_len = o.len;
}
