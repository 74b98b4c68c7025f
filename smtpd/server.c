/*
 * server.c - accept loop and connection limits; see server.h. Sessions are kept in
 * an array searched linearly for the per-client count: max_connections bounds it. A
 * client is an IPv4 address or an IPv6 /64 (netaddr_client): an IPv6 host has a /64
 * of addresses to connect from.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "common/log.h"
#include "common/netaddr.h"
#include "common/xmalloc.h"
#include "smtpd/server.h"

struct server {
	const struct smtpd_env	*env;
	struct evconnlistener	*lev;
	struct session		**sessions;
	size_t			 n;
};

static void
on_session_close(struct session *s, void *arg)
{
	struct server *srv = arg;
	size_t i;

	for (i = 0; i < srv->n; i++)
		if (srv->sessions[i] == s) {
			srv->sessions[i] = srv->sessions[--srv->n];
			return;
		}
}

static void
refuse(int fd, const struct config *cf, const char *ip, const char *why)
{
	char line[300];
	int n = snprintf(line, sizeof(line), "421 4.7.0 %s too many connections%s\r\n", cf->hostname, why);

	/* best effort on a fresh non-blocking socket: the kernel buffer takes it */
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		log_debug("event=refuse_write_failed client=%s errno=%d", ip, errno);
	log_info("event=connection_refused client=%s reason=\"too many connections%s\"", ip, why);
	evutil_closesocket(fd);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct server *srv = arg;
	const struct config *cf = srv->env->cf;
	char ip[INET6_ADDRSTRLEN] = "?";
	struct netaddr na, who;
	unsigned same = 0;
	size_t i;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, sizeof(ip));
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
	} else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
	if (srv->n >= cf->max_connections) {
		refuse(fd, cf, ip, "");
		return;
	}
	/* zero for a socket that is neither IPv4 nor IPv6, as session_client() */
	memset(&who, 0, sizeof(who));
	if (netaddr_from_sockaddr(sa, &na) == 0)
		netaddr_client(&na, &who);
	for (i = 0; i < srv->n; i++)
		if (netaddr_equal(session_client(srv->sessions[i]), &who))
			same++;
	if (same >= cf->max_connections_per_ip) {
		refuse(fd, cf, ip, " from your address");
		return;
	}
	srv->sessions = xreallocarray(srv->sessions, srv->n + 1, sizeof(*srv->sessions));
	srv->sessions[srv->n++] = session_new(srv->env, fd, sa, (socklen_t)salen,
	    on_session_close, srv);
}

static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	/* EMFILE and friends: keep running, the limit above should prevent it */
	log_warn("event=accept_failed errno=%d", EVUTIL_SOCKET_ERROR());
}

struct server *
server_new(const struct smtpd_env *env, char *err, size_t errsz)
{
	const struct hostport *hp = &env->cf->smtpd_listen;
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char spec[300];
	struct server *srv;

	if (hp->host == NULL) {
		snprintf(err, errsz, "[smtpd] listen: not set");
		return NULL;
	}
	snprintf(spec, sizeof(spec), strchr(hp->host, ':') ? "[%s]:%u" : "%s:%u", hp->host,
	    hp->port);
	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sslen) != 0) {
		snprintf(err, errsz, "[smtpd] listen: %s is not an IP address and port", spec);
		return NULL;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->env = env;
	srv->lev = evconnlistener_new_bind(env->base, on_accept, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
	    (struct sockaddr *)&ss, sslen);
	if (srv->lev == NULL) {
		snprintf(err, errsz, "[smtpd] listen: cannot bind %s: %s", spec,
		    strerror(errno));
		free(srv);
		return NULL;
	}
	evconnlistener_set_error_cb(srv->lev, on_accept_error);
	return srv;
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	evconnlistener_free(srv->lev);
	while (srv->n > 0)
		session_free(srv->sessions[0]);	/* its close callback shrinks the array */
	free(srv->sessions);
	free(srv);
}
