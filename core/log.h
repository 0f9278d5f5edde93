/*
 * Logging: one logfmt line per event on stderr,
 *   ts=2026-12-17T08:00:00.123Z level=info msg="probe" provider=p1 endpoint=ocsp status=down
 * The fields after msg are printf-formatted by the caller ("key=value key=value").
 * A value that may hold spaces, quotes or control characters (anything from a config, a
 * server or the operator) must go through log_q, which quotes and escapes it.
 * Whatever the caller passes, a log call writes exactly one line: control characters left
 * in the formatted fields are escaped.
 * Not thread-safe (the daemon is single-threaded).
 */
#ifndef TW_LOG_H
#define TW_LOG_H

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
	LOG__MAX
};

/* Sets the lowest level written (default info). */
void log_set_level(enum log_level);

/* Parses "debug", "info", "warn", "error"; returns the level or -1. */
int log_level_from_name(const char *);

/* Returns 1 when a message at level would be written. */
int log_enabled(enum log_level);

/*
 * Writes one line at level with msg (quoted by this function) and the formatted fields
 * (may be NULL or "").
 */
void log_at(enum log_level, const char *msg, const char *fields, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(msg, ...)	log_at(LOG_DEBUG, (msg), __VA_ARGS__)
#define log_info(msg, ...)	log_at(LOG_INFO, (msg), __VA_ARGS__)
#define log_warn(msg, ...)	log_at(LOG_WARN, (msg), __VA_ARGS__)
#define log_error(msg, ...)	log_at(LOG_ERROR, (msg), __VA_ARGS__)

/*
 * Returns s as a logfmt value: unchanged when it is a plain token, else double-quoted
 * with \" \\ \n \r \t and \xNN escapes; NULL gives "-".
 * The result is borrowed from a ring of 8 static buffers (so up to 8 per log call) and
 * truncated to about 1 KiB.
 */
const char *log_q(const char *s);

#endif
