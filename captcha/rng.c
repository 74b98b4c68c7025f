/*
 * rng.c - per-image random numbers for the CAPTCHA distortion. See rng.h.
 *
 * Owns: nothing beyond the caller's struct captcha_rng.
 * Limits: none; the stream refills itself. No bad input.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "captcha/rng.h"

/* The last randombytes_SEEDBYTES of the pool key the next block (fast key erasure). */
static void
refill(struct captcha_rng *rng, const unsigned char *seed)
{
	unsigned char key[randombytes_SEEDBYTES];

	memcpy(key, seed, sizeof(key));
	randombytes_buf_deterministic(rng->pool, sizeof(rng->pool), key);
	sodium_memzero(key, sizeof(key));
	rng->pos = 0;
}

void
captcha_rng_init(struct captcha_rng *rng)
{
	unsigned char seed[randombytes_SEEDBYTES];

	randombytes_buf(seed, sizeof(seed));
	refill(rng, seed);
	sodium_memzero(seed, sizeof(seed));
}

uint32_t
captcha_rng_u32(struct captcha_rng *rng)
{
	uint32_t v;

	if (rng->pos + sizeof(v) > CAPTCHA_RNG_POOL)
		refill(rng, rng->pool + CAPTCHA_RNG_POOL);
	memcpy(&v, rng->pool + rng->pos, sizeof(v));
	rng->pos += sizeof(v);
	return v;
}

float
captcha_rng_range(struct captcha_rng *rng, float lo, float hi)
{
	/* 24 bits: as many as a float mantissa holds. */
	float u = (float)(captcha_rng_u32(rng) >> 8) * (1.0f / 16777216.0f);

	return lo + (hi - lo) * u;
}

void
captcha_rng_wipe(struct captcha_rng *rng)
{
	sodium_memzero(rng, sizeof(*rng));
}
