/*
 * server.h - the listening socket and the connection limits ([smtpd]
 * max_connections in all, max_connections_per_ip per client address): a client over a
 * limit gets "421 4.7.0" and is closed before a session exists.
 * Ownership: server_free() ends every session; server_free(NULL) is a no-op.
 */
#ifndef ECLUSE_SMTPD_SERVER_H
#define ECLUSE_SMTPD_SERVER_H

#include <stddef.h>

#include "smtpd/session.h"

struct server;

/* Binds env->cf->smtpd_listen; NULL and err filled on failure. */
struct server *server_new(const struct smtpd_env *env, char *err, size_t errsz);
void server_free(struct server *srv);

#endif
