/*
 * test_dkim_parse.c - the DKIM-Signature parser (every RFC 6376 3.5 / 6.1.1 rule
 * it owns, RFC 8301 rsa-sha1), the key record parser (RFC 6376 3.6.1, RFC 8463),
 * and the cache of parsed key records.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "auth/dkim_key.h"
#include "auth/dkim_keys.h"
#include "auth/dkim_sig.h"
#include "auth/taglist.h"

/* base64 of 32 zero bytes, and of "test". */
#define BH "bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
#define B "b=dGVzdA==;"
#define BASE "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; " BH " " B

struct sig_case {
	const char		*value;
	enum dkim_sig_err	 err;
};

static const struct sig_case sigs[] = {
	{ BASE, DKIM_SIG_OK },
	{ BASE " zz=unknown tag;", DKIM_SIG_OK },
	{ "a=rsa-sha256; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_MISSING },
	{ "v=1; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_MISSING },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH, DKIM_SIG_MISSING },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " B, DKIM_SIG_MISSING },
	{ "v=1; a=rsa-sha256; s=sel; h=from; " BH B, DKIM_SIG_MISSING },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; " BH B, DKIM_SIG_MISSING },
	{ "v=1; a=rsa-sha256; d=example.com; h=from; " BH B, DKIM_SIG_MISSING },
	{ "v=1; a=rsa-sha256; D=example.com; s=sel; h=from; " BH B, DKIM_SIG_MISSING },
	{ "v=2; a=rsa-sha256; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_VERSION },
	{ "v=1; a=rsa-sha1; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_ALGORITHM },
	{ "v=1; a=hmac-sha256; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_ALGORITHM },
	{ "v=1; a=RSA-SHA256; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_OK },
	{ "v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_OK },
	{ BASE " c=relaxed/fancy;", DKIM_SIG_CANON },
	{ BASE " c=relaxed/;", DKIM_SIG_CANON },
	{ BASE " c=;", DKIM_SIG_CANON },
	{ BASE " q=dns/txt:other/thing;", DKIM_SIG_OK },
	{ BASE " q=http/well-known;", DKIM_SIG_QUERY },
	{ BASE " i=@example.com;", DKIM_SIG_OK },
	{ BASE " i=user@Sub.Example.COM;", DKIM_SIG_OK },
	{ BASE " i=user@example.com.evil;", DKIM_SIG_AUID },
	{ BASE " i=user@notexample.com;", DKIM_SIG_AUID },
	{ BASE " i=user=40x@example.com;", DKIM_SIG_OK },
	{ BASE " i=bad=zz@example.com;", DKIM_SIG_SYNTAX },
	{ BASE " i=no-at-sign;", DKIM_SIG_SYNTAX },
	{ BASE " i=user@;", DKIM_SIG_SYNTAX },
	/* RFC 8616 5: an i= domain in U-labels (here quoted-printable UTF-8) is compared
	 * with d= as A-labels */
	{ "v=1; a=rsa-sha256; d=xn--bcher-kva.example; s=sel; h=from; " BH B
	  " i=j@mail.b=C3=BCcher.example;", DKIM_SIG_OK },
	{ "v=1; a=rsa-sha256; d=XN--BCHER-KVA.example; s=sel; h=from; " BH B
	  " i=j@B=C3=9Ccher.example;", DKIM_SIG_OK },
	{ BASE " i=j@b=C3=BCcher.example;", DKIM_SIG_AUID },
	{ "v=1; a=rsa-sha256; d=xn--bcher-kva.example; s=sel; h=from; " BH B
	  " i=j@b=FCcher.example;", DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=b\xc3\xbc" "cher.example; s=s\xc3\xa9l; h=from; " BH B
	  " i=j@xn--bcher-kva.example;", DKIM_SIG_OK },
	{ "v=1; a=rsa-sha256; d=b\xfc" "cher.example; s=sel; h=from; " BH B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; " BH B, DKIM_SIG_FROM },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=FROM; " BH B, DKIM_SIG_OK },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; " BH B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:; " BH B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h= from\r\n : to ; " BH B, DKIM_SIG_OK },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from to; " BH B, DKIM_SIG_SYNTAX },
	{ BASE " l=123;", DKIM_SIG_OK },
	{ BASE " l=12a;", DKIM_SIG_SYNTAX },
	{ BASE " l=99999999999999999999999;", DKIM_SIG_SYNTAX },
	{ BASE " t=1; x=2;", DKIM_SIG_OK },
	{ BASE " t=5; x=5;", DKIM_SIG_SYNTAX },
	{ BASE " t=1234567890123;", DKIM_SIG_SYNTAX },
	{ BASE " x=;", DKIM_SIG_SYNTAX },
	{ BASE " s=other;", DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; " B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=!!!!; " B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH " b=;", DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH " b=dGVzdA;", DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH " b=dG\r\n Vz dA==", DKIM_SIG_OK },
	{ "v=1; a=rsa-sha256; d=-bad.com; s=sel; h=from; " BH B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=a..b; s=sel; h=from; " BH B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=from; " BH B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com.; s=sel; h=from; " BH B, DKIM_SIG_SYNTAX },
	{ "v=1; a=rsa-sha256; d=example.com; s=s_1.k-2; h=from; " BH B, DKIM_SIG_OK },
	{ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH B " ;", DKIM_SIG_SYNTAX },
	{ "v=1; v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH B, DKIM_SIG_SYNTAX },
	{ "", DKIM_SIG_MISSING },
};

/* The field as header_next() gives it. */
static size_t
field(char *out, size_t size, const char *value)
{
	int n = snprintf(out, size, "DKIM-Signature: %s\r\n", value);

	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

static void
test_sig_cases(void **state)
{
	static char raw[4096];
	struct dkim_sig sig;
	const char *reason = NULL;
	size_t i, n;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		n = field(raw, sizeof(raw), sigs[i].value);
		print_message("sig case %zu: %s\n", i, sigs[i].value);
		assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
		    sigs[i].err);
		assert_non_null(reason);
	}
}

static void
test_sig_values(void **state)
{
	static char raw[4096];
	struct dkim_sig sig;
	const char *reason;
	size_t n;

	n = field(raw, sizeof(raw), "v=1; a=ED25519-SHA256; c=relaxed; d=Example.COM;"
	    " s=Sel; h=From : To:from; i=joe@Mail.Example.com; l=42; t=100; x=200; "
	    BH " b = dGVz\r\n dA== ; q=dns/txt");
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_OK);
	assert_int_equal(sig.alg, DKIM_ALG_ED25519_SHA256);
	assert_string_equal(sig.a, "ed25519-sha256");
	assert_int_equal(sig.hcanon, DKIM_CANON_RELAXED);
	assert_int_equal(sig.bcanon, DKIM_CANON_SIMPLE);
	assert_string_equal(sig.d, "example.com");
	assert_string_equal(sig.s, "sel");
	assert_string_equal(sig.i, "joe@Mail.Example.com");
	assert_string_equal(sig.i + sig.i_domain, "Mail.Example.com");
	assert_int_equal(sig.nh, 3);
	assert_int_equal(sig.h[0].len, 4);
	assert_memory_equal(sig.h[0].name, "From", 4);
	assert_memory_equal(sig.h[1].name, "To", 2);
	assert_memory_equal(sig.h[2].name, "from", 4);
	assert_true(sig.has_l && sig.l == 42);
	assert_true(sig.has_t && sig.t == 100);
	assert_true(sig.has_x && sig.x == 200);
	assert_int_equal(sig.b_len, 4);
	assert_memory_equal(sig.b, "test", 4);
	assert_string_equal(sig.b_prefix, "dGVzdA==");
	/* b= value with its surrounding whitespace, up to the ';'. */
	assert_int_equal(sig.b_len_raw, strlen(" dGVz\r\n dA== "));
	assert_memory_equal(raw + sig.b_off, " dGVz\r\n dA== ", sig.b_len_raw);

	/* An i= domain in U-labels is kept as A-labels, for the t=s comparison with d= */
	n = field(raw, sizeof(raw), "v=1; a=rsa-sha256; d=XN--BCHER-KVA.example; s=sel; "
	    "h=from; " BH " " B " i=J=C3=B6rg@b=C3=BCcher.example");
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_OK);
	assert_string_equal(sig.d, "xn--bcher-kva.example");
	assert_string_equal(sig.i, "J\xc3\xb6rg@xn--bcher-kva.example");
	assert_string_equal(sig.i + sig.i_domain, sig.d);

	/* Defaults: simple/simple, i= "@" d=, no l= t= x=. */
	n = field(raw, sizeof(raw), BASE);
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_OK);
	assert_int_equal(sig.hcanon, DKIM_CANON_SIMPLE);
	assert_int_equal(sig.bcanon, DKIM_CANON_SIMPLE);
	assert_string_equal(sig.i, "@example.com");
	assert_false(sig.has_l || sig.has_t || sig.has_x);
	/* b= last, without ';': the region runs to the end of the value. */
	n = field(raw, sizeof(raw), "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH
	    " b=dGVzdA==  ");
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_OK);
	assert_int_equal(sig.b_len_raw, 10);
	assert_memory_equal(raw + sig.b_off, "dGVzdA==  ", sig.b_len_raw);
}

/* On error the identifiers checked so far are kept for the log and A-R. */
static void
test_sig_partial(void **state)
{
	static char raw[4096];
	struct dkim_sig sig;
	const char *reason;
	size_t n;

	n = field(raw, sizeof(raw), "v=1; a=rsa-sha1; d=example.com; s=sel; h=from; " BH B);
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_ALGORITHM);
	assert_string_equal(sig.d, "example.com");
	assert_string_equal(sig.s, "sel");
	assert_string_equal(sig.a, "rsa-sha1");
	assert_non_null(strstr(reason, "8301"));
	n = field(raw, sizeof(raw), "v=1; a=rsa-sha256; d=bad..domain; s=sel; h=from; " BH B);
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_SYNTAX);
	assert_string_equal(sig.d, "");
}

/* The key name s._domainkey.d must fit a DNS name. */
static void
test_sig_name_length(void **state)
{
	static char raw[4096], value[2048];
	struct dkim_sig sig;
	const char *reason;
	char label[64], d[256];
	size_t n;

	memset(label, 'a', 63);
	label[63] = '\0';
	/* d= of 4 labels: 255 characters, s= of 1: 268 in all. */
	snprintf(d, sizeof(d), "%s.%s.%s.%s", label, label, label, label);
	snprintf(value, sizeof(value), "v=1; a=rsa-sha256; d=%s; s=s; h=from; " BH B, d);
	n = field(raw, sizeof(raw), value);
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_SYNTAX);
	/* 63 * 3 + 3 + 12 + 40: fits. */
	snprintf(d, sizeof(d), "%s.%s.%s", label, label, label);
	snprintf(value, sizeof(value), "v=1; a=rsa-sha256; d=%s; s=%.40s; h=from; " BH B, d,
	    label);
	n = field(raw, sizeof(raw), value);
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_OK);
	/* A label of 64 characters. */
	snprintf(value, sizeof(value), "v=1; a=rsa-sha256; d=%sb.com; s=s; h=from; " BH B,
	    label);
	n = field(raw, sizeof(raw), value);
	assert_int_equal(dkim_sig_parse(raw, n, raw + 15, n - 17, &sig, &reason),
	    DKIM_SIG_SYNTAX);
}

/* 32 bytes, and 31. */
#define ED_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define ED_P31 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUQ=="

struct key_case {
	const char		*rec;
	enum dkim_key_err	 err;
	enum dkim_key_type	 type;
	unsigned		 hashes;
	int			 testing, strict;
};

#define ALL (DKIM_KEY_HASH_SHA1 | DKIM_KEY_HASH_SHA256)

static const struct key_case keys[] = {
	{ "v=DKIM1; k=rsa; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVz dA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "v=DKIM1; p=", DKIM_KEY_REVOKED, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "v=DKIM1; p= ;", DKIM_KEY_REVOKED, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "k=rsa; v=DKIM1; p=dGVzdA==", DKIM_KEY_VERSION, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "v=DKIM2; p=dGVzdA==", DKIM_KEY_VERSION, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "v=dkim1; p=dGVzdA==", DKIM_KEY_VERSION, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "k=ec; p=dGVzdA==", DKIM_KEY_TYPE, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "h=sha256; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, DKIM_KEY_HASH_SHA256, 0, 0 },
	{ "h=sha1:sha256; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "h=sha512:foo; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, 0, 0, 0 },
	{ "s=email; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "s=*; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "s=chat:email; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "s=chat; p=dGVzdA==", DKIM_KEY_SERVICE, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "t=y:s; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 1, 1 },
	{ "t=y; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 1, 0 },
	{ "t=foo; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "n=a note; zz=unknown; p=dGVzdA==", DKIM_KEY_OK, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "v=DKIM1; k=ed25519; p=" ED_P, DKIM_KEY_OK, DKIM_KEY_ED25519, ALL, 0, 0 },
	{ "v=DKIM1; k=ed25519; p=" ED_P31, DKIM_KEY_SYNTAX, DKIM_KEY_ED25519, ALL, 0, 0 },
	{ "p=!!!!", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dG=zdA==", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dG =zdA==", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVzdA=A", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVzd===", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVz d===", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=====", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVz-A==", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVz_A==", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVz\x80" "A==", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVzdA", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "v=DKIM1; k=rsa", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "hello world", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
	{ "p=dGVzdA==; p=dGVzdA==", DKIM_KEY_SYNTAX, DKIM_KEY_RSA, ALL, 0, 0 },
};

static void
test_key_cases(void **state)
{
	struct dkim_key key;
	const char *reason = NULL;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key_case *c = &keys[i];

		print_message("key case %zu: %s\n", i, c->rec);
		assert_int_equal(dkim_key_parse(c->rec, strlen(c->rec), &key, &reason), c->err);
		assert_non_null(reason);
		if (c->err != DKIM_KEY_OK)
			continue;
		assert_int_equal(key.type, c->type);
		assert_int_equal(key.hashes, c->hashes);
		assert_int_equal(key.testing, c->testing);
		assert_int_equal(key.strict, c->strict);
		if (c->type == DKIM_KEY_RSA) {
			assert_int_equal(key.p_len, 4);
			assert_memory_equal(key.p, "test", 4);
		} else
			assert_int_equal(key.p_len, DKIM_ED25519_KEY_LEN);
	}
}

/* p= that decodes past DKIM_KEY_P_MAX bytes is refused, not cut. */
static void
test_key_too_long(void **state)
{
	size_t chars = (DKIM_KEY_P_MAX / 3 + 2) * 4, i;
	char *rec = malloc(chars + 3);
	struct dkim_key key;
	const char *reason;

	assert_non_null(rec);
	memcpy(rec, "p=", 2);
	for (i = 0; i < chars; i++)
		rec[2 + i] = 'A';
	assert_int_equal(dkim_key_parse(rec, chars + 2, &key, &reason), DKIM_KEY_SYNTAX);
	free(rec);
}

/*
 * Every byte value at every position of a long value, through the tag-list
 * parser's 16- and 8-byte scans and its byte-at-a-time tail: the result is what
 * the RFC 6376 3.2 grammar says, read one byte at a time here.
 */
static void
test_taglist_bytes(void **state)
{
	static const size_t lens[] = { 40, 45 };
	char buf[64];
	struct tag tags[TAGLIST_MAX];
	size_t li, pos, ntags, len, want_len;
	enum taglist_err err, want;
	unsigned b;

	for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
		for (pos = 0; pos < lens[li]; pos++)
			for (b = 0; b < 256; b++) {
				int last = pos + 1 == lens[li];

				len = lens[li];
				memcpy(buf, "x=", 2);
				memset(buf + 2, 'A', len);
				buf[2 + pos] = (char)b;
				want_len = len;
				if (b >= 0x21 && b <= 0x7e && b != ';')
					want = TAGLIST_OK;
				else if (b == ';') {
					/* the rest, "AAA", is a tag without "=" */
					want = last ? TAGLIST_OK : TAGLIST_SYNTAX;
					want_len = pos;
				} else if (b == ' ' || b == '\t') {
					/* inner whitespace stays; at either end it goes */
					want = TAGLIST_OK;
					want_len = pos == 0 || last ? len - 1 : len;
				} else
					want = TAGLIST_SYNTAX;	/* CR without LF WSP, LF, CTL, 8-bit */
				err = taglist_parse(buf, len + 2, tags, TAGLIST_MAX, &ntags);
				if (err != want)
					fail_msg("byte 0x%02x at %zu of %zu: %d, want %d", b, pos, len,
					    err, want);
				if (want == TAGLIST_OK) {
					assert_int_equal(ntags, 1);
					assert_int_equal(tags[0].value_len, want_len);
				}
			}
}

/* Distinct ed25519 key records, more than the cache keeps. */
#define CACHE_RECORDS (DKIM_KEYS_MAX + 44)

static size_t
ed_record(char *buf, size_t size, const unsigned char *pk, size_t pad)
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
	size_t n;
	int w;

	sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
	w = snprintf(buf, size, "v=DKIM1; k=ed25519; p=%s; n=", b64);
	assert_true(w > 0 && (size_t)w + pad < size);
	n = (size_t)w;
	memset(buf + n, 'x', pad);	/* an unknown tag's value (RFC 6376 3.6.1 n=) */
	return n + pad;
}

/*
 * The cache gives each record its own key, also after the least recently used
 * records were replaced (a stale entry would give another domain's key), and for
 * records too long to keep; bad records keep their reason.
 */
static void
test_key_cache(void **state)
{
	static unsigned char pk[CACHE_RECORDS][32];
	struct dkim_keys *cache = dkim_keys_new();
	const struct dkim_keyrec *kr, *again;
	char rec[DKIM_KEYREC_MAX + 200];
	size_t i, round, n;

	assert_int_equal(sodium_init() >= 0, 1);
	randombytes_buf(pk, sizeof(pk));
	for (round = 0; round < 3; round++)
		for (i = 0; i < CACHE_RECORDS; i++) {
			/* Forward, backward, then every third from the middle. */
			size_t k = round == 0 ? i : round == 1 ? CACHE_RECORDS - 1 - i :
			    (i * 3 + CACHE_RECORDS / 2) % CACHE_RECORDS;

			n = ed_record(rec, sizeof(rec), pk[k], k % 7);
			kr = dkim_keys_get(cache, rec, n);
			assert_int_equal(kr->err, DKIM_KEY_OK);
			assert_int_equal(kr->type, DKIM_KEY_ED25519);
			assert_memory_equal(kr->ed25519, pk[k], 32);
			again = dkim_keys_get(cache, rec, n);
			assert_ptr_equal(again, kr);
		}

	n = ed_record(rec, sizeof(rec), pk[0], DKIM_KEYREC_MAX);
	assert_true(n > DKIM_KEYREC_MAX);
	kr = dkim_keys_get(cache, rec, n);
	assert_int_equal(kr->err, DKIM_KEY_OK);
	assert_memory_equal(kr->ed25519, pk[0], 32);

	for (round = 0; round < 2; round++) {
		kr = dkim_keys_get(cache, "v=DKIM1; k=rsa; p=", 18);
		assert_int_equal(kr->err, DKIM_KEY_REVOKED);
		assert_string_equal(kr->reason, "key revoked");
		kr = dkim_keys_get(cache, "v=DKIM1; k=rsa; p=AAAA", 22);
		assert_int_equal(kr->err, DKIM_KEY_OK);
		assert_int_equal(kr->rsa, DKIM_RSA_BADKEY);
		kr = dkim_keys_get(cache, "k=dsa; p=AAAA", 13);
		assert_int_equal(kr->err, DKIM_KEY_TYPE);
	}
	dkim_keys_free(cache);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_cases),
		cmocka_unit_test(test_sig_values),
		cmocka_unit_test(test_sig_partial),
		cmocka_unit_test(test_sig_name_length),
		cmocka_unit_test(test_key_cases),
		cmocka_unit_test(test_key_too_long),
		cmocka_unit_test(test_key_cache),
		cmocka_unit_test(test_taglist_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
