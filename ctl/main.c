/*
 * main.c - eclusectl: "eclusectl [-c FILE] COMMAND [ARGS]". Parses the global
 * options, loads the configuration (common/config.h), and runs the command found in
 * the table below; each command lives in its own file (ctl/cmd_*.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "ctl/ctl.h"

#define CTL_CONF_DEFAULT "/etc/ecluse/ecluse.conf"

static const struct ctl_cmd *const commands[] = {
	&cmd_auth_entry,
	&cmd_held_entry,
	&cmd_whitelist_entry,
	&cmd_stats_entry,
	&cmd_challenge_entry,
	&cmd_digest_entry,
	&cmd_domains_entry,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: eclusectl [-c FILE] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s %s\n      %s\n", commands[i]->name, commands[i]->usage,
		    commands[i]->summary);
	fprintf(f, "\nFILE defaults to %s.\n", CTL_CONF_DEFAULT);
}

int
main(int argc, char **argv)
{
	const char *path = CTL_CONF_DEFAULT;
	char err[CONFIG_ERR_MAX];
	const struct ctl_cmd *cmd = NULL;
	struct config *cf;
	size_t i;
	int ch, status;

	log_init("eclusectl", 1, LOG_LVL_WARN);
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i]->name) == 0)
			cmd = commands[i];
	if (cmd == NULL) {
		fprintf(stderr, "eclusectl: unknown command \"%s\"\n", argv[0]);
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if ((cf = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "eclusectl: %s\n", err);
		return CTL_EXIT_CONFIG;
	}
	optind = 0;	/* glibc: start the command's own getopt afresh */
	status = cmd->exec(cf, argc, argv);
	config_free(cf);
	return status;
}
