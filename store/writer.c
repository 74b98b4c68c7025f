/*
 * writer.c - group commit: submits from the caller's thread go into a FIFO queue; one
 * writer thread takes everything queued (up to STORE_BATCH_MAX jobs or
 * STORE_BATCH_BYTES), hands it to the backend's batch (one transaction, one sync),
 * and moves the finished jobs to a done list, writing one byte to a pipe; the caller's
 * thread, woken by the pipe, runs the callbacks in submission order.
 *
 * No timer batches holds: while one commit syncs, the next submits wait in the queue
 * and share the following commit, so the batch grows exactly with the load and a lone
 * hold is committed at once. Sightings alone wait up to STORE_SEEN_WAIT_MS (writer.h).
 *
 * Owns: the queue and done lists (under one mutex), the jobs (deep copies, so the
 * caller may free its input at once), the writer's backend connection, the pipe.
 * The thread blocks every signal: they belong to the daemon's loop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/xmalloc.h"
#include "store/writer.h"

struct store_writer {
	const struct store_backend *be;
	struct store_conn	*conn;		/* the writer thread's, once it runs */
	pthread_t		 thread;
	bool			 started;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct store_job	*queue, **queue_tail;	/* under mu */
	size_t			 queued, queued_holds;	/* under mu */
	struct timespec		 seen_due;	/* under mu: commit sightings by then */
	struct store_job	*done, **done_tail;	/* under mu */
	bool			 stop;			/* under mu */
	int			 pipe[2];		/* [0] caller reads, [1] writer */
	_Atomic uint64_t	 transactions;
	_Atomic uint64_t	 jobs;
};

struct store_writer *
store_writer_new(const struct store_backend *be, const char *path, char *err,
    size_t errsz)
{
	struct store_writer *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;

	w->be = be;
	w->queue_tail = &w->queue;
	w->done_tail = &w->done;
	if (be->open(path, &w->conn, err, errsz) != STORE_OK) {
		free(w);
		return NULL;
	}
	if (pipe2(w->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
		snprintf(err, errsz, "completion pipe: %s", strerror(errno));
		be->close(w->conn);
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);	/* seen_due's clock */
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	return w;
}

static void
job_free(struct store_job *j)
{
	if (j == NULL)
		return;
	free(j->mem);
	free(j);
}

/* Wakes the caller's loop. A full pipe already holds a wake-up, so EAGAIN is fine. */
static void
notify(struct store_writer *w)
{
	ssize_t r;

	do {
		r = write(w->pipe[1], "", 1);
	} while (r < 0 && errno == EINTR);
}

static size_t
job_bytes(const struct store_job *j)
{
	return j->kind == STORE_JOB_HOLD ? j->hold.message_len : 0;
}

/* Under mu: whether the queue is committed now rather than wait for company. */
static bool
commit_now(const struct store_writer *w)
{
	struct timespec now;

	if (w->stop || w->queued_holds > 0 || w->queued >= STORE_BATCH_MAX)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > w->seen_due.tv_sec ||
	    (now.tv_sec == w->seen_due.tv_sec && now.tv_nsec >= w->seen_due.tv_nsec);
}

static void *
writer_main(void *arg)
{
	struct store_writer *w = arg;
	struct store_job *batch, **tail, *j;
	enum store_err err;
	size_t n, bytes;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->queue == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		while (w->queue != NULL && !commit_now(w))
			pthread_cond_timedwait(&w->cv, &w->mu, &w->seen_due);
		if (w->queue == NULL) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		/* Take the queue's head: every job, within the batch bounds. */
		batch = w->queue;
		tail = &batch;
		n = 0;
		bytes = 0;
		while (*tail != NULL && n < STORE_BATCH_MAX &&
		    (n == 0 || bytes + job_bytes(*tail) <= STORE_BATCH_BYTES)) {
			bytes += job_bytes(*tail);
			w->queued_holds -= (*tail)->kind != STORE_JOB_SEEN;
			tail = &(*tail)->next;
			n++;
		}
		w->queue = *tail;
		w->queued -= n;
		if (w->queue == NULL)
			w->queue_tail = &w->queue;
		*tail = NULL;
		pthread_mutex_unlock(&w->mu);

		err = w->be->batch(w->conn, batch);
		if (err != STORE_OK) {
			for (j = batch; j != NULL; j = j->next) {
				j->err = err;
				j->id = 0;
			}
		} else {
			atomic_fetch_add(&w->transactions, 1);
			atomic_fetch_add(&w->jobs, n);
		}

		pthread_mutex_lock(&w->mu);
		*w->done_tail = batch;
		w->done_tail = tail;
		pthread_mutex_unlock(&w->mu);
		notify(w);
	}
	return NULL;
}

static enum store_err
enqueue(struct store_writer *w, struct store_job *j)
{
	sigset_t all, old;
	int rc;

	pthread_mutex_lock(&w->mu);
	if (!w->started) {
		/* The thread inherits this mask: every signal stays with the caller. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = pthread_create(&w->thread, NULL, writer_main, w);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc != 0) {
			pthread_mutex_unlock(&w->mu);
			job_free(j);
			return STORE_IO;
		}
		w->started = true;
	}
	if (w->queue == NULL) {
		clock_gettime(CLOCK_MONOTONIC, &w->seen_due);
		w->seen_due.tv_nsec += (long)STORE_SEEN_WAIT_MS * 1000000;
		if (w->seen_due.tv_nsec >= 1000000000) {
			w->seen_due.tv_sec += w->seen_due.tv_nsec / 1000000000;
			w->seen_due.tv_nsec %= 1000000000;
		}
	}
	*w->queue_tail = j;
	w->queue_tail = &j->next;
	w->queued++;
	w->queued_holds += j->kind != STORE_JOB_SEEN;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return STORE_OK;
}

/* Appends a copy of s (with its NUL) at *p and returns the copy. */
static const char *
put_str(char **p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *dst = *p;

	memcpy(dst, s, n);
	*p += n;
	return dst;
}

/* Adds n to *total; false on overflow. */
static bool
add_size(size_t *total, size_t n)
{
	if (n > SIZE_MAX - *total)
		return false;
	*total += n;
	return true;
}

enum store_err
store_writer_hold(struct store_writer *w, const struct store_hold *msg, store_done_cb *cb,
    void *arg)
{
	const char *const fields[] = { msg->mail_from, msg->client_addr, msg->helo,
	    msg->auth_results, msg->auth_domain, msg->verdict, msg->reasons, msg->subject, msg->date };
	const char **rcpts, **mailboxes;
	struct store_job *j;
	size_t total = 0, i;
	char *p;
	bool ok;

	/* The caller checked every field against its limit; the sum is checked anyway. */
	ok = msg->nrcpts <= SIZE_MAX / (2 * sizeof(char *)) &&
	    add_size(&total, 2 * msg->nrcpts * sizeof(char *));
	for (i = 0; ok && i < sizeof(fields) / sizeof(fields[0]); i++)
		ok = add_size(&total, strlen(fields[i]) + 1);
	for (i = 0; ok && i < msg->nrcpts; i++)
		ok = add_size(&total, strlen(msg->rcpts[i]) + 1) &&
		    (msg->mailboxes == NULL ||
		    add_size(&total, strlen(msg->mailboxes[i]) + 1));
	if (!ok || !add_size(&total, msg->message_len))
		return STORE_INVALID;

	j = xcalloc(1, sizeof(*j));
	j->kind = STORE_JOB_HOLD;
	j->cb = cb;
	j->arg = arg;
	j->mem = xmalloc(total);
	rcpts = j->mem;
	mailboxes = rcpts + msg->nrcpts;
	p = (char *)j->mem + 2 * msg->nrcpts * sizeof(char *);
	j->hold = *msg;
	j->hold.mail_from = put_str(&p, msg->mail_from);
	j->hold.client_addr = put_str(&p, msg->client_addr);
	j->hold.helo = put_str(&p, msg->helo);
	j->hold.auth_results = put_str(&p, msg->auth_results);
	j->hold.auth_domain = put_str(&p, msg->auth_domain);
	j->hold.verdict = put_str(&p, msg->verdict);
	j->hold.reasons = put_str(&p, msg->reasons);
	j->hold.subject = put_str(&p, msg->subject);
	j->hold.date = put_str(&p, msg->date);
	for (i = 0; i < msg->nrcpts; i++) {
		rcpts[i] = put_str(&p, msg->rcpts[i]);
		/* without mailboxes, each recipient is its own (store.h) */
		mailboxes[i] = msg->mailboxes != NULL ? put_str(&p, msg->mailboxes[i]) :
		    rcpts[i];
	}
	j->hold.rcpts = rcpts;
	j->hold.mailboxes = mailboxes;
	memcpy(p, msg->message, msg->message_len);
	j->hold.message = (const unsigned char *)p;
	return enqueue(w, j);
}

enum store_err
store_writer_seen(struct store_writer *w, const char *sender, const char *net,
    int64_t now, store_done_cb *cb, void *arg)
{
	size_t ls = strlen(sender) + 1, ln = strlen(net) + 1;
	struct store_job *j = xcalloc(1, sizeof(*j));
	char *p;

	j->kind = STORE_JOB_SEEN;
	j->cb = cb;
	j->arg = arg;
	j->now = now;
	j->mem = p = xmalloc(ls + ln);	/* both bounded by store.h's limits */
	j->sender = put_str(&p, sender);
	j->net = put_str(&p, net);
	return enqueue(w, j);
}

int
store_writer_fd(const struct store_writer *w)
{
	return w->pipe[0];
}

size_t
store_writer_run(struct store_writer *w)
{
	struct store_job *list, *j;
	char drain[64];
	size_t n = 0;

	/* Drain before taking the list: a wake-up written after the drain stays in the
	 * pipe for the next run, so no finished job is ever left without one. */
	while (read(w->pipe[0], drain, sizeof(drain)) > 0)
		continue;
	pthread_mutex_lock(&w->mu);
	list = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->mu);
	while (list != NULL) {
		j = list;
		list = j->next;
		if (j->cb != NULL)
			j->cb(j->arg, j->err, j->err == STORE_OK ? j->id : 0);
		job_free(j);
		n++;
	}
	return n;
}

void
store_writer_stats(const struct store_writer *w, struct store_commit_stats *out)
{
	out->transactions = atomic_load(&w->transactions);
	out->jobs = atomic_load(&w->jobs);
}

void
store_writer_free(struct store_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	store_writer_run(w);
	w->be->close(w->conn);
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
