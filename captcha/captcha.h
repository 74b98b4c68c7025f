/*
 * captcha.h - the CAPTCHA a sender solves to release a held message: the answer,
 * its rendering as a PNG, and the comparison of what the sender typed.
 *
 * The answer never leaves the server. The caller keeps it in its store, next to the
 * release token, and sends only the PNG bytes (never the answer in a URL, a cookie, a
 * page or a file name). Nothing here writes files or logs the answer.
 *
 * Use:
 *   1. at start, before dropping privileges: captcha_font_load(path) (config key
 *      [web] captcha_font, default CAPTCHA_FONT_DEFAULT); sodium_init() must have run;
 *   2. per image: captcha_new_answer(), store it, captcha_render() the PNG. Every
 *      image served gets a new answer, reloads included: several distortions of one
 *      answer would let a solver vote among its readings;
 *   3. on submission: captcha_answer_equal(stored, typed), then wipe or replace the
 *      stored answer: one answer, one try.
 *
 * Accessibility: a person who cannot read the image (blind, or with a visual or
 * cognitive disability it defeats) is not served by any variant of it, and a text
 * or audio question a screen reader can read is one a program reads too: offered
 * as a way around the image, it would become the way in for every bot. So the
 * release page offers, next to the image, "ask the recipient to release it": one
 * click, no challenge, which releases nothing by itself; it marks the held message
 * for the recipient, who releases it with the rights they already have. That path
 * lives in release-web/ and store/; nothing of it is generated here.
 *
 * Randomness is libsodium's (randombytes_uniform for the answer; a per-image ChaCha20
 * stream seeded from randombytes_buf for the distortion). Every function here is safe
 * to call from several threads at once with the same font (the font is read-only).
 */
#ifndef ECLUSE_CAPTCHA_H
#define ECLUSE_CAPTCHA_H

#include <stddef.h>

/*
 * Upper-case letters and digits a reader cannot confuse with another character of the
 * set or with one outside it: none of 0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, G, U/V; no 9
 * either (the Hershey 9 reads as a g) nor P (a noise stroke under its bowl makes an R).
 * 18 symbols: 5 characters give 1.9e6 answers, 6 give 3.4e7; one try per image
 * (the caller replaces the answer after each submission) keeps guessing useless.
 */
#define CAPTCHA_ALPHABET	"ACEFHJKMNRTWXY3467"
#define CAPTCHA_ANSWER_MIN	5
#define CAPTCHA_ANSWER_MAX	6
/* Buffer size for captcha_new_answer(): the longest answer and its NUL. */
#define CAPTCHA_ANSWER_SIZE	(CAPTCHA_ANSWER_MAX + 1)

/* Image size in pixels: fixed, so the page can reserve the space (width, height). */
#define CAPTCHA_WIDTH		260
#define CAPTCHA_HEIGHT		96
/* captcha_render() never returns a larger PNG (bytes): a page stays light. */
#define CAPTCHA_PNG_MAX		8192

/* Debian's hershey-fonts-data; a single-stroke sans serif reads best once warped. */
#define CAPTCHA_FONT_DEFAULT	"/usr/share/hershey-fonts/futural.jhf"

/*
 * The largest .jhf file Debian ships is 15.6 KB; four times that leaves room for a
 * richer font and still refuses a wrong path (a log, a device) before reading it all.
 */
#define CAPTCHA_FONT_MAX_BYTES	(64 * 1024)

/* A Hershey vector font in James Hurt's .jhf format, read-only once loaded. */
struct captcha_font;

enum captcha_font_err {
	CAPTCHA_FONT_OK = 0,
	CAPTCHA_FONT_ERR_IO,		/* cannot open or read the file */
	CAPTCHA_FONT_ERR_TOO_BIG,	/* over CAPTCHA_FONT_MAX_BYTES */
	CAPTCHA_FONT_ERR_SYNTAX,	/* a record that is not .jhf */
	CAPTCHA_FONT_ERR_TOO_MANY,	/* more glyphs than printable ASCII */
	CAPTCHA_FONT_ERR_MISSING,	/* no strokes for a character of CAPTCHA_ALPHABET */
};

/* Room for any reason the font functions write (they truncate to reasonsz anyway). */
#define CAPTCHA_FONT_REASON_MAX	128

/*
 * Reads and parses the font file at path (see captcha_font_parse). On success *out
 * gets a font the caller frees with captcha_font_free(); on error *out is NULL and
 * reason (if not NULL) gets a short text naming the line, for the start-up log.
 */
enum captcha_font_err captcha_font_load(const char *path, struct captcha_font **out,
    char *reason, size_t reasonsz);

/*
 * Parses a .jhf font from (buf, len); buf need not be NUL-terminated. Strict: one
 * record per LF-terminated line, "NNNNNCCC" (glyph number and vertex count, right-
 * aligned in 5 and 3 columns) then exactly CCC coordinate pairs, the first being the
 * left and right margins, " R" lifting the pen between two points; the i-th record is
 * the glyph of ASCII 32+i. Anything else is an error with the line number in reason.
 */
enum captcha_font_err captcha_font_parse(const char *buf, size_t len,
    struct captcha_font **out, char *reason, size_t reasonsz);

/* A fixed name for an error ("syntax", "too-big"...), for log fields. */
const char *captcha_font_strerror(enum captcha_font_err err);

/* Frees a font; NULL is a no-op. */
void captcha_font_free(struct captcha_font *font);

/*
 * Writes a new random answer of CAPTCHA_ANSWER_MIN..CAPTCHA_ANSWER_MAX characters of
 * CAPTCHA_ALPHABET and a NUL into out. Returns its length, or -1 (out untouched) if
 * outsz < CAPTCHA_ANSWER_SIZE. The caller wipes it (sodium_memzero) when done.
 */
int captcha_new_answer(char *out, size_t outsz);

/*
 * Whether what the sender typed (given, glen bytes, need not be NUL-terminated) is the
 * expected answer: ASCII case is ignored, and so is whitespace (space, tab, CR, LF)
 * around given. The time taken depends on elen and glen only, never on where the
 * two differ. Returns 1 if equal, 0 if not; an empty expected answer never matches.
 */
int captcha_answer_equal(const char *expected, size_t elen, const char *given,
    size_t glen);

enum captcha_render_err {
	CAPTCHA_RENDER_OK = 0,
	CAPTCHA_RENDER_ERR_ANSWER,	/* length out of range or a character not drawable */
	CAPTCHA_RENDER_ERR_SIZE,	/* every attempt came out over CAPTCHA_PNG_MAX */
};

/*
 * Draws answer (len bytes of CAPTCHA_ALPHABET, any case) as a CAPTCHA_WIDTH x
 * CAPTCHA_HEIGHT grayscale PNG, freshly randomised on every call: each glyph rotated
 * and scaled, the whole warped by a smooth displacement, crossed by noise strokes.
 * On success *png gets a buffer of *png_len bytes (at most CAPTCHA_PNG_MAX) that the
 * caller frees with free(); on error *png is NULL and *png_len is 0.
 */
enum captcha_render_err captcha_render(const struct captcha_font *font,
    const char *answer, size_t len, unsigned char **png, size_t *png_len);

#endif
