/*
 * cmd_auth.c - "eclusectl auth --ip ADDR --helo NAME --mail-from ADDR [FILE]": runs
 * the checks ecluse-smtpd runs on a transaction (SPF, DKIM, DMARC through the [dns]
 * servers of the configuration) and prints the Authentication-Results field it would
 * add, then the DMARC verdict. The message comes from FILE or stdin; a file without
 * any CR is taken as having LF line ends and read as CRLF (files on disk usually are).
 * Exit 0 when the checks ran, whatever their verdict.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/resolver.h"
#include "common/config.h"
#include "common/xmalloc.h"
#include "ctl/ctl.h"

/* RFC 7208 4.6.4: SPF should be given at least 20 seconds. */
#define CMD_AUTH_SPF_TIMEOUT_MS 20000
/* DKIM and DMARC after the message: a few tree walks and key lookups. */
#define CMD_AUTH_MSG_TIMEOUT_MS 30000

static int cmd_auth_exec(const struct config *, int, char **);

const struct ctl_cmd cmd_auth_entry = {
	"auth",
	"--ip ADDR --helo NAME --mail-from ADDR [MESSAGE_FILE]",
	"check SPF, DKIM and DMARC of a message; print Authentication-Results",
	cmd_auth_exec,
};

/* Reads all of f, at most max bytes; NULL with errno set (EFBIG over max). */
static char *
read_all(FILE *f, size_t max, size_t *len)
{
	size_t cap = 65536, n = 0, r;
	char *buf = xmalloc(cap);

	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	*len = n;
	return buf;
}

/* LF line ends to CRLF, when the text has no CR at all. */
static char *
to_crlf(char *buf, size_t *len)
{
	size_t i, lf = 0, n = 0;
	char *out;

	if (memchr(buf, '\r', *len) != NULL)
		return buf;
	for (i = 0; i < *len; i++)
		lf += buf[i] == '\n';
	out = xmalloc(*len + lf + 1);
	for (i = 0; i < *len; i++) {
		if (buf[i] == '\n')
			out[n++] = '\r';
		out[n++] = buf[i];
	}
	free(buf);
	*len = n;
	return out;
}

struct outcome {
	struct event_base	*base;
	int			 done;
};

/* The field with LF line ends, for a terminal. */
static void
print_field(const char *f)
{
	for (; *f != '\0'; f++)
		if (*f != '\r')
			putchar(*f);
}

static void
on_result(void *arg, const struct auth_result *r)
{
	struct outcome *o = arg;
	const struct dmarc_result *d = &r->dmarc;

	if (r->authres != NULL)
		print_field(r->authres);
	printf("SPF: result=%s domain=%s reason=\"%s\"\n", spf_result_name(r->spf.result),
	    r->spf.domain[0] ? r->spf.domain : "-", r->spf.reason);
	printf("DMARC: result=%s policy=%s policy-domain=%s from=%s testing=%s\n",
	    dmarc_res_name(d->result), dmarc_policy_name(d->policy),
	    d->policy_domain[0] ? d->policy_domain : "-", d->author[0] ? d->author : "-",
	    d->testing ? "yes" : "no");
	printf("DMARC-Reason: %s\n", d->reason);
	if (r->nremove > 0 || r->remove_err != AUTHRES_FIND_OK)
		printf("Remove: %zu Authentication-Results field(s)%s\n", r->nremove,
		    r->remove_err == AUTHRES_FIND_OK ? "" : " (incomplete: do not relay)");
	o->done = 1;
	event_base_loopbreak(o->base);
}

static int
parse_ip(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: eclusectl [-c FILE] auth %s\n", cmd_auth_entry.usage);
	return CTL_EXIT_USAGE;
}

static int
cmd_auth_exec(const struct config *cf, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "helo", required_argument, NULL, 'H' },
		{ "mail-from", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ip = NULL, *helo = NULL, *mail_from = NULL, *path = NULL;
	char host[256], err[256];
	struct sockaddr_storage ss;
	struct auth_params p;
	struct auth_session *s = NULL;
	struct resolver *res = NULL;
	struct outcome o = { NULL, 0 };
	size_t len, mflen;
	char *msg;
	FILE *f = stdin;
	int ch, status = CTL_EXIT_FAILURE;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			ip = optarg;
			break;
		case 'H':
			helo = optarg;
			break;
		case 'm':
			mail_from = optarg;
			break;
		default:
			return usage();
		}
	}
	if (ip == NULL || helo == NULL || mail_from == NULL || argc - optind > 1)
		return usage();
	if (argc - optind == 1)
		path = argv[optind];
	if (parse_ip(ip, &ss) != 0) {
		fprintf(stderr, "eclusectl auth: --ip %s: not an IPv4 or IPv6 address\n", ip);
		return CTL_EXIT_USAGE;
	}
	/* the reverse-path as SMTP carries it, with or without its angle brackets */
	mflen = strlen(mail_from);
	if (mflen >= 2 && mail_from[0] == '<' && mail_from[mflen - 1] == '>') {
		mail_from++;
		mflen -= 2;
	}

	if (path != NULL && (f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "eclusectl auth: %s: %s\n", path, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	msg = read_all(f, cf->max_message_size, &len);
	if (f != stdin)
		fclose(f);
	if (msg == NULL) {
		fprintf(stderr, "eclusectl auth: %s: %s\n", path ? path : "stdin",
		    errno == EFBIG ? "larger than [smtpd] max_message_size" : strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	msg = to_crlf(msg, &len);

	if (cf->hostname[0] != '\0')
		snprintf(host, sizeof(host), "%s", cf->hostname);
	else if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';

	if ((o.base = event_base_new()) == NULL) {
		fprintf(stderr, "eclusectl auth: cannot create an event loop\n");
		goto out;
	}
	res = resolver_new(o.base, cf->dns_servers, cf->dns_timeout_ms, cf->dns_tries, err,
	    sizeof(err));
	if (res == NULL) {
		fprintf(stderr, "eclusectl auth: %s: [dns] %s\n", cf->path, err);
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p.base = o.base;
	p.resolver = res;
	p.authserv_id = cf->authserv_id;
	p.receiver = host;
	p.spf_timeout_ms = CMD_AUTH_SPF_TIMEOUT_MS;
	p.msg_timeout_ms = CMD_AUTH_MSG_TIMEOUT_MS;
	s = auth_start(&p, (const struct sockaddr *)&ss, helo, strlen(helo), mail_from, mflen);
	if (s == NULL) {
		fprintf(stderr, "eclusectl auth: cannot start the checks\n");
		goto out;
	}
	auth_message(s, msg, len, on_result, &o);
	event_base_dispatch(o.base);
	if (!o.done) {
		fprintf(stderr, "eclusectl auth: the checks did not finish\n");
		goto out;
	}
	status = 0;
out:
	auth_free(s);
	resolver_free(res);
	if (o.base != NULL)
		event_base_free(o.base);
	free(msg);
	return status;
}
