/*
 * http_floor: what one fresh loopback exchange costs with nothing of trustwatch around it,
 * as a floor for the per-probe figures of bench/probe_bench.sh.
 *
 *   http_floor http  URL N            plain HTTP/1.1 GET on a new TCP connection
 *   http_floor tls   URL N CAFILE     the same over TLS, one SSL_CTX for all (the least
 *                                     OpenSSL needs for a verified handshake)
 *   http_floor tls-newctx URL N CAFILE  a new SSL_CTX per connection, as libcurl 7.88 does
 *                                     (the trust store is still loaded once and shared)
 *
 * Each exchange: socket, connect, (handshake with chain and host name verification,)
 * GET with Connection: close, read to EOF, close; the status line must be 200.
 * Prints the CPU (user+sys of this process) per exchange in µs.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static void
die(const char *what)
{
	fprintf(stderr, "http_floor: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static long
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec;
}

/* The trust store, loaded once and shared by every context (as trustwatch does). */
static X509_STORE *store;

static SSL_CTX *
ctx_new(const char *cafile)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (store == NULL && ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_load_file(store, cafile) != 1))
		die("cannot load the CA file");
	if (ctx == NULL)
		die("cannot set up the TLS context");
	SSL_CTX_set1_cert_store(ctx, store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

/* One exchange; returns 0 when the answer was 200. */
static int
exchange(const struct sockaddr_in *sa, const char *host, const char *req, SSL_CTX *ctx)
{
	char buf[16384], first[16] = "";
	size_t got = 0;
	ssize_t n;
	SSL *ssl = NULL;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0)
		goto fail;
	if (ctx != NULL) {
		/* host is an IPv4 address: checked against the IP SANs, no SNI (as curl). */
		if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd) ||
		    !SSL_set1_host(ssl, host) ||
		    SSL_connect(ssl) != 1 || SSL_get_verify_result(ssl) != X509_V_OK)
			goto fail;
		if (SSL_write(ssl, req, (int)strlen(req)) != (int)strlen(req))
			goto fail;
	} else if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto fail;
	for (;;) {
		n = ssl != NULL ? SSL_read(ssl, buf, sizeof(buf)) : read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (got < sizeof(first) - 1) {
			size_t k = (size_t)n < sizeof(first) - 1 - got ? (size_t)n :
			    sizeof(first) - 1 - got;
			memcpy(first + got, buf, k);
			first[got + k] = '\0';
		}
		got += (size_t)n;
	}
	SSL_free(ssl);
	close(fd);
	return strncmp(first, "HTTP/1.1 200", 12) == 0 ? 0 : -1;
fail:
	SSL_free(ssl);
	close(fd);
	return -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64], path[512], req[1024];
	const char *url, *mode;
	SSL_CTX *ctx = NULL;
	int port, n, tls, newctx;
	long t0, t1;

	if (argc < 4) {
		fprintf(stderr, "usage: http_floor http|tls|tls-newctx URL N [CAFILE]\n");
		return 2;
	}
	mode = argv[1];
	url = argv[2];
	n = atoi(argv[3]);
	tls = strncmp(mode, "tls", 3) == 0;
	newctx = strcmp(mode, "tls-newctx") == 0;
	if (n <= 0 || (tls && argc < 5))
		die("bad arguments");
	path[0] = '/';
	path[1] = '\0';
	if (sscanf(url, tls ? "https://%63[^:/]:%d%511s" : "http://%63[^:/]:%d%511s", host,
	    &port, path) < 2 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("URL must be http(s)://IPv4:PORT/PATH");
	sa.sin_port = htons((unsigned short)port);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: http_floor\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n", path, host, port);
	if (tls && !newctx)
		ctx = ctx_new(argv[4]);
	/* One exchange outside the measurement: library initialisation is not per probe. */
	if (tls && newctx)
		ctx = ctx_new(argv[4]);
	if (exchange(&sa, host, req, ctx) != 0)
		die("the first exchange failed");
	if (newctx) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	t0 = cpu_us();
	for (int i = 0; i < n; i++) {
		SSL_CTX *c = newctx ? ctx_new(argv[4]) : ctx;

		if (exchange(&sa, host, req, c) != 0)
			die("an exchange failed");
		if (newctx)
			SSL_CTX_free(c);
	}
	t1 = cpu_us();
	SSL_CTX_free(ctx);
	X509_STORE_free(store);
	printf("%ld\n", (t1 - t0) / n);
	return 0;
}
