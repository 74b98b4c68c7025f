/*
 * dkim_support.h - test support for DKIM: files read whole, and a DNS table that
 * answers the wanted questions of a DKIM evaluation the way the daemon's resolver
 * does, so tests run dkim_verify_step() exactly as the daemon runs it.
 *
 * Table file: one record per line, "name<TAB>TXT<TAB>value" (the format of
 * testdata/dkim/dns-records.txt; several lines with one name make an RRset), or
 * "name<TAB>TIMEOUT" / "name<TAB>SERVFAIL" / "name<TAB>NODATA". '#' starts a
 * comment line. A name not in the table does not exist (NXDOMAIN).
 * Failures abort the test program with a message: this is test code.
 */
#ifndef ECLUSE_TEST_DKIM_SUPPORT_H
#define ECLUSE_TEST_DKIM_SUPPORT_H

#include <stddef.h>

#include "auth/dkim.h"
#include "auth/dns.h"

/* The whole file, NUL-terminated; with crlf, every LF becomes CRLF. Free with free(). */
char *test_read_file(const char *path, size_t *len, int crlf);

struct dnstable;

struct dnstable *dnstable_load(const char *path);
/* A table from text in the same format (for tests that build records inline). */
struct dnstable *dnstable_parse(const char *text);
void dnstable_free(struct dnstable *t);

/* Runs the evaluation to DKIM_DONE, answering from the table; returns the number
 * of DNS questions answered. */
int dnstable_drive(const struct dnstable *t, struct dkim_ctx *ctx, struct dns_cache *c);

#endif
