/* Where a store lives: a SQLite path, or a PostgreSQL URI; and how to show either safely. */
#ifndef TW_STOREURL_H
#define TW_STOREURL_H

#include <stdbool.h>

/* Is where a PostgreSQL URI (postgresql:// or postgres://, as libpq spells them)? */
bool store_url_is(const char *where);

/*
 * Returns a copy of s (caller frees; NULL for NULL) in which every password is replaced
 * by "***": the password of each postgresql:// or postgres:// URI's user info
 * (postgresql://user:secret@host) and the value of each password= parameter (a URI query
 * or a libpq key=value string). Everything else is kept, so it can wrap any message that
 * may quote a connection string. Logs and errors show a store's location only through it.
 */
char *store_url_redacted(const char *s);

#endif
