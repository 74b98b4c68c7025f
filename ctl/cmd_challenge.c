/*
 * cmd_challenge.c - "eclusectl challenge-answer TOKEN [CHALLENGE]": prints the answer
 * of the CAPTCHA a sender is looking at for release link TOKEN, so that support can
 * help a sender who cannot read the image, and tests can play the sender.
 *
 * The token is checked with the key like ecluse-web checks it (a forged, malformed or
 * expired token gets no answer). Without CHALLENGE the answer is the one of the
 * message's newest open challenge (the image loaded last; challenge times are in
 * seconds, so of images loaded within one second any may be printed). CHALLENGE, the
 * id after the "." of the browser's "challenge" cookie, names the very image; it must
 * be one of the token's message. The answer is printed on stdout only, and wiped from
 * memory after. A missing key file is an error, never created
 * here: a fresh key could not have signed any link, and a file made by the operator's
 * user could lock the daemons out of it.
 */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/token.h"
#include "ctl/ctl.h"
#include "ctl/ctlstore.h"

static int cmd_challenge_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_challenge_entry = {
	"challenge-answer",
	"TOKEN [CHALLENGE]",
	"print the answer of the CAPTCHA shown for release link TOKEN (support, tests)",
	cmd_challenge_exec,
};

static int
cmd_challenge_exec(const struct config *cf, int argc, char **argv)
{
	struct token_key *key = NULL;
	struct store *st;
	enum token_key_err ke;
	enum token_err te;
	enum store_err e;
	char err[512], *answer = NULL;
	uint64_t id = 0;
	int64_t now = (int64_t)time(NULL);

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: eclusectl challenge-answer %s\n",
		    cmd_challenge_entry.usage);
		return CTL_EXIT_USAGE;
	}
	if (access(cf->token_key, F_OK) != 0) {
		fprintf(stderr, "eclusectl: %s: no token key file (made by the daemons at their "
		    "first start)\n", cf->token_key);
		return CTL_EXIT_FAILURE;
	}
	if ((ke = token_key_load(cf->token_key, &key, err, sizeof(err))) != TOKEN_KEY_OK) {
		fprintf(stderr, "eclusectl: %s\n", err);
		return CTL_EXIT_FAILURE;
	}
	te = token_check(key, TOKEN_RELEASE, argv[1], strnlen(argv[1], TOKEN_LEN + 1), now,
	    &id, NULL);
	token_key_free(key);
	if (te != TOKEN_OK) {
		fprintf(stderr, "eclusectl: release token: %s\n", token_strerror(te));
		return CTL_EXIT_FAILURE;
	}
	if ((st = ctl_store_open(cf)) == NULL)
		return CTL_EXIT_FAILURE;
	e = store_challenge_answer(st, (int64_t)id, argc == 3 ? argv[2] : NULL, now, &answer);
	if (e == STORE_NOTFOUND) {
		if (argc == 3)
			fprintf(stderr, "eclusectl: message %llu: no open challenge of that "
			    "id\n", (unsigned long long)id);
		else
			fprintf(stderr, "eclusectl: message %llu: no open challenge (the "
			    "release page makes one when its image loads)\n",
			    (unsigned long long)id);
		store_close(st);
		return CTL_EXIT_FAILURE;
	}
	if (e != STORE_OK) {
		ctl_store_error(st, "challenge", e);
		store_close(st);
		return CTL_EXIT_FAILURE;
	}
	store_close(st);
	printf("%s\n", answer);
	sodium_memzero(answer, strlen(answer));
	free(answer);
	return fflush(stdout) == 0 ? 0 : CTL_EXIT_FAILURE;
}
