/*
 * Public keys of certificates decoded the cheap way on OpenSSL 3.0 and 3.1 (issue 22).
 *
 * OpenSSL 3.0 decodes the public key of every certificate it parses — the server chain of
 * every TLS handshake included, which trustwatch cannot parse for libssl — through
 * OSSL_DECODER_CTX_new_for_pkey, building a decoder chain each time: ~0.7 M instructions
 * per certificate, 1.4 M per HTTPS probe. 3.2 caches those decoders. The same release
 * still has the pre-3.0 decoder of each key type, and x509_pubkey_decode uses it when an
 * ENGINE is registered as the implementation of that key type. This file registers one,
 * whose methods are OpenSSL's own built-in RSA methods — no code of ours signs,
 * verifies or decodes anything — so certificates get their keys from the legacy decoder.
 *
 * A key type claimed by an ENGINE is also made through it when code asks for it by name
 * (EVP_PKEY_CTX_new_from_name) — the legacy method, which cannot build a key from
 * parameters: probe/oidc.c pauses the registration around the one such place
 * (keydecode_pause/resume). With probe threads (probe/pool.c) one pause runs at a time (a
 * mutex from pause to resume: another thread's resume must not land inside it); what other
 * threads do meanwhile stays correct: a certificate decoded during a pause gets a provider
 * key, which verifies with the registration back, and a legacy key used during one is
 * exported to the provider as OpenSSL 3 does for any legacy key.
 *
 * Isolated here, on only where OPENSSL_VERSION_NUMBER < 3.2 at build and run time, and
 * off with TW_OPENSSL_DECODERS=1 in the environment (for comparison). Tests check that a
 * wrong CA, a wrong name and a tampered certificate signature still fail with it on
 * (tests/login_test.c, tests/probe_itest.sh) and that it is on (keydecode_active).
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* the ENGINE API: what 3.0's legacy path keys on */

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/opensslv.h>

#include "keydecode.h"

#if OPENSSL_VERSION_NUMBER < 0x30200000L && !defined(OPENSSL_NO_ENGINE)
#include <openssl/engine.h>

static void keydecode_done(void);

/*
 * RSA only: with EC keys decoded the legacy way, libxmlsec1's ECDSA verification fails (an
 * EC-signed trusted list is then signature_invalid: tests/tl_itest.sh's testbed list), and
 * with EC claimed, EC keys made by name fail ("unknown group": EVP_PKEY_Q_keygen "EC"
 * "P-256"), which is how libssl makes a P-256 key share for a server without X25519.
 */
static const int nids[] = { EVP_PKEY_RSA };
static bool active;
static pthread_mutex_t pause_lock = PTHREAD_MUTEX_INITIALIZER;
static ENGINE *engine;		/* our structural reference while registered */

/* ENGINE_PKEY_METHS_PTR: OpenSSL's own method for each key type we claim. */
static int
pkey_meths(ENGINE *e, EVP_PKEY_METHOD **pmeth, const int **list, int nid)
{
	(void)e;
	if (pmeth == NULL) {
		*list = nids;
		return (int)(sizeof(nids) / sizeof(nids[0]));
	}
	for (size_t i = 0; i < sizeof(nids) / sizeof(nids[0]); i++)
		if (nids[i] == nid) {
			*pmeth = (EVP_PKEY_METHOD *)EVP_PKEY_meth_find(nid);
			return *pmeth != NULL;
		}
	*pmeth = NULL;
	return 0;
}

int
keydecode_init(void)
{
	static bool tried;
	const char *off = getenv("TW_OPENSSL_DECODERS");
	ENGINE *e;

	if (tried)
		return 0;
	tried = true;
	if ((off != NULL && off[0] == '1') || OpenSSL_version_num() >= 0x30200000L)
		return 0;
	if ((e = ENGINE_new()) == NULL)
		return -1;
	if (!ENGINE_set_id(e, "trustwatch-keydecode") ||
	    !ENGINE_set_name(e, "OpenSSL's built-in RSA methods, legacy key decoding") ||
	    !ENGINE_set_pkey_meths(e, pkey_meths) || !ENGINE_init(e) ||
	    !ENGINE_set_default_pkey_meths(e)) {
		ENGINE_free(e);
		return -1;
	}
	/* The registration holds its own references; ours from init goes, new's stays. */
	ENGINE_finish(e);
	engine = e;
	active = true;
	/* Run by OPENSSL_cleanup before it tears down the ENGINE tables; atexit may be too late. */
	OPENSSL_atexit(keydecode_done);
	return 0;
}

void
keydecode_pause(void)
{
	pthread_mutex_lock(&pause_lock);
	if (active)
		ENGINE_unregister_pkey_meths(engine);
}

void
keydecode_resume(void)
{
	if (active && !ENGINE_set_default_pkey_meths(engine))
		active = false;
	pthread_mutex_unlock(&pause_lock);
}

bool
keydecode_active(void)
{
	return active;
}

/* At exit, for leak checkers: unregistered, and our reference released. */
static void
keydecode_done(void)
{
	if (engine == NULL)
		return;
	ENGINE_unregister_pkey_meths(engine);
	ENGINE_free(engine);
	engine = NULL;
	active = false;
}

#else

void
keydecode_pause(void)
{
}

void
keydecode_resume(void)
{
}


int
keydecode_init(void)
{
	return 0;
}

bool
keydecode_active(void)
{
	return false;
}

#endif
