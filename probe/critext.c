/* Critical-extension walks; see critext.h. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "critext.h"

/* Writes obj as "1.2.3" or "1.2.3 (shortName)" into oid[CRITEXT_OID_MAX]. */
static void
critext_name(const ASN1_OBJECT *obj, char *oid)
{
	char dotted[CRITEXT_OID_MAX];
	int nid, n;

	n = OBJ_obj2txt(dotted, sizeof(dotted), obj, 1);
	if (n <= 0)
		snprintf(dotted, sizeof(dotted), "?");
	else if ((size_t)n >= sizeof(dotted))
		memcpy(dotted + sizeof(dotted) - 4, "...", 4);
	nid = OBJ_obj2nid(obj);
	if (nid != NID_undef && OBJ_nid2sn(nid) != NULL)
		snprintf(oid, CRITEXT_OID_MAX, "%.60s (%.30s)", dotted, OBJ_nid2sn(nid));
	else
		snprintf(oid, CRITEXT_OID_MAX, "%s", dotted);
	ERR_clear_error();
}

int
critext_one(const X509_EXTENSION *ext, const int *known, size_t n, char *oid)
{
	const ASN1_OBJECT *obj;
	size_t k;
	int nid;

	if (ext == NULL || !X509_EXTENSION_get_critical(ext))
		return 0;
	obj = X509_EXTENSION_get_object((X509_EXTENSION *)ext);
	nid = OBJ_obj2nid(obj);
	for (k = 0; k < n; k++)
		if (nid != NID_undef && known[k] == nid)
			return 0;
	critext_name(obj, oid);
	return 1;
}

int
critext_unknown(const STACK_OF(X509_EXTENSION) *exts, const int *known, size_t n,
    char *oid)
{
	int i, count = exts != NULL ? sk_X509_EXTENSION_num(exts) : 0;

	for (i = 0; i < count; i++)
		if (critext_one(sk_X509_EXTENSION_value(exts, i), known, n, oid))
			return 1;
	return 0;
}

int
critext_cert_unhandled(X509 *cert, char *oid)
{
	X509_EXTENSION *ext;
	int i, count;

	if ((X509_get_extension_flags(cert) & EXFLAG_CRITICAL) == 0)
		return 0;
	count = X509_get_ext_count(cert);
	for (i = 0; i < count; i++) {
		ext = X509_get_ext(cert, i);
		if (X509_EXTENSION_get_critical(ext) && !X509_supported_extension(ext)) {
			critext_name(X509_EXTENSION_get_object(ext), oid);
			return 1;
		}
	}
	/* The flag is set but no extension names itself: say so rather than pass. */
	snprintf(oid, CRITEXT_OID_MAX, "(unnamed)");
	return 1;
}

void
critext_serial_hex(const ASN1_INTEGER *serial, char *out, size_t outsz)
{
	BIGNUM *bn = serial != NULL ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;

	snprintf(out, outsz, "%s", hex != NULL ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}
