/*
 * log.h - the one logging facility of every ecluse program.
 *
 * One line per event, "key=value" fields, the session id first where there is one.
 * Goes to syslog (mail facility), or to stderr when the program runs in the
 * foreground (-f). Callers never print errors themselves: a module returns an
 * error, and the caller that knows the context logs it once.
 *
 * log_fatal: start-up configuration and broken invariants only; exits 1.
 */
#ifndef ECLUSE_LOG_H
#define ECLUSE_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERR };

/* ident is kept by pointer: pass a string literal. */
void log_init(const char *ident, int foreground, enum log_level min);
void log_set_level(enum log_level min);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Writes at most len bytes of network data into out (size outsz) with every byte
 * outside printable ASCII, plus '"' and '\\', escaped as \xHH, so that a peer can never
 * forge a log line or a field. Always NUL-terminates; marks truncation with "...".
 * Returns out.
 */
char *log_escape(char *out, size_t outsz, const char *buf, size_t len);

#endif
