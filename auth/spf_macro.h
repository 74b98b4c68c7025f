/*
 * spf_macro.h - SPF macro strings (RFC 7208 section 7): the syntax check the record
 * parser runs on every domain-spec and modifier value, and the expansion the evaluator
 * runs on target names and on explanation text.
 *
 * One walker serves both, so what the parser accepts is exactly what the expander
 * can expand. Nothing is allocated: output goes to the caller's buffer, the input is
 * (buf, len) and needs no NUL. Bad input is SPF_MACRO_SYNTAX with a short static
 * reason; an expansion that does not fit is SPF_MACRO_TOO_LONG, never a silent cut
 * (domain names are the one place the RFC asks for a cut, see spf_macro_expand_domain).
 */
#ifndef ECLUSE_SPF_MACRO_H
#define ECLUSE_SPF_MACRO_H

#include <stddef.h>
#include <time.h>

/* RFC 7208 7.3: an expanded domain name longer than this loses labels on the left. */
#define SPF_DOMAIN_MAX 253
/*
 * Room kept for the right-hand end of an expanded domain name before the cut above:
 * more than SPF_DOMAIN_MAX + 1 so that the cut always lands on a label boundary.
 */
#define SPF_MACRO_DOMAIN_BUF 512
/*
 * A transformer digit count above this keeps every part anyway (a value has at most
 * a few hundred parts); the bound only keeps the digit parse from overflowing.
 */
#define SPF_MACRO_PARTS_MAX 1000

/* Where a macro string stands; it decides which letters and bytes are allowed. */
enum spf_macro_ctx {
	SPF_MACRO_DOMAIN,	/* domain-spec: letters s l o d i p v h (7.3) */
	SPF_MACRO_MODIFIER,	/* unknown-modifier value: the same letters (7.1) */
	SPF_MACRO_EXPLAIN,	/* explain-string (6.2): every letter, plus SP */
};

enum spf_macro_err {
	SPF_MACRO_OK = 0,
	SPF_MACRO_SYNTAX,	/* not a macro-string of that context: permerror (7.1) */
	SPF_MACRO_TOO_LONG,	/* the expansion does not fit the output buffer */
};

/* Bits of struct spf_macro_info.letters: which macro letters a string uses. */
#define SPF_MACRO_USES_P	0x1u	/* %{p}: needs PTR and address lookups first */

struct spf_macro_info {
	/*
	 * Offset where the trailing run of literal characters starts (len when the
	 * string ends with a macro-expand): the record parser checks the domain-end
	 * rule of 7.1 on that run.
	 */
	size_t		 tail;
	unsigned	 letters;	/* SPF_MACRO_USES_* */
};

/*
 * The values macros expand to (7.2). Strings are (pointer, length), no NUL needed.
 * ptr is the validated name of the client (%{p}): the evaluator computes it, and
 * only when the string uses it (SPF_MACRO_USES_P); it may stay NULL otherwise.
 */
struct spf_macro_vars {
	const char	*sender;	size_t sender_len;	/* s */
	const char	*local;		size_t local_len;	/* l */
	const char	*sender_domain;	size_t sender_domain_len; /* o */
	const char	*domain;	size_t domain_len;	/* d */
	const char	*helo;		size_t helo_len;	/* h */
	const char	*ptr;		size_t ptr_len;		/* p */
	const char	*receiver;	size_t receiver_len;	/* r; NULL: "unknown" */
	int		 family;	/* AF_INET or AF_INET6: i, c, v */
	unsigned char	 ip[16];	/* 4 or 16 bytes, network order */
	time_t		 now;		/* t */
};

/* Checks the syntax of (buf, len) in ctx; info may be NULL. */
enum spf_macro_err spf_macro_check(const char *buf, size_t len, enum spf_macro_ctx ctx,
    struct spf_macro_info *info, const char **reason);

/*
 * Expands (buf, len) into out (outsz bytes, NUL-terminated); *outlen gets the length
 * without the NUL.
 */
enum spf_macro_err spf_macro_expand(const char *buf, size_t len, enum spf_macro_ctx ctx,
    const struct spf_macro_vars *v, char *out, size_t outsz, size_t *outlen,
    const char **reason);

/*
 * Expands a domain-spec into a name to query: one trailing dot removed, and when the
 * result passes SPF_DOMAIN_MAX, labels removed on the left until it fits (7.3).
 * out must hold SPF_MACRO_DOMAIN_BUF bytes. SPF_MACRO_TOO_LONG: no cut fits (a
 * single label longer than SPF_DOMAIN_MAX), the name cannot be queried.
 */
enum spf_macro_err spf_macro_expand_domain(const char *buf, size_t len,
    const struct spf_macro_vars *v, char *out, size_t *outlen, const char **reason);

#endif
