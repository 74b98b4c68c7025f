/*
 * admin.h - the admin API of ecluse-web: JSON over HTTP for operators and scripts,
 * served on its own listen address ([web] admin_listen), documented in docs/api.md.
 *
 * admin_server.c takes the connection, the bearer token and the body; admin_handle
 * routes one authenticated request to its endpoint and builds the JSON reply. Every
 * parameter (query string, or a POST body) is application/x-www-form-urlencoded and
 * parsed strictly by release-web/form.h; an unknown, repeated or malformed parameter
 * is 400. Errors are {"error": TEXT, "status": N} with that HTTP status.
 * Changes (release, delete, whitelist add and remove) are audited by the store in the
 * same transaction, as "admin:NAME" from the client's address; a per-domain token's
 * as "admin:NAME (DOMAIN, ...)", the domains the change touched.
 * A per-domain token sees and changes its domains' data only (admin_scope.h decides,
 * admin.c applies it to every endpoint; docs/api.md, "Per-domain tokens").
 */
#ifndef ECLUSE_ADMIN_H
#define ECLUSE_ADMIN_H

#include <stddef.h>

#include "release-web/admin_auth.h"

struct web;
struct config;

/* What the admin API reads: part of one version of the config (webconf.h). */
struct admin_ctx {
	const struct web	*w;	/* the store handles (web_store) */
	const struct config	*cf;	/* the served domains */
	struct admin_tokens	 tokens;
};

struct admin_req {
	const char	*method;
	const char	*path;		/* without the query */
	size_t		 pathlen;
	const char	*query;		/* after '?', may be empty */
	size_t		 querylen;
	const char	*body;		/* POST: form-urlencoded; may be empty */
	size_t		 bodylen;
	const char	*who;		/* "admin:NAME", the token's name */
	const struct admin_scope *scope;	/* what the token reaches (admin_auth.h) */
	const char	*client;	/* the client's address */
	long long	 now;		/* Unix seconds */
};

struct admin_reply {
	unsigned	 status;
	char		*body;		/* JSON, malloc'ed: the caller frees it */
	size_t		 len;
	const char	*allow;		/* 405: the Allow header value */
};

void admin_handle(const struct admin_ctx *a, const struct admin_req *rq,
    struct admin_reply *r);
/* The JSON error body for status with text why. */
void admin_error(struct admin_reply *r, unsigned status, const char *why);

/* Serving: starts a libmicrohttpd daemon on listen_fd (bound and listening) for the
 * admin API; each request reads the admin_ctx of the current version in confs
 * (webconf.h), from its first line to its completion. NULL and err on failure. */
struct admin_server;
struct snapshot;
struct admin_server *admin_server_start(struct snapshot *confs, int listen_fd,
    char *err, size_t errsz);
void admin_server_stop(struct admin_server *s);

#endif
