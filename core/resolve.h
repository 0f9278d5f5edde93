/*
 * Every address of a host, asked without blocking the event loop (SPEC §14 addresses: all):
 * libevent's evdns stub resolver on the caller's event_base — /etc/resolv.conf's
 * nameservers and /etc/hosts; or, when the TW_HOSTS environment variable names a hosts
 * file, that file alone and no nameserver (tests give a name several loopback addresses
 * that way, without touching /etc/hosts or DNS). curl cannot be asked for every address it resolved, and getaddrinfo
 * blocks, so the engine resolves here and pins each transfer to one address
 * (CURLOPT_CONNECT_TO), keeping the name for TLS and Host.
 */
#ifndef TW_RESOLVE_H
#define TW_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

struct event_base;
struct resolver;
struct resolve_req;

#define RESOLVE_MAX	16		/* addresses kept per name, the rest ignored */

/* An answer: n addresses (IPv4 first, then IPv6, each in order, no repeats), or error. */
struct resolve_answer {
	size_t		 n;
	char		 addr[RESOLVE_MAX][INET6_ADDRSTRLEN];
	const char	*error;		/* NULL, or why there is no address (static text) */
	double		 ms;		/* from the question to the answer */
};

typedef void resolve_fn(const struct resolve_answer *, void *arg);

/* A resolver on base (borrowed, outlives it). Returns NULL with *err set (caller frees). */
struct resolver *resolver_new(struct event_base *base, char **err);

/* Cancels every question without calling back, then frees. NULL is a no-op. */
void resolver_free(struct resolver *);

/*
 * Asks for host's addresses of family (AF_UNSPEC: A and AAAA; AF_INET; AF_INET6). fn is
 * called exactly once from the event loop, never from inside this call: with the answer,
 * or with an error after timeout_ms. Returns the question (to cancel), or NULL when it
 * cannot be asked (fn is then never called).
 */
struct resolve_req *resolver_lookup(struct resolver *, const char *host, int family,
    int64_t timeout_ms, resolve_fn *fn, void *arg);

/* Forgets a question not answered yet: fn will not be called. */
void resolve_cancel(struct resolve_req *);

/* Is s an IPv4 or IPv6 literal (brackets allowed)? Such a host is never resolved. */
int resolve_is_literal(const char *s);

#endif
