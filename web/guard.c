/*
 * The request guard: a byte-at-a-time check of the raw request stream (SPEC §9) that runs
 * before evhttp parses anything, because evhttp 2.1 accepts what the rules refuse
 * (repeated Content-Length, folded lines, "Host : x", NUL in headers) and a request it
 * reads differently from a proxy in front of it is a smuggled request.
 * It follows request boundaries (request line, header lines, Content-Length body) across
 * pipelined requests and reads; it keeps a few bytes of state, never a copy of the input.
 */
#include <string.h>

#include "web_int.h"

enum {
	G_REQLINE,	/* in the request line */
	G_LINE_START,	/* at the first byte of a header line (or of the empty line) */
	G_NAME,		/* in a field name */
	G_VALUE,	/* in a field value */
	G_CR,		/* after a CR: only LF may follow */
	G_BODY,		/* skipping a Content-Length body */
};

/* RFC 9110 tchar: the bytes of a field name (and a method). */
static bool
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* A field value byte: HTAB, SP, VCHAR or obs-text. */
static bool
is_vbyte(unsigned char ch)
{
	return ch == '\t' || (ch >= ' ' && ch != 0x7f);
}

static void
new_request(struct web_guard *g)
{
	unsigned long requests = g->requests;

	memset(g, 0, sizeof(*g));
	g->requests = requests;
	g->state = G_REQLINE;
}

static bool
fail(struct web_guard *g, const char *why)
{
	g->bad = why;
	return false;
}

/* The end of a line (its CR, if any, already taken). */
static bool
end_of_line(struct web_guard *g)
{
	switch (g->state) {
	case G_REQLINE:
		if (g->tok_len == 0 && g->spaces == 0) {
			g->line_len = 0;	/* an empty line before a request: evhttp's to judge */
			return true;
		}
		g->tok[g->tok_len] = '\0';
		g->http11 = strcmp(g->tok, "HTTP/1.1") == 0;
		/* evhttp versions differ on which other methods' bodies they read */
		g->no_body = strcmp(g->method, "POST") != 0 && strcmp(g->method, "PUT") != 0 &&
		    strcmp(g->method, "PATCH") != 0;
		g->requests++;
		break;
	case G_LINE_START:		/* the empty line: the headers are complete */
		if (g->http11 && !g->host)
			return fail(g, "HTTP/1.1 request without Host");
		if (g->cl_len > 0 && g->no_body)
			return fail(g, "a request body on a method other than POST, PUT, PATCH");
		if (g->have_cl && g->cl_len > 0) {
			unsigned long long body = g->cl_len;

			new_request(g);
			g->body_left = body;
			g->state = G_BODY;
		} else {
			new_request(g);
		}
		return true;
	case G_VALUE:
		if (g->is_cl && !g->cl_digits)
			return fail(g, "Content-Length is not a number");
		break;
	default:
		return fail(g, "malformed header line");
	}
	g->state = G_LINE_START;
	g->line_len = 0;
	return true;
}

/* One header name has ended at ':'; the rules on which fields may appear and how often. */
static bool
end_of_name(struct web_guard *g)
{
	if (g->tok_len == 0)
		return fail(g, "empty header name");
	if (g->tok_len >= sizeof(g->tok) - 1)
		return true;		/* longer than any name we look at */
	g->tok[g->tok_len] = '\0';
	if (strcasecmp(g->tok, "Transfer-Encoding") == 0)
		return fail(g, "Transfer-Encoding (request bodies need Content-Length)");
	if (strcasecmp(g->tok, "Content-Length") == 0) {
		if (g->have_cl)
			return fail(g, "repeated Content-Length");
		g->have_cl = g->is_cl = true;
	} else if (strcasecmp(g->tok, "Host") == 0) {
		if (g->host)
			return fail(g, "repeated Host");
		g->host = true;
	}
	return true;
}

/* A Content-Length value byte (after the OWS and CR/LF checks). */
static bool
cl_byte(struct web_guard *g, unsigned char ch)
{
	if (ch == ' ' || ch == '\t') {
		if (g->cl_digits)
			g->cl_done = true;
		return true;
	}
	if (ch < '0' || ch > '9' || g->cl_done || g->cl_len > 1000000000000ULL)
		return fail(g, "Content-Length is not a number");
	g->cl_len = g->cl_len * 10 + (unsigned)(ch - '0');
	g->cl_digits = true;
	return true;
}

static bool
step(struct web_guard *g, unsigned char ch)
{
	if (g->state == G_CR) {
		if (ch != '\n')
			return fail(g, "CR not followed by LF");
		g->state = g->before_cr;
		return end_of_line(g);
	}
	if (ch == '\n')
		return end_of_line(g);		/* a bare LF ends a line, as evhttp reads it */
	g->line_len++;
	if (ch == '\r') {
		g->before_cr = g->state;
		g->state = G_CR;
		return true;
	}
	switch (g->state) {
	case G_REQLINE:
		if (ch < ' ' || ch == 0x7f)
			return fail(g, "control byte in the request line");
		if (ch == ' ') {
			if (g->spaces++ == 0) {
				g->tok[g->tok_len < sizeof(g->tok) ? g->tok_len : sizeof(g->tok) - 1] = '\0';
				memcpy(g->method, g->tok, sizeof(g->method) - 1);
			}
			g->tok_len = 0;
		} else if (g->tok_len < sizeof(g->tok) - 1) {
			g->tok[g->tok_len++] = (char)ch;
		}
		return true;
	case G_LINE_START:
		if (ch == ' ' || ch == '\t')
			return fail(g, "obsolete line folding");
		g->state = G_NAME;
		g->tok_len = 0;
		g->is_cl = false;
		/* FALLTHROUGH */
	case G_NAME:
		if (ch == ':') {
			g->state = G_VALUE;
			return end_of_name(g);
		}
		if (!is_tchar(ch))
			return fail(g, ch < ' ' || ch == 0x7f ? "control byte in a header name" :
			    "invalid byte in a header name");
		if (g->tok_len < sizeof(g->tok) - 1)
			g->tok[g->tok_len++] = (char)ch;
		return true;
	case G_VALUE:
		if (!is_vbyte(ch))
			return fail(g, "control byte in a header value");
		return g->is_cl ? cl_byte(g, ch) : true;
	}
	return fail(g, "internal state");
}

void
web_guard_init(struct web_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->state = G_REQLINE;
}

size_t
web_guard_feed(struct web_guard *g, const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (g->bad != NULL)
		return 0;
	while (i < n) {
		if (g->state == G_BODY) {
			size_t skip = n - i < g->body_left ? n - i : (size_t)g->body_left;

			i += skip;
			g->body_left -= skip;
			if (g->body_left == 0)
				new_request(g);
			continue;
		}
		size_t back = g->line_len;

		if (!step(g, p[i])) {
			g->bad_back = back;
			return i;
		}
		i++;
	}
	return n;
}
