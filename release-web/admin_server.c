/*
 * admin_server.c - the admin API's own libmicrohttpd daemon: a second listener, apart
 * from the public pages, so that a firewall or a loopback address keeps it private.
 *
 * Per request: the raw request target (taken before libmicrohttpd parses it, so the
 * query is parsed once, strictly, by form.h), the bearer token (RFC 6750 section
 * 2.1; 401 with WWW-Authenticate without a valid one, logged with the client's
 * address), then the body of a POST (at most FORM_MAX_BODY: 413 past it,
 * 415 unless form-urlencoded), then admin_handle. Replies are JSON, never cached.
 * Limits: ADMIN_THREADS threads, ADMIN_MAX_CONNECTIONS, the web's idle timeout and
 * connection memory, ADMIN_URI_MAX bytes of request target (414 past it).
 */
#include "config.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "common/snapshot.h"
#include "common/xmalloc.h"
#include "release-web/admin.h"
#include "release-web/form.h"
#include "release-web/server.h"
#include "release-web/webconf.h"

/* Scripts and an operator: a couple of threads, a few dozen connections. */
#define ADMIN_THREADS		2
#define ADMIN_MAX_CONNECTIONS	64
/* A path and a query of a few filters; anything longer is not ours. */
#define ADMIN_URI_MAX		2048
#define ADMIN_AUTH_MAX		(7 + ADMIN_TOKEN_MAX)
#define CLIENT_MAX		INET6_ADDRSTRLEN

struct admin_server {
	struct MHD_Daemon	*d;
};

struct admin_conn {
	const struct web_conf *conf;	/* the version it started with */
	char	*uri;		/* the raw request target, or NULL past ADMIN_URI_MAX */
	char	*body;		/* FORM_MAX_BODY bytes */
	size_t	 len;
	int	 too_big;
	int	 started;
};

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct admin_conn *ac = xcalloc(1, sizeof(*ac));
	size_t n = strnlen(uri, ADMIN_URI_MAX + 1);

	(void)c;
	ac->conf = snapshot_get(cls);
	if (n <= ADMIN_URI_MAX)
		ac->uri = xstrndup(uri, n);
	return ac;
}

static void
client_of(struct MHD_Connection *c, char addr[CLIENT_MAX])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(addr, CLIENT_MAX, "unknown");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    addr, CLIENT_MAX);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr,
		    CLIENT_MAX);
}

/* libmicrohttpd leaves the body out of a reply to HEAD itself. */
static enum MHD_Result
send_json(struct MHD_Connection *c, struct admin_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(r->body);
		return MHD_NO;
	}
	r->body = NULL;	/* libmicrohttpd frees it */
	if (MHD_add_response_header(resp, "Content-Type",
	    "application/json; charset=utf-8") != MHD_YES ||
	    MHD_add_response_header(resp, "Cache-Control", "no-store") != MHD_YES ||
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    (r->allow != NULL && MHD_add_response_header(resp, "Allow", r->allow) !=
	    MHD_YES) ||
	    (r->status == 401 && MHD_add_response_header(resp, "WWW-Authenticate",
	    "Bearer realm=\"ecluse-admin\"") != MHD_YES)) {
		MHD_destroy_response(resp);
		free(r->body);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	free(r->body);
	return ret;
}

static enum MHD_Result
fail(struct MHD_Connection *c, unsigned status, const char *why)
{
	struct admin_reply r;

	memset(&r, 0, sizeof(r));
	admin_error(&r, status, why);
	return send_json(c, &r);
}

/* The token, or NULL after logging the refusal. */
static const struct admin_token *
authenticate(const struct admin_ctx *a, struct MHD_Connection *c, const char *client)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	const char *why = "missing";
	const struct admin_token *name = NULL;
	size_t n;

	if (h != NULL) {
		n = strnlen(h, ADMIN_AUTH_MAX + 1);
		why = "wrong";
		if (n > 7 && n <= ADMIN_AUTH_MAX && strncasecmp(h, "Bearer ", 7) == 0)
			name = admin_tokens_check(&a->tokens, h + 7, n - 7);
	}
	if (name == NULL)
		log_warn("event=admin_unauthorized name=unknown token=%s client=%s",
		    why, client);
	return name;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls)
{
	struct admin_conn *ac = *con_cls;
	const struct admin_ctx *a;
	struct admin_req rq;
	struct admin_reply r;
	char client[CLIENT_MAX];
	const struct admin_token *tok;
	const char *q;

	(void)cls;
	(void)url;
	(void)version;
	if (ac == NULL)
		return MHD_NO;
	a = &ac->conf->admin;
	if (!ac->started) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "Content-Type");
		static const char form_type[] = "application/x-www-form-urlencoded";
		size_t l = sizeof(form_type) - 1;

		ac->started = 1;
		if (ac->uri == NULL)
			return fail(c, 414, "request target too long");
		client_of(c, client);
		if (authenticate(a, c, client) == NULL)
			return fail(c, 401, "missing or wrong bearer token");
		if (strcmp(method, "POST") == 0) {
			if (ct != NULL && (strncasecmp(ct, form_type, l) != 0 ||
			    (ct[l] != '\0' && ct[l] != ';' && ct[l] != ' ')))
				return fail(c, 415, "expected application/x-www-form-urlencoded");
			ac->body = xmalloc(FORM_MAX_BODY);
		}
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		if (ac->body == NULL || *upload_data_size > FORM_MAX_BODY - ac->len)
			ac->too_big = 1;
		else {
			memcpy(ac->body + ac->len, upload_data, *upload_data_size);
			ac->len += *upload_data_size;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ac->too_big)
		return fail(c, ac->body == NULL ? 400 : 413, ac->body == NULL ?
		    "this method takes no body" : "body too large");
	client_of(c, client);
	/* authenticated on the first call; the name again, for the audit */
	if ((tok = authenticate(a, c, client)) == NULL)
		return fail(c, 401, "missing or wrong bearer token");
	memset(&rq, 0, sizeof(rq));
	{
		char who[8 + ADMIN_NAME_MAX];

		snprintf(who, sizeof(who), "admin:%s", tok->name);
		rq.method = method;
		rq.path = ac->uri;
		q = strchr(ac->uri, '?');
		rq.pathlen = q != NULL ? (size_t)(q - ac->uri) : strlen(ac->uri);
		rq.query = q != NULL ? q + 1 : "";
		rq.querylen = strlen(rq.query);
		rq.body = ac->body != NULL ? ac->body : "";
		rq.bodylen = ac->len;
		rq.who = who;
		rq.scope = &tok->scope;
		rq.client = client;
		rq.now = (long long)time(NULL);
		admin_handle(a, &rq, &r);
	}
	return send_json(c, &r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct admin_conn *ac = *con_cls;

	(void)c;
	(void)toe;
	if (ac != NULL) {
		snapshot_put(cls, ac->conf);
		free(ac->uri);
		free(ac->body);
		free(ac);
	}
	*con_cls = NULL;
}

struct admin_server *
admin_server_start(struct snapshot *confs, int listen_fd, char *err, size_t errsz)
{
	struct admin_server *s = xcalloc(1, sizeof(*s));

	s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log, "admin",
	    MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)ADMIN_THREADS,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)ADMIN_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_CONN_MEMORY,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, confs,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, confs,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, errsz, "libmicrohttpd could not start the admin listener");
		free(s);
		return NULL;
	}
	return s;
}

void
admin_server_stop(struct admin_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
