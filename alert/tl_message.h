/*
 * The mail and webhook body of a trusted-list change (SPEC §13 "Changes"): one per list
 * issue, listing every service added, removed, changing status or supply points.
 * Pure functions, no I/O; text sanitized as alert/message.c does.
 */
#ifndef TW_TL_MESSAGE_H
#define TW_TL_MESSAGE_H

#include <stdint.h>

#include <jansson.h>

#include "../core/util.h"

struct tz;

/* One list issue's changes. Strings may be NULL (shown as "-"). */
struct msg_tl_change {
	const char	*provider;	/* provider id of the tl endpoint */
	const char	*provider_name;	/* display name (NULL = id) */
	const char	*endpoint;
	const char	*url;
	const char	*territory;
	int64_t		 sequence;	/* TSLSequenceNumber, < 0 unknown */
	int64_t		 time_ms;	/* when the new issue was seen */
	const json_t	*events;	/* the result's DETAIL_EVENTS list */
};

/* "[TRUSTED LIST] ILNAS tl (LU) #66: 2 changes: BE INVEST TIMESTAMP UNIT Q 1 withdrawn, …" */
void msg_tl_subject(struct buf *out, const struct msg_tl_change *);
/* The plain-text body: one line per event, then the changes page link. */
void msg_tl_body(struct buf *out, const struct msg_tl_change *, const char *base_url,
    const struct tz *z);
/* The webhook's JSON (caller frees): {"event": "trusted_list_changed", …, "changes": [...]}. */
char *msg_tl_webhook(const struct msg_tl_change *, const char *summary, const char *base_url);

#endif
