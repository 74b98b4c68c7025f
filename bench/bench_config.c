/*
 * bench_config.c - the served-domain gate with many domains, against one domain.
 *
 * An MX filtering service serves up to CONFIG_MAX_DOMAINS customer domains, and
 * ecluse-smtpd asks config_domain() at every RCPT (the relay gate) and for the From
 * and HELO checks; a reload parses the whole file inside the event loop. In one run,
 * for a file of one domain (the baseline) and a file of N domains:
 *   load      config_load of the file (what a SIGHUP reload costs the loop);
 *   lookup    config_domain of a served name (cycling through all of them, mixed
 *             case, as clients write them) and of a name not served;
 * and the ratios N-domain / one-domain (for the load, its time: linear in N is
 * the best a parse can do). Best of several rounds, as the machine is
 * shared. Usage: bench_config [N [LOOKUPS]]   defaults: 10000 2000000
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "bench/bench.h"

#define ROUNDS 5
#define NAME_MAX_LEN 64

/* A configuration file of n domains customerI.example; its path into path. */
static void
write_conf(size_t n, char *path, size_t size)
{
	FILE *f;
	int fd;
	size_t i;

	snprintf(path, size, "%s/bench-config-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
		bench_die("bench_config", "temporary file");
	for (i = 0; i < n; i++)
		fprintf(f, "[domain customer%zu.example]\nnext_hop = 127.0.0.1:2526\n", i);
	if (fclose(f) != 0)
		bench_die("bench_config", "write");
}

/* Loads per second, best of ROUNDS. */
static double
load_rate(const char *path)
{
	char err[CONFIG_ERR_MAX];
	double best = 0;
	int r, i, per = 5;

	for (r = 0; r < ROUNDS; r++) {
		double t = bench_now(), rate;

		for (i = 0; i < per; i++) {
			struct config *cf = config_load(path, err, sizeof(err));

			if (cf == NULL)
				bench_die("bench_config", err);
			config_free(cf);
		}
		rate = per / (bench_now() - t);
		if (rate > best)
			best = rate;
	}
	return best;
}

/* Lookups per second, best of ROUNDS; served names cycle through all domains. */
static double
lookup_rate(const struct config *cf, int served, size_t lookups)
{
	char names[16][NAME_MAX_LEN];
	size_t lens[16], i, found = 0;
	double best = 0;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double t = bench_now(), rate;

		for (i = 0; i < lookups; i++) {
			size_t k = i % 16;

			if (k == 0) {	/* the next 16 names, made outside the timed call */
				size_t j;

				for (j = 0; j < 16; j++) {
					int n = snprintf(names[j], NAME_MAX_LEN, served ?
					    "Customer%zu.Example" : "customer%zu.example.net",
					    (i + j) % cf->ndomains);

					lens[j] = (size_t)n;
				}
			}
			found += config_domain(cf, names[k], lens[k]) != NULL;
		}
		rate = (double)lookups / (bench_now() - t);
		if (rate > best)
			best = rate;
	}
	if (found != (served ? ROUNDS * lookups : 0))
		bench_die("bench_config", "a lookup gave the wrong answer");
	return best;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t lookups = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000000;
	char one_path[256], many_path[256], err[CONFIG_ERR_MAX];
	struct config *one, *many;
	double l1, ln, h1, hn, m1, mn;

	if (n == 0 || lookups == 0)
		bench_die("bench_config", "usage: bench_config [N [LOOKUPS]]");
	write_conf(1, one_path, sizeof(one_path));
	write_conf(n, many_path, sizeof(many_path));
	if ((one = config_load(one_path, err, sizeof(err))) == NULL ||
	    (many = config_load(many_path, err, sizeof(err))) == NULL)
		bench_die("bench_config", err);
	l1 = load_rate(one_path);
	ln = load_rate(many_path);
	h1 = lookup_rate(one, 1, lookups);
	hn = lookup_rate(many, 1, lookups);
	m1 = lookup_rate(one, 0, lookups);
	mn = lookup_rate(many, 0, lookups);
	printf("domains                 1  %10zu  ratio\n", n);
	printf("load ms        %10.3f  %10.3f  %.0fx the time for %zux the domains\n",
	    1000 / l1, 1000 / ln, l1 / ln, n);
	printf("served/s       %10.0f  %10.0f  %.2f\n", h1, hn, hn / h1);
	printf("not served/s   %10.0f  %10.0f  %.2f\n", m1, mn, mn / m1);
	config_free(one);
	config_free(many);
	unlink(one_path);
	unlink(many_path);
	return 0;
}
