/*
 * json.c - JSON output for the admin API. See json.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "release-web/json.h"

void
json_init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void
json_clear(struct json *j)
{
	free(j->p);
	json_init(j);
}

char *
json_take(struct json *j, size_t *len)
{
	char *p;

	if (j->p == NULL) {
		j->p = xmalloc(1);
		j->p[0] = '\0';
	}
	p = j->p;
	*len = j->len;
	json_init(j);
	return p;
}

static void
put(struct json *j, const char *s, size_t n)
{
	if (n >= SIZE_MAX / 2 - j->len)
		abort();	/* no reply of ours comes near */
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;

		while (cap < j->len + n + 1)
			cap *= 2;
		j->p = xreallocarray(j->p, cap, 1);
		j->cap = cap;
	}
	memcpy(j->p + j->len, s, n);
	j->len += n;
	j->p[j->len] = '\0';
}

/* Per level: 0 nothing written yet, 1 a value written, 2 a key just written. */
static void
before_value(struct json *j)
{
	if (j->depth == 0)
		return;
	if (j->more[j->depth - 1] == 1)
		put(j, ",", 1);
	j->more[j->depth - 1] = 1;
}

static void
open_(struct json *j, const char *c)
{
	before_value(j);
	if (j->depth >= JSON_DEPTH_MAX)
		abort();
	put(j, c, 1);
	j->more[j->depth++] = 0;
}

static void
close_(struct json *j, const char *c)
{
	if (j->depth == 0)
		abort();
	j->depth--;
	put(j, c, 1);
}

void json_obj_open(struct json *j) { open_(j, "{"); }
void json_obj_close(struct json *j) { close_(j, "}"); }
void json_arr_open(struct json *j) { open_(j, "["); }
void json_arr_close(struct json *j) { close_(j, "]"); }

static void escape(struct json *j, const char *s, size_t len);

void
json_key(struct json *j, const char *key)
{
	before_value(j);
	escape(j, key, strlen(key));
	put(j, ":", 1);
	if (j->depth > 0)
		j->more[j->depth - 1] = 2;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629 section 4: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return k;
}

/* The one escaping function: see json.h. */
static void
escape(struct json *j, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[8];
	size_t i = 0, k;

	put(j, "\"", 1);
	while (i < len) {
		switch (u[i]) {
		case '"': put(j, "\\\"", 2); i++; continue;
		case '\\': put(j, "\\\\", 2); i++; continue;
		case '\n': put(j, "\\n", 2); i++; continue;
		case '\r': put(j, "\\r", 2); i++; continue;
		case '\t': put(j, "\\t", 2); i++; continue;
		default: break;
		}
		if (u[i] < 0x20 || u[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			put(j, esc, 6);
			i++;
		} else if ((k = utf8_len(u + i, len - i)) == 0) {
			put(j, "\\ufffd", 6);
			i++;
		} else {
			put(j, s + i, k);
			i += k;
		}
	}
	put(j, "\"", 1);
}

void
json_strn(struct json *j, const char *s, size_t len)
{
	before_value(j);
	escape(j, s, len);
}

void
json_str(struct json *j, const char *s)
{
	json_strn(j, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void
json_int(struct json *j, int64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%" PRId64, v);

	before_value(j);
	put(j, b, (size_t)n);
}

void
json_uint(struct json *j, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%" PRIu64, v);

	before_value(j);
	put(j, b, (size_t)n);
}

void
json_bool(struct json *j, int v)
{
	before_value(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void
json_null(struct json *j)
{
	before_value(j);
	put(j, "null", 4);
}
