#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/random.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "probe.h"
#include "../core/tz.h"
#include "../core/util.h"

void
probe_request_clear(struct probe_request *req)
{
	free(req->url);
	free(req->body);
	memset(req, 0, sizeof(*req));
}

int
probe_check_http(const struct probe_response *resp, long want, struct result *r)
{
	if (want == 0 ? (resp->http_status >= 200 && resp->http_status < 300)
	    : resp->http_status == want)
		return 1;
	detail_set_int(r->details, DETAIL_HTTP_STATUS, resp->http_status);
	if (want == 0)
		result_flag(r, REASON_HTTP_STATUS, "HTTP status %ld, expected 2xx", resp->http_status);
	else
		result_flag(r, REASON_HTTP_STATUS, "HTTP status %ld, expected %ld",
		    resp->http_status, want);
	return 0;
}

void
probe_err_clear(void)
{
	if (ERR_peek_error() != 0)
		ERR_clear_error();
}

int64_t
probe_tm_utc_ms(const struct tm *tm)
{
	/* timegm's arithmetic on fields already checked, without glibc's time-zone work. */
	return (tz_days_from_civil(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday) * 86400 +
	    (int64_t)tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec) * 1000;
}

int
probe_asn1_time_ms(const struct asn1_string_st *t, int64_t *ms)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm((const ASN1_TIME *)t, &tm) != 1)
		return -1;
	*ms = probe_tm_utc_ms(&tm);
	return 0;
}

int
probe_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t got;

	while (n > 0) {
		if ((got = getrandom(p, n, 0)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOSYS && n <= INT_MAX)
				return RAND_bytes(p, (int)n) == 1 ? 0 : -1;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}
