/*
 * taglist.h - the "tag=value; tag=value" syntax shared by DKIM signatures and key
 * records (RFC 6376 3.2) and DMARC records (RFC 9989): one parser for all three.
 *
 * Grammar (RFC 6376 3.2): tag-list = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  = ALPHA *ALNUMPUNC            (ALNUMPUNC = ALPHA / DIGIT / "_")
 *   tag-value = [ tval *( 1*(WSP / FWS) tval ) ], tval = 1*VALCHAR (%x21-3A / %x3C-7E)
 * FWS may contain CRLF followed by WSP (header folding).
 *
 * Output: pointers into buf (nothing is copied); a value excludes surrounding
 * whitespace and may contain inner folding whitespace, which each user strips as its
 * own RFC says (b= and p= drop all whitespace).
 */
#ifndef ECLUSE_TAGLIST_H
#define ECLUSE_TAGLIST_H

#include <stddef.h>

/* A signature or record with more tags is not one a signer writes: refuse it. */
#define TAGLIST_MAX 32

struct tag {
	const char	*name;
	size_t		 name_len;
	const char	*value;
	size_t		 value_len;
};

enum taglist_err {
	TAGLIST_OK = 0,
	TAGLIST_SYNTAX,		/* malformed tag-spec */
	TAGLIST_DUPLICATE,	/* a tag appears twice: RFC 6376 3.2 says invalid */
	TAGLIST_TOO_MANY,	/* more than max tags */
};

/* Parses (buf, len) into tags[0..max); *ntags gets the count. */
enum taglist_err taglist_parse(const char *buf, size_t len, struct tag *tags, size_t max,
    size_t *ntags);
/*
 * The same, with UTF-8 (any byte 0x80-0xFF) also taken in tag values: RFC 8616 5 lets
 * a DKIM-Signature of an internationalized header (RFC 6532) carry U-labels in d=,
 * s= and i=; each tag's own grammar then checks its value. DNS records (DKIM keys,
 * DMARC) stay 7-bit: they use taglist_parse.
 */
enum taglist_err taglist_parse_utf8(const char *buf, size_t len, struct tag *tags,
    size_t max, size_t *ntags);

/* The tag named name (case-sensitive, as RFC 6376 3.2 says), or NULL. */
const struct tag *taglist_find(const struct tag *tags, size_t ntags, const char *name);

#endif
