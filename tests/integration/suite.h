/* suite.h -- what every integration suite starts with: one private redis-server for the whole
 * group, a client connection to it, and a FLUSHALL before each test. Include once per suite. */
#ifndef QT_SUITE_H
#define QT_SUITE_H

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

static int flush(void **state)
{
    (void)state;
    freeReplyObject(harness_cmd(rc, "FLUSHALL"));
    return 0;
}

#endif
