/*
 * dnsfake.h - for unit tests: DNS answers built by hand, and a tiny DNS responder on
 * a loopback UDP socket driven by the test's own event loop, answering from a table.
 * It lets the resolver and everything above it run their real asynchronous path
 * without a DNS server process.
 */
#ifndef ECLUSE_TEST_DNSFAKE_H
#define ECLUSE_TEST_DNSFAKE_H

#include <stddef.h>

struct event_base;

/* A DNS message under construction. */
struct dnsmsg {
	unsigned char	b[4096];
	size_t		len;
};

/* Header and question; rcode 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN. */
void dnsmsg_header(struct dnsmsg *m, unsigned id, unsigned rcode, unsigned ancount,
    const char *qname, unsigned qtype);
/* Answer records owned by the question name. */
void dnsmsg_txt(struct dnsmsg *m, const char *const *strings);
void dnsmsg_a(struct dnsmsg *m, const char *ip);
/* MX (pref >= 0) or PTR (pref < 0) pointing to target. */
void dnsmsg_name(struct dnsmsg *m, unsigned type, int pref, const char *target);

/* One entry of the responder's table; a question not in it gets NXDOMAIN. */
struct dnsfake_rr {
	const char	*name;		/* compared case-insensitively */
	unsigned	 type;		/* 1 A, 15 MX, 16 TXT, ... */
	unsigned	 rcode;		/* answered with no record when not 0 */
	int		 silent;	/* never answered */
	const char	*txt[4];	/* TXT: one record of these strings */
};

struct dnsfake;

struct dnsfake *dnsfake_start(struct event_base *base, const struct dnsfake_rr *table);
/* "127.0.0.1:PORT" */
const char *dnsfake_servers(const struct dnsfake *f);
/* Questions received so far. */
int dnsfake_queries(const struct dnsfake *f);
void dnsfake_stop(struct dnsfake *f);

#endif
