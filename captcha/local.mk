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

# Benchmark: PNGs per second and sizes against a blank-image encoding baseline.
noinst_PROGRAMS += bench/bench_captcha
bench_bench_captcha_SOURCES = bench/bench_captcha.c
bench_bench_captcha_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
bench_bench_captcha_LDADD = $(CAPTCHA_LIBS)

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_captcha
TESTS += tests/unit/test_captcha
tests_unit_test_captcha_SOURCES = tests/unit/test_captcha.c
tests_unit_test_captcha_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PNG_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_captcha_LDADD = $(CAPTCHA_LIBS) $(CMOCKA_LIBS)
endif

if ENABLE_FUZZING
noinst_PROGRAMS += fuzz/fuzz_captcha_font
fuzz_fuzz_captcha_font_SOURCES = fuzz/fuzz_captcha_font.c
fuzz_fuzz_captcha_font_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
fuzz_fuzz_captcha_font_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
fuzz_fuzz_captcha_font_LDADD = $(CAPTCHA_LIBS)
endif
