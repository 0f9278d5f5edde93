/*
 * TSTInfo rules a relying party applies beyond the signature (RFC 3161 §2.4.2):
 * no critical extension we do not process, and a tsa field that names the signer.
 * The CMS API that verifies the token reads neither.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "critext.h"
#include "tsa.h"

/* The TSTInfo extensions we process: qcStatements (details.qualified). */
static const int tst_exts_known[] = { NID_qcStatements };

int
tsa_check_tst_extensions(TS_TST_INFO *tst, struct result *r)
{
	char oid[CRITEXT_OID_MAX];

	if (!critext_unknown(TS_TST_INFO_get_exts(tst), tst_exts_known,
	    sizeof(tst_exts_known) / sizeof(tst_exts_known[0]), oid))
		return 1;
	result_flag(r, REASON_MALFORMED, "TSTInfo carries critical extension %s, which "
	    "trustwatch does not process (RFC 3161 §2.4.2, RFC 5280 §4.2)", oid);
	return 0;
}

/* Returns 1 when gn is signer's subject (as a directoryName) or one of its subjectAltNames. */
static int
tsa_names_signer(const GENERAL_NAME *gn, X509 *signer)
{
	GENERAL_NAMES *alt;
	int i, found = 0;

	if (gn->type == GEN_DIRNAME &&
	    X509_NAME_cmp(gn->d.directoryName, X509_get_subject_name(signer)) == 0)
		return 1;
	alt = X509_get_ext_d2i(signer, NID_subject_alt_name, NULL, NULL);
	for (i = 0; !found && i < sk_GENERAL_NAME_num(alt); i++)
		found = GENERAL_NAME_cmp(sk_GENERAL_NAME_value(alt, i), (GENERAL_NAME *)gn) == 0;
	GENERAL_NAMES_free(alt);
	probe_err_clear();
	return found;
}

int
tsa_check_tst_name(TS_TST_INFO *tst, X509 *signer, struct result *r)
{
	GENERAL_NAME *gn = TS_TST_INFO_get_tsa(tst);
	BIO *b;
	char *p = NULL;
	long n = 0;

	if (gn == NULL || tsa_names_signer(gn, signer))
		return 1;
	if ((b = BIO_new(BIO_s_mem())) != NULL && GENERAL_NAME_print(b, gn) > 0)
		n = BIO_get_mem_data(b, &p);
	result_flag(r, REASON_UNTRUSTED, "TSTInfo names the TSA \"%.*s%s\", which is not a "
	    "subject name of the certificate that signed it (RFC 3161 §2.4.2)",
	    p != NULL ? (int)(n > 200 ? 200 : n) : 1, p != NULL ? p : "?",
	    n > 200 ? "..." : "");
	BIO_free(b);
	probe_err_clear();
	return 0;
}
