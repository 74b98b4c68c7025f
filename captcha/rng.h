/*
 * rng.h - inside captcha/ only: the random numbers that distort one image.
 *
 * A ChaCha20 stream (libsodium's randombytes_buf_deterministic) keyed from
 * randombytes_buf once per image: one system call per image instead of one per
 * number, and still unpredictable, so a solver cannot replay the distortion.
 * The key is re-derived from the stream at each refill and wiped by captcha_rng_wipe.
 */
#ifndef ECLUSE_CAPTCHA_RNG_H
#define ECLUSE_CAPTCHA_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/* Enough for one image's draws in a single refill. */
#define CAPTCHA_RNG_POOL	512

struct captcha_rng {
	unsigned char	pool[CAPTCHA_RNG_POOL + randombytes_SEEDBYTES];
	size_t		pos;
};

void captcha_rng_init(struct captcha_rng *rng);
uint32_t captcha_rng_u32(struct captcha_rng *rng);
/* Uniform in [lo, hi). */
float captcha_rng_range(struct captcha_rng *rng, float lo, float hi);
void captcha_rng_wipe(struct captcha_rng *rng);

#endif
