/*
 * spf_record.h - the SPF record parser (RFC 7208 sections 4.5, 4.6.1, 5, 6, 7.1).
 *
 * A record is read term by term with an iterator: the evaluator walks a record twice
 * (spf_record_parse checks all of it first, as 4.6 requires, then it evaluates term
 * by term), and nothing is allocated or copied: terms point into the caller's buffer,
 * which must outlive them. Every byte outside the grammar, every unknown mechanism,
 * bad address, CIDR length, domain-spec or macro, and a repeated redirect= or exp=,
 * is SPF_PARSE_ERROR with a short static reason: a permerror (4.6).
 */
#ifndef ECLUSE_SPF_RECORD_H
#define ECLUSE_SPF_RECORD_H

#include <stddef.h>

/* RFC 7208 5.6: ip4-cidr-length and ip6-cidr-length ranges. */
#define SPF_CIDR4_MAX 32
#define SPF_CIDR6_MAX 128

enum spf_term_type {
	SPF_TERM_ALL,		/* 5.1 */
	SPF_TERM_INCLUDE,	/* 5.2 */
	SPF_TERM_A,		/* 5.3 */
	SPF_TERM_MX,		/* 5.4 */
	SPF_TERM_PTR,		/* 5.5 */
	SPF_TERM_IP4,		/* 5.6 */
	SPF_TERM_IP6,		/* 5.6 */
	SPF_TERM_EXISTS,	/* 5.7 */
	SPF_TERM_REDIRECT,	/* 6.1 */
	SPF_TERM_EXP,		/* 6.2 */
	SPF_TERM_UNKNOWN,	/* unknown-modifier: checked, then ignored (6) */
};

struct spf_term {
	enum spf_term_type type;
	char		 qualifier;	/* '+', '-', '~' or '?' ('+' when not written) */
	/* Domain-spec of a mechanism or of redirect=/exp=, or the value of an unknown
	 * modifier; spec_len 0: none written (a, mx, ptr then use <domain>). */
	const char	*spec;
	size_t		 spec_len;
	/* The modifier name of SPF_TERM_UNKNOWN. */
	const char	*name;
	size_t		 name_len;
	unsigned char	 addr[16];	/* ip4: 4 bytes, ip6: 16 bytes */
	unsigned	 cidr4;		/* a, mx, ip4; SPF_CIDR4_MAX when not written */
	unsigned	 cidr6;		/* a, mx, ip6; SPF_CIDR6_MAX when not written */
	/* The whole term as written, for logs. */
	const char	*text;
	size_t		 text_len;
};

enum spf_parse {
	SPF_PARSE_TERM,		/* *term holds the next term */
	SPF_PARSE_END,		/* no more terms */
	SPF_PARSE_ERROR,	/* syntax error: *reason says what, *term.text where */
};

struct spf_record_iter {
	const char	*buf;
	size_t		 len;
	size_t		 pos;
};

/* Summary of a whole record, from spf_record_parse. */
struct spf_record_info {
	size_t		 nterms;
	int		 has_redirect;
	struct spf_term	 redirect;
	int		 has_exp;
	struct spf_term	 exp;
};

/* 1 if (buf, len) is an SPF version 1 record: "v=spf1" (any case) then SP or end (4.5). */
int spf_record_is_spf(const char *buf, size_t len);

/*
 * 1 if (p, n) is a toplabel (7.1): letters, digits and inner "-", not all digits.
 * check_host() uses the same rule to refuse an IP literal as a domain (4.3).
 */
int spf_record_toplabel_ok(const char *p, size_t n);

/* Starts reading the terms of (buf, len), which must satisfy spf_record_is_spf. */
void spf_record_begin(struct spf_record_iter *it, const char *buf, size_t len);

/* Reads the next term. After SPF_PARSE_ERROR, term->text is the faulty term. */
enum spf_parse spf_record_next(struct spf_record_iter *it, struct spf_term *term,
    const char **reason);

/*
 * Checks the whole record (4.6: any syntax error anywhere is a permerror, even past
 * a matching mechanism), and fills *info. Returns SPF_PARSE_END when the record is
 * good, SPF_PARSE_ERROR with *reason and *bad (the faulty term) otherwise.
 */
enum spf_parse spf_record_parse(const char *buf, size_t len, struct spf_record_info *info,
    struct spf_term *bad, const char **reason);

#endif
