/* A small threaded HTTP(S) test server; see httpd.h. */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "httpd.h"

struct httpd {
	int		 lfd;
	int		 port;
	int		 wake[2];		/* written once by httpd_stop */
	SSL_CTX		*ctx;			/* NULL = plain HTTP */
	pthread_t	 acceptor;
	pthread_mutex_t	 mu;
	pthread_t	*conns;			/* every connection thread, joined at stop */
	size_t		 nconns;
	unsigned char	*blob;
	size_t		 bloblen;
	int		 active, max_active, requests;
};

struct conn {
	struct httpd	*h;
	int		 fd;
	SSL		*ssl;
	int		 auth;		/* the request carried Authorization: Basic dTpw (u:p) */
};

static int
conn_write(struct conn *c, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = c->ssl != NULL ? SSL_write(c->ssl, s, (int)n) : write(c->fd, s, n);

		if (w <= 0) {
			if (c->ssl == NULL && w < 0 && errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
conn_read(struct conn *c, char *p, size_t n)
{
	return c->ssl != NULL ? SSL_read(c->ssl, p, (int)n) : (int)read(c->fd, p, n);
}

/*
 * Waits ms milliseconds (forever if < 0), or until the server stops or the client hangs up.
 * Returns 0 when the time passed, -1 when interrupted.
 */
static int
conn_wait(struct conn *c, int ms)
{
	struct pollfd pfd[2] = {
		{ .fd = c->h->wake[0], .events = POLLIN },
		{ .fd = c->fd, .events = POLLIN },
	};
	int n = poll(pfd, 2, ms);

	return n == 0 ? 0 : -1;
}

static void
respond(struct conn *c, int status, const char *extra, const void *body, size_t len)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nConnection: close\r\n"
	    "Content-Length: %zu\r\n%s\r\n", status, len, extra != NULL ? extra : "");
	if (conn_write(c, head, (size_t)n) == 0 && len > 0)
		conn_write(c, body, len);
}

static void
route(struct conn *c, const char *path)
{
	static const char hello[] = "hello from httpd\n";
	struct httpd *h = c->h;
	char extra[4200];
	long n;

	if (strcmp(path, "/ok") == 0) {
		respond(c, 200, "Content-Type: text/plain\r\n", hello, sizeof(hello) - 1);
	} else if (sscanf(path, "/status/%ld", &n) == 1) {
		respond(c, (int)n, NULL, NULL, 0);
	} else if (sscanf(path, "/big/%ld", &n) == 1) {
		char *b = malloc((size_t)n + 1);

		memset(b, 'a', (size_t)n);
		respond(c, 200, "Content-Type: text/plain\r\n", b, (size_t)n);
		free(b);
	} else if (strcmp(path, "/blob") == 0) {
		pthread_mutex_lock(&h->mu);
		respond(c, 200, "Content-Type: application/json\r\n", h->blob, h->bloblen);
		pthread_mutex_unlock(&h->mu);
	} else if (strcmp(path, "/gzip") == 0) {
		pthread_mutex_lock(&h->mu);
		respond(c, 200, "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
		    h->blob, h->bloblen);
		pthread_mutex_unlock(&h->mu);
	} else if (sscanf(path, "/redirect/%ld", &n) == 1) {
		if (n <= 0) {
			respond(c, 200, NULL, "redirected", 10);
		} else {
			snprintf(extra, sizeof(extra), "Location: /redirect/%ld\r\n", n - 1);
			respond(c, 302, extra, NULL, 0);
		}
	} else if (strncmp(path, "/redirect-to/", 13) == 0) {
		snprintf(extra, sizeof(extra), "Location: %s\r\n", path + 13);
		respond(c, 302, extra, NULL, 0);
	} else if (strcmp(path, "/hang") == 0) {
		conn_wait(c, -1);
	} else if (sscanf(path, "/slow/%ld", &n) == 1) {
		if (conn_wait(c, (int)n) == 0)
			respond(c, 200, NULL, "slow", 4);
	} else if (sscanf(path, "/hold/%ld", &n) == 1) {
		pthread_mutex_lock(&h->mu);
		if (++h->active > h->max_active)
			h->max_active = h->active;
		pthread_mutex_unlock(&h->mu);
		conn_wait(c, (int)n);
		pthread_mutex_lock(&h->mu);
		h->active--;
		pthread_mutex_unlock(&h->mu);
		respond(c, 200, NULL, "held", 4);
	} else if (strcmp(path, "/auth") == 0) {
		if (c->auth)
			respond(c, 200, "Content-Type: text/plain\r\n", hello, sizeof(hello) - 1);
		else
			respond(c, 401, "WWW-Authenticate: Basic realm=\"t\"\r\n", NULL, 0);
	} else if (strcmp(path, "/a/up") == 0) {
		respond(c, 302, "Location: ../ok\r\n", NULL, 0);
	} else if (strcmp(path, "/chunked") == 0) {
		static const char r[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		    "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		    "6;ext=1\r\nhello \r\nB\r\nfrom httpd\n\r\n0\r\nX-Trailer: t\r\n\r\n";

		conn_write(c, r, sizeof(r) - 1);
	} else if (strcmp(path, "/interim") == 0) {
		static const char r[] = "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
		    "HTTP/1.1 200 OK\r\nContent-Length: 17\r\nConnection: close\r\n\r\n"
		    "hello from httpd\n";

		conn_write(c, r, sizeof(r) - 1);
	} else if (strcmp(path, "/bare-lf") == 0) {
		static const char r[] = "HTTP/1.1 200 OK\nContent-Length: 17\n"
		    "Connection: close\n\nhello from httpd\n";

		conn_write(c, r, sizeof(r) - 1);
	} else if (strcmp(path, "/close") == 0) {
		static const char r[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
		    "hello from httpd\n";

		conn_write(c, r, sizeof(r) - 1);
	} else if (strcmp(path, "/short") == 0) {
		static const char r[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
		    "Connection: close\r\n\r\nhello from httpd\n";

		conn_write(c, r, sizeof(r) - 1);
	} else if (strcmp(path, "/bighdr") == 0) {
		char line[1100];
		const char *head = "HTTP/1.1 200 X\r\nConnection: close\r\nContent-Length: 0\r\n";

		if (conn_write(c, head, strlen(head)) != 0)
			return;
		memset(line, 'x', sizeof(line));
		memcpy(line, "X-Pad: ", 7);
		memcpy(line + sizeof(line) - 2, "\r\n", 2);
		for (int i = 0; i < 100; i++)
			if (conn_write(c, line, sizeof(line)) != 0)
				return;
		conn_write(c, "\r\n", 2);
	} else {
		respond(c, 404, NULL, NULL, 0);
	}
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	char req[8192], path[4096];
	size_t len = 0;
	int n;

	if (c->h->ctx != NULL) {
		if ((c->ssl = SSL_new(c->h->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
		    SSL_accept(c->ssl) != 1)
			goto done;
	}
	while (len < sizeof(req) - 1 && (n = conn_read(c, req + len, sizeof(req) - 1 - len)) > 0) {
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[len] = '\0';
	if (strstr(req, "\r\n\r\n") == NULL || sscanf(req, "%*s %4095s", path) != 1)
		goto done;
	pthread_mutex_lock(&c->h->mu);
	c->h->requests++;
	pthread_mutex_unlock(&c->h->mu);
	c->auth = strcasestr(req, "\r\nAuthorization: Basic dTpw\r\n") != NULL;
	route(c, path);
	if (c->ssl != NULL)
		SSL_shutdown(c->ssl);
done:
	ERR_clear_error();
	SSL_free(c->ssl);
	close(c->fd);
	free(c);
	return NULL;
}

static void *
accept_main(void *arg)
{
	struct httpd *h = arg;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = h->wake[0], .events = POLLIN },
			{ .fd = h->lfd, .events = POLLIN },
		};
		struct conn *c;
		pthread_t t;
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents != 0)
			break;
		if ((pfd[1].revents & POLLIN) == 0 || (fd = accept(h->lfd, NULL, NULL)) < 0)
			continue;
		c = calloc(1, sizeof(*c));
		c->h = h;
		c->fd = fd;
		if (pthread_create(&t, NULL, conn_main, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		pthread_mutex_lock(&h->mu);
		h->conns = realloc(h->conns, (h->nconns + 1) * sizeof(*h->conns));
		h->conns[h->nconns++] = t;
		pthread_mutex_unlock(&h->mu);
	}
	return NULL;
}

struct httpd *
httpd_start(const char *cert, const char *key)
{
	struct httpd *h = calloc(1, sizeof(*h));
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int one = 1;

	signal(SIGPIPE, SIG_IGN);	/* a client that hangs up must not kill the test */
	h->lfd = -1;
	h->wake[0] = h->wake[1] = -1;
	pthread_mutex_init(&h->mu, NULL);
	if (cert != NULL) {
		if ((h->ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
		    SSL_CTX_use_certificate_chain_file(h->ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(h->ctx, key, SSL_FILETYPE_PEM) != 1)
			goto fail;
	}
	if (pipe(h->wake) != 0 || (h->lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		goto fail;
	setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if (bind(h->lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(h->lfd, 64) != 0 ||
	    getsockname(h->lfd, (struct sockaddr *)&sin, &sl) != 0)
		goto fail;
	h->port = ntohs(sin.sin_port);
	if (pthread_create(&h->acceptor, NULL, accept_main, h) != 0)
		goto fail;
	return h;
fail:
	ERR_print_errors_fp(stderr);
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->wake[0] >= 0) {
		close(h->wake[0]);
		close(h->wake[1]);
	}
	SSL_CTX_free(h->ctx);
	pthread_mutex_destroy(&h->mu);
	free(h);
	return NULL;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_set_blob(struct httpd *h, const void *data, size_t len)
{
	pthread_mutex_lock(&h->mu);
	free(h->blob);
	h->blob = malloc(len ? len : 1);
	memcpy(h->blob, data, len);
	h->bloblen = len;
	pthread_mutex_unlock(&h->mu);
}

int
httpd_max_active(struct httpd *h)
{
	int n;

	pthread_mutex_lock(&h->mu);
	n = h->max_active;
	h->max_active = 0;
	pthread_mutex_unlock(&h->mu);
	return n;
}

int
httpd_requests(struct httpd *h)
{
	int n;

	pthread_mutex_lock(&h->mu);
	n = h->requests;
	pthread_mutex_unlock(&h->mu);
	return n;
}

void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	(void)!write(h->wake[1], "x", 1);
	pthread_join(h->acceptor, NULL);
	/* The acceptor is gone: conns no longer grows. */
	for (size_t i = 0; i < h->nconns; i++)
		pthread_join(h->conns[i], NULL);
	close(h->lfd);
	close(h->wake[0]);
	close(h->wake[1]);
	SSL_CTX_free(h->ctx);
	pthread_mutex_destroy(&h->mu);
	free(h->conns);
	free(h->blob);
	free(h);
}
