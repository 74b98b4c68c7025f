/*
 * fuzz_smtp_command.c - libFuzzer target: one SMTP command line through the verb
 * splitter and the MAIL, RCPT and HELO parsers. Checks the invariants the relay
 * depends on: an accepted recipient has exactly one '@', no route, no '%' or '!'
 * before it, and a non-empty domain; and its one spelling reads back as itself.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An accepted recipient is kept in one spelling (the least quoting, RFC 5321
 * 4.1.2): read again, it is accepted as itself. */
static void
reparse(const struct smtp_path *p, int utf8)
{
	char line[SMTP_PATH_MAX + 8];
	struct smtp_path q;

	memcpy(line, "TO:<", 4);
	memcpy(line + 4, p->addr, p->len);
	line[4 + p->len] = '>';
	if (smtp_parse_rcpt(line, p->len + 5, utf8, &q) != P_OK || q.len != p->len ||
	    q.at != p->at || memcmp(q.addr, p->addr, p->len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *arg;
	size_t alen;
	struct smtp_path p;
	struct mail_params mp;
	enum smtp_verb v = smtp_parse_verb(buf, size, &arg, &alen);

	(void)v;
	(void)smtp_parse_helo(arg, alen);
	if (smtp_parse_mail(arg, alen, &p, &mp) == P_OK && p.len > SMTP_PATH_MAX)
		abort();
	if (smtp_parse_rcpt(arg, alen, size & 1, &p) == P_OK) {
		const char *at = memchr(p.addr, '@', p.len);

		if (p.len == 0 || p.len > SMTP_PATH_MAX || p.addr[p.at] != '@' ||
		    p.at + 1 >= p.len || p.addr[p.at + 1] == '[')
			abort();
		if (p.addr[0] != '"' && (at != p.addr + p.at ||
		    memchr(p.addr, '%', p.at) != NULL || memchr(p.addr, '!', p.at) != NULL))
			abort();
		if (memchr(p.addr + p.at + 1, '@', p.len - p.at - 1) != NULL)
			abort();
		reparse(&p, size & 1);
	}
	return 0;
}
