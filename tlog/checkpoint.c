/* C2SP tlog-checkpoint: "ORIGIN\nSIZE\nBASE64(ROOT)\n" and optional extension lines. */
#include <stdlib.h>
#include <string.h>

#include "tlog.h"
#include "../core/util.h"

static int
line_ok(const char *s)
{
	return s != NULL && *s != '\0' && strchr(s, '\n') == NULL;
}

char *
tlog_checkpoint_format(const struct tlog_checkpoint *c)
{
	struct buf b = { 0 };
	char *root;

	if (!line_ok(c->origin))
		return NULL;
	for (size_t i = 0; i < c->n_ext; i++)
		if (!line_ok(c->ext[i]))
			return NULL;
	root = tlog_b64_encode(c->root.b, TLOG_HASH_SIZE);
	buf_printf(&b, "%s\n%llu\n%s\n", c->origin, (unsigned long long)c->size, root);
	free(root);
	for (size_t i = 0; i < c->n_ext; i++)
		buf_printf(&b, "%s\n", c->ext[i]);
	return (char *)b.data;
}

void
tlog_checkpoint_clear(struct tlog_checkpoint *c)
{
	free(c->origin);
	for (size_t i = 0; i < c->n_ext; i++)
		free(c->ext[i]);
	free(c->ext);
	memset(c, 0, sizeof(*c));
}

/* The next line of text[*off..len) without its newline (caller frees), or NULL. */
static char *
next_line(const char *text, size_t len, size_t *off)
{
	const char *nl = memchr(text + *off, '\n', len - *off);
	char *s;
	size_t n;

	if (*off >= len || nl == NULL)
		return NULL;
	n = (size_t)(nl - (text + *off));
	s = xmalloc(n + 1);
	memcpy(s, text + *off, n);
	s[n] = '\0';
	*off += n + 1;
	return s;
}

int
tlog_checkpoint_parse(const char *text, size_t len, struct tlog_checkpoint *c, char **err)
{
	char *size = NULL, *root = NULL, *ext;
	unsigned char *raw = NULL;
	size_t off = 0, rawlen = 0;
	const char *why = NULL;

	memset(c, 0, sizeof(*c));
	c->origin = next_line(text, len, &off);
	size = next_line(text, len, &off);
	root = next_line(text, len, &off);
	if (c->origin == NULL || *c->origin == '\0' || size == NULL || root == NULL) {
		why = "a checkpoint needs an origin, a size and a root hash line";
		goto bad;
	}
	if (*size == '\0' || strspn(size, "0123456789") != strlen(size) ||
	    (size[0] == '0' && size[1] != '\0') || strlen(size) > 20) {
		why = "checkpoint: the size is not a decimal number without leading zeros";
		goto bad;
	}
	c->size = strtoull(size, NULL, 10);
	if (strlen(size) == 20 && strcmp(size, "18446744073709551615") > 0) {
		why = "checkpoint: the size is too large";
		goto bad;
	}
	if (tlog_b64_decode(root, strlen(root), &raw, &rawlen) != 0 || rawlen != TLOG_HASH_SIZE) {
		why = "checkpoint: the root hash is not base64 of 32 bytes";
		goto bad;
	}
	memcpy(c->root.b, raw, TLOG_HASH_SIZE);
	while (off < len) {
		if ((ext = next_line(text, len, &off)) == NULL || *ext == '\0') {
			free(ext);
			why = "checkpoint: an empty extension line, or no final newline";
			goto bad;
		}
		c->ext = xrealloc(c->ext, (c->n_ext + 1) * sizeof(*c->ext));
		c->ext[c->n_ext++] = ext;
	}
	free(size);
	free(root);
	free(raw);
	return 0;
bad:
	if (err != NULL)
		*err = xstrdup(why);
	free(size);
	free(root);
	free(raw);
	tlog_checkpoint_clear(c);
	return -1;
}

char *
tlog_checkpoint_sign(const char *origin, const struct tlog_edge *e,
    const struct tlog_signer *s, char **err)
{
	struct tlog_checkpoint c = { .origin = (char *)origin, .size = e->size };
	char *body, *note;

	tlog_edge_root(e, &c.root);
	if ((body = tlog_checkpoint_format(&c)) == NULL) {
		if (err != NULL)
			*err = xstrdup("the origin must be one non-empty line");
		return NULL;
	}
	note = tlog_note_sign(body, strlen(body), s, err);
	free(body);
	return note;
}
