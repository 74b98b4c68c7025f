/*
 * conf_text.h - for the unit tests that load a configuration given as text: the
 * text is written to a fresh temporary file, whose name stays in conf_path for the
 * test to compare with an error and to unlink, then read by config_load. Include
 * after cmocka.h and common/config.h.
 */
#ifndef ECLUSE_TEST_CONF_TEXT_H
#define ECLUSE_TEST_CONF_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char conf_path[64];

static struct config *
conf_load(const char *text, char *err)
{
	int fd;

	snprintf(conf_path, sizeof(conf_path), "/tmp/ecluse-test-conf-XXXXXX");
	fd = mkstemp(conf_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return config_load(conf_path, err, CONFIG_ERR_MAX);
}

#endif
