/*
 * Atom 1.0 (RFC 4287) feed of incidents, one entry per incident.
 * Every text is plain and untrusted allowed; it is escaped through html.c.
 */
#ifndef TW_FEED_H
#define TW_FEED_H

#include <stdint.h>

#include "../core/util.h"

struct feed_entry {
	int64_t		 id;		/* incident id */
	const char	*title;		/* plain text */
	const char	*content;	/* plain text, may span lines */
	int64_t		 published_ms;	/* incident start */
	int64_t		 updated_ms;	/* last change: start, end or latest note */
	const char	*urn;		/* id without base_url; NULL: urn:trustwatch:incident:ID */
};

/*
 * Appends the feed head. base_url (NULL = none) makes ids and links absolute;
 * without it ids are urn:trustwatch:… and links relative to the feed.
 */
void feed_begin(struct buf *, const char *title, const char *base_url, int64_t updated_ms);
/* Appends one entry; link is the incident page relative to the site root. */
void feed_add(struct buf *, const char *base_url, const struct feed_entry *, const char *link);
void feed_end(struct buf *);

#endif
