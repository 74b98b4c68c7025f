/*
 * test_snapshot.c - versions replaced under readers: a reader keeps the version it
 * took, a replaced version is freed with its last reader and not before, and readers
 * on several threads never see a freed version while another thread publishes.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "common/snapshot.h"

#define LIVE	0x5eed
/* Enough rounds for the readers to overlap many publishes. */
#define ROUNDS	2000
#define READERS	3

struct obj {
	int		 magic;		/* LIVE until freed */
	unsigned	 n;
};

static unsigned freed;
static pthread_mutex_t freed_lock = PTHREAD_MUTEX_INITIALIZER;

static struct obj *
obj_new(unsigned n)
{
	struct obj *o = malloc(sizeof(*o));

	assert_non_null(o);
	o->magic = LIVE;
	o->n = n;
	return o;
}

static void
obj_free(void *p)
{
	struct obj *o = p;

	o->magic = 0;
	free(o);
	pthread_mutex_lock(&freed_lock);
	freed++;
	pthread_mutex_unlock(&freed_lock);
}

static void
test_reader_keeps_its_version(void **state)
{
	struct snapshot *s;
	const struct obj *a, *b, *c;

	(void)state;
	freed = 0;
	s = snapshot_new(obj_new(1), obj_free);
	a = snapshot_get(s);
	assert_int_equal(a->n, 1);
	snapshot_publish(s, obj_new(2));
	assert_int_equal(freed, 0);		/* still read */
	assert_int_equal(a->n, 1);
	b = snapshot_get(s);
	assert_int_equal(b->n, 2);
	snapshot_publish(s, obj_new(3));
	c = snapshot_get(s);
	assert_int_equal(c->n, 3);
	assert_int_equal(snapshot_retired(s), 2);	/* 1 and 2, both read */
	/* given back out of order: each goes with its own last reader */
	snapshot_put(s, b);
	assert_int_equal(freed, 1);
	assert_int_equal(snapshot_retired(s), 1);
	snapshot_put(s, c);
	assert_int_equal(freed, 1);		/* current: kept */
	snapshot_put(s, a);
	assert_int_equal(freed, 2);
	assert_int_equal(snapshot_retired(s), 0);
	snapshot_free(s);
	assert_int_equal(freed, 3);
}

static void
test_unread_version_freed_at_once(void **state)
{
	struct snapshot *s;
	const struct obj *a, *a2;

	(void)state;
	freed = 0;
	s = snapshot_new(obj_new(1), obj_free);
	a = snapshot_get(s);
	a2 = snapshot_get(s);
	assert_ptr_equal(a, a2);
	snapshot_put(s, a);
	snapshot_put(s, a2);
	snapshot_publish(s, obj_new(2));
	assert_int_equal(freed, 1);
	snapshot_free(s);
	assert_int_equal(freed, 2);
	snapshot_free(NULL);
}

static void *
reader(void *arg)
{
	struct snapshot *s = arg;
	const struct obj *o;
	unsigned last = 0, i;

	for (i = 0; i < ROUNDS; i++) {
		o = snapshot_get(s);
		if (o->magic != LIVE || o->n < last)
			return (void *)1;	/* freed, or went back in time */
		last = o->n;
		snapshot_put(s, o);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t t[READERS];
	struct snapshot *s;
	void *bad;
	unsigned i;

	(void)state;
	freed = 0;
	s = snapshot_new(obj_new(0), obj_free);
	for (i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, s), 0);
	for (i = 1; i <= ROUNDS; i++)
		snapshot_publish(s, obj_new(i));
	for (i = 0; i < READERS; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
	assert_int_equal(freed, ROUNDS);	/* every replaced version, once */
	snapshot_free(s);
	assert_int_equal(freed, ROUNDS + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_keeps_its_version),
		cmocka_unit_test(test_unread_version_freed_at_once),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
