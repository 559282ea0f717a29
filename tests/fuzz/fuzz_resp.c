/* libFuzzer: RESP bytes from a server we do not trust, through redis_io's scanner and reply
 * objects (heap and arena) and through every parser of the three Redis collectors.
 *
 * The first byte picks the path; the rest is what the "server" says, written into one end of a
 * socketpair before the client reads (then the end is shut, so every read ends):
 *   0: raw replies read one by one on the heap, each walked and checked against the caps
 *   1: the same, built in an arena
 *   2: the streams collector's full sample (SCAN, XINFO, XPENDING, TIME, INFO parsers)
 *   3: the server collector's sample (INFO, CONFIG, SLOWLOG, LATENCY, PING)
 *   4: the keys collector's sample (SCAN TYPE, TYPE/PTTL, queue layouts, locks, MEMORY USAGE)
 * Run with -malloc_limit_mb (tests/fuzz/run.sh uses 256): a reply that could make us allocate
 * what it claims, rather than what it sent, fails there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../collectors/redis_io.h"
#include "../../collectors/redis_keys.h"
#include "../../collectors/redis_server.h"
#include "../../collectors/redis_streams.h"
#include "../../collectors/reply_arena.h"
#include "../../collectors/snapshot.h"

static const uint8_t *wire;
static size_t wire_len;
static int handed;

/* Hands out a socket whose peer already said everything: the wire bytes on the first connect,
 * nothing on later ones (an immediate end). */
static int preloaded_socket(const struct redis_target *t)
{
    (void)t;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return -1;
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (!handed++) {
        size_t off = 0;
        while (off < wire_len) {
            ssize_t w = write(sv[0], wire + off, wire_len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
    shutdown(sv[0], SHUT_WR);
    /* sv[0] stays open (the commands we send land in its buffer) until the next input */
    static int held = -1;
    if (held >= 0)
        close(held);
    held = sv[0];
    return sv[1];
}

static size_t walk(const redisReply *r, int depth)
{
    if (!r || depth > 8)
        abort();
    switch (r->type) {
    case REDIS_REPLY_ARRAY: {
        if (r->elements > (size_t)redis_io_default_caps.max_elements)
            abort();
        size_t n = r->elements;
        for (size_t i = 0; i < r->elements; i++)
            n += walk(r->element[i], depth + 1);
        return n;
    }
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        if (!r->str || r->str[r->len] != '\0' || r->len > (size_t)redis_io_default_caps.max_bulk)
            abort();
        return 1;
    case REDIS_REPLY_INTEGER:
    case REDIS_REPLY_NIL:
        return 1;
    }
    abort();
}

static void raw(bool use_arena)
{
    int fd = preloaded_socket(NULL);
    if (fd < 0)
        return;
    redisContext *c = redis_io_adopt_fd(fd, 50);
    if (!c)
        return;
    struct reply_arena arena = { 0 };
    if (use_arena)
        redis_io_use_arena(c, &arena);
    for (int i = 0; i < 100000; i++) {
        void *r = NULL;
        if (redis_io_get_reply(c, &r) != REDIS_OK)
            break;
        walk(r, 0);
        if (use_arena) {
            if (i % 16 == 15) {
                redis_io_use_arena(c, NULL);
                reply_arena_reset(&arena);
                redis_io_use_arena(c, &arena);
            }
        } else {
            freeReplyObject(r);
        }
    }
    if (c->errstr[0] == '\0' || !memchr(c->errstr, '\0', sizeof c->errstr))
        abort();   /* every end is an error that says why */
    redis_io_use_arena(c, NULL);
    redis_io_free(c);
    reply_arena_done(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    wire = data + 1;
    wire_len = size - 1;
    handed = 0;
    redis_io_test_socket = preloaded_socket;
    struct redis_target t;
    char err[256] = "";
    redis_url_parse("redis://127.0.0.1:1", &t, err, sizeof err);
    switch (data[0] % 5) {
    case 0:
    case 1:
        raw(data[0] % 5 == 1);
        break;
    case 2: {
        struct streams_config cfg;
        streams_config_defaults(&cfg);
        cfg.target = t;
        cfg.connect_timeout_ms = cfg.command_timeout_ms = 50;
        struct streams_collector *c = streams_collector_new(&cfg, NULL);
        struct snapshot *s = streams_collector_sample_full(c, err, sizeof err);
        snapshot_free(s);
        streams_collector_delete(c);
        break;
    }
    case 3: {
        struct server_config cfg;
        server_config_defaults(&cfg);
        cfg.target = t;
        cfg.connect_timeout_ms = cfg.command_timeout_ms = 50;
        struct server_collector *c = server_collector_new(&cfg, NULL);
        snapshot_free(server_collector_sample_full(c));
        server_collector_delete(c);
        break;
    }
    case 4: {
        struct keys_config cfg;
        keys_config_defaults(&cfg);
        cfg.target = t;
        cfg.connect_timeout_ms = cfg.command_timeout_ms = 50;
        struct keys_collector *c = keys_collector_new(&cfg, NULL);
        snapshot_free(keys_collector_sample_full(c, 200, err, sizeof err));
        keys_collector_delete(c);
        break;
    }
    }
    return 0;
}
