/* redis_io.h -- every byte between queuetop and a Redis server goes through here.
 *
 * hiredis parses; this file decides how long to wait and how much to believe:
 *   - connect, write and read are non-blocking and polled beside the process-wide stop
 *     (cancel.h), each under a deadline, so no wait outlives `q` or a silent link;
 *   - every byte read is checked by a small RESP2 scanner *before* hiredis sees it, against caps
 *     on what one reply may claim (elements per array, bytes per bulk, elements and bytes per
 *     reply, nesting, line length). A header over a cap is an error for that reply, decided from
 *     the header alone: nothing is allocated for it, and hiredis never parses a length it could
 *     overflow on;
 *   - reply objects grow lazily: an array header reserves nothing, its element vector grows as
 *     elements arrive (doubling), so a header that lies about its size costs nothing.
 *
 * A context opened here is non-blocking: use redis_io_get_reply / redis_io_command* in place of
 * redisGetReply / redisCommand (which would return NULL at once), and redis_io_free in place of
 * redisFree. After any error the context is broken (ctx->err, ctx->errstr say why): drop it. */
#ifndef QT_REDIS_IO_H
#define QT_REDIS_IO_H

#include <stddef.h>

#include <hiredis.h>

#include "redis_conn.h"

struct reply_arena;

/* What one reply may claim. The defaults (redis_io_default_caps) fit the largest honest reply of
 * the commands queuetop sends: a SCAN page, XINFO GROUPS of a stream with many groups, SLOWLOG,
 * INFO. */
struct reply_caps {
    long long max_elements;        /* per array header */
    long long max_bulk;            /* bytes per bulk string */
    long long max_reply_elements;  /* every array element of one reply, nested ones included */
    long long max_reply_bytes;     /* wire bytes of one reply */
    long long max_line;            /* bytes of a status, error or number line */
};

extern const struct reply_caps redis_io_default_caps;

/* Connects (TCP or unix socket; over TLS for rediss://; for redis-sentinel://, to the master
 * the first Sentinel that answers names, checked with ROLE) without blocking: the connect is polled beside the stop under
 * connect_timeout_ms; then AUTH, SELECT and CLIENT SETNAME, each bounded by command_timeout_ms.
 * Returns a ready non-blocking context, or NULL with a one-line reason (never the password). */
redisContext *redis_io_connect(const struct redis_target *t, int connect_timeout_ms,
                               int command_timeout_ms, char *err, size_t errlen);

/* With a redis-sentinel:// target, the master connected ("host:port"), into buf; "" else. */
void redis_io_master(redisContext *c, char *buf, size_t len);

/* Sends what is buffered and reads one reply, waiting at most the context's command timeout for
 * it (the whole reply, not each read: a server that drips bytes is cut off too). REDIS_OK with
 * *reply set, or REDIS_ERR with ctx->err/errstr set (timeout, stop, cap, I/O, protocol). */
int redis_io_get_reply(redisContext *c, void **reply);

/* One command, sent and answered; NULL on error (ctx->errstr says why). */
redisReply *redis_io_command(redisContext *c, const char *fmt, ...);
redisReply *redis_io_command_argv(redisContext *c, int argc, const char **argv,
                                  const size_t *argvlen);

/* Caps for the replies read from now on (NULL: the defaults). Replies already scanned keep the
 * caps they were checked against. */
void redis_io_set_caps(redisContext *c, const struct reply_caps *caps);

/* Replies are built in the arena from now on (NULL: on the heap, freed by freeReplyObject). */
void redis_io_use_arena(redisContext *c, struct reply_arena *a);

/* Closes and frees (NULL is a no-op). */
void redis_io_free(redisContext *c);

/* For tests and the fuzzer: a context on an already connected socket (ownership passes),
 * with the same scanner and object functions; command timeout in ms. */
redisContext *redis_io_adopt_fd(int fd, int command_timeout_ms);

/* For the fuzzer only: when set, redis_io_connect takes its socket from here (-1: refused)
 * instead of connecting. */
extern int (*redis_io_test_socket)(const struct redis_target *t);

#endif
