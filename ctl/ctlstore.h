/*
 * ctlstore.h - what eclusectl's store commands (held, whitelist, stats) share:
 * opening the configured store, naming the operator for the audit log, reading ids,
 * and reporting a store error once, on stderr, with the store's own detail.
 */
#ifndef ECLUSE_CTL_CTLSTORE_H
#define ECLUSE_CTL_CTLSTORE_H

#include <stdint.h>

#include "store/store.h"

struct config;

/* The store of [store] path; NULL after printing why. */
struct store *ctl_store_open(const struct config *cf);

/* The operator running eclusectl: who = "admin:LOGIN" (into buf), from = "cli". */
void ctl_actor(struct store_actor *by, char *buf, size_t bufsz);

/* Prints "eclusectl: WHAT: DETAIL" and returns CTL_EXIT_FAILURE. */
int ctl_store_error(const struct store *st, const char *what, enum store_err e);

/* A positive decimal id; 0, or -1 after printing "eclusectl: bad id". */
int ctl_parse_id(const char *s, int64_t *id);

#endif
