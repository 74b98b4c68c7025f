/*
 * reinject.c - the re-injection runner; see reinject.h for what it promises.
 *
 * One struct job per claimed message, at most lim.concurrency at once. A job walks
 * the SMTP conversation (connect or reuse, MAIL, each RCPT, DATA) with the client's
 * callbacks, under a deadline timer that ends the attempt before the lease does. Its
 * end reports to the store (done, retry or fail) and frees the job; the runner then
 * looks at the queue again.
 *
 * What comes from the store is trusted to have passed ecluse-smtpd's parser, but is
 * checked again before it reaches a command line: an address with a control byte
 * would be a command injection to the next hop, and a recipient whose domain is no
 * longer served (or moved to another next hop) would be an open relay.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "smtpd/client.h"
#include "smtpd/reinject.h"
#include "smtpd/whitelist.h"

/* An error text: a reply line and some context; with what job_data and job_retry
 * add, under STORE_ERROR_MAX. */
#define REINJECT_ERROR_MAX (SMTP_REPLY_LINE_MAX + 128)
#if REINJECT_ERROR_MAX + 160 > STORE_ERROR_MAX
#error "re-injection error texts do not fit the store's"
#endif
/* Escaped addresses in log lines (log_escape writes up to 4 bytes per byte). */
#define ADDR_LOG_MAX (STORE_ADDR_MAX * 4 + 4)

enum jstate {
	J_CONNECT,	/* waiting for the greeting and EHLO */
	J_MAIL,
	J_RCPT,
	J_DATA,		/* DATA sent: from here a lost reply may mean a delivery */
	J_REPORT,	/* delivered; store_reinject_done not written yet */
};

struct refusal {
	size_t			 rcpt;		/* index in claim.msg.rcpts */
	char			 text[REINJECT_ERROR_MAX];
};

struct job {
	struct reinject		*r;
	struct job		*next;
	struct store_claim	 claim;
	const struct hostport	*hop;		/* &own once routed, else NULL */
	struct hostport		 own;		/* a copy: a reload may free the
						 * configuration it came from */
	struct smtp_client	*c;
	enum jstate		 state;
	bool			 reused;	/* c came idle from the pool */
	bool			 utf8;		/* needs SMTPUTF8 */
	bool			 eightbit;	/* needs BODY=8BITMIME */
	bool			*send;		/* per recipient: routed to hop */
	size_t			 rcpt;		/* next RCPT to send */
	size_t			 accepted;
	struct refusal		*refused;
	size_t			 nrefused;
	char			 tempfail[REINJECT_ERROR_MAX];	/* first 4xx to a RCPT */
	char			 reply[REINJECT_ERROR_MAX];	/* the final 250 */
	char			 head[REINJECT_HEADER_MAX];
	size_t			 headlen;
	struct event		*deadline;	/* end of the attempt's time budget */
	int64_t			 lease_end;	/* wall clock, as the store counts */
};

struct reinject {
	struct event_base	*base;
	struct relay_pool	*pool;
	struct store		*st;
	const struct config	*cf;
	struct reinject_limits	 lim;
	int64_t			 lease;
	struct event		*timer;
	struct job		*jobs;
	unsigned		 running;
};

static void job_mail(struct job *j);
static void job_rcpt(struct job *j);

/* ---------------------------------------------------------------- pure parts */

int
reinject_backoff(const struct reinject_limits *lim, unsigned attempts, int64_t released,
    int64_t now, int64_t *next)
{
	int64_t delay = lim->retry_first, end;
	unsigned i;

	if (released <= 0 || released > now)
		released = now;
	end = released + (int64_t)lim->lifetime;
	if (now >= end)
		return -1;
	/* the loop stops at retry_max, so the product never grows past it */
	for (i = 1; i < attempts && delay < (int64_t)lim->retry_max; i++)
		delay *= REINJECT_RETRY_FACTOR;
	if (delay > (int64_t)lim->retry_max)
		delay = lim->retry_max;
	*next = now + delay < end ? now + delay : end;
	return 0;
}

int64_t
reinject_lease(const struct config *cf)
{
	return (int64_t)cf->relay_timeout_connect +
	    (int64_t)REINJECT_ATTEMPT_REPLIES * cf->relay_timeout_reply +
	    (int64_t)cf->relay_timeout_data_end + REINJECT_LEASE_MARGIN;
}

size_t
reinject_header(const struct store_held *h, char *buf, size_t size)
{
	char date[64];
	time_t when = (time_t)h->released;
	struct tm tm;
	int n;

	if (localtime_r(&when, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		return 0;
	/* folded before "at=" to stay under RFC 5322 2.1.1's 78 characters */
	n = snprintf(buf, size, "X-Ecluse-Released: by %s; id=%" PRId64 ";\r\n\tat=%s\r\n",
	    h->token_spent ? "sender after challenge" : "operator", h->id, date);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';	/* never a cut header */
		return 0;
	}
	return (size_t)n;
}

/* ------------------------------------------------------------ checks on input */

/* A path safe on a command line: no control byte (CR, LF, NUL...), no angle
 * bracket (not even quoted: the live path refuses those too, parse.h P_ANGLE, so
 * whatever it held passes here); 8-bit bytes are UTF-8 for SMTPUTF8. */
static bool
path_ok(const char *s, bool *utf8)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return false;
		if (*p >= 0x80)
			*utf8 = true;
	}
	return p - (const unsigned char *)s <= STORE_ADDR_MAX;
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

/*
 * Looks at the message's bytes: 8-bit anywhere needs BODY=8BITMIME (RFC 6152); 8-bit
 * in the header section is an internationalized header and needs SMTPUTF8 (RFC 6532,
 * RFC 6531 3.4).
 */
static void
scan_message(const unsigned char *m, size_t len, bool *eightbit, bool *utf8)
{
	/* a message that starts with the empty line has no header section */
	bool in_header = !(len >= 2 && m[0] == '\r' && m[1] == '\n');
	size_t i;

	for (i = 0; i < len; i++) {
		if (in_header && m[i] == '\r' && i + 3 < len && m[i + 1] == '\n' &&
		    m[i + 2] == '\r' && m[i + 3] == '\n')
			in_header = false;
		if (m[i] >= 0x80) {
			/* the first 8-bit byte says both: later ones add nothing */
			*eightbit = true;
			if (in_header)
				*utf8 = true;
			return;
		}
	}
}

/* ---------------------------------------------------------------- logging */

/* One line per outcome; retry_in: seconds to the next attempt, or -1. */
static void
log_outcome(const struct job *j, const char *event, const char *why, int64_t retry_in)
{
	char from[ADDR_LOG_MAX], w[REINJECT_ERROR_MAX * 4], next[32] = "";
	const struct store_held *h = &j->claim.msg;

	if (retry_in >= 0)
		snprintf(next, sizeof(next), " retry_in=%" PRId64, retry_in);
	log_info("held=%" PRId64 " event=%s from=<%s> rcpts=%zu accepted=%zu refused=%zu "
	    "hop=%s:%u attempts=%u%s reason=\"%s\"", j->claim.id, event,
	    log_escape(from, sizeof(from), h->mail_from, strlen(h->mail_from)), h->nrcpts,
	    j->accepted, j->nrefused, j->hop ? j->hop->host : "-", j->hop ? j->hop->port : 0,
	    j->claim.attempts, next, log_escape(w, sizeof(w), why, strlen(why)));
}

static void
audit(struct reinject *r, const struct job *j, const char *what)
{
	const struct store_actor by = { "ecluse-smtpd", "reinject" };
	enum store_err e;

	if ((e = store_audit_add(r->st, (int64_t)time(NULL), &by, what)) != STORE_OK)
		log_warn("held=%" PRId64 " event=reinject_audit_failed error=\"%s: %s\"",
		    j->claim.id, store_strerror(e), store_last_error(r->st));
}

/* ---------------------------------------------------------- runner and jobs */

static void
kick(struct reinject *r)
{
	const struct timeval now = { 0, 0 };

	evtimer_add(r->timer, &now);
}

static void
job_free(struct job *j)
{
	struct reinject *r = j->r;
	struct job **pp;

	for (pp = &r->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	r->running--;
	if (j->deadline != NULL)
		event_free(j->deadline);
	store_claim_clear(&j->claim);
	free(j->own.host);
	free(j->send);
	free(j->refused);
	free(j);
	kick(r);
}

/* Closes the connection of an attempt that ends in the middle of a conversation. */
static void
drop_client(struct job *j)
{
	if (j->c != NULL) {
		pool_drop(j->r->pool, j->c);
		j->c = NULL;
	}
}

/* Gives the connection back: clean when the next hop's transaction is over. */
static void
put_client(struct job *j, int clean)
{
	if (j->c != NULL) {
		pool_put(j->r->pool, j->c, clean);
		j->c = NULL;
	}
}

static void
job_fail(struct job *j, const char *why)
{
	struct reinject *r = j->r;
	char what[STORE_WHAT_MAX];
	enum store_err e;

	e = store_reinject_fail(r->st, &j->claim, why, (int64_t)time(NULL));
	if (e != STORE_OK) {
		/* the lease ends and the message is tried (and refused) again */
		log_err("held=%" PRId64 " event=reinject_store_error op=fail error=\"%s: %s\"",
		    j->claim.id, store_strerror(e), store_last_error(r->st));
	} else {
		log_outcome(j, "reinject_failed", why, -1);
		snprintf(what, sizeof(what), "reinject held=%" PRId64 " failed: %s",
		    j->claim.id, why);
		audit(r, j, what);
	}
	job_free(j);
}

static void
job_retry(struct job *j, const char *why)
{
	struct reinject *r = j->r;
	int64_t now = (int64_t)time(NULL), next;
	char gaveup[REINJECT_ERROR_MAX + 160];
	enum store_err e;

	if (reinject_backoff(&r->lim, j->claim.attempts, j->claim.msg.released, now,
	    &next) != 0) {
		snprintf(gaveup, sizeof(gaveup), "%s (temporary failures for %u s since the "
		    "release: given up)", why, r->lim.lifetime);
		job_fail(j, gaveup);
		return;
	}
	if ((e = store_reinject_retry(r->st, &j->claim, why, next)) != STORE_OK)
		log_err("held=%" PRId64 " event=reinject_store_error op=retry error=\"%s: %s\"",
		    j->claim.id, store_strerror(e), store_last_error(r->st));
	else
		log_outcome(j, "reinject_deferred", why, next - now);
	job_free(j);
}

/* Same as job_retry, with a delay of its own that is not a failure of the message. */
static void
job_busy(struct job *j, const char *why)
{
	struct reinject *r = j->r;
	enum store_err e;

	e = store_reinject_retry(r->st, &j->claim, why,
	    (int64_t)time(NULL) + REINJECT_BUSY_DELAY);
	if (e != STORE_OK)
		log_err("held=%" PRId64 " event=reinject_store_error op=retry error=\"%s: %s\"",
		    j->claim.id, store_strerror(e), store_last_error(r->st));
	else
		log_outcome(j, "reinject_deferred", why, REINJECT_BUSY_DELAY);
	job_free(j);
}

/* Writes "delivered"; on a store failure tries again until the lease ends. Returns
 * true when the job is finished (freed). */
static bool
report_done(struct job *j)
{
	struct reinject *r = j->r;
	int64_t now = (int64_t)time(NULL);
	enum store_err e = store_reinject_done(r->st, &j->claim, now);
	char what[STORE_WHAT_MAX], a[ADDR_LOG_MAX];
	size_t i;

	if (e == STORE_BUSY || e == STORE_IO) {
		if (now + REINJECT_DONE_RETRY < j->lease_end) {
			log_warn("held=%" PRId64 " event=reinject_store_error op=done "
			    "error=\"%s: %s\" retry_in=%d", j->claim.id, store_strerror(e),
			    store_last_error(r->st), REINJECT_DONE_RETRY);
			return false;
		}
		log_err("held=%" PRId64 " event=reinject_store_error op=done error=\"%s: %s\" "
		    "duplicate=possible", j->claim.id, store_strerror(e),
		    store_last_error(r->st));
	} else if (e != STORE_OK) {
		/* CONFLICT: another runner took it after our lease, or it was deleted */
		log_err("held=%" PRId64 " event=reinject_store_error op=done error=\"%s: %s\" "
		    "duplicate=possible", j->claim.id, store_strerror(e),
		    store_last_error(r->st));
	} else {
		char net[STORE_NET_MAX];

		log_outcome(j, "reinject_delivered", j->reply, -1);
		/* a released message is delivered mail: its sender is now known from there */
		if (j->claim.msg.mail_from[0] != '\0' && whitelist_client_net(
		    j->claim.msg.client_addr, strlen(j->claim.msg.client_addr), net) == 0)
			(void)store_seen_submit(r->st, j->claim.msg.mail_from, net, now, NULL,
			    NULL);
		for (i = 0; i < j->nrefused; i++) {
			const char *rc = j->claim.msg.rcpts[j->refused[i].rcpt];

			log_info("held=%" PRId64 " event=reinject_rcpt_refused rcpt=<%s> "
			    "reason=\"%s\"", j->claim.id, log_escape(a, sizeof(a), rc, strlen(rc)),
			    j->refused[i].text);
			snprintf(what, sizeof(what), "reinject held=%" PRId64 " rcpt=<%s> "
			    "refused: %s", j->claim.id, a, j->refused[i].text);
			audit(r, j, what);
		}
		snprintf(what, sizeof(what), "reinject held=%" PRId64 " delivered to %s:%u "
		    "rcpts=%zu refused=%zu", j->claim.id, j->hop->host, j->hop->port,
		    j->accepted, j->nrefused);
		audit(r, j, what);
	}
	job_free(j);
	return true;
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	const struct timeval again = { REINJECT_DONE_RETRY, 0 };
	char why[REINJECT_ERROR_MAX];

	if (j->state == J_REPORT) {
		if (!report_done(j))
			evtimer_add(j->deadline, &again);
		return;
	}
	snprintf(why, sizeof(why), "attempt over its time budget of %" PRId64 " s%s",
	    j->r->lease - REINJECT_LEASE_MARGIN,
	    j->state == J_DATA ? " (during DATA: the next hop may have it)" : "");
	drop_client(j);
	job_retry(j, why);
}

/* "NNN text" of a reply for the store and the log. */
static void
reply_text(char *buf, size_t size, const char *what, const struct smtp_reply *rp)
{
	if (rp->code == 0)
		snprintf(buf, size, "%s: %s", what, rp->text);
	else
		snprintf(buf, size, "%s: %d %s", what, rp->code, rp->text);
}

static void
on_data(struct smtp_client *c, const struct smtp_reply *rp, void *arg)
{
	struct job *j = arg;
	char why[REINJECT_ERROR_MAX];

	reply_text(why, sizeof(why), "DATA", rp);
	if (rp->code == 0) {
		/* the RFC 1047 window: it may have been delivered; retrying prefers a
		 * duplicate to a loss */
		drop_client(j);
		job_retry(j, why);
		return;
	}
	if (rp->code / 100 != 2) {
		put_client(j, 0);
		if (rp->code / 100 == 4)
			job_retry(j, why);
		else
			job_fail(j, why);
		return;
	}
	put_client(j, 1);
	j->state = J_REPORT;
	snprintf(j->reply, sizeof(j->reply), "%d %s", rp->code, rp->text);
	if (!report_done(j)) {
		const struct timeval again = { REINJECT_DONE_RETRY, 0 };

		evtimer_add(j->deadline, &again);
	}
}

static void
job_data(struct job *j)
{
	char why[REINJECT_ERROR_MAX + 64];

	if (j->tempfail[0] != '\0') {
		/* one recipient deferred: the whole message waits (see reinject.h) */
		put_client(j, 0);
		job_retry(j, j->tempfail);
		return;
	}
	if (j->accepted == 0) {
		snprintf(why, sizeof(why), "every recipient refused; first: %s",
		    j->nrefused > 0 ? j->refused[0].text : "none sent");
		put_client(j, 0);
		job_fail(j, why);
		return;
	}
	if ((int64_t)time(NULL) >= j->lease_end - REINJECT_LEASE_MARGIN) {
		/* the loop was held up (store calls wait for locks): the deadline is late,
		 * and the end of data must never go out after the lease */
		put_client(j, 0);
		job_retry(j, "attempt over its time budget before DATA");
		return;
	}
	j->state = J_DATA;
	client_data(j->c, j->head, j->headlen, (const char *)j->claim.msg.message,
	    j->claim.msg.message_len, on_data, j);
}

static void
refuse(struct job *j, size_t rcpt, const char *text)
{
	struct refusal *f;

	j->refused = xreallocarray(j->refused, j->nrefused + 1, sizeof(*j->refused));
	f = &j->refused[j->nrefused++];
	f->rcpt = rcpt;
	snprintf(f->text, sizeof(f->text), "%s", text);
}

static void
on_rcpt(struct smtp_client *c, const struct smtp_reply *rp, void *arg)
{
	struct job *j = arg;
	char why[REINJECT_ERROR_MAX];

	reply_text(why, sizeof(why), "RCPT", rp);
	if (rp->code == 0) {
		drop_client(j);
		job_retry(j, why);
		return;
	}
	if (rp->code / 100 == 2)
		j->accepted++;
	else if (rp->code / 100 == 4) {
		if (j->tempfail[0] == '\0')
			snprintf(j->tempfail, sizeof(j->tempfail), "%s", why);
	} else
		refuse(j, j->rcpt, why);
	j->rcpt++;
	job_rcpt(j);
}

static void
job_rcpt(struct job *j)
{
	const struct store_held *h = &j->claim.msg;
	char line[SMTP_REPLY_LINE_MAX];
	int n;

	while (j->rcpt < h->nrcpts && !j->send[j->rcpt])
		j->rcpt++;
	if (j->rcpt == h->nrcpts) {
		job_data(j);
		return;
	}
	n = snprintf(line, sizeof(line), "RCPT TO:<%s>", h->rcpts[j->rcpt]);
	if (n < 0 || (size_t)n > sizeof(line) - 2) {
		/* path_ok bounded the address: this is a broken invariant */
		log_fatal("held=%" PRId64 " event=bug what=rcpt_line_overflow", j->claim.id);
	}
	j->state = J_RCPT;
	client_command(j->c, line, (size_t)n, on_rcpt, j);
}

static void job_connect(struct job *j);

static void
on_mail(struct smtp_client *c, const struct smtp_reply *rp, void *arg)
{
	struct job *j = arg;
	char why[REINJECT_ERROR_MAX];

	if (rp->code == 0 && j->reused) {
		/* a pooled connection the next hop had closed: one fresh try */
		drop_client(j);
		job_connect(j);
		return;
	}
	reply_text(why, sizeof(why), "MAIL", rp);
	if (rp->code == 0) {
		drop_client(j);
		job_retry(j, why);
	} else if (rp->code / 100 == 4) {
		put_client(j, 0);
		job_retry(j, why);
	} else if (rp->code / 100 != 2) {
		put_client(j, 0);
		job_fail(j, why);
	} else
		job_rcpt(j);
}

static void
job_mail(struct job *j)
{
	const struct store_held *h = &j->claim.msg;
	unsigned ext = client_exts(j->c);
	char line[SMTP_REPLY_LINE_MAX];
	size_t size;
	int n;

	if (j->utf8 && !(ext & EXT_SMTPUTF8)) {
		/* RFC 6531 3.4: no SMTPUTF8 transaction with a server that lacks it */
		put_client(j, 1);
		job_fail(j, "next hop does not offer SMTPUTF8, which this message needs");
		return;
	}
	n = snprintf(line, sizeof(line), "MAIL FROM:<%s>", h->mail_from);
	/* RFC 1870: the size as it will be sent, with the release header */
	size = h->message_len + j->headlen;
	if (n >= 0 && (ext & EXT_SIZE))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " SIZE=%zu", size);
	/* RFC 6152 says not to send 8-bit data to a server without 8BITMIME; the live
	 * relay passes it as it came, and so does this (same next hop, same data). */
	if (n >= 0 && j->eightbit && (ext & EXT_8BITMIME))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " BODY=8BITMIME");
	if (n >= 0 && j->utf8)
		n += snprintf(line + n, sizeof(line) - (size_t)n, " SMTPUTF8");
	if (n < 0 || (size_t)n > sizeof(line) - 2)
		log_fatal("held=%" PRId64 " event=bug what=mail_line_overflow", j->claim.id);
	j->state = J_MAIL;
	client_command(j->c, line, (size_t)n, on_mail, j);
}

static void
on_ready(struct smtp_client *c, const struct smtp_reply *rp, void *arg)
{
	struct job *j = arg;
	char why[REINJECT_ERROR_MAX];

	if (rp->code / 100 != 2) {
		/* a refused greeting or EHLO is the next hop's state, not the message's */
		reply_text(why, sizeof(why), "connect", rp);
		drop_client(j);
		job_retry(j, why);
		return;
	}
	job_mail(j);
}

static void
job_connect(struct job *j)
{
	j->reused = false;
	j->state = J_CONNECT;
	if ((j->c = pool_connect(j->r->pool, j->hop, NULL, on_ready, j)) == NULL)
		job_busy(j, "next hop at its connection limit");
}

/*
 * Routes the claimed message: the first recipient's domain names the next hop; other
 * recipients go with it only if their domain is served by the same next hop (the
 * config may have changed since the message was held). Returns an error text for a
 * message that cannot be sent at all, or NULL.
 */
static const char *
job_route(struct job *j)
{
	const struct config *cf = j->r->cf;
	const struct store_held *h = &j->claim.msg;
	const struct domain_config *d;
	const char *dom;
	size_t i;
	bool any = false;

	if (h->nrcpts == 0 || h->message == NULL)
		return "nothing to deliver";
	if (!path_ok(h->mail_from, &j->utf8))
		return "sender address not fit for MAIL FROM";
	dom = domain_of(h->rcpts[0]);
	if ((d = config_domain(cf, dom, strlen(dom))) == NULL)
		return "recipient domain no longer served";
	j->own.host = d->next_hop.host != NULL ? xstrdup(d->next_hop.host) : NULL;
	j->own.port = d->next_hop.port;
	j->hop = &j->own;
	j->send = xcalloc(h->nrcpts, sizeof(*j->send));
	for (i = 0; i < h->nrcpts; i++) {
		dom = domain_of(h->rcpts[i]);
		d = config_domain(cf, dom, strlen(dom));
		if (!path_ok(h->rcpts[i], &j->utf8))
			refuse(j, i, "not sent: address not fit for RCPT TO");
		else if (d == NULL || !hostport_equal(&d->next_hop, j->hop))
			refuse(j, i, "not sent: domain no longer routed to this next hop");
		else
			any = j->send[i] = true;
	}
	if (!any)
		return "no recipient routed to a next hop";
	scan_message(h->message, h->message_len, &j->eightbit, &j->utf8);
	if ((j->headlen = reinject_header(h, j->head, sizeof(j->head))) == 0)
		return "release header does not fit";
	return NULL;
}

/* Starts the attempt of a claim made at claimed (the time the store counts its lease
 * from: the claim may have waited for a lock since). */
static void
job_start(struct reinject *r, struct store_claim *cl, int64_t claimed)
{
	struct job *j = xcalloc(1, sizeof(*j));
	struct timeval budget = { 1, 0 };
	int64_t left;
	const char *err;

	j->r = r;
	j->claim = *cl;
	memset(cl, 0, sizeof(*cl));
	j->lease_end = claimed + r->lease;
	/* The budget ends REINJECT_LEASE_MARGIN before the lease the store wrote; at
	 * least a second, and job_data refuses to send the data past that point. */
	left = j->lease_end - REINJECT_LEASE_MARGIN - (int64_t)time(NULL);
	if (left > 1)
		budget.tv_sec = (time_t)left;
	j->next = r->jobs;
	r->jobs = j;
	r->running++;
	j->deadline = evtimer_new(r->base, on_deadline, j);
	evtimer_add(j->deadline, &budget);
	if ((err = job_route(j)) != NULL) {
		job_fail(j, err);
		return;
	}
	log_info("held=%" PRId64 " event=reinject_attempt hop=%s:%u rcpts=%zu size=%zu "
	    "attempts=%u", j->claim.id, j->hop->host, j->hop->port, j->claim.msg.nrcpts,
	    j->claim.msg.message_len, j->claim.attempts);
	if ((j->c = pool_take(r->pool, j->hop, NULL)) != NULL) {
		j->reused = true;
		job_mail(j);
	} else
		job_connect(j);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct reinject *r = arg;
	struct store_claim cl;
	struct timeval tv = { REINJECT_POLL, 0 };
	int64_t now = (int64_t)time(NULL), next;
	enum store_err e = STORE_OK;

	while (r->running < r->lim.concurrency) {
		now = (int64_t)time(NULL);
		e = store_reinject_claim(r->st, now, r->lease, &cl);
		/* The claim may have waited for another process's write lock: the loop's
		 * cached time would start the attempt's timers (relay timeouts, budget)
		 * that much in the past. */
		event_base_update_cache_time(r->base);
		if (e != STORE_OK)
			break;
		job_start(r, &cl, now);
	}
	if (e != STORE_OK && e != STORE_NOTFOUND)
		log_err("event=reinject_store_error op=claim error=\"%s: %s\"",
		    store_strerror(e), store_last_error(r->st));
	/* a job that ended inside job_start kicked the timer: the poll below replaces it */
	if (r->running < r->lim.concurrency && e == STORE_NOTFOUND &&
	    store_reinject_next(r->st, &next) == STORE_OK && next - now < REINJECT_POLL)
		/* not before a second from now: what is due was just found leased */
		tv.tv_sec = next - now > 1 ? (time_t)(next - now) : 1;
	evtimer_add(r->timer, &tv);
}

struct reinject *
reinject_new(struct event_base *base, struct relay_pool *pool, struct store *st,
    const struct config *cf, const struct reinject_limits *lim)
{
	struct reinject *r = xcalloc(1, sizeof(*r));

	r->base = base;
	r->pool = pool;
	r->st = st;
	r->cf = cf;
	r->lim = *lim;
	if (r->lim.concurrency == 0)
		r->lim.concurrency = 1;
	if (r->lim.retry_first == 0)
		r->lim.retry_first = 1;
	if (r->lim.retry_max < r->lim.retry_first)
		r->lim.retry_max = r->lim.retry_first;
	r->lease = reinject_lease(cf);
	r->timer = evtimer_new(base, on_timer, r);
	kick(r);
	return r;
}

void
reinject_free(struct reinject *r)
{
	int64_t now = (int64_t)time(NULL);
	enum store_err e;

	if (r == NULL)
		return;
	while (r->jobs != NULL) {
		struct job *j = r->jobs;

		drop_client(j);
		if (j->state == J_REPORT)
			e = store_reinject_done(r->st, &j->claim, now);
		else
			e = store_reinject_retry(r->st, &j->claim, "ecluse-smtpd stopped during "
			    "the attempt", now);
		if (e != STORE_OK)
			log_err("held=%" PRId64 " event=reinject_store_error op=stop error=\"%s: "
			    "%s\"", j->claim.id, store_strerror(e), store_last_error(r->st));
		else if (j->state == J_DATA)
			log_warn("held=%" PRId64 " event=reinject_stopped_in_data "
			    "duplicate=possible", j->claim.id);
		job_free(j);
	}
	event_free(r->timer);
	free(r);
}

void
reinject_set_config(struct reinject *r, const struct config *cf)
{
	r->cf = cf;
}
