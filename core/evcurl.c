#include <stdlib.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "evcurl.h"
#include "util.h"

struct evcurl {
	struct event_base *base;	/* borrowed */
	CURLM		*multi;
	struct event	*timer;
	void		(*after)(void *);
	void		*arg;
};

/* What a socket curl asked us to watch carries (curl_multi_assign). */
struct evcurl_sock {
	struct event	 ev;
};

static void
event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evcurl *ec = arg;
	int flags = 0, still;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(ec->multi, fd, flags, &still);
	ec->after(ec->arg);
}

static void
timer_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evcurl *ec = arg;
	int still;

	(void)fd; (void)what;
	curl_multi_socket_action(ec->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	ec->after(ec->arg);
}

/* CURLMOPT_TIMERFUNCTION: (re)arms or removes the single curl timer. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct evcurl *ec = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(ec->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(ec->timer, &tv) == 0 ? 0 : -1;
}

/* CURLMOPT_SOCKETFUNCTION: watches, re-watches or forgets one socket. */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct evcurl *ec = arg;
	struct evcurl_sock *sk = sockp;
	short ev;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			event_del(&sk->ev);
			free(sk);
			curl_multi_assign(ec->multi, s, NULL);
		}
		return 0;
	}
	ev = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (sk == NULL) {
		sk = xcalloc(1, sizeof(*sk));
		curl_multi_assign(ec->multi, s, sk);
	} else {
		event_del(&sk->ev);
	}
	if (event_assign(&sk->ev, ec->base, s, ev, event_cb, ec) != 0 ||
	    event_add(&sk->ev, NULL) != 0)
		return -1;
	return 0;
}

struct evcurl *
evcurl_new(struct event_base *base, void (*after)(void *), void *arg)
{
	struct evcurl *ec = xcalloc(1, sizeof(*ec));

	ec->base = base;
	ec->after = after;
	ec->arg = arg;
	ec->timer = evtimer_new(base, timer_event_cb, ec);
	ec->multi = curl_multi_init();
	if (ec->timer == NULL || ec->multi == NULL ||
	    curl_multi_setopt(ec->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
	    curl_multi_setopt(ec->multi, CURLMOPT_SOCKETDATA, ec) != CURLM_OK ||
	    curl_multi_setopt(ec->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
	    curl_multi_setopt(ec->multi, CURLMOPT_TIMERDATA, ec) != CURLM_OK) {
		evcurl_free(ec);
		return NULL;
	}
	return ec;
}

CURLM *
evcurl_multi(const struct evcurl *ec)
{
	return ec->multi;
}

void
evcurl_free(struct evcurl *ec)
{
	if (ec == NULL)
		return;
	if (ec->multi != NULL)
		curl_multi_cleanup(ec->multi);
	if (ec->timer != NULL)
		event_free(ec->timer);
	free(ec);
}
