/*
 * fuzz_form.c - the urlencoded form parser on arbitrary bytes: a parse either fails
 * with a reason and no fields, or yields fields whose values hold no NUL.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "release-web/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f;
	const char *why;
	size_t i;

	if (form_parse((const char *)data, size, &f, &why) != FORM_OK) {
		if (why == NULL || f.n != 0)
			abort();
		return 0;
	}
	for (i = 0; i < f.n; i++)
		if (strlen(f.f[i].val) != f.f[i].len || f.f[i].len > size)
			abort();
	form_clear(&f);
	return 0;
}
