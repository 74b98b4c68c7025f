/*
 * fuzz_template.c - the template parser on arbitrary bytes, as HTML and as text; a
 * template that parses is rendered with hostile values, and escaped HTML output must
 * never contain a value's markup.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/template.h"

/* 0x7f is never copied by the escapers: "<\x7f" in HTML output is a missed escape,
 * unless the template itself holds a 0x7f. */
static const char hostile[] = "<\x7f y=\"'&\r\n\xff\xc3";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "x", "y", "body", "a", "b" };
	enum tmpl_kind kinds[] = { TMPL_HTML, TMPL_TEXT };
	size_t k, i;

	for (k = 0; k < 2; k++) {
		struct tmpl_error te;
		struct tmpl *t = tmpl_parse((const char *)data, size, kinds[k], &te);
		struct tmpl_vars *v;
		enum tmpl_err e;
		size_t len;
		char *out;

		if (t == NULL) {
			if (te.code == 0 || te.reason == NULL)
				abort();
			continue;
		}
		v = tmpl_vars_new();
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			tmpl_vars_set(v, names[i], hostile, sizeof(hostile) - 1);
		tmpl_vars_set_raw(v, "body", "<b>", 3);
		out = tmpl_render(t, v, &len, &e);
		if (out != NULL) {
			if (memchr(out, '\0', len) != NULL && memchr(data, '\0', size) == NULL)
				abort();
			/* an escaped value never brings its own markup into HTML */
			if (kinds[k] == TMPL_HTML && memmem(out, len, "<\x7f", 2) != NULL &&
			    memchr(data, 0x7f, size) == NULL)
				abort();
		}
		free(out);
		tmpl_vars_free(v);
		tmpl_free(t);
	}
	return 0;
}
