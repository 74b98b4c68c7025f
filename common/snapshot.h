/*
 * snapshot.h - the current version of a read-only object that threads share and a
 * reload replaces as a whole (a daemon's configuration on SIGHUP).
 *
 * A reader takes the current version with snapshot_get at the start of its work (a
 * request) and gives it back with snapshot_put at the end: it sees that one version
 * throughout, even when a newer one is published meanwhile. snapshot_publish makes a
 * new version current; the replaced one is freed, by the free function given to
 * snapshot_new, as soon as its last reader has put it back (at once when it has
 * none), so memory stays bounded however often the daemon reloads.
 *
 * Thread-safe: get, put and publish take one mutex for a few instructions; no
 * callback runs under it. Versions are never changed once published.
 * Ownership: snapshot_new and snapshot_publish take the version they are given;
 * snapshot_free frees the current version and the holder (NULL is a no-op) and must
 * come after every reader has put its version back (a missed put is a leak, which
 * a sanitizer build reports, never a use after free).
 */
#ifndef ECLUSE_SNAPSHOT_H
#define ECLUSE_SNAPSHOT_H

struct snapshot;

struct snapshot *snapshot_new(void *first, void (*free_fn)(void *));
void snapshot_free(struct snapshot *s);

/* The current version, held until snapshot_put. Never NULL. */
const void *snapshot_get(struct snapshot *s);
/* Gives back a version snapshot_get returned. */
void snapshot_put(struct snapshot *s, const void *v);
/* Makes v current; the version it replaces goes with its last reader. */
void snapshot_publish(struct snapshot *s, void *v);
/* Replaced versions that readers still hold (for the log: a number that keeps
 * growing is a reader that never puts its version back). */
unsigned long snapshot_retired(struct snapshot *s);

#endif
