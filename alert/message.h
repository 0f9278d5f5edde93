/*
 * Alert mail rendering (RFC 5322): subject, plain-text body, and the whole message.
 * Pure functions, no I/O. Every header value is stripped of CR, LF and other control
 * characters, and non-ASCII text in headers is written as RFC 2047 encoded-words, so no
 * string from a config file or a server can add a header or end the header block.
 * Body text is valid UTF-8 (invalid bytes become '?'), has no control characters other
 * than tab and newline, CRLF line endings and lines of at most 998 octets.
 * The message is NOT dot-stuffed: libcurl's SMTP upload escapes a leading '.' itself.
 */
#ifndef TW_MESSAGE_H
#define TW_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/util.h"

struct tz;

enum msg_event {
	MSG_OPENED,
	MSG_RESOLVED,
	MSG_REMINDER,
	MSG__MAX
};

/* What a mail says about one incident. Every string may be NULL (shown as "-"). */
struct msg_incident {
	int64_t		 id;
	const char	*provider;	/* provider id */
	const char	*provider_name;	/* display name (NULL = id) */
	const char	*endpoint;
	const char	*kind;
	const char	*url;
	int64_t		 start_ms;
	int64_t		 end_ms;	/* -1 while open */
	const char	*worst;		/* "down", "degraded" */
	const char	*reasons;	/* reason names joined with ';' */
	const char	*message;	/* of the result that opened it */
	const char	*plain;		/* what it means, in plain words (core/explain.h), or NULL */
	/* SPEC §15: its likely cause, an incident of a provider it depends on */
	int64_t		 cause_id;	/* 0 = none */
	const char	*cause_name;	/* that provider's display name */
	int64_t		 cause_start_ms;
};

/* One recent result listed in the body. */
struct msg_result {
	int64_t		 time_ms;
	const char	*status;
	const char	*reason;
	double		 total_ms;	/* < 0 = none */
	const char	*message;
};

/*
 * Appends the subject a person scans: "[DOWN] LuxTrust ocsp: signature_invalid",
 * "[RESOLVED] LuxTrust ocsp after 12m", "[STILL DOWN] LuxTrust ocsp: timeout (2h)".
 * The text is sanitized (one line, no control characters) but not yet encoded.
 */
void msg_subject(struct buf *out, enum msg_event, const struct msg_incident *, int64_t now_ms);

/*
 * Appends the plain-text body (LF line endings): a headline, the plain words, the incident
 * page base_url + "incidents/N.html" (when base_url is set), then provider, endpoint, kind,
 * URL, reasons, worst status, start/end/duration, the opening message and the last results
 * (oldest first). Times are in the zone z (NULL = UTC; the daemon passes report.timezone)
 * with UTC beside: "2026-12-23 05:26:40 CET (04:26:40 UTC)".
 */
void msg_body(struct buf *out, enum msg_event, const struct msg_incident *,
    const struct msg_result *last, size_t n_last, const char *base_url, const struct tz *z,
    int64_t now_ms);

/*
 * Appends the subject of a digest of n >= 2 incidents that opened together:
 * "[DOWN] 3 incidents: LuxTrust ocsp, LuxTrust crl, Other login" (five named, "+N more").
 */
void msg_digest_subject(struct buf *out, const struct msg_incident *, size_t n);

/*
 * Appends the body of that digest: per incident its headline, plain words, incident page,
 * start (as msg_body) and first error, in the order given.
 */
void msg_digest_body(struct buf *out, const struct msg_incident *, size_t n,
    const char *base_url, const struct tz *z, int64_t now_ms);

/* Everything the message headers need; strings are untrusted and sanitized here. */
struct msg_envelope {
	const char	*from;		/* mailbox: "addr" or "Name <addr>" (see core/addr.h) */
	const char	*const *to;	/* mailboxes; invalid ones are left out */
	size_t		 n_to;
	const char	*subject;
	const char	*body;		/* LF or CRLF line endings */
	int64_t		 date_ms;	/* Date: header */
	const char	*message_id;	/* "<…@…>", from msg_message_id */
	const char	*in_reply_to;	/* "<…@…>" (In-Reply-To and References), or NULL */
};

/* Appends the whole RFC 5322 message (headers, blank line, body) with CRLF line endings. */
void msg_render(struct buf *out, const struct msg_envelope *);

/*
 * Returns the Message-ID of one outbox row (caller frees): for the "opened" event
 * msg_thread_id(incident, from), else "<trustwatch.INCIDENT.EVENT.ID.CREATED@DOMAIN>".
 * Stable for the row, so a retry sends the same id. DOMAIN is from's domain.
 */
char *msg_message_id(int64_t mail_id, int64_t incident, const char *event_key,
    int64_t created_ms, const char *from);

/*
 * Returns the Message-ID of an incident's opening mail, "<incident-N-opened@DOMAIN>"
 * (caller frees): derived from the incident alone, so reminders and the resolution
 * thread to it across restarts.
 */
char *msg_thread_id(int64_t incident, const char *from);

/*
 * Writes ms as "2026-12-23 05:26:40 CET (04:26:40 UTC)" in the zone z (NULL = UTC),
 * the UTC date too when it differs, or "2026-12-23 04:26:40 UTC" when the zone is UTC.
 */
void msg_time(const struct tz *z, int64_t ms, char *out, size_t outsz);

/* Returns 1 when addr is a plain local@domain address safe for SMTP and headers. */
int msg_addr_ok(const char *addr);

/*
 * Appends mailbox ("addr" or "Name <addr>") as a header address: the name as plain words,
 * a quoted-string, or RFC 2047 encoded-words when not ASCII; default_name (may be NULL)
 * when it has none. Returns 0, or -1 (nothing appended) when mailbox is not valid.
 */
int msg_mailbox(struct buf *out, const char *mailbox, const char *default_name);

/*
 * Appends s as a header value: valid UTF-8, controls replaced by spaces, at most max
 * bytes of text; plain when printable ASCII, else RFC 2047 B encoded-words ("=?UTF-8?B?…?=")
 * of at most 75 characters, folded with CRLF SP, never splitting a character.
 */
void msg_header_text(struct buf *out, const char *s, size_t max);

/* Writes t as an RFC 5322 date in UTC ("Thu, 17 Dec 2026 08:00:00 +0000"). */
void msg_date(int64_t ms, char *out, size_t outsz);

/* Appends s as one line of text: valid UTF-8, every control character a space. */
void msg_line_text(struct buf *out, const char *s);

#endif
