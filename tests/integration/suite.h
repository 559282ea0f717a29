/* suite.h -- what every Redis integration suite starts with: one private redis-server for the
 * whole group, a client connection to it, a FLUSHALL before each test, and cmd_on() to build
 * state. Include once per suite, after cmocka. */
#ifndef QT_SUITE_H
#define QT_SUITE_H

#include <stdarg.h>

#include "harness.h"

static struct redis_server srv;
static redisContext *rc;

static int group_setup(void **state)
{
    (void)state;
    if (redis_server_start(&srv, NULL) < 0)
        return -1;
    rc = redis_server_client(&srv);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    redisFree(rc);
    redis_server_stop(&srv);
    return 0;
}

/* Runs a command on c; a lost connection or an error reply fails the test. */
static void cmd_on(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    if (r->type == REDIS_REPLY_ERROR)
        fail_msg("%s -> %s", fmt, r->str);
    freeReplyObject(r);
}

static int flush(void **state)
{
    (void)state;
    freeReplyObject(harness_cmd(rc, "FLUSHALL"));
    return 0;
}

#endif
