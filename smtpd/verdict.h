/*
 * verdict.h - the one decision point between the end of data and the forward.
 *
 * The session calls verdict_decide() once per transaction with everything known about
 * it; what comes back decides between relaying now, holding in quarantine (550 with a
 * release URL) and refusing. Authentication results and the quarantine policy plug in
 * here and nowhere else (DESIGN rule 2: one verdict per transaction).
 */
#ifndef ECLUSE_SMTPD_VERDICT_H
#define ECLUSE_SMTPD_VERDICT_H

#include <stddef.h>

struct auth_result;

#define VERDICT_REASON_MAX 256

enum verdict { VERDICT_RELAY, VERDICT_QUARANTINE, VERDICT_REJECT };

struct verdict_input {
	const char	*client_ip;
	const char	*helo;
	const char	*mail_from;		/* "" for the null sender */
	const char	*const *rcpts;
	size_t		 nrcpts;
	const char	*msg;			/* content, unstuffed, CRLF lines */
	size_t		 msglen;
	const struct auth_result *auth;		/* SPF, DKIM, DMARC; NULL: not run */
};

struct verdict_result {
	enum verdict	 verdict;
	char		 reason[VERDICT_REASON_MAX];	/* for the log and the held copy */
};

void verdict_decide(const struct verdict_input *in, struct verdict_result *out);

#endif
