/* Internal to the tl kind: shared by tl.c, tl_eval.c and tl_list.c. */
#ifndef TW_PROBE_TL_INT_H
#define TW_PROBE_TL_INT_H

#include <jansson.h>
#include <libxml/tree.h>
#include <openssl/x509.h>

#include "../core/result.h"

/* Children and text of TSL-namespace elements; strings returned are caller-freed. */
xmlNode *tl_child(const xmlNode *, const char *name);
xmlNode *tl_path(const xmlNode *, const char *path);
char *tl_text(const xmlNode *);
char *tl_name(const xmlNode *names);
/* A certificate from base64 DER (caller frees), or NULL. */
X509 *tl_cert_b64(const char *b64);

/*
 * The list as remembered (caller frees): {"seq", "services": [{"tsp", "name", "type",
 * "status", "sp": [...]}]} and, for a LOTL, "pointers": [{"territory", "location",
 * "certs": [base64 DER, ...]}] (XML lists only).
 */
json_t *tl_snapshot(const xmlNode *root, int64_t seq, bool lotl);
/* The certificates a LOTL snapshot's pointer gives territory (caller frees), or NULL. */
STACK_OF(X509) *tl_pointer_signers(const char *lotl_memory, const char *territory);
/* Appends to r's details the events between the snapshots prev and cur. */
void tl_events(struct result *r, const json_t *prev, const json_t *cur);

/* Detail writers (tl.c holds the field definitions). */
void tl_details_basic(struct result *r, int64_t seq, int64_t issued, int64_t next,
    const char *territory, const xmlNode *root);
void tl_details_signer(struct result *r, X509 *signer);
void tl_details_findings(struct result *r, json_t *findings);
void tl_details_services(struct result *r, const json_t *snap);
void tl_details_events(struct result *r, json_t *events);

#endif
