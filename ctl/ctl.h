/*
 * ctl.h - the commands of eclusectl, one file each (ctl/cmd_*.c), listed in one table
 * in main.c. A command gets the loaded configuration and its own arguments (argv[0]
 * is its name), parses them itself, prints what the operator asked for on stdout and
 * errors on stderr, and returns the exit status: 0 on success, CTL_EXIT_FAILURE when
 * it could not do its job, CTL_EXIT_USAGE for bad arguments.
 */
#ifndef ECLUSE_CTL_H
#define ECLUSE_CTL_H

struct config;

#define CTL_EXIT_FAILURE 1
/* Also the status of a configuration error (DESIGN: "exits 2"). */
#define CTL_EXIT_CONFIG 2
#define CTL_EXIT_USAGE 64	/* sysexits.h EX_USAGE */

struct ctl_cmd {
	const char	*name;
	const char	*usage;		/* arguments, for the usage text */
	const char	*summary;
	int		(*exec)(const struct config *cf, int argc, char **argv);
};

extern const struct ctl_cmd cmd_auth_entry;
extern const struct ctl_cmd cmd_held_entry;
extern const struct ctl_cmd cmd_whitelist_entry;
extern const struct ctl_cmd cmd_stats_entry;
extern const struct ctl_cmd cmd_challenge_entry;
extern const struct ctl_cmd cmd_digest_entry;
extern const struct ctl_cmd cmd_domains_entry;

#endif
