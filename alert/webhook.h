/*
 * Webhooks: one JSON POST per alert (opened, resolved, reminder), signed with HMAC-SHA256
 * over the body in "X-Trustwatch-Signature: sha256=HEX" (as GitHub signs its webhooks).
 * Transfers run on libcurl multi-socket driven by the caller's libevent base, like mail:
 * sending never blocks the event loop. A 2xx answer is delivery; anything else a failure.
 */
#ifndef TW_WEBHOOK_H
#define TW_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "message.h"

struct event_base;
struct hooker;

/*
 * Returns the JSON body of one alert (caller frees): event, incident, provider,
 * provider_name, endpoint, kind, worst, reasons (list), start/end (RFC 3339, end null while
 * open), summary (the mail subject), plain words, link (base_url + incidents/N.html, or
 * null), and "text" (summary, plain words and link as lines) so Slack-style incoming
 * webhooks show it as is.
 */
char *webhook_body(const char *event_key, const struct msg_incident *, const char *summary,
    const char *base_url);

/* Writes "sha256=" and the hex HMAC-SHA256 of body under secret into out (>= 72 bytes). */
void webhook_sign(const char *secret, const char *body, size_t len, char *out, size_t outsz);

/* One POST; every field is copied by webhook_send. */
struct webhook_job {
	const char	*url;		/* http:// or https:// */
	const char	*secret;	/* HMAC key ("" = still signed, with an empty key) */
	const char	*event;		/* X-Trustwatch-Event */
	const char	*delivery;	/* X-Trustwatch-Delivery: stable per outbox row */
	const char	*body;
	size_t		 len;
	long		 timeout_ms;	/* <= 0 = 30 s */
};

/* Called once per webhook_send from the event loop; error borrowed during the call. */
typedef void webhook_done_fn(int ok, const char *error, void *arg);

/* Returns a sender on base (borrowed, must outlive it), or NULL. */
struct hooker *webhook_new(struct event_base *base);

/* Starts one POST. Returns 0, or -1 (done is then never called). */
int webhook_send(struct hooker *, const struct webhook_job *, webhook_done_fn *done, void *arg);

/* Aborts every transfer without calling its done, and frees. webhook_free(NULL) is a no-op. */
void webhook_free(struct hooker *);

#endif
