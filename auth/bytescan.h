/*
 * bytescan.h - byte-class tests on eight bytes at a time (SWAR), for the scanners
 * that walk long runs of ordinary text: the relaxed body canonicalizer and the
 * tag-list parser (b= and p= values are hundreds of base64 characters).
 *
 * Each test sets 0x80 in every byte of the result whose byte in v has the
 * property, and is exact: no carry crosses from one byte into the next, so a
 * flag is never set for a byte that lacks the property, nor missed.
 * Load words with memcpy (any alignment, no aliasing issue).
 */
#ifndef ECLUSE_BYTESCAN_H
#define ECLUSE_BYTESCAN_H

#include <stddef.h>
#include <stdint.h>

#define BYTESCAN_ONES	0x0101010101010101ULL
#define BYTESCAN_LOW7	0x7f7f7f7f7f7f7f7fULL
#define BYTESCAN_HIGHS	0x8080808080808080ULL

/* Bytes below 0x21: control bytes and SP. */
static inline uint64_t
bytescan_below21(uint64_t v)
{
	return ~(((v & BYTESCAN_LOW7) + BYTESCAN_ONES * (0x80 - 0x21)) | v) &
	    BYTESCAN_HIGHS;
}

/* Bytes equal to c. */
static inline uint64_t
bytescan_eq(uint64_t v, unsigned char c)
{
	v ^= BYTESCAN_ONES * c;
	return ~(((v & BYTESCAN_LOW7) + BYTESCAN_LOW7) | v) & BYTESCAN_HIGHS;
}

/* Bytes of 0x80 and above. */
static inline uint64_t
bytescan_high(uint64_t v)
{
	return v & BYTESCAN_HIGHS;
}

/* Index of the lowest-addressed byte flagged in m (m != 0). */
static inline size_t
bytescan_first(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (size_t)__builtin_clzll(m) / 8;
#else
	return (size_t)__builtin_ctzll(m) / 8;
#endif
}

#endif
