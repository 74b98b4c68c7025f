/*
 * server.h - the HTTP side of ecluse-web on libmicrohttpd: connections, request
 * bodies, routing to the pages, and the reply with its headers.
 *
 * Threading: libmicrohttpd's internal epoll threads, a fixed pool of threads each
 * with its own epoll set (MHD_USE_EPOLL_INTERNAL_THREAD with a thread pool), not
 * a thread per connection: idle and slow connections cost a socket and a small
 * buffer, not a thread and its stack, so a slowloris client cannot exhaust threads;
 * and a pool (rather than one thread) keeps pages moving while one request waits
 * for a synchronous store write and its disk sync.
 * Limits: total and per-IP connections, an idle timeout on every connection, the
 * request header block (connection memory), the path length, and the POST body
 * (FORM_MAX_BODY, declared with Content-Length: 411 without, 413 over).
 */
#ifndef ECLUSE_SERVER_H
#define ECLUSE_SERVER_H

#include <stdarg.h>
#include <stddef.h>

struct snapshot;
struct server;

/* Defaults of the limits below, until they are config keys. */
#define WEB_THREADS		4	/* the pool: a couple per core */
#define WEB_MAX_CONNECTIONS	1024
#define WEB_MAX_PER_IP		64	/* a browser opens about six; a NAT more */
#define WEB_TIMEOUT		30	/* seconds idle before a connection is closed */
/* Request line and headers of one request; libmicrohttpd answers 431 or 414 past
 * it. Browsers send a few KB; long headers are an attack or a mistake. */
#define WEB_CONN_MEMORY		(32 * 1024)
/* A path longer than this is not one of ours: 404 before any parsing. */
#define WEB_PATH_MAX		512

struct server_limits {
	unsigned	threads;
	unsigned	max_connections;
	unsigned	max_per_ip;
	unsigned	timeout;
};

/* Starts serving on listen_fd (bound and listening; the server takes it). Each
 * request reads the struct web of the current version in confs (webconf.h), taken
 * when it starts and given back when it completes. NULL and err on failure. */
struct server *server_start(struct snapshot *confs, int listen_fd,
    const struct server_limits *lim, char *err, size_t errsz);
/* Stops accepting, finishes or closes the connections, joins the threads. */
void server_stop(struct server *s);
/* libmicrohttpd's error logger (MHD_OPTION_EXTERNAL_LOGGER, first option of a
 * daemon): one warn line, cls names the listener ("web", "admin"). */
void server_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
