/*
 * form.h - parser of application/x-www-form-urlencoded bodies (the WHATWG URL
 * standard's serialization, as browsers send a <form method="post">).
 *
 * Strict: the body is name=value pairs joined by '&'; every pair has an '=';
 * names are [A-Za-z0-9_-] and never encoded; values keep only the bytes a browser
 * leaves raw (ALPHA DIGIT * - . _ ~), '+' for space and %XX with two hex digits;
 * a decoded NUL, a repeated name, an empty pair or more than FORM_MAX_FIELDS pairs is
 * an error. Anything else a browser would never send is refused with HTTP 400.
 * Errors: form_parse returns an enum and a static reason; *out is then empty.
 * Ownership: the values belong to the struct form; form_clear releases them.
 */
#ifndef ECLUSE_FORM_H
#define ECLUSE_FORM_H

#include <stddef.h>

/* The release form has three short fields; anything bigger is not ours (and a
 * bounded body keeps a slow or hostile client from growing our memory). */
#define FORM_MAX_BODY		4096
#define FORM_MAX_FIELDS		8
#define FORM_NAME_MAX		32

enum form_err {
	FORM_OK = 0,
	FORM_E_TOO_BIG,		/* over FORM_MAX_BODY: HTTP 413 */
	FORM_E_SYNTAX,		/* HTTP 400 from here on */
	FORM_E_PERCENT,
	FORM_E_DUPLICATE,
	FORM_E_TOO_MANY,
};

struct form_field {
	char	 name[FORM_NAME_MAX + 1];
	char	*val;		/* decoded, NUL-terminated, no NUL inside */
	size_t	 len;
};

struct form {
	struct form_field f[FORM_MAX_FIELDS];
	size_t		 n;
};

enum form_err form_parse(const char *buf, size_t len, struct form *out,
    const char **why);
void form_clear(struct form *f);
/* The field called name, or NULL. */
const struct form_field *form_get(const struct form *f, const char *name);

#endif
