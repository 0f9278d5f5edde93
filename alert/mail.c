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
#include "../core/evcurl.h"
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
	struct evcurl	*ec;		/* curl multi on the event base */
	CURLM		*multi;		/* borrowed from ec */
	LIST_HEAD(, xfer) xfers;
	size_t		 n;
};

static void reap(struct mailer *);

/* evcurl's after-action hook. */
static void
after_action(void *arg)
{
	reap(arg);
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
	if ((m->ec = evcurl_new(base, after_action, m)) == NULL) {
		mail_free(m);
		return NULL;
	}
	m->multi = evcurl_multi(m->ec);
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
	evcurl_free(m->ec);
	free(m);
}
