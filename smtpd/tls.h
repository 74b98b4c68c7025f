/*
 * tls.h - the server TLS context for STARTTLS (RFC 3207): TLS 1.2 or newer, the
 * certificate chain and key from [smtpd] tls_cert / tls_key, loaded before privileges
 * are dropped. Returns NULL and fills err on failure (the caller exits 2: a config
 * error). The caller frees with SSL_CTX_free().
 */
#ifndef ECLUSE_SMTPD_TLS_H
#define ECLUSE_SMTPD_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

SSL_CTX *tls_server_ctx(const char *cert, const char *key, char *err, size_t errsz);

#endif
