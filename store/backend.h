/*
 * backend.h - what a storage backend implements, internal to store/ (sqlite.c today,
 * a PostgreSQL backend later). Nothing outside store/ includes it.
 *
 * Division of work: store.c checks every argument against store.h's limits and rules,
 * and prepares what is backend-neutral (audit texts, random lease values and
 * challenge ids) before calling in, so a backend only stores and fetches. writer.c
 * runs the group commit on a connection of its own, through batch.
 *
 * A struct store_conn is one backend connection, used by one thread at a time. Every
 * function returns STORE_OK or an error and leaves a detail for last_error. Output
 * structs are the public ones of store.h, allocated with xmalloc; on error a backend
 * leaves nothing allocated in them.
 */
#ifndef ECLUSE_STORE_BACKEND_H
#define ECLUSE_STORE_BACKEND_H

#include "store/store.h"

struct store_conn;

enum store_job_kind {
	STORE_JOB_HOLD,		/* insert a held message */
	STORE_JOB_SEEN,		/* count a sender under a client network */
};

/* One queued write, owned by writer.c; every pointer points into mem (a deep copy). */
struct store_job {
	struct store_job	*next;
	enum store_job_kind	 kind;
	struct store_hold	 hold;		/* STORE_JOB_HOLD */
	const char		*sender;	/* STORE_JOB_SEEN */
	const char		*net;
	int64_t			 now;
	store_done_cb		*cb;
	void			*arg;
	void			*mem;
	enum store_err		 err;		/* set by batch */
	int64_t			 id;		/* set by batch for a hold */
};

struct store_backend {
	const char *name;

	enum store_err (*open)(const char *path, struct store_conn **out, char *err,
	    size_t errsz);
	void (*close)(struct store_conn *c);
	const char *(*last_error)(const struct store_conn *c);

	/*
	 * Writes every job of the list in ONE transaction and one sync. A job that fails
	 * on its own (a constraint) gets its err and does not stop the others; when the
	 * transaction itself fails, the return value is the error and no job was written
	 * (the caller gives that error to every job).
	 */
	enum store_err (*batch)(struct store_conn *c, struct store_job *jobs);

	enum store_err (*held_get)(struct store_conn *c, int64_t id, bool with_message,
	    struct store_held *out);
	enum store_err (*held_list)(struct store_conn *c, const struct store_held_filter *f,
	    struct store_held **v, size_t *n);
	enum store_err (*release)(struct store_conn *c, int64_t id,
	    enum store_release_how how, int64_t now, const struct store_actor *by,
	    const char *what);
	enum store_err (*held_delete)(struct store_conn *c, int64_t id, int64_t now,
	    const struct store_actor *by, const char *what);

	enum store_err (*reinject_claim)(struct store_conn *c, int64_t now,
	    int64_t lease_secs, uint64_t lease, struct store_claim *out);
	enum store_err (*reinject_done)(struct store_conn *c, const struct store_claim *cl,
	    int64_t now);
	enum store_err (*reinject_retry)(struct store_conn *c, const struct store_claim *cl,
	    const char *error, int64_t next_attempt);
	enum store_err (*reinject_fail)(struct store_conn *c, const struct store_claim *cl,
	    const char *error, int64_t now);
	enum store_err (*reinject_next)(struct store_conn *c, int64_t *when);

	enum store_err (*wl_add)(struct store_conn *c, const struct store_wl_entry *e,
	    const struct store_actor *by, const char *what, int64_t *id);
	enum store_err (*wl_remove)(struct store_conn *c, enum store_wl_scope scope,
	    const char *target, const char *sender, int64_t now,
	    const struct store_actor *by, const char *what);
	enum store_err (*wl_list)(struct store_conn *c, const struct store_wl_filter *f,
	    struct store_wl_entry **v, size_t *n);
	/* rcpt_domain and sender_domain are store_domain_of() of the two addresses. */
	enum store_err (*wl_lookup)(struct store_conn *c, const char *rcpt,
	    const char *rcpt_domain, const char *sender, const char *sender_domain,
	    int64_t now, struct store_wl_entry **v, size_t *n);

	enum store_err (*seen_get)(struct store_conn *c, const char *key,
	    struct store_seen **v, size_t *n);

	enum store_err (*challenge_new)(struct store_conn *c, int64_t held_id,
	    const char *id, const char *answer, int64_t now);
	/* Compares with store_answer_equal. */
	enum store_err (*challenge_check)(struct store_conn *c, const char *id,
	    const char *answer, int64_t now, unsigned max_tries, int64_t *held_id,
	    enum store_answer *res);
	/* id NULL: the newest challenge created after since. */
	enum store_err (*challenge_answer)(struct store_conn *c, int64_t held_id,
	    const char *id, int64_t since, char **answer);
	enum store_err (*attempt_hit)(struct store_conn *c, enum store_attempt_kind kind,
	    const char *key, int64_t now, int64_t window_secs, uint64_t *count);

	enum store_err (*recipient_id)(struct store_conn *c, const char *address,
	    int64_t now, int64_t *id);
	enum store_err (*recipient_address)(struct store_conn *c, int64_t id,
	    char **address);

	enum store_err (*digest_pending)(struct store_conn *c, int64_t now, size_t limit,
	    struct store_digest_item **v, size_t *n);
	enum store_err (*digest_claim)(struct store_conn *c, const char *rcpt, int64_t now,
	    int64_t lease_secs, uint64_t lease, struct store_digest_claim *out);
	enum store_err (*digest_done)(struct store_conn *c,
	    const struct store_digest_claim *cl, int64_t now);
	enum store_err (*digest_unclaim)(struct store_conn *c,
	    const struct store_digest_claim *cl);
	enum store_err (*digest_last_round)(struct store_conn *c, int64_t *last);
	enum store_err (*digest_round_take)(struct store_conn *c, int64_t seen, int64_t now);

	enum store_err (*audit_add)(struct store_conn *c, int64_t now,
	    const struct store_actor *by, const char *what);
	enum store_err (*audit_list)(struct store_conn *c, int64_t before_id, size_t limit,
	    struct store_audit_entry **v, size_t *n);

	enum store_err (*stats)(struct store_conn *c, int64_t now, struct store_stats *out);
	enum store_err (*purge)(struct store_conn *c, int64_t now, int64_t keep,
	    struct store_purge_result *out);
};

extern const struct store_backend store_sqlite_backend;

/* The domain part of an address (after its last '@'), or "" when it has none. */
const char *store_domain_of(const char *addr);
/* Whether a filter or whitelist value names a domain (it has no '@'). */
bool store_is_domain(const char *s);
/* Constant-time equality of two answers (length leaks, content does not). */
bool store_answer_equal(const char *a, const char *b);

#endif
