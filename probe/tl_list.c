/*
 * What a trusted list says, as the tl kind remembers it: its services (and, for the LOTL,
 * its pointers), and the events between two sequence numbers (SPEC §13 "Changes").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "keyid.h"
#include "tl_int.h"
#include "../core/util.h"

/* The last segment of a status URI ("…/Svcstatus/granted" → "granted"). */
static const char *
last_segment(const char *uri)
{
	const char *s = uri != NULL ? strrchr(uri, '/') : NULL;

	return s != NULL && s[1] != '\0' ? s + 1 : uri != NULL ? uri : "";
}

/* A service type without its prefix ("…/Svctype/TSA/QTST" → "TSA/QTST"). */
static const char *
type_name(const char *uri)
{
	const char *s = uri != NULL ? strstr(uri, "/Svctype/") : NULL;

	return s != NULL ? s + 9 : last_segment(uri);
}

/*
 * The service's digital identity as a short hex digest of its text (certificates, subject
 * names, key identifiers, white space removed): two services may share a name and type.
 */
static void
identity(const xmlNode *info, char out[17])
{
	const xmlNode *sdi = tl_child(info, "ServiceDigitalIdentity");
	xmlChar *c = sdi != NULL ? xmlNodeGetContent(sdi) : NULL;
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t n = 0, len = c != NULL ? strlen((const char *)c) : 0;
	unsigned char *packed = xmalloc(len + 1);

	for (const xmlChar *p = c; p != NULL && *p; p++)
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			packed[n++] = *p;
	SHA256(packed, n, md);
	free(packed);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	xmlFree(c);
}

/*
 * The key identifiers (hex) of the service's digital identity: each X509Certificate's
 * (probe/keyid.c) and each X509SKI; what core/qualified.c matches endpoints against.
 */
static json_t *
key_ids(const xmlNode *info)
{
	const xmlNode *sdi = tl_child(info, "ServiceDigitalIdentity");
	json_t *ids = json_array();

	for (xmlNode *d = sdi != NULL ? sdi->children : NULL; d != NULL; d = d->next)
		for (xmlNode *x = d->children; x != NULL; x = x->next) {
			char *t, *id = NULL;

			if (x->type != XML_ELEMENT_NODE || (t = tl_text(x)) == NULL)
				continue;
			if (strcmp((const char *)x->name, "X509Certificate") == 0) {
				X509 *c = tl_cert_b64(t);

				id = probe_key_id(c);
				X509_free(c);
			} else if (strcmp((const char *)x->name, "X509SKI") == 0) {
				unsigned char raw[128];
				int n = strlen(t) < 4 * sizeof(raw) / 3 ? EVP_DecodeBlock(raw,
				    (const unsigned char *)t, (int)strlen(t)) : -1;

				while (n > 0 && t[strlen(t) - 1] == '=' && t[strlen(t) - 1] != '\0') {
					n--;
					t[strlen(t) - 1] = '\0';
				}
				if (n > 0) {
					id = xmalloc(2 * (size_t)n + 1);
					for (int i = 0; i < n; i++)
						snprintf(id + 2 * i, 3, "%02x", raw[i]);
				}
			}
			for (size_t i = 0; id != NULL && i < json_array_size(ids); i++)
				if (strcmp(json_string_value(json_array_get(ids, i)), id) == 0) {
					free(id);	/* the certificate's SKI given again */
					id = NULL;
				}
			if (id != NULL)
				json_array_append_new(ids, json_string(id));
			free(id);
			free(t);
		}
	return ids;
}

static void
set_text(json_t *o, const char *key, char *owned)
{
	json_object_set_new(o, key, json_string(owned != NULL ? owned : ""));
	free(owned);
}

static json_t *
service(const char *tsp, const xmlNode *svc)
{
	const xmlNode *info = tl_child(svc, "ServiceInformation");
	json_t *o = json_object(), *sp = json_array();
	char *type = tl_text(tl_child(info, "ServiceTypeIdentifier"));
	char *status = tl_text(tl_child(info, "ServiceStatus"));
	char idhex[17];

	json_object_set_new(o, "tsp", json_string(tsp != NULL ? tsp : ""));
	set_text(o, "name", tl_name(tl_child(info, "ServiceName")));
	json_object_set_new(o, "type", json_string(type_name(type)));
	identity(info, idhex);
	json_object_set_new(o, "id", json_string(idhex));
	json_object_set_new(o, "status", json_string(last_segment(status)));
	for (xmlNode *c = tl_child(info, "ServiceSupplyPoints") != NULL ?
	    tl_child(info, "ServiceSupplyPoints")->children : NULL; c != NULL; c = c->next) {
		char *t;

		if (c->type != XML_ELEMENT_NODE || (t = tl_text(c)) == NULL)
			continue;
		json_array_append_new(sp, json_string(t));
		free(t);
	}
	json_object_set_new(o, "sp", sp);
	json_object_set_new(o, "kid", key_ids(info));
	free(type);
	free(status);
	return o;
}

static json_t *
pointer(const xmlNode *p)
{
	const xmlNode *oi = tl_path(p, "AdditionalInformation");
	json_t *o = json_object(), *certs = json_array();
	char *territory = NULL, *mime = NULL;

	for (xmlNode *c = oi != NULL ? oi->children : NULL; c != NULL; c = c->next)
		for (xmlNode *x = c->children; x != NULL; x = x->next) {
			if (x->type != XML_ELEMENT_NODE)
				continue;
			if (strcmp((const char *)x->name, "SchemeTerritory") == 0 && territory == NULL)
				territory = tl_text(x);
			if (strcmp((const char *)x->name, "MimeType") == 0 && mime == NULL)
				mime = tl_text(x);
		}
	if (mime == NULL || strstr(mime, "xml") == NULL) {
		free(territory);
		free(mime);
		json_decref(o);
		json_decref(certs);
		return NULL;		/* a PDF list: not verifiable here */
	}
	set_text(o, "territory", territory);
	set_text(o, "location", tl_text(tl_child(p, "TSLLocation")));
	for (xmlNode *d = tl_child(p, "ServiceDigitalIdentities") != NULL ?
	    tl_child(p, "ServiceDigitalIdentities")->children : NULL; d != NULL; d = d->next)
		for (xmlNode *id = d->children; id != NULL; id = id->next)
			for (xmlNode *x = id->children; x != NULL; x = x->next) {
				char *b64;

				if (x->type != XML_ELEMENT_NODE ||
				    strcmp((const char *)x->name, "X509Certificate") != 0 ||
				    (b64 = tl_text(x)) == NULL)
					continue;
				json_array_append_new(certs, json_string(b64));
				free(b64);
			}
	json_object_set_new(o, "certs", certs);
	free(mime);
	return o;
}

json_t *
tl_snapshot(const xmlNode *root, int64_t seq, bool lotl)
{
	json_t *s = json_object(), *svcs = json_array();
	const xmlNode *list = tl_child(root, "TrustServiceProviderList");

	json_object_set_new(s, "seq", json_integer(seq));
	for (xmlNode *t = list != NULL ? list->children : NULL; t != NULL; t = t->next) {
		char *tsp;
		const xmlNode *services = tl_child(t, "TSPServices");

		if (t->type != XML_ELEMENT_NODE)
			continue;
		tsp = tl_name(tl_path(t, "TSPInformation/TSPName"));
		for (xmlNode *v = services != NULL ? services->children : NULL; v != NULL; v = v->next)
			if (v->type == XML_ELEMENT_NODE)
				json_array_append_new(svcs, service(tsp, v));
		free(tsp);
	}
	json_object_set_new(s, "services", svcs);
	if (lotl) {
		json_t *ptrs = json_array();
		const xmlNode *pl = tl_path(root, "SchemeInformation/PointersToOtherTSL");

		for (xmlNode *p = pl != NULL ? pl->children : NULL; p != NULL; p = p->next) {
			json_t *o;

			if (p->type == XML_ELEMENT_NODE && (o = pointer(p)) != NULL)
				json_array_append_new(ptrs, o);
		}
		json_object_set_new(s, "pointers", ptrs);
	}
	return s;
}

STACK_OF(X509) *
tl_pointer_signers(const char *lotl_memory, const char *territory)
{
	json_t *m = lotl_memory != NULL ? json_loads(lotl_memory, 0, NULL) : NULL;
	json_t *ptrs = json_object_get(m, "pointers"), *p;
	STACK_OF(X509) *sk = NULL;
	size_t i;

	json_array_foreach(ptrs, i, p) {
		const char *t = json_string_value(json_object_get(p, "territory"));
		json_t *c;
		size_t j;

		if (t == NULL || territory == NULL || strcmp(t, territory) != 0)
			continue;
		if (sk == NULL)
			sk = sk_X509_new_null();
		json_array_foreach(json_object_get(p, "certs"), j, c) {
			X509 *x = json_string_value(c) ? tl_cert_b64(json_string_value(c)) : NULL;

			if (x != NULL)
				sk_X509_push(sk, x);
		}
	}
	json_decref(m);
	return sk;
}

/* The identity of a service across issues: provider, name, type and digital identity. */
static int
same_service(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "tsp", "name", "type", "id" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *x = json_string_value(json_object_get(a, keys[i]));
		const char *y = json_string_value(json_object_get(b, keys[i]));

		if (x == NULL || y == NULL || strcmp(x, y) != 0)
			return 0;
	}
	return 1;
}

static json_t *
find(const json_t *list, const json_t *svc)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (same_service(v, svc))
			return v;
	return NULL;
}

static json_t *
event(const char *what, const json_t *svc)
{
	json_t *e = json_object();

	json_object_set_new(e, "event", json_string(what));
	json_object_set(e, "tsp", json_object_get(svc, "tsp"));
	json_object_set(e, "service", json_object_get(svc, "name"));
	json_object_set(e, "type", json_object_get(svc, "type"));
	return e;
}

void
tl_events(struct result *r, const json_t *prev, const json_t *cur)
{
	const json_t *ps = json_object_get(prev, "services"), *cs = json_object_get(cur, "services");
	json_t *events = json_array(), *v;
	size_t i;

	if (json_integer_value(json_object_get(prev, "seq")) ==
	    json_integer_value(json_object_get(cur, "seq"))) {
		json_decref(events);
		return;			/* the same issue: nothing happened between */
	}
	json_array_foreach(cs, i, v) {
		json_t *old = find(ps, v), *e;

		if (old == NULL) {
			e = event("added", v);
			json_object_set(e, "to", json_object_get(v, "status"));
			json_array_append_new(events, e);
			continue;
		}
		if (!json_equal(json_object_get(old, "status"), json_object_get(v, "status"))) {
			e = event("status_changed", v);
			json_object_set(e, "from", json_object_get(old, "status"));
			json_object_set(e, "to", json_object_get(v, "status"));
			json_array_append_new(events, e);
		}
		if (!json_equal(json_object_get(old, "sp"), json_object_get(v, "sp"))) {
			e = event("supply_points_changed", v);
			json_object_set(e, "from", json_object_get(old, "sp"));
			json_object_set(e, "to", json_object_get(v, "sp"));
			json_array_append_new(events, e);
		}
	}
	json_array_foreach(ps, i, v)
		if (find(cs, v) == NULL) {
			json_t *e = event("removed", v);

			json_object_set(e, "from", json_object_get(v, "status"));
			json_array_append_new(events, e);
		}
	tl_details_events(r, events);
	json_decref(events);
}
