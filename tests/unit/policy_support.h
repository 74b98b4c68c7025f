/*
 * policy_support.h - for the policy unit tests: authentication results and client
 * addresses built from a line of a test table. Header-only test code.
 */
#ifndef ECLUSE_TEST_POLICY_SUPPORT_H
#define ECLUSE_TEST_POLICY_SUPPORT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"

/* One transaction's authentication, as a test table writes it. Zero means none. */
struct auth_spec {
	enum spf_result	 spf;
	const char	*spf_domain;	/* the MAIL FROM domain checked */
	enum dkim_result dkim;		/* DKIM_NONE: no signature */
	const char	*dkim_d;
	int		 dkim_testing;
	enum dmarc_res	 dmarc;
	enum dmarc_policy dmarc_policy;
	const char	*from;		/* From domain; NULL: no From field */
};

static inline void
auth_from_spec(struct auth_result *a, const struct auth_spec *s)
{
	memset(a, 0, sizeof(*a));
	a->spf.result = s->spf;
	snprintf(a->spf.domain, sizeof(a->spf.domain), "%s",
	    s->spf_domain != NULL ? s->spf_domain : "");
	if (s->dkim != DKIM_NONE) {
		a->ndkim = 1;
		a->dkim[0].result = s->dkim;
		a->dkim[0].testing = s->dkim_testing;
		snprintf(a->dkim[0].d, sizeof(a->dkim[0].d), "%s",
		    s->dkim_d != NULL ? s->dkim_d : "");
	}
	if (s->from != NULL) {
		a->from.err = FROM_OK;
		a->from.naddrs = 1;
		snprintf(a->from.addr[0].local, sizeof(a->from.addr[0].local), "someone");
		snprintf(a->from.addr[0].domain, sizeof(a->from.addr[0].domain), "%s",
		    s->from);
	} else
		a->from.err = FROM_NO_FIELD;
	a->dmarc.result = s->dmarc;
	a->dmarc.policy = s->dmarc_policy;
	if (s->from != NULL)
		snprintf(a->dmarc.author, sizeof(a->dmarc.author), "%s", s->from);
}

/* A socket address from text; aborts on a typo in the table. */
static inline const struct sockaddr *
client_addr(struct sockaddr_storage *ss, const char *text)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, text, &s6->sin6_addr) != 1)
			abort();
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		if (inet_pton(AF_INET, text, &s4->sin_addr) != 1)
			abort();
	}
	return (const struct sockaddr *)ss;
}

#endif
