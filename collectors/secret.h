/* secret.h -- a password read afresh at every connect: from a file (--password-file), or from
 * what a command prints (--password-command), so that a dashboard left open survives a password
 * rotated in a secret manager or a token that expires.
 *
 * Nothing is cached: each call reads again. A command runs with /bin/sh -c, stdin and stderr
 * on /dev/null (it must not write on the dashboard), for SECRET_COMMAND_MS at most and never
 * past a stop (cancel.h); its first line is the secret. A file's first line likewise. At most
 * SECRET_MAX - 1 bytes; more is refused, not cut. */
#ifndef QT_SECRET_H
#define QT_SECRET_H

#include <stddef.h>

#define SECRET_MAX 512
#define SECRET_COMMAND_MS 5000

/* The secret into out (SECRET_MAX bytes); 0, or -1 with a reason that never holds it. */
int secret_read(const char *file, const char *command, char *out, size_t outlen, char *err,
                size_t errlen);

#endif
