/*
 * stores.c - one store handle per HTTP worker thread (see web_store in web.h).
 *
 * The store API gives each handle to one thread; libmicrohttpd runs requests in a
 * fixed pool of threads, so each opens its own on first use, and the handles are
 * remembered here, under a mutex, so that main can close them once the pool is
 * joined. This registry is the one piece of mutable state shared by the threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "release-web/web.h"
#include "store/store.h"

static __thread struct store *thread_store;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct store **opened;
static size_t nopened;

struct store *
web_store(const struct web *w)
{
	char err[256];
	struct store *st;
	enum store_err e;

	if (thread_store != NULL)
		return thread_store;
	if ((e = store_open(w->store_path, &st, err, sizeof(err))) != STORE_OK) {
		log_err("event=store_open_failed path=%s error=\"%s\" detail=\"%s\"",
		    w->store_path, store_strerror(e), err);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	opened = xreallocarray(opened, nopened + 1, sizeof(*opened));
	opened[nopened++] = st;
	pthread_mutex_unlock(&lock);
	thread_store = st;
	return st;
}

void
web_store_close_all(void)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nopened; i++)
		store_close(opened[i]);
	free(opened);
	opened = NULL;
	nopened = 0;
	pthread_mutex_unlock(&lock);
	thread_store = NULL;
}
