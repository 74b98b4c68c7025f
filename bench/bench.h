/*
 * bench.h - what the programs in bench/ share: a monotonic clock in seconds, and
 * the exit on a failure that makes a run meaningless (a setup step, or a
 * verification that should have passed).
 */
#ifndef ECLUSE_BENCH_H
#define ECLUSE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "PROG: WHAT" on stderr, and exit status 1. */
static inline __attribute__((noreturn)) void
bench_die(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s\n", prog, what);
	exit(1);
}

#endif
