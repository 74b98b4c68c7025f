/*
 * fuzz_proxies.c - libFuzzer target for what ecluse-web reads of a reverse proxy:
 * the input is parsed as a [web] trusted_proxies value (proxies_parse), and, split at
 * each '\n' into fields (at most PROXIES_FIELDS_MAX, the last ones, as server.c
 * keeps them), walked as X-Forwarded-For from a trusted and an untrusted peer
 * (proxies_client). Each field is its own allocation of its exact length, so
 * ASan sees a read past one. Checks: a refused list is empty with a reason; from an
 * untrusted peer the client is the peer; an error leaves the peer, with a reason;
 * a client found from a trusted peer is a canonical address (its text parses back
 * to it).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/netaddr.h"
#include "release-web/proxies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TRUSTED	"127.0.0.1, ::1, 10.0.0.0/8, fd00::/8, ::ffff:192.0.2.0/120"

static void
check_list(const char *buf, size_t size)
{
	struct proxies p;
	const char *why = NULL;

	if (proxies_parse(buf, size, &p, &why) != 0) {
		if (why == NULL || p.n != 0 || p.v != NULL)
			abort();
		return;
	}
	if (p.n > PROXIES_MAX)
		abort();
	proxies_clear(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nl;
	struct proxies_field f[PROXIES_FIELDS_MAX];
	struct proxies p;
	struct netaddr peer, out, client;
	size_t nf = 0, i, off = 0;
	const char *why;
	enum proxies_err e;

	check_list(buf, size);
	if (proxies_parse(TRUSTED, strlen(TRUSTED), &p, &why) != 0)
		abort();
	while (off <= size) {
		size_t len;
		char *copy;

		nl = memchr(buf + off, '\n', size - off);
		len = nl != NULL ? (size_t)(nl - (buf + off)) : size - off;
		if (nf == PROXIES_FIELDS_MAX) {
			free((void *)f[0].buf);
			memmove(f, f + 1, (PROXIES_FIELDS_MAX - 1) * sizeof(f[0]));
			nf--;
		}
		copy = malloc(len > 0 ? len : 1);
		if (copy == NULL)
			abort();
		memcpy(copy, buf + off, len);
		f[nf].buf = copy;
		f[nf].len = len;
		nf++;
		off += len + 1;
	}

	/* untrusted: never read */
	netaddr_parse("198.51.100.1", 12, &peer);
	if (proxies_client(&p, &peer, f, nf, &client, &why) != PROXIES_OK ||
	    !netaddr_equal(&client, &peer))
		abort();
	/* trusted */
	netaddr_parse("127.0.0.1", 9, &peer);
	why = NULL;
	e = proxies_client(&p, &peer, f, nf, &client, &why);
	if (e != PROXIES_OK) {
		if (why == NULL || !netaddr_equal(&client, &peer))
			abort();
	} else {
		char text[64];

		/* the client's text, parsed again, is the same address (a round trip
		 * through netaddr; the walk only ever yields parsed literals) */
		netaddr_text(&client, text, sizeof(text));
		if (netaddr_parse(text, strlen(text), &out) != 0 || !netaddr_equal(&out, &client))
			abort();
	}
	for (i = 0; i < nf; i++)
		free((void *)f[i].buf);
	proxies_clear(&p);
	return 0;
}
