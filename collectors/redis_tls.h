/* redis_tls.h -- TLS for the Redis connections (rediss://), with OpenSSL 3.
 *
 * Debian's hiredis 0.14 has no TLS, but every byte to and from a server already passes through
 * redis_io.c (commands as RESP text from hiredis' output buffer, replies fed to its reader), so
 * a session only has to carry those bytes. The server's certificate is verified by default
 * against the system store (or --tls-ca / --tls-ca-dir instead), with its host name or IP
 * address checked and the name sent as SNI; --tls-cert and --tls-key give a client
 * certificate; --insecure alone skips the verification. Every wait is the caller's: the
 * calls here never block (the socket is non-blocking) and say what they would wait for. */
#ifndef QT_REDIS_TLS_H
#define QT_REDIS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "redis_conn.h"

struct redis_tls_session;

/* Checks the options before anything connects: the files can be read and the key is the
 * certificate's. 0, or -1 with a one-line reason. */
int redis_tls_check(const struct redis_tls *o, char *err, size_t errlen);

/* A TLS session over connected, non-blocking fd to t, its handshake polled beside the stop
 * until deadline (mono_ms). NULL with a one-line reason (an expired certificate, a certificate
 * for another host, an unknown CA, a server that wants a client certificate or does not speak
 * TLS on that port). fd stays the caller's. */
struct redis_tls_session *redis_tls_open(int fd, const struct redis_target *t, int64_t deadline,
                                         char *err, size_t errlen);

/* Non-blocking: bytes moved (> 0); 0 when it would block (*want is POLLIN or POLLOUT: what to
 * wait for before calling again); -1 on an error, -2 when the server closed the session (err
 * says why). A write takes what it can of buf; call again with the rest. */
ssize_t redis_tls_read(struct redis_tls_session *s, void *buf, size_t n, short *want, char *err,
                       size_t errlen);
ssize_t redis_tls_write(struct redis_tls_session *s, const void *buf, size_t n, short *want,
                        char *err, size_t errlen);

/* Frees the session (no close_notify: that could wait on a server that stopped reading). */
void redis_tls_close(struct redis_tls_session *s);

#endif
