/*
 * SMTP delivery with libcurl: smtps:// is TLS throughout; smtp:// upgrades with STARTTLS,
 * which is required (the transfer fails before AUTH) when a username is set, and used
 * when offered otherwise: credentials never go out in clear. Transfers run on libcurl's multi-socket API driven by the
 * caller's libevent base, so sending never stalls the event loop (no blocking easy, no
 * thread). Each transfer has a timeout. The message is uploaded as given: libcurl
 * dot-stuffs lines that start with '.' itself.
 */
#ifndef TW_MAIL_H
#define TW_MAIL_H

#include <stddef.h>

struct event_base;
struct mailer;

/* One mail to deliver; every field is copied by mail_send. */
struct mail_job {
	const char	*url;		/* smtp://host[:port] or smtps://host[:port] */
	const char	*from;		/* envelope sender (MAIL FROM), a bare addr-spec */
	const char	*username;	/* NULL = no AUTH */
	const char	*password;
	const char	*tls_ca;	/* PEM file of extra trust anchors, or NULL */
	const char	*const *rcpt;	/* envelope recipients (RCPT TO), bare addr-specs */
	size_t		 n_rcpt;
	const char	*data;		/* the whole RFC 5322 message, CRLF line endings */
	size_t		 len;
	long		 timeout_ms;	/* whole transfer; <= 0 = 30 s */
};

/*
 * Called once per mail_send from the event loop: ok 1 when the server accepted the
 * message, else 0 with error (borrowed, valid during the call): a sentence a person can
 * act on, with the server's last reply when it refused something.
 */
typedef void mail_done_fn(int ok, const char *error, void *arg);

/* Returns a mailer on base (borrowed, must outlive it), or NULL. */
struct mailer *mail_new(struct event_base *base);

/*
 * Starts delivering job. Returns 0, or -1 (done is then never called), also when from or
 * a recipient holds a control character, a space or '<' '>' (no SMTP command injection).
 */
int mail_send(struct mailer *, const struct mail_job *job, mail_done_fn *done, void *arg);

/* Number of transfers in flight. */
size_t mail_pending(const struct mailer *);

/* Aborts every transfer without calling its done, and frees. mail_free(NULL) is a no-op. */
void mail_free(struct mailer *);

#endif
