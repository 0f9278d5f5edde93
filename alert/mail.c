/*
 * SMTP via libcurl multi-socket on libevent; see mail.h.
 * The same pattern as the probe engine: curl says which sockets to watch and when to
 * wake it; libevent calls curl_multi_socket_action; finished transfers are reaped in
 * reap(). No polling loop, no threads.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "mail.h"
#include "../core/util.h"

struct xfer {
	LIST_ENTRY(xfer) link;
	struct mailer	*m;
	CURL		*easy;
	struct curl_slist *rcpt;
	char		*data;
	size_t		 len, off;
	mail_done_fn	*done;
	void		*arg;
	char		 errbuf[CURL_ERROR_SIZE];
};

struct mailer {
	struct event_base *base;	/* borrowed */
	CURLM		*multi;
	struct event	*timer;
	LIST_HEAD(, xfer) xfers;
	size_t		 n;
};

struct msock {
	struct event	 ev;
};

static void reap(struct mailer *);

static void
sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *m = arg;
	int flags = 0, still;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(m->multi, fd, flags, &still);
	reap(m);
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mailer *m = arg;
	int still;

	(void)fd; (void)what;
	curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	reap(m);
}

/* CURLMOPT_TIMERFUNCTION */
static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct mailer *m = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(m->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(m->timer, &tv) == 0 ? 0 : -1;
}

/* CURLMOPT_SOCKETFUNCTION */
static int
multi_sock_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct mailer *m = arg;
	struct msock *sk = sockp;
	short ev;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			event_del(&sk->ev);
			free(sk);
			curl_multi_assign(m->multi, s, NULL);
		}
		return 0;
	}
	ev = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (sk == NULL) {
		sk = xcalloc(1, sizeof(*sk));
		curl_multi_assign(m->multi, s, sk);
	} else {
		event_del(&sk->ev);
	}
	if (event_assign(&sk->ev, m->base, s, ev, sock_cb, m) != 0 ||
	    event_add(&sk->ev, NULL) != 0)
		return -1;
	return 0;
}

static size_t
read_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (n > x->len - x->off)
		n = x->len - x->off;
	memcpy(ptr, x->data + x->off, n);
	x->off += n;
	return n;
}

struct mailer *
mail_new(struct event_base *base)
{
	struct mailer *m = xcalloc(1, sizeof(*m));

	m->base = base;
	LIST_INIT(&m->xfers);
	m->timer = evtimer_new(base, timeout_cb, m);
	m->multi = curl_multi_init();
	if (m->timer == NULL || m->multi == NULL ||
	    curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, multi_sock_cb) != CURLM_OK ||
	    curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m) != CURLM_OK ||
	    curl_multi_setopt(m->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb) != CURLM_OK ||
	    curl_multi_setopt(m->multi, CURLMOPT_TIMERDATA, m) != CURLM_OK) {
		mail_free(m);
		return NULL;
	}
	return m;
}

static void
xfer_free(struct xfer *x)
{
	if (x->easy != NULL) {
		curl_multi_remove_handle(x->m->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->rcpt);
	free(x->data);
	free(x);
}

int
mail_send(struct mailer *m, const struct mail_job *job, mail_done_fn *done, void *arg)
{
	struct xfer *x = xcalloc(1, sizeof(*x));
	long timeout = job->timeout_ms > 0 ? job->timeout_ms : 30000;
	char *from = xasprintf("<%s>", job->from != NULL ? job->from : "");
	int bad = 0;

	x->m = m;
	x->done = done;
	x->arg = arg;
	x->data = xmalloc(job->len + 1);
	memcpy(x->data, job->data, job->len);
	x->len = job->len;
	for (size_t i = 0; i < job->n_rcpt; i++) {
		char *r = xasprintf("<%s>", job->rcpt[i]);
		struct curl_slist *l = curl_slist_append(x->rcpt, r);

		free(r);
		if (l == NULL)
			bad = 1;
		else
			x->rcpt = l;
	}
	x->easy = curl_easy_init();
	if (bad || x->easy == NULL || x->rcpt == NULL) {
		free(from);
		xfer_free(x);
		return -1;
	}
	/* STARTTLS when offered on smtp://; smtps:// is TLS from the first byte anyway. */
	bad |= curl_easy_setopt(x->easy, CURLOPT_URL, job->url) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_MAIL_FROM, from) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_MAIL_RCPT, x->rcpt) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, read_cb) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_READDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    timeout < 10000 ? timeout : 10000L) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x) != CURLE_OK;
	if (job->username != NULL) {
		bad |= curl_easy_setopt(x->easy, CURLOPT_USERNAME, job->username) != CURLE_OK;
		bad |= curl_easy_setopt(x->easy, CURLOPT_PASSWORD,
		    job->password != NULL ? job->password : "") != CURLE_OK;
	}
	free(from);	/* curl copies string options */
	if (bad || curl_multi_add_handle(m->multi, x->easy) != CURLM_OK) {
		xfer_free(x);
		return -1;
	}
	LIST_INSERT_HEAD(&m->xfers, x, link);
	m->n++;
	return 0;
}

/* Hands every finished transfer to its done and frees it. */
static void
reap(struct mailer *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		struct xfer *x = NULL;
		CURLcode rc = msg->data.result;
		char err[CURL_ERROR_SIZE + 64];
		long code = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
		LIST_REMOVE(x, link);
		m->n--;
		if (rc == CURLE_OK) {
			err[0] = '\0';
		} else if (code != 0) {
			snprintf(err, sizeof(err), "%s (SMTP %ld)",
			    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc), code);
		} else {
			snprintf(err, sizeof(err), "%s",
			    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		}
		if (x->done != NULL)
			x->done(rc == CURLE_OK, err, x->arg);
		xfer_free(x);
	}
}

size_t
mail_pending(const struct mailer *m)
{
	return m->n;
}

void
mail_free(struct mailer *m)
{
	struct xfer *x;

	if (m == NULL)
		return;
	while ((x = LIST_FIRST(&m->xfers)) != NULL) {
		LIST_REMOVE(x, link);
		xfer_free(x);
	}
	if (m->multi != NULL)
		curl_multi_cleanup(m->multi);
	if (m->timer != NULL)
		event_free(m->timer);
	free(m);
}
