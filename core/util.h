/* Small helpers: allocation that cannot fail silently, buffers, time. */
#ifndef TW_UTIL_H
#define TW_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FREE_NULL(p) do { free(p); (p) = NULL; } while (0)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Abort with a message on allocation failure; never return NULL. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);		/* xstrdup(NULL) == NULL */
char *xstrndup(const char *, size_t);	/* at most n bytes of s, NUL-terminated */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated after its len bytes. */
struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};
void buf_append(struct buf *, const void *, size_t);
void buf_printf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *);

/* Wall clock, Unix epoch milliseconds. */
int64_t now_ms(void);
/* Monotonic clock, milliseconds. */
int64_t mono_ms(void);

/*
 * Parses a duration: 500ms, 10s, 5m, 1h, 7d, or a compound such as 1h30m.
 * Returns 0 and sets *ms, or -1.
 */
int duration_parse(const char *s, int64_t *ms);
/* Writes a duration compactly ("1h30m", "500ms") into out (>= 32 bytes). */
void duration_format(int64_t ms, char *out, size_t outsz);

/*
 * Parses an RFC 3339 time (2026-12-01T01:00:00Z, fractions and offsets allowed).
 * Returns 0 and sets *ms (epoch ms), or -1.
 */
int rfc3339_parse(const char *s, int64_t *ms);
/* Formats epoch ms as RFC 3339 UTC with milliseconds ("2026-12-17T08:00:00.123Z"). */
void rfc3339_format(int64_t ms, char *out, size_t outsz);
/* Same, to whole seconds ("2026-12-17T08:00:00Z"). */
void rfc3339_format_s(int64_t ms, char *out, size_t outsz);

/*
 * Writes v with decimals (0..) digits after the point, exactly as snprintf "%.*f" does
 * (rounding half to even on the binary value), into out; returns the length written.
 * Without printf for 0 <= v < 1e12 and decimals <= 3 (out >= 32 bytes).
 */
size_t fixed_format(double v, int decimals, char *out, size_t outsz);

/* errno of file_open_regular and file_read for a path that is not a regular file. */
#define FILE_ENOTREG	EINVAL
/*
 * Opens path read-only without ever blocking (a FIFO or a device is refused, not waited on).
 * Returns the descriptor (caller closes), or -1 with errno (FILE_ENOTREG: not a regular file).
 */
int file_open_regular(const char *path);
/* The text for a file_* errno: FILE_ENOTREG says "not a regular file …", else strerror. */
const char *file_strerror(int e);
/* An OpenSSL BIO reading the regular file path (caller frees), or NULL with errno. */
struct bio_st;
struct bio_st *file_bio(const char *path);
/*
 * Reads a whole regular file (at most max bytes) into a malloc'd buffer, never blocking on
 * a FIFO or device; returns 0 or -1 with errno (EFBIG when larger than max, FILE_ENOTREG).
 */
int file_read(const char *path, size_t max, unsigned char **data, size_t *len);

/* Folds data[0..len) into the 64-bit FNV-1a hash *h (start from FNV1A_INIT). */
#define FNV1A_INIT	0xcbf29ce484222325ULL
void	fnv1a(uint64_t *h, const void *data, size_t len);

#endif
