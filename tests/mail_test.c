/* Alert mail rendering: subjects, bodies, RFC 5322 structure and header injection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "alert/message.h"
#include "alert/webhook.h"
#include "core/addr.h"
#include "core/tz.h"
#include "core/util.h"

#define T0	1798000000000LL		/* 2026-12-23T04:26:40Z */

static struct msg_incident
incident(void)
{
	struct msg_incident in = {
		.id = 12, .provider = "luxtrust", .provider_name = "LuxTrust", .endpoint = "ocsp",
		.kind = "ocsp", .url = "http://ocsp.example.lu/", .start_ms = T0, .end_ms = -1,
		.worst = "down", .reasons = "signature_invalid",
		.message = "OCSP response signature does not verify",
	};

	return in;
}

static char *
subject(enum msg_event ev, const struct msg_incident *in, int64_t now)
{
	struct buf b = { 0 };

	msg_subject(&b, ev, in, now);
	return (char *)b.data;
}

static void
subjects_read_like_a_mailbox_line(void **state)
{
	struct msg_incident in = incident();
	char *s;

	(void)state;
	s = subject(MSG_OPENED, &in, T0);
	assert_string_equal(s, "[DOWN] LuxTrust ocsp: signature_invalid");
	free(s);
	in.end_ms = T0 + 12 * 60000 + 31000;
	s = subject(MSG_RESOLVED, &in, T0);
	assert_string_equal(s, "[RESOLVED] LuxTrust ocsp after 12m");
	free(s);
	in.end_ms = -1;
	in.reasons = "timeout;connect";
	s = subject(MSG_REMINDER, &in, T0 + 2 * 3600000 + 5000);
	assert_string_equal(s, "[STILL DOWN] LuxTrust ocsp: timeout, connect (for 2h)");
	free(s);
	in.worst = "degraded";
	in.reasons = "slow";
	in.provider_name = NULL;
	s = subject(MSG_OPENED, &in, T0);
	assert_string_equal(s, "[DEGRADED] luxtrust ocsp: slow");
	free(s);
	in.end_ms = T0 + 42400;
	s = subject(MSG_RESOLVED, &in, T0);
	assert_string_equal(s, "[RESOLVED] luxtrust ocsp after 42s");
	free(s);
}

/*
 * Checks the structure of a rendered message: CRLF line endings only, lines <= 998
 * octets, a header block made only of the expected fields (or folded continuations),
 * then a blank line. Returns the header block (caller frees).
 */
static char *
check_structure(const char *m)
{
	static const char *const allowed[] = { "Date: ", "From: ", "To: ", "Subject: ",
		"Message-ID: ", "MIME-Version: ", "Content-Type: ", "Content-Transfer-Encoding: ",
		"Auto-Submitted: ", "In-Reply-To: ", "References: " };
	const size_t optional = 2;	/* the last ones: only on reminders and resolutions */
	const char *end = strstr(m, "\r\n\r\n"), *p = m;
	size_t seen[NELEM(allowed)] = { 0 };

	assert_non_null(end);
	for (const char *q = m; *q; q++) {
		if (*q == '\n')
			assert_true(q > m && q[-1] == '\r');
		if (*q == '\r')
			assert_true(q[1] == '\n');
	}
	while (*p) {
		const char *nl = strstr(p, "\r\n");

		assert_non_null(nl);
		assert_true(nl - p <= 998);
		p = nl + 2;
	}
	for (p = m; p < end + 2; ) {
		const char *nl = strstr(p, "\r\n");
		int ok = *p == ' ';

		for (size_t i = 0; i < NELEM(allowed) && !ok; i++)
			if (strncmp(p, allowed[i], strlen(allowed[i])) == 0) {
				ok = 1;
				seen[i]++;
			}
		if (!ok)
			fail_msg("unexpected header line: %.*s", (int)(nl - p), p);
		p = nl + 2;
	}
	for (size_t i = 0; i < NELEM(allowed); i++)
		if (i < NELEM(allowed) - optional)
			assert_int_equal(seen[i], 1);
		else
			assert_true(seen[i] <= 1);
	return strndup(m, (size_t)(end - m) + 2);
}

static char *
render(const char *from, const char *const *to, size_t n_to, const char *subj,
    const char *body)
{
	struct buf b = { 0 };
	char *mid = msg_message_id(7, 12, "opened", T0, from);
	struct msg_envelope e = { from, to, n_to, subj, body, T0, mid, NULL };

	msg_render(&b, &e);
	free(mid);
	return (char *)b.data;
}

static void
a_message_has_every_rfc5322_header(void **state)
{
	const char *to[] = { "noc@example.lu", "ops@luxtrust.example" };
	char *m = render("trustwatch@example.lu", to, 2, "[DOWN] LuxTrust ocsp: timeout",
	    "line one\nline two\n");
	char *h = check_structure(m);

	(void)state;
	assert_non_null(strstr(h, "Date: Wed, 23 Dec 2026 04:26:40 +0000\r\n"));
	assert_non_null(strstr(h, "From: trustwatch <trustwatch@example.lu>\r\n"));
	assert_non_null(strstr(h, "To: noc@example.lu,\r\n ops@luxtrust.example\r\n"));
	assert_non_null(strstr(h, "Subject: [DOWN] LuxTrust ocsp: timeout\r\n"));
	assert_non_null(strstr(h, "Message-ID: <incident-12-opened@example.lu>\r\n"));
	assert_non_null(strstr(h, "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(m, "\r\n\r\nline one\r\nline two\r\n"));
	free(h);
	free(m);
}

static const char *const hostile[] = {
	"Evil\r\nBcc: victim@example.com",
	"Evil\nBcc: victim@example.com",
	"Evil\rBcc: victim@example.com",
	"Evil\r\n\r\nforged body",
	"Evil\x85" "Bcc: x@y",			/* invalid UTF-8 byte */
	"Evil\xc2\x85" "Bcc: x@y",		/* U+0085 NEL */
	"Evil\xe2\x80\xa8" "Bcc: x@y",		/* U+2028 LINE SEPARATOR */
	"Evil\x00hidden",
	"=?UTF-8?B?DQpCY2M6IHhAeQ==?=",		/* pre-encoded CRLF Bcc */
	"\x1b[31mred\x1b[0m\tand\vfeeds\f",
};

static void
hostile_names_and_messages_cannot_inject_a_header(void **state)
{
	const char *to[] = { "noc@example.lu", "x@y\r\nBcc: victim@example.com",
		"<a@b", "a b@c", "Evil\r\nBcc: v@x <a@b>" };

	(void)state;
	for (size_t i = 0; i < NELEM(hostile); i++) {
		struct msg_incident in = incident();
		struct buf subj = { 0 }, body = { 0 };
		char *m, *h;

		in.provider_name = hostile[i];
		in.endpoint = hostile[i];
		in.message = hostile[i];
		in.reasons = hostile[i];
		in.url = hostile[i];
		msg_subject(&subj, MSG_OPENED, &in, T0);
		msg_body(&body, MSG_OPENED, &in, NULL, 0, hostile[i], NULL, T0);
		m = render(hostile[i], to, NELEM(to), (char *)subj.data, (char *)body.data);
		h = check_structure(m);
		/* "Bcc:" may appear as text inside a value, never as a header line. */
		assert_null(strstr(h, "\nBcc"));
		assert_null(strstr(h, "\rBcc"));
		assert_null(strstr(m, "\x1b"));
		/* Only the first, valid recipient is kept. */
		assert_non_null(strstr(h, "To: noc@example.lu\r\n"));
		free(h);
		free(m);
		buf_free(&subj);
		buf_free(&body);
	}
	/* A subject given straight to msg_render is sanitized there too. */
	{
		char *m = render("a@b.c", to, 1, "x\r\nBcc: victim@example.com\r\n\r\n", "b");
		char *h = check_structure(m);

		assert_non_null(strstr(h, "Subject: x  Bcc: victim@example.com\r\n"));
		free(h);
		free(m);
	}
}

/* Decodes every encoded-word of a Subject header value into out. */
static void
decode_words(const char *v, char *out, size_t outsz)
{
	size_t o = 0;

	while ((v = strstr(v, "=?UTF-8?B?")) != NULL) {
		const char *b = v + 10, *e = strstr(b, "?=");
		unsigned char dec[128];
		int n;

		assert_non_null(e);
		assert_true(e + 2 - v <= 75);	/* RFC 2047: an encoded-word is <= 75 chars */
		n = EVP_DecodeBlock(dec, (const unsigned char *)b, (int)(e - b));
		assert_true(n >= 0);
		while (n > 0 && e[-1] == '=') {	/* padding decodes to NULs */
			n--;
			e--;
		}
		assert_true(o + (size_t)n < outsz);
		memcpy(out + o, dec, (size_t)n);
		o += (size_t)n;
		v = strstr(b, "?=") + 2;
	}
	out[o] = '\0';
}

static void
non_ascii_headers_are_rfc2047_encoded_words(void **state)
{
	const char *to[] = { "noc@example.lu" };
	const char *subj = "[DOWN] Société Générale — Прокси ✓ 证书 ocsp: timeout, with a long "
	    "tail so that it needs several encoded words";
	char *m = render("a@b.c", to, 1, subj, "b");
	char *h = check_structure(m), *s = strstr(h, "Subject: "), dec[1024];

	(void)state;
	assert_non_null(s);
	for (const char *p = h; *p; p++)
		assert_true((unsigned char)*p < 0x80);	/* headers are 7-bit */
	decode_words(s, dec, sizeof(dec));
	assert_string_equal(dec, subj);
	free(h);
	free(m);
	/* Invalid UTF-8 becomes '?' before encoding. */
	m = render("a@b.c", to, 1, "caf\xc3 \xff\xfe ok", "b");
	h = check_structure(m);
	s = strstr(h, "Subject: ");
	assert_non_null(strstr(s, "Subject: caf? ?? ok\r\n"));
	free(h);
	free(m);
}

static void
body_lines_are_crlf_short_and_not_dot_stuffed(void **state)
{
	const char *to[] = { "noc@example.lu" };
	char long_line[3000], *m, *h;

	(void)state;
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	long_line[995] = '\xc3';		/* a two-byte character across the break */
	long_line[996] = '\xa9';
	m = render("a@b.c", to, 1, "s", long_line);
	h = check_structure(m);			/* checks <= 998 octets a line */
	assert_non_null(strstr(m, "\xc3\xa9"));
	free(h);
	free(m);
	/* libcurl dot-stuffs SMTP uploads itself: we must not double it. */
	m = render("a@b.c", to, 1, "s", "first\n.\n..two\r\nend");
	assert_non_null(strstr(m, "\r\n\r\nfirst\r\n.\r\n..two\r\nend\r\n"));
	free(m);
}

static void
body_says_what_happened_and_links_the_incident(void **state)
{
	struct msg_incident in = incident();
	struct msg_result last[] = {
		{ T0 - 60000, "up", "ok", 12.3, NULL },
		{ T0, "down", "signature_invalid", 3.1, "OCSP response\r\nsignature does not verify" },
	};
	struct buf b = { 0 };
	const char *s;

	(void)state;
	msg_body(&b, MSG_OPENED, &in, last, 2, "https://status.example.lu/", NULL, T0 + 60000);
	s = (const char *)b.data;
	assert_non_null(strstr(s, "LuxTrust ocsp is down: signature_invalid\n"));
	assert_non_null(strstr(s, "Provider:   LuxTrust (luxtrust)\n"));
	assert_non_null(strstr(s, "URL:        http://ocsp.example.lu/\n"));
	assert_non_null(strstr(s, "Incident:   #12\n"));
	assert_non_null(strstr(s, "First error: OCSP response signature does not verify\n"));
	assert_non_null(strstr(s, "Open for:   1m\n"));
	assert_non_null(strstr(s, "down      signature_invalid"));
	assert_non_null(strstr(s, "OCSP response  signature does not verify\n"));
	assert_non_null(strstr(s, "Incident page: https://status.example.lu/incidents/12.html\n"));
	buf_free(&b);
	in.end_ms = T0 + 3 * 3600000;
	msg_body(&b, MSG_RESOLVED, &in, NULL, 0, NULL, NULL, T0);
	s = (const char *)b.data;
	assert_non_null(strstr(s, "LuxTrust ocsp is up again after 3h.\n"));
	assert_non_null(strstr(s, "Duration:   3h\n"));
	assert_null(strstr(s, "Incident page"));
	buf_free(&b);
}

static void
body_leads_with_plain_words_then_the_incident_link(void **state)
{
	struct msg_incident in = incident();
	struct msg_result last[] = { { T0, "down", "signature_invalid", 3.1, NULL } };
	struct buf b = { 0 };
	const char *s, *plain, *link, *provider, *results;

	(void)state;
	in.plain = "Certificate status answers cannot be trusted.";
	msg_body(&b, MSG_OPENED, &in, last, 1, "https://status.example.lu", NULL, T0);
	s = (const char *)b.data;
	assert_true(strncmp(s, "LuxTrust ocsp is down: signature_invalid\n\n"
	    "Certificate status answers cannot be trusted.\n\n", 86) == 0);
	plain = strstr(s, "Certificate status");
	link = strstr(s, "Incident page: https://status.example.lu/incidents/12.html\n");
	provider = strstr(s, "Provider:");
	results = strstr(s, "Last results:");
	assert_non_null(link);
	assert_true(plain < link && link < provider && provider < results);
	buf_free(&b);
	in.end_ms = T0 + 60000;
	msg_body(&b, MSG_RESOLVED, &in, NULL, 0, NULL, NULL, T0);
	assert_non_null(strstr((char *)b.data, "\n\nWhile it lasted: Certificate status answers"));
	buf_free(&b);
}

static void
times_are_in_the_report_zone_with_utc_beside(void **state)
{
	struct msg_incident in = incident();
	struct buf b = { 0 };
	char t[96], *err = NULL;
	struct tz *lu = tz_load("Europe/Luxembourg", &err), *utc = tz_load("UTC", &err);
	struct tz *london = tz_load("Europe/London", &err);

	(void)state;
	assert_non_null(lu);
	assert_non_null(london);
	msg_time(lu, T0, t, sizeof(t));
	assert_string_equal(t, "2026-12-23 05:26:40 CET (04:26:40 UTC)");
	msg_time(lu, T0 + (19 * 3600 + 3 * 60 + 20) * 1000LL, t, sizeof(t));
	assert_string_equal(t, "2026-12-24 00:30:00 CET (2026-12-23 23:30:00 UTC)");
	msg_body(&b, MSG_OPENED, &in, NULL, 0, NULL, lu, T0);
	assert_non_null(strstr((char *)b.data, "Started:    2026-12-23 05:26:40 CET (04:26:40 UTC)\n"));
	buf_free(&b);
	msg_time(NULL, T0, t, sizeof(t));
	assert_string_equal(t, "2026-12-23 04:26:40 UTC");
	msg_time(utc, T0, t, sizeof(t));
	assert_string_equal(t, "2026-12-23 04:26:40 UTC");
	msg_time(london, T0, t, sizeof(t));		/* GMT in winter: said once, as UTC */
	assert_string_equal(t, "2026-12-23 04:26:40 UTC");
	msg_time(london, T0 - 180 * 86400000LL, t, sizeof(t));
	assert_string_equal(t, "2026-06-26 05:26:40 BST (04:26:40 UTC)");
	tz_free(lu);
	tz_free(utc);
	tz_free(london);
}

static void
reminders_and_resolutions_thread_to_the_opening_mail(void **state)
{
	const char *to[] = { "noc@example.lu" };
	char *open1 = msg_message_id(7, 12, "opened", T0, "tw <tw@example.lu>");
	char *open2 = msg_message_id(99, 12, "opened", T0 + 5000, "tw@example.lu");
	char *parent = msg_thread_id(12, "tw@example.lu");
	char *rem = msg_message_id(8, 12, "reminder-1", T0, "tw@example.lu");
	struct msg_envelope e = { "tw@example.lu", to, 1, "[STILL DOWN] x", "b\n", T0, rem,
	    parent };
	struct buf b = { 0 };
	char *h;

	(void)state;
	/* Derived from the incident alone: the same after a restart re-queued the row. */
	assert_string_equal(open1, "<incident-12-opened@example.lu>");
	assert_string_equal(open1, open2);
	assert_string_equal(open1, parent);
	msg_render(&b, &e);
	h = check_structure((char *)b.data);
	assert_non_null(strstr(h, "\r\nIn-Reply-To: <incident-12-opened@example.lu>\r\n"));
	assert_non_null(strstr(h, "\r\nReferences: <incident-12-opened@example.lu>\r\n"));
	assert_string_not_equal(rem, parent);
	free(h);
	buf_free(&b);
	free(open1);
	free(open2);
	free(parent);
	free(rem);
}

static void
a_digest_names_its_incidents_and_lists_each_with_plain_words(void **state)
{
	struct msg_incident in[7];
	struct buf b = { 0 };
	const char *s;
	static const char *const eps[7] = { "ocsp", "crl", "tsa", "login", "a", "b", "c\r\nBcc: x" };
	static const char head[] = "7 incidents opened together:\n\n"
	    "1. LuxTrust ocsp is down: signature_invalid\n";

	(void)state;
	for (int i = 0; i < 7; i++) {
		in[i] = incident();
		in[i].id = 20 + i;
		in[i].endpoint = eps[i];
		in[i].worst = i == 0 ? "down" : "degraded";
		in[i].plain = i == 1 ? "The revocation list cannot be trusted." : NULL;
	}
	msg_digest_subject(&b, in, 3);
	assert_string_equal((char *)b.data, "[DOWN] 3 incidents: LuxTrust ocsp, LuxTrust crl, LuxTrust tsa");
	buf_free(&b);
	msg_digest_subject(&b, in + 1, 6);
	assert_string_equal((char *)b.data, "[DEGRADED] 6 incidents: LuxTrust crl, LuxTrust tsa, "
	    "LuxTrust login, LuxTrust a, LuxTrust b +1 more");
	buf_free(&b);
	msg_digest_body(&b, in, 7, "https://status.example.lu/", NULL, T0 + 120000);
	s = (const char *)b.data;
	assert_true(strncmp(s, head, strlen(head)) == 0);
	assert_non_null(strstr(s, "\n2. LuxTrust crl is degraded: signature_invalid\n"
	    "   The revocation list cannot be trusted.\n"
	    "   Incident page: https://status.example.lu/incidents/21.html\n"
	    "   Incident #21, started 2026-12-23 04:26:40 UTC, open for 2m\n"
	    "   First error: OCSP response signature does not verify\n"));
	assert_non_null(strstr(s, "\n7. LuxTrust c  Bcc: x is degraded"));	/* one line */
	buf_free(&b);
}

static void
webhooks_are_signed_with_hmac_sha256_over_the_body(void **state)
{
	char sig[80];
	const char *data = "what do ya want for nothing?";

	(void)state;
	/* RFC 4231 test case 2. */
	webhook_sign("Jefe", data, strlen(data), sig, sizeof(sig));
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
a_webhook_body_is_json_with_the_words_a_chat_shows(void **state)
{
	struct msg_incident in = incident();
	char *j;

	(void)state;
	in.reasons = "timeout;connect";
	in.plain = "No time-stamps can be obtained.";
	in.message = "x\r\n\"}";
	j = webhook_body("reminder-3", &in, "[STILL DOWN] LuxTrust ocsp: timeout\r\nBcc: x",
	    "https://status.example.lu");
	assert_non_null(strstr(j, "\"event\":\"reminder\""));
	assert_non_null(strstr(j, "\"incident\":12"));
	assert_non_null(strstr(j, "\"reasons\":[\"timeout\",\"connect\"]"));
	assert_non_null(strstr(j, "\"end\":null"));
	assert_non_null(strstr(j, "\"start\":\"2026-12-23T04:26:40Z\""));
	assert_non_null(strstr(j, "\"link\":\"https://status.example.lu/incidents/12.html\""));
	/* One line per part: the summary's own line break is a space. */
	assert_non_null(strstr(j, "\"text\":\"[STILL DOWN] LuxTrust ocsp: timeout  Bcc: x\\n"
	    "No time-stamps can be obtained.\\nhttps://status.example.lu/incidents/12.html\""));
	free(j);
}

static void
message_id_is_stable_per_outbox_row(void **state)
{
	char *a = msg_message_id(7, 12, "reminder-2", T0, "tw@example.lu");
	char *b = msg_message_id(7, 12, "reminder-2", T0, "tw@example.lu");
	char *c = msg_message_id(8, 12, "reminder-3", T0, "tw@example.lu");
	char *d = msg_message_id(9, 1, "x\r\nBcc: y>", T0, "bad\r\n@x");

	(void)state;
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_equal(a, "<trustwatch.12.reminder-2.7.1798000000000@example.lu>");
	assert_string_equal(d, "<trustwatch.1.x--Bcc--y-.9.1798000000000@trustwatch.invalid>");
	free(a);
	free(b);
	free(c);
	free(d);
}

static const struct {
	const char *addr;
	int ok;
} addrs[] = {
	{ "noc@example.lu", 1 }, { "a.b+c@d-e.example", 1 }, { "", 0 }, { "no-at", 0 },
	{ "@x", 0 }, { "x@", 0 }, { "a@b@c", 0 }, { "a b@c", 0 }, { "<a@b>", 0 },
	{ "a@b\r\nRCPT TO:<x@y>", 0 }, { "a@b,c@d", 0 }, { "é@x", 0 }, { "a@b;", 0 },
};

static void
only_plain_addresses_are_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(addrs); i++)
		assert_int_equal(msg_addr_ok(addrs[i].addr), addrs[i].ok);
	assert_int_equal(msg_addr_ok(NULL), 0);
}

/* Mailboxes as operators write them: the name kept, the bare address for the envelope. */
static const struct {
	const char *in, *name, *spec;
} good_boxes[] = {
	{ "noc@example.lu", NULL, "noc@example.lu" },
	{ "  noc@example.lu ", NULL, "noc@example.lu" },
	{ "NOC <noc@example.lu>", "NOC", "noc@example.lu" },
	{ "<noc@example.lu>", NULL, "noc@example.lu" },
	{ "\"Doe, Jane (ops)\" <jane@example.lu>", "Doe, Jane (ops)", "jane@example.lu" },
	{ "\"say \\\"hi\\\"\" <a@b.c>", "say \"hi\"", "a@b.c" },
	{ "Zoë Ops <ops@example.lu>", "Zoë Ops", "ops@example.lu" },
	{ "Dr. Who <who@tardis.example>", "Dr. Who", "who@tardis.example" },
	{ "a.b+c!#$%&'*/=?^_`{|}~-@d-e.example", NULL, "a.b+c!#$%&'*/=?^_`{|}~-@d-e.example" },
};

static const struct {
	const char *in, *why;
} bad_boxes[] = {
	{ "", "empty address" },
	{ "noc", "no '@'" },
	{ "a@b@c", "more than one '@'" },
	{ "@example.lu", "empty local part" },
	{ "noc@", "empty domain" },
	{ "a..b@c", "misplaced '.'" },
	{ ".a@c", "misplaced '.'" },
	{ "a b@c", "not allowed in the local part" },
	{ "a@b_c.lu", "not allowed in the domain" },
	{ "a@-b.lu", "not allowed in the domain" },
	{ "a@b..lu", "empty label" },
	{ "a@b.lu.", "empty label" },
	{ "é@x", "non-ASCII" },
	{ "a@b\r\nRCPT TO:<x@y>", "line break" },
	{ "a@b\n", "line break" },
	{ "NOC <noc@example.lu>\r\nRCPT TO:<x@y>", "line break" },
	{ "a@b\x01", "control character" },
	{ "NOC <noc@example.lu", "without a closing '>'" },
	{ "NOC <noc@example.lu> x", "text after the closing '>'" },
	{ "Doe, Jane <jane@example.lu>", "put the name in double quotes" },
	{ "\"Doe <jane@example.lu>", "no closing '\"'" },
	{ "\"Doe\" x <jane@example.lu>", "after the closing '\"'" },
	{ "N\xff <a@b.c>", "not valid UTF-8" },
	{ "NOC <noc example.lu>", "no '@'" },
	{ "a@b,c@d", "more than one '@'" },
	{ "a@b.c,", "not allowed in the domain" },
};

static void
mailboxes_parse_with_their_display_names(void **state)
{
	char local[70];

	(void)state;
	for (size_t i = 0; i < NELEM(good_boxes); i++) {
		struct addr a;
		const char *why = NULL;

		if (addr_parse(good_boxes[i].in, &a, &why) != 0)
			fail_msg("'%s' refused: %s", good_boxes[i].in, why);
		if (good_boxes[i].name == NULL)
			assert_null(a.name);
		else
			assert_string_equal(a.name, good_boxes[i].name);
		assert_string_equal(a.spec, good_boxes[i].spec);
		addr_clear(&a);
	}
	for (size_t i = 0; i < NELEM(bad_boxes); i++) {
		struct addr a;
		const char *why = "";

		if (addr_parse(bad_boxes[i].in, &a, &why) != -1 || strstr(why, bad_boxes[i].why) == NULL)
			fail_msg("'%s': want refused with '%s', got '%s'", bad_boxes[i].in,
			    bad_boxes[i].why, why);
		assert_null(a.spec);
		assert_null(a.name);
	}
	memset(local, 'x', 65);
	strcpy(local + 65, "@b.c");
	{
		struct addr a;
		const char *why = "";

		assert_int_equal(addr_parse(local, &a, &why), -1);
		assert_non_null(strstr(why, "longer than 64"));
	}
	addr_clear(NULL);
}

static void
address_lists_split_between_mailboxes_only(void **state)
{
	const char *p = "a@b.c,\"Doe, Jane\" <j@x.y>, ,NOC <n@x.y> ,<o@x.y>";
	const char *want[] = { "a@b.c", "\"Doe, Jane\" <j@x.y>", "NOC <n@x.y>", "<o@x.y>" };
	char *item;
	size_t n = 0;

	(void)state;
	while ((item = addr_list_next(&p)) != NULL) {
		assert_true(n < NELEM(want));
		assert_string_equal(item, want[n++]);
		free(item);
	}
	assert_int_equal(n, NELEM(want));
	p = "";
	assert_null(addr_list_next(&p));
}

static void
display_names_are_kept_in_the_headers(void **state)
{
	const char *to[] = { "NOC <noc@example.lu>", "\"Doe, Jane\" <jane@example.lu>",
		"Zoë Ops <ops@example.lu>", "plain@example.lu", "\"say \\\"hi\\\"\" <hi@example.lu>",
		"=?UTF-8?B?QmNjOiB4?= <enc@example.lu>" };
	char *m = render("Trust Watch <tw@example.lu>", to, NELEM(to), "s", "b");
	char *h = check_structure(m), dec[128];
	struct buf b = { 0 };

	(void)state;
	assert_non_null(strstr(h, "From: Trust Watch <tw@example.lu>\r\n"));
	assert_non_null(strstr(h, "To: NOC <noc@example.lu>,\r\n"
	    " \"Doe, Jane\" <jane@example.lu>,\r\n"
	    " =?UTF-8?B?Wm/DqyBPcHM=?= <ops@example.lu>,\r\n"
	    " plain@example.lu,\r\n"
	    " \"say \\\"hi\\\"\" <hi@example.lu>,\r\n"
	    " \"=?UTF-8?B?QmNjOiB4?=\" <enc@example.lu>\r\n"));
	/* The Message-ID takes its domain from the bare address. */
	assert_non_null(strstr(h, "@example.lu>\r\nMIME-Version"));
	for (const char *p = h; *p; p++)
		assert_true((unsigned char)*p < 0x80);
	decode_words("=?UTF-8?B?Wm/DqyBPcHM=?=", dec, sizeof(dec));
	assert_string_equal(dec, "Zoë Ops");
	free(h);
	free(m);
	/* A from without a name is shown as trustwatch; an invalid one is replaced. */
	assert_int_equal(msg_mailbox(&b, "tw@example.lu", "trustwatch"), 0);
	assert_string_equal((char *)b.data, "trustwatch <tw@example.lu>");
	buf_free(&b);
	assert_int_equal(msg_mailbox(&b, "tw@example.lu\r\nBcc: x@y", "trustwatch"), -1);
	assert_null(b.data);
}

/* SPEC §15: a dependant's mail names its probable cause, with its page; hostile names stay one line. */
static void
mails_name_the_probable_cause(void **state)
{
	struct msg_incident in = incident(), two[2];
	struct buf b = { 0 };

	(void)state;
	in.id = 14;
	in.provider = "myguichet";
	in.provider_name = "MyGuichet";
	in.start_ms = T0 + 180000;
	in.cause_id = 12;
	in.cause_name = "LuxTrust";
	in.cause_start_ms = T0;
	msg_body(&b, MSG_OPENED, &in, NULL, 0, "https://status.example.lu/", NULL, T0 + 240000);
	assert_non_null(strstr((char *)b.data, "Probably caused by LuxTrust incident #12 "
	    "(https://status.example.lu/incidents/12.html), which started 3m earlier.\n"));
	buf_free(&b);
	in.cause_name = "Lux\r\nBcc: x@evil.example";
	two[0] = in;
	two[1] = incident();
	msg_digest_body(&b, two, 2, NULL, NULL, T0 + 240000);
	assert_non_null(strstr((char *)b.data, "   Probably caused by Lux  Bcc: x@evil.example incident #12, which started 3m earlier.\n"));
	assert_null(strstr((char *)b.data, "\nBcc:"));
	buf_free(&b);
	in.cause_id = 0;
	msg_body(&b, MSG_OPENED, &in, NULL, 0, NULL, NULL, T0 + 240000);
	assert_null(strstr((char *)b.data, "Probably caused"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subjects_read_like_a_mailbox_line),
		cmocka_unit_test(mails_name_the_probable_cause),
		cmocka_unit_test(a_message_has_every_rfc5322_header),
		cmocka_unit_test(hostile_names_and_messages_cannot_inject_a_header),
		cmocka_unit_test(non_ascii_headers_are_rfc2047_encoded_words),
		cmocka_unit_test(body_lines_are_crlf_short_and_not_dot_stuffed),
		cmocka_unit_test(body_says_what_happened_and_links_the_incident),
		cmocka_unit_test(body_leads_with_plain_words_then_the_incident_link),
		cmocka_unit_test(times_are_in_the_report_zone_with_utc_beside),
		cmocka_unit_test(reminders_and_resolutions_thread_to_the_opening_mail),
		cmocka_unit_test(a_digest_names_its_incidents_and_lists_each_with_plain_words),
		cmocka_unit_test(webhooks_are_signed_with_hmac_sha256_over_the_body),
		cmocka_unit_test(a_webhook_body_is_json_with_the_words_a_chat_shows),
		cmocka_unit_test(message_id_is_stable_per_outbox_row),
		cmocka_unit_test(only_plain_addresses_are_accepted),
		cmocka_unit_test(mailboxes_parse_with_their_display_names),
		cmocka_unit_test(address_lists_split_between_mailboxes_only),
		cmocka_unit_test(display_names_are_kept_in_the_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
