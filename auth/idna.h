/*
 * idna.h - internationalized domain names for the authentication checks: a name
 * written with U-labels (UTF-8, RFC 5890 2.3.2.1) to the A-labels ("xn--") the DNS
 * holds, and back for display.
 *
 * Why: RFC 8616 has SPF (4), DKIM (5) and DMARC (6, and RFC 9989 5.3.1) convert every
 * U-label of an identity to its A-label before any DNS lookup or comparison, so that
 * "bücher.example" and "xn--bcher-kva.example" are one domain. Conversion is libidn2's
 * IDNA2008 (RFC 5891) with Unicode TR46 non-transitional mapping and NFC input:
 *  - NFC, because RFC 5891 5.2 (and RFC 6532 3.1 for mail headers) wants
 *    normalized strings, and a sender cannot then pick among several byte forms;
 *  - non-transitional, because IDNA2008 keeps ß, ς, ZWJ and ZWNJ as the distinct
 *    characters that registries allocate: transitional processing would look up
 *    "fass.de" for "faß.de", another registrant's domain, and check its policy;
 *  - TR46 mapping (case, width), because domain names are case-insensitive in mail
 *    (RFC 5321 2.4): "Bücher.Example" is the same domain, and a look-alike written
 *    in full-width letters gets the policy of the domain it maps to rather than none.
 * STD3 rules are not asked of libidn2 (its STD3 mode drops '_' silently); instead the
 * A-label result must be a name of LDH or '_' labels of 1 to 63 octets, at most
 * IDNA_NAME_MAX octets, or the name is refused.
 *
 * Names of ASCII only are never given to libidn2: they are returned lower-cased and
 * unchanged otherwise (an "xn--" label included), exactly as the checks read them
 * before; each caller's own syntax check still applies to the result.
 *
 * Bounded: input of at most IDNA_INPUT_MAX bytes, output into the caller's buffer;
 * libidn2 allocates its result, which is copied and freed here (its running out of
 * memory is fatal, as xmalloc's is). Bad input is an error enum and a short constant
 * reason, never a partial name. No state: safe to call from anywhere.
 */
#ifndef ECLUSE_IDNA_H
#define ECLUSE_IDNA_H

#include <stddef.h>

/*
 * UTF-8 bytes accepted. Each code point of a name costs at least one octet of its
 * A-label form, which holds at most IDNA_NAME_MAX, and four bytes of UTF-8 at most:
 * a longer input is no domain name (only code points TR46 maps to nothing could make
 * it one, and a sender has no need of those), just work for the converter.
 */
#define IDNA_INPUT_MAX 1024
/* RFC 1035 2.3.4 / 3.1: 255 octets on the wire are 253 characters of text. */
#define IDNA_NAME_MAX 253

enum idna_err {
	IDNA_OK = 0,
	IDNA_INVALID,	/* not UTF-8, a NUL, a code point IDNA2008 disallows, a bidi or
			 * contextual rule broken, a bad "xn--" label, an empty label */
	IDNA_TOO_LONG,	/* over IDNA_INPUT_MAX, a label over 63 octets, a name over
			 * IDNA_NAME_MAX, or the result does not fit outsize */
};

/* Whether (s, len) holds a byte outside ASCII (a U-label, or bytes that claim to be). */
int idna_has_8bit(const char *s, size_t len);

/*
 * The A-label form of the domain (in, len), lower case, NUL-terminated into out
 * (outsize bytes; DNS_NAME_MAX + 1 always suffices). One trailing dot is kept as
 * given; callers strip it first when they compare names. On error out is "" and
 * *reason (if not NULL) a constant string for the log.
 */
enum idna_err idna_to_ascii(const char *in, size_t len, char *out, size_t outsize,
    const char **reason);

/*
 * The U-label form of the domain (in, len) for display (Authentication-Results of an
 * internationalized message, RFC 8616 5): each valid "xn--" label decoded to UTF-8,
 * NFC, every other label lower-cased. IDNA_INVALID for a name with 8-bit bytes, or an
 * "xn--" label that is not a valid A-label: then print the A-label form instead.
 */
enum idna_err idna_to_utf8(const char *in, size_t len, char *out, size_t outsize,
    const char **reason);

#endif
