/* The node's verifiable record in the daemon (SPEC §12): see run_record.c. */
#ifndef TW_RUN_RECORD_H
#define TW_RUN_RECORD_H

#include <stdbool.h>

#include <stdint.h>

struct conf;
struct run;
struct store;
struct tlog_signer;
struct run_cosign;

/* Has st log every stored result when c has a record section (the export line writer). */
int run_record_attach(struct store *st, const struct conf *c);
/* After the store and the engine are up: loads the key, keeps its vkey, arms the timer. */
int run_record_start(struct run *);
/* Signs (and with stamp time-stamps) a checkpoint when the node's log grew; 0 or -1. */
int run_record_checkpoint(struct run *, bool stamp);
/* At stop, after the last results are stored: a last checkpoint, unstamped. */
void run_record_stop(struct run *);

/* run_cosign.c: co-signs the other nodes' newest checkpoints (C2SP tlog-cosignature). */
struct run_cosign *run_cosign_new(const struct tlog_signer *node_key, const char *self);
void run_cosign_free(struct run_cosign *);
void run_cosign(struct run_cosign *, struct store *, int64_t now_s);

#endif
