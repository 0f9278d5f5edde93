/*
 * A libcurl multi handle driven by libevent (curl_multi_socket_action): the sockets and the
 * one timer curl asks for become events on a caller's event_base. No polling loop, no thread.
 * Shared by the probe engine and the mail sender.
 */
#ifndef TW_EVCURL_H
#define TW_EVCURL_H

#include <curl/curl.h>

struct event_base;
struct evcurl;

/*
 * Creates a multi handle on base (borrowed, must outlive it). After every socket or timer
 * action after(arg) is called, so the owner can reap finished transfers
 * (curl_multi_info_read). Returns NULL on failure.
 */
struct evcurl *evcurl_new(struct event_base *base, void (*after)(void *), void *arg);

/* The multi handle (borrowed, valid until evcurl_free). */
CURLM *evcurl_multi(const struct evcurl *);

/* Cleans the multi handle up (remove every easy handle first), then frees. NULL is a no-op. */
void evcurl_free(struct evcurl *);

#endif
