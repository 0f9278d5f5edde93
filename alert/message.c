/*
 * Alert mail rendering; see message.h. The only door for untrusted text into a mail:
 * sanitize() for body and header text, msg_header_text() for header values,
 * msg_addr_ok() for addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "message.h"
#include "../core/addr.h"
#include "../core/tz.h"

#define MSG_LINE_MAX	990	/* body line octets before a hard break (RFC 5322: 998) */
#define MSG_WORD_BYTES	45	/* UTF-8 bytes per encoded-word: 60 base64 + 12 = 72 chars */
#define MSG_SUBJECT_MAX	600

/* Returns the length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0;	/* overlong, surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;	/* overlong, > U+10FFFF */
		return 4;
	}
	return 0;
}

/*
 * Appends s as valid UTF-8 with at most max bytes: invalid bytes become '?', control
 * characters (C0, DEL, C1, U+2028/2029) a space; with multiline, '\n' and '\t' are kept
 * and '\r' dropped.
 */
static void
sanitize(struct buf *out, const char *s, int multiline, size_t max)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "-");
	size_t added = 0;

	while (*p != '\0') {
		size_t n = utf8_len(p);
		const char *rep = NULL;

		if (n == 0) {
			rep = "?";
			n = 1;
		} else if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
			if (multiline && (*p == '\n' || *p == '\t'))
				rep = *p == '\n' ? "\n" : "\t";
			else if (multiline && *p == '\r')
				rep = "";
			else
				rep = " ";
		} else if ((n == 2 && p[0] == 0xc2 && p[1] < 0xa0) ||
		    (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))) {
			rep = " ";
		}
		if (added + (rep != NULL ? strlen(rep) : n) > max)
			break;
		if (rep != NULL) {
			buf_append(out, rep, strlen(rep));
			added += strlen(rep);
		} else {
			buf_append(out, p, n);
			added += n;
		}
		p += n;
	}
	if (out->data == NULL)
		buf_append(out, "", 0);
}

void
msg_line_text(struct buf *out, const char *s)
{
	sanitize(out, s, 0, 4000);
}

int
msg_addr_ok(const char *s)
{
	struct addr a;
	const char *why;
	int ok;

	if (addr_parse(s, &a, &why) != 0)
		return 0;
	ok = a.name == NULL && strcmp(a.spec, s) == 0;
	addr_clear(&a);
	return ok;
}

/* Appends a display name: as is when words, quoted when other ASCII, else RFC 2047. */
static void
display_name(struct buf *out, const char *name)
{
	int words = strstr(name, "=?") == NULL, ascii = 1;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p >= 0x80)
			ascii = 0;
		else if (!(*p == ' ' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", *p) != NULL))
			words = 0;
	}
	if (!ascii) {
		msg_header_text(out, name, 300);
		return;
	}
	if (words && *name != '\0') {
		buf_printf(out, "%s", name);
		return;
	}
	buf_append(out, "\"", 1);
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_append(out, "\\", 1);
		buf_append(out, p, 1);
	}
	buf_append(out, "\"", 1);
}

int
msg_mailbox(struct buf *out, const char *mailbox, const char *default_name)
{
	struct addr a;
	const char *why, *name;

	if (addr_parse(mailbox, &a, &why) != 0)
		return -1;
	name = a.name != NULL ? a.name : default_name;
	if (name != NULL) {
		display_name(out, name);
		buf_printf(out, " <%s>", a.spec);
	} else {
		buf_printf(out, "%s", a.spec);
	}
	addr_clear(&a);
	return 0;
}

void
msg_header_text(struct buf *out, const char *s, size_t max)
{
	struct buf t = { 0 };
	int plain = 1;
	size_t i = 0, start, first;

	sanitize(&t, s, 0, max);
	while (t.len > 0 && t.data[t.len - 1] == ' ')
		t.data[--t.len] = '\0';
	while (t.len > 0 && t.data[i] == ' ')
		i++;
	for (size_t k = i; k < t.len; k++)
		if (t.data[k] >= 0x80)
			plain = 0;
	if (strstr((char *)t.data, "=?") != NULL)
		plain = 0;	/* would read as an encoded-word */
	first = i;
	if (plain) {
		buf_append(out, t.data + i, t.len - i);
		buf_free(&t);
		return;
	}
	while (i < t.len) {
		unsigned char b64[4 * ((MSG_WORD_BYTES + 2) / 3) + 1];

		start = i;
		while (i < t.len) {
			size_t n = utf8_len(t.data + i);

			if (n == 0)
				n = 1;	/* cannot happen after sanitize */
			if (i - start + n > MSG_WORD_BYTES)
				break;
			i += n;
		}
		EVP_EncodeBlock(b64, t.data + start, (int)(i - start));
		buf_printf(out, "%s=?UTF-8?B?%s?=", start > first ? "\r\n " : "", b64);
	}
	buf_free(&t);
}

void
msg_date(int64_t ms, char *out, size_t outsz)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

/* Returns from's domain (borrowed from a, cleared by the caller) or a reserved one. */
static const char *
from_domain(const char *from, struct addr *a)
{
	const char *why;

	if (addr_parse(from, a, &why) == 0)
		return strchr(a->spec, '@') + 1;
	memset(a, 0, sizeof(*a));
	return "trustwatch.invalid";
}

char *
msg_thread_id(int64_t incident, const char *from)
{
	struct addr a;
	char *id = xasprintf("<incident-%lld-opened@%s>", (long long)incident,
	    from_domain(from, &a));

	addr_clear(&a);
	return id;
}

void
msg_time(const struct tz *z, int64_t ms, char *out, size_t outsz)
{
	struct tm lt, ut;
	char u[40];

	tz_tm(z, ms, &lt);
	tz_tm(NULL, ms, &ut);
	snprintf(u, sizeof(u), "%04d-%02d-%02d %02d:%02d:%02d", ut.tm_year + 1900, ut.tm_mon + 1,
	    ut.tm_mday, ut.tm_hour, ut.tm_min, ut.tm_sec);
	if (lt.tm_gmtoff == 0 && (strcmp(lt.tm_zone, "UTC") == 0 || strcmp(lt.tm_zone, "GMT") == 0)) {
		snprintf(out, outsz, "%s UTC", u);
		return;
	}
	snprintf(out, outsz, "%04d-%02d-%02d %02d:%02d:%02d %s (%s UTC)", lt.tm_year + 1900,
	    lt.tm_mon + 1, lt.tm_mday, lt.tm_hour, lt.tm_min, lt.tm_sec, lt.tm_zone,
	    lt.tm_yday == ut.tm_yday ? u + 11 : u);
}

char *
msg_message_id(int64_t mail_id, int64_t incident, const char *event_key, int64_t created_ms,
    const char *from)
{
	char key[40], *id;
	struct addr a;
	const char *domain;
	size_t k = 0;

	if (event_key != NULL && strcmp(event_key, "opened") == 0)
		return msg_thread_id(incident, from);

	for (const char *p = event_key != NULL ? event_key : ""; *p && k + 1 < sizeof(key); p++)
		key[k++] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-') ? *p : '-';
	key[k] = '\0';
	domain = from_domain(from, &a);
	id = xasprintf("<trustwatch.%lld.%s.%lld.%lld@%s>", (long long)incident, key,
	    (long long)mail_id, (long long)created_ms, domain);
	addr_clear(&a);
	return id;
}

/* Appends a duration rounded for people: seconds under a minute, else minutes. */
static void
human_duration(struct buf *out, int64_t ms)
{
	char d[40];

	if (ms < 0)
		ms = 0;
	ms = ms < 60000 ? ms / 1000 * 1000 : ms / 60000 * 60000;
	duration_format(ms, d, sizeof(d));
	buf_printf(out, "%s", d);
}

static const char *
name_of(const struct msg_incident *in)
{
	return in->provider_name != NULL ? in->provider_name : in->provider;
}

/* Appends the reasons joined with ", " (stored joined with ';'), sanitized. */
static void
reasons_text(struct buf *out, const char *reasons)
{
	struct buf t = { 0 };

	sanitize(&t, reasons != NULL && *reasons ? reasons : "-", 0, 500);
	for (size_t i = 0; i < t.len; i++)
		if (t.data[i] == ';')
			buf_append(out, ", ", 2);
		else
			buf_append(out, t.data + i, 1);
	buf_free(&t);
}

void
msg_subject(struct buf *out, enum msg_event ev, const struct msg_incident *in, int64_t now)
{
	struct buf t = { 0 };
	char worst[16] = "DOWN";

	if (in->worst != NULL && strcmp(in->worst, "degraded") == 0)
		snprintf(worst, sizeof(worst), "DEGRADED");
	buf_printf(&t, "[%s%s] ", ev == MSG_RESOLVED ? "RESOLVED" : ev == MSG_REMINDER ?
	    "STILL " : "", ev == MSG_RESOLVED ? "" : worst);
	sanitize(&t, name_of(in), 0, 200);
	buf_append(&t, " ", 1);
	sanitize(&t, in->endpoint, 0, 100);
	if (ev == MSG_RESOLVED) {
		buf_append(&t, " after ", 7);
		human_duration(&t, (in->end_ms >= 0 ? in->end_ms : now) - in->start_ms);
	} else {
		buf_append(&t, ": ", 2);
		reasons_text(&t, in->reasons);
		if (ev == MSG_REMINDER) {
			buf_append(&t, " (for ", 6);
			human_duration(&t, now - in->start_ms);
			buf_append(&t, ")", 1);
		}
	}
	sanitize(out, (char *)t.data, 0, MSG_SUBJECT_MAX);
	buf_free(&t);
}

/* Appends "label: value\n" with value sanitized to one line. */
static void
field(struct buf *out, const char *label, const char *value)
{
	buf_printf(out, "%-11s ", label);
	sanitize(out, value, 0, 2000);
	buf_append(out, "\n", 1);
}

/* Appends the incident page link line, when base_url is set. */
static void
incident_link(struct buf *out, const char *base_url, int64_t id)
{
	size_t bl;

	if (base_url == NULL || *base_url == '\0')
		return;
	bl = strlen(base_url);
	buf_printf(out, "Incident page: ");
	sanitize(out, base_url, 0, 500);
	buf_printf(out, "%sincidents/%lld.html\n", base_url[bl - 1] == '/' ? "" : "/",
	    (long long)id);
}

/*
 * "Probably caused by LuxTrust incident #12, which started 3m earlier." (SPEC §15), its page
 * in parentheses after the number when base_url is set.
 */
static void
caused_by(struct buf *out, const struct msg_incident *in, const char *base_url)
{
	buf_printf(out, "Probably caused by ");
	sanitize(out, in->cause_name ? in->cause_name : "-", 0, 200);
	buf_printf(out, " incident #%lld", (long long)in->cause_id);
	if (base_url != NULL && *base_url != '\0') {
		buf_printf(out, " (");
		sanitize(out, base_url, 0, 500);
		buf_printf(out, "%sincidents/%lld.html)", base_url[strlen(base_url) - 1] == '/' ?
		    "" : "/", (long long)in->cause_id);
	}
	buf_printf(out, ", which started ");
	human_duration(out, in->start_ms - in->cause_start_ms);
	buf_printf(out, " earlier.");
}

void
msg_body(struct buf *out, enum msg_event ev, const struct msg_incident *in,
    const struct msg_result *last, size_t n_last, const char *base_url, const struct tz *z,
    int64_t now)
{
	char t[96], id[32];
	struct buf tmp = { 0 };

	sanitize(out, name_of(in), 0, 200);
	buf_append(out, " ", 1);
	sanitize(out, in->endpoint, 0, 100);
	if (ev == MSG_RESOLVED) {
		buf_printf(out, " is up again after ");
		human_duration(out, (in->end_ms >= 0 ? in->end_ms : now) - in->start_ms);
		buf_printf(out, ".\n\n");
	} else {
		buf_printf(out, " is %s%s: ", ev == MSG_REMINDER ? "still " : "",
		    in->worst != NULL && strcmp(in->worst, "degraded") == 0 ? "degraded" : "down");
		reasons_text(out, in->reasons);
		buf_printf(out, "\n\n");
	}
	if (in->plain != NULL && *in->plain != '\0') {
		if (ev == MSG_RESOLVED)
			buf_printf(out, "While it lasted: ");
		sanitize(out, in->plain, 0, 1000);
		buf_printf(out, "\n\n");
	}
	if (in->cause_id > 0) {
		caused_by(out, in, base_url);
		buf_printf(out, "\n\n");
	}
	if (base_url != NULL && *base_url != '\0') {
		incident_link(out, base_url, in->id);
		buf_append(out, "\n", 1);
	}
	buf_printf(&tmp, "%s (%s)", name_of(in) ? name_of(in) : "-", in->provider ? in->provider : "-");
	field(out, "Provider:", (char *)tmp.data);
	buf_free(&tmp);
	field(out, "Endpoint:", in->endpoint);
	field(out, "Kind:", in->kind);
	field(out, "URL:", in->url);
	snprintf(id, sizeof(id), "#%lld", (long long)in->id);
	field(out, "Incident:", id);
	field(out, "Worst:", in->worst);
	reasons_text(&tmp, in->reasons);
	field(out, "Reasons:", (char *)tmp.data);
	buf_free(&tmp);
	msg_time(z, in->start_ms, t, sizeof(t));
	field(out, "Started:", t);
	if (in->end_ms >= 0) {
		msg_time(z, in->end_ms, t, sizeof(t));
		field(out, "Resolved:", t);
	}
	human_duration(&tmp, (in->end_ms >= 0 ? in->end_ms : now) - in->start_ms);
	field(out, in->end_ms >= 0 ? "Duration:" : "Open for:", (char *)tmp.data);
	buf_free(&tmp);
	if (in->message != NULL)
		field(out, "First error:", in->message);
	if (n_last > 0) {
		buf_printf(out, "\nLast results:\n");
		for (size_t i = 0; i < n_last; i++) {
			const struct msg_result *r = &last[i];

			msg_time(z, r->time_ms, t, sizeof(t));
			buf_printf(out, "  %s  %-8s  ", t, r->status ? r->status : "-");
			sanitize(&tmp, r->reason, 0, 40);
			buf_printf(out, "%-17s", (char *)tmp.data);
			buf_free(&tmp);
			if (r->total_ms >= 0)
				buf_printf(out, "  %9.1f ms", r->total_ms);
			else
				buf_printf(out, "  %12s", "-");
			if (r->message != NULL) {
				buf_append(out, "  ", 2);
				sanitize(out, r->message, 0, 500);
			}
			buf_append(out, "\n", 1);
		}
	}
	buf_printf(out, "\n-- \ntrustwatch: an independent witness of identity and "
	    "trust-service providers.\n");
}

#define MSG_DIGEST_NAMES	5	/* incidents named in a digest's subject */

void
msg_digest_subject(struct buf *out, const struct msg_incident *in, size_t n)
{
	struct buf t = { 0 };
	int down = 0;

	for (size_t i = 0; i < n; i++)
		down |= in[i].worst == NULL || strcmp(in[i].worst, "degraded") != 0;
	buf_printf(&t, "[%s] %zu incidents: ", down ? "DOWN" : "DEGRADED", n);
	for (size_t i = 0; i < n && i < MSG_DIGEST_NAMES; i++) {
		if (i > 0)
			buf_append(&t, ", ", 2);
		sanitize(&t, name_of(&in[i]), 0, 100);
		buf_append(&t, " ", 1);
		sanitize(&t, in[i].endpoint, 0, 60);
	}
	if (n > MSG_DIGEST_NAMES)
		buf_printf(&t, " +%zu more", n - MSG_DIGEST_NAMES);
	sanitize(out, (char *)t.data, 0, MSG_SUBJECT_MAX);
	buf_free(&t);
}

void
msg_digest_body(struct buf *out, const struct msg_incident *in, size_t n, const char *base_url,
    const struct tz *z, int64_t now)
{
	char t[96];

	buf_printf(out, "%zu incidents opened together:\n", n);
	for (size_t i = 0; i < n; i++) {
		buf_printf(out, "\n%zu. ", i + 1);
		sanitize(out, name_of(&in[i]), 0, 200);
		buf_append(out, " ", 1);
		sanitize(out, in[i].endpoint, 0, 100);
		buf_printf(out, " is %s: ", in[i].worst != NULL &&
		    strcmp(in[i].worst, "degraded") == 0 ? "degraded" : "down");
		reasons_text(out, in[i].reasons);
		buf_append(out, "\n", 1);
		if (in[i].plain != NULL && *in[i].plain != '\0') {
			buf_append(out, "   ", 3);
			sanitize(out, in[i].plain, 0, 1000);
			buf_append(out, "\n", 1);
		}
		if (in[i].cause_id > 0) {
			buf_append(out, "   ", 3);
			caused_by(out, &in[i], base_url);
			buf_append(out, "\n", 1);
		}
		if (base_url != NULL && *base_url != '\0') {
			buf_append(out, "   ", 3);
			incident_link(out, base_url, in[i].id);
		}
		msg_time(z, in[i].start_ms, t, sizeof(t));
		buf_printf(out, "   Incident #%lld, started %s, open for ", (long long)in[i].id, t);
		human_duration(out, now - in[i].start_ms);
		buf_append(out, "\n", 1);
		if (in[i].message != NULL) {
			buf_append(out, "   First error: ", 16);
			sanitize(out, in[i].message, 0, 500);
			buf_append(out, "\n", 1);
		}
	}
	buf_printf(out, "\nReminders and each resolution follow in their own mails.\n"
	    "\n-- \ntrustwatch: an independent witness of identity and "
	    "trust-service providers.\n");
}

void
msg_render(struct buf *out, const struct msg_envelope *e)
{
	char date[64];
	struct buf body = { 0 };
	size_t n_to = 0;
	const unsigned char *p, *end;

	msg_date(e->date_ms, date, sizeof(date));
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out, "From: ");
	if (msg_mailbox(out, e->from, "trustwatch") != 0)
		buf_printf(out, "trustwatch <trustwatch@trustwatch.invalid>");
	buf_printf(out, "\r\nTo: ");
	for (size_t i = 0; i < e->n_to; i++) {
		struct buf one = { 0 };

		if (msg_mailbox(&one, e->to[i], NULL) != 0)
			continue;
		buf_printf(out, "%s%s", n_to++ > 0 ? ",\r\n " : "", (char *)one.data);
		buf_free(&one);
	}
	if (n_to == 0)
		buf_printf(out, "undisclosed-recipients:;");
	buf_printf(out, "\r\nSubject: ");
	msg_header_text(out, e->subject, MSG_SUBJECT_MAX);
	buf_printf(out, "\r\nMessage-ID: ");
	/* Ours, but checked like any header value: no CR/LF, no control characters. */
	msg_header_text(out, e->message_id, 300);
	if (e->in_reply_to != NULL) {
		buf_printf(out, "\r\nIn-Reply-To: ");
		msg_header_text(out, e->in_reply_to, 300);
		buf_printf(out, "\r\nReferences: ");
		msg_header_text(out, e->in_reply_to, 300);
	}
	buf_printf(out, "\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n");
	sanitize(&body, e->body, 1, (size_t)-1);
	p = body.data;
	end = body.data + body.len;
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *le = nl != NULL ? nl : end;

		/* Hard-break lines longer than MSG_LINE_MAX octets at a character boundary. */
		while ((size_t)(le - p) > MSG_LINE_MAX) {
			size_t cut = MSG_LINE_MAX;

			while (cut > 0 && (p[cut] & 0xc0) == 0x80)
				cut--;
			buf_append(out, p, cut);
			buf_append(out, "\r\n", 2);
			p += cut;
		}
		buf_append(out, p, (size_t)(le - p));
		buf_append(out, "\r\n", 2);
		p = nl != NULL ? nl + 1 : end;
	}
	buf_free(&body);
}
