/*
 * The configuration's YAML before it is composed: a bounded pass over the event stream that
 * refuses what the schema never uses (deep nesting, explicit tags) with the place of each.
 */
#include <string.h>

#include <yaml.h>

#include "config_int.h"

/* A configuration is at most ~6 levels deep; 64 leaves room and bounds the parser's work. */
#define CONF_MAX_DEPTH	64

/* The only explicit tags accepted: those that say what the node already is. */
static bool
tag_allowed(const yaml_char_t *tag, yaml_event_type_t type)
{
	const char *t = (const char *)tag;

	if (t == NULL)
		return true;
	switch (type) {
	case YAML_SCALAR_EVENT:
		return strcmp(t, YAML_STR_TAG) == 0;
	case YAML_SEQUENCE_START_EVENT:
		return strcmp(t, YAML_SEQ_TAG) == 0;
	default:
		return strcmp(t, YAML_MAP_TAG) == 0;
	}
}

/* The tag as written: "!!binary" for the core schema's, else the full tag. */
static void
tag_error(struct loader *L, const yaml_event_t *ev, const yaml_char_t *tag)
{
	static const char core[] = "tag:yaml.org,2002:";
	const char *t = (const char *)tag;
	yaml_node_t at = { .start_mark = ev->start_mark };

	if (strncmp(t, core, sizeof(core) - 1) == 0)
		cl_err(L, &at, "explicit tag '!!%s' is not supported (write the plain value)",
		    t + sizeof(core) - 1);
	else
		cl_err(L, &at, "explicit tag '%s' is not supported (write the plain value)", t);
}

int
cl_prescan(struct loader *L, const unsigned char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0;
	bool done = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, text, len);
	while (!done) {
		const yaml_char_t *tag = NULL;

		/* A syntax error is left to the loader, which reports it with its place. */
		if (!yaml_parser_parse(&p, &ev))
			break;
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			tag = ev.data.scalar.tag;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			tag = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag :
			    ev.data.mapping_start.tag;
			if (++depth > CONF_MAX_DEPTH) {
				yaml_node_t at = { .start_mark = ev.start_mark };

				cl_err(L, &at, "nested deeper than %d levels", CONF_MAX_DEPTH);
				rc = -1;
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		if (!tag_allowed(tag, ev.type))
			tag_error(L, &ev, tag);	/* recorded: the load goes on to find the rest */
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}
