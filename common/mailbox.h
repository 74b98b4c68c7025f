/*
 * mailbox.h - subaddressing: the mailbox a recipient address belongs to, as mail
 * administrators know it from Postfix's recipient_delimiter. With delimiter "+",
 * alice+news@example.org belongs to alice@example.org: everything ecluse keeps per
 * recipient (whitelist and block entries, the recipient page, digests) is kept per
 * mailbox, while the held copy keeps, and re-injection uses, the exact address.
 *
 * The rule: the local part is cut before the first byte that is one of the
 * delimiter characters, when what comes before it is not empty ("+tag@d" and
 * "++tag@d" stay as they are, as in Postfix: no mailbox has an empty name); the
 * domain is lower-cased (ASCII), so one mailbox has one spelling in the store and in
 * digests. Unlike Postfix, no local part is excepted (postmaster, owner-x, x-request
 * under "-"): the mailbox only groups what ecluse keeps per recipient.
 * A quoted local part (the address starts with '"') is kept whole: smtpd/parse.c
 * already turns every quoted form that needs no quotes into its unquoted form (RFC
 * 5321 4.1.2: they are the same mailbox), so what stays quoted holds characters that
 * no tagging scheme produces, and cutting inside quotes would need re-quoting; whole,
 * no two distinct mailboxes are ever merged. The '@' is the last one of the address.
 *
 * Pure functions, no allocation. Input is (buf, len), no NUL needed.
 */
#ifndef ECLUSE_MAILBOX_H
#define ECLUSE_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets; a mailbox is never longer than
 * its address, so this bounds both. */
#define MAILBOX_ADDR_MAX 256

enum mailbox_err {
	MAILBOX_OK = 0,
	MAILBOX_NO_AT,		/* no '@', or nothing after it: not a recipient address */
	MAILBOX_TOO_LONG,	/* over MAILBOX_ADDR_MAX */
};

/*
 * The mailbox of the address (addr, len) under delims (a NUL-terminated set of
 * delimiter characters, "" or NULL: no subaddressing, only the domain is
 * lower-cased) into out, NUL-terminated, with its length in *outlen. On error out
 * is "" and *outlen 0.
 */
enum mailbox_err mailbox_of(const char *addr, size_t len, const char *delims,
    char out[MAILBOX_ADDR_MAX + 1], size_t *outlen);

struct config;
/*
 * mailbox_of under the configuration: the recipient_delimiter of the address's
 * served domain ([domain X], which defaults to [policy]), or the [policy] one for a
 * domain not served.
 */
enum mailbox_err mailbox_of_config(const struct config *cf, const char *addr, size_t len,
    char out[MAILBOX_ADDR_MAX + 1], size_t *outlen);

/*
 * Checks a delimiter set as given in the configuration (recipient_delimiter): each
 * character once, and each one an RFC 5322 3.2.3 atext character that is not a
 * letter or digit (! # $ % & ' * + - / = ? ^ _ ` { | } ~): a delimiter must be able
 * to appear in an unquoted local part, and a letter or digit would cut ordinary
 * names; '.' separates the atoms of a dot-atom (john.smith is one person). "" is
 * valid (no subaddressing). Returns true, or false with a short reason in *why.
 */
bool mailbox_delims_valid(const char *buf, size_t len, const char **why);

#endif
