/* The configuration's vantage node (SPEC §11): the node section and the top-level quorum. */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "util.h"

bool
conf_node_id_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= CONF_NODE_ID_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

char *
conf_node_id_from_host(const char *host)
{
	size_t n = strlen(host), i;
	char *id;

	if (n > CONF_NODE_ID_MAX)
		n = CONF_NODE_ID_MAX;
	if (n == 0)
		return xstrdup("node");
	id = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)host[i]);

		id[i] = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? (char)ch : '-';
	}
	id[n] = '\0';
	return id;
}

bool
conf_source_address_valid(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static void
node_key(struct loader *L, const char *key, cl_node_t *k, cl_node_t *v, void *arg)
{
	struct conf *c = L->c;
	const char *s;

	(void)arg;
	if (strcmp(key, "id") == 0) {
		if ((s = cl_scalar(L, v, "string")) == NULL)
			return;
		if (!conf_node_id_valid(s)) {
			cl_err(L, v, "id: invalid node id '%s' (expected [a-z0-9-], 1 to %d characters)",
			    s, CONF_NODE_ID_MAX);
			return;
		}
		cl_str(L, v, &c->node.id);
	} else if (strcmp(key, "location") == 0)
		cl_str(L, v, &c->node.location);
	else if (strcmp(key, "source_address") == 0) {
		if ((s = cl_scalar(L, v, "string")) == NULL)
			return;
		if (!conf_source_address_valid(s)) {
			cl_err(L, v, "source_address: '%s' is not an IPv4 or IPv6 address "
			    "(a literal such as 192.0.2.10 or 2001:db8::10; no host names)", s);
			return;
		}
		cl_str(L, v, &c->node.source_address);
	} else
		cl_unknown(L, k, key, "node", "id, location, source_address");
}

void
cl_section_node(struct loader *L, cl_node_t *n)
{
	cl_each(L, n, "node", node_key, NULL);
}

void
cl_quorum(struct loader *L, cl_node_t *v)
{
	cl_int(L, v, 1, INT_MAX, &L->c->quorum);
}

void
cl_node_finish(struct loader *L)
{
	struct conf *c = L->c;
	char host[256];

	if (c->node.id == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		c->node.id = conf_node_id_from_host(host);
	}
	if (c->node.location == NULL)
		c->node.location = xstrdup("");
	/* Every probe of the node leaves from its source address. */
	for (size_t i = 0; i < c->n_providers; i++)
		for (size_t j = 0; j < c->providers[i].n_endpoints; j++)
			c->providers[i].endpoints[j].source_address = c->node.source_address;
}

void
cl_node_free(struct conf *c)
{
	free(c->node.id);
	free(c->node.location);
	free(c->node.source_address);
}
