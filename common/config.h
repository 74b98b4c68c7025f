/*
 * config.h - the one configuration of every ecluse program: an INI file parsed by
 * inih into a read-only struct (the only global state a daemon keeps).
 *
 * Every key has a default, a type and, for numbers, bounds; they are listed in one
 * table in config.c and documented in ecluse.conf.example. Unknown sections and keys
 * are errors: a typo must not silently fall back to a default on a mail gateway.
 *
 * Errors: config_load returns NULL and writes "FILE:LINE: [section] key: reason" into
 * err; the daemons print it and exit 2.
 * Ownership: config_load allocates; config_free releases (config_free(NULL) is a no-op).
 */
#ifndef ECLUSE_CONFIG_H
#define ECLUSE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* Longest error text config_load writes. */
#define CONFIG_ERR_MAX 512

struct hostport {
	char	*host;		/* NULL when the key is empty */
	uint16_t port;
};

struct domain_config {
	char		*name;		/* lower case, no trailing dot */
	struct hostport	 next_hop;	/* required */
	char		*language;	/* "en" or "fr": digests and recipient pages */
	int		 digest;	/* 1: send quarantine digests (default), 0: not */
	/* The verdict thresholds for mail to this domain: the [policy] values unless the
	 * section sets them; config_load checks quarantine <= reject. */
	unsigned	 quarantine_threshold;
	unsigned	 reject_threshold;
	/* The admin API tokens of this domain's administrators, "name:token,..." as
	 * [web] admin_tokens but reaching this domain only; parsed by ecluse-web, which
	 * names admin_tokens_line (0: the key is not set) in its errors. */
	char		*admin_tokens;
	unsigned	 admin_tokens_line;
	/* Subaddressing for this domain's recipients (common/mailbox.h): the
	 * [policy] value unless the section sets it; "" none. */
	char		*recipient_delimiter;
};

/* off: no checks and no verdict, a plain relay MX (the operator's bypass while,
 * say, the resolvers are down); what does not depend on the checks stays. */
enum policy_mode { POLICY_ENFORCE, POLICY_MONITOR, POLICY_OFF };

struct config {
	char		*path;

	/* [smtpd] */
	struct hostport	 smtpd_listen;
	char		*hostname;
	char		*user;		/* drop root to this user after bind; empty: stay */
	size_t		 max_message_size;
	unsigned	 max_recipients;
	unsigned	 max_connections;
	unsigned	 max_connections_per_ip;
	unsigned	 max_errors;
	unsigned	 timeout_command;	/* seconds */
	unsigned	 timeout_data;
	char		*tls_cert;
	char		*tls_key;
	unsigned	 relay_timeout_connect;
	unsigned	 relay_timeout_reply;
	unsigned	 relay_timeout_data_end;
	unsigned	 relay_pool_idle;	/* idle connections kept per next hop */
	unsigned	 relay_pool_idle_timeout;
	unsigned	 relay_max_connections;	/* per next hop, busy and idle */
	/* of those, busy for one client (an IPv4 address, an IPv6 /64) at once */
	unsigned	 relay_max_connections_per_client;
	unsigned	 timeout_transaction;	/* MAIL to the final reply, seconds */
	unsigned	 reinject_retry_first;	/* released mail: first retry, seconds */
	unsigned	 reinject_retry_max;	/* longest wait between retries */
	unsigned	 reinject_lifetime;	/* give up (state failed) after this */
	unsigned	 reinject_concurrency;	/* deliveries at once */

	/* [web] */
	struct hostport	 web_listen;
	char		*base_url;
	char		*captcha_font;	/* Hershey .jhf font the CAPTCHA is drawn with */
	struct hostport	 admin_listen;	/* admin API; host NULL: off */
	char		*admin_tokens;	/* "name:token,..."; parsed by ecluse-web */
	char		*trusted_proxies; /* "addr,net/len,..."; parsed by ecluse-web */

	/* [store] */
	char		*store_path;
	char		*token_key;	/* release-token key file; "" in the file: beside path */
	unsigned	 keep_days;	/* finished messages and history are kept this long */
	unsigned	 purge_interval;	/* seconds between clean-ups */

	/* [dns] */
	char		*dns_servers;	/* "host:port,..."; empty: system resolver */
	unsigned	 dns_timeout_ms;
	unsigned	 dns_tries;

	/* [policy] */
	enum policy_mode policy_mode;
	char		*authserv_id;
	unsigned	 release_lifetime;	/* seconds a release link works */
	/* Verdict (smtpd/policy.h): score >= reject_threshold is refused, else
	 * >= quarantine_threshold held unless authenticated or whitelisted. */
	unsigned	 quarantine_threshold;
	unsigned	 reject_threshold;
	/* One weight per signal, the names of policy_signal_name(). */
	unsigned	 weight_spf_fail;
	unsigned	 weight_spf_softfail;
	unsigned	 weight_dkim_fail;
	unsigned	 weight_no_auth;
	unsigned	 weight_dmarc_fail_none;
	unsigned	 weight_dmarc_fail_quarantine;
	unsigned	 weight_dmarc_fail_reject;
	unsigned	 weight_no_ptr;
	unsigned	 weight_fcrdns_mismatch;
	unsigned	 weight_dnsbl;		/* per listing zone */
	unsigned	 weight_helo_not_fqdn;
	unsigned	 weight_helo_ip_mismatch;
	unsigned	 weight_helo_ours;
	unsigned	 weight_first_contact;
	unsigned	 weight_unusual_origin;
	unsigned	 weight_from_served_unauth;
	char		*dnsbl_zones;	/* "zone,zone"; checked by dnsbl_zones_parse() */
	/* Characters that end a recipient's mailbox in its local part ("+": alice+news
	 * is alice's): whitelists, blocks, recipient pages and digests are kept per
	 * mailbox (common/mailbox.h); "" none. Each domain's value is in domains[]. */
	char		*recipient_delimiter;

	/* [digest]: ecluse-smtpd's schedule; checked by digest_when_parse() */
	unsigned	 digest_interval;	/* seconds between rounds; 0: off */
	char		*digest_at;		/* "HH:MM" local time of the grid */

	struct domain_config *domains;
	size_t		 ndomains;
	struct domain_index *dindex;	/* config.c's: the domains by name */
};

struct config *config_load(const char *path, char *err, size_t errsz);
void config_free(struct config *cf);

/* The served domain whose name equals the len bytes at name (ASCII case-insensitive,
 * one trailing dot allowed), or NULL: the one open-relay gate. A hash lookup: it
 * runs for every RCPT and From, and a service may serve CONFIG_MAX_DOMAINS. */
const struct domain_config *config_domain(const struct config *cf, const char *name,
    size_t len);

/* Parses "host:port" or "[v6]:port" from (buf, len). Returns 0 or -1. */
int hostport_parse(const char *buf, size_t len, struct hostport *out);
/* 1 when both name the same host and port, or both are unset; else 0. */
int hostport_equal(const struct hostport *a, const struct hostport *b);

#endif
