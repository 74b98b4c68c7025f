/*
 * tls.c - server SSL_CTX; see tls.h.
 */
#include "config.h"

#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "smtpd/tls.h"

SSL_CTX *
tls_server_ctx(const char *cert, const char *key, char *err, size_t errsz)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	const char *what = NULL;

	if (ctx == NULL)
		what = "cannot create TLS context";
	else if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
		what = "cannot require TLS 1.2";
	else if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		what = "cannot load tls_cert";
	else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		what = "cannot load tls_key";
	else if (SSL_CTX_check_private_key(ctx) != 1)
		what = "tls_key does not match tls_cert";
	if (what != NULL) {
		char why[256];

		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		snprintf(err, errsz, "%s: %s", what, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Compression leaks secrets (CRIME); renegotiation is a DoS lever. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}
