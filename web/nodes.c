/*
 * The vantage nodes on the web server (SPEC §11): /api/v1/nodes (the vantage table, as
 * the site's api/nodes.json, from the one JSON writer) and the node families of /metrics.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "web_int.h"
#include "../core/config.h"
#include "../core/util.h"
#include "../report/json.h"
#include "../report/vantage.h"
#include "../store/store.h"

void
web_api_nodes(struct web *w, struct evhttp_request *req)
{
	struct report_vantage v;
	struct evbuffer *b;
	char *doc;

	if (report_vantage_collect(web_conf(w), web_store(w), now_ms(), false, &v) != 0) {
		web_api_error(w, req, 503, "the store does not answer");
		return;
	}
	doc = report_json_nodes(&v);
	report_vantage_free(&v);
	if ((b = evbuffer_new()) == NULL) {
		free(doc);
		web_reply_text(w, req, 500, "500 internal error\n");
		return;
	}
	evbuffer_add(b, doc, strlen(doc));
	free(doc);
	web_reply(w, req, 200, "application/json", "no-store", b);
	evbuffer_free(b);
}

int
web_metrics_nodes(const struct conf *c, struct store *st, int64_t now, struct buf *out)
{
	struct report_vantage v;

	if (report_vantage_collect(c, st, now, false, &v) != 0)
		return -1;
	buf_printf(out, "# HELP trustwatch_node_up 1 while the vantage node is live (it wrote within"
	    " 2 x the shortest interval), else 0.\n# TYPE trustwatch_node_up gauge\n");
	for (size_t i = 0; i < v.n_nodes; i++) {
		buf_printf(out, "trustwatch_node_up{node=\"");
		web_metrics_escape(out, v.nodes[i].id);
		buf_printf(out, "\"} %d\n", v.nodes[i].live ? 1 : 0);
	}
	buf_printf(out, "# HELP trustwatch_node_last_seen_seconds Unix time of the vantage node's"
	    " last heartbeat.\n# TYPE trustwatch_node_last_seen_seconds gauge\n");
	for (size_t i = 0; i < v.n_nodes; i++) {
		buf_printf(out, "trustwatch_node_last_seen_seconds{node=\"");
		web_metrics_escape(out, v.nodes[i].id);
		buf_printf(out, "\"} %.3f\n", (double)v.nodes[i].last_seen_ms / 1000.0);
	}
	report_vantage_free(&v);
	return 0;
}
