/*
 * schedule.h - when ecluse-smtpd runs digest rounds ([digest] interval and at), and
 * the timer that runs them (digest/round.h).
 *
 * The rounds fall on a grid of local time: at, at + interval, at + 2 * interval ...
 * every day, interval dividing a day. The default (interval 86400, at 08:00) is one
 * round a day at 08:00 local time, what people expect of a "daily digest"; interval
 * 3600 is every hour on the hour (at 08:00 or 00:00 alike); a short interval makes the
 * schedule testable without a test-only switch. interval 0 turns the schedule off:
 * then only "eclusectl digest send" sends digests.
 *
 * The time of the last round is kept in the store (store_digest_last_round), and the
 * next round is the first grid point after it: a restart or a reload neither skips a
 * round (a daemon that was down at 08:00 runs the missed round when it starts; one
 * round, however many it missed) nor runs an extra one (a restart at 08:05 waits for
 * the next grid point). A round is taken with a compare-and-set on that time
 * (store_digest_round_take), so two daemons on one store run it once; the claims of
 * round.h keep a concurrent eclusectl from sending the same messages. A store that
 * never ran a round runs one at the first start.
 *
 * The timer sleeps at most DIGEST_SCHED_RECHECK seconds and computes again when it
 * wakes, so a change of the UTC offset (summer time) or a step of the wall clock is
 * seen within that time.
 *
 * The scheduler logs (it has the context): one line per digest sent or failed, one
 * per round with its counts, one when the schedule is set.
 *
 * Ownership: digest_sched_new keeps env's pointers (they must outlive the scheduler;
 * free it before the store and the loop). digest_sched_free(NULL) is a no-op; a round
 * in progress is stopped (round.h: its claimed messages go back).
 */
#ifndef ECLUSE_DIGEST_SCHEDULE_H
#define ECLUSE_DIGEST_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "digest/round.h"

/* Longest sleep of the timer between two computations of the next round. */
#define DIGEST_SCHED_RECHECK	300
/* A day: the grid repeats every day, so an interval must divide it. */
#define DIGEST_DAY		86400
/* After a store error, the timer tries again this soon. */
#define DIGEST_SCHED_RETRY	60

struct digest_sched;

/* [digest] as checked: interval 0 (off) or a divisor of DIGEST_DAY; at in seconds
 * after local midnight. */
struct digest_when {
	unsigned	interval;
	unsigned	at;
};

/*
 * Checks [digest] interval and parses at ("HH:MM", 24-hour, local time) from (buf,
 * len). 0 and *out set, or -1 with a short reason in *why.
 */
int digest_when_parse(unsigned interval, const char *at, size_t atlen,
    struct digest_when *out, const char **why);

/*
 * The time of the first round after last: the smallest grid point t > last, where
 * the grid is w's in the local time whose offset from UTC is gmtoff seconds. A last
 * after now (the clock was set back) counts as now. w->interval must not be 0.
 */
int64_t digest_next_round(const struct digest_when *w, int64_t last, int64_t now,
    long gmtoff);

/* Starts the timer with w (its first computation is from the loop, at once). */
struct digest_sched *digest_sched_new(const struct digest_env *env,
    const struct digest_when *w);

/* After a reload: w from the next round on; cf at once, also for the recipients a
 * round in progress has not started yet, so the replaced configuration may be
 * freed on return. */
void digest_sched_set(struct digest_sched *s, const struct config *cf,
    const struct digest_when *w);

void digest_sched_free(struct digest_sched *s);

#endif
