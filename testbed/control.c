/*
 * The control endpoint on 127.0.0.1: GET lists the faults that are on (one per line),
 * POST applies one switch per line of the body ("p1/ocsp=down", "p1/ocsp=ok", "ok",
 * "p1/ocsp=down@127.0.0.3"). GET /clients lists, per service, every client address that
 * sent a request and how many ("p1/ocsp 127.0.0.2 3").
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/util.h"
#include "testbed/testbed.h"

static struct evhttp_bound_socket *bound;

static void
reply(struct evhttp_request *req, int code, struct evbuffer *body)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; charset=utf-8");
	evhttp_send_reply(req, code, NULL, body);
	evbuffer_free(body);
}

static void
handle(struct evhttp_request *req, void *arg)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct evbuffer *out = evbuffer_new();
	char *line, err[256];
	size_t n;

	(void)arg;
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET &&
	    strcmp(evhttp_request_get_uri(req), "/clients") == 0) {
		tb_client_list(out);
		reply(req, 200, out);
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) {
		while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL ||
		    (n = evbuffer_get_length(in)) > 0) {
			if (line == NULL) {
				line = xmalloc(n + 1);
				evbuffer_remove(in, line, n);
				line[n] = '\0';
			}
			if (line[strspn(line, " \t")] != '\0' &&
			    tb_fault_apply(line, err, sizeof(err)) != 0) {
				evbuffer_add_printf(out, "error: %s\n", err);
				free(line);
				reply(req, 400, out);
				return;
			}
			free(line);
		}
	}
	tb_fault_list(out);
	reply(req, 200, out);
}

int
tb_control_start(int port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	tb->control = evhttp_new(tb->base);
	if (tb->control == NULL)
		return -1;
	evhttp_set_allowed_methods(tb->control, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(tb->control, 65536);
	evhttp_set_gencb(tb->control, handle, NULL);
	bound = evhttp_bind_socket_with_handle(tb->control, "127.0.0.1", (ev_uint16_t)port);
	if (bound == NULL) {
		fprintf(stderr, "trustwatch-testbed: control: cannot listen on 127.0.0.1:%d\n",
		    port);
		return -1;
	}
	tb->control_port = port;
	if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin, &len) == 0)
		tb->control_port = ntohs(sin.sin_port);
	return 0;
}

void
tb_control_free(void)
{
	if (tb->control != NULL)
		evhttp_free(tb->control);
	tb->control = NULL;
	bound = NULL;
}
