/*
 * fuzz_token.c - the release-token decoder on arbitrary bytes. The key is fixed (a
 * file written at start-up), so seed tokens made with it reach the accepting paths.
 * Invariants: no crash; a token accepted (OK, EXPIRED, WRONG_KIND: the MAC matched)
 * is canonical, i.e. token_make of what it decoded to gives back the very same
 * characters; a token accepted for one kind is WRONG_KIND for the other.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/token.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The seeds in fuzz/corpus/token/ were made with this key. */
static const unsigned char fixed_key[TOKEN_KEY_BYTES] = {
	0x65, 0x63, 0x6c, 0x75, 0x73, 0x65, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65,
	0x79, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62,
	0x63, 0x64, 0x65, 0x66,
};
#define NOW 1700000000

static struct token_key *key;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/ecluse-fuzz-token-XXXXXX", path[64], err[256];
	int fd;

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/token.key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, fixed_key, sizeof(fixed_key)) != (ssize_t)sizeof(fixed_key))
		abort();
	close(fd);
	if (token_key_load(path, &key, err, sizeof(err)) != TOKEN_KEY_OK) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	unlink(path);
	rmdir(dir);
	return 0;
}

static void
check_kind(enum token_kind kind, enum token_kind other, const uint8_t *data, size_t size)
{
	char again[TOKEN_LEN + 1];
	uint64_t id = 0;
	int64_t exp = 0;
	enum token_err e;

	e = token_check(key, kind, (const char *)data, size, NOW, &id, &exp);
	if (e != TOKEN_OK && e != TOKEN_EXPIRED)
		return;
	if (size != TOKEN_LEN)
		abort();
	token_make(key, kind, id, exp, again);
	if (memcmp(again, data, TOKEN_LEN) != 0)
		abort();
	if (token_check(key, other, (const char *)data, size, NOW, NULL, NULL) !=
	    TOKEN_WRONG_KIND)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_kind(TOKEN_RELEASE, TOKEN_RECIPIENT, data, size);
	check_kind(TOKEN_RECIPIENT, TOKEN_RELEASE, data, size);
	return 0;
}
