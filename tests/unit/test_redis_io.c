/* redis_io: the RESP scanner's caps, lazy reply growth, deadlines. Each test speaks raw RESP
 * through one end of a socketpair to a context adopted on the other, as a server would. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cm.h"
#include "../../collectors/redis_io.h"
#include "../../collectors/reply_arena.h"

struct pair {
    int peer;            /* the "server" end */
    redisContext *c;
};

static struct pair open_pair(int timeout_ms)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct pair p = { sv[0], redis_io_adopt_fd(sv[1], timeout_ms) };
    assert_non_null(p.c);
    return p;
}

static void close_pair(struct pair *p)
{
    redis_io_free(p->c);
    close(p->peer);
}

static void say(struct pair *p, const char *bytes, size_t n)
{
    assert_int_equal(write(p->peer, bytes, n), (ssize_t)n);
}

/* Sends bytes, closes the server side, reads one reply: REDIS_OK or REDIS_ERR. */
static int one_reply(const char *bytes, size_t n, redisReply **out, char *err, size_t errlen)
{
    struct pair p = open_pair(2000);
    say(&p, bytes, n);
    shutdown(p.peer, SHUT_WR);
    void *r = NULL;
    int rc = redis_io_get_reply(p.c, &r);
    snprintf(err, errlen, "%s", p.c->errstr);
    *out = r;
    close_pair(&p);
    return rc;
}

static void test_ordinary_replies(void **state)
{
    (void)state;
    struct pair p = open_pair(2000);
    const char wire[] = "+OK\r\n:-42\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*0\r\n"
                        "*3\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n+x\r\n";
    say(&p, wire, sizeof wire - 1);
    void *v;
    redisReply *r;
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    r = v;
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    r = v;
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer == -42);
    freeReplyObject(r);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    r = v;
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, 5);
    assert_memory_equal(r->str, "he\r\no", 5);   /* a bulk may hold CRLF */
    freeReplyObject(r);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
        assert_int_equal(((redisReply *)v)->type, REDIS_REPLY_NIL);
        freeReplyObject(v);
    }
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    r = v;
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 0);
    freeReplyObject(r);
    /* nested, built in an arena */
    struct reply_arena arena = { 0 };
    redis_io_use_arena(p.c, &arena);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    r = v;
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 3);
    assert_string_equal(r->element[0]->str, "a");
    assert_int_equal(r->element[1]->elements, 2);
    assert_true(r->element[1]->element[1]->integer == 2);
    assert_string_equal(r->element[2]->str, "x");
    redis_io_use_arena(p.c, NULL);
    assert_int_equal(p.c->err, 0);
    reply_arena_done(&arena);
    close_pair(&p);
}

/* Headers that claim more than any command of ours can return are refused from the header
 * alone, before anything is allocated for them. */
static void test_caps_refuse_headers(void **state)
{
    (void)state;
    struct {
        const char *wire, *says;
    } cases[] = {
        { "*100000000\r\n", "array of 100000000 elements" },
        { "*2147483647\r\n", "array of 2147483647 elements" },
        { "*4294967297\r\n:1\r\n", "array of 4294967297" },
        { "$1000000000\r\n", "1000000000-byte string" },
        { "$9223372036854775807\r\n", "9223372036854775807-byte" },
        { "$99999999999999999999\r\n", "bad number" },
        { "*-2\r\n", "array of -2" },
        { "$-7\r\n", "-7-byte" },
        { "$ 5\r\nhello\r\n", "bad number" },
        { "$+5\r\nhello\r\n", "bad number" },
        { "$5\rx\r\nhello\r\n", "CR inside a number" },
        { "$\r\n", "no number" },
        { ":12a\r\n", "bad number" },
        { "?what\r\n", "type byte 0x3f" },
        { "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", "nested deeper" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        redisReply *r;
        char err[160];
        int rc = one_reply(cases[i].wire, strlen(cases[i].wire), &r, err, sizeof err);
        if (rc != REDIS_ERR || !strstr(err, cases[i].says))
            fail_msg("case %zu (%s): rc %d, error '%s'", i, cases[i].wire, rc, err);
    }
}

static void test_caps_per_reply(void **state)
{
    (void)state;
    /* a status line longer than the line cap, then a reply of many small arrays */
    size_t n = 70 * 1024;
    char *line = malloc(n + 3);
    line[0] = '+';
    memset(line + 1, 'a', n - 1);
    memcpy(line + n, "\r\n", 2);
    redisReply *r;
    char err[160];
    assert_int_equal(one_reply(line, n + 2, &r, err, sizeof err), REDIS_ERR);
    assert_non_null(strstr(err, "line of over 65536 bytes"));
    free(line);

    struct pair p = open_pair(2000);
    struct reply_caps caps = redis_io_default_caps;
    caps.max_reply_elements = 10;
    caps.max_bulk = 4;
    redis_io_set_caps(p.c, &caps);
    const char ok[] = "*2\r\n$4\r\nabcd\r\n*3\r\n:1\r\n:2\r\n:3\r\n";
    const char over[] = "*3\r\n*4\r\n:1\r\n:1\r\n:1\r\n:1\r\n*4\r\n";
    say(&p, ok, sizeof ok - 1);
    say(&p, over, sizeof over - 1);
    void *v;
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    assert_int_equal(((redisReply *)v)->elements, 2);
    freeReplyObject(v);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_ERR);
    assert_non_null(strstr(p.c->errstr, "11 elements in one reply (cap 10)"));
    close_pair(&p);

    p = open_pair(2000);
    redis_io_set_caps(p.c, &caps);
    say(&p, "$5\r\nabcde\r\n", 11);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_ERR);
    assert_non_null(strstr(p.c->errstr, "5-byte string (cap 4)"));
    close_pair(&p);
}

struct blob {
    int fd;
    const char *bytes;
    size_t n;
};

/* Writes a whole reply from another thread: more than a socket buffer holds. */
static void *blob_thread(void *arg)
{
    struct blob *b = arg;
    for (size_t off = 0; off < b->n;) {
        ssize_t w = write(b->fd, b->bytes + off, b->n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    return NULL;
}

/* An array header reserves nothing: its vector grows with the elements that arrive. */
static void test_lazy_growth(void **state)
{
    (void)state;
    struct pair p = open_pair(2000);
    struct reply_arena arena = { 0 };
    redis_io_use_arena(p.c, &arena);
    say(&p, "*1000000\r\n:1\r\n:2\r\n:3\r\n", 22);
    shutdown(p.peer, SHUT_WR);
    void *v;
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_ERR);
    assert_int_equal(p.c->err, REDIS_ERR_EOF);
    /* four reply objects and an 8-slot vector, not 8 MB of pointers */
    assert_true(arena.bytes_in_use < 1024);
    redis_io_use_arena(p.c, NULL);
    close_pair(&p);
    reply_arena_done(&arena);

    /* the same on the heap: freeing the half-built reply frees what was built (ASan checks) */
    p = open_pair(2000);
    say(&p, "*1000000\r\n*2\r\n$3\r\nabc\r\n:5\r\n:6\r\n", 31);
    shutdown(p.peer, SHUT_WR);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_ERR);
    close_pair(&p);

    /* and a complete large array: every element in place, the count exact */
    p = open_pair(5000);
    size_t count = 5000;
    char *wire = malloc(count * 8 + 32);
    size_t len = (size_t)sprintf(wire, "*%zu\r\n", count);
    for (size_t i = 0; i < count; i++)
        len += (size_t)sprintf(wire + len, ":%zu\r\n", i);
    struct blob b = { p.peer, wire, len };
    pthread_t th;
    pthread_create(&th, NULL, blob_thread, &b);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    redisReply *r = v;
    assert_int_equal(r->elements, count);
    for (size_t i = 0; i < count; i++)
        assert_true(r->element[i]->integer == (long long)i);
    freeReplyObject(r);
    pthread_join(th, NULL);
    free(wire);
    close_pair(&p);
}

struct drip {
    int fd;
    const char *bytes;
    size_t n;
    int gap_us;
};

static void *drip_thread(void *arg)
{
    struct drip *d = arg;
    for (size_t i = 0; i < d->n; i++) {
        if (write(d->fd, d->bytes + i, 1) != 1)
            break;
        usleep((useconds_t)d->gap_us);
    }
    return NULL;
}

/* Replies split at every byte still parse (the scanner keeps its state between reads). */
static void test_byte_at_a_time(void **state)
{
    (void)state;
    struct pair p = open_pair(5000);
    const char wire[] = "*2\r\n$3\r\nkey\r\n*2\r\n:-1\r\n+ok\r\r\n$0\r\n\r\n";
    struct drip d = { p.peer, wire, sizeof wire - 1, 200 };
    pthread_t th;
    pthread_create(&th, NULL, drip_thread, &d);
    void *v;
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    redisReply *r = v;
    assert_int_equal(r->elements, 2);
    assert_string_equal(r->element[0]->str, "key");
    assert_string_equal(r->element[1]->element[1]->str, "ok\r");
    freeReplyObject(r);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_OK);
    assert_int_equal(((redisReply *)v)->len, 0);
    freeReplyObject(v);
    pthread_join(th, NULL);
    close_pair(&p);
}

/* A server that drips bytes slower than the reply's deadline is cut off at the deadline, even
 * though no single read waits that long. */
static void test_drip_hits_deadline(void **state)
{
    (void)state;
    struct pair p = open_pair(300);
    static char wire[4096];
    memcpy(wire, "$4000\r\n", 7);
    memset(wire + 7, 'x', sizeof wire - 7);
    struct drip d = { p.peer, wire, sizeof wire, 20000 };   /* 50 bytes a second */
    pthread_t th;
    pthread_create(&th, NULL, drip_thread, &d);
    void *v;
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_ERR);
    assert_non_null(strstr(p.c->errstr, "no reply within 0.3 s"));
    close(p.peer);   /* ends the dripper's next write */
    pthread_join(th, NULL);
    redis_io_free(p.c);
}

/* A broken context stays broken: no second read on a stream that is out of step. */
static void test_error_is_sticky(void **state)
{
    (void)state;
    struct pair p = open_pair(2000);
    say(&p, "*100000000\r\n:1\r\n", 16);
    void *v;
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_ERR);
    say(&p, "+OK\r\n", 5);
    assert_int_equal(redis_io_get_reply(p.c, &v), REDIS_ERR);
    assert_null(v);
    close_pair(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_replies),
        cmocka_unit_test(test_caps_refuse_headers),
        cmocka_unit_test(test_caps_per_reply),
        cmocka_unit_test(test_lazy_growth),
        cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_drip_hits_deadline),
        cmocka_unit_test(test_error_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
