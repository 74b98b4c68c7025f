/*
 * cmd_held.c - "eclusectl held list|show|release|delete": the operator's view of the
 * quarantine.
 *
 *   held list [--rcpt ADDR|DOMAIN] [--sender ADDR|DOMAIN] [--since TIME] [--until TIME]
 *             [--state STATE] [--limit N] [--before ID] [--json]
 *   held show ID [--json | --raw]
 *   held release ID [--json]     mark released and queue for re-injection: the
 *                                running ecluse-smtpd delivers it
 *   held delete ID [--json]      drop the content; a queued message is not delivered
 *
 * Releases and deletions are written to the audit log as "admin:LOGIN" from "cli".
 * Every string that came from the network is printed through ctl/output.h.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"
#include "ctl/output.h"

/* Rows a list shows unless --limit says otherwise: a screenful or two. */
#define HELD_LIST_DEFAULT 50

static int cmd_held_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_held_entry = {
	"held",
	"list [--rcpt R] [--sender S] [--since T] [--until T] [--state S] [--limit N]"
	" [--before ID] [--json] | show ID [--json|--raw] | release ID | delete ID",
	"list, show, release and delete held messages (T: YYYY-MM-DD[THH:MM:SSZ])",
	cmd_held_exec,
};

static int
usage(void)
{
	fprintf(stderr, "usage: eclusectl held %s\n", cmd_held_entry.usage);
	return CTL_EXIT_USAGE;
}

static void
print_rcpts_json(FILE *f, const struct store_held *h)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < h->nrcpts; i++) {
		if (i > 0)
			fputc(',', f);
		out_json_str(f, h->rcpts[i]);
	}
	fputc(']', f);
}

/* The fields list and show share, as JSON members (without braces). */
static void
held_json_summary(FILE *f, const struct store_held *h)
{
	fprintf(f, "\"id\":%lld,\"state\":\"%s\",\"received\":", (long long)h->id,
	    store_state_name(h->state));
	out_json_time(f, h->received);
	fputs(",\"from\":", f);
	out_json_str(f, h->mail_from);
	fputs(",\"to\":", f);
	print_rcpts_json(f, h);
	fputs(",\"subject\":", f);
	out_json_str(f, h->subject);
	fprintf(f, ",\"size\":%zu", h->size);
}

static int
held_list(struct store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rcpt", required_argument, NULL, 'r' },
		{ "sender", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "state", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'l' },
		{ "before", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_held_filter f = { .limit = HELD_LIST_DEFAULT };
	struct store_held *v;
	enum store_err e;
	char tbuf[OUT_TIME_MAX], *end;
	bool json = false;
	size_t n, i;
	long long lim;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			f.rcpt = optarg;
			break;
		case 's':
			f.sender = optarg;
			break;
		case 'S':
		case 'U':
			if (out_parse_time(optarg, ch == 'S' ? &f.since : &f.until) != 0) {
				fprintf(stderr, "eclusectl: \"%s\": not a time (YYYY-MM-DD,"
				    " YYYY-MM-DDTHH:MM:SSZ or Unix seconds)\n", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 't':
			f.state = store_state_parse(optarg, strlen(optarg));
			if (f.state == 0) {
				fprintf(stderr, "eclusectl: \"%s\": not a state (held, released,"
				    " delivered, expired, deleted, failed)\n", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'l':
			lim = strtoll(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '\0' || lim < 1 || lim > STORE_LIST_MAX) {
				fprintf(stderr, "eclusectl: --limit: want 1 to %d\n", STORE_LIST_MAX);
				return CTL_EXIT_USAGE;
			}
			f.limit = (size_t)lim;
			break;
		case 'b':
			if (ctl_parse_id(optarg, &f.before_id) != 0)
				return CTL_EXIT_USAGE;
			break;
		case 'j':
			json = true;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	if ((e = store_held_list(st, &f, &v, &n)) != STORE_OK)
		return ctl_store_error(st, "held list", e);
	if (json) {
		fputs("{\"held\":[", stdout);
		for (i = 0; i < n; i++) {
			fputs(i > 0 ? ",{" : "{", stdout);
			held_json_summary(stdout, &v[i]);
			fputc('}', stdout);
		}
		fputs("],\"next_before\":", stdout);
		if (n == f.limit && n > 0)
			printf("%lld}\n", (long long)v[n - 1].id);
		else
			fputs("null}\n", stdout);
	} else {
		if (n > 0)
			printf("%-8s %-9s %-20s %s -> %s: %s\n", "ID", "STATE", "RECEIVED",
			    "FROM", "TO", "SUBJECT");
		for (i = 0; i < n; i++) {
			printf("%-8lld %-9s %-20s ", (long long)v[i].id,
			    store_state_name(v[i].state), out_time(v[i].received, tbuf));
			out_text(stdout, v[i].mail_from[0] != '\0' ? v[i].mail_from : "<>");
			fputs(" -> ", stdout);
			out_text(stdout, v[i].nrcpts > 0 ? v[i].rcpts[0] : "");
			if (v[i].nrcpts > 1)
				printf(" (+%zu)", v[i].nrcpts - 1);
			fputs(": ", stdout);
			out_text(stdout, v[i].subject);
			fputc('\n', stdout);
		}
		if (n == f.limit && n > 0)
			fprintf(stderr, "eclusectl: %zu shown; more with --before %lld\n", n,
			    (long long)v[n - 1].id);
	}
	store_held_list_free(v, n);
	return 0;
}

static void
show_line(const char *label, const char *value)
{
	printf("%-14s ", label);
	out_text(stdout, value);
	fputc('\n', stdout);
}

static int
held_show(struct store *st, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_held h;
	enum store_err e;
	char tbuf[OUT_TIME_MAX], what[64];
	bool json = false, raw = false;
	int64_t id;
	size_t i;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j')
			json = true;
		else if (ch == 'r')
			raw = true;
		else
			return usage();
	}
	if (optind + 1 != argc || (json && raw))
		return usage();
	if (ctl_parse_id(argv[optind], &id) != 0)
		return CTL_EXIT_USAGE;
	snprintf(what, sizeof(what), "held show %lld", (long long)id);
	if ((e = store_held_get(st, id, raw, &h)) != STORE_OK)
		return ctl_store_error(st, what, e);
	if (raw) {
		if (h.message == NULL) {
			fprintf(stderr, "eclusectl: %s: the content was dropped (message %s)\n",
			    what, store_state_name(h.state));
			store_held_clear(&h);
			return CTL_EXIT_FAILURE;
		}
		fwrite(h.message, 1, h.message_len, stdout);
	} else if (json) {
		fputc('{', stdout);
		held_json_summary(stdout, &h);
		fputs(",\"expires\":", stdout);
		out_json_time(stdout, h.expires);
		fputs(",\"released\":", stdout);
		out_json_time(stdout, h.released);
		fputs(",\"delivered\":", stdout);
		out_json_time(stdout, h.delivered);
		printf(",\"token_spent\":%s,\"client\":", h.token_spent ? "true" : "false");
		out_json_str(stdout, h.client_addr);
		fputs(",\"helo\":", stdout);
		out_json_str(stdout, h.helo);
		fputs(",\"date\":", stdout);
		out_json_str(stdout, h.date);
		fputs(",\"verdict\":", stdout);
		out_json_str(stdout, h.verdict);
		fputs(",\"reasons\":", stdout);
		out_json_str(stdout, h.reasons);
		fputs(",\"auth_results\":", stdout);
		out_json_str(stdout, h.auth_results);
		fputs(",\"auth_domain\":", stdout);
		out_json_str(stdout, h.auth_domain);
		fputs(",\"error\":", stdout);
		out_json_str(stdout, h.error);
		fputs("}\n", stdout);
	} else {
		printf("%-14s %lld\n", "id:", (long long)h.id);
		printf("%-14s %s\n", "state:", store_state_name(h.state));
		printf("%-14s %s\n", "received:", out_time(h.received, tbuf));
		printf("%-14s %s\n", "expires:", out_time(h.expires, tbuf));
		printf("%-14s %s\n", "released:", out_time(h.released, tbuf));
		printf("%-14s %s\n", "delivered:", out_time(h.delivered, tbuf));
		printf("%-14s %s\n", "token spent:", h.token_spent ? "yes" : "no");
		show_line("from:", h.mail_from[0] != '\0' ? h.mail_from : "<>");
		for (i = 0; i < h.nrcpts; i++)
			show_line(i == 0 ? "to:" : "", h.rcpts[i]);
		show_line("client:", h.client_addr);
		show_line("helo:", h.helo);
		show_line("subject:", h.subject);
		show_line("date:", h.date);
		printf("%-14s %zu\n", "size:", h.size);
		show_line("verdict:", h.verdict);
		show_line("reasons:", h.reasons);
		show_line("auth results:", h.auth_results);
		show_line("auth domain:", h.auth_domain[0] != '\0' ? h.auth_domain : "-");
		if (h.error[0] != '\0')
			show_line("last error:", h.error);
	}
	store_held_clear(&h);
	return 0;
}

/* release and delete: one id, an audited change, a one-line result. */
static int
held_change(struct store *st, bool release, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_actor by;
	enum store_err e;
	char who[STORE_WHO_MAX], what[64];
	bool json = false;
	int64_t id;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return usage();
		json = true;
	}
	if (optind + 1 != argc)
		return usage();
	if (ctl_parse_id(argv[optind], &id) != 0)
		return CTL_EXIT_USAGE;
	ctl_actor(&by, who, sizeof(who));
	snprintf(what, sizeof(what), "held %s %lld", release ? "release" : "delete",
	    (long long)id);
	if (release)
		e = store_release(st, id, STORE_BY_OPERATOR, (int64_t)time(NULL), &by);
	else
		e = store_held_delete(st, id, (int64_t)time(NULL), &by);
	if (e != STORE_OK)
		return ctl_store_error(st, what, e);
	if (json)
		printf("{\"id\":%lld,\"state\":\"%s\"}\n", (long long)id,
		    release ? "released" : "deleted");
	else if (release)
		printf("message %lld released: queued for re-injection\n", (long long)id);
	else
		printf("message %lld deleted\n", (long long)id);
	return 0;
}

static int
cmd_held_exec(const struct config *cf, int argc, char **argv)
{
	struct store *st;
	const char *sub;
	int status;

	if (argc < 2)
		return usage();
	sub = argv[1];
	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "release") != 0 && strcmp(sub, "delete") != 0) {
		fprintf(stderr, "eclusectl: held: unknown subcommand \"%s\"\n", sub);
		return usage();
	}
	if ((st = ctl_store_open(cf)) == NULL)
		return CTL_EXIT_FAILURE;
	optind = 0;	/* the subcommand's own options, from argv[1] */
	if (strcmp(sub, "list") == 0)
		status = held_list(st, argc - 1, argv + 1);
	else if (strcmp(sub, "show") == 0)
		status = held_show(st, argc - 1, argv + 1);
	else
		status = held_change(st, strcmp(sub, "release") == 0, argc - 1, argv + 1);
	store_close(st);
	return status;
}
