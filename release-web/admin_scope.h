/*
 * admin_scope.h - what a per-domain admin token may see and change: the one place
 * where the admin API decides it (admin.c applies the answers to every endpoint).
 *
 * A scope (admin_auth.h) is "all" (a [web] token) or a sorted list of served domains.
 * An address is in scope when its domain (after the last '@', ASCII
 * case-insensitive, one trailing dot allowed) is one of the list; a string without
 * '@' or with an empty domain is not. Pure functions of their arguments: no store,
 * no config, no allocation.
 */
#ifndef ECLUSE_ADMIN_SCOPE_H
#define ECLUSE_ADMIN_SCOPE_H

#include <stddef.h>

#include "release-web/admin_auth.h"
#include "store/store.h"

/* How much of a held message a scope reaches, by its recipients. */
enum admin_reach {
	ADMIN_REACH_NONE,	/* no recipient: as if the message did not exist */
	ADMIN_REACH_PART,	/* some: shown with those only, never released or deleted */
	ADMIN_REACH_ALL,
};

/* 1 when the domain (buf, len) is in s, else 0. */
int admin_scope_domain(const struct admin_scope *s, const char *buf, size_t len);
/* 1 when the address (buf, len) is in s, else 0. */
int admin_scope_rcpt(const struct admin_scope *s, const char *buf, size_t len);
/* The recipients rcpts[0..n) against s (n 0: NONE). */
enum admin_reach admin_scope_held(const struct admin_scope *s,
    const char *const *rcpts, size_t n);
/* 1 when s may list, add and remove whitelist entries of (scope, target): a global
 * entry only with "all"; a domain entry of a domain in s; a recipient entry of an
 * address in s. */
int admin_scope_wl(const struct admin_scope *s, enum store_wl_scope scope,
    const char *target);

#endif
