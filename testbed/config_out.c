/*
 * Writes the trustwatch configuration (SPEC §2) that points at this testbed, and
 * STATE/control.url; both atomically (temporary file + rename), so a waiting script
 * never reads half a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "testbed/testbed.h"

/* Appends s as a double-quoted YAML scalar. */
static void
yq(struct buf *b, const char *s)
{
	buf_append(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_append(b, "\\", 1);
		buf_append(b, s, 1);
	}
	buf_append(b, "\"", 1);
}

static void
endpoint(struct buf *b, const struct tb_service *svc, const char *kind, const char *path)
{
	char *base = tb_svc_base(svc);

	buf_printf(b, "      - id: %s\n        kind: %s\n        url: %s%s\n",
	    tb_svc_names[svc->kind], kind, base, path);
	if (svc->tls) {
		buf_printf(b, "        tls_ca: ");
		yq(b, tb->pki.c[CRED_ROOT].path);
		buf_printf(b, "\n");
	}
	free(base);
}

static void
path_key(struct buf *b, const char *key, enum tb_cred_id id)
{
	buf_printf(b, "        %s: ", key);
	yq(b, tb->pki.c[id].path);
	buf_printf(b, "\n");
}

/* A relying service whose sign-in goes through provider p's login page at path. */
static void
relying_one(struct buf *b, const char *id, const char *name, const char *deps, int p,
    const char *path)
{
	buf_printf(b, "  - id: %s\n    name: \"%s\"\n    group: \"Relying services\"\n    %s\n"
	    "    endpoints:\n", id, name, deps);
	endpoint(b, tb->prov[p].svc[SVC_LOGIN], "login", path);
	buf_printf(b, "        expect: { status: 200, body_contains: \"Sign in\" }\n");
}

/*
 * SPEC §15's story: two services that need p1 fall with its login, a bank with p1 and p2 as
 * alternatives signs in through p2 and stays up.
 */
static void
relying(struct buf *b)
{
	relying_one(b, "myguichet", "MyGuichet (testbed stand-in)", "depends_on: [p1]", 0,
	    "/authorize");
	relying_one(b, "school", "School portal (testbed stand-in)", "depends_on: [p1]", 0,
	    "/login");
	if (tb->nprov >= 2)
		relying_one(b, "bank", "Bank (testbed stand-in)", "alternatives: [p1, p2]", 1,
		    "/authorize");
}

static int
write_atomic(const char *path, const struct buf *b)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");

	if (f != NULL && fwrite(b->data, 1, b->len, f) == b->len && fflush(f) == 0 &&
	    fsync(fileno(f)) == 0 && fclose(f) == 0) {
		f = NULL;
		if (rename(tmp, path) == 0) {
			free(tmp);
			return 0;
		}
	}
	fprintf(stderr, "trustwatch-testbed: cannot write %s: %s\n", path, strerror(errno));
	if (f != NULL)
		fclose(f);
	unlink(tmp);
	free(tmp);
	return -1;
}

int
tb_config_write(const char *path)
{
	struct buf b = { 0 }, c = { 0 };
	char now[40], *url, *upath;
	int p, rc;

	rfc3339_format_s(now_ms(), now, sizeof(now));
	buf_printf(&b, "# Written by trustwatch-testbed at %s; rewritten on every start.\n"
	    "# Control endpoint: see %s/control.url\n", now, tb->state);
	buf_printf(&b, "storage:\n  path: ");
	upath = xasprintf("%s/trustwatch.db", tb->state);
	yq(&b, upath);
	free(upath);
	buf_printf(&b, "\ndefaults:\n  interval: 10s\n  timeout: 5s\n  degraded_after: 2s\n"
	    "incidents:\n  open_after: 2\n  close_after: 2\nreport:\n  output: ");
	upath = xasprintf("%s/site", tb->state);
	yq(&b, upath);
	free(upath);
	buf_printf(&b, "\n  title: \"trustwatch testbed\"\nproviders:\n");
	for (p = 0; p < tb->nprov; p++) {
		struct tb_provider *pr = &tb->prov[p];

		buf_printf(&b, "  - id: %s\n    name: ", pr->id);
		if (pr->index == 1)
			buf_printf(&b, "\"LuxTrust (testbed stand-in)\"\n");
		else
			buf_printf(&b, "\"Provider %d\"\n", pr->index);
		buf_printf(&b, "    endpoints:\n");
		endpoint(&b, pr->svc[SVC_LOGIN], "login", "/");
		buf_printf(&b, "        expect: { status: 200, body_contains: \"Sign in\" }\n");
		endpoint(&b, pr->svc[SVC_OIDC], "login", "/.well-known/openid-configuration");
		buf_printf(&b, "        expect: { oidc: true }\n");
		endpoint(&b, pr->svc[SVC_SAML], "login", "/saml/metadata");
		buf_printf(&b, "        expect: { saml_metadata: true }\n");
		endpoint(&b, pr->svc[SVC_OCSP], "ocsp", "/");
		path_key(&b, "issuer", CRED_ISSUING);
		path_key(&b, "certificate", CRED_GOOD);
		buf_printf(&b, "        nonce: true\n        expect: { status: good }\n");
		endpoint(&b, pr->svc[SVC_CRL], "crl", "/issuing-ca.crl");
		path_key(&b, "issuer", CRED_ISSUING);
		endpoint(&b, pr->svc[SVC_TSA], "tsa", "/");
		path_key(&b, "trust", CRED_ROOT);
		buf_printf(&b, "        hash: sha256\n        expect: { policy: %s }\n",
		    tb->tsa_policy);
	}
	/* The trusted list naming every provider's services (testbed/tl.c), served by p1. */
	buf_printf(&b, "  - id: scheme\n    name: \"Trusted list (testbed scheme operator)\"\n"
	    "    endpoints:\n");
	endpoint(&b, tb->prov[0].svc[SVC_TL], "tl", "/tsl.xml");
	path_key(&b, "signers", CRED_TL);
	if (tb->relying)
		relying(&b);
	/* control.url first: once the config exists, everything a script needs does. */
	buf_printf(&c, "http://127.0.0.1:%d/\n", tb->control_port);
	url = xasprintf("%s/control.url", tb->state);
	rc = write_atomic(url, &c);
	free(url);
	buf_free(&c);
	if (rc == 0)
		rc = write_atomic(path, &b);
	buf_free(&b);
	return rc;
}
