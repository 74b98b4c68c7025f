/*
 * bench_captcha.c - how many CAPTCHA PNGs one core renders per second, and how big
 * they are, against a baseline measured in the same run: libpng writing a blank image
 * of the same size with the same settings (what the drawing adds to the encoding).
 *
 *   bench_captcha [-n COUNT] [-f FONT] [-w DIR]
 *
 * -n: images per measurement (default 5000); -f: the .jhf font (default
 * CAPTCHA_FONT_DEFAULT); -w: also write four samples DIR/captcha-sample-N.png.
 * Time is CPU time of this process (one thread), so other load on the machine
 * does not count against it. Exit 1 if a target is missed (2,000 PNGs/s, every PNG
 * at most CAPTCHA_PNG_MAX bytes).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "captcha/canvas.h"
#include "captcha/captcha.h"
#include "captcha/encode.h"

#define TARGET_PER_SEC	2000.0
#define SAMPLES		4

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
write_samples(const struct captcha_font *font, const char *dir)
{
	int i;

	for (i = 1; i <= SAMPLES; i++) {
		char answer[CAPTCHA_ANSWER_SIZE], path[4096];
		unsigned char *png;
		size_t len;
		int n = captcha_new_answer(answer, sizeof(answer));
		FILE *fp;

		if (n < 0 || captcha_render(font, answer, (size_t)n, &png, &len) !=
		    CAPTCHA_RENDER_OK)
			return -1;
		if (snprintf(path, sizeof(path), "%s/captcha-sample-%d.png", dir, i) >=
		    (int)sizeof(path) || (fp = fopen(path, "wb")) == NULL) {
			free(png);
			return -1;
		}
		if (fwrite(png, 1, len, fp) != len) {
			fclose(fp);
			free(png);
			return -1;
		}
		fclose(fp);
		printf("sample %s (%zu bytes) answer %s\n", path, len, answer);
		free(png);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *fontpath = CAPTCHA_FONT_DEFAULT, *dir = NULL;
	char reason[CAPTCHA_FONT_REASON_MAX];
	struct captcha_font *font;
	struct captcha_canvas *blank;
	size_t count = 5000, i, total = 0, max = 0, over = 0;
	double t0, t_render, t_base, rate, base_rate;
	int ch;

	while ((ch = getopt(argc, argv, "n:f:w:")) != -1) {
		switch (ch) {
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			fontpath = optarg;
			break;
		case 'w':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_captcha [-n COUNT] [-f FONT] [-w DIR]\n");
			return 2;
		}
	}
	if (count == 0 || sodium_init() < 0)
		return 2;
	if (captcha_font_load(fontpath, &font, reason, sizeof(reason)) != CAPTCHA_FONT_OK) {
		fprintf(stderr, "bench_captcha: %s\n", reason);
		return 2;
	}
	if (dir != NULL && write_samples(font, dir) == -1) {
		fprintf(stderr, "bench_captcha: cannot write samples to %s\n", dir);
		return 2;
	}

	t0 = cpu_now();
	for (i = 0; i < count; i++) {
		char answer[CAPTCHA_ANSWER_SIZE];
		unsigned char *png;
		size_t len;
		int n = captcha_new_answer(answer, sizeof(answer));

		if (n < 0 || captcha_render(font, answer, (size_t)n, &png, &len) !=
		    CAPTCHA_RENDER_OK) {
			over++;
			continue;
		}
		total += len;
		if (len > max)
			max = len;
		free(png);
	}
	t_render = cpu_now() - t0;

	blank = malloc(sizeof(*blank));
	if (blank == NULL)
		return 2;
	captcha_canvas_clear(blank);
	t0 = cpu_now();
	for (i = 0; i < count; i++) {
		unsigned char *png;
		size_t len;

		captcha_png_encode(blank, &png, &len);
		free(png);
	}
	t_base = cpu_now() - t0;
	free(blank);
	captcha_font_free(font);

	rate = (double)count / t_render;
	base_rate = (double)count / t_base;
	printf("captcha: %zu images %dx%d, %.0f PNG/s on one core (%.1f us each), "
	    "size mean %.0f max %zu bytes, %zu failed\n", count, CAPTCHA_WIDTH,
	    CAPTCHA_HEIGHT, rate, 1e6 / rate, count > over ?
	    (double)total / (double)(count - over) : 0.0, max, over);
	printf("baseline (blank image, same encoder): %.0f PNG/s (%.1f us each)\n",
	    base_rate, 1e6 / base_rate);
	printf("ratio captcha/baseline time: %.2f; target %.0f PNG/s %s, max size %s\n",
	    t_render / t_base, TARGET_PER_SEC, rate >= TARGET_PER_SEC ? "met" : "MISSED",
	    over == 0 && max <= CAPTCHA_PNG_MAX ? "met" : "MISSED");
	return rate >= TARGET_PER_SEC && over == 0 && max <= CAPTCHA_PNG_MAX ? 0 : 1;
}
