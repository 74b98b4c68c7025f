/*
 * lang.h - the language of the pages: an explicit choice (?lang=fr) wins, then the
 * browser's Accept-Language (RFC 9110 12.5.4), then English.
 *
 * lang_accept parses (buf, len) strictly: a comma-separated list of language ranges
 * (RFC 4647 2.1: 1*8ALPHA *("-" 1*8alphanum), or "*") each with an optional
 * ";q=" weight (RFC 9110 12.4.2); it returns the served language with the highest
 * weight (the first listed on a tie; a primary subtag matches: "fr-CA" is French;
 * "*" is the default), or -1 when the header is malformed, too long, or names
 * nothing we serve: the caller then uses the default.
 */
#ifndef ECLUSE_LANG_H
#define ECLUSE_LANG_H

#include <stddef.h>

/* Real browsers send well under 200 bytes; a long header is not worth parsing. */
#define LANG_ACCEPT_MAX		1024
/* Ranges in one header: the same reasoning. */
#define LANG_ACCEPT_RANGES	32

enum lang { LANG_EN, LANG_FR };
#define LANG_DEFAULT	LANG_EN
#define LANG_COUNT	2

int lang_accept(const char *buf, size_t len, enum lang *out);
/* "en" or "fr" exactly; returns 0 or -1. */
int lang_from_name(const char *buf, size_t len, enum lang *out);
const char *lang_name(enum lang l);

#endif
