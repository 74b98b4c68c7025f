/*
 * json.h - the one JSON writer of ecluse-web's admin API: objects, arrays, numbers,
 * booleans and strings, into a growing buffer.
 *
 * Every string goes through json_str, the one escaping function: '"', '\\' and
 * control characters are escaped, valid UTF-8 is copied, and each byte that is not
 * part of a valid UTF-8 sequence (a raw 8-bit Subject, say) becomes U+FFFD, so the
 * output is always valid JSON (RFC 8259) whatever the stored bytes are. Commas are
 * placed by the writer: callers only open, add and close.
 * Limits: nesting is at most JSON_DEPTH_MAX (deeper is a programming error: abort).
 * Ownership: the buffer belongs to the struct json; json_take hands it over (the
 * caller frees it), json_clear releases it. Allocation aborts on out of memory.
 */
#ifndef ECLUSE_JSON_H
#define ECLUSE_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Our replies are an object of arrays of flat objects, plus one level to spare. */
#define JSON_DEPTH_MAX	8

struct json {
	char		*p;
	size_t		 len, cap;
	unsigned	 depth;
	unsigned char	 more[JSON_DEPTH_MAX];	/* a value was written at this level */
};

void json_init(struct json *j);
void json_clear(struct json *j);
/* The text (NUL-terminated) and its length; j is empty afterwards. */
char *json_take(struct json *j, size_t *len);

void json_obj_open(struct json *j);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j);
void json_arr_close(struct json *j);
/* The key of the next member (inside an object). */
void json_key(struct json *j, const char *key);

/* s (len bytes, may hold any byte) as an escaped JSON string. */
void json_strn(struct json *j, const char *s, size_t len);
/* A NUL-terminated string; NULL is written as "". */
void json_str(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_uint(struct json *j, uint64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);

#endif
