/*
 * SAML 2.0 metadata evaluation (SAML V2.0 Metadata, OASIS 2005) for the login kind.
 * Pure: bytes in, findings in r. XML signatures are NOT verified.
 */
#ifndef TW_SAML_H
#define TW_SAML_H

#include <stddef.h>
#include <stdint.h>

#include "../core/config.h"
#include "../core/result.h"

#define SAML_MD_NS	"urn:oasis:names:tc:SAML:2.0:metadata"
#define SAML_DS_NS	"http://www.w3.org/2000/09/xmldsig#"

/*
 * Evaluates metadata at now_ms. The document is parsed without network access, entity
 * substitution or DTD loading; a DOCTYPE is refused.
 * saml_invalid: not well-formed XML; a root other than md:EntityDescriptor or
 * md:EntitiesDescriptor; a validUntil (on any EntitiesDescriptor, EntityDescriptor or
 * IDPSSODescriptor) unparseable or not after now; no IDPSSODescriptor; an
 * IDPSSODescriptor without SingleSignOnService; an IdP signing certificate
 * (KeyDescriptor use="signing" or without use, ds:KeyInfo/ds:X509Data/ds:X509Certificate)
 * that does not parse; an IdP whose signing certificates have all expired (notAfter
 * not after now; notBefore is not checked).
 * tls_expiring: an expired signing certificate next to a valid one (a rollover left
 * behind), or the IdP signing certificate ending first has fewer than
 * ep->tls_min_days days left.
 * Records details saml_idps, saml_signing_certs, saml_valid_until (the earliest),
 * saml_cert_days_left and saml_cert_not_after (of the certificate ending first).
 */
void saml_evaluate(const unsigned char *body, size_t len, const struct conf_endpoint *ep,
    int64_t now_ms, struct result *r);

#endif
