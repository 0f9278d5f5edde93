/* The checks of `trustwatch verify` over one published site (SPEC §12). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "verify_int.h"
#include "../core/util.h"

void
verify_opts_clear(struct verify_opts *o)
{
	for (size_t i = 0; i < o->n_vkeys; i++)
		tlog_verifier_clear(&o->vkeys[i]);
	free(o->vkeys);
	X509_STORE_free(o->trust);
	for (size_t i = 0; i < o->n_since; i++) {
		free(o->since[i].path);
		free(o->since[i].note);
		tlog_checkpoint_clear(&o->since[i].c);
	}
	free(o->since);
	memset(o, 0, sizeof(*o));
}

int
vmismatch(struct vctx *v, const char *fmt, ...)
{
	va_list ap;

	fprintf(v->out, "MISMATCH %s: ", v->node);
	va_start(ap, fmt);
	vfprintf(v->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->out);
	v->rc = EXIT_MISMATCH;
	return -1;
}

int
vunreadable(struct vctx *v, const char *fmt, ...)
{
	va_list ap;

	fprintf(v->out, "CANNOT READ %s: ", v->node ? v->node : "site");
	va_start(ap, fmt);
	vfprintf(v->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->out);
	v->rc = EXIT_RUNTIME;
	return -1;
}

/* Reads log/NODE/rel. A missing file is a mismatch: the record must hold it. */
int
vget(struct vctx *v, const char *rel, size_t max, unsigned char **data, size_t *len)
{
	char *p = xasprintf("log/%s/%s", v->node, rel), *err = NULL;
	int rc = vfetch_get(v->f, p, max, data, len, &err);

	free(p);
	if (rc == VFETCH_MISSING)
		return vmismatch(v, "%s is missing", rel);
	if (rc != 0) {
		vunreadable(v, "%s", err);
		free(err);
		return -1;
	}
	return 0;
}

/* A canonical decimal tree size. */
static int
parse_size(const char *s, size_t n, uint64_t *out)
{
	char buf[21];

	if (n == 0 || n > 20 || strspn(s, "0123456789") < n || (s[0] == '0' && n > 1))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n == 20 && strcmp(buf, "18446744073709551615") > 0)
		return -1;
	*out = strtoull(buf, NULL, 10);
	return 0;
}

static int
cmp_cp(const void *a, const void *b)
{
	const struct vcp *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* Which key verifies n: 0 and v->signer set, or a mismatch. */
static int
check_signature(struct vctx *v, const struct vcp *cp, const struct tlog_note *n)
{
	const struct tlog_verifier *keys = v->o->n_vkeys ? v->o->vkeys : &v->pub;
	size_t nkeys = v->o->n_vkeys ? v->o->n_vkeys : 1;

	for (size_t i = 0; i < nkeys; i++) {
		int r = tlog_note_verify(n, &keys[i]);

		if (r == 1) {
			if (v->signer != NULL && v->signer != &keys[i])
				return vmismatch(v, "checkpoint %" PRIu64 ": signed by %s, the "
				    "earlier checkpoints by %s", cp->size, keys[i].name,
				    v->signer->name);
			v->signer = &keys[i];
			return 0;
		}
		if (r == 0)
			return vmismatch(v, "checkpoint %" PRIu64 ": the signature by %s+%08x "
			    "does not verify", cp->size, keys[i].name, (unsigned)keys[i].hash);
	}
	return vmismatch(v, "checkpoint %" PRIu64 ": not signed by %s (signed by %s+%08x)",
	    cp->size, v->o->n_vkeys ? "the --vkey key" : "the published vkey",
	    n->n_sigs ? n->sigs[0].name : "nobody", n->n_sigs ? (unsigned)n->sigs[0].hash : 0u);
}

/* checkpoints/SIZE, each signed and parsed, ascending; then the latest checkpoint. */
static int
load_checkpoints(struct vctx *v)
{
	char *rel = xasprintf("log/%s/checkpoints", v->node), **names = NULL, *err = NULL;
	long n = vfetch_list(v->f, rel, "index", &names, &err);
	unsigned char *latest = NULL;
	size_t latest_len;
	int rc = -1;

	free(rel);
	if (n == VFETCH_MISSING || n == 0)
		return vmismatch(v, "no checkpoints/ published");
	if (n < 0) {
		vunreadable(v, "%s", err);
		free(err);
		return -1;
	}
	v->cps = xcalloc((size_t)n, sizeof(*v->cps));
	for (long i = 0; i < n; i++) {
		uint64_t size;

		if (parse_size(names[i], strlen(names[i]), &size) == 0)
			v->cps[v->n_cps++].size = size;
	}
	if (v->n_cps == 0) {
		vmismatch(v, "no checkpoints/SIZE published");
		goto out;
	}
	qsort(v->cps, v->n_cps, sizeof(*v->cps), cmp_cp);
	for (size_t i = 0; i < v->n_cps; i++) {
		struct vcp *cp = &v->cps[i];
		struct tlog_note note;
		char path[64], *why = NULL;

		snprintf(path, sizeof(path), "checkpoints/%" PRIu64, cp->size);
		if (vget(v, path, MAX_NOTE, &cp->note, &cp->len) != 0)
			goto out;
		if (tlog_note_parse((char *)cp->note, cp->len, &note, &why) != 0) {
			vmismatch(v, "checkpoint %" PRIu64 ": %s", cp->size, why);
			free(why);
			goto out;
		}
		if (check_signature(v, cp, &note) != 0 || vcos_check(v, cp, &note) != 0) {
			tlog_note_clear(&note);
			goto out;
		}
		if (tlog_checkpoint_parse(note.text, note.text_len, &cp->c, &why) != 0) {
			vmismatch(v, "checkpoint %" PRIu64 ": %s", cp->size, why);
			free(why);
			tlog_note_clear(&note);
			goto out;
		}
		tlog_note_clear(&note);
		if (cp->c.size != cp->size) {
			vmismatch(v, "checkpoints/%" PRIu64 " holds the checkpoint of size %" PRIu64,
			    cp->size, cp->c.size);
			goto out;
		}
		if (strcmp(cp->c.origin, v->cps[0].c.origin) != 0) {
			vmismatch(v, "checkpoint %" PRIu64 ": origin '%s', not '%s'", cp->size,
			    cp->c.origin, v->cps[0].c.origin);
			goto out;
		}
	}
	if (vget(v, "checkpoint", MAX_NOTE, &latest, &latest_len) != 0)
		goto out;
	{
		const struct vcp *last = &v->cps[v->n_cps - 1];

		if (latest_len != last->len || memcmp(latest, last->note, last->len) != 0) {
			struct tlog_note note;
			struct tlog_checkpoint c;

			if (tlog_note_parse((char *)latest, latest_len, &note, NULL) == 0 &&
			    tlog_checkpoint_parse(note.text, note.text_len, &c, NULL) == 0) {
				if (c.size < last->size)
					vmismatch(v, "checkpoint: the latest checkpoint served has size "
					    "%" PRIu64 ", older than checkpoints/%" PRIu64 " (an older "
					    "checkpoint is served as the latest)", c.size, last->size);
				else
					vmismatch(v, "checkpoint: the latest checkpoint (size %" PRIu64
					    ") is not checkpoints/%" PRIu64, c.size, last->size);
				tlog_checkpoint_clear(&c);
				tlog_note_clear(&note);
			} else {
				tlog_note_clear(&note);
				vmismatch(v, "checkpoint: not the signed checkpoint checkpoints/%" PRIu64,
				    last->size);
			}
			goto out;
		}
	}
	rc = 0;
out:
	for (long i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(latest);
	return rc;
}

/* Token names in checkpoint order: SIZE.tsr by size, then each TSA's LABEL/SIZE.tsr. */
static int
cmp_tsr(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	const char *sx = strchr(x, '/'), *sy = strchr(y, '/');
	size_t dx, dy;

	if ((sx == NULL) != (sy == NULL))
		return sx == NULL ? -1 : 1;
	if (sx != NULL) {
		size_t lx = (size_t)(sx - x), ly = (size_t)(sy - y);
		int c = strncmp(x, y, lx < ly ? lx : ly);

		if (c != 0 || lx != ly)
			return c != 0 ? c : lx < ly ? -1 : 1;
		x = sx + 1;
		y = sy + 1;
	}
	dx = strspn(x, "0123456789");
	dy = strspn(y, "0123456789");
	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x, y);
}

/* A TSA's folder name under timestamps/: [A-Za-z0-9_-]. */
static int
tsa_label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 100)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * The token names under timestamps/: SIZE.tsr and LABEL/SIZE.tsr. A site directory's
 * LABEL folders are read; a URL's timestamps/index lists LABEL/SIZE.tsr itself. Returns the
 * count, VFETCH_MISSING, or < 0 (reported).
 */
static long
list_tokens(struct vctx *v, char ***out)
{
	char *rel = xasprintf("log/%s/timestamps", v->node), **names = NULL, *err = NULL;
	long n = vfetch_list(v->f, rel, "index", &names, &err), m = 0;
	char **all = NULL;

	if (n == VFETCH_MISSING) {
		free(rel);
		return n;
	}
	if (n < 0) {
		vunreadable(v, "%s", err);
		free(err);
		free(rel);
		return -1;
	}
	for (long i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);
		char **sub = NULL, *srel;
		long k;

		if (nl >= 4 && strcmp(names[i] + nl - 4, ".tsr") == 0) {
			all = xrealloc(all, (size_t)(m + 1) * sizeof(*all));
			all[m++] = names[i];
			continue;
		}
		if (vfetch_is_url(v->f) || !tsa_label_ok(names[i], nl)) {
			free(names[i]);		/* index and the like */
			continue;
		}
		srel = xasprintf("%s/%s", rel, names[i]);
		k = vfetch_list(v->f, srel, "index", &sub, &err);
		free(srel);
		if (k == VFETCH_MISSING) {		/* a file, not a TSA's folder */
			free(names[i]);
			continue;
		}
		if (k < 0) {
			vunreadable(v, "%s", err);
			free(err);
			for (long j = i; j < n; j++)
				free(names[j]);
			n = -1;
			break;
		}
		for (long j = 0; j < k; j++) {
			all = xrealloc(all, (size_t)(m + 1) * sizeof(*all));
			all[m++] = xasprintf("%s/%s", names[i], sub[j]);
			free(sub[j]);
		}
		free(sub);
		free(names[i]);
	}
	free(names);
	free(rel);
	if (n < 0) {
		for (long j = 0; j < m; j++)
			free(all[j]);
		free(all);
		return -1;
	}
	if (m > 1)
		qsort(all, (size_t)m, sizeof(*all), cmp_tsr);
	*out = all;
	return m;
}

/*
 * A token over the checkpoint as its node signed it: other nodes' cosignature lines are
 * added later (C2SP tlog-cosignature), so the note is taken again with the node's own
 * signature lines only. 0 when the token covers that, else -1 (*why kept or replaced).
 */
static int
own_note_tsr(struct vctx *v, const struct vcp *cp, const unsigned char *der, size_t len,
    char **gen, char **why)
{
	struct tlog_note n;
	char *err = NULL, *note, *next;
	size_t k = 0;
	int rc = -1;

	if (v->signer == NULL || tlog_note_parse((const char *)cp->note, cp->len, &n, &err) != 0) {
		free(err);
		return -1;
	}
	note = xasprintf("%.*s\n", (int)n.text_len, n.text);
	for (size_t i = 0; i < n.n_sigs; i++) {
		if (n.sigs[i].hash != v->signer->hash || strcmp(n.sigs[i].name, v->signer->name) != 0)
			continue;
		next = tlog_note_add_line(note, strlen(note), n.sigs[i].name, n.sigs[i].hash,
		    n.sigs[i].sig, n.sigs[i].sig_len);
		free(note);
		note = next;
		k++;
	}
	if (k > 0 && k < n.n_sigs) {
		free(*why);
		*why = NULL;
		free(*gen);
		*gen = NULL;
		rc = verify_tsr(der, len, note, strlen(note), v->o->trust, gen, why);
	}
	free(note);
	tlog_note_clear(&n);
	return rc;
}

/* timestamps/SIZE.tsr and timestamps/LABEL/SIZE.tsr: each over its checkpoint's signed note. */
static int
check_timestamps(struct vctx *v, size_t *n_tokens)
{
	char **names = NULL;
	long n = list_tokens(v, &names);
	int rc = 0;

	*n_tokens = 0;
	if (n == VFETCH_MISSING)
		return 0;
	if (n < 0)
		return -1;
	for (long i = 0; i < n && rc == 0; i++) {
		const char *name = names[i], *slash = strchr(name, '/');
		const char *base = slash != NULL ? slash + 1 : name;
		size_t digits = strspn(base, "0123456789");
		struct vcp *cp = NULL;
		unsigned char *der;
		char path[600], *why = NULL, *gen = NULL;
		uint64_t size;
		size_t len;

		if (parse_size(base, digits, &size) != 0 || strcmp(base + digits, ".tsr") != 0 ||
		    (slash != NULL && (!tsa_label_ok(name, (size_t)(slash - name)) ||
		    strchr(base, '/') != NULL))) {
			rc = vmismatch(v, "timestamps/%s: not SIZE.tsr or LABEL/SIZE.tsr", name);
			break;
		}
		for (size_t c = 0; c < v->n_cps; c++)
			if (v->cps[c].size == size)
				cp = &v->cps[c];
		if (cp == NULL) {
			rc = vmismatch(v, "timestamps/%s: no checkpoint of size %" PRIu64 " is "
			    "published", name, size);
			break;
		}
		snprintf(path, sizeof(path), "timestamps/%s", name);
		if ((rc = vget(v, path, MAX_TSR, &der, &len)) != 0)
			break;
		if (verify_tsr(der, len, cp->note, cp->len, v->o->trust, &gen, &why) != 0 &&
		    own_note_tsr(v, cp, der, len, &gen, &why) != 0)
			rc = vmismatch(v, "checkpoint %" PRIu64 ": time-stamp token %s: %s", size,
			    name, why);
		else {
			cp->n_tsr++;
			(*n_tokens)++;
			if (v->first_gen == NULL || size < v->first_gen_size) {
				free(v->first_gen);
				v->first_gen = xstrdup(gen ? gen : "?");
				v->first_gen_size = size;
			}
			if (v->last_gen == NULL || size >= v->last_gen_size) {
				free(v->last_gen);
				v->last_gen = xstrdup(gen ? gen : "?");
				v->last_gen_size = size;
			}
		}
		free(why);
		free(gen);
		free(der);
	}
	for (long i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
verify_node(struct vctx *v)
{
	size_t n_tokens = 0, untimed = 0;
	const struct vcp *last;

	if (v->o->n_vkeys == 0) {
		unsigned char *vk;
		size_t len;
		char *why = NULL;

		if (vget(v, "vkey", MAX_VKEY, &vk, &len) != 0)
			return -1;
		if (tlog_verifier_parse((char *)vk, &v->pub, &why) != 0 ||
		    v->pub.alg != TLOG_ALG_ED25519) {
			free(vk);
			vmismatch(v, "vkey: %s", why ? why : "not an Ed25519 note key");
			free(why);
			return -1;
		}
		free(vk);
	}
	if (load_checkpoints(v) != 0)
		return -1;
	v->tree = tlog_tree_new();
	if (verify_tree(v) != 0 || check_timestamps(v, &n_tokens) != 0)
		return -1;
	last = &v->cps[v->n_cps - 1];
	fprintf(v->out, "%s: %zu checkpoint%s (sizes %" PRIu64 "..%" PRIu64 ", origin %s), each "
	    "signed by %s+%08x%s\n", v->node, v->n_cps, v->n_cps == 1 ? "" : "s", v->cps[0].size,
	    last->size, last->c.origin, v->signer->name, (unsigned)v->signer->hash,
	    v->o->n_vkeys ? "" : " (the published vkey: this proves the log is consistent with "
	    "itself, not who wrote it; give --vkey with a key obtained elsewhere)");
	fprintf(v->out, "%s: %" PRIu64 " entries re-hashed: each matches the hash tiles and every "
	    "checkpoint's root hash\n", v->node, last->size);
	if (v->n_cps > 1)
		fprintf(v->out, "%s: consistency proved between each checkpoint and the next\n",
		    v->node);
	for (size_t i = 0; i < v->n_cps; i++)
		untimed += v->cps[i].n_tsr == 0;
	if (n_tokens > 0)
		fprintf(v->out, "%s: %zu time-stamp token%s: status, message imprint (SHA-256 of the "
		    "signed checkpoint) and signature verified%s\n", v->node, n_tokens,
		    n_tokens == 1 ? "" : "s", v->o->trust ? ", chained to a tsa endpoint's trust "
		    "file" : " against the certificate in each token (its chain is not checked: "
		    "give -c CONFIG)");
	if (n_tokens > 0)
		fprintf(v->out, "%s: time-stamped from %s (checkpoint %" PRIu64 ") to %s (checkpoint %"
		    PRIu64 ")\n", v->node, v->first_gen, v->first_gen_size, v->last_gen,
		    v->last_gen_size);
	if (v->cos_ok > 0)
		fprintf(v->out, "%s: %zu cosignature%s verified (C2SP tlog-cosignature, by %s)\n",
		    v->node, v->cos_ok, v->cos_ok == 1 ? "" : "s", v->cos_by);
	if (v->cos_unknown > 0)
		fprintf(v->out, "%s: %zu signature line%s by a key this site does not publish (not "
		    "checked: %s%s)\n", v->node, v->cos_unknown, v->cos_unknown == 1 ? "" : "s",
		    v->unknown_by, v->cos_unknown > 1 ? ", ..." : "");
	if (untimed > 0)
		fprintf(v->out, "%s: %zu checkpoint%s without a time-stamp token\n", v->node, untimed,
		    untimed == 1 ? "" : "s");
	return 0;
}

static void
node_clear(struct vctx *v)
{
	for (size_t i = 0; i < v->n_cps; i++) {
		free(v->cps[i].note);
		tlog_checkpoint_clear(&v->cps[i].c);
	}
	free(v->cps);
	v->cps = NULL;
	v->n_cps = 0;
	tlog_tree_free(v->tree);
	v->tree = NULL;
	tlog_verifier_clear(&v->pub);
	v->signer = NULL;
	FREE_NULL(v->cos_by);
	FREE_NULL(v->unknown_by);
	v->cos_ok = v->cos_unknown = 0;
	FREE_NULL(v->first_gen);
	FREE_NULL(v->last_gen);
}

static int
node_name_ok(const char *s)
{
	return *s != '\0' && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	    strlen(s);
}

int
verify_site(const char *root, const struct verify_opts *o, FILE *out)
{
	struct vctx v = { .o = o, .out = out, .rc = EXIT_OK };
	char **names = NULL, *err = NULL;
	size_t checked = 0;
	long n;

	v.f = vfetch_new(root);
	n = vfetch_list(v.f, "log", "nodes", &names, &err);
	if (n == VFETCH_MISSING || n == 0) {
		fprintf(out, "CANNOT READ site: %s has no log/ (no published record)\n", root);
		vfetch_free(v.f);
		return EXIT_RUNTIME;
	}
	if (n < 0) {
		fprintf(out, "CANNOT READ site: %s\n", err);
		free(err);
		vfetch_free(v.f);
		return EXIT_RUNTIME;
	}
	vcos_load(&v, names, n);
	for (long i = 0; i < n && v.rc == EXIT_OK; i++) {
		if (!vfetch_is_url(v.f)) {
			char *p = xasprintf("%s/log/%s", root, names[i]);
			struct stat st;
			int dir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

			free(p);
			if (!dir)
				continue;
		}
		v.node = names[i];
		if (!node_name_ok(names[i])) {
			vmismatch(&v, "log/%s: not a node name", names[i]);
			break;
		}
		if (verify_node(&v) == 0)
			checked++;
		node_clear(&v);
	}
	if (v.rc == EXIT_OK && checked == 0) {
		fprintf(out, "CANNOT READ site: %s/log holds no node\n", root);
		v.rc = EXIT_RUNTIME;
	}
	if (v.rc == EXIT_OK)
		fprintf(out, "verified: %zu node%s\n", checked, checked == 1 ? "" : "s");
	for (long i = 0; i < n; i++)
		free(names[i]);
	free(names);
	vcos_clear(&v);
	vfetch_free(v.f);
	return v.rc;
}
