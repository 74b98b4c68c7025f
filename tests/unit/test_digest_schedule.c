/*
 * test_digest_schedule.c - the digest schedule's arithmetic (digest/schedule.h): the
 * next round on the local-time grid after the last one, across UTC offsets, a summer
 * time change, a clock set back and a store that never ran a round; the [digest]
 * keys' checks; and ecluse.conf.example giving the defaults.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/config.h"
#include "digest/schedule.h"

/* 2023-11-15 00:00:00 UTC */
#define D 1700006400LL
#define H 3600LL
#define DAYS 86400LL

static void
test_next_round(void **state)
{
	static const struct {
		const char	*what;
		unsigned	 interval, at;	/* at in seconds after local midnight */
		int64_t		 last, now;
		long		 gmtoff;
		int64_t		 next;
	} cases[] = {
		{ "daily, the day's round done", 86400, 8 * H, D + 8 * H, D + 9 * H, 0,
		    D + DAYS + 8 * H },
		{ "daily, a minute before", 86400, 8 * H, D + 8 * H - 60, D + 8 * H - 30, 0,
		    D + 8 * H },
		{ "daily, down over 08:00: due at start", 86400, 8 * H, D - 16 * H, D + 10 * H,
		    0, D + 8 * H },
		{ "daily, down three days: one round due", 86400, 8 * H, D - 3 * DAYS + 8 * H,
		    D + 10 * H, 0, D - 2 * DAYS + 8 * H },
		{ "08:00 CET is 07:00 UTC", 86400, 8 * H, D, D + H, 3600, D + 7 * H },
		{ "08:00 EST is 13:00 UTC", 86400, 8 * H, D, D + H, -18000, D + 13 * H },
		{ "00:30 at UTC+2 is 22:30 UTC the day before", 86400, 1800, D + H, D + 2 * H,
		    7200, D + DAYS - 2 * H + 1800 },
		{ "summer time began since the last round (CET then CEST)", 86400, 8 * H,
		    D + 7 * H, D + 8 * H, 7200, D + DAYS + 6 * H },
		{ "summer time ended since the last round (CEST then CET)", 86400, 8 * H,
		    D + 6 * H, D + 6 * H + 1, 3600, D + 7 * H },
		{ "hourly on the hour", 3600, 8 * H, D + 10 * H + 900, D + 10 * H + 901, 0,
		    D + 11 * H },
		{ "every ten minutes from 08:05", 600, 8 * H + 300, D + 10 * H, D + 10 * H, 0,
		    D + 10 * H + 300 },
		{ "every 2 seconds", 2, 8 * H, D + 1, D + 1, 0, D + 2 },
		{ "on a grid point: the next one", 2, 8 * H, D + 2, D + 3, 0, D + 4 },
		{ "never ran: due at once", 86400, 8 * H, 0, D, 0, 8 * H },
		{ "never ran, west of UTC", 86400, 8 * H, 0, D, -18000, 13 * H },
		{ "a last round in the future (clock set back) counts as now", 86400, 8 * H,
		    D + 30 * DAYS, D + 9 * H, 0, D + DAYS + 8 * H },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct digest_when w = { cases[i].interval, cases[i].at };
		int64_t got = digest_next_round(&w, cases[i].last, cases[i].now,
		    cases[i].gmtoff);

		if (got != cases[i].next)
			fail_msg("%s: next %lld, expected %lld (%+lld)", cases[i].what,
			    (long long)got, (long long)cases[i].next,
			    (long long)(got - cases[i].next));
		/* every answer is after the last round and on the local grid */
		assert_true(got > (cases[i].last > cases[i].now ? cases[i].now :
		    cases[i].last));
		assert_int_equal(((got + cases[i].gmtoff - cases[i].at) % cases[i].interval +
		    cases[i].interval) % cases[i].interval, 0);
	}
}

static void
test_when_parse(void **state)
{
	static const struct {
		unsigned	 interval;
		const char	*at;
		int		 ok;
		unsigned	 secs;
	} cases[] = {
		{ 86400, "08:00", 1, 8 * 3600 },
		{ 0, "08:00", 1, 8 * 3600 },		/* off; at still checked */
		{ 3600, "23:59", 1, 23 * 3600 + 59 * 60 },
		{ 2, "00:00", 1, 0 },
		{ 1, "12:30", 1, 12 * 3600 + 30 * 60 },
		{ 7, "08:00", 0, 0 },			/* does not divide a day */
		{ 172800, "08:00", 0, 0 },		/* more than a day */
		{ 86400, "24:00", 0, 0 },
		{ 86400, "29:00", 0, 0 },
		{ 86400, "08:60", 0, 0 },
		{ 86400, "8:00", 0, 0 },
		{ 86400, "08:00 ", 0, 0 },
		{ 86400, "08-00", 0, 0 },
		{ 86400, "0a:00", 0, 0 },
		{ 86400, "", 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct digest_when w = { 0, 0 };
		const char *why = NULL;
		int rc = digest_when_parse(cases[i].interval, cases[i].at, strlen(cases[i].at),
		    &w, &why);

		if ((rc == 0) != cases[i].ok)
			fail_msg("interval %u at \"%s\": %s", cases[i].interval, cases[i].at,
			    rc == 0 ? "accepted" : why);
		if (rc == 0) {
			assert_int_equal(w.interval, cases[i].interval);
			assert_int_equal(w.at, cases[i].secs);
		} else
			assert_non_null(why);
	}
	/* (buf, len): nothing past len is read */
	{
		struct digest_when w;
		const char *why;

		assert_int_equal(digest_when_parse(86400, "07:45junk", 5, &w, &why), 0);
		assert_int_equal(w.at, 7 * 3600 + 45 * 60);
	}
}

/* ecluse.conf.example documents [digest] with the defaults, and they parse. */
static void
test_example_file(void **state)
{
	const char *top = getenv("top_srcdir");
	char example[4096], empty[] = "/tmp/ecluse-test-digest-XXXXXX", err[CONFIG_ERR_MAX];
	struct config *ex, *def;
	struct digest_when w;
	const char *why;
	int fd;

	(void)state;
	snprintf(example, sizeof(example), "%s/ecluse.conf.example", top != NULL ? top : ".");
	if ((ex = config_load(example, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	fd = mkstemp(empty);
	assert_true(fd >= 0);
	close(fd);
	def = config_load(empty, err, sizeof(err));
	unlink(empty);
	if (def == NULL)
		fail_msg("%s", err);
	assert_int_equal(ex->digest_interval, def->digest_interval);
	assert_string_equal(ex->digest_at, def->digest_at);
	assert_int_equal(def->digest_interval, 86400);
	assert_int_equal(digest_when_parse(def->digest_interval, def->digest_at,
	    strlen(def->digest_at), &w, &why), 0);
	config_free(ex);
	config_free(def);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next_round),
		cmocka_unit_test(test_when_parse),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
