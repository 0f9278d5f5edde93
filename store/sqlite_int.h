/*
 * Internal to the SQLite backend (store/sqlite*.c, the only files that include sqlite3.h).
 */
#ifndef TW_SQLITE_INT_H
#define TW_SQLITE_INT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "backend.h"

struct store_be {
	sqlite3		*db;
	char		*err;
	sqlite3_stmt	*ins_result;
	sqlite3_stmt	*upd_endpoint;
	sqlite3_stmt	*sel_endpoint;
	sqlite3_stmt	*ins_endpoint;
	sqlite3_stmt	*sel_state;
	sqlite3_stmt	*upd_state;
	sqlite3_stmt	*ins_incident;
	sqlite3_stmt	*upd_incident;
	sqlite3_stmt	*rollup_sel[2];		/* [daily] */
	sqlite3_stmt	*rollup_put[2];
	sqlite3_stmt	*copy_key;		/* holds copy_last_key's values */
	sqlite3_stmt	*log_stmt[3];		/* sqlite_log.c's, prepared on first use */
	char		*path;			/* the file opened, NULL for :memory: */
	dev_t		 dev;			/* its identity at open (file_check) */
	ino_t		 ino;
};

void sq_set_err(struct store_be *, const char *what);
int sq_exec(struct store_be *, const char *sql);

/* Read face (sqlite_read.c), outbox (sqlite_outbox.c), raw copy (sqlite_copy.c). */
int sq_each_result(struct store_be *, int64_t, int64_t, const char *,
    int (*)(const struct store_row *, void *), void *);
int64_t sq_count_results(struct store_be *);
int sq_count_by_day(struct store_be *, int64_t, size_t, int64_t *);
int sq_count_by_endpoint(struct store_be *, int64_t, int64_t,
    int (*)(const char *, const char *, int64_t, void *), void *);
int sq_integrity_check(struct store_be *);
int sq_each_incident(struct store_be *, const char *, int64_t, int64_t,
    int (*)(const struct store_incident *, void *), void *);
int sq_add_note(struct store_be *, int64_t, int64_t, const char *);
int sq_each_note(struct store_be *, int64_t, int (*)(const struct store_note *, void *), void *);
int sq_each_endpoint(struct store_be *, const char *,
    int (*)(const struct store_endpoint_state *, void *), void *);
int64_t sq_prune(struct store_be *, int64_t, int64_t);
char *sq_kind_memory(struct store_be *, const char *, const char *);
int sq_each_rollup(struct store_be *, bool, const char *, const char *, int64_t, int64_t,
    const char *, const char *, int (*)(const struct be_rollup *, void *), void *);
int sq_rollup_add(struct store_be *, const struct be_rollup *, size_t);
int sq_each_mail_state(struct store_be *, int64_t, int (*)(const struct be_mail_state *, void *),
    void *);
int sq_outbox_insert(struct store_be *, int64_t, const char *, const char *, const char *,
    const char *, int64_t);
int sq_mail_mark(struct store_be *, int64_t, enum be_mail_mark, int, int64_t);
int sq_outbox_insert_keyed(struct store_be *, const char *, const char *, const char *,
    const char *, int64_t);
int sq_outbox_find_keyed(struct store_be *, const char *, char **);
int sq_each_mail_due(struct store_be *, int64_t, int (*)(const struct store_mail *, void *),
    void *);
int sq_mail_sent(struct store_be *, int64_t, int64_t);
int sq_mail_failed(struct store_be *, int64_t, const char *, int64_t, bool);
int sq_outbox_stats(struct store_be *, bool, struct store_outbox_stats *);
int sq_node_beat(struct store_be *, const char *, const char *, int64_t, bool, bool, int64_t);
int sq_each_node(struct store_be *, int (*)(const struct store_node *, void *), void *);
int sq_try_leader(struct store_be *);
int sq_each_node_latest(struct store_be *, const char *, int64_t,
    int (*)(const struct store_node_result *, void *), void *);
int sq_copy_each(struct store_be *, int, const struct be_value *,
    int (*)(const struct be_value *, void *), void *);
int sq_copy_last_key(struct store_be *, int, struct be_value *);
int sq_copy_put(struct store_be *, int, const struct be_value *, size_t);
int64_t sq_copy_count(struct store_be *, int);
/* sqlite_log.c */
int sq_log_edge(struct store_be *, const char *, unsigned char *, size_t *);
int sq_log_append(struct store_be *, const char *, int64_t, const char *const *, size_t,
    const unsigned char *, size_t);
int sq_each_log(struct store_be *, int (*)(const struct store_log *, void *), void *);
int sq_conformance_add(struct store_be *, const struct be_conformance *, size_t);
int sq_each_conformance(struct store_be *, const char *,
    int (*)(const struct be_conformance *, void *), void *);
int sq_each_log_entry(struct store_be *, const char *, int64_t, int64_t,
    int (*)(int64_t, const char *, size_t, void *), void *);
int sq_checkpoint_add(struct store_be *, const char *, int64_t, int64_t, const char *);
int sq_checkpoint_set_note(struct store_be *, const char *, int64_t, const char *);
int sq_each_checkpoint(struct store_be *, const char *,
    int (*)(const struct store_checkpoint *, void *), void *);
int sq_log_token_add(struct store_be *, const char *, int64_t, const char *,
    const unsigned char *, size_t);
int sq_each_log_token(struct store_be *, const char *,
    int (*)(const struct store_log_token *, void *), void *);
int sq_copy_finish(struct store_be *);

#endif
