/*
 * test_reinject.c - the pure parts of the re-injection runner: the backoff schedule
 * (first retry, factor, cap, end of the lifetime), the lease against the relay
 * timeouts, and the release header.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "smtpd/reinject.h"

static const struct reinject_limits defaults = { REINJECT_RETRY_FIRST,
    REINJECT_RETRY_MAX, REINJECT_LIFETIME, REINJECT_CONCURRENCY };

#define NOW ((int64_t)1709632800)	/* Tue, 05 Mar 2024 10:00:00 UTC */

struct backoff_case {
	const char	*name;
	struct reinject_limits lim;
	unsigned	 attempts;
	int64_t		 released;	/* relative to NOW */
	int		 ret;
	int64_t		 delay;		/* next - NOW when ret is 0 */
};

static void
test_backoff_table(void **state)
{
	static const struct backoff_case cases[] = {
		{ "first retry", { 60, 3600, 432000, 4 }, 1, 0, 0, 60 },
		{ "second doubles", { 60, 3600, 432000, 4 }, 2, 0, 0, 120 },
		{ "third", { 60, 3600, 432000, 4 }, 3, 0, 0, 240 },
		{ "sixth", { 60, 3600, 432000, 4 }, 6, -3000, 0, 1920 },
		{ "seventh hits the cap", { 60, 3600, 432000, 4 }, 7, -5000, 0, 3600 },
		{ "many attempts stay at the cap", { 60, 3600, 432000, 4 }, 1000, -90000, 0,
		    3600 },
		{ "UINT_MAX attempts, no overflow", { 60, 3600, 432000, 4 }, UINT_MAX,
		    -90000, 0, 3600 },
		{ "huge cap, no overflow", { 60, UINT_MAX, UINT_MAX, 4 }, UINT_MAX, 0, 0,
		    UINT_MAX },
		{ "first equals cap", { 30, 30, 432000, 4 }, 5, 0, 0, 30 },
		{ "last attempt at the end of the lifetime", { 60, 3600, 432000, 4 }, 20,
		    -(432000 - 100), 0, 100 },
		{ "one second left", { 60, 3600, 432000, 4 }, 1, -(432000 - 1), 0, 1 },
		{ "lifetime reached: give up", { 60, 3600, 432000, 4 }, 20, -432000, -1, 0 },
		{ "lifetime passed: give up", { 60, 3600, 432000, 4 }, 3, -500000, -1, 0 },
		{ "never released (0): counts from now", { 60, 3600, 432000, 4 }, 1,
		    -NOW, 0, 60 },
		{ "released in the future: counts from now", { 60, 3600, 432000, 4 }, 1,
		    500, 0, 60 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct backoff_case *c = &cases[i];
		int64_t next = -1;
		int ret = reinject_backoff(&c->lim, c->attempts, NOW + c->released, NOW,
		    &next);

		if (ret != c->ret)
			fail_msg("%s: returned %d, want %d", c->name, ret, c->ret);
		if (ret == 0 && next - NOW != c->delay)
			fail_msg("%s: delay %lld, want %lld", c->name, (long long)(next - NOW),
			    (long long)c->delay);
	}
}

/* With the shipped defaults the delays are 60, 120, 240, ... up to the hour, and
 * never shrink from one attempt to the next. */
static void
test_backoff_defaults(void **state)
{
	int64_t prev = 0, next, want = REINJECT_RETRY_FIRST;
	unsigned a;

	for (a = 1; a <= 40; a++) {
		assert_int_equal(reinject_backoff(&defaults, a, NOW - 3600, NOW, &next), 0);
		assert_int_equal(next - NOW, want);
		assert_true(next - NOW >= prev);
		prev = next - NOW;
		want = want * REINJECT_RETRY_FACTOR > REINJECT_RETRY_MAX ? REINJECT_RETRY_MAX :
		    want * REINJECT_RETRY_FACTOR;
	}
	assert_int_equal(reinject_backoff(&defaults, 1, NOW - REINJECT_LIFETIME, NOW, &next),
	    -1);
}

/* Retrying on the schedule from the release, a message that never gets through
 * fails after REINJECT_LIFETIME, and its last attempt is at that time exactly. */
static void
test_backoff_gives_up_at_lifetime(void **state)
{
	int64_t now = NOW, next, last = 0;
	unsigned a = 1;

	while (reinject_backoff(&defaults, a, NOW, now, &next) == 0) {
		assert_true(next > now);
		last = now = next;
		a++;
		assert_true(a < 1000);
	}
	assert_int_equal(last, NOW + REINJECT_LIFETIME);
	/* 6 doubling steps to the cap, then hourly */
	assert_true(a > 100 && a < 140);
}

static void
test_lease(void **state)
{
	struct config cf;
	int64_t lease;

	memset(&cf, 0, sizeof(cf));
	cf.relay_timeout_connect = 30;
	cf.relay_timeout_reply = 300;
	cf.relay_timeout_data_end = 600;
	lease = reinject_lease(&cf);
	assert_int_equal(lease, 30 + REINJECT_ATTEMPT_REPLIES * 300 + 600 +
	    REINJECT_LEASE_MARGIN);
	/* an attempt with one recipient waits at most connect, EHLO, MAIL, RCPT, DATA and
	 * the end of data: the budget covers it, and the lease outlasts the budget */
	assert_true(lease - REINJECT_LEASE_MARGIN >= 30 + 4 * 300 + 600);
	assert_true(REINJECT_LEASE_MARGIN * 1000 > STORE_BUSY_TIMEOUT_MS);

	cf.relay_timeout_connect = UINT_MAX;
	cf.relay_timeout_reply = UINT_MAX;
	cf.relay_timeout_data_end = UINT_MAX;
	assert_true(reinject_lease(&cf) > (int64_t)UINT_MAX * 8);
}

static void
test_header(void **state)
{
	struct store_held h;
	char buf[REINJECT_HEADER_MAX];
	size_t n;
	const char *p, *eol;

	setenv("TZ", "UTC", 1);
	tzset();
	memset(&h, 0, sizeof(h));
	h.id = 42;
	h.released = NOW;
	h.token_spent = true;
	n = reinject_header(&h, buf, sizeof(buf));
	assert_string_equal(buf, "X-Ecluse-Released: by sender after challenge; id=42;\r\n"
	    "\tat=Tue, 05 Mar 2024 10:00:00 +0000\r\n");
	assert_int_equal(n, strlen(buf));

	/* RFC 5322 2.1.1: lines under 78 characters, even with the longest id */
	h.id = INT64_MAX;
	n = reinject_header(&h, buf, sizeof(buf));
	assert_true(n > 0);
	for (p = buf; (eol = strstr(p, "\r\n")) != NULL; p = eol + 2)
		assert_true(eol - p <= 78);
	assert_int_equal(*p, '\0');

	h.id = 7;
	h.token_spent = false;
	reinject_header(&h, buf, sizeof(buf));
	assert_string_equal(buf, "X-Ecluse-Released: by operator; id=7;\r\n"
	    "\tat=Tue, 05 Mar 2024 10:00:00 +0000\r\n");

	/* does not fit: 0 and "", never a cut header */
	n = strlen(buf);
	assert_int_equal(reinject_header(&h, buf, 40), 0);
	assert_string_equal(buf, "");
	assert_int_equal(reinject_header(&h, buf, n), 0);
	assert_string_equal(buf, "");
	assert_int_equal(reinject_header(&h, buf, n + 1), n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_table),
		cmocka_unit_test(test_backoff_defaults),
		cmocka_unit_test(test_backoff_gives_up_at_lifetime),
		cmocka_unit_test(test_lease),
		cmocka_unit_test(test_header),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
