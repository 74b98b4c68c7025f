/*
 * config.c - INI configuration through inih; one table of keys, types, defaults and
 * bounds. See config.h. Limits on the file itself: inih's line length (its
 * INI_MAX_LINE, 200 in Debian's build) and CONFIG_MAX_DOMAINS sections.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/config.h"
#include "common/mailbox.h"
#include "common/xmalloc.h"

/* An MX filtering service runs many customer domains, but not without bound. */
#define CONFIG_MAX_DOMAINS 10000
/* RFC 1035 2.3.4: a domain name is at most 255 octets. */
#define DOMAIN_NAME_MAX 255
/* Slots of the domain index: a power of two, at least twice the domains, so that
 * a probe sequence ends at an empty slot within a few steps. */
#define DINDEX_MIN_SLOTS 16

/*
 * The served domains by name: open addressing with linear probing over indexes
 * into cf->domains (plus one; 0 is an empty slot). The names are the operator's,
 * not a client's, so the layout cannot be steered by the names a client asks for.
 */
_Static_assert(CONFIG_MAX_DOMAINS < UINT32_MAX, "domain index slots are uint32_t");

struct domain_index {
	size_t		 cap;		/* room in cf->domains */
	size_t		 nslots;
	uint32_t	*slot;
};

/* FNV-1a of the name folded to lower case (the index is case-insensitive). */
static size_t
name_hash(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)tolower((unsigned char)name[i]);
		h *= 0x100000001b3ULL;
	}
	return (size_t)(h ^ (h >> 32));
}

/* Puts cf->domains[i] in the index, which has room. */
static void
dindex_put(struct domain_index *x, const struct config *cf, size_t i)
{
	const char *name = cf->domains[i].name;
	size_t s = name_hash(name, strlen(name)) & (x->nslots - 1);

	while (x->slot[s] != 0)
		s = (s + 1) & (x->nslots - 1);
	x->slot[s] = (uint32_t)(i + 1);
}

/* Room for one more domain, in cf->domains and in the index. */
static void
dindex_grow(struct config *cf)
{
	struct domain_index *x = cf->dindex;
	size_t i;

	if (x == NULL)
		x = cf->dindex = xcalloc(1, sizeof(*x));
	if (cf->ndomains == x->cap) {
		x->cap = x->cap ? x->cap * 2 : DINDEX_MIN_SLOTS / 2;
		cf->domains = xreallocarray(cf->domains, x->cap, sizeof(*cf->domains));
	}
	if (2 * (cf->ndomains + 1) > x->nslots) {
		free(x->slot);
		x->nslots = x->nslots ? x->nslots * 2 : DINDEX_MIN_SLOTS;
		x->slot = xcalloc(x->nslots, sizeof(*x->slot));
		for (i = 0; i < cf->ndomains; i++)
			dindex_put(x, cf, i);
	}
}

enum key_type { K_STR, K_UINT, K_SIZE, K_HOSTPORT, K_MODE, K_BOOL, K_LANG, K_DELIM };

struct key {
	const char	*section;
	const char	*name;
	enum key_type	 type;
	size_t		 off;
	const char	*def;
	unsigned long long min, max;
};

#define F(field) offsetof(struct config, field)
#define D(field) offsetof(struct domain_config, field)

static const struct key keys[] = {
	{ "smtpd", "listen", K_HOSTPORT, F(smtpd_listen), "127.0.0.1:2525", 0, 0 },
	{ "smtpd", "hostname", K_STR, F(hostname), "", 0, 0 },
	{ "smtpd", "user", K_STR, F(user), "", 0, 0 },
	{ "smtpd", "max_message_size", K_SIZE, F(max_message_size), "10M", 1024, 512ULL << 20 },
	{ "smtpd", "max_recipients", K_UINT, F(max_recipients), "100", 1, 10000 },
	{ "smtpd", "max_connections", K_UINT, F(max_connections), "200", 1, 100000 },
	{ "smtpd", "max_connections_per_ip", K_UINT, F(max_connections_per_ip), "20", 1, 100000 },
	{ "smtpd", "max_errors", K_UINT, F(max_errors), "10", 1, 1000 },
	{ "smtpd", "timeout_command", K_UINT, F(timeout_command), "300", 1, 3600 },
	{ "smtpd", "timeout_data", K_UINT, F(timeout_data), "180", 1, 3600 },
	{ "smtpd", "tls_cert", K_STR, F(tls_cert), "", 0, 0 },
	{ "smtpd", "tls_key", K_STR, F(tls_key), "", 0, 0 },
	{ "smtpd", "relay_timeout_connect", K_UINT, F(relay_timeout_connect), "30", 1, 3600 },
	{ "smtpd", "relay_timeout_reply", K_UINT, F(relay_timeout_reply), "300", 1, 3600 },
	{ "smtpd", "relay_timeout_data_end", K_UINT, F(relay_timeout_data_end), "600", 1, 3600 },
	{ "smtpd", "relay_pool_idle", K_UINT, F(relay_pool_idle), "4", 0, 1000 },
	{ "smtpd", "relay_pool_idle_timeout", K_UINT, F(relay_pool_idle_timeout), "30", 1, 3600 },
	{ "smtpd", "relay_max_connections", K_UINT, F(relay_max_connections), "50", 1, 10000 },
	{ "smtpd", "relay_max_connections_per_client", K_UINT, F(relay_max_connections_per_client), "10", 1, 10000 },
	{ "smtpd", "timeout_transaction", K_UINT, F(timeout_transaction), "3600", 1, 86400 },
	{ "smtpd", "reinject_retry_first", K_UINT, F(reinject_retry_first), "60", 1, 86400 },
	{ "smtpd", "reinject_retry_max", K_UINT, F(reinject_retry_max), "3600", 1, 604800 },
	{ "smtpd", "reinject_lifetime", K_UINT, F(reinject_lifetime), "432000", 3600, 2592000 },
	{ "smtpd", "reinject_concurrency", K_UINT, F(reinject_concurrency), "4", 1, 100 },
	{ "web", "listen", K_HOSTPORT, F(web_listen), "127.0.0.1:8025", 0, 0 },
	{ "web", "base_url", K_STR, F(base_url), "http://127.0.0.1:8025", 0, 0 },
	{ "web", "captcha_font", K_STR, F(captcha_font), "/usr/share/hershey-fonts/futural.jhf", 0, 0 },
	{ "web", "admin_listen", K_HOSTPORT, F(admin_listen), "", 0, 0 },
	{ "web", "admin_tokens", K_STR, F(admin_tokens), "", 0, 0 },
	{ "web", "trusted_proxies", K_STR, F(trusted_proxies), "", 0, 0 },
	{ "store", "path", K_STR, F(store_path), "/var/lib/ecluse/ecluse.db", 0, 0 },
	{ "store", "token_key", K_STR, F(token_key), "", 0, 0 },
	{ "store", "keep_days", K_UINT, F(keep_days), "90", 1, 3650 },
	{ "store", "purge_interval", K_UINT, F(purge_interval), "3600", 10, 86400 },
	{ "dns", "servers", K_STR, F(dns_servers), "", 0, 0 },
	{ "dns", "timeout_ms", K_UINT, F(dns_timeout_ms), "2000", 10, 60000 },
	{ "dns", "tries", K_UINT, F(dns_tries), "3", 1, 10 },
	{ "policy", "mode", K_MODE, F(policy_mode), "enforce", 0, 0 },
	{ "policy", "authserv_id", K_STR, F(authserv_id), "", 0, 0 },
	{ "policy", "release_lifetime", K_UINT, F(release_lifetime), "1209600", 3600, 31536000 },
	{ "policy", "quarantine_threshold", K_UINT, F(quarantine_threshold), "5", 1, 100000 },
	{ "policy", "reject_threshold", K_UINT, F(reject_threshold), "15", 1, 100000 },
	{ "policy", "weight_spf_fail", K_UINT, F(weight_spf_fail), "4", 0, 1000 },
	{ "policy", "weight_spf_softfail", K_UINT, F(weight_spf_softfail), "2", 0, 1000 },
	{ "policy", "weight_dkim_fail", K_UINT, F(weight_dkim_fail), "2", 0, 1000 },
	{ "policy", "weight_no_auth", K_UINT, F(weight_no_auth), "3", 0, 1000 },
	{ "policy", "weight_dmarc_fail_none", K_UINT, F(weight_dmarc_fail_none), "1", 0, 1000 },
	{ "policy", "weight_dmarc_fail_quarantine", K_UINT, F(weight_dmarc_fail_quarantine), "5", 0, 1000 },
	{ "policy", "weight_dmarc_fail_reject", K_UINT, F(weight_dmarc_fail_reject), "9", 0, 1000 },
	{ "policy", "weight_no_ptr", K_UINT, F(weight_no_ptr), "2", 0, 1000 },
	{ "policy", "weight_fcrdns_mismatch", K_UINT, F(weight_fcrdns_mismatch), "1", 0, 1000 },
	{ "policy", "weight_dnsbl", K_UINT, F(weight_dnsbl), "5", 0, 1000 },
	{ "policy", "weight_helo_not_fqdn", K_UINT, F(weight_helo_not_fqdn), "1", 0, 1000 },
	{ "policy", "weight_helo_ip_mismatch", K_UINT, F(weight_helo_ip_mismatch), "2", 0, 1000 },
	{ "policy", "weight_helo_ours", K_UINT, F(weight_helo_ours), "5", 0, 1000 },
	{ "policy", "weight_first_contact", K_UINT, F(weight_first_contact), "3", 0, 1000 },
	{ "policy", "weight_unusual_origin", K_UINT, F(weight_unusual_origin), "2", 0, 1000 },
	{ "policy", "weight_from_served_unauth", K_UINT, F(weight_from_served_unauth), "6", 0, 1000 },
	{ "policy", "dnsbl_zones", K_STR, F(dnsbl_zones), "", 0, 0 },
	{ "policy", "recipient_delimiter", K_DELIM, F(recipient_delimiter), "", 0, 0 },
	{ "digest", "interval", K_UINT, F(digest_interval), "86400", 0, 86400 },
	{ "digest", "at", K_STR, F(digest_at), "08:00", 0, 0 },
};

static const struct key domain_keys[] = {
	{ "domain", "next_hop", K_HOSTPORT, D(next_hop), NULL, 0, 0 },
	{ "domain", "language", K_LANG, D(language), "en", 0, 0 },
	{ "domain", "digest", K_BOOL, D(digest), "yes", 0, 0 },
	/* no default here: 0 until config_load copies the [policy] value */
	{ "domain", "quarantine_threshold", K_UINT, D(quarantine_threshold), NULL, 1, 100000 },
	{ "domain", "reject_threshold", K_UINT, D(reject_threshold), NULL, 1, 100000 },
	{ "domain", "admin_tokens", K_STR, D(admin_tokens), "", 0, 0 },
	/* NULL default: the [policy] value, set after the whole file */
	{ "domain", "recipient_delimiter", K_DELIM, D(recipient_delimiter), NULL, 0, 0 },
};

#define NKEYS(t) (sizeof(t) / sizeof((t)[0]))

struct parse_state {
	struct config	*cf;
	char		*err;
	size_t		 errsz;
	int		 failed;
	/* one bit per key of the current domain section, to catch duplicates */
	unsigned char	 seen[NKEYS(keys)];
	FILE		*f;
	unsigned	 line;	/* of the file: the one on_key is called for */
	unsigned	 too_long;	/* the first line longer than inih reads, or 0 */
	int		 line_max;	/* the characters inih reads of a line */
};

/*
 * inih's reader, counting lines as inih does (one per call), so that on_key knows
 * where a key is: Debian's inih is built without INI_HANDLER_LINENO. A line longer
 * than inih's buffer would reach it in pieces, the rest parsed as lines of their
 * own (a value cut short, or an error naming the wrong line): the reading stops at
 * such a line, and config_load names it.
 */
static char *
read_line(char *buf, int size, void *stream)
{
	struct parse_state *ps = stream;
	char *s;
	size_t len;

	if (ps->too_long || (s = fgets(buf, size, ps->f)) == NULL)
		return NULL;
	ps->line++;
	len = strlen(s);
	/* a full buffer without the newline, and more to come on that line */
	if (len + 1 == (size_t)size && s[len - 1] != '\n' && getc(ps->f) != EOF) {
		ps->too_long = ps->line;
		ps->line_max = size - 2;	/* room is left for the newline */
		return NULL;
	}
	return s;
}

static void __attribute__((format(printf, 2, 3)))
set_err(struct parse_state *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;	/* inih reports the line of the first error: keep its text */
	ps->failed = 1;
	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errsz, fmt, ap);
	va_end(ap);
}

int
hostport_equal(const struct hostport *a, const struct hostport *b)
{
	if (a->host == NULL || b->host == NULL)
		return a->host == b->host;
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

int
hostport_parse(const char *buf, size_t len, struct hostport *out)
{
	const char *colon, *host;
	size_t hlen, i;
	unsigned long port = 0;

	if (len == 0)
		return -1;
	if (buf[0] == '[') {
		const char *rb = memchr(buf, ']', len);

		if (rb == NULL || (size_t)(rb - buf) + 1 >= len || rb[1] != ':')
			return -1;
		host = buf + 1;
		hlen = (size_t)(rb - host);
		colon = rb + 1;
	} else {
		colon = memrchr(buf, ':', len);
		if (colon == NULL)
			return -1;
		host = buf;
		hlen = (size_t)(colon - buf);
		if (memchr(host, ':', hlen) != NULL)
			return -1;	/* IPv6 needs brackets */
	}
	if (hlen == 0 || hlen > DOMAIN_NAME_MAX)
		return -1;
	for (i = 0; i < hlen; i++)
		if (!isalnum((unsigned char)host[i]) && strchr(".-:_", host[i]) == NULL)
			return -1;
	i = (size_t)(colon - buf) + 1;
	if (i >= len || len - i > 5)
		return -1;
	for (; i < len; i++) {
		if (!isdigit((unsigned char)buf[i]))
			return -1;
		port = port * 10 + (unsigned long)(buf[i] - '0');
	}
	if (port == 0 || port > 65535)
		return -1;
	out->host = xstrndup(host, hlen);
	out->port = (uint16_t)port;
	return 0;
}

/* Sets one key from its text; returns NULL or a reason. */
static const char *
set_value(const struct key *k, void *base, const char *v)
{
	char *field = (char *)base + k->off;
	const char *why;
	char *end;
	unsigned long long n, mult = 1;

	switch (k->type) {
	case K_STR:
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return NULL;
	case K_HOSTPORT: {
		struct hostport hp;

		if (*v == '\0') {
			free(((struct hostport *)field)->host);
			memset(field, 0, sizeof(struct hostport));
			return NULL;
		}
		if (hostport_parse(v, strlen(v), &hp) != 0)
			return "expected host:port or [ipv6]:port";
		free(((struct hostport *)field)->host);
		*(struct hostport *)field = hp;
		return NULL;
	}
	case K_BOOL:
		if (strcmp(v, "yes") == 0)
			*(int *)field = 1;
		else if (strcmp(v, "no") == 0)
			*(int *)field = 0;
		else
			return "expected yes or no";
		return NULL;
	case K_DELIM:
		if (!mailbox_delims_valid(v, strlen(v), &why))
			return why;
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return NULL;
	case K_LANG:
		if (strcmp(v, "en") != 0 && strcmp(v, "fr") != 0)
			return "expected en or fr";
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return NULL;
	case K_MODE:
		if (strcmp(v, "enforce") == 0)
			*(enum policy_mode *)field = POLICY_ENFORCE;
		else if (strcmp(v, "monitor") == 0)
			*(enum policy_mode *)field = POLICY_MONITOR;
		else if (strcmp(v, "off") == 0)
			*(enum policy_mode *)field = POLICY_OFF;
		else
			return "expected enforce, monitor or off";
		return NULL;
	case K_UINT:
	case K_SIZE:
		if (!isdigit((unsigned char)*v))
			return "expected a number";
		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno != 0)
			return "number out of range";
		if (k->type == K_SIZE && *end != '\0' && end[1] == '\0') {
			switch (*end) {
			case 'K': case 'k': mult = 1024; end++; break;
			case 'M': case 'm': mult = 1024 * 1024; end++; break;
			case 'G': case 'g': mult = 1024 * 1024 * 1024; end++; break;
			default: break;
			}
		}
		if (*end != '\0')
			return k->type == K_SIZE ? "expected a number with optional K, M or G" :
			    "expected a number";
		if (n > ULLONG_MAX / mult)
			return "number out of range";
		n *= mult;
		if (n < k->min || n > k->max)
			return "number out of range";
		if (k->type == K_UINT)
			*(unsigned *)field = (unsigned)n;
		else
			*(size_t *)field = (size_t)n;
		return NULL;
	}
	return "bad key type";
}

static int
valid_domain(const char *d)
{
	size_t len = strlen(d), i;

	if (len == 0 || len > DOMAIN_NAME_MAX || d[0] == '.' || d[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)d[i]) && d[i] != '-' && d[i] != '.')
			return 0;
	return strstr(d, "..") == NULL;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	struct config *cf = ps->cf;
	const char *why;
	size_t i;

	if (ps->failed)
		return 1;	/* keep the first error */
	if (strncmp(section, "domain ", 7) == 0) {
		const char *dname = section + 7;
		struct domain_config *d = cf->ndomains ? &cf->domains[cf->ndomains - 1] : NULL;

		if (name == NULL)
			return 1;
		if (d == NULL || strcasecmp(d->name, dname) != 0) {
			if (!valid_domain(dname)) {
				set_err(ps, "[%s]: not a valid domain name", section);
				return 0;
			}
			if (config_domain(cf, dname, strlen(dname)) != NULL) {
				set_err(ps, "[%s]: domain configured twice", section);
				return 0;
			}
			if (cf->ndomains >= CONFIG_MAX_DOMAINS) {
				set_err(ps, "[%s]: more than %d domains", section,
				    CONFIG_MAX_DOMAINS);
				return 0;
			}
			dindex_grow(cf);
			d = &cf->domains[cf->ndomains];
			memset(d, 0, sizeof(*d));
			d->name = xstrdup(dname);
			for (i = 0; d->name[i]; i++)
				d->name[i] = (char)tolower((unsigned char)d->name[i]);
			dindex_put(cf->dindex, cf, cf->ndomains++);
			for (i = 0; i < NKEYS(domain_keys); i++)
				if (domain_keys[i].def != NULL &&
				    set_value(&domain_keys[i], d, domain_keys[i].def) != NULL)
					abort();	/* a default that does not parse */
		}
		if (strcmp(name, "admin_tokens") == 0) {
			/* a secret list: a second line (or an inih continuation line)
			 * must not silently replace the first */
			if (d->admin_tokens_line != 0) {
				set_err(ps, "[%s] %s: key set twice", section, name);
				return 0;
			}
			d->admin_tokens_line = ps->line;
		}
		for (i = 0; i < NKEYS(domain_keys); i++)
			if (strcmp(domain_keys[i].name, name) == 0) {
				if ((why = set_value(&domain_keys[i], d, value)) != NULL) {
					set_err(ps, "[%s] %s: %s", section, name, why);
					return 0;
				}
				return 1;
			}
		set_err(ps, "[%s] %s: unknown key", section, name);
		return 0;
	}
	if (name == NULL)
		return 1;
	for (i = 0; i < NKEYS(keys); i++) {
		if (strcmp(keys[i].section, section) != 0 || strcmp(keys[i].name, name) != 0)
			continue;
		if (ps->seen[i]) {
			set_err(ps, "[%s] %s: key set twice", section, name);
			return 0;
		}
		ps->seen[i] = 1;
		if ((why = set_value(&keys[i], cf, value)) != NULL) {
			set_err(ps, "[%s] %s: %s (got \"%s\")", section, name, why, value);
			return 0;
		}
		return 1;
	}
	for (i = 0; i < NKEYS(keys); i++)
		if (strcmp(keys[i].section, section) == 0)
			break;
	if (i == NKEYS(keys))
		set_err(ps, "[%s]: unknown section", section);
	else
		set_err(ps, "[%s] %s: unknown key", section, name);
	return 0;
}

struct config *
config_load(const char *path, char *err, size_t errsz)
{
	struct parse_state ps;
	struct config *cf = xcalloc(1, sizeof(*cf));
	size_t i;
	int line;

	cf->path = xstrdup(path);
	for (i = 0; i < NKEYS(keys); i++)
		if (set_value(&keys[i], cf, keys[i].def) != NULL)
			abort();	/* a default that does not parse is a bug */
	memset(&ps, 0, sizeof(ps));
	ps.cf = cf;
	ps.err = err;
	ps.errsz = errsz;
	if ((ps.f = fopen(path, "r")) == NULL)
		line = -1;
	else {
		line = ini_parse_stream(read_line, &ps, on_key, &ps);
		fclose(ps.f);
		if (ps.too_long && (line == 0 || (unsigned)line > ps.too_long)) {
			snprintf(err, errsz, "%s:%u: line longer than %d characters", path,
			    ps.too_long, ps.line_max);
			goto fail;
		}
	}
	if (line < 0) {
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno));
		goto fail;
	}
	if (line > 0) {
		char why[CONFIG_ERR_MAX];

		snprintf(why, sizeof(why), "%s", ps.failed ? err : "syntax error");
		snprintf(err, errsz, "%s:%d: %s", path, line, why);
		goto fail;
	}
	for (i = 0; i < cf->ndomains; i++) {
		struct domain_config *d = &cf->domains[i];

		if (d->next_hop.host == NULL) {
			snprintf(err, errsz, "%s: [domain %s] next_hop: required", path,
			    d->name);
			goto fail;
		}
		/* after the whole file: [policy] may come after the domain sections */
		if (d->quarantine_threshold == 0)
			d->quarantine_threshold = cf->quarantine_threshold;
		if (d->recipient_delimiter == NULL)
			d->recipient_delimiter = xstrdup(cf->recipient_delimiter);
		if (d->reject_threshold == 0)
			d->reject_threshold = cf->reject_threshold;
		if (d->quarantine_threshold > d->reject_threshold) {
			snprintf(err, errsz, "%s: [domain %s] quarantine_threshold: greater "
			    "than reject_threshold (%u > %u)", path, d->name,
			    d->quarantine_threshold, d->reject_threshold);
			goto fail;
		}
	}
	if (cf->reinject_retry_max < cf->reinject_retry_first) {
		snprintf(err, errsz, "%s: [smtpd] reinject_retry_max: less than "
		    "reinject_retry_first", path);
		goto fail;
	}
	if ((cf->tls_cert[0] == '\0') != (cf->tls_key[0] == '\0')) {
		snprintf(err, errsz, "%s: [smtpd] tls_cert and tls_key: set both or neither",
		    path);
		goto fail;
	}
	if (cf->quarantine_threshold > cf->reject_threshold) {
		snprintf(err, errsz, "%s: [policy] quarantine_threshold: greater than "
		    "reject_threshold (%u > %u)", path, cf->quarantine_threshold,
		    cf->reject_threshold);
		goto fail;
	}
	if (cf->hostname[0] == '\0') {
		char hn[DOMAIN_NAME_MAX + 1];

		if (gethostname(hn, sizeof(hn)) != 0)
			snprintf(hn, sizeof(hn), "localhost");
		hn[sizeof(hn) - 1] = '\0';
		free(cf->hostname);
		cf->hostname = xstrdup(hn);
	}
	if (cf->token_key[0] == '\0') {
		/* beside the store, where every daemon of this config finds the same key */
		const char *slash = strrchr(cf->store_path, '/');
		size_t dlen = slash ? (size_t)(slash - cf->store_path) : 1;
		size_t n = dlen + sizeof("/token.key");

		free(cf->token_key);
		cf->token_key = xmalloc(n);
		snprintf(cf->token_key, n, "%.*s/token.key", (int)dlen,
		    slash ? cf->store_path : ".");
	}
	if (cf->authserv_id[0] == '\0') {
		free(cf->authserv_id);
		cf->authserv_id = xstrdup(cf->hostname);
	}
	return cf;
fail:
	config_free(cf);
	return NULL;
}

const struct domain_config *
config_domain(const struct config *cf, const char *name, size_t len)
{
	const struct domain_index *x = cf->dindex;
	size_t s;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (x == NULL || x->nslots == 0)
		return NULL;
	for (s = name_hash(name, len) & (x->nslots - 1); x->slot[s] != 0;
	    s = (s + 1) & (x->nslots - 1)) {
		const struct domain_config *d = &cf->domains[x->slot[s] - 1];

		if (strlen(d->name) == len && strncasecmp(d->name, name, len) == 0)
			return d;
	}
	return NULL;
}

void
config_free(struct config *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	for (i = 0; i < NKEYS(keys); i++) {
		char *field = (char *)cf + keys[i].off;

		if (keys[i].type == K_STR || keys[i].type == K_DELIM)
			free(*(char **)field);
		else if (keys[i].type == K_HOSTPORT)
			free(((struct hostport *)field)->host);
	}
	for (i = 0; i < cf->ndomains; i++) {
		free(cf->domains[i].name);
		free(cf->domains[i].next_hop.host);
		free(cf->domains[i].language);
		free(cf->domains[i].admin_tokens);
		free(cf->domains[i].recipient_delimiter);
	}
	free(cf->domains);
	if (cf->dindex != NULL)
		free(cf->dindex->slot);
	free(cf->dindex);
	free(cf->path);
	free(cf);
}
