/* Internal to the config loader: shared by config.c, config_sections.c, config_endpoint.c. */
#ifndef TW_CONFIG_INT_H
#define TW_CONFIG_INT_H

#include <stdint.h>
#include <stdio.h>

#include <openssl/x509.h>
#include <yaml.h>

#include "config.h"

/*
 * A node of the composed configuration (config_yaml.c): 16 bytes. type is libyaml's
 * YAML_SCALAR_NODE, YAML_SEQUENCE_NODE or YAML_MAPPING_NODE; line and column are 0-based
 * (a column past CL_COLUMN_MAX shows as CL_COLUMN_MAX).
 */
#define CL_COLUMN_MAX	0xffffffu
typedef struct cl_node {
	uint32_t	 line;
	uint32_t	 column : 24, type : 8;
	union {
		const char *value;	/* scalar, NUL-terminated, interned; cl_scalar_len */
		struct {
			uint32_t first;	/* index of the first child's id in kids */
			uint32_t n;	/* sequence: items; mapping: 2 per pair */
		} kids;
	};
} cl_node_t;

#define CL_NODE_BLOCK	4096		/* nodes per block: 64 KiB */

struct cl_block {			/* the scalars' storage */
	struct cl_block	*next;
	size_t		 used, size;
	char		 data[];
};

struct cl_doc {
	cl_node_t      **node_blocks;	/* node id i is block (i-1)/CL_NODE_BLOCK; root is 1 */
	size_t		 n_nodes, cap_blocks;
	uint32_t	*kids;		/* children's node ids, each collection's contiguous */
	size_t		 n_kids, cap_kids;
	struct cl_block	*blocks;
	const char     **strs;		/* the intern table while composing */
	size_t		 n_strs, cap_strs;
};

struct loader {
	const char		*file;
	const char		*dir;
	struct cl_doc		 doc;
	struct conf_errors	*errs;
	struct conf		*c;
	char			 key[128];	/* the key being loaded, for messages */
	cl_node_t		*have_storage;
	cl_node_t		*maintenance;	/* loaded after providers */
	cl_node_t		*providers;
	cl_node_t		*record;	/* loaded after providers */
	cl_node_t		*report_output;	/* report.output's value, when given */
	/* Certificate files already parsed in this load: each file is parsed once. */
	struct cert_file {
		char		*path;
		STACK_OF(X509)	*certs;		/* NULL when the file failed (already reported) */
	}			*certs;
	size_t			 n_certs;
};

void cl_err(struct loader *, const cl_node_t *, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
cl_node_t *cl_node(struct loader *, int id);	/* NULL when out of range */
cl_node_t *cl_root(struct loader *);		/* NULL when the file has no document */
size_t cl_count(const cl_node_t *);		/* items of a sequence, pairs of a mapping */
cl_node_t *cl_item(struct loader *, const cl_node_t *seq, size_t i);
cl_node_t *cl_pair_key(struct loader *, const cl_node_t *map, size_t i);
cl_node_t *cl_pair_value(struct loader *, const cl_node_t *map, size_t i);
const char *cl_scalar(struct loader *, cl_node_t *, const char *what);
void cl_each(struct loader *, cl_node_t *, const char *section,
    void (*fn)(struct loader *, const char *, cl_node_t *, cl_node_t *, void *), void *arg);
void cl_unknown(struct loader *, cl_node_t *k, const char *key, const char *section,
    const char *expected);
int cl_str(struct loader *, cl_node_t *, char **out);
int cl_int(struct loader *, cl_node_t *, long min, long max, int *out);
int cl_bool(struct loader *, cl_node_t *, bool *out);
int cl_duration(struct loader *, cl_node_t *, int64_t *out);
int cl_positive_duration(struct loader *, cl_node_t *, int64_t *out);
int cl_time(struct loader *, cl_node_t *, int64_t *out);
int cl_strlist(struct loader *, cl_node_t *, char ***out, size_t *n);
int cl_addrs(struct loader *, cl_node_t *, char ***out, size_t *n);	/* RFC 5322 mailboxes */
int cl_url(struct loader *, cl_node_t *, const char *const *schemes, char **out);
int cl_id(struct loader *, cl_node_t *, char **out);
char *cl_path(struct loader *, const char *p);	/* caller frees */

/*
 * Composes the first document read from f (at most max bytes) into L->doc, recording an
 * error at each explicit tag (and going on), at a read or syntax error and at nesting
 * deeper than 64 levels. Returns -1 after a read or syntax error or too deep a nesting
 * (L->doc is then empty), else 0. cl_doc_free frees the tree.
 */
int cl_compose(struct loader *, FILE *f, size_t max);
size_t cl_scalar_len(const char *value);	/* bytes, a NUL inside included */
void cl_doc_free(struct loader *);
int cl_min_duration(struct loader *, cl_node_t *, int64_t min_ms, int64_t *out);

void cl_section_storage(struct loader *, cl_node_t *);
void cl_section_defaults(struct loader *, cl_node_t *);
void cl_section_incidents(struct loader *, cl_node_t *);
void cl_section_alerts(struct loader *, cl_node_t *);
void cl_section_report(struct loader *, cl_node_t *);
void cl_section_web(struct loader *, cl_node_t *);
void cl_section_maintenance(struct loader *, cl_node_t *);
void cl_section_providers(struct loader *, cl_node_t *);
void cl_section_node(struct loader *, cl_node_t *);		/* config_node.c */
void cl_quorum(struct loader *, cl_node_t *);
void cl_node_finish(struct loader *);	/* defaults; hands source_address to every endpoint */
void cl_node_free(struct conf *);
void cl_section_record(struct loader *, cl_node_t *);	/* config_record.c */
void cl_record_free(struct conf *);

void conf_endpoint_clear(struct conf_endpoint *);
/* config_deps.c: depends_on and alternatives (SPEC §15). */
int cl_deps_key(struct loader *, const char *key, cl_node_t *v, struct conf_provider *);
void cl_deps_check(struct loader *);	/* unknown ids, self, cycles; after every provider */
void cl_deps_free(struct conf_provider *);
void cl_certs_free(struct loader *);

#endif
