/*
 * cmd_whitelist.c - "eclusectl whitelist add|remove|list": senders that skip the
 * quarantine, or with --block senders that are refused, for one recipient, one
 * recipient domain, or every recipient.
 *
 *   whitelist add    (--rcpt ADDR | --domain DOMAIN | --global) SENDER [--block]
 *                    [--expires TIME] [--json]
 *   whitelist remove (--rcpt ADDR | --domain DOMAIN | --global) SENDER [--json]
 *   whitelist list   [--rcpt ADDR | --domain DOMAIN | --global] [--sender SENDER]
 *                    [--block] [--limit N] [--after ID] [--json]
 *
 * SENDER is an address, or a domain (every address of exactly that domain). Entries
 * added here have origin "admin". Even whitelisted, a sender whose mail fails SPF or
 * DMARC is not fast-tracked (ecluse-smtpd's rule); a blocked one is refused whatever
 * its authentication, and a block beats an allow (smtpd/whitelist.h). One (scope,
 * target, sender) is either allowed or blocked: adding one replaces the other. remove
 * removes either; list shows both (its ACTION column, "action" in JSON) unless
 * --block asks for the blocks only. Changes go to the audit log. Under subaddressing
 * ([policy] recipient_delimiter) entries are kept per mailbox: --rcpt b+tag@d names
 * b@d's entries (common/mailbox.h), the target the output shows.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/mailbox.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"
#include "ctl/output.h"

static int cmd_whitelist_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_whitelist_entry = {
	"whitelist",
	"add|remove (--rcpt ADDR|--domain DOMAIN|--global) SENDER [--block] [--expires T] |"
	" list [--rcpt ADDR|--domain DOMAIN|--global] [--sender S] [--block] [--limit N]"
	" [--after ID];"
	" all take [--json]",
	"add, remove and list allowed (whitelisted) or blocked senders per recipient, per"
	" domain or global",
	cmd_whitelist_exec,
};

static const char *const scope_names[] = { "global", "domain", "recipient" };
static const char *const origin_names[] = { "release", "recipient", "admin" };
static const char *const action_names[] = { "allow", "block" };

static int
usage(void)
{
	fprintf(stderr, "usage: eclusectl whitelist %s\n", cmd_whitelist_entry.usage);
	return CTL_EXIT_USAGE;
}

struct wl_args {
	bool			 scoped;	/* a scope option was given */
	enum store_wl_scope	 scope;
	const char		*target;
	char			 mailbox[MAILBOX_ADDR_MAX + 1];	/* of --rcpt */
	const char		*sender;	/* list: --sender */
	int64_t			 expires;
	int64_t			 after;
	size_t			 limit;
	bool			 block;		/* --block */
	bool			 json;
};

/* Parses the options of every subcommand; each then refuses what it has no use for. */
static int
parse(const struct config *cf, int argc, char **argv, bool is_list, struct wl_args *a)
{
	static const struct option opts[] = {
		{ "rcpt", required_argument, NULL, 'r' },
		{ "domain", required_argument, NULL, 'd' },
		{ "global", no_argument, NULL, 'g' },
		{ "sender", required_argument, NULL, 's' },
		{ "expires", required_argument, NULL, 'e' },
		{ "limit", required_argument, NULL, 'l' },
		{ "after", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "block", no_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long long lim;
	size_t len;
	int ch;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
		case 'd':
		case 'g':
			if (a->scoped) {
				fprintf(stderr, "eclusectl: whitelist: give one of --rcpt, --domain"
				    " or --global\n");
				return -1;
			}
			a->scoped = true;
			a->scope = ch == 'r' ? STORE_WL_RECIPIENT : ch == 'd' ? STORE_WL_DOMAIN :
			    STORE_WL_GLOBAL;
			a->target = ch == 'g' ? "" : optarg;
			/* not an address: left as it is, for the store to refuse */
			if (ch == 'r' && mailbox_of_config(cf, optarg, strlen(optarg),
			    a->mailbox, &len) == MAILBOX_OK)
				a->target = a->mailbox;
			break;
		case 's':
			if (!is_list)
				return -1;
			a->sender = optarg;
			break;
		case 'e':
			if (is_list || out_parse_time(optarg, &a->expires) != 0 || a->expires <= 0) {
				fprintf(stderr, "eclusectl: --expires: want YYYY-MM-DD,"
				    " YYYY-MM-DDTHH:MM:SSZ or Unix seconds\n");
				return -1;
			}
			break;
		case 'l':
		case 'a':
			if (!is_list)
				return -1;
			if (ch == 'a') {
				if (ctl_parse_id(optarg, &a->after) != 0)
					return -1;
				break;
			}
			lim = strtoll(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '\0' || lim < 1 || lim > STORE_LIST_MAX) {
				fprintf(stderr, "eclusectl: --limit: want 1 to %d\n", STORE_LIST_MAX);
				return -1;
			}
			a->limit = (size_t)lim;
			break;
		case 'j':
			a->json = true;
			break;
		case 'b':
			a->block = true;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void
entry_json(FILE *f, const struct store_wl_entry *e)
{
	fprintf(f, "{\"id\":%lld,\"scope\":\"%s\",\"target\":", (long long)e->id,
	    scope_names[e->scope]);
	out_json_str(f, e->target);
	fputs(",\"sender\":", f);
	out_json_str(f, e->sender);
	fprintf(f, ",\"action\":\"%s\",\"origin\":\"%s\",\"auth_domain\":",
	    action_names[e->action], origin_names[e->origin]);
	out_json_str(f, e->auth_domain);
	fputs(",\"client_net\":", f);
	out_json_str(f, e->client_net);
	fputs(",\"created\":", f);
	out_json_time(f, e->created);
	fputs(",\"expires\":", f);
	out_json_time(f, e->expires);
	fputc('}', f);
}

static int
wl_list(const struct config *cf, struct store *st, int argc, char **argv)
{
	struct store_wl_filter f = { .any_scope = true, .any_action = true };
	struct store_wl_entry *v;
	struct wl_args a;
	enum store_err e;
	char t1[OUT_TIME_MAX], t2[OUT_TIME_MAX];
	size_t n, i;

	if (parse(cf, argc, argv, true, &a) != 0 || optind != argc)
		return usage();
	if (a.scoped) {
		f.any_scope = false;
		f.scope = a.scope;
		f.target = a.scope == STORE_WL_GLOBAL ? NULL : a.target;
	}
	if (a.block) {
		f.any_action = false;
		f.action = STORE_WL_BLOCK;
	}
	f.sender = a.sender;
	f.after_id = a.after;
	f.limit = a.limit;
	if ((e = store_wl_list(st, &f, &v, &n)) != STORE_OK)
		return ctl_store_error(st, "whitelist list", e);
	if (a.json) {
		fputs("{\"whitelist\":[", stdout);
		for (i = 0; i < n; i++) {
			if (i > 0)
				fputc(',', stdout);
			entry_json(stdout, &v[i]);
		}
		fputs("]}\n", stdout);
	} else {
		if (n > 0)
			printf("%-8s %-6s %-9s %-7s %-20s %-20s %s -> %s\n", "ID", "ACTION",
			    "ORIGIN", "SCOPE", "CREATED", "EXPIRES", "SENDER", "TARGET");
		for (i = 0; i < n; i++) {
			printf("%-8lld %-6s %-9s %-7s %-20s %-20s ", (long long)v[i].id,
			    action_names[v[i].action], origin_names[v[i].origin],
			    v[i].scope == STORE_WL_RECIPIENT ? "rcpt" : scope_names[v[i].scope],
			    out_time(v[i].created, t1), out_time(v[i].expires, t2));
			out_text(stdout, v[i].sender);
			fputs(" -> ", stdout);
			out_text(stdout, v[i].scope == STORE_WL_GLOBAL ? "*" : v[i].target);
			fputc('\n', stdout);
		}
	}
	store_wl_free(v, n);
	return 0;
}

static int
wl_change(const struct config *cf, struct store *st, bool add, int argc, char **argv)
{
	struct store_wl_entry e;
	struct store_actor by;
	struct wl_args a;
	enum store_err err;
	char who[STORE_WHO_MAX], what[64];
	int64_t id = 0, now = (int64_t)time(NULL);

	if (parse(cf, argc, argv, false, &a) != 0 || optind + 1 != argc)
		return usage();
	if (!a.scoped) {
		fprintf(stderr, "eclusectl: whitelist: give one of --rcpt, --domain or"
		    " --global\n");
		return usage();
	}
	if (!add && (a.expires != 0 || a.block))
		return usage();
	ctl_actor(&by, who, sizeof(who));
	snprintf(what, sizeof(what), "whitelist %s", add ? "add" : "remove");
	if (add) {
		memset(&e, 0, sizeof(e));
		e.scope = a.scope;
		e.target = a.target;
		e.sender = argv[optind];
		e.origin = STORE_WL_BY_ADMIN;
		e.action = a.block ? STORE_WL_BLOCK : STORE_WL_ALLOW;
		e.auth_domain = "";
		e.client_net = "";
		e.created = now;
		e.expires = a.expires;
		err = store_wl_add(st, &e, &by, &id);
	} else {
		err = store_wl_remove(st, a.scope, a.target, argv[optind], now, &by);
	}
	if (err != STORE_OK)
		return ctl_store_error(st, what, err);
	if (a.json) {
		printf("{\"%s\":true,\"scope\":\"%s\",\"target\":", add ? "added" : "removed",
		    scope_names[a.scope]);
		out_json_str(stdout, a.target);
		fputs(",\"sender\":", stdout);
		out_json_str(stdout, argv[optind]);
		if (add)
			printf(",\"action\":\"%s\",\"id\":%lld", action_names[e.action],
			    (long long)id);
		fputs("}\n", stdout);
	} else {
		printf("%s ", add ? (a.block ? "blocked" : "added") : "removed");
		out_text(stdout, argv[optind]);
		fputs(add ? " for " : " from ", stdout);
		if (a.scope == STORE_WL_GLOBAL)
			fputs("every recipient", stdout);
		else
			out_text(stdout, a.target);
		if (add)
			printf(" (entry %lld)", (long long)id);
		fputc('\n', stdout);
	}
	return 0;
}

static int
cmd_whitelist_exec(const struct config *cf, int argc, char **argv)
{
	struct store *st;
	const char *sub;
	int status;

	if (argc < 2)
		return usage();
	sub = argv[1];
	if (strcmp(sub, "add") != 0 && strcmp(sub, "remove") != 0 &&
	    strcmp(sub, "list") != 0) {
		fprintf(stderr, "eclusectl: whitelist: unknown subcommand \"%s\"\n", sub);
		return usage();
	}
	if ((st = ctl_store_open(cf)) == NULL)
		return CTL_EXIT_FAILURE;
	optind = 0;
	if (strcmp(sub, "list") == 0)
		status = wl_list(cf, st, argc - 1, argv + 1);
	else
		status = wl_change(cf, st, strcmp(sub, "add") == 0, argc - 1, argv + 1);
	store_close(st);
	return status;
}
