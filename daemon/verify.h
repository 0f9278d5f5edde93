/* The checks behind `trustwatch verify` (SPEC §12); cmd_verify.c parses the options. */
#ifndef TW_VERIFY_H
#define TW_VERIFY_H

#include <stdio.h>

#include <openssl/x509.h>

#include "../tlog/tlog.h"

struct verify_opts {
	struct tlog_verifier *vkeys;		/* owned; none = use each node's published vkey */
	size_t		 n_vkeys;
	X509_STORE	*trust;			/* owned; NULL = check tokens against their own
						 * certificate only */
	size_t		 n_trust_files;
	struct verify_since {			/* --since: checkpoints the reader kept */
		char	*path;			/* owned */
		unsigned char *note;		/* owned, as read */
		size_t	 len;
		struct tlog_checkpoint c;	/* owned */
		int	 matched;		/* set when a node with its origin was checked */
	} *since;
	size_t		 n_since;
};

void verify_opts_clear(struct verify_opts *);

/*
 * Verifies every log/NODE/ of the site at root (a directory or an http(s) URL), printing
 * what was checked and the first mismatch to out. Returns EXIT_OK, EXIT_MISMATCH, or
 * EXIT_RUNTIME when something could not be read.
 */
int verify_site(const char *root, const struct verify_opts *, FILE *out);

/*
 * Checks an RFC 3161 TimeStampResp (or a bare TimeStampToken) der over SHA-256 of msg: the
 * status, the messageImprint, the token's signature by the certificate it carries and, with
 * trust, that certificate's chain to trust with the timeStamping purpose. Returns 0, or -1
 * with *why (caller frees). Sets *gen_time to the token's genTime text (caller frees).
 */
int verify_tsr(const unsigned char *der, size_t len, const void *msg, size_t msg_len,
    X509_STORE *trust, char **gen_time, char **why);

#endif
