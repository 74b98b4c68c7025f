/*
 * dkim_key.c - DKIM key records (RFC 6376 3.6.1; k=ed25519 from RFC 8463 4).
 *
 * Tags v, h, k, n, p, s, t; unknown tags and unknown list values are ignored as
 * 3.2 and 3.6.1 say. A record that breaks the grammar is a key syntax error; an
 * empty p= is a revoked key. The decoded key is bounded by DKIM_KEY_P_MAX.
 */
#include "config.h"

#include <string.h>

#include "auth/dkim_key.h"
#include "auth/dkim_text.h"
#include "auth/taglist.h"

_Static_assert(DKIM_KEY_P_MAX <= DKIM_BASE64_MAX, "p= must fit the base64 decoder");

static enum dkim_key_err
fail(enum dkim_key_err err, const char **reason, const char *why)
{
	*reason = why;
	return err;
}

/* Sets the DKIM_KEY_HASH_* bits of the colon-separated list h=. */
static unsigned
hash_bits(const char *p, size_t n)
{
	unsigned bits = 0;

	if (dkim_list_has(p, n, "sha1"))
		bits |= DKIM_KEY_HASH_SHA1;
	if (dkim_list_has(p, n, "sha256"))
		bits |= DKIM_KEY_HASH_SHA256;
	return bits;
}

enum dkim_key_err
dkim_key_parse(const char *buf, size_t len, struct dkim_key *key, const char **reason)
{
	struct tag tags[TAGLIST_MAX];
	const struct tag *t;
	size_t ntags, i;

	memset(key, 0, sizeof(*key));
	key->type = DKIM_KEY_RSA;
	key->hashes = DKIM_KEY_HASH_SHA1 | DKIM_KEY_HASH_SHA256;
	if (taglist_parse(buf, len, tags, TAGLIST_MAX, &ntags) != TAGLIST_OK)
		return fail(DKIM_KEY_SYNTAX, reason, "key syntax error");

	/* v=, when present, is "DKIM1" and the first tag. */
	if ((t = taglist_find(tags, ntags, "v")) != NULL &&
	    (t != &tags[0] || t->value_len != 5 || memcmp(t->value, "DKIM1", 5) != 0))
		return fail(DKIM_KEY_VERSION, reason, "unsupported key version");

	if ((t = taglist_find(tags, ntags, "k")) != NULL) {
		if (dkim_eq_nocase(t->value, t->value_len, "rsa"))
			key->type = DKIM_KEY_RSA;
		else if (dkim_eq_nocase(t->value, t->value_len, "ed25519"))
			key->type = DKIM_KEY_ED25519;
		else
			return fail(DKIM_KEY_TYPE, reason, "unsupported key type k=");
	}
	if ((t = taglist_find(tags, ntags, "h")) != NULL)
		key->hashes = hash_bits(t->value, t->value_len);
	if ((t = taglist_find(tags, ntags, "s")) != NULL &&
	    !dkim_list_has(t->value, t->value_len, "*") &&
	    !dkim_list_has(t->value, t->value_len, "email"))
		return fail(DKIM_KEY_SERVICE, reason, "key not for email (s=)");
	if ((t = taglist_find(tags, ntags, "t")) != NULL) {
		key->testing = dkim_list_has(t->value, t->value_len, "y");
		key->strict = dkim_list_has(t->value, t->value_len, "s");
	}

	if ((t = taglist_find(tags, ntags, "p")) == NULL)
		return fail(DKIM_KEY_SYNTAX, reason, "key record without p=");
	for (i = 0; i < t->value_len && dkim_is_space(t->value[i]); i++)
		;
	if (i == t->value_len)
		return fail(DKIM_KEY_REVOKED, reason, "key revoked");
	if (dkim_base64(t->value, t->value_len, key->p, sizeof(key->p), &key->p_len) != 0)
		return fail(DKIM_KEY_SYNTAX, reason, "invalid p= key data");
	if (key->type == DKIM_KEY_ED25519 && key->p_len != DKIM_ED25519_KEY_LEN)
		return fail(DKIM_KEY_SYNTAX, reason, "ed25519 key is not 32 bytes");
	*reason = "ok";
	return DKIM_KEY_OK;
}
