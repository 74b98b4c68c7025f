/*
 * store.h - the one storage API of ecluse: held (quarantined) messages, the
 * re-injection queue, whitelists, sender history, CAPTCHA challenges, rate-limit
 * counters, recipient ids and the audit log.
 *
 * Backend-neutral: nothing here names SQL or a database library. store_open picks the
 * backend from the path (a file path: sqlite3 in WAL mode; a PostgreSQL backend will
 * take "postgresql://" URIs). Every process (ecluse-smtpd, ecluse-web, eclusectl)
 * opens the same store; the backend serialises their writes.
 *
 * Threading model
 *   A struct store belongs to the thread that opened it (the "caller's thread": the
 *   libevent loop of a daemon). Every function below runs in that thread only, except
 *   that the store itself runs one writer thread of its own:
 *
 *   - Hot writes are asynchronous and group-committed: store_hold_submit and
 *     store_seen_submit copy their input into a queue and return at once. The writer
 *     thread takes everything queued, writes it in ONE transaction and ONE sync
 *     (writes that arrive while a commit is in flight share the next one), and posts
 *     the results back. The caller watches store_completion_fd() (readable when
 *     results wait: register it with libevent, EV_READ|EV_PERSIST) and calls
 *     store_run_completions(), which runs the callbacks in the caller's thread, in
 *     submission order. A hold's callback with STORE_OK means the copy is committed
 *     and synced to stable storage: only then may ecluse-smtpd reply 550.
 *   - Every other call is synchronous on a second connection owned by the caller's
 *     thread. Reads never wait for writers. Synchronous writes may wait for a lock up
 *     to STORE_BUSY_TIMEOUT_MS and for one sync of the disk: the daemons use them off
 *     the per-message path (release, whitelist changes, the re-injection runner).
 *   - The writer thread starts at the first submit, so a daemon may fork between
 *     store_open and its first submit; it must not use a store across fork() after
 *     that (open the store in the process that uses it).
 *
 * Durability: a call that returns STORE_OK (or a callback that gets STORE_OK) has
 * committed and synced, on a disk that honours fsync. sqlite3 backend: WAL with
 * synchronous=FULL (the WAL is synced at every commit; NORMAL would sync only at
 * checkpoints and may lose the last commits on power loss); a new database file's
 * directory entry is synced when the file is created.
 *
 * Strings: every text argument is NUL-terminated and bounded by the limits below
 * (checked with strnlen; over a limit is STORE_INVALID, never a truncation). Mail
 * addresses and domains compare ASCII case-insensitively everywhere (whitelist,
 * history, filters), as mail systems treat them in practice.
 * Times are Unix seconds (int64_t) given by the caller, so tests control the clock.
 *
 * Ownership: every struct the store returns is allocated by it and released with the
 * matching *_free / *_clear function (all no-ops on NULL or on a zeroed struct). Input
 * structs are copied or fully used before the call returns; the caller keeps them.
 */
#ifndef ECLUSE_STORE_H
#define ECLUSE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets. */
#define STORE_ADDR_MAX 256
/* RFC 1035 2.3.4: a domain name is at most 255 octets. */
#define STORE_DOMAIN_MAX 255
/* RFC 5321 4.5.3.1.4: a command line (HELO and its argument) is at most 512 octets. */
#define STORE_HELO_MAX 512
/* An IPv6 address in text with a zone, or a network in CIDR form. */
#define STORE_NET_MAX 64
/* RFC 5321 4.5.3.1.8 asks for at least 100 recipients; this is the upper bound of
 * [smtpd] max_recipients, so every transaction smtpd accepts can be held. */
#define STORE_RCPT_MAX 10000
/* Authentication-Results text: several DKIM signatures fit; a bigger one is hostile. */
#define STORE_AUTHRES_MAX 16384
/* The verdict word and its reasons (policy text, not network data). */
#define STORE_VERDICT_MAX 64
#define STORE_REASONS_MAX 4096
/* Display fields: the decoded Subject and the Date header as shown to people. */
#define STORE_SUBJECT_MAX 1024
#define STORE_DATE_MAX 256
/* A held message: below sqlite's SQLITE_MAX_LENGTH (10^9); smtpd's max_message_size
 * must not exceed it. */
#define STORE_MESSAGE_MAX (512u * 1024 * 1024)
/* A next-hop error text kept in the re-injection queue (RFC 5321 reply, single line). */
#define STORE_ERROR_MAX 1024
/* A CAPTCHA answer. */
#define STORE_ANSWER_MAX 64
/* A rate-limit key: a token, an address or a client address. */
#define STORE_KEY_MAX 512
/* Audit fields: who (an operator name, "sender", a recipient address), from where (a
 * client address, "cli"), what happened. */
#define STORE_WHO_MAX 320
#define STORE_WHAT_MAX 2048
/* Rows one list call returns: the caller pages with a cursor for more. */
#define STORE_LIST_MAX 10000
/* How long one synchronous call waits for another process's write lock. */
#define STORE_BUSY_TIMEOUT_MS 5000
/* A CAPTCHA challenge older than this is refused: a person answers in minutes; an old
 * challenge is a stolen or replayed one. */
#define STORE_CHALLENGE_TTL 900
/* Characters of a challenge id (16 random bytes in base64url), without the NUL. */
#define STORE_CHALLENGE_ID_LEN 22

struct store;

enum store_err {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* no such message, entry or challenge; or nothing due */
	STORE_CONFLICT,		/* the row's state does not allow this (released, deleted,
				 * expired; a lease lost to another runner) */
	STORE_SPENT,		/* the release token of this message was used already */
	STORE_INVALID,		/* an argument breaks a limit or a rule stated here */
	STORE_BUSY,		/* locked by another process past the busy timeout: temporary */
	STORE_IO,		/* the backend failed (I/O, disk full, corruption): temporary
				 * for SMTP (451), an error for the operator */
	STORE_VERSION,		/* the database's schema is newer than this program */
};

/* A short constant text for an error ("not found", ...). */
const char *store_strerror(enum store_err err);

/*
 * Opens (and creates, mode 0600, then migrates to the current schema) the store at
 * path. On error returns it, *out is NULL, and err (errsz bytes) says why.
 */
enum store_err store_open(const char *path, struct store **out, char *err, size_t errsz);

/*
 * Waits for the writer thread to commit everything queued, runs the callbacks still
 * pending (in the caller's thread, before returning), and closes. store_close(NULL)
 * is a no-op.
 */
void store_close(struct store *st);

/* Detail of the last failure of a synchronous call (backend text), or "". Valid until
 * the next call on st. */
const char *store_last_error(const struct store *st);

/* ---------------------------------------------------------------- held messages */

enum store_state {
	STORE_HELD = 1,		/* waiting in quarantine for a release */
	STORE_RELEASED,		/* released; in the re-injection queue */
	STORE_DELIVERED,	/* the next hop accepted it; content dropped */
	STORE_EXPIRED,		/* not released in time; content dropped by store_purge */
	STORE_DELETED,		/* deleted by an operator; content dropped */
	STORE_FAILED,		/* the next hop refused it permanently; content kept for the
				 * operator, who may release it again */
};
#define STORE_STATE_MAX STORE_FAILED

/* "held", "released", ...; NULL for a value out of range. */
const char *store_state_name(enum store_state s);
/* The state named (buf, len); 0 when none. */
enum store_state store_state_parse(const char *buf, size_t len);

/* What ecluse-smtpd holds: the input of store_hold_submit. */
struct store_hold {
	const char		*mail_from;	/* reverse-path without <>; "" null sender */
	const char *const	*rcpts;		/* forward-paths without <>, one next hop */
	/* The mailbox of each recipient (common/mailbox.h: alice@d for alice+news@d
	 * under subaddressing), what recipient pages and digests are kept by; NULL:
	 * each recipient is its own mailbox. */
	const char *const	*mailboxes;
	size_t			 nrcpts;	/* 1..STORE_RCPT_MAX */
	const char		*client_addr;	/* the client's IP address, text */
	const char		*helo;
	const char		*auth_results;	/* Authentication-Results value */
	const char		*auth_domain;	/* the aligned domain that passed DKIM or
						 * SPF, "" when none: a release whitelists
						 * the sender under it */
	const char		*verdict;	/* e.g. "hold" */
	const char		*reasons;	/* why, for the operator and recipient */
	const char		*subject;	/* for display; NULL: from the header */
	const char		*date;		/* for display; NULL: from the header */
	const unsigned char	*message;	/* the raw message, as relayed: CRLF lines */
	size_t			 message_len;	/* 1..STORE_MESSAGE_MAX */
	int64_t			 received;
	int64_t			 expires;	/* end of the release window (> received) */
};

/* A held message as stored. */
struct store_held {
	int64_t			 id;
	char			*mail_from;
	char			**rcpts;
	char			**mailboxes;	/* of rcpts[i] (store_hold); nrcpts */
	size_t			 nrcpts;
	char			*client_addr;
	char			*helo;
	char			*auth_results;
	char			*auth_domain;
	char			*verdict;
	char			*reasons;
	char			*subject;
	char			*date;
	enum store_state	 state;
	int64_t			 received;
	int64_t			 expires;
	int64_t			 released;	/* 0: never */
	int64_t			 delivered;	/* 0: never */
	bool			 token_spent;
	char			*error;		/* last re-injection error; "" */
	size_t			 size;		/* of the message when it was held */
	unsigned char		*message;	/* NULL unless asked for, or once dropped */
	size_t			 message_len;
};

/* Frees what a store_held points to and zeroes it; the struct itself is the caller's. */
void store_held_clear(struct store_held *h);
/* Frees an array returned by store_held_list. */
void store_held_list_free(struct store_held *v, size_t n);

/*
 * The result of a submit. err is STORE_OK when the write is committed and synced; id
 * is the held message's id (0 for store_seen_submit and on error). Runs in the
 * caller's thread from store_run_completions or store_close.
 */
typedef void store_done_cb(void *arg, enum store_err err, int64_t id);

/*
 * Queues a held message for the next group commit. Everything msg points to is copied
 * before return. A NULL subject or date is taken from the message's header (the first
 * Subject or Date field, unfolded and trimmed, encoded-words left as they are; cut to
 * the limit with "..." for display, the message itself is kept whole; "" when missing
 * or when the header is malformed). Returns STORE_INVALID (and never calls cb) when msg breaks a limit:
 * at least one recipient, each with an '@' and a domain; mail_from "" or with an '@'.
 * Otherwise STORE_OK, and cb(arg, ...) will be called exactly once.
 */
enum store_err store_hold_submit(struct store *st, const struct store_hold *msg,
    store_done_cb *cb, void *arg);

/*
 * Readable when completions wait. Owned by the store (do not close); the same fd for
 * the store's whole life, non-blocking.
 */
int store_completion_fd(const struct store *st);

/* Runs every waiting callback, in submission order. Returns how many ran. A callback
 * may submit again; it must not close the store. */
size_t store_run_completions(struct store *st);

/* Group-commit counters since open: transactions committed by the writer and the
 * writes (jobs) they carried. */
struct store_commit_stats {
	uint64_t	transactions;
	uint64_t	jobs;
};
void store_commit_stats(const struct store *st, struct store_commit_stats *out);

/* Reads one message; with_message also loads its raw content (message stays NULL
 * once the content was dropped). NOTFOUND when no such id. */
enum store_err store_held_get(struct store *st, int64_t id, bool with_message,
    struct store_held *out);

/* Filters of store_held_list; a NULL or 0 field does not filter. */
struct store_held_filter {
	const char		*rcpt;		/* address (a recipient, or a mailbox: the
						 * messages held for any of its
						 * subaddresses too), or a domain when it
						 * has no '@' */
	const char		*sender;	/* address, or a domain when it has no '@' */
	int64_t			 since;		/* received >= since */
	int64_t			 until;		/* received < until */
	enum store_state	 state;
	int64_t			 before_id;	/* paging: ids below this one */
	size_t			 limit;		/* 1..STORE_LIST_MAX; 0: STORE_LIST_MAX */
};

/* Messages matching f, newest (highest id) first, without content. */
enum store_err store_held_list(struct store *st, const struct store_held_filter *f,
    struct store_held **v, size_t *n);

/* Who does an operator-level change (written to the audit log in the same
 * transaction). */
struct store_actor {
	const char	*who;	/* "admin:NAME", "sender", "rcpt:ADDRESS", ... */
	const char	*from;	/* client address, "cli", ... */
};

enum store_release_how {
	STORE_BY_TOKEN,		/* the sender solved the challenge: the token becomes spent;
				 * SPENT if it was; CONFLICT unless held and not yet expired */
	STORE_BY_OPERATOR,	/* CONFLICT unless held or failed; the token is left as is */
};

/* Marks the message released and queues it for re-injection, due now. */
enum store_err store_release(struct store *st, int64_t id, enum store_release_how how,
    int64_t now, const struct store_actor *by);

/* Marks the message deleted, drops its content and its queue entry (a released
 * message not yet delivered is not delivered). CONFLICT if deleted already. */
enum store_err store_held_delete(struct store *st, int64_t id, int64_t now,
    const struct store_actor *by);

/* ------------------------------------------------------- the re-injection queue */

/*
 * Delivery at most once: a runner claims the next due message with a lease (a random
 * value and a deadline, committed before the claim returns), delivers it, then reports
 * the outcome with the claim. store_reinject_done changes the message to delivered and
 * removes it from the queue in one transaction, and only if the lease is still the
 * runner's; a second runner (another process, or the same after a restart) cannot
 * claim the message before the lease ends. The one window SMTP leaves open (RFC 1047):
 * a runner that dies after the next hop's 250 and before store_reinject_done; the
 * message is claimed again once the lease ends and delivered twice. ecluse prefers a
 * duplicate to a loss (DESIGN rule 1); the lease should exceed the relay timeouts.
 */
struct store_claim {
	int64_t			 id;
	uint64_t		 lease;		/* the claim's secret; passed back as is */
	unsigned		 attempts;	/* including this one */
	struct store_held	 msg;		/* envelope and content to deliver */
};
void store_claim_clear(struct store_claim *c);

/* Claims the due message with the earliest next attempt: NOTFOUND when none is due. */
enum store_err store_reinject_claim(struct store *st, int64_t now, int64_t lease_secs,
    struct store_claim *out);
/* The next hop accepted it. CONFLICT when the lease was lost. */
enum store_err store_reinject_done(struct store *st, const struct store_claim *c,
    int64_t now);
/* Temporary failure: retry at next_attempt; error is the reply, kept for operators. */
enum store_err store_reinject_retry(struct store *st, const struct store_claim *c,
    const char *error, int64_t next_attempt);
/* Permanent failure (5xx, or retries exhausted): state failed, out of the queue. */
enum store_err store_reinject_fail(struct store *st, const struct store_claim *c,
    const char *error, int64_t now);
/* When the next attempt is due (the runner's timer); NOTFOUND when the queue is
 * empty. A leased entry counts at the end of its lease. */
enum store_err store_reinject_next(struct store *st, int64_t *when);

/* ------------------------------------------------------------------ whitelists */

/*
 * The sender lists ("whitelist" for short): each entry allows or blocks one sender
 * address or sender domain, for every recipient, one domain's or one recipient's.
 * (scope, target, sender) is unique, so one key is either allowed or blocked: adding
 * a block replaces an allow with the same key and the other way round, except that an
 * entry made by a release (STORE_WL_BY_RELEASE) never replaces a block (CONFLICT,
 * nothing changed): a blocked sender cannot unblock itself by solving a challenge.
 * What an entry means for mail is ecluse-smtpd's (smtpd/whitelist.h).
 */
enum store_wl_action {
	STORE_WL_ALLOW,		/* mail from the sender is fast-tracked (if authenticated) */
	STORE_WL_BLOCK,		/* mail from the sender is refused */
};

enum store_wl_scope {
	STORE_WL_GLOBAL,	/* every recipient */
	STORE_WL_DOMAIN,	/* every recipient of one domain */
	STORE_WL_RECIPIENT,	/* one recipient */
};
enum store_wl_origin {
	STORE_WL_BY_RELEASE,	/* the sender solved a challenge */
	STORE_WL_BY_RECIPIENT,	/* the recipient added it */
	STORE_WL_BY_ADMIN,	/* an operator added it */
};

struct store_wl_entry {
	int64_t			 id;		/* set by the store */
	enum store_wl_scope	 scope;
	const char		*target;	/* recipient address, domain, or "" (global) */
	const char		*sender;	/* an address, or a domain when it has no '@' */
	enum store_wl_origin	 origin;
	const char		*auth_domain;	/* aligned DKIM/SPF domain it was created
						 * under; "" when none */
	const char		*client_net;	/* client network it was created from; "" */
	int64_t			 created;
	int64_t			 expires;	/* 0: never */
	enum store_wl_action	 action;
};
/* Frees an array the store returned (its strings too). */
void store_wl_free(struct store_wl_entry *v, size_t n);

/* Adds e, or replaces the entry with the same (scope, target, sender): *id gets its id
 * (id may be NULL). CONFLICT when e is made by a release and that entry is a block. */
enum store_err store_wl_add(struct store *st, const struct store_wl_entry *e,
    const struct store_actor *by, int64_t *id);
/* Removes the entry (scope, target, sender): NOTFOUND when there is none. */
enum store_err store_wl_remove(struct store *st, enum store_wl_scope scope,
    const char *target, const char *sender, int64_t now, const struct store_actor *by);

struct store_wl_filter {
	bool			 any_scope;	/* true: every scope */
	enum store_wl_scope	 scope;
	bool			 any_action;	/* true: allows and blocks */
	enum store_wl_action	 action;	/* else only these */
	const char		*target;	/* NULL: any */
	const char		*sender;	/* NULL: any */
	int64_t			 after_id;	/* paging: ids above this one */
	size_t			 limit;		/* 0: STORE_LIST_MAX */
};
/* Entries matching f, by id. */
enum store_err store_wl_list(struct store *st, const struct store_wl_filter *f,
    struct store_wl_entry **v, size_t *n);

/*
 * The unexpired entries that apply to mail from sender to rcpt, allows and blocks:
 * scope global, the recipient's domain, or the recipient; sender equal to the address
 * or to its domain (exactly: a subdomain does not match). Most specific first
 * (recipient, domain, global; an address before a domain). The null sender matches
 * nothing.
 */
enum store_err store_wl_lookup(struct store *st, const char *rcpt, const char *sender,
    int64_t now, struct store_wl_entry **v, size_t *n);

/* --------------------------------------------------------------- sender history */

/*
 * Queues "sender was seen from client_net at now" for the next group commit: counted
 * under the address and under its domain. cb may be NULL. INVALID for the null sender.
 * Unlike a hold, a sighting may wait up to STORE_SEEN_WAIT_MS (writer.h) to share a
 * commit, so store_seen_get may not show it at once.
 */
enum store_err store_seen_submit(struct store *st, const char *sender,
    const char *client_net, int64_t now, store_done_cb *cb, void *arg);

struct store_seen {
	char		*net;
	uint64_t	 count;
	int64_t		 first_seen;
	int64_t		 last_seen;
};
void store_seen_free(struct store_seen *v, size_t n);

/* Networks key (an address, or a domain) was seen from, most recent first. */
enum store_err store_seen_get(struct store *st, const char *key, struct store_seen **v,
    size_t *n);

/* --------------------------------------------------------- CAPTCHA and limits */

/* Creates a challenge for held message held_id; id gets its text id (NUL-terminated). */
enum store_err store_challenge_new(struct store *st, int64_t held_id, const char *answer,
    int64_t now, char id[STORE_CHALLENGE_ID_LEN + 1]);

enum store_answer {
	STORE_ANSWER_RIGHT,	/* the challenge is used up: a second answer is NOTFOUND */
	STORE_ANSWER_WRONG,	/* tries left */
	STORE_ANSWER_EXHAUSTED,	/* wrong, and that was the last try: challenge gone */
	STORE_ANSWER_EXPIRED,	/* older than STORE_CHALLENGE_TTL: challenge gone */
};
/*
 * Checks answer against challenge id (compared in constant time) and counts the try;
 * max_tries >= 1. *held_id gets the challenge's message (the caller checks it is the
 * one its token names). NOTFOUND when no such challenge.
 */
enum store_err store_challenge_check(struct store *st, const char *id, const char *answer,
    int64_t now, unsigned max_tries, int64_t *held_id, enum store_answer *res);

/*
 * The answer of an open challenge (created within STORE_CHALLENGE_TTL of now) of held
 * message held_id, for the operator (eclusectl challenge-answer: support, and tests
 * that play the sender): challenge id when not NULL, else the newest one (of several
 * made in the same second, the one with the smallest id). *answer is the caller's to
 * free. Nothing on the web side calls it. NOTFOUND when there is none.
 */
enum store_err store_challenge_answer(struct store *st, int64_t held_id, const char *id,
    int64_t now, char **answer);

enum store_attempt_kind {
	STORE_ATTEMPT_TOKEN,	/* tries on one release token */
	STORE_ATTEMPT_CLIENT,	/* requests from one client address */
	STORE_ATTEMPT_SENDER,	/* releases for one sender */
};
/*
 * Counts one attempt for (kind, key) in a fixed window of window_secs starting at its
 * first attempt; *count gets the attempts in the current window, this one included.
 */
enum store_err store_attempt_hit(struct store *st, enum store_attempt_kind kind,
    const char *key, int64_t now, int64_t window_secs, uint64_t *count);

/* --------------------------------------------------------------- recipient ids */

/* A stable id for a recipient address (created on first use), for recipient-scoped
 * tokens. */
enum store_err store_recipient_id(struct store *st, const char *address, int64_t now,
    int64_t *id);
/* The address of recipient id (allocated; free()). NOTFOUND when none. */
enum store_err store_recipient_address(struct store *st, int64_t id, char **address);

/* ------------------------------------------------------------------ digests */

/*
 * A recipient's digest mail lists the messages held for them since their last one;
 * the store records which (message, recipient) pairs a digest listed, so that no
 * message is listed twice. The record goes with the message when it is purged.
 *
 * Never twice, also across processes (ecluse-smtpd's scheduled round, an operator's
 * eclusectl, two daemons on one store): a sender claims a recipient's pending pairs
 * with a lease (a random value and a deadline, committed before the claim returns),
 * sends the digest, and then records it with the claim (store_digest_done), or gives
 * the pairs back when the send failed (store_digest_unclaim). A pair under a live
 * lease is neither pending nor claimable; a sender that dies leaves its pairs pending
 * again once the lease ends. The window SMTP leaves open (RFC 1047, a crash between
 * the next hop's 250 and store_digest_done) may send one digest twice; a lost one is
 * worse. The lease should exceed the time one send may take.
 */
struct store_digest_item {
	int64_t	 held_id;
	char	*rcpt;		/* the recipient's mailbox (store_hold.mailboxes): one
				 * digest lists what was held for any of its subaddresses */
};
void store_digest_free(struct store_digest_item *v, size_t n);

/* (message, mailbox) pairs of messages still held and not expired at now that no
 * digest listed yet and no live claim holds, once per mailbox even when the message
 * went to several of its subaddresses, ordered by mailbox (case-insensitively) then
 * message id; at most limit (0: STORE_LIST_MAX). */
enum store_err store_digest_pending(struct store *st, int64_t now, size_t limit,
    struct store_digest_item **v, size_t *n);

struct store_digest_claim {
	char		*rcpt;		/* a copy of the mailbox claimed for */
	uint64_t	 lease;		/* the claim's secret; passed back as is */
	int64_t		*ids;		/* the held messages claimed, ascending */
	size_t		 n;		/* 1..STORE_LIST_MAX */
};
/* Frees what a claim points to and zeroes it. */
void store_digest_claim_clear(struct store_digest_claim *c);

/* Claims, in one transaction, the pairs of mailbox rcpt pending at now (as
 * store_digest_pending has them, any case of the address), until now + lease_secs. NOTFOUND when none is
 * pending: nothing due, or another sender holds them. */
enum store_err store_digest_claim(struct store *st, const char *rcpt, int64_t now,
    int64_t lease_secs, struct store_digest_claim *out);
/* The digest of c went out at now: records its pairs as listed (a pair recorded
 * already, or whose message was purged meanwhile, is left as it is) and ends the
 * lease, in one transaction. Records even when the lease ended and another sender
 * claimed the pairs since: the mail is out, the record stops a third one. */
enum store_err store_digest_done(struct store *st, const struct store_digest_claim *c,
    int64_t now);
/* The send failed: c's pairs are pending again at once (unless the lease was lost). */
enum store_err store_digest_unclaim(struct store *st, const struct store_digest_claim *c);

/*
 * The time of the last scheduled round (ecluse-smtpd), kept in the store so that a
 * restart or a second daemon neither skips a round nor runs an extra one: *last is 0
 * when no round ran yet. store_digest_round_take records now as the last round only
 * if the recorded one is still seen (a compare-and-set): CONFLICT when another
 * process took the round first.
 */
enum store_err store_digest_last_round(struct store *st, int64_t *last);
enum store_err store_digest_round_take(struct store *st, int64_t seen, int64_t now);

/* ------------------------------------------------------------------ audit log */

struct store_audit_entry {
	int64_t		 id;
	int64_t		 at;
	char		*who;
	char		*from;
	char		*what;
};
void store_audit_free(struct store_audit_entry *v, size_t n);

/* Records an event that is not one of the store's own changes (a login, a refusal). */
enum store_err store_audit_add(struct store *st, int64_t now, const struct store_actor *by,
    const char *what);
/* Entries with id below before_id (0: from the newest), newest first, at most limit
 * (0: STORE_LIST_MAX). */
enum store_err store_audit_list(struct store *st, int64_t before_id, size_t limit,
    struct store_audit_entry **v, size_t *n);

/* ------------------------------------------------------------ stats and purge */

struct store_stats {
	uint64_t	held[STORE_STATE_MAX + 1];	/* messages per state (index 0 unused) */
	uint64_t	whitelist[STORE_WL_RECIPIENT + 1];	/* entries per scope (allows
							 * and blocks) */
	uint64_t	queue;		/* re-injection queue length */
	uint64_t	queue_due;	/* of which due now (not leased) */
	int64_t		oldest_held;	/* received time of the oldest held; 0: none */
	uint64_t	challenges;
	uint64_t	senders;	/* sender history rows */
};
enum store_err store_stats(struct store *st, int64_t now, struct store_stats *out);

struct store_purge_result {
	uint64_t	expired;	/* held messages past their release window */
	uint64_t	removed;	/* messages in a final state for longer than keep */
	uint64_t	challenges;	/* challenges older than STORE_CHALLENGE_TTL */
	uint64_t	attempts;	/* rate-limit windows ended */
	uint64_t	whitelist;	/* whitelist entries past their expiry */
	uint64_t	senders;	/* history rows not seen for keep */
};
/*
 * The daemon's scheduled clean-up: held messages past expires become expired and lose
 * their content; messages delivered, expired, deleted or failed more than keep seconds
 * ago are removed with their recipients; stale challenges, rate-limit windows,
 * whitelist entries and history rows are removed. Works in bounded batches, so other
 * writers wait for one batch at most. out may be NULL.
 */
enum store_err store_purge(struct store *st, int64_t now, int64_t keep,
    struct store_purge_result *out);

#endif
