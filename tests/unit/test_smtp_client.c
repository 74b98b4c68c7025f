/*
 * test_smtp_client.c - the SMTP client's failure path on a dead connection: a
 * command sent on it fails from the event loop (never from inside the caller), and
 * freeing the client before the loop runs cancels that failure, as client.h promises
 * (the caller owns the client and may free it at any time). The next hop is a bound
 * socket that never listens on loopback: the connection is refused at once.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "smtpd/client.h"

struct seen {
	int	 calls;
	int	 code;
	struct event_base *base;
};

static void
on_reply(struct smtp_client *c, const struct smtp_reply *r, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->code = r->code;
	event_base_loopbreak(s->base);
}

/* A port on 127.0.0.1 where nothing listens while fd stays open. */
static uint16_t
closed_port(int *fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* A client whose connection was refused: dead, its connect callback done. */
static struct smtp_client *
dead_client(struct event_base *base, int *fd)
{
	static const struct client_timeouts to = { 10, 10, 10 };
	struct seen s = { 0, -1, base };
	struct smtp_client *c;

	c = client_connect(base, NULL, "127.0.0.1", closed_port(fd), "test.example", &to,
	    on_reply, &s);
	assert_non_null(c);
	event_base_dispatch(base);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.code, 0);
	return c;
}

static void
test_command_on_dead_client_fails_from_the_loop(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s = { 0, -1, base };
	struct smtp_client *c;
	int fd;

	c = dead_client(base, &fd);
	client_command(c, "NOOP", 4, on_reply, &s);
	assert_int_equal(s.calls, 0);	/* not from inside client_command */
	event_base_dispatch(base);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.code, 0);
	client_free(c);
	close(fd);
	event_base_free(base);
}

static void
test_free_cancels_the_pending_failure(void **state)
{
	struct event_base *base = event_base_new();
	struct seen s = { 0, -1, base };
	struct smtp_client *c;
	int fd;

	c = dead_client(base, &fd);
	client_command(c, "NOOP", 4, on_reply, &s);
	client_data(c, "", 0, "x\r\n", 3, on_reply, &s);	/* the same path for DATA */
	client_free(c);
	/* the deferred failure must not run: it would read the freed client */
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(s.calls, 0);
	close(fd);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_on_dead_client_fails_from_the_loop),
		cmocka_unit_test(test_free_cancels_the_pending_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
