/* logfmt lines on stderr; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define LOG_Q_SLOTS	8
#define LOG_Q_SIZE	1100
#define LOG_LINE_MAX	8192

static enum log_level log_min = LOG_INFO;
static const char *const log_names[LOG__MAX] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level l)
{
	if (l >= LOG_DEBUG && l < LOG__MAX)
		log_min = l;
}

int
log_level_from_name(const char *s)
{
	for (int i = 0; s != NULL && i < LOG__MAX; i++)
		if (strcmp(s, log_names[i]) == 0)
			return i;
	if (s != NULL && strcmp(s, "warning") == 0)
		return LOG_WARN;
	return -1;
}

int
log_enabled(enum log_level l)
{
	return l >= log_min;
}

/* Appends s to out (size cap) escaped for the inside of a quoted value; returns new length. */
static size_t
escape_into(char *out, size_t len, size_t cap, const char *s, int quoted)
{
	for (; *s != '\0' && len + 5 < cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\n')
			len += (size_t)snprintf(out + len, cap - len, "\\n");
		else if (ch == '\r')
			len += (size_t)snprintf(out + len, cap - len, "\\r");
		else if (ch == '\t')
			len += (size_t)snprintf(out + len, cap - len, "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			len += (size_t)snprintf(out + len, cap - len, "\\x%02x", ch);
		else if (quoted && (ch == '"' || ch == '\\'))
			len += (size_t)snprintf(out + len, cap - len, "\\%c", ch);
		else
			out[len++] = (char)ch;
	}
	out[len] = '\0';
	return len;
}

const char *
log_q(const char *s)
{
	static _Thread_local char ring[LOG_Q_SLOTS][LOG_Q_SIZE];
	static _Thread_local unsigned next;
	char *out = ring[next++ % LOG_Q_SLOTS];
	size_t len;
	int plain = 1;

	if (s == NULL)
		return "-";
	if (*s == '\0')
		return "\"\"";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' ||
		    (unsigned char)*p == 0x7f)
			plain = 0;
	out[0] = '"';
	len = escape_into(out, plain ? 0 : 1, LOG_Q_SIZE - 2, s, !plain);
	if (!plain) {
		out[len++] = '"';
		out[len] = '\0';
	}
	return out;
}

void
log_at(enum log_level level, const char *msg, const char *fields, ...)
{
	char ts[40], line[LOG_LINE_MAX], tmp[LOG_LINE_MAX];
	size_t len;
	va_list ap;

	if (!log_enabled(level))
		return;
	rfc3339_format(now_ms(), ts, sizeof(ts));
	len = (size_t)snprintf(line, sizeof(line), "ts=%s level=%s msg=\"", ts,
	    log_names[level < LOG__MAX ? level : LOG_ERROR]);
	len = escape_into(line, len, sizeof(line) - 2, msg != NULL ? msg : "", 1);
	line[len++] = '"';
	line[len] = '\0';
	if (fields != NULL && *fields != '\0') {
		va_start(ap, fields);
		vsnprintf(tmp, sizeof(tmp), fields, ap);
		va_end(ap);
		if (tmp[0] != '\0') {
			line[len++] = ' ';
			len = escape_into(line, len, sizeof(line) - 2, tmp, 0);
		}
	}
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	fflush(stderr);
}
