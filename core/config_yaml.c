/*
 * The configuration's YAML composed into a compact tree: one pass over libyaml's event
 * stream, read from the file in 64 KiB pieces, that refuses what the schema never uses
 * (deep nesting, explicit tags) with the place of each, and keeps 16 bytes per node in
 * fixed blocks (libyaml's own document keeps ~100 bytes per node plus a tag string and a
 * growth-sized array per collection: 2.8 KB per endpoint, 289 MB peak for 100,000
 * endpoints, with the whole text beside it). Scalars are interned: keys, kinds, URLs and
 * file names repeated by every endpoint are stored once (1.1 MB of distinct scalars in a
 * 15 MB file of 100,000 endpoints).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config_int.h"
#include "util.h"

/* A configuration is at most ~6 levels deep; 64 leaves room and bounds the parser's work. */
#define CONF_MAX_DEPTH	64
#define POOL_BLOCK	(64 * 1024)

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

static cl_node_t
at_mark(yaml_mark_t m)
{
	cl_node_t at = { .line = (uint32_t)m.line, .column = (uint32_t)m.column };

	return at;
}

/* The tag as written: "!!binary" for the core schema's, else the full tag. */
static void
tag_error(struct loader *L, const yaml_event_t *ev, const yaml_char_t *tag)
{
	static const char core[] = "tag:yaml.org,2002:";
	const char *t = (const char *)tag;
	cl_node_t at = at_mark(ev->start_mark);

	if (strncmp(t, core, sizeof(core) - 1) == 0)
		cl_err(L, &at, "explicit tag '!!%s' is not supported (write the plain value)",
		    t + sizeof(core) - 1);
	else
		cl_err(L, &at, "explicit tag '%s' is not supported (write the plain value)", t);
}

static uint64_t
str_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Copies s (len bytes) into the pool, once per distinct value, after its length. */
static const char *
intern(struct cl_doc *d, const char *s, size_t len)
{
	uint64_t h = str_hash(s, len);
	uint32_t len32 = (uint32_t)len;
	size_t i, need = sizeof(len32) + len + 1;
	char *p;

	if ((d->n_strs + 1) * 2 > d->cap_strs) {
		size_t cap = d->cap_strs ? d->cap_strs * 2 : 1024;
		const char **t = xcalloc(cap, sizeof(*t));

		for (size_t j = 0; j < d->cap_strs; j++) {
			const char *o = d->strs[j];

			if (o == NULL)
				continue;
			for (i = str_hash(o, cl_scalar_len(o)) & (cap - 1); t[i] != NULL;
			    i = (i + 1) & (cap - 1))
				;
			t[i] = o;
		}
		free(d->strs);
		d->strs = t;
		d->cap_strs = cap;
	}
	for (i = h & (d->cap_strs - 1); d->strs[i] != NULL; i = (i + 1) & (d->cap_strs - 1))
		if (cl_scalar_len(d->strs[i]) == len && memcmp(d->strs[i], s, len) == 0)
			return d->strs[i];
	if (need > POOL_BLOCK - sizeof(struct cl_block)) {
		/* A large string gets a block of its own, behind the one being filled. */
		struct cl_block *b = xmalloc(sizeof(*b) + need);

		b->used = b->size = need;
		if (d->blocks == NULL) {
			b->next = NULL;
			d->blocks = b;
		} else {
			b->next = d->blocks->next;
			d->blocks->next = b;
		}
		p = b->data;
	} else {
		if (d->blocks == NULL || d->blocks->size - d->blocks->used < need) {
			struct cl_block *b = xmalloc(POOL_BLOCK);

			b->size = POOL_BLOCK - sizeof(*b);
			b->used = 0;
			b->next = d->blocks;
			d->blocks = b;
		}
		p = d->blocks->data + d->blocks->used;
		d->blocks->used += need;
	}
	memcpy(p, &len32, sizeof(len32));
	p += sizeof(len32);
	memcpy(p, s, len);
	p[len] = '\0';
	d->strs[i] = p;
	d->n_strs++;
	return p;
}

/* Appends a node; returns its id (1-based, as libyaml's). Blocks never move. */
static uint32_t
add_node(struct cl_doc *d, uint8_t type, yaml_mark_t m)
{
	cl_node_t *n;

	if (d->n_nodes % CL_NODE_BLOCK == 0) {
		if (d->n_nodes / CL_NODE_BLOCK == d->cap_blocks) {
			d->cap_blocks = d->cap_blocks ? d->cap_blocks * 2 : 64;
			d->node_blocks = xrealloc(d->node_blocks,
			    d->cap_blocks * sizeof(*d->node_blocks));
		}
		d->node_blocks[d->n_nodes / CL_NODE_BLOCK] =
		    xmalloc(CL_NODE_BLOCK * sizeof(cl_node_t));
	}
	n = &d->node_blocks[d->n_nodes / CL_NODE_BLOCK][d->n_nodes % CL_NODE_BLOCK];
	d->n_nodes++;
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = (uint32_t)m.line;
	n->column = m.column < CL_COLUMN_MAX ? (uint32_t)m.column : CL_COLUMN_MAX;
	return (uint32_t)d->n_nodes;
}

static void
push_u32(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = x;
}

/* The children on the stack above base become node id's, in order, in d->kids. */
static void
close_node(struct cl_doc *d, uint32_t id, size_t base, uint32_t **stk, size_t *n_stk)
{
	cl_node_t *n = &d->node_blocks[(id - 1) / CL_NODE_BLOCK][(id - 1) % CL_NODE_BLOCK];
	size_t k = *n_stk - base;

	if (d->n_kids + k > d->cap_kids) {
		while (d->n_kids + k > d->cap_kids)
			d->cap_kids = d->cap_kids ? d->cap_kids + d->cap_kids / 2 : 1024;
		d->kids = xrealloc(d->kids, d->cap_kids * sizeof(*d->kids));
	}
	n->kids.first = (uint32_t)d->n_kids;
	n->kids.n = (uint32_t)k;
	if (k > 0)	/* an empty collection may come before any child: no arrays yet */
		memcpy(d->kids + d->n_kids, *stk + base, k * sizeof(**stk));
	d->n_kids += k;
	*n_stk = base;
}

struct anchor {
	char		*name;
	uint32_t	 id;
	bool		 open;		/* a collection not yet ended: no alias to it yet */
};

static void
syntax_error(struct loader *L, const char *problem, const char *context, yaml_mark_t m)
{
	struct conf_errors *e = L->errs;

	e->msg = xrealloc(e->msg, (e->n + 1) * sizeof(*e->msg));
	e->msg[e->n++] = xasprintf("%s:%zu:%zu: YAML syntax error: %s%s%s", L->file,
	    m.line + 1, m.column + 1, problem ? problem : "unknown",
	    context ? " " : "", context ? context : "");
}

struct input {
	FILE		*f;
	size_t		 left;		/* bytes still allowed */
	int		 err;		/* errno of a failed read, EFBIG past the limit */
};

static int
read_input(void *arg, unsigned char *buf, size_t size, size_t *got)
{
	struct input *in = arg;

	*got = fread(buf, 1, size, in->f);
	if (*got == 0 && ferror(in->f)) {
		in->err = errno ? errno : EIO;
		return 0;
	}
	if (*got > in->left) {
		in->err = EFBIG;
		return 0;
	}
	in->left -= *got;
	return 1;
}

int
cl_compose(struct loader *L, FILE *f, size_t max)
{
	struct input in = { .f = f, .left = max };
	struct cl_doc *d = &L->doc;
	yaml_parser_t p;
	yaml_event_t ev;
	/* Open collections: their node ids, and where their children start on stk. */
	uint32_t *open = NULL, *stk = NULL, *base = NULL;
	size_t n_open = 0, cap_open = 0, n_stk = 0, cap_stk = 0, n_base = 0, cap_base = 0;
	struct anchor *anchors = NULL;
	size_t n_anchors = 0;
	int rc = 0;
	bool done = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input(&p, read_input, &in);
	while (!done) {
		const yaml_char_t *tag = NULL, *anchor = NULL;
		uint32_t id = 0;

		if (!yaml_parser_parse(&p, &ev)) {
			if (in.err != 0)
				cl_err(L, NULL, "cannot read: %s", in.err == EFBIG ?
				    "larger than 64 MiB" : file_strerror(in.err));
			else
				syntax_error(L, p.problem, p.context, p.problem_mark);
			rc = -1;
			break;
		}
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			tag = ev.data.scalar.tag;
			anchor = ev.data.scalar.anchor;
			id = add_node(d, YAML_SCALAR_NODE, ev.start_mark);
			cl_node(L, (int)id)->value = intern(d, (const char *)ev.data.scalar.value,
			    ev.data.scalar.length);
			break;
		case YAML_ALIAS_EVENT: {
			size_t i;

			for (i = n_anchors; i > 0; i--)
				if (strcmp(anchors[i - 1].name, (const char *)ev.data.alias.anchor) == 0)
					break;
			if (i == 0 || anchors[i - 1].open) {
				/* An alias inside its own anchor would make the tree a cycle. */
				syntax_error(L, i == 0 ? "found undefined alias" :
				    "found recursive alias", NULL, ev.start_mark);
				rc = -1;
				done = true;
				break;
			}
			if (n_open > 0)
				push_u32(&stk, &n_stk, &cap_stk, anchors[i - 1].id);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT) {
				tag = ev.data.sequence_start.tag;
				anchor = ev.data.sequence_start.anchor;
			} else {
				tag = ev.data.mapping_start.tag;
				anchor = ev.data.mapping_start.anchor;
			}
			if (n_open + 1 > CONF_MAX_DEPTH) {
				cl_node_t at = at_mark(ev.start_mark);

				cl_err(L, &at, "nested deeper than %d levels", CONF_MAX_DEPTH);
				rc = -1;
				done = true;
				break;
			}
			id = add_node(d, ev.type == YAML_SEQUENCE_START_EVENT ? YAML_SEQUENCE_NODE :
			    YAML_MAPPING_NODE, ev.start_mark);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (n_open > 0) {
				n_open--;
				close_node(d, open[n_open], base[--n_base], &stk, &n_stk);
				for (size_t i = n_anchors; i > 0; i--)
					if (anchors[i - 1].id == open[n_open])
						anchors[i - 1].open = false;
			}
			break;
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			/* As libyaml's loader: the first document only. */
			done = true;
			break;
		default:
			break;
		}
		if (!tag_allowed(tag, ev.type))
			tag_error(L, &ev, tag);	/* recorded: the load goes on to find the rest */
		if (id != 0) {
			if (anchor != NULL) {
				size_t i;

				for (i = 0; i < n_anchors; i++)
					if (strcmp(anchors[i].name, (const char *)anchor) == 0)
						break;
				if (i < n_anchors) {
					/* libyaml's loader refuses a second anchor of the same name. */
					syntax_error(L, "second occurrence",
					    "found duplicate anchor; first occurrence",
					    ev.start_mark);
					rc = -1;
					done = true;
				} else {
					anchors = xrealloc(anchors,
					    (n_anchors + 1) * sizeof(*anchors));
					anchors[n_anchors].name = xstrdup((const char *)anchor);
					anchors[n_anchors].id = id;
					anchors[n_anchors++].open = ev.type != YAML_SCALAR_EVENT;
				}
			}
			if (n_open > 0)
				push_u32(&stk, &n_stk, &cap_stk, id);
			if (ev.type != YAML_SCALAR_EVENT) {
				push_u32(&open, &n_open, &cap_open, id);
				push_u32(&base, &n_base, &cap_base, (uint32_t)n_stk);
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	for (size_t i = 0; i < n_anchors; i++)
		free(anchors[i].name);
	free(anchors);
	free(open);
	free(stk);
	free(base);
	/* The intern table is no longer needed: only the strings stay. */
	free(d->strs);
	d->strs = NULL;
	d->cap_strs = d->n_strs = 0;
	if (rc != 0)
		cl_doc_free(L);
	return rc;
}

void
cl_doc_free(struct loader *L)
{
	struct cl_doc *d = &L->doc;

	while (d->blocks != NULL) {
		struct cl_block *b = d->blocks;

		d->blocks = b->next;
		free(b);
	}
	for (size_t i = 0; i * CL_NODE_BLOCK < d->n_nodes; i++)
		free(d->node_blocks[i]);
	free(d->node_blocks);
	free(d->kids);
	free(d->strs);
	memset(d, 0, sizeof(*d));
}

cl_node_t *
cl_node(struct loader *L, int id)
{
	size_t i = (size_t)id - 1;

	if (id < 1 || (size_t)id > L->doc.n_nodes)
		return NULL;
	return &L->doc.node_blocks[i / CL_NODE_BLOCK][i % CL_NODE_BLOCK];
}

cl_node_t *
cl_root(struct loader *L)
{
	return cl_node(L, 1);
}

size_t
cl_count(const cl_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return n->kids.n / 2;
	if (n->type == YAML_SEQUENCE_NODE)
		return n->kids.n;
	return 0;
}

cl_node_t *
cl_item(struct loader *L, const cl_node_t *n, size_t i)
{
	return cl_node(L, (int)L->doc.kids[n->kids.first + i]);
}

cl_node_t *
cl_pair_key(struct loader *L, const cl_node_t *n, size_t i)
{
	return cl_node(L, (int)L->doc.kids[n->kids.first + 2 * i]);
}

cl_node_t *
cl_pair_value(struct loader *L, const cl_node_t *n, size_t i)
{
	return cl_node(L, (int)L->doc.kids[n->kids.first + 2 * i + 1]);
}

size_t
cl_scalar_len(const char *value)
{
	uint32_t len;

	memcpy(&len, value - sizeof(len), sizeof(len));
	return len;
}
