/* Internal to the config loader: shared by config.c, config_sections.c, config_endpoint.c. */
#ifndef TW_CONFIG_INT_H
#define TW_CONFIG_INT_H

#include <openssl/x509.h>
#include <yaml.h>

#include "config.h"

struct loader {
	const char		*file;
	const char		*dir;
	yaml_document_t		*doc;
	struct conf_errors	*errs;
	struct conf		*c;
	char			 key[128];	/* the key being loaded, for messages */
	yaml_node_t		*have_storage;
	yaml_node_t		*maintenance;	/* loaded after providers */
	yaml_node_t		*providers;
	yaml_node_t		*record;	/* loaded after providers */
	yaml_node_t		*report_output;	/* report.output's value, when given */
	/* Certificate files already parsed in this load: each file is parsed once. */
	struct cert_file {
		char		*path;
		STACK_OF(X509)	*certs;		/* NULL when the file failed (already reported) */
	}			*certs;
	size_t			 n_certs;
};

void cl_err(struct loader *, const yaml_node_t *, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
yaml_node_t *cl_node(struct loader *, int id);
const char *cl_scalar(struct loader *, yaml_node_t *, const char *what);
void cl_each(struct loader *, yaml_node_t *, const char *section,
    void (*fn)(struct loader *, const char *, yaml_node_t *, yaml_node_t *, void *), void *arg);
void cl_unknown(struct loader *, yaml_node_t *k, const char *key, const char *section,
    const char *expected);
int cl_str(struct loader *, yaml_node_t *, char **out);
int cl_int(struct loader *, yaml_node_t *, long min, long max, int *out);
int cl_bool(struct loader *, yaml_node_t *, bool *out);
int cl_duration(struct loader *, yaml_node_t *, int64_t *out);
int cl_positive_duration(struct loader *, yaml_node_t *, int64_t *out);
int cl_time(struct loader *, yaml_node_t *, int64_t *out);
int cl_strlist(struct loader *, yaml_node_t *, char ***out, size_t *n);
int cl_addrs(struct loader *, yaml_node_t *, char ***out, size_t *n);	/* RFC 5322 mailboxes */
int cl_url(struct loader *, yaml_node_t *, const char *const *schemes, char **out);
int cl_id(struct loader *, yaml_node_t *, char **out);
char *cl_path(struct loader *, const char *p);	/* caller frees */

/*
 * Records an error at each explicit tag and at nesting deeper than 64 levels.
 * Returns -1 when the document is too deep to compose, else 0.
 */
int cl_prescan(struct loader *, const unsigned char *text, size_t len);
int cl_min_duration(struct loader *, yaml_node_t *, int64_t min_ms, int64_t *out);

void cl_section_storage(struct loader *, yaml_node_t *);
void cl_section_defaults(struct loader *, yaml_node_t *);
void cl_section_incidents(struct loader *, yaml_node_t *);
void cl_section_alerts(struct loader *, yaml_node_t *);
void cl_section_report(struct loader *, yaml_node_t *);
void cl_section_web(struct loader *, yaml_node_t *);
void cl_section_maintenance(struct loader *, yaml_node_t *);
void cl_section_providers(struct loader *, yaml_node_t *);
void cl_section_node(struct loader *, yaml_node_t *);		/* config_node.c */
void cl_quorum(struct loader *, yaml_node_t *);
void cl_node_finish(struct loader *);	/* defaults; hands source_address to every endpoint */
void cl_node_free(struct conf *);
void cl_section_record(struct loader *, yaml_node_t *);	/* config_record.c */
void cl_record_free(struct conf *);

void conf_endpoint_clear(struct conf_endpoint *);
/* config_deps.c: depends_on and alternatives (SPEC §15). */
int cl_deps_key(struct loader *, const char *key, yaml_node_t *v, struct conf_provider *);
void cl_deps_check(struct loader *);	/* unknown ids, self, cycles; after every provider */
void cl_deps_free(struct conf_provider *);
void cl_certs_free(struct loader *);

#endif
