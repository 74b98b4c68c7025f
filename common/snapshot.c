/*
 * snapshot.c - versions counted by their readers. See snapshot.h.
 *
 * The current version and the replaced ones still read are nodes with a count of
 * readers; a replaced node leaves the list with its last reader. The list holds only
 * versions in use, so it is as long as the reloads overlapping one request: short.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/snapshot.h"
#include "common/xmalloc.h"

struct version {
	void		*obj;
	unsigned long	 readers;
	struct version	*next;		/* replaced versions still read */
};

struct snapshot {
	pthread_mutex_t	 lock;
	struct version	*cur;
	struct version	*retired;
	void		(*free_fn)(void *);
};

static struct version *
version_new(void *obj)
{
	struct version *v = xcalloc(1, sizeof(*v));

	v->obj = obj;
	return v;
}

struct snapshot *
snapshot_new(void *first, void (*free_fn)(void *))
{
	struct snapshot *s = xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->lock, NULL);
	s->cur = version_new(first);
	s->free_fn = free_fn;
	return s;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	if (s->cur->readers != 0 || s->retired != NULL)
		log_fatal("event=bug error=\"snapshot freed while versions are read\"");
	s->free_fn(s->cur->obj);
	free(s->cur);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const void *
snapshot_get(struct snapshot *s)
{
	const void *obj;

	pthread_mutex_lock(&s->lock);
	s->cur->readers++;
	obj = s->cur->obj;
	pthread_mutex_unlock(&s->lock);
	return obj;
}

void
snapshot_put(struct snapshot *s, const void *obj)
{
	struct version **pp, *gone = NULL;

	pthread_mutex_lock(&s->lock);
	if (s->cur->obj == obj)
		s->cur->readers--;
	else {
		for (pp = &s->retired; *pp != NULL && (*pp)->obj != obj; pp = &(*pp)->next)
			;
		if (*pp == NULL)
			log_fatal("event=bug error=\"snapshot_put of a version not taken\"");
		if (--(*pp)->readers == 0) {
			gone = *pp;
			*pp = gone->next;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (gone != NULL) {
		s->free_fn(gone->obj);
		free(gone);
	}
}

unsigned long
snapshot_retired(struct snapshot *s)
{
	const struct version *v;
	unsigned long n = 0;

	pthread_mutex_lock(&s->lock);
	for (v = s->retired; v != NULL; v = v->next)
		n++;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void
snapshot_publish(struct snapshot *s, void *obj)
{
	struct version *v = version_new(obj), *old;

	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = v;
	if (old->readers > 0) {
		old->next = s->retired;
		s->retired = old;
		old = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (old != NULL) {
		s->free_fn(old->obj);
		free(old);
	}
}
