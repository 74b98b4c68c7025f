/*
 * cmd_domains.c - "eclusectl domains [--json]": each served domain of the
 * configuration ([domain NAME]) with its next hop, language, digest setting and
 * verdict thresholds, and how many of its messages are held now (state held, any
 * recipient of the domain), from the store.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"
#include "ctl/output.h"

static int cmd_domains_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_domains_entry = {
	"domains",
	"[--json]",
	"list the served domains: next hop, language, digest, thresholds, held messages",
	cmd_domains_exec,
};

/* Messages held for recipients of domain, counted through the list's pages. */
static enum store_err
count_held(struct store *st, const char *domain, uint64_t *count)
{
	struct store_held_filter f;
	struct store_held *v;
	size_t n;
	enum store_err e;

	memset(&f, 0, sizeof(f));
	f.rcpt = domain;
	f.state = STORE_HELD;
	*count = 0;
	do {
		if ((e = store_held_list(st, &f, &v, &n)) != STORE_OK)
			return e;
		*count += n;
		if (n > 0)
			f.before_id = v[n - 1].id;
		store_held_list_free(v, n);
	} while (n == STORE_LIST_MAX);
	return STORE_OK;
}

static int
cmd_domains_exec(const struct config *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st;
	enum store_err e;
	char hop[300];
	uint64_t held;
	bool json = false;
	size_t i;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "usage: eclusectl domains %s\n", cmd_domains_entry.usage);
			return CTL_EXIT_USAGE;
		}
		json = true;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: eclusectl domains %s\n", cmd_domains_entry.usage);
		return CTL_EXIT_USAGE;
	}
	if ((st = ctl_store_open(cf)) == NULL)
		return CTL_EXIT_FAILURE;
	if (json)
		fputs("{\"domains\":[", stdout);
	else
		printf("%-30s %-24s %-4s %-6s %10s %6s %6s\n", "domain", "next hop", "lang",
		    "digest", "quarantine", "reject", "held");
	for (i = 0; i < cf->ndomains; i++) {
		const struct domain_config *d = &cf->domains[i];

		if ((e = count_held(st, d->name, &held)) != STORE_OK) {
			if (json)
				fputs("]}\n", stdout);
			ctl_store_error(st, "domains", e);
			store_close(st);
			return CTL_EXIT_FAILURE;
		}
		snprintf(hop, sizeof(hop), strchr(d->next_hop.host, ':') != NULL ?
		    "[%s]:%u" : "%s:%u", d->next_hop.host, d->next_hop.port);
		if (json) {
			printf("%s{\"name\":", i > 0 ? "," : "");
			out_json_str(stdout, d->name);
			fputs(",\"next_hop\":", stdout);
			out_json_str(stdout, hop);
			printf(",\"language\":\"%s\",\"digest\":%s,\"quarantine_threshold\":%u,"
			    "\"reject_threshold\":%u,\"held\":%llu}", d->language,
			    d->digest ? "true" : "false", d->quarantine_threshold,
			    d->reject_threshold, (unsigned long long)held);
		} else
			printf("%-30s %-24s %-4s %-6s %10u %6u %6llu\n", d->name, hop,
			    d->language, d->digest ? "yes" : "no", d->quarantine_threshold,
			    d->reject_threshold, (unsigned long long)held);
	}
	if (json)
		fputs("]}\n", stdout);
	store_close(st);
	return 0;
}
