/*
 * session_hold.c - the quarantine of a session's message: its copy committed to the
 * store, then the 550 that carries the release link (DESIGN: "suspicious").
 *
 * Nothing is lost (DESIGN rule 1): the client gets the 550 only once the store says
 * the copy is durable; 451 4.3.0 when the store refuses or fails. The 550 has the
 * link alone on its first and last lines, the smtp-held.txt template (English, then
 * French) between, each line within the 512 octets of a reply line.
 *
 * Owns the hold ticket: a commit outlives a client that hangs up, so the store's
 * callback reaches the session through it, and frees it; session_free() disowns it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "common/log.h"
#include "common/mailbox.h"
#include "common/template.h"
#include "common/token.h"
#include "common/xmalloc.h"
#include "smtpd/session_priv.h"
#include "smtpd/whitelist.h"
#include "store/store.h"

/* Lines of text between the two link lines of the 550 reply to a held message. */
#define HELD_REPLY_LINES_MAX 12
/* One line of reply text after "550-5.7.1 ": the line stays within 512 octets. */
#define HELD_REPLY_TEXT_MAX (SMTP_CMD_LINE_MAX - 16)

/* A held copy's commit outlives a client that hangs up: the store's callback finds
 * the session through this ticket, which session_free() disowns. */
struct hold_ticket {
	struct session	*s;
	int64_t		 expires;
};

/* Writes one template's lines as "550-5.7.1 " reply lines. */
static void
held_lines(struct session *s, const char *lang)
{
	const struct tmpl *t = tmpl_set_get(s->env->tmpl, lang, "smtp-held.txt");
	struct evbuffer *out = bufferevent_get_output(s->bev);
	struct tmpl_vars *v = tmpl_vars_new();
	enum tmpl_err te;
	size_t len, i = 0, n = 0;
	char *text = t ? tmpl_render(t, v, &len, &te) : NULL;

	tmpl_vars_free(v);
	if (text == NULL)
		return;	/* the link lines alone still say what to do */
	while (i < len && n < HELD_REPLY_LINES_MAX) {
		size_t e = i;

		while (e < len && text[e] != '\n')
			e++;
		if (e > i) {
			size_t w = e - i < HELD_REPLY_TEXT_MAX ? e - i : HELD_REPLY_TEXT_MAX;

			evbuffer_add_printf(out, "550-5.7.1 %.*s\r\n", (int)w, text + i);
			n++;
		}
		i = e + 1;
	}
	free(text);
}

static void
on_held(void *arg, enum store_err err, int64_t id)
{
	struct hold_ticket *tk = arg;
	struct session *s = tk->s;
	char token[TOKEN_LEN + 1];

	if (s == NULL) {
		log_warn("event=held_after_disconnect id=%lld", (long long)id);
		free(tk);
		return;
	}
	s->ticket = NULL;
	if (err != STORE_OK) {
		log_err("session=%s event=hold_failed error=\"%s\"", s->id, store_strerror(err));
		session_reply(s, "451 4.3.0 temporary failure, try again later");
		session_log_tx(s, "tempfail", "store failed");
	} else {
		token_make(s->env->token_key, TOKEN_RELEASE, (uint64_t)id, tk->expires, token);
		/* The link first and last, alone on its line after the code: a sending
		 * server that keeps one line of a multi-line reply keeps a link. */
		session_reply(s, "550-5.7.1 %s/r/%s", s->cf->base_url, token);
		held_lines(s, "en");
		held_lines(s, "fr");
		session_reply(s, "550 5.7.1 %s/r/%s", s->cf->base_url, token);
		s->errors--;	/* one reply, not two errors */
		log_info("session=%s event=held id=%lld", s->id, (long long)id);
		session_log_tx(s, "held", "quarantined");
	}
	free(tk);
	session_tx_reset(s);
	session_resume(s);
}

/* Keeps the message, as it would have been relayed, and replies once it is safe. */
void
session_hold(struct session *s, const struct auth_result *res, const char *reasons)
{
	struct whitelist_origin origin;
	struct store_hold h;
	struct hold_ticket *tk;
	time_t now = time(NULL);
	struct evbuffer *all = evbuffer_new();
	char (*mbox)[MAILBOX_ADDR_MAX + 1] = xcalloc(s->nrcpts, sizeof(*mbox));
	const char **mboxes = xcalloc(s->nrcpts, sizeof(*mboxes));
	enum store_err e;
	size_t i, mlen;

	/* the recipient page and the digest of each recipient's mailbox list the copy;
	 * a recipient smtp_parse_rcpt took always has a mailbox, and one that had
	 * none would be its own */
	for (i = 0; i < s->nrcpts; i++) {
		if (mailbox_of_config(s->cf, s->rcpts[i], strlen(s->rcpts[i]), mbox[i],
		    &mlen) != MAILBOX_OK)
			snprintf(mbox[i], sizeof(mbox[i]), "%s", s->rcpts[i]);
		mboxes[i] = mbox[i];
	}

	evbuffer_add_buffer_reference(all, s->head);
	evbuffer_add_buffer_reference(all, s->body);
	memset(&h, 0, sizeof(h));
	h.mail_from = s->from.addr;
	h.rcpts = (const char *const *)s->rcpts;
	h.mailboxes = mboxes;
	h.nrcpts = s->nrcpts;
	h.client_addr = s->ip;
	h.helo = s->helo;
	h.auth_results = res != NULL && res->authres != NULL ? res->authres : "";
	/* A release whitelists the sender under the domain it authenticated as, if any */
	whitelist_origin(res, (const struct sockaddr *)&s->sa, &origin);
	h.auth_domain = origin.auth_domain;
	h.verdict = "hold";
	h.reasons = reasons;
	h.message_len = evbuffer_get_length(all);
	h.message = evbuffer_pullup(all, -1);
	h.received = now;
	h.expires = now + s->cf->release_lifetime;
	tk = xcalloc(1, sizeof(*tk));
	tk->s = s;
	tk->expires = h.expires;
	e = store_hold_submit(s->env->store, &h, on_held, tk);	/* copies h */
	evbuffer_free(all);
	free(mboxes);
	free(mbox);
	if (e != STORE_OK) {
		free(tk);
		log_err("session=%s event=hold_failed error=\"%s: %s\"", s->id,
		    store_strerror(e), store_last_error(s->env->store));
		session_reply(s, "451 4.3.0 temporary failure, try again later");
		session_log_tx(s, "tempfail", "store refused the held copy");
		session_tx_reset(s);
		session_resume(s);
		return;
	}
	s->ticket = tk;
}

void
session_hold_disown(struct session *s)
{
	if (s->ticket != NULL)
		s->ticket->s = NULL;
}
