/*
 * policy.h - the verdict of one SMTP transaction ([policy] of ecluse.conf): each
 * signal that holds adds its configured weight to a score, and two thresholds turn
 * the score into relay, quarantine (hold a copy, 550 with a release URL) or reject
 * (550, no release).
 *
 *	score >= reject_threshold			reject ("hostile")
 *	else authenticated (DMARC pass) or whitelisted	relay
 *	else score >= quarantine_threshold		quarantine ("suspicious")
 *	else						relay
 *
 * Authentication and a whitelist entry that counts (whitelist.h) exempt a message
 * from quarantine, never from reject: a DMARC pass proves who sent the message, not
 * that its sender is harmless, and a client on several blocklists (or a message that
 * stacks up forged HELO, failed SPF and a failed DMARC p=reject) is refused whoever
 * it claims to be. Every signal is still counted and listed for an authenticated
 * message, so the log says what was seen.
 *
 * Signals whose check did not give an answer (a DNS timeout, a lookup still pending)
 * do not count: an outage of a blocklist or of the sender's DNS must not hold mail.
 *
 * policy_decide is pure: no I/O, no allocation, the same input gives the same verdict;
 * the DNS work happens before (dnsbl.h, rdns.h, auth/auth.h) and the store reads too
 * (whitelist candidates, sender history). In ecluse-smtpd:
 *
 *	start	policy_params_from_config, dnsbl_zones_parse([policy] dnsbl_zones)
 *	connect	rdns_start, dnsbl_start (answered while the client talks)
 *	MAIL	store_seen_get of the address and of its domain, policy_history
 *	RCPT	store_wl_lookup, whitelist_standing; a standing unequal to the first
 *		recipient's gets 452 4.5.3 (one verdict per transaction)
 *	DATA end  once auth, rdns and dnsbl have called back: policy_decide with
 *		whitelist_standing_match; a held copy keeps whitelist_origin's
 *		auth_domain; relayed mail is recorded with store_seen_submit
 */
#ifndef ECLUSE_SMTPD_POLICY_H
#define ECLUSE_SMTPD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "auth/auth.h"
#include "smtpd/dnsbl.h"
#include "smtpd/rdns.h"
#include "store/store.h"

struct config;

/* One weight each ([policy] weight_<name>, with <name> from policy_signal_name). */
enum policy_signal {
	POLICY_SPF_FAIL,		/* SPF fail */
	POLICY_SPF_SOFTFAIL,		/* SPF softfail */
	POLICY_DKIM_FAIL,		/* a DKIM signature fails (not one in testing) */
	POLICY_NO_AUTH,			/* no SPF pass and no DKIM pass at all */
	POLICY_DMARC_FAIL_NONE,		/* DMARC fails, the domain's policy is none */
	POLICY_DMARC_FAIL_QUARANTINE,	/* ... is quarantine */
	POLICY_DMARC_FAIL_REJECT,	/* ... is reject */
	POLICY_NO_PTR,			/* the client's address has no PTR record */
	POLICY_FCRDNS_MISMATCH,		/* its PTR names do not lead back to it */
	POLICY_DNSBL,			/* counted once per zone that lists the client */
	POLICY_HELO_NOT_FQDN,		/* HELO is not a fully qualified domain name */
	POLICY_HELO_IP_MISMATCH,	/* HELO is an address literal, not the client's */
	POLICY_HELO_OURS,		/* HELO is our hostname or a served domain */
	POLICY_FIRST_CONTACT,		/* the sender was never seen here before */
	POLICY_UNUSUAL_ORIGIN,		/* the sender was, but never from this network */
	POLICY_FROM_SERVED_UNAUTH,	/* From is a served domain, not authenticated */
	POLICY_NSIGNALS
};

/* "spf_fail", "spf_softfail", ...: the config key is "weight_" and this name, and the
 * reasons text uses it. NULL for a value out of range. */
const char *policy_signal_name(enum policy_signal s);

enum policy_action { POLICY_RELAY, POLICY_QUARANTINE, POLICY_REJECT };

/* "relay", "quarantine", "reject". */
const char *policy_action_name(enum policy_action a);

/* Whether (name, len) is one of the domains we serve (config_domain in the daemon). */
typedef bool policy_served_fn(const void *arg, const char *name, size_t len);

struct policy_params {
	unsigned		 weight[POLICY_NSIGNALS];
	unsigned		 quarantine_threshold;
	unsigned		 reject_threshold;	/* >= quarantine_threshold */
	const char		*hostname;	/* ours; a HELO claiming it is forged */
	policy_served_fn	*served;
	const void		*served_arg;
};

/* The weights, thresholds and hostname of cf, and the served domains of cf through
 * config_domain. cf is borrowed as long as p is used. */
void policy_params_from_config(const struct config *cf, struct policy_params *p);

/* Everything known about one transaction when the verdict is made. */
struct policy_input {
	const struct auth_result *auth;	/* NULL: no result (every check "none") */
	const struct sockaddr	*client;
	const char		*helo;		/* the HELO/EHLO argument as received */
	size_t			 helo_len;
	enum rdns_status	 rdns;		/* pending or unknown: not counted */
	const struct dnsbl_result *dnsbl;	/* dnsbl_results(), or NULL */
	size_t			 ndnsbl;
	bool			 first_contact;	/* policy_history() */
	bool			 unusual_origin;
	bool			 whitelisted;	/* whitelist_standing_match() */
};

/*
 * Reasons text: each counted signal as "name+weight", space-separated, DNSBL listings
 * as "dnsbl:ZONE+weight", preceded by "dmarc_pass" or "whitelisted" when that
 * exempted the message from quarantine; "none" when nothing counted. Fits a store
 * reasons field; every word is a fixed name or a zone checked by dnsbl_zones_parse,
 * so the text is safe in a log line, a header and a web page.
 */
#define POLICY_REASONS_MAX 3072

struct policy_verdict {
	enum policy_action	 action;
	unsigned		 score;
	bool			 authenticated;	/* DMARC pass */
	bool			 whitelisted;
	unsigned		 signals;	/* bit (1u << signal) per signal counted */
	char			 reasons[POLICY_REASONS_MAX];
};

void policy_decide(const struct policy_params *p, const struct policy_input *in,
    struct policy_verdict *out);

/*
 * The HELO anomalies of (helo, len) sent by client, as signal bits (1u <<
 * POLICY_HELO_*): not a FQDN (fewer than two labels, a label that is not a RFC 1123
 * host label, an all-digit last label as in a bare address); an address literal that
 * is not the client's address (RFC 5321 4.1.3; a malformed literal is not it
 * either); our hostname or a served domain (ASCII case-insensitive, one final dot).
 */
unsigned policy_helo(const struct policy_params *p, const char *helo, size_t len,
    const struct sockaddr *client);

/*
 * The two history signals, from the networks the sender's address was seen from
 * (addr, naddr: store_seen_get of the address) and those of its domain (dom, ndom),
 * and the client's network (netaddr_network). First contact: the address was never
 * seen. Unusual origin: the network is not among those of the address, or, for an
 * address never seen, of its domain (nothing known: not counted).
 */
void policy_history(const struct store_seen *addr, size_t naddr,
    const struct store_seen *dom, size_t ndom, const char *client_net,
    bool *first_contact, bool *unusual_origin);

#endif
