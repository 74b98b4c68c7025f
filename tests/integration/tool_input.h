/*
 * tool_input.h - what the differential test tools (dkim_canon_tool, dkim_verify_tool,
 * spf_macro_tool) share: the whole of stdin in one buffer, and the way they stop on
 * input they were not written for.
 */
#ifndef ECLUSE_TOOL_INPUT_H
#define ECLUSE_TOOL_INPUT_H

#include <stddef.h>

/* Prints "PROGRAM: why" on stderr and exits with status 2. */
void tool_fail(const char *why) __attribute__((noreturn));

/* All of stdin; the caller frees it. A read error is fatal (tool_fail). */
char *tool_read_stdin(size_t *len);

#endif
