/*
 * trustwatch-testbed: a simulated trust-service provider with live fault switches.
 * Internal interface shared by the testbed's files; nothing outside testbed/ includes it.
 */
#ifndef TW_TESTBED_H
#define TW_TESTBED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define TB_MAX_PROVIDERS 50

/* The services every provider runs, each on its own listener. */
enum tb_svc {
	SVC_LOGIN,
	SVC_OIDC,
	SVC_SAML,
	SVC_OCSP,
	SVC_CRL,
	SVC_TSA,
	SVC_TL,			/* the testbed's trusted list (testbed/tl.c) */
	SVC__MAX
};
extern const char *const tb_svc_names[SVC__MAX];

/* Fault switches; a service may have several on at once, `ok` clears them all. */
enum tb_fault {
	F_DOWN,
	F_HANG,
	F_SLOW,			/* param: milliseconds */
	F_HTTP,			/* param: status code */
	F_GARBAGE,
	F_HUGE,			/* param: MiB */
	F_BAD_SIGNATURE,
	F_WRONG_SIGNER,
	F_STALE,
	F_EXPIRED,
	F_REVOKED,
	F_UNKNOWN,
	F_NONCE_WRONG,
	F_NONCE_MISSING,
	F_TSA_REJECT,
	F_CLOCK_SKEW,		/* param: seconds */
	F_WRONG_POLICY,
	F_CRL_NUMBER_REGRESS,
	F_TLS_EXPIRED,
	F_TLS_EXPIRING,
	/* TLS posture (tls_posture.c) */
	F_TLS_CHAIN,
	F_TLS_LEGACY,
	F_TLS_NO_INTERMEDIATE,
	F_TLS_REVOKED,
	F_CRL_DISAGREE,		/* param: seconds added to the revocation time, 0 = says good */
	F_UNISSUED_GOOD,
	F_LONG_VALIDITY,	/* param: days between thisUpdate and nextUpdate */
	F_COARSE_ACCURACY,	/* param: seconds of accuracy stated in tokens */
	F_WITHDRAWN,		/* tl: this provider's CA/QC service withdrawn in the list */
	F_SEQUENCE_REGRESS,	/* tl: the sequence number one below the current */
	F__MAX
};
extern const char *const tb_fault_names[F__MAX];

/* A key and its certificate, both owned. */
struct tb_cred {
	X509		*cert;
	EVP_PKEY	*key;
	char		*path;		/* absolute path of the PEM certificate */
};

enum tb_cred_id {
	CRED_ROOT,
	CRED_ISSUING,
	CRED_OCSP,
	CRED_GOOD,
	CRED_REVOKED,
	CRED_TSA,
	CRED_TLS,
	CRED_TLS_EXPIRED,
	CRED_TLS_EXPIRING,
	CRED_IDP,
	CRED_ROGUE_CA,
	CRED_ROGUE_OCSP,
	CRED_ROGUE_TSA,
	CRED_TL,		/* the trusted list's scheme-operator signer */
	CRED__MAX
};

/* Key type of every key in the PKI (--keys). */
enum tb_keys {
	TB_KEYS_P256,		/* EC P-256, ecdsa-with-SHA256 (default) */
	TB_KEYS_RSA2048		/* RSA 2048, sha256WithRSAEncryption (PKCS #1 v1.5) */
};
extern const char *const tb_keys_names[2];

struct tb_pki {
	struct tb_cred	 c[CRED__MAX];
	enum tb_keys	 keys;		/* set before tb_pki_load_or_create */
	char		*dir;		/* DIR/pki, absolute */
	int64_t		 revoked_at;	/* revocation time of the revoked leaf, epoch s */
};

struct tb_service;

#define TB_MAX_ONLY	64	/* client addresses with faults of their own, per service */
#define TB_MAX_ADDRS	8	/* --addresses: listening on 127.0.0.1 .. 127.0.0.8 */
/* A tb_only key: a client address, or "%" and a listening address (TB_KEY_LOCAL). */
#define TB_KEYLEN	(INET6_ADDRSTRLEN + 1)
#define TB_KEY_LOCAL	'%'

#define TB_MAX_CLIENTS	256	/* client addresses remembered per service */

/* The faults in effect: for everyone, for one client address, or for one request. */
struct tb_faultset {
	bool		 on[F__MAX];
	long		 param[F__MAX];
};

/*
 * Faults switched on for one client address only ("p1/ocsp=down@127.0.0.3"), or for the
 * requests that reach one listening address ("p1/ocsp=down%127.0.0.2", key "%127.0.0.2").
 */
struct tb_only {
	struct tb_only	*next;
	char		 addr[TB_KEYLEN];	/* canonical text (inet_ntop), maybe "%"-prefixed */
	struct tb_faultset fs;
};

/* A client address a service has seen requests from, and how many. */
struct tb_client {
	struct tb_client *next;
	char		 addr[INET6_ADDRSTRLEN];
	uint64_t	 requests;
};

struct tb_provider {
	int			 index;		/* 1-based */
	char			 id[16];	/* "p1" */
	struct tb_service	*svc[SVC__MAX];
	uint64_t		 tsa_serial;
};

struct tb_service {
	struct tb_provider	*prov;
	enum tb_svc		 kind;
	struct evhttp		*http;
	/* One per listening address 127.0.0.(i+1) (--addresses), NULL while down there. */
	struct evhttp_bound_socket *bound[TB_MAX_ADDRS];
	int			 port;
	bool			 tls;
	/*
	 * The faults for every client; while a request is handled (tb_fault_enter to
	 * tb_fault_leave), those plus the ones qualified for its client address.
	 */
	bool			 on[F__MAX];
	long			 param[F__MAX];
	struct tb_only		*only;		/* faults qualified by client address */
	struct tb_client	*clients;	/* every client address seen, newest first */
	struct tb_pending	*pending;	/* held requests (hang, slow) */
};

struct tb_pending;

struct tb {
	struct event_base	*base;
	struct tb_pki		 pki;
	struct tb_provider	 prov[TB_MAX_PROVIDERS];
	int			 nprov;
	bool			 relying;	/* --relying: relying services in the config */
	int			 naddrs;	/* --addresses: 127.0.0.1 .. 127.0.0.naddrs */
	SSL_CTX			*tls_ok, *tls_expired, *tls_expiring;
	/* TLS posture servers (tls_posture.c), NULL before tb_posture_init */
	SSL_CTX			*tls_chain, *tls_legacy, *tls_no_chain, *tls_revoked;
	char			*state;		/* absolute state dir */
	char			*tsa_policy;
	int64_t			 crl_every_ms;
	int64_t			 crl_number;
	int64_t			 crl_issued;	/* epoch s of the current CRL */
	struct event		*crl_timer;
	struct evhttp		*control;
	int			 control_port;
	int64_t			 started_ms;	/* monotonic */
};

extern struct tb *tb;

/*
 * pki.c: loads DIR/pki or generates it with keys of type pki->keys; a stored PKI with keys
 * of another type is regenerated. Returns 0 or -1 with a message on stderr.
 */
int tb_pki_load_or_create(struct tb_pki *, const char *state);
void tb_pki_free(struct tb_pki *);

/* services.c: listeners and the fault layer shared by every service. */
int tb_svc_start(struct tb_service *, int port);
void tb_svc_free(struct tb_service *);
/*
 * Listens on every listening address where `down` is off (for the service and for that
 * address), and stops listening where it is on; tb_svc_unlisten is the same call.
 */
int tb_svc_listen(struct tb_service *);
void tb_svc_unlisten(struct tb_service *);
/* The local address of socket fd as canonical text into out; returns 0 or -1. */
int tb_local_addr(int fd, char *out, size_t outsz);
/* Sends status + body (taken) honouring slow/hang/http/garbage/huge. */
void tb_svc_reply(struct tb_service *, struct evhttp_request *, int code,
    const char *ctype, struct evbuffer *body);
/* Applies the generic faults before a handler runs; returns true when it answered. */
bool tb_svc_pre(struct tb_service *, struct evhttp_request *);
/* Releases every held request (on heal or shutdown). */
void tb_svc_release(struct tb_service *);
/* Releases the requests held for client address addr only. */
void tb_svc_release_from(struct tb_service *, const char *addr);
/* The peer address of socket fd as canonical text into out; returns 0 or -1. */
int tb_peer_addr(int fd, char *out, size_t outsz);
/* Base URL of a service, "http(s)://127.0.0.1:PORT" (caller frees). */
char *tb_svc_base(const struct tb_service *);
void tb_flip_last_byte(unsigned char *der, size_t len);

/* Per-kind request handlers (req is answered or held). */
void tb_ocsp_handle(struct tb_service *, struct evhttp_request *);
void tb_crl_handle(struct tb_service *, struct evhttp_request *);
void tb_tsa_handle(struct tb_service *, struct evhttp_request *);
void tb_login_handle(struct tb_service *, struct evhttp_request *);
void tb_tl_handle(struct tb_service *, struct evhttp_request *);

/* crl.c: the periodic re-issue timer and the persisted CRL number. */
int tb_crl_init(void);
void tb_crl_fini(void);

/*
 * tls_posture.c: issues the posture certificates (naming provider 1's OCSP responder and
 * CRL, so after the services listen) and their server contexts. Returns 0 or -1.
 */
int tb_posture_init(void);
/* The context a posture fault of svc selects for client addr, or NULL when none is on. */
SSL_CTX *tb_posture_ctx(struct tb_service *svc, const char *addr);
void tb_posture_fini(void);

/* faults.c */
/*
 * Applies "p1/ocsp=down" (or "...=ok"), optionally qualified by a client address
 * ("p1/ocsp=down@127.0.0.3", "p1/ocsp=ok@127.0.0.3"); returns 0 or -1 and writes a
 * message to err.
 */
int tb_fault_apply(const char *spec, char *err, size_t errsz);
/* Appends "p1/ocsp=down\n" (or "p1/ocsp=down@127.0.0.3\n") for every fault that is on. */
void tb_fault_list(struct evbuffer *);
/*
 * For a request from addr: saves svc's faults in saved and adds those qualified for addr
 * (addr NULL or unknown: nothing added). tb_fault_leave restores them.
 */
void tb_fault_enter(struct tb_service *, const char *addr, struct tb_faultset *saved);
/* Adds the faults of listening address local ("127.0.0.2") between enter and leave. */
void tb_fault_add_local(struct tb_service *, const char *local);
void tb_fault_leave(struct tb_service *, const struct tb_faultset *saved);
/* Is fault f on for a client at addr (for everyone, or qualified for addr)? */
bool tb_fault_for(const struct tb_service *, const char *addr, int f);
/* Same for listening address local (NULL: none). */
bool tb_fault_for_local(const struct tb_service *, const char *local, int f);
/* Counts a request from addr; appends "p1/ocsp 127.0.0.2 3\n" per service and client. */
void tb_client_seen(struct tb_service *, const char *addr);
void tb_client_list(struct evbuffer *);
/* Frees svc's qualified faults and client list. */
void tb_fault_free(struct tb_service *);
int tb_timeline_load(const char *path);
void tb_timeline_free(void);

/* dns.c: the authoritative DNS server of the test zones (--dns-port). */
int tb_dns_start(int port);
void tb_dns_free(void);
/* Applies the dns fault named ("lame", ..., "ok"); returns 0 or -1 with err. */
int tb_dns_fault(const char *name, char *err, size_t errsz);
/* Heals every dns fault (nothing when the DNS server is off). */
void tb_dns_heal(void);
/* Appends "dns=FAULT\n" for every dns fault that is on. */
void tb_dns_fault_list(struct evbuffer *);

/* control.c */
int tb_control_start(int port);
void tb_control_free(void);

/* config_out.c: writes the trustwatch config and DIR/control.url atomically. */
int tb_config_write(const char *path);

#endif
