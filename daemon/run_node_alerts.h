/* Operator alerts for vantage nodes: silent, heard again (run_node_alerts.c). */
#ifndef TW_RUN_NODE_ALERTS_H
#define TW_RUN_NODE_ALERTS_H

#include <stdbool.h>
#include <stdint.h>

struct run;

/*
 * The silence of node id that was alerted and not followed by its heard-again alert: its
 * key's L (the node's last heartbeat when it fell silent), 0 when none, -1 on a store error.
 */
int64_t run_node_alert_pending(struct run *R, const char *id);
/*
 * Queues the operator alert "node id silent" (silent) or "heard again" for the silence
 * since_ms, as a mail to alerts.to and a POST per alerts.webhooks entry, unless its key was
 * queued before. Returns 1 queued, 0 already there or no alerts configured, -1 on error.
 */
int run_node_alert(struct run *R, bool silent, const char *id, const char *location,
    int64_t since_ms, int64_t last_seen_ms, int64_t now);

#endif
