/* Signed JSON webhooks on libcurl multi-socket; see webhook.h. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webhook.h"
#include "../core/evcurl.h"
#include "../core/util.h"

struct hook_xfer {
	LIST_ENTRY(hook_xfer) link;
	struct hooker	*h;
	CURL		*easy;
	struct curl_slist *headers;
	char		*body;
	webhook_done_fn	*done;
	void		*arg;
	char		 errbuf[CURL_ERROR_SIZE];
};

struct hooker {
	struct evcurl	*ec;
	CURLM		*multi;		/* borrowed from ec */
	LIST_HEAD(, hook_xfer) xfers;
};

/* Returns s as a JSON string, or JSON null for NULL (jansson replaces bad UTF-8: none here). */
static json_t *
str_or_null(const char *s)
{
	json_t *j = s != NULL ? json_string(s) : NULL;

	return j != NULL ? j : json_null();	/* invalid UTF-8 from a server: null */
}

char *
webhook_body(const char *event_key, const struct msg_incident *in, const char *summary,
    const char *base_url)
{
	json_t *o = json_object(), *reasons = json_array();
	struct buf text = { 0 }, link = { 0 }, sum = { 0 };
	char t[40], *out;
	const char *r = in->reasons;

	while (r != NULL && *r != '\0') {
		size_t n = strcspn(r, ";");
		char *one = xasprintf("%.*s", (int)n, r);

		json_array_append_new(reasons, str_or_null(one));
		free(one);
		r += n + (r[n] == ';');
	}
	if (base_url != NULL && *base_url != '\0')
		buf_printf(&link, "%s%sincidents/%lld.html", base_url,
		    base_url[strlen(base_url) - 1] == '/' ? "" : "/", (long long)in->id);
	msg_line_text(&sum, summary);
	msg_line_text(&text, summary);
	if (in->plain != NULL) {
		buf_append(&text, "\n", 1);
		msg_line_text(&text, in->plain);
	}
	if (link.data != NULL) {
		buf_append(&text, "\n", 1);
		msg_line_text(&text, (char *)link.data);
	}
	json_object_set_new(o, "event", json_string(strncmp(event_key, "reminder", 8) == 0 ?
	    "reminder" : event_key));
	json_object_set_new(o, "incident", json_integer(in->id));
	json_object_set_new(o, "provider", str_or_null(in->provider));
	json_object_set_new(o, "provider_name", str_or_null(in->provider_name));
	json_object_set_new(o, "endpoint", str_or_null(in->endpoint));
	json_object_set_new(o, "kind", str_or_null(in->kind));
	json_object_set_new(o, "worst", str_or_null(in->worst));
	json_object_set_new(o, "reasons", reasons);
	rfc3339_format_s(in->start_ms, t, sizeof(t));
	json_object_set_new(o, "start", json_string(t));
	if (in->end_ms >= 0) {
		rfc3339_format_s(in->end_ms, t, sizeof(t));
		json_object_set_new(o, "end", json_string(t));
	} else
		json_object_set_new(o, "end", json_null());
	json_object_set_new(o, "summary", str_or_null((char *)sum.data));
	json_object_set_new(o, "plain", str_or_null(in->plain));
	json_object_set_new(o, "link", str_or_null((char *)link.data));
	json_object_set_new(o, "text", str_or_null((char *)text.data));
	out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	buf_free(&text);
	buf_free(&link);
	buf_free(&sum);
	return out;
}

void
webhook_sign(const char *secret, const char *body, size_t len, char *out, size_t outsz)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t o;

	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac, &n);
	o = (size_t)snprintf(out, outsz, "sha256=");
	for (unsigned int i = 0; i < n && o + 3 <= outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%02x", mac[i]);
}

static void
xfer_free(struct hook_xfer *x)
{
	if (x->easy != NULL) {
		curl_multi_remove_handle(x->h->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	free(x->body);
	free(x);
}

static void
reap(void *arg)
{
	struct hooker *h = arg;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		struct hook_xfer *x = NULL;
		char err[CURL_ERROR_SIZE + 64];
		long code = 0;
		int ok;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		LIST_REMOVE(x, link);
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
		ok = msg->data.result == CURLE_OK && code >= 200 && code < 300;
		if (msg->data.result != CURLE_OK)
			snprintf(err, sizeof(err), "%s", x->errbuf[0] ? x->errbuf :
			    curl_easy_strerror(msg->data.result));
		else
			snprintf(err, sizeof(err), "the webhook answered HTTP %ld", code);
		if (x->done != NULL)
			x->done(ok, ok ? "" : err, x->arg);
		xfer_free(x);
	}
}

struct hooker *
webhook_new(struct event_base *base)
{
	struct hooker *h = xcalloc(1, sizeof(*h));

	LIST_INIT(&h->xfers);
	if ((h->ec = evcurl_new(base, reap, h)) == NULL) {
		free(h);
		return NULL;
	}
	h->multi = evcurl_multi(h->ec);
	return h;
}

/* Adds "Name: value" unless value holds a control character (no header injection). */
static int
add_header(struct hook_xfer *x, const char *name, const char *value)
{
	struct curl_slist *l;
	char *line;

	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return -1;
	line = xasprintf("%s: %s", name, value);
	l = curl_slist_append(x->headers, line);
	free(line);
	if (l == NULL)
		return -1;
	x->headers = l;
	return 0;
}

int
webhook_send(struct hooker *h, const struct webhook_job *job, webhook_done_fn *done, void *arg)
{
	struct hook_xfer *x = xcalloc(1, sizeof(*x));
	long timeout = job->timeout_ms > 0 ? job->timeout_ms : 30000;
	char sig[80];
	int bad = 0;

	x->h = h;
	x->done = done;
	x->arg = arg;
	x->body = xmalloc(job->len + 1);
	memcpy(x->body, job->body, job->len);
	x->body[job->len] = '\0';
	webhook_sign(job->secret != NULL ? job->secret : "", x->body, job->len, sig, sizeof(sig));
	bad |= add_header(x, "Content-Type", "application/json") != 0;
	bad |= add_header(x, "User-Agent", "trustwatch") != 0;
	bad |= add_header(x, "X-Trustwatch-Signature", sig) != 0;
	bad |= add_header(x, "X-Trustwatch-Event", job->event) != 0;
	bad |= add_header(x, "X-Trustwatch-Delivery", job->delivery) != 0;
	bad |= add_header(x, "Expect", "") != 0;
	if (bad || (x->easy = curl_easy_init()) == NULL) {
		xfer_free(x);
		return -1;
	}
	bad |= curl_easy_setopt(x->easy, CURLOPT_URL, job->url) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->len) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    timeout < 10000 ? timeout : 10000L) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x) != CURLE_OK;
	if (bad || curl_multi_add_handle(h->multi, x->easy) != CURLM_OK) {
		xfer_free(x);
		return -1;
	}
	LIST_INSERT_HEAD(&h->xfers, x, link);
	return 0;
}

void
webhook_free(struct hooker *h)
{
	struct hook_xfer *x;

	if (h == NULL)
		return;
	while ((x = LIST_FIRST(&h->xfers)) != NULL) {
		LIST_REMOVE(x, link);
		xfer_free(x);
	}
	evcurl_free(h->ec);
	free(h);
}
