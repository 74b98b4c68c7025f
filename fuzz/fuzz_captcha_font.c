/*
 * fuzz_captcha_font.c - the Hershey .jhf font parser (captcha/font.c), and the
 * renderer on whatever glyph geometry the parser lets through.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "captcha/captcha.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (sodium_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[CAPTCHA_FONT_REASON_MAX];
	struct captcha_font *font;
	unsigned char *png;
	size_t len;

	if (captcha_font_parse((const char *)data, size, &font, reason, sizeof(reason)) !=
	    CAPTCHA_FONT_OK) {
		if (font != NULL)
			abort();
		return 0;
	}
	/* Every symbol has a glyph once parsed: rendering must succeed or be too big. */
	switch (captcha_render(font, "ACEFHJ", 6, &png, &len)) {
	case CAPTCHA_RENDER_OK:
		if (len > CAPTCHA_PNG_MAX)
			abort();
		free(png);
		break;
	case CAPTCHA_RENDER_ERR_SIZE:
		break;
	case CAPTCHA_RENDER_ERR_ANSWER:
		abort();
	}
	captcha_font_free(font);
	return 0;
}
