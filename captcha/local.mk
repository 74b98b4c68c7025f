# captcha/: CAPTCHA answers and their PNG rendering (libpng, Hershey vector font).
noinst_LIBRARIES += captcha/libcaptcha.a
captcha_libcaptcha_a_SOURCES = \
	captcha/captcha.h \
	captcha/answer.c \
	captcha/font.c captcha/font.h \
	captcha/rng.c captcha/rng.h \
	captcha/canvas.c captcha/canvas.h \
	captcha/encode.c captcha/encode.h \
	captcha/render.c
captcha_libcaptcha_a_CFLAGS = $(AM_CFLAGS) $(PNG_CFLAGS) $(SODIUM_CFLAGS)
CAPTCHA_LIBS = captcha/libcaptcha.a common/libcommon.a $(PNG_LIBS) $(SODIUM_LIBS) -lm
