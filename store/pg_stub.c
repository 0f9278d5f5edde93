/* Until the PostgreSQL backend lands: a postgresql:// store is refused with a clear error. */
#include <stddef.h>

#include "backend.h"
#include "../core/util.h"

const struct backend_ops pg_backend_ops = { .name = "postgresql" };

struct store_be *
pg_backend_open(const char *url, const char *password, bool create, char **err)
{
	(void)url;
	(void)password;
	(void)create;
	*err = xstrdup("this trustwatch was built without PostgreSQL support");
	return NULL;
}
