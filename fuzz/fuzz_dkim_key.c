/*
 * fuzz_dkim_key.c - libFuzzer target for the DKIM key record parser: the input is
 * one TXT value; a record that parses must hold a key of a size it allows.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "auth/dkim_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_key key;
	const char *reason = NULL;
	enum dkim_key_err err;

	err = dkim_key_parse((const char *)data, size, &key, &reason);
	if (reason == NULL)
		abort();
	if (err == DKIM_KEY_OK && (key.p_len == 0 || key.p_len > DKIM_KEY_P_MAX ||
	    (key.type == DKIM_KEY_ED25519 && key.p_len != DKIM_ED25519_KEY_LEN)))
		abort();
	return 0;
}
