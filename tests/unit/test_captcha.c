/*
 * test_captcha.c - the CAPTCHA: answers are drawn from the alphabet with the right
 * length and vary; the comparison ignores case and surrounding whitespace and nothing
 * else; the font parser refuses every malformed record with its line; rendered PNGs
 * decode (read back with libpng) at the announced size, stay under CAPTCHA_PNG_MAX,
 * differ for one answer, and carry ink where the text is.
 *
 * Needs Debian's hershey-fonts-data (scripts/deps installs it) for the real fonts.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <png.h>
#include <sodium.h>

#include "captcha/captcha.h"

static struct captcha_font *font;

static int
setup(void **state)
{
	char reason[CAPTCHA_FONT_REASON_MAX];

	if (sodium_init() < 0)
		return -1;
	if (captcha_font_load(CAPTCHA_FONT_DEFAULT, &font, reason, sizeof(reason)) !=
	    CAPTCHA_FONT_OK) {
		fprintf(stderr, "# %s (install hershey-fonts-data)\n", reason);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	captcha_font_free(font);
	return 0;
}

/* --- answers --- */

#define NANSWERS 2000

static void
test_answer_alphabet_length_variety(void **state)
{
	static char seen[NANSWERS][CAPTCHA_ANSWER_SIZE];
	size_t count[256] = { 0 }, bylen[CAPTCHA_ANSWER_MAX + 1] = { 0 }, distinct = 0;
	const char *a;
	size_t i, j;

	for (i = 0; i < NANSWERS; i++) {
		int n = captcha_new_answer(seen[i], sizeof(seen[i]));

		assert_in_range(n, CAPTCHA_ANSWER_MIN, CAPTCHA_ANSWER_MAX);
		assert_int_equal(strlen(seen[i]), (size_t)n);
		bylen[n]++;
		for (j = 0; j < (size_t)n; j++) {
			assert_non_null(strchr(CAPTCHA_ALPHABET, seen[i][j]));
			count[(unsigned char)seen[i][j]]++;
		}
	}
	/* Both lengths occur, and every symbol (expected ~600 times each) appears. */
	assert_true(bylen[CAPTCHA_ANSWER_MIN] > NANSWERS / 4);
	assert_true(bylen[CAPTCHA_ANSWER_MAX] > NANSWERS / 4);
	for (a = CAPTCHA_ALPHABET; *a != '\0'; a++)
		assert_true(count[(unsigned char)*a] > 300);
	/* Among 2,000 draws from ~1.8e7 answers, a repeat or two is chance; more is not. */
	qsort(seen, NANSWERS, sizeof(seen[0]), (int (*)(const void *, const void *))strcmp);
	for (i = 0; i < NANSWERS; i++)
		distinct += i == 0 || strcmp(seen[i], seen[i - 1]) != 0;
	assert_true(distinct >= NANSWERS - 5);
}

static void
test_answer_alphabet_has_no_lookalikes(void **state)
{
	const char *bad = "0OoDQ1IlL2Z5S8BGUV9P";

	for (; *bad != '\0'; bad++)
		assert_null(strchr(CAPTCHA_ALPHABET, *bad));
}

static void
test_answer_small_buffer(void **state)
{
	char buf[16] = "untouched";

	assert_int_equal(captcha_new_answer(buf, CAPTCHA_ANSWER_SIZE - 1), -1);
	assert_string_equal(buf, "untouched");
	assert_int_equal(captcha_new_answer(NULL, 64), -1);
}

struct eq { const char *expected, *given; int want; };

static void
test_answer_equal(void **state)
{
	static const struct eq cases[] = {
		{ "AC3K7", "AC3K7", 1 },
		{ "AC3K7", "ac3k7", 1 },
		{ "AC3K7", "aC3k7", 1 },
		{ "AC3K7", "  ac3k7\r\n", 1 },
		{ "AC3K7", "\tAC3K7 ", 1 },
		{ "AC3K7", "AC3K", 0 },
		{ "AC3K7", "AC3K77", 0 },
		{ "AC3K7", "AC3K8", 0 },
		{ "AC3K7", "XC3K7", 0 },
		{ "AC3K7", "AC 3K7", 0 },
		{ "AC3K7", "", 0 },
		{ "AC3K7", "   ", 0 },
		{ "AC3K7", "AC3K7\v", 0 },
		{ "", "", 0 },
		{ "", " ", 0 },
		/* Case folding is for letters only: '@' is not '`', nor '[' '{'. */
		{ "A@", "a`", 0 },
		{ "K[", "k{", 0 },
		{ "HX4MN6", "hx4mn6", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = captcha_answer_equal(cases[i].expected, strlen(cases[i].expected),
		    cases[i].given, strlen(cases[i].given));

		if (got != cases[i].want)
			fail_msg("case %zu: \"%s\" vs \"%s\": got %d", i, cases[i].expected,
			    cases[i].given, got);
	}
	/* Lengths are honoured, not NULs: "AC3K7\0junk" given as 5 bytes matches. */
	assert_int_equal(captcha_answer_equal("AC3K7", 5, "AC3K7\0junk", 5), 1);
	assert_int_equal(captcha_answer_equal("AC3K7", 5, "AC3K7\0junk", 10), 0);
}

/* --- font parser --- */

/* A font where every glyph is the same closed box: valid, and not Hershey's. */
static char *
box_font(size_t nglyphs, size_t *len)
{
	static const char rec[] = "  100  5JZJJZJZZJJ\n";
	char *buf = malloc(nglyphs * (sizeof(rec) - 1) + 1);
	size_t i;

	assert_non_null(buf);
	for (i = 0; i < nglyphs; i++)
		memcpy(buf + i * (sizeof(rec) - 1), rec, sizeof(rec) - 1);
	*len = nglyphs * (sizeof(rec) - 1);
	buf[*len] = '\0';
	return buf;
}

struct bad { const char *text; enum captcha_font_err err; const char *reason; };

static void
test_font_errors(void **state)
{
	static const struct bad cases[] = {
		{ "", CAPTCHA_FONT_ERR_SYNTAX, "empty file" },
		{ "\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: record too short" },
		{ "12345  1J\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: record too short" },
		{ "1234a  1JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: glyph number" },
		{ "12 45  1JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: glyph number" },
		{ "       1JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: glyph number" },
		{ "12345   JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: vertex count" },
		{ "12345  0JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: vertex count" },
		{ "12345 -1JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: vertex count" },
		{ "12345  2JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: vertex count does not match" },
		{ "12345  1JZJJ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: vertex count does not match" },
		/* CRLF is not the format: the CR makes the record one byte too long. */
		{ "12345  1JZ\r\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: vertex count does not match" },
		{ "12345  1ZJ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: bad margins" },
		{ "12345  1 Z\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: bad margins" },
		{ "12345  2JZJ\x7f\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: coordinate out of range" },
		{ "12345  2JZ\xc3\xa9\n", CAPTCHA_FONT_ERR_SYNTAX,
		  "line 1: coordinate out of range" },
		{ "12345  2JZ J\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: coordinate out of range" },
		{ "12345  2JZJ \n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: coordinate out of range" },
		{ "12345  3JZ RJJ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: pen-up not between" },
		{ "12345  3JZJJ R\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: pen-up not between" },
		{ "12345  5JZJJ R RKK\n", CAPTCHA_FONT_ERR_SYNTAX, "line 1: pen-up not between" },
		{ "12345  1JZ\n\n12345  1JZ\n", CAPTCHA_FONT_ERR_SYNTAX, "line 2: record too short" },
		{ "12345  1JZ\n12345  4JZJJ RKK\n 2345  1JZ\n  345  2JZ\n", CAPTCHA_FONT_ERR_SYNTAX,
		  "line 4: vertex count does not match" },
		{ "12345  1JZ\n", CAPTCHA_FONT_ERR_MISSING, "no strokes for 'A'" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char reason[CAPTCHA_FONT_REASON_MAX] = "";
		struct captcha_font *f = (struct captcha_font *)&f;
		enum captcha_font_err err = captcha_font_parse(cases[i].text,
		    strlen(cases[i].text), &f, reason, sizeof(reason));

		if (err != cases[i].err || strstr(reason, cases[i].reason) == NULL)
			fail_msg("case %zu: got %s \"%s\", want %s \"%s\"", i,
			    captcha_font_strerror(err), reason,
			    captcha_font_strerror(cases[i].err), cases[i].reason);
		assert_null(f);
	}
}

static void
test_font_limits(void **state)
{
	char reason[CAPTCHA_FONT_REASON_MAX];
	struct captcha_font *f;
	size_t len;
	char *buf;

	/* 96 glyphs are printable ASCII; a 97th record has no character. */
	buf = box_font(97, &len);
	assert_int_equal(captcha_font_parse(buf, len, &f, reason, sizeof(reason)),
	    CAPTCHA_FONT_ERR_TOO_MANY);
	assert_non_null(strstr(reason, "line 97"));
	assert_null(f);
	free(buf);

	/* Glyphs up to '@' only: the digits are there, 'A' is not. */
	buf = box_font('A' - 32, &len);
	assert_int_equal(captcha_font_parse(buf, len, &f, reason, sizeof(reason)),
	    CAPTCHA_FONT_ERR_MISSING);
	assert_non_null(strstr(reason, "'A'"));
	free(buf);

	buf = malloc(CAPTCHA_FONT_MAX_BYTES + 1);
	assert_non_null(buf);
	memset(buf, 'x', CAPTCHA_FONT_MAX_BYTES + 1);
	assert_int_equal(captcha_font_parse(buf, CAPTCHA_FONT_MAX_BYTES + 1, &f, reason,
	    sizeof(reason)), CAPTCHA_FONT_ERR_TOO_BIG);
	assert_null(f);
	free(buf);

	/* A NULL reason is allowed. */
	assert_int_equal(captcha_font_parse("", 0, &f, NULL, 0), CAPTCHA_FONT_ERR_SYNTAX);
}

static void
test_font_valid(void **state)
{
	char reason[CAPTCHA_FONT_REASON_MAX];
	struct captcha_font *f;
	unsigned char *png;
	size_t len, plen;
	char *buf;

	/* No LF after the last record is accepted; parsing stops at len, not at a NUL. */
	buf = box_font(96, &len);
	assert_int_equal(captcha_font_parse(buf, len - 1, &f, reason, sizeof(reason)),
	    CAPTCHA_FONT_OK);
	assert_string_equal(reason, "ok");
	assert_int_equal(captcha_render(f, "ACEFH", 5, &png, &plen), CAPTCHA_RENDER_OK);
	free(png);
	captcha_font_free(f);
	buf[len - 1] = 'X';
	assert_int_equal(captcha_font_parse(buf, len - 1, &f, reason, sizeof(reason)),
	    CAPTCHA_FONT_OK);
	captcha_font_free(f);
	free(buf);
	captcha_font_free(NULL);
}

static void
test_font_load(void **state)
{
	static const char *const debian[] = {
		"futural", "futuram", "rowmans", "rowmand", "timesr", "timesrb",
	};
	char reason[CAPTCHA_FONT_REASON_MAX], path[64], *buf;
	struct captcha_font *f;
	size_t i, len;
	FILE *fp;
	int fd;

	for (i = 0; i < sizeof(debian) / sizeof(debian[0]); i++) {
		snprintf(path, sizeof(path), "/usr/share/hershey-fonts/%s.jhf", debian[i]);
		if (captcha_font_load(path, &f, reason, sizeof(reason)) != CAPTCHA_FONT_OK)
			fail_msg("%s: %s", path, reason);
		captcha_font_free(f);
	}
	/* Japanese has 193 glyphs: not an ASCII font. */
	assert_int_equal(captcha_font_load("/usr/share/hershey-fonts/japanese.jhf", &f,
	    reason, sizeof(reason)), CAPTCHA_FONT_ERR_TOO_MANY);

	assert_int_equal(captcha_font_load("/nonexistent/font.jhf", &f, reason,
	    sizeof(reason)), CAPTCHA_FONT_ERR_IO);
	assert_non_null(strstr(reason, "/nonexistent/font.jhf"));
	assert_null(f);
	assert_int_equal(captcha_font_load("/", &f, reason, sizeof(reason)),
	    CAPTCHA_FONT_ERR_IO);

	snprintf(path, sizeof(path), "/tmp/ecluse-test-font-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	buf = box_font(CAPTCHA_FONT_MAX_BYTES / 19 + 1, &len);
	assert_true(len > CAPTCHA_FONT_MAX_BYTES);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	assert_int_equal(captcha_font_load(path, &f, reason, sizeof(reason)),
	    CAPTCHA_FONT_ERR_TOO_BIG);
	unlink(path);
	free(buf);
}

static void
test_font_strerror(void **state)
{
	enum captcha_font_err e;
	const char *names[CAPTCHA_FONT_ERR_MISSING + 1];

	for (e = CAPTCHA_FONT_OK; e <= CAPTCHA_FONT_ERR_MISSING; e++) {
		size_t j;

		names[e] = captcha_font_strerror(e);
		assert_string_not_equal(names[e], "unknown");
		for (j = 0; j < (size_t)e; j++)
			assert_string_not_equal(names[e], names[j]);
	}
}

/* --- rendering --- */

struct decoded {
	png_uint_32	 width, height;
	unsigned	 depth, color;
	unsigned char	*gray;	/* 8-bit, 0 black .. 255 white */
};

/* Reads a PNG back with libpng, as a browser would; fails the test if it cannot. */
static void
decode(const unsigned char *png, size_t len, struct decoded *d)
{
	png_image im;

	assert_true(len > 33);
	assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
	/* IHDR (PNG 11.2.2): depth and colour type as announced in encode.h. */
	d->depth = png[24];
	d->color = png[25];
	memset(&im, 0, sizeof(im));
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, png, len))
		fail_msg("libpng: %s", im.message);
	im.format = PNG_FORMAT_GRAY;
	d->width = im.width;
	d->height = im.height;
	d->gray = malloc(PNG_IMAGE_SIZE(im));
	assert_non_null(d->gray);
	if (!png_image_finish_read(&im, NULL, d->gray, 0, NULL))
		fail_msg("libpng: %s", im.message);
}

/* Nearly black pixels in the band where the glyphs sit. */
static size_t
text_ink(const struct decoded *d)
{
	size_t x, y, n = 0;

	for (y = 8; y < d->height - 8; y++)
		for (x = 8; x < d->width - 8; x++)
			n += d->gray[y * d->width + x] < 64;
	return n;
}

#define NRENDERS 300
/*
 * Dark pixels that tell drawn text from noise alone, for a 260x96 image: five
 * glyphs make ~1,800 or more, the noise strokes at most ~700 (both measured here).
 */
#define INK_FLOOR 1200

static void
test_render_many(void **state)
{
	size_t i, total = 0, max = 0, min_ink = (size_t)-1, max_ink = 0;

	for (i = 0; i < NRENDERS; i++) {
		char answer[CAPTCHA_ANSWER_SIZE];
		int n = captcha_new_answer(answer, sizeof(answer));
		struct decoded d;
		unsigned char *png;
		size_t len, ink;

		assert_int_equal(captcha_render(font, answer, (size_t)n, &png, &len),
		    CAPTCHA_RENDER_OK);
		assert_true(len <= CAPTCHA_PNG_MAX);
		decode(png, len, &d);
		assert_int_equal(d.width, CAPTCHA_WIDTH);
		assert_int_equal(d.height, CAPTCHA_HEIGHT);
		assert_int_equal(d.depth, 4);
		assert_int_equal(d.color, 0);
		ink = text_ink(&d);
		min_ink = ink < min_ink ? ink : min_ink;
		max_ink = ink > max_ink ? ink : max_ink;
		total += len;
		max = len > max ? len : max;
		free(d.gray);
		free(png);
	}
	printf("# %d PNGs: mean %zu bytes, max %zu; dark pixels %zu..%zu\n", NRENDERS,
	    total / NRENDERS, max, min_ink, max_ink);
	/*
	 * Five glyphs blacken more than INK_FLOOR pixels, which the noise alone never
	 * reaches (test_render_text_drives_ink); and the image is not a black smear:
	 * under a third of the text band is black. (A fifth was too tight: six wide
	 * glyphs such as "MWMWMW" with a thick noise stroke reach it at random.)
	 */
	assert_true(min_ink > INK_FLOOR);
	assert_true(max_ink < (CAPTCHA_WIDTH - 16) * (CAPTCHA_HEIGHT - 16) / 3);
}

static void
test_render_randomised(void **state)
{
	unsigned char *a, *b;
	size_t alen, blen;

	assert_int_equal(captcha_render(font, "HX4MN6", 6, &a, &alen), CAPTCHA_RENDER_OK);
	assert_int_equal(captcha_render(font, "HX4MN6", 6, &b, &blen), CAPTCHA_RENDER_OK);
	assert_true(alen != blen || memcmp(a, b, alen) != 0);
	free(a);
	free(b);
}

/* The ink of one render of answer with font f. */
static size_t
ink_of(const struct captcha_font *f, const char *answer)
{
	struct decoded d;
	unsigned char *png;
	size_t len, ink;

	assert_int_equal(captcha_render(f, answer, strlen(answer), &png, &len),
	    CAPTCHA_RENDER_OK);
	decode(png, len, &d);
	ink = text_ink(&d);
	free(d.gray);
	free(png);
	return ink;
}

static void
test_render_text_drives_ink(void **state)
{
	static const char dot[] = "  100  2JZRR\n";
	char reason[CAPTCHA_FONT_REASON_MAX], buf[96 * (sizeof(dot) - 1)];
	struct captcha_font *dots;
	size_t i, heavy = 0, light = 0, noise_max = 0;

	/* A font whose glyphs are single dots: what is left is the noise. */
	for (i = 0; i < 96; i++)
		memcpy(buf + i * (sizeof(dot) - 1), dot, sizeof(dot) - 1);
	assert_int_equal(captcha_font_parse(buf, sizeof(buf), &dots, reason,
	    sizeof(reason)), CAPTCHA_FONT_OK);
	for (i = 0; i < 40; i++) {
		size_t noise = ink_of(dots, "MWMWMW");

		noise_max = noise > noise_max ? noise : noise_max;
		heavy += ink_of(font, "MWMWMW");
		light += ink_of(font, "77777");
	}
	captcha_font_free(dots);
	printf("# dark pixels over 40 renders: MWMWMW %zu, 77777 %zu, noise at most %zu\n",
	    heavy / 40, light / 40, noise_max);
	/* The ink floor of test_render_many is out of the noise's reach... */
	assert_true(noise_max < INK_FLOOR);
	/* ...and more strokes in the answer make more ink: the text is what is drawn. */
	assert_true(heavy > light * 3 / 2);
}

static void
test_render_bad_answers(void **state)
{
	static const struct { const char *s; size_t len; } bad[] = {
		{ "ACEF", 4 }, { "ACEFHJK", 7 }, { "", 0 }, { "ACEF0", 5 }, { "ACEFO", 5 },
		{ "ACEFP", 5 }, { "ACEF9", 5 }, { "ACE H", 5 }, { "ACEF\xc3", 5 },
		{ "ACEF\0", 5 },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char *png = (unsigned char *)&png;
		size_t len = 1;

		assert_int_equal(captcha_render(font, bad[i].s, bad[i].len, &png, &len),
		    CAPTCHA_RENDER_ERR_ANSWER);
		assert_null(png);
		assert_int_equal(len, 0);
	}
}

static void
test_render_lower_case(void **state)
{
	unsigned char *png;
	size_t len;

	assert_int_equal(captcha_render(font, "ac3k7", 5, &png, &len), CAPTCHA_RENDER_OK);
	free(png);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_alphabet_length_variety),
		cmocka_unit_test(test_answer_alphabet_has_no_lookalikes),
		cmocka_unit_test(test_answer_small_buffer),
		cmocka_unit_test(test_answer_equal),
		cmocka_unit_test(test_font_errors),
		cmocka_unit_test(test_font_limits),
		cmocka_unit_test(test_font_valid),
		cmocka_unit_test(test_font_load),
		cmocka_unit_test(test_font_strerror),
		cmocka_unit_test(test_render_many),
		cmocka_unit_test(test_render_randomised),
		cmocka_unit_test(test_render_text_drives_ink),
		cmocka_unit_test(test_render_bad_answers),
		cmocka_unit_test(test_render_lower_case),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
