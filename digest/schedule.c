/*
 * schedule.c - the digest schedule of ecluse-smtpd: the grid arithmetic and the timer
 * that takes a due round in the store and runs it. See schedule.h.
 */
#include "config.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "digest/schedule.h"
#include "smtpd/client.h"

/* Room for an address escaped by log_escape (up to four bytes per octet). */
#define LOG_ADDR_MAX (4 * STORE_ADDR_MAX + 4)

struct digest_sched {
	struct digest_env	 env;
	struct digest_when	 w;
	struct event		*timer;
	struct digest_round	*round;		/* in progress, or NULL */
	int64_t			 logged_next;	/* the next round last logged */
};

int
digest_when_parse(unsigned interval, const char *at, size_t atlen,
    struct digest_when *out, const char **why)
{
	unsigned h, m;

	if (interval > DIGEST_DAY || (interval != 0 && DIGEST_DAY % interval != 0)) {
		*why = "interval must be 0 (off) or divide a day (86400 seconds)";
		return -1;
	}
	if (atlen != 5 || at[2] != ':' || at[0] < '0' || at[0] > '2' || at[1] < '0' ||
	    at[1] > '9' || at[3] < '0' || at[3] > '5' || at[4] < '0' || at[4] > '9') {
		*why = "at must be HH:MM (24-hour local time)";
		return -1;
	}
	h = (unsigned)(at[0] - '0') * 10 + (unsigned)(at[1] - '0');
	m = (unsigned)(at[3] - '0') * 10 + (unsigned)(at[4] - '0');
	if (h > 23) {
		*why = "at must be HH:MM (24-hour local time)";
		return -1;
	}
	out->interval = interval;
	out->at = h * 3600 + m * 60;
	return 0;
}

int64_t
digest_next_round(const struct digest_when *w, int64_t last, int64_t now, long gmtoff)
{
	int64_t iv = (int64_t)w->interval, local, k;

	if (last > now)
		last = now;
	/* grid points are the local times at + k * iv; floor division, also before 1970 */
	local = last + (int64_t)gmtoff - (int64_t)w->at;
	k = local / iv;
	if (local % iv < 0)
		k--;
	return (k + 1) * iv + (int64_t)w->at - (int64_t)gmtoff;
}

static long
local_offset(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

static void
arm(struct digest_sched *s, int64_t secs)
{
	struct timeval tv = { (time_t)secs, 0 };

	evtimer_add(s->timer, &tv);
}

static void
on_each(void *arg, const struct digest_result *res)
{
	char rcpt[LOG_ADDR_MAX], why[4 * SMTP_REPLY_LINE_MAX];

	log_escape(rcpt, sizeof(rcpt), res->rcpt, strlen(res->rcpt));
	if (res->error == NULL)
		log_info("event=digest_sent rcpt=%s messages=%zu", rcpt, res->messages);
	else {
		log_escape(why, sizeof(why), res->error, strlen(res->error));
		log_warn("event=digest_failed rcpt=%s messages=%zu error=\"%s\"", rcpt,
		    res->messages, why);
	}
}

static void
on_done(void *arg, const struct digest_stats *st)
{
	struct digest_sched *s = arg;

	log_info("event=digest_round sent=%zu failed=%zu skipped=%zu elsewhere=%zu",
	    st->sent, st->failed, st->skipped, st->elsewhere);
	digest_round_free(s->round);
	s->round = NULL;
	arm(s, 0);	/* the next one is computed from the round just recorded */
}

static void
store_failed(struct digest_sched *s, const char *what, enum store_err e)
{
	log_err("event=digest_schedule_failed what=%s error=\"%s: %s\" retry=%d", what,
	    store_strerror(e), store_last_error(s->env.st), DIGEST_SCHED_RETRY);
	arm(s, DIGEST_SCHED_RETRY);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct digest_sched *s = arg;
	struct digest_round *r;
	int64_t now = (int64_t)time(NULL), last, next;
	enum store_err e;

	if (s->round != NULL || s->w.interval == 0)
		return;		/* on_done or digest_sched_set arms again */
	if ((e = store_digest_last_round(s->env.st, &last)) != STORE_OK) {
		store_failed(s, "last_round", e);
		return;
	}
	next = digest_next_round(&s->w, last, now, local_offset(now));
	if (next > now) {
		if (next != s->logged_next) {
			log_info("event=digest_schedule last=%lld next=%lld in=%lld",
			    (long long)last, (long long)next, (long long)(next - now));
			s->logged_next = next;
		}
		arm(s, next - now < DIGEST_SCHED_RECHECK ? next - now : DIGEST_SCHED_RECHECK);
		return;
	}
	/* List first, then take the round: a round taken is never left unsent for a
	 * store error of the listing. */
	if ((e = digest_round_start(&s->env, on_each, on_done, s, &r)) != STORE_OK) {
		store_failed(s, "pending", e);
		return;
	}
	if ((e = store_digest_round_take(s->env.st, last, now)) != STORE_OK) {
		digest_round_free(r);	/* nothing sent yet: its step has not run */
		if (e == STORE_CONFLICT) {
			log_info("event=digest_round taken=elsewhere");
			arm(s, 0);
		} else
			store_failed(s, "round_take", e);
		return;
	}
	s->round = r;
}

struct digest_sched *
digest_sched_new(const struct digest_env *env, const struct digest_when *w)
{
	struct digest_sched *s = xcalloc(1, sizeof(*s));

	s->env = *env;
	s->timer = evtimer_new(env->base, on_timer, s);
	if (s->timer == NULL)
		abort();	/* libevent allocation failure, as xmalloc treats OOM */
	digest_sched_set(s, env->cf, w);
	return s;
}

void
digest_sched_set(struct digest_sched *s, const struct config *cf,
    const struct digest_when *w)
{
	s->env.cf = cf;
	if (s->round != NULL)
		digest_round_set_config(s->round, cf);
	s->w = *w;
	s->logged_next = 0;
	evtimer_del(s->timer);
	if (w->interval == 0)
		log_info("event=digest_schedule state=off");
	else {
		log_info("event=digest_schedule interval=%u at=%02u:%02u", w->interval,
		    w->at / 3600, w->at % 3600 / 60);
		if (s->round == NULL)
			arm(s, 0);
	}
}

void
digest_sched_free(struct digest_sched *s)
{
	if (s == NULL)
		return;
	digest_round_free(s->round);
	event_free(s->timer);
	free(s);
}
