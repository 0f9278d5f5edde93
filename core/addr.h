/*
 * Email addresses as an operator writes them (RFC 5322 mailbox): "local@domain" or
 * "Display Name <local@domain>", the name as words or a "quoted string", UTF-8 allowed.
 * Pure functions, no I/O. Used by the config loader (to refuse bad addresses with a
 * reason) and by alert mail (envelope = the bare address, header = the name kept).
 */
#ifndef TW_ADDR_H
#define TW_ADDR_H

/* One parsed mailbox; addr_clear frees both strings. */
struct addr {
	char	*name;		/* display name, unquoted and unescaped; NULL = none */
	char	*spec;		/* addr-spec local@domain: dot-atom ASCII only, <= 254 octets */
};

/*
 * Parses s as one mailbox. Returns 0 and fills a (caller clears), or -1 with *why set to
 * a static sentence naming the problem (a is then empty). CR, LF and every other control
 * character are refused anywhere; so are a quoted local part, a domain literal and
 * non-ASCII in the addr-spec (no SMTPUTF8).
 */
int addr_parse(const char *s, struct addr *a, const char **why);

/* Frees a's strings and empties it; addr_clear(NULL) is a no-op. */
void addr_clear(struct addr *a);

/*
 * Returns the next mailbox of a comma-separated address list (commas inside quotes or
 * angle brackets do not split), trimmed, caller frees; *p advances past it.
 * Returns NULL at the end of the list. Empty items are skipped.
 */
char *addr_list_next(const char **p);

struct buf;
/*
 * Appends mailbox ("addr" or "Name <addr>") to the address list b, joined with ", ",
 * unless it is invalid or its addr is already there (case-insensitively).
 */
void addr_list_add(struct buf *b, const char *mailbox);

#endif
