/*
 * cmd_stats.c - "eclusectl stats [--json]": what the store holds now: messages per
 * state, the oldest one still held, the re-injection queue, whitelist entries per
 * scope, open CAPTCHA challenges and sender-history rows.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "common/config.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"
#include "ctl/output.h"

static int cmd_stats_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_stats_entry = {
	"stats",
	"[--json]",
	"count held messages per state, the re-injection queue, whitelist entries",
	cmd_stats_exec,
};

static const char *const scope_names[] = { "global", "domain", "recipient" };

static int
cmd_stats_exec(const struct config *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_stats s;
	struct store *st;
	enum store_err e;
	char tbuf[OUT_TIME_MAX];
	bool json = false;
	int ch, i;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "usage: eclusectl stats %s\n", cmd_stats_entry.usage);
			return CTL_EXIT_USAGE;
		}
		json = true;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: eclusectl stats %s\n", cmd_stats_entry.usage);
		return CTL_EXIT_USAGE;
	}
	if ((st = ctl_store_open(cf)) == NULL)
		return CTL_EXIT_FAILURE;
	e = store_stats(st, (int64_t)time(NULL), &s);
	if (e != STORE_OK) {
		ctl_store_error(st, "stats", e);
		store_close(st);
		return CTL_EXIT_FAILURE;
	}
	store_close(st);
	if (json) {
		fputs("{\"held\":{", stdout);
		for (i = STORE_HELD; i <= STORE_STATE_MAX; i++)
			printf("%s\"%s\":%llu", i > STORE_HELD ? "," : "",
			    store_state_name((enum store_state)i), (unsigned long long)s.held[i]);
		fputs("},\"oldest_held\":", stdout);
		out_json_time(stdout, s.oldest_held);
		printf(",\"queue\":%llu,\"queue_due\":%llu,\"whitelist\":{",
		    (unsigned long long)s.queue, (unsigned long long)s.queue_due);
		for (i = STORE_WL_GLOBAL; i <= STORE_WL_RECIPIENT; i++)
			printf("%s\"%s\":%llu", i > 0 ? "," : "", scope_names[i],
			    (unsigned long long)s.whitelist[i]);
		printf("},\"challenges\":%llu,\"senders\":%llu}\n",
		    (unsigned long long)s.challenges, (unsigned long long)s.senders);
		return 0;
	}
	fputs("held messages: ", stdout);
	for (i = STORE_HELD; i <= STORE_STATE_MAX; i++)
		printf("%s%s %llu", i > STORE_HELD ? ", " : " ",
		    store_state_name((enum store_state)i), (unsigned long long)s.held[i]);
	printf("\noldest held:    %s\n", out_time(s.oldest_held, tbuf));
	printf("re-injection:   %llu queued, %llu due now\n", (unsigned long long)s.queue,
	    (unsigned long long)s.queue_due);
	fputs("whitelist:     ", stdout);
	for (i = STORE_WL_GLOBAL; i <= STORE_WL_RECIPIENT; i++)
		printf("%s%s %llu", i > 0 ? ", " : " ", scope_names[i],
		    (unsigned long long)s.whitelist[i]);
	printf("\nchallenges:     %llu open\n", (unsigned long long)s.challenges);
	printf("sender history: %llu rows\n", (unsigned long long)s.senders);
	return 0;
}
