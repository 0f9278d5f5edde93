/*
 * SMTP via libcurl multi-socket on libevent; see mail.h.
 * The same pattern as the probe engine: curl says which sockets to watch and when to
 * wake it; libevent calls curl_multi_socket_action; finished transfers are reaped in
 * reap(). No polling loop, no threads.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

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
	char		*tls_ca;	/* NULL = system trust only */
	int		 auth;		/* credentials set: TLS required */
	char		 reply[256];	/* the server's last reply line, sanitized */
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

/*
 * Keeps the server's last reply line (curl hands SMTP replies to the debug callback),
 * except the 221 that answers QUIT: the reply that made a transfer fail stays.
 */
static int
debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	struct xfer *x = arg;
	size_t n = 0;

	(void)easy;
	if (type != CURLINFO_HEADER_IN || (size >= 3 && strncmp(data, "221", 3) == 0))
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (size == 0)
		return 0;
	for (size_t i = 0; i < size && n + 1 < sizeof(x->reply); i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\n')		/* several lines at once: keep the last */
			n = 0;
		else
			x->reply[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	x->reply[n] = '\0';
	return 0;
}

/* Adds tls_ca's certificates to the trust curl set up (the system's stays). */
static CURLcode
ssl_ctx_cb(CURL *easy, void *sslctx, void *arg)
{
	struct xfer *x = arg;

	int fd;

	(void)easy;
	if ((fd = file_open_regular(x->tls_ca)) < 0)	/* never block on a FIFO */
		return CURLE_SSL_CACERT_BADFILE;
	close(fd);
	if (X509_STORE_load_file(SSL_CTX_get_cert_store(sslctx), x->tls_ca) != 1) {
		ERR_clear_error();
		return CURLE_SSL_CACERT_BADFILE;
	}
	return CURLE_OK;
}

/* Returns 1 when s is safe inside an SMTP command: no control character, space or <>. */
static int
path_ok(const char *s)
{
	for (; s != NULL && *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '<' || *s == '>')
			return 0;
	return s != NULL;
}

/* Returns 1 when url carries a user name: curl would log in with it. */
static int
url_has_user(const char *url)
{
	CURLU *u = curl_url();
	char *user = NULL;
	int has;

	if (u == NULL)
		return 1;
	has = curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user != NULL);
	curl_free(user);
	curl_url_cleanup(u);
	return has;
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
	free(x->tls_ca);
	free(x->data);
	free(x);
}

int
mail_send(struct mailer *m, const struct mail_job *job, mail_done_fn *done, void *arg)
{
	struct xfer *x;
	long timeout = job->timeout_ms > 0 ? job->timeout_ms : 30000;
	char *from;
	int bad = 0;

	if (!path_ok(job->from))
		return -1;
	for (size_t i = 0; i < job->n_rcpt; i++)
		if (!path_ok(job->rcpt[i]))
			return -1;
	x = xcalloc(1, sizeof(*x));
	from = xasprintf("<%s>", job->from);
	x->m = m;
	x->tls_ca = xstrdup(job->tls_ca);
	x->auth = job->username != NULL || url_has_user(job->url);
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
	/*
	 * smtp:// with credentials: STARTTLS must succeed before AUTH (CURLUSESSL_ALL), else
	 * a server without it, or anyone stripping it, would read them. Without credentials
	 * STARTTLS is used when offered. smtps:// is TLS from the first byte anyway.
	 */
	bad |= curl_easy_setopt(x->easy, CURLOPT_URL, job->url) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_USE_SSL,
	    x->auth ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_DEBUGFUNCTION, debug_cb) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_DEBUGDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(x->easy, CURLOPT_VERBOSE, 1L) != CURLE_OK;
	if (x->tls_ca != NULL) {
		/* No cached store: tls_ca must reach this transfer's store, and only its. */
		bad |= curl_easy_setopt(x->easy, CURLOPT_CA_CACHE_TIMEOUT, 0L) != CURLE_OK;
		bad |= curl_easy_setopt(x->easy, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb) != CURLE_OK;
		bad |= curl_easy_setopt(x->easy, CURLOPT_SSL_CTX_DATA, x) != CURLE_OK;
	}
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

/* Returns 1 when the last reply is a refusal (4xx or 5xx): worth quoting. */
static int
refused(const struct xfer *x)
{
	return (x->reply[0] == '4' || x->reply[0] == '5') && x->reply[1] >= '0' &&
	    x->reply[1] <= '9' && x->reply[2] >= '0' && x->reply[2] <= '9';
}

/* Writes why a transfer failed as a sentence a person can act on. */
static void
describe(const struct xfer *x, CURLcode rc, char *out, size_t outsz)
{
	const char *what = NULL, *hint = "", *e = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	long oserr = 0, verify = 0;

	switch (rc) {
	case CURLE_USE_SSL_FAILED:
		what = refused(x) ? "the server refused STARTTLS; credentials are never sent in "
		    "clear" : "the server does not offer STARTTLS; credentials are never sent "
		    "in clear (use smtps:// or a server with STARTTLS)";
		break;
	case CURLE_LOGIN_DENIED:
		what = "login refused by the server";
		hint = "; check the account named by username_env and password_env";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		what = "cannot resolve the mail server's host name";
		break;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ECONNREFUSED)
			what = "connection refused (nothing listens at the alerts.smtp.url port)";
		else
			snprintf(out, outsz, "cannot connect to the mail server: %s",
			    oserr != 0 ? strerror((int)oserr) : e);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		what = "the mail server did not answer in time";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		curl_easy_getinfo(x->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
		if (verify == X509_V_OK)
			what = "TLS: the server's certificate does not name the host in alerts.smtp.url";
		else if (verify == X509_V_ERR_CERT_HAS_EXPIRED)
			what = "TLS: the server's certificate has expired";
		else if (verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		    verify == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
		    verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
		    verify == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE)
			snprintf(out, outsz, "TLS: certificate not trusted (%s) — set "
			    "alerts.smtp.tls_ca to the CA that issued it",
			    X509_verify_cert_error_string(verify));
		else
			snprintf(out, outsz, "TLS: the server's certificate was rejected (%s)",
			    X509_verify_cert_error_string(verify));
		break;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(out, outsz, "TLS: cannot read a certificate from alerts.smtp.tls_ca %s",
		    x->tls_ca != NULL ? x->tls_ca : "(none)");
		break;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(out, outsz, "TLS handshake with the mail server failed: %s", e);
		break;
	case CURLE_SEND_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		if (strncmp(e, "MAIL failed", 11) == 0)
			what = "sender address refused by the server";
		else if (strncmp(e, "RCPT failed", 11) == 0)
			what = "recipients refused by the server";
		else if (strncmp(e, "DATA failed", 11) == 0 || refused(x))
			what = "message refused by the server";
		else
			snprintf(out, outsz, "the mail server closed the connection or answered "
			    "out of protocol: %s", e);
		break;
	default:
		snprintf(out, outsz, "%s", e);
		break;
	}
	if (what != NULL)
		snprintf(out, outsz, "%s", what);
	if (refused(x)) {
		size_t n = strlen(out);

		snprintf(out + n, outsz - n, " (%s)", x->reply);
	}
	if (*hint != '\0') {
		size_t n = strlen(out);

		snprintf(out + n, outsz - n, "%s", hint);
	}
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
		char err[CURL_ERROR_SIZE + 512];

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		LIST_REMOVE(x, link);
		m->n--;
		err[0] = '\0';
		if (rc != CURLE_OK)
			describe(x, rc, err, sizeof(err));
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
