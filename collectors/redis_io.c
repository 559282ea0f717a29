/* redis_io.c -- see redis_io.h. */
#include "redis_io.h"

#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sds.h>

#include "cancel.h"
#include "redis_tls.h"
#include "reply_arena.h"
#include "util.h"

/* The largest honest replies: a SCAN page of COUNT 10000 (~10k keys, more when a hash table
 * is being rehashed), XINFO GROUPS of 20,000 groups (14 fields each: 280k elements), INFO all
 * (~20 KB), SLOWLOG GET 128 with up to 32 arguments each, the head of a list (a job payload).
 * Four to a hundred times those; past them a reply is hostile or broken. */
const struct reply_caps redis_io_default_caps = {
    .max_elements = 1000000,
    .max_bulk = 8 * 1024 * 1024,
    .max_reply_elements = 2000000,
    .max_reply_bytes = 64 * 1024 * 1024,
    .max_line = 64 * 1024,
};

#define READ_CHUNK 16384
#define SCAN_DEPTH 7          /* hiredis' own limit on nesting */

enum scan_state { S_TYPE, S_LINE, S_BULK };

/* The RESP2 scanner: follows the byte stream one step ahead of hiredis. */
struct resp_scan {
    enum scan_state state;
    char type;
    char num[24];             /* digits of a number line */
    size_t num_len;
    long long line_len;
    bool cr;                  /* the previous byte of the line was '\r' */
    long long bulk_left;      /* payload bytes + CRLF still to skip */
    long long stack[SCAN_DEPTH];
    int depth;
    long long reply_bytes, reply_elements;
};

/* The reader's privdata: caps, the scanner, where replies are built, why the last one failed. */
struct reply_guard {
    struct reply_caps caps;
    struct resp_scan scan;
    struct reply_arena *arena;   /* NULL: heap */
    int timeout_ms;
    char why[112];
    struct redis_tls_session *tls;   /* rediss://: the bytes go through it; NULL plain */
    char master[300];                /* redis-sentinel://: the master's host:port; "" else */
};

/* An array reply and the capacity of its element vector (which grows as elements arrive). */
struct lazy_array {
    redisReply r;
    size_t cap;
};

/* ---- reply objects ------------------------------------------------------------------------ */

static void *obj_alloc(struct reply_guard *g, size_t n)
{
    if (g->arena)
        return reply_arena_alloc(g->arena, n);
    return malloc(n);
}

/* Links child into its parent at task->idx, growing the parent's vector when needed. While a
 * reply is being built, its elements field counts the elements present (so freeReplyObject of a
 * half-built heap reply frees exactly those); when the last arrives it equals the header's. */
static int link_child(struct reply_guard *g, const redisReadTask *task, redisReply *child)
{
    if (!task->parent)
        return 0;
    struct lazy_array *pa = task->parent->obj;
    size_t idx = (size_t)task->idx;
    if (idx >= pa->cap) {
        size_t want = pa->cap ? pa->cap * 2 : 8;
        size_t declared = (size_t)task->parent->elements;
        if (want > declared)
            want = declared;
        if (want <= idx)
            want = idx + 1;
        redisReply **v;
        if (g->arena) {
            v = reply_arena_alloc(g->arena, want * sizeof *v);
            if (pa->r.element)
                memcpy(v, pa->r.element, pa->cap * sizeof *v);
        } else {
            v = realloc(pa->r.element, want * sizeof *v);
            if (!v)
                return -1;
        }
        pa->r.element = v;
        pa->cap = want;
    }
    pa->r.element[idx] = child;
    pa->r.elements = idx + 1;
    return 0;
}

static redisReply *new_obj(const redisReadTask *task, int type, size_t size)
{
    struct reply_guard *g = task->privdata;
    redisReply *r = obj_alloc(g, size);
    if (!r)
        return NULL;
    memset(r, 0, size);
    r->type = type;
    if (link_child(g, task, r) < 0) {
        if (!g->arena)
            free(r);
        return NULL;
    }
    return r;
}

static void *create_string(const redisReadTask *task, char *str, size_t len)
{
    struct reply_guard *g = task->privdata;
    char *copy = obj_alloc(g, len + 1);
    if (!copy)
        return NULL;
    redisReply *r = new_obj(task, task->type, sizeof *r);
    if (!r) {
        if (!g->arena)
            free(copy);
        return NULL;
    }
    r->str = copy;
    memcpy(r->str, str, len);
    r->str[len] = '\0';
    r->len = len;
    return r;
}

static void *create_array(const redisReadTask *task, int elements)
{
    /* the scanner refused any count over the cap or below -1 before hiredis read it */
    if (elements < 0)
        return NULL;
    struct lazy_array *a = (struct lazy_array *)new_obj(task, REDIS_REPLY_ARRAY, sizeof *a);
    return a;
}

static void *create_integer(const redisReadTask *task, long long value)
{
    redisReply *r = new_obj(task, REDIS_REPLY_INTEGER, sizeof *r);
    if (r)
        r->integer = value;
    return r;
}

static void *create_nil(const redisReadTask *task)
{
    return new_obj(task, REDIS_REPLY_NIL, sizeof(redisReply));
}

/* Called by the reader on a reply it gives up (error) and by redisReaderFree. Heap replies are
 * laid out as freeReplyObject expects; arena ones go with the arena. */
static void free_arena_obj(void *o)
{
    (void)o;
}

static void free_heap_obj(void *o)
{
    freeReplyObject(o);
}

static redisReplyObjectFunctions heap_functions = {
    create_string, create_array, create_integer, create_nil, free_heap_obj,
};
static redisReplyObjectFunctions arena_functions = {
    create_string, create_array, create_integer, create_nil, free_arena_obj,
};

/* ---- the scanner -------------------------------------------------------------------------- */

static int scan_fail(struct reply_guard *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int scan_fail(struct reply_guard *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->why, sizeof g->why, fmt, ap);
    va_end(ap);
    return -1;
}

static void scan_reset(struct resp_scan *s)
{
    memset(s, 0, sizeof *s);
}

/* An item ended: count it against its array, closing arrays that are complete. */
static void scan_item_done(struct resp_scan *s)
{
    s->state = S_TYPE;
    while (s->depth > 0) {
        if (--s->stack[s->depth - 1] > 0)
            return;
        s->depth--;
    }
    s->reply_bytes = 0;   /* a whole reply: the per-reply counts start again */
    s->reply_elements = 0;
}

/* The number of a ':', '$' or '*' line, read as strictly as hiredis reads it loosely: an
 * optional '-' and decimal digits, nothing else, no overflow. Where hiredis would read another
 * value (it takes a stray byte as -1 and lets big numbers wrap) we refuse the reply, so the
 * two never disagree about where an item ends. */
static int scan_number(struct reply_guard *g, long long *v)
{
    struct resp_scan *s = &g->scan;
    size_t i = 0;
    bool neg = false;
    if (s->num_len > 0 && s->num[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == s->num_len)
        return scan_fail(g, "reply is not RESP (no number after '%c')", s->type);
    long long x = 0;
    for (; i < s->num_len; i++) {
        int d = s->num[i] - '0';
        if (d < 0 || d > 9 || x > (LLONG_MAX - d) / 10)
            return scan_fail(g, "reply is not RESP (bad number after '%c')", s->type);
        x = x * 10 + d;
    }
    *v = neg ? -x : x;
    return 0;
}

static int scan_line_end(struct reply_guard *g)
{
    struct resp_scan *s = &g->scan;
    const struct reply_caps *cp = &g->caps;
    long long v;
    switch (s->type) {
    case '+':
    case '-':
        scan_item_done(s);
        return 0;
    case ':':
        if (scan_number(g, &v) < 0)
            return -1;
        scan_item_done(s);
        return 0;
    case '$':
        if (scan_number(g, &v) < 0)
            return -1;
        if (v == -1) {
            scan_item_done(s);
            return 0;
        }
        if (v < 0 || v > cp->max_bulk)
            return scan_fail(g, "reply over the cap: a %lld-byte string (cap %lld)", v,
                             cp->max_bulk);
        s->bulk_left = v + 2;
        s->state = S_BULK;
        return 0;
    case '*':
        if (scan_number(g, &v) < 0)
            return -1;
        if (v == -1 || v == 0) {
            scan_item_done(s);
            return 0;
        }
        if (v < 0 || v > cp->max_elements)
            return scan_fail(g, "reply over the cap: an array of %lld elements (cap %lld)", v,
                             cp->max_elements);
        s->reply_elements += v;
        if (s->reply_elements > cp->max_reply_elements)
            return scan_fail(g, "reply over the cap: %lld elements in one reply (cap %lld)",
                             s->reply_elements, cp->max_reply_elements);
        if (s->depth == SCAN_DEPTH)
            return scan_fail(g, "reply nested deeper than %d levels", SCAN_DEPTH);
        s->stack[s->depth++] = v;
        s->state = S_TYPE;
        return 0;
    }
    return scan_fail(g, "reply is not RESP");
}

/* Checks buf[0..n) as the continuation of the stream. Returns n when all of it is sound, or
 * the length of the sound prefix (the bytes before the item that broke a rule, which hiredis
 * may still parse) with g->why set: the replies before the bad one are still delivered. */
static size_t scan_feed(struct reply_guard *g, const char *buf, size_t n)
{
    struct resp_scan *s = &g->scan;
    const struct reply_caps *cp = &g->caps;
    size_t i = 0, item = 0;   /* item: where the item being read began in buf */
    while (i < n && !g->why[0]) {
        size_t start = i;
        switch (s->state) {
        case S_TYPE: {
            item = i;
            char t = buf[i++];
            if (t == '\0' || !strchr("+-:$*", t)) {
                scan_fail(g, "reply is not RESP (type byte 0x%02x)", (unsigned char)t);
                break;
            }
            s->type = t;
            s->num_len = 0;
            s->line_len = 0;
            s->cr = false;
            s->state = S_LINE;
            break;
        }
        case S_LINE: {
            bool numeric = s->type != '+' && s->type != '-';
            bool ended = false;
            while (i < n && !ended && !g->why[0]) {
                char ch = buf[i++];
                if (s->cr) {
                    if (ch == '\n') {
                        ended = true;
                        break;
                    }
                    if (numeric) {
                        scan_fail(g, "reply is not RESP (CR inside a number)");
                        break;
                    }
                    s->cr = false;
                }
                if (ch == '\r') {
                    s->cr = true;
                } else if (++s->line_len > cp->max_line) {
                    scan_fail(g, "reply over the cap: a line of over %lld bytes", cp->max_line);
                } else if (numeric) {
                    if (s->num_len + 1 >= sizeof s->num)
                        scan_fail(g, "reply is not RESP (number too long)");
                    else
                        s->num[s->num_len++] = ch;
                }
            }
            if (ended)
                scan_line_end(g);
            break;
        }
        case S_BULK: {
            size_t take = n - i;
            if ((long long)take > s->bulk_left)
                take = (size_t)s->bulk_left;
            i += take;
            s->bulk_left -= (long long)take;
            if (s->bulk_left == 0)
                scan_item_done(s);
            break;
        }
        }
        /* the bytes of a reply that ended in this step were reset with it: not counted */
        if (!g->why[0] && (s->state != S_TYPE || s->depth > 0)) {
            s->reply_bytes += (long long)(i - start);
            if (s->reply_bytes > cp->max_reply_bytes)
                scan_fail(g, "reply over the cap: over %lld bytes in one reply",
                          cp->max_reply_bytes);
        }
    }
    return g->why[0] ? item : n;
}

/* ---- waiting ------------------------------------------------------------------------------ */

static struct reply_guard *guard_of(redisContext *c)
{
    if (!c || !c->reader)
        return NULL;
    if (c->reader->fn != &heap_functions && c->reader->fn != &arena_functions)
        return NULL;
    return c->reader->privdata;
}

static int set_err(redisContext *c, int type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->err = type;
    vsnprintf(c->errstr, sizeof c->errstr, fmt, ap);
    va_end(ap);
    return REDIS_ERR;
}

/* Waits for events on the context's socket until deadline; REDIS_OK when ready. */
static int wait_fd(redisContext *c, short events, int64_t deadline, int timeout_ms)
{
    int64_t left = deadline - mono_ms();
    if (left < 0)
        left = 0;
    int rc = cancel_poll(c->fd, events, (int)left);
    if (rc > 0)
        return REDIS_OK;
    if (rc == 0)
        return set_err(c, REDIS_ERR_IO, "no reply within %d.%d s", timeout_ms / 1000,
                       timeout_ms % 1000 / 100);
    if (errno == ECANCELED)
        return set_err(c, REDIS_ERR_IO, "stopped");
    return set_err(c, REDIS_ERR_IO, "poll: %s", strerror(errno));
}

/* Sends hiredis' output buffer (the commands appended since the last reply), over TLS when the
 * context has a session, waiting for the socket under deadline. */
static int write_all(redisContext *c, struct reply_guard *g, int64_t deadline)
{
    if (!g->tls) {
        int done = 0;
        while (!done) {
            if (redisBufferWrite(c, &done) == REDIS_ERR)
                return REDIS_ERR;
            if (!done && wait_fd(c, POLLOUT, deadline, g->timeout_ms) != REDIS_OK)
                return REDIS_ERR;
        }
        return REDIS_OK;
    }
    while (sdslen(c->obuf) > 0) {
        short want = POLLOUT;
        char why[160];
        ssize_t n = redis_tls_write(g->tls, c->obuf, sdslen(c->obuf), &want, why, sizeof why);
        if (n > 0)
            sdsrange(c->obuf, n, -1);
        else if (n == 0 && wait_fd(c, want, deadline, g->timeout_ms) != REDIS_OK)
            return REDIS_ERR;
        else if (n < 0)
            return set_err(c, n == -2 ? REDIS_ERR_EOF : REDIS_ERR_IO, "%s", why);
    }
    return REDIS_OK;
}

int redis_io_get_reply(redisContext *c, void **reply)
{
    struct reply_guard *g = guard_of(c);
    *reply = NULL;
    if (c->err)
        return REDIS_ERR;
    if (!g)
        return set_err(c, REDIS_ERR_OTHER, "context not opened by redis_io");
    int64_t deadline = mono_ms() + g->timeout_ms;

    if (write_all(c, g, deadline) != REDIS_OK)
        return REDIS_ERR;
    for (;;) {
        void *r = NULL;
        if (redisGetReplyFromReader(c, &r) == REDIS_ERR) {
            if (c->err == REDIS_ERR_OOM && g->why[0])
                set_err(c, REDIS_ERR_OTHER, "%s", g->why);
            return REDIS_ERR;
        }
        if (r) {
            *reply = r;
            return REDIS_OK;
        }
        if (g->why[0])
            break;   /* refused earlier: what was sound before it is parsed out below */
        char buf[READ_CHUNK];
        ssize_t n;
        if (g->tls) {
            /* the session may hold bytes already read off the socket: read before waiting */
            short want = POLLIN;
            char why[160];
            n = redis_tls_read(g->tls, buf, sizeof buf, &want, why, sizeof why);
            if (n == 0) {
                if (wait_fd(c, want, deadline, g->timeout_ms) != REDIS_OK)
                    return REDIS_ERR;
                continue;
            }
            if (n < 0)
                return set_err(c, n == -2 ? REDIS_ERR_EOF : REDIS_ERR_IO, "%s", why);
        } else {
            if (wait_fd(c, POLLIN, deadline, g->timeout_ms) != REDIS_OK)
                return REDIS_ERR;
            n = read(c->fd, buf, sizeof buf);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    continue;
                return set_err(c, REDIS_ERR_IO, "%s", strerror(errno));
            }
            if (n == 0)
                return set_err(c, REDIS_ERR_EOF, "Server closed the connection");
        }
        size_t sound = scan_feed(g, buf, (size_t)n);
        if (sound > 0 && redisReaderFeed(c->reader, buf, sound) != REDIS_OK)
            return set_err(c, REDIS_ERR_OOM, "out of memory");
        if (g->why[0])
            break;
    }
    /* The replies before the refused one are still handed out, one per call. */
    for (;;) {
        void *r = NULL;
        if (redisGetReplyFromReader(c, &r) == REDIS_OK && r) {
            *reply = r;
            return REDIS_OK;
        }
        return set_err(c, REDIS_ERR_PROTOCOL, "%s", g->why);
    }
}

redisReply *redis_io_command_argv(redisContext *c, int argc, const char **argv,
                                  const size_t *argvlen)
{
    if (redisAppendCommandArgv(c, argc, argv, argvlen) != REDIS_OK)
        return NULL;
    void *r;
    return redis_io_get_reply(c, &r) == REDIS_OK ? r : NULL;
}

redisReply *redis_io_command(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAppendCommand(c, fmt, ap);
    va_end(ap);
    if (rc != REDIS_OK)
        return NULL;
    void *r;
    return redis_io_get_reply(c, &r) == REDIS_OK ? r : NULL;
}

void redis_io_set_caps(redisContext *c, const struct reply_caps *caps)
{
    struct reply_guard *g = guard_of(c);
    if (g)
        g->caps = caps ? *caps : redis_io_default_caps;
}

void redis_io_use_arena(redisContext *c, struct reply_arena *a)
{
    struct reply_guard *g = guard_of(c);
    if (!g || g->arena == a)
        return;
    if (g->arena && c->reader->reply) {
        /* Half a reply built in the arena that is being let go: unasked bytes or a failed
         * read. The stream is out of step; the context is dropped by its owner. */
        c->reader->reply = NULL;
        if (!c->err)
            set_err(c, REDIS_ERR_PROTOCOL, "reply arrived unasked");
    }
    g->arena = a;
    c->reader->fn = a ? &arena_functions : &heap_functions;
}

void redis_io_free(redisContext *c)
{
    if (!c)
        return;
    struct reply_guard *g = guard_of(c);
    if (g && g->arena)
        c->reader->reply = NULL;   /* the arena owns a half-built reply, not the reader */
    if (c->fd >= 0)
        cancel_unregister_socket(c->fd);
    if (g)
        redis_tls_close(g->tls);
    redisFree(c);
    free(g);
}

/* ---- connecting --------------------------------------------------------------------------- */

int (*redis_io_test_socket)(const struct redis_target *t);

static redisContext *adopt(int fd, int command_timeout_ms)
{
    redisContext *c = redisConnectFd(fd);
    if (!c) {
        close(fd);
        return NULL;
    }
    struct reply_guard *g = xcalloc(1, sizeof *g);
    g->caps = redis_io_default_caps;
    g->timeout_ms = command_timeout_ms > 0 ? command_timeout_ms : 1;
    scan_reset(&g->scan);
    c->reader->fn = &heap_functions;
    c->reader->privdata = g;
    c->flags &= ~REDIS_BLOCK;   /* redisCommand/redisGetReply would return at once: use ours */
    cancel_register_socket(fd);
    return c;
}

redisContext *redis_io_adopt_fd(int fd, int command_timeout_ms)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    return adopt(fd, command_timeout_ms);
}

/* A non-blocking connect of fd to addr, polled under the deadline; 0 or -1 with errno-like
 * text in err. */
static int connect_wait(int fd, const struct sockaddr *addr, socklen_t alen, int64_t deadline,
                        char *err, size_t errlen)
{
    if (connect(fd, addr, alen) == 0)
        return 0;
    if (errno != EINPROGRESS && errno != EAGAIN) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    int64_t left = deadline - mono_ms();
    int rc = cancel_poll(fd, POLLOUT, left > 0 ? (int)left : 0);
    if (rc == 0) {
        snprintf(err, errlen, "Connection timed out");
        return -1;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", errno == ECANCELED ? "stopped" : strerror(errno));
        return -1;
    }
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        soerr = errno;
    if (soerr) {
        snprintf(err, errlen, "%s", strerror(soerr));
        return -1;
    }
    return 0;
}

static int open_socket(const struct redis_target *t, int timeout_ms, char *err, size_t errlen)
{
    int64_t deadline = mono_ms() + timeout_ms;
    if (t->unix_socket) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(t->path) >= sizeof sa.sun_path) {
            snprintf(err, errlen, "socket path too long");
            return -1;
        }
        memcpy(sa.sun_path, t->path, strlen(t->path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            return -1;
        }
        if (connect_wait(fd, (struct sockaddr *)&sa, sizeof sa, deadline, err, errlen) < 0) {
            close(fd);
            return -1;
        }
        return fd;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", t->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    /* Name resolution is the one wait we cannot poll (getaddrinfo has no cancel); a numeric
     * address never waits, and the stop path gives stuck threads a bounded grace. */
    int gai = getaddrinfo(t->host, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "%s", gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    int tries = 0;
    for (struct addrinfo *ai = res; ai && tries < 16; ai = ai->ai_next, tries++) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect_wait(fd, ai->ai_addr, ai->ai_addrlen, deadline, err, errlen) == 0)
            break;
        close(fd);
        fd = -1;
        if (cancel_requested() || mono_ms() >= deadline)
            break;
    }
    freeaddrinfo(res);
    if (fd < 0 && !err[0])
        snprintf(err, errlen, "no usable address");
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

/* "lost WHERE during CMD: why"; the first command sent on a plain connection that the server
 * dropped hints at a TLS port. */
static void lost_during(char *err, size_t errlen, const char *where, const char *cmd,
                        const redisContext *c, const struct redis_target *t, bool first)
{
    bool dropped = first && !t->tls && !t->unix_socket &&
                   (c->err == REDIS_ERR_EOF || strstr(c->errstr, "reset"));
    snprintf(err, errlen, "lost %s during %s: %s%s", where, cmd, c->errstr,
             dropped ? " (a TLS port? use rediss://)" : "");
}

/* The master's address from Sentinel s, into out (a plain target for it); 0, or -1 with why. */
static int ask_sentinel(const struct redis_target *t, const struct redis_sentinel_addr *s,
                        struct redis_target *out, int connect_timeout_ms, int command_timeout_ms,
                        char *why, size_t whylen)
{
    struct redis_target st;
    memset(&st, 0, sizeof st);
    str_copy(st.host, s->host, sizeof st.host);
    st.port = s->port;
    st.tls = t->tls;
    st.tls_opts = t->tls_opts;
    if (t->sentinel_has_password) {
        str_copy(st.user, t->sentinel_user, sizeof st.user);
        str_copy(st.password, t->sentinel_password, sizeof st.password);
        st.has_password = true;
    }
    char e[400];
    redisContext *c = redis_io_connect(&st, connect_timeout_ms, command_timeout_ms, e, sizeof e);
    if (!c) {
        snprintf(why, whylen, "%s", e);
        return -1;
    }
    redisReply *r = redis_io_command(c, "SENTINEL get-master-addr-by-name %s", t->master_name);
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0) {
        snprintf(why, whylen, "Sentinel %s:%d wants a password of its own: REDIS_SENTINEL_AUTH "
                 "(and REDIS_SENTINEL_USER for an ACL user)", s->host, s->port);
        freeReplyObject(r);
        redis_io_free(c);
        return -1;
    }
    int rc = -1;
    if (!r) {
        snprintf(why, whylen, "Sentinel %s:%d: %s", s->host, s->port, c->errstr);
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
               r->element[0]->type == REDIS_REPLY_STRING &&
               r->element[1]->type == REDIS_REPLY_STRING && r->element[0]->len > 0 &&
               r->element[0]->len < sizeof out->host) {
        long long port = 0;
        if (parse_ll(r->element[1]->str, r->element[1]->len, &port) == 0 && port > 0 &&
            port < 65536) {
            *out = *t;
            out->sentinel = false;
            out->unix_socket = false;
            str_copy(out->host, r->element[0]->str, sizeof out->host);
            out->port = (int)port;
            rc = 0;
        } else {
            snprintf(why, whylen, "Sentinel %s:%d gave a bad port", s->host, s->port);
        }
    } else if (r->type == REDIS_REPLY_NIL ||
               (r->type == REDIS_REPLY_ARRAY && r->elements == 0)) {
        snprintf(why, whylen, "Sentinel %s:%d watches no master named '%.60s'", s->host, s->port,
                 t->master_name);
    } else if (r->type == REDIS_REPLY_ERROR) {
        snprintf(why, whylen, "Sentinel %s:%d: %.120s", s->host, s->port, r->str);
    } else {
        snprintf(why, whylen, "Sentinel %s:%d: unexpected reply", s->host, s->port);
    }
    if (r)
        freeReplyObject(r);
    redis_io_free(c);
    return rc;
}

/* Whether c is a master (ROLE); a Sentinel may name the old one for a moment in a failover. */
static bool is_master(redisContext *c)
{
    redisReply *r = redis_io_command(c, "ROLE");
    bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
              r->element[0]->type == REDIS_REPLY_STRING && strcmp(r->element[0]->str, "master") == 0;
    if (r)
        freeReplyObject(r);
    return ok;
}

/* redis-sentinel://: each Sentinel in turn names the master; the first named one that is a
 * master is connected. Every reason is kept for the message when none works. */
static redisContext *connect_sentinel(const struct redis_target *t, int connect_timeout_ms,
                                      int command_timeout_ms, char *err, size_t errlen)
{
    char why[800] = "";
    size_t o = 0;
    for (int i = 0; i < t->sentinel_count && !cancel_requested(); i++) {
        struct redis_target m;
        char one[400];
        if (ask_sentinel(t, &t->sentinels[i], &m, connect_timeout_ms, command_timeout_ms, one,
                         sizeof one) == 0) {
            redisContext *c = redis_io_connect(&m, connect_timeout_ms, command_timeout_ms, one,
                                               sizeof one);
            if (c && is_master(c)) {
                snprintf(guard_of(c)->master, sizeof guard_of(c)->master, "%s:%d", m.host, m.port);
                return c;
            }
            if (c) {
                snprintf(one, sizeof one, "%s:%d, named by Sentinel %s:%d, is not a master (a "
                         "failover under way?)", m.host, m.port, t->sentinels[i].host,
                         t->sentinels[i].port);
                redis_io_free(c);
            }
        }
        if (o < sizeof why)
            o += (size_t)snprintf(why + o, sizeof why - o, "%s%s", o ? "; " : "", one);
    }
    char where[600];
    redis_target_display(t, where, sizeof where);
    snprintf(err, errlen, "no master for %s: %s", where, why[0] ? why : "stopped");
    return NULL;
}

void redis_io_master(redisContext *c, char *buf, size_t len)
{
    struct reply_guard *g = guard_of(c);
    str_copy(buf, g ? g->master : "", len);
}

redisContext *redis_io_connect(const struct redis_target *t, int connect_timeout_ms,
                               int command_timeout_ms, char *err, size_t errlen)
{
    if (t->sentinel)
        return connect_sentinel(t, connect_timeout_ms, command_timeout_ms, err, errlen);
    char where[600];
    redis_target_display(t, where, sizeof where);
    char why[160] = "";
    int fd;
    if (redis_io_test_socket) {
        fd = redis_io_test_socket(t);
        if (fd < 0)
            snprintf(why, sizeof why, "refused by the test hook");
        else
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    } else {
        fd = open_socket(t, connect_timeout_ms, why, sizeof why);
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", where, why);
        return NULL;
    }
    struct redis_tls_session *tls = NULL;
    if (t->tls && !t->unix_socket) {
        tls = redis_tls_open(fd, t, mono_ms() + (connect_timeout_ms > 0 ? connect_timeout_ms : 1),
                             why, sizeof why);
        if (!tls) {
            close(fd);
            snprintf(err, errlen, "cannot connect to %s: %s", where, why);
            return NULL;
        }
    }
    redisContext *c = adopt(fd, command_timeout_ms);
    if (!c) {
        redis_tls_close(tls);
        snprintf(err, errlen, "cannot connect to %s: out of memory", where);
        return NULL;
    }
    guard_of(c)->tls = tls;
    if (!t->unix_socket)
        redisEnableKeepAlive(c);

    redisReply *r = NULL;
    /* a rotating secret: read afresh for every connection, never kept beyond it */
    char fresh[SECRET_MAX];
    const char *password = t->password;
    bool has_password = t->has_password;
    if (t->password_file || t->password_command) {
        if (secret_read(t->password_file, t->password_command, fresh, sizeof fresh, why,
                        sizeof why) < 0) {
            redis_io_free(c);
            snprintf(err, errlen, "cannot connect to %s: %s", where, why);
            return NULL;
        }
        password = fresh;
        has_password = true;
    }
    if (has_password) {
        if (t->user[0])
            r = redis_io_command(c, "AUTH %s %s", t->user, password);
        else
            r = redis_io_command(c, "AUTH %s", password);
        memset(fresh, 0, sizeof fresh);
        if (!r) {
            lost_during(err, errlen, where, "AUTH", c, t, true);
            redis_io_free(c);
            return NULL;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            redis_describe_error("authentication failed", r->str, err, errlen);
            freeReplyObject(r);
            redis_io_free(c);
            return NULL;
        }
        freeReplyObject(r);
    }
    if (t->db) {
        r = redis_io_command(c, "SELECT %d", t->db);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            if (r)
                redis_describe_error("SELECT failed", r->str, err, errlen);
            else
                lost_during(err, errlen, where, "SELECT", c, t, !has_password);
            if (r)
                freeReplyObject(r);
            redis_io_free(c);
            return NULL;
        }
        freeReplyObject(r);
    }
    /* Named so operators see who is connected, and so our own commands can be told apart in
     * SLOWLOG. Refused by some ACL users: harmless, ignored. */
    r = redis_io_command(c, "CLIENT SETNAME queuetop");
    if (!r) {
        lost_during(err, errlen, where, "CLIENT SETNAME", c, t, !has_password && !t->db);
        redis_io_free(c);
        return NULL;
    }
    freeReplyObject(r);
    return c;
}
