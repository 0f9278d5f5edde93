#include "config.h"

const char *const kind_names[KIND__MAX] = {
	[KIND_LOGIN] = "login", [KIND_OCSP] = "ocsp", [KIND_CRL] = "crl", [KIND_TSA] = "tsa",
};
const char *const ocsp_method_names[OCSP_METHOD__MAX] = {
	[OCSP_METHOD_AUTO] = "auto", [OCSP_METHOD_GET] = "get", [OCSP_METHOD_POST] = "post",
};
const char *const cert_status_names[CERT__MAX] = {
	[CERT_GOOD] = "good", [CERT_REVOKED] = "revoked", [CERT_UNKNOWN] = "unknown",
};
