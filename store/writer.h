/*
 * writer.h - the group commit behind store_hold_submit and store_seen_submit,
 * internal to store/: a queue, one writer thread with its own backend connection, and
 * a completion pipe back to the caller's thread. See store.h for the threading model.
 */
#ifndef ECLUSE_STORE_WRITER_H
#define ECLUSE_STORE_WRITER_H

#include "store/backend.h"

/* Jobs one transaction carries at most, and message bytes: a burst is split into
 * several commits so one transaction (and the WAL it appends) stays bounded. */
#define STORE_BATCH_MAX 256
#define STORE_BATCH_BYTES (64u * 1024 * 1024)
/* How long sightings alone may wait for company before their commit: they are
 * history, not mail (DESIGN rule 1 is about messages), and a commit with its sync for
 * every relayed message was the largest CPU cost of a relayed message after the
 * sockets (docs/benchmarks.md). A hold, a full batch or the writer's end commits them
 * at once; a crash loses at most this much history (a sender then looks new once
 * more). */
#define STORE_SEEN_WAIT_MS 100

struct store_writer;

/* Opens the writer's own connection to path and the completion pipe; the thread starts
 * at the first submit. NULL on error, with err filled. */
struct store_writer *store_writer_new(const struct store_backend *be, const char *path,
    char *err, size_t errsz);
/* Commits what is queued, stops the thread, runs the pending callbacks, frees.
 * store_writer_free(NULL) is a no-op. */
void store_writer_free(struct store_writer *w);

/* Queue a deep copy of a (validated) hold or sighting. STORE_IO when the thread cannot
 * start; the callback is then never called. */
enum store_err store_writer_hold(struct store_writer *w, const struct store_hold *msg,
    store_done_cb *cb, void *arg);
enum store_err store_writer_seen(struct store_writer *w, const char *sender,
    const char *net, int64_t now, store_done_cb *cb, void *arg);

int store_writer_fd(const struct store_writer *w);
size_t store_writer_run(struct store_writer *w);
void store_writer_stats(const struct store_writer *w, struct store_commit_stats *out);

#endif
