/*
 * output.h - how eclusectl prints what the store holds: strings that came from the
 * network (addresses, subjects, SMTP replies) made safe for a terminal or for JSON,
 * times in ISO 8601 UTC, and the times operators type.
 *
 * Text: valid UTF-8 is printed as is, except control characters (C0, DEL, C1) and
 * bytes that are not UTF-8, which become \xHH, and '\' which becomes "\\": a subject
 * can never move the cursor or forge a line of output.
 * JSON (RFC 8259): a string literal with its quotes; control characters as \uXXXX;
 * bytes that are not UTF-8 become U+FFFD (JSON cannot carry them).
 */
#ifndef ECLUSE_CTL_OUTPUT_H
#define ECLUSE_CTL_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

/* "2023-11-14T22:13:20Z"; "-" for 0. */
#define OUT_TIME_MAX 32
const char *out_time(int64_t t, char buf[OUT_TIME_MAX]);

void out_text(FILE *f, const char *s);
void out_json_str(FILE *f, const char *s);
/* A JSON time: the quoted ISO text, or null for 0. */
void out_json_time(FILE *f, int64_t t);

/*
 * Parses an operator's time: "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM:SSZ", or
 * Unix seconds. Returns 0, or -1 for anything else.
 */
int out_parse_time(const char *s, int64_t *t);

#endif
