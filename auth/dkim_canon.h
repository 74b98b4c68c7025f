/*
 * dkim_canon.h - DKIM canonicalization (RFC 6376 3.4): "simple" and "relaxed", for
 * header fields and for the body, written as a stream of bytes to a callback (the
 * verifier feeds a hash; tests collect the bytes). No canonical copy of the message
 * is ever built.
 */
#ifndef ECLUSE_DKIM_CANON_H
#define ECLUSE_DKIM_CANON_H

#include <stddef.h>
#include <stdint.h>

enum dkim_canon {
	DKIM_CANON_SIMPLE,
	DKIM_CANON_RELAXED,
};

/* Receives canonical bytes, in order, in pieces of any size. */
typedef void dkim_out_fn(void *arg, const void *p, size_t n);

/*
 * Canonicalizes one header field. raw is the whole field, name to its final CRLF,
 * as header_next() returns it. The bytes [skip_off, skip_off + skip_len) are left
 * out first (the b= value of the signature being verified; skip_len 0 for none).
 * crlf 0 leaves out the final CRLF (the signature field itself is hashed without
 * it, RFC 6376 3.7).
 */
void dkim_canon_header(enum dkim_canon c, const char *raw, size_t len, size_t skip_off,
    size_t skip_len, int crlf, dkim_out_fn *out, void *arg);

/*
 * Body canonicalization as a stream: feed the body in pieces of any size (a CRLF
 * may be split between pieces), then finish. With a limit (l=), only the first
 * limit canonical bytes reach out; the length returned by dkim_body_final counts
 * them all, so the caller can tell an l= longer than the body.
 */
struct dkim_body;

struct dkim_body *dkim_body_new(enum dkim_canon c, int limited, uint64_t limit,
    dkim_out_fn *out, void *arg);
void dkim_body_update(struct dkim_body *b, const char *p, size_t n);
/* Ends the body (adds the final CRLF as the algorithm says) and returns the whole
 * canonical length, limit or not. Call once. */
uint64_t dkim_body_final(struct dkim_body *b);
void dkim_body_free(struct dkim_body *b);

#endif
