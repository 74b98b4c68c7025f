/*
 * server.c - libmicrohttpd glue: one request from headers to reply. See server.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/snapshot.h"
#include "common/xmalloc.h"
#include "release-web/assets.h"
#include "release-web/form.h"
#include "release-web/headers.h"
#include "release-web/lang.h"
#include "release-web/page.h"
#include "release-web/recipient.h"
#include "release-web/release.h"
#include "release-web/router.h"
#include "release-web/server.h"
#include "release-web/web.h"
#include "release-web/webconf.h"

/* Longest header value the handler reads (Origin, Content-Type, If-None-Match);
 * the connection memory limit bounds them anyway. */
#define HEADER_VALUE_MAX	1024
/* "1234:5678:9abc:def0::/64" and an IPv4 address both fit. */
#define CLIENT_MAX		INET6_ADDRSTRLEN
#define CLIENT_KEY_MAX		(INET6_ADDRSTRLEN + 3)

struct server {
	struct MHD_Daemon	*d;
};

/* One request, from its first call to its completion. */
struct request {
	const struct web_conf	*conf;		/* the version it started with */
	enum router_result	 res;
	struct route_match	 m;
	char			*body;		/* POST only: FORM_MAX_BODY bytes */
	size_t			 len;
	int			 too_big;
};

static size_t
hlen(const char *v, size_t max)
{
	return v == NULL ? 0 : strnlen(v, max + 1);
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	return v != NULL && hlen(v, HEADER_VALUE_MAX) <= HEADER_VALUE_MAX ? v : NULL;
}

/* The language: ?lang=en|fr first, then Accept-Language, then the default. */
static enum lang
pick_lang(struct MHD_Connection *c, int *explicit)
{
	const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
	const char *al;
	enum lang l;

	*explicit = 0;
	if (q != NULL && lang_from_name(q, hlen(q, 2), &l) == 0) {
		*explicit = 1;
		return l;
	}
	al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
	if (al != NULL && lang_accept(al, hlen(al, LANG_ACCEPT_MAX), &l) == 0)
		return l;
	return LANG_DEFAULT;
}

/* The client's address for the log, and its rate-limit key: an IPv6 client controls
 * at least a /64, so the key is the /64 (else each try could come from a new
 * address). */
static void
client_of(struct MHD_Connection *c, char addr[CLIENT_MAX], char key[CLIENT_KEY_MAX])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(addr, CLIENT_MAX, "unknown");
	snprintf(key, CLIENT_KEY_MAX, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, addr, CLIENT_MAX);
		snprintf(key, CLIENT_KEY_MAX, "%s", addr);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		struct in6_addr net = in6->sin6_addr;
		char tmp[CLIENT_MAX];

		if (IN6_IS_ADDR_V4MAPPED(&net)) {
			inet_ntop(AF_INET, &net.s6_addr[12], addr, CLIENT_MAX);
			snprintf(key, CLIENT_KEY_MAX, "%s", addr);
			return;
		}
		inet_ntop(AF_INET6, &net, addr, CLIENT_MAX);
		memset(&net.s6_addr[8], 0, 8);
		inet_ntop(AF_INET6, &net, tmp, sizeof(tmp));
		snprintf(key, CLIENT_KEY_MAX, "%s/64", tmp);
	}
}

static enum MHD_Result
send_reply(const struct web *w, struct MHD_Connection *c, struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[16];

	if (r->asset != NULL)
		resp = MHD_create_response_from_buffer(r->status == 304 ? 0 : r->asset->len,
		    (void *)r->asset->data, MHD_RESPMEM_PERSISTENT);
	else {
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			r->body = NULL;	/* libmicrohttpd frees it */
	}
	if (resp == NULL) {
		reply_clear(r);
		return MHD_NO;
	}
	if (web_headers_add(resp, r->cache, w->https) != 0)
		goto fail;
	if (r->asset != NULL) {
		if (MHD_add_response_header(resp, "ETag", r->asset->etag) != MHD_YES ||
		    (r->asset->type != NULL && MHD_add_response_header(resp, "Content-Type",
		    r->asset->type) != MHD_YES))
			goto fail;
	} else if (MHD_add_response_header(resp, "Content-Type",
	    r->type != NULL ? r->type : "text/html; charset=utf-8") != MHD_YES)
		goto fail;
	if (r->set_cookie != NULL &&
	    MHD_add_response_header(resp, "Set-Cookie", r->set_cookie) != MHD_YES)
		goto fail;
	if (r->allow != NULL && MHD_add_response_header(resp, "Allow", r->allow) != MHD_YES)
		goto fail;
	if (r->retry_after != 0) {
		snprintf(ra, sizeof(ra), "%u", r->retry_after);
		if (MHD_add_response_header(resp, "Retry-After", ra) != MHD_YES)
			goto fail;
	}
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	reply_clear(r);
	return ret;
fail:
	MHD_destroy_response(resp);
	reply_clear(r);
	return MHD_NO;
}

static void
serve_static(const struct web *w, struct MHD_Connection *c, const struct route_match *m,
    enum lang lang, struct reply *r)
{
	const struct asset *a = assets_get(w->assets, m->arg, m->arglen);
	const char *inm;

	if (a == NULL) {
		page_set(w, r, 404, lang, "notfound", NULL);
		return;
	}
	r->asset = a;
	r->cache = WEB_CACHE_ASSET;
	inm = header(c, "If-None-Match");
	r->status = inm != NULL && strcmp(inm, a->etag) == 0 ? 304 : 200;
}

/* Answers a request whose headers (and body, for a POST) are all in. */
static enum MHD_Result
dispatch(const struct web *w, struct MHD_Connection *c, struct request *rq)
{
	struct reply r;
	struct release_req q;
	char addr[CLIENT_MAX], key[CLIENT_KEY_MAX];
	int explicit;

	memset(&r, 0, sizeof(r));
	memset(&q, 0, sizeof(q));
	q.lang = pick_lang(c, &explicit);
	q.lang_explicit = explicit;
	if (rq->res == ROUTER_NOT_FOUND) {
		page_set(w, &r, 404, q.lang, "notfound", NULL);
		return send_reply(w, c, &r);
	}
	if (rq->res == ROUTER_METHOD) {
		page_set(w, &r, 405, q.lang, "method", NULL);
		r.allow = rq->m.allow;
		return send_reply(w, c, &r);
	}
	switch (rq->m.route) {
	case ROUTE_HOME:
		page_set(w, &r, 200, q.lang, "home", NULL);
		break;
	case ROUTE_STATIC:
		serve_static(w, c, &rq->m, q.lang, &r);
		break;
	case ROUTE_RELEASE:
	case ROUTE_CAPTCHA:
		client_of(c, addr, key);
		q.token = rq->m.arg;
		q.tokenlen = rq->m.arglen;
		q.client = addr;
		q.client_key = key;
		q.origin = header(c, "Origin");
		q.https = w->https;
		if (rq->m.route == ROUTE_CAPTCHA) {
			q.nonce = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n");
			release_captcha(w, &q, &r);
		} else if (rq->m.method == METHOD_POST) {
			q.cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "challenge");
			q.body = rq->body;
			q.bodylen = rq->len;
			release_post(w, &q, &r);
		} else
			release_get(w, &q, &r);
		break;
	case ROUTE_RECIPIENT:
		client_of(c, addr, key);
		q.token = rq->m.arg;
		q.tokenlen = rq->m.arglen;
		q.client = addr;
		q.client_key = key;
		q.origin = header(c, "Origin");
		q.https = w->https;
		if (rq->m.method == METHOD_POST) {
			q.body = rq->body;
			q.bodylen = rq->len;
			recipient_post(w, &q, &r);
		} else
			recipient_get(w, &q, &r);
		break;
	}
	return send_reply(w, c, &r);
}

/* A form post declares its length (411 without: chunked bodies are not a browser's
 * form), within FORM_MAX_BODY (413), as urlencoded (415). Returns 0 or the status. */
static unsigned
check_post(struct MHD_Connection *c)
{
	const char *cl = header(c, "Content-Length");
	const char *ct = header(c, "Content-Type");
	static const char form_type[] = "application/x-www-form-urlencoded";
	unsigned long n = 0;
	size_t i, l;

	if (cl == NULL || cl[0] == '\0')
		return 411;
	for (i = 0; cl[i] != '\0'; i++) {
		if (cl[i] < '0' || cl[i] > '9' || i >= 9)
			return 413;	/* libmicrohttpd refuses a malformed one itself */
		n = n * 10 + (unsigned long)(cl[i] - '0');
	}
	if (n > FORM_MAX_BODY)
		return 413;
	l = sizeof(form_type) - 1;
	if (ct == NULL || strncasecmp(ct, form_type, l) != 0 ||
	    (ct[l] != '\0' && ct[l] != ';' && ct[l] != ' '))
		return 415;
	return 0;
}

static enum MHD_Result
refuse(const struct web *w, struct MHD_Connection *c, unsigned status)
{
	struct reply r;
	int explicit;

	memset(&r, 0, sizeof(r));
	page_set(w, &r, status, pick_lang(c, &explicit), "badrequest", NULL);
	return send_reply(w, c, &r);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls)
{
	struct request *rq = *con_cls;
	const struct web *w;

	if (rq == NULL) {
		size_t ulen = strnlen(url, WEB_PATH_MAX + 1);
		unsigned status;

		rq = xcalloc(1, sizeof(*rq));
		rq->conf = snapshot_get(cls);
		*con_cls = rq;
		w = &rq->conf->w;
		rq->res = ulen > WEB_PATH_MAX ? ROUTER_NOT_FOUND :
		    router_match(method, strnlen(method, 16), url, ulen, &rq->m);
		/* a refused post is answered before its body is read, and the connection
		 * is closed after; anything else waits for the end of the request, which
		 * keeps the connection alive */
		if (rq->res == ROUTER_OK && rq->m.method == METHOD_POST) {
			if ((status = check_post(c)) != 0)
				return refuse(w, c, status);
			rq->body = xmalloc(FORM_MAX_BODY);
		}
		return MHD_YES;
	}
	w = &rq->conf->w;
	if (*upload_data_size != 0) {
		if (rq->body == NULL || *upload_data_size > FORM_MAX_BODY - rq->len)
			rq->too_big = 1;	/* longer than declared: not stored */
		else {
			memcpy(rq->body + rq->len, upload_data, *upload_data_size);
			rq->len += *upload_data_size;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return refuse(w, c, 413);
	return dispatch(w, c, rq);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	if (rq != NULL) {
		snapshot_put(cls, rq->conf);
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

/* libmicrohttpd hands the path as sent: the router refuses any '%', so nothing is
 * decoded, and a path has one spelling only. Query arguments are compared exactly
 * too (only lang=en|fr is read). */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

void
server_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512], esc[600];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warn("event=httpd_error listener=%s text=\"%s\"", (const char *)cls,
	    log_escape(esc, sizeof(esc), line, n));
}

struct server *
server_start(struct snapshot *confs, int listen_fd, const struct server_limits *lim,
    char *err, size_t errsz)
{
	struct server *s = xcalloc(1, sizeof(*s));

	/* the logger first: libmicrohttpd writes to stderr what comes before it */
	s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_request, confs,
	    MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log, "web",
	    MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_THREAD_POOL_SIZE, lim->threads,
	    MHD_OPTION_CONNECTION_LIMIT, lim->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->max_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, lim->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, confs,
	    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, errsz, "libmicrohttpd could not start");
		free(s);
		return NULL;
	}
	return s;
}

void
server_stop(struct server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
