/* queuetop --once --json against a real redis-server, for the keys collector (issue 6): every
 * queue layout of docs/queue-layouts.md built with the commands its library issues, to an exactly
 * known state, and every field of redis.queues asserted; then locks, --layouts files and their
 * errors, key prefixes, MEMORY refused by an ACL, layout collisions, rates, and (when node and
 * npm can install it) a queue built by the real bullmq package.
 *
 * Times come from the server's TIME. Anything "due" is an hour in the past and anything "later"
 * an hour ahead, so no assertion depends on how long a run takes.
 *
 * Seven of these found bugs in the first version of the collector (layouts claiming each
 * other's keys, long layout names, Conductor shards and namespaces, Celery's monitoring
 * queues); they are regression tests now. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../unit/cm.h"
#include "harness.h"

#include "suite.h"
#include "json_fields.h"
#include "../../collectors/redis_conn.h"
#include "../../collectors/redis_keys.h"
#include "../../collectors/snapshot.h"

#define NUL LLONG_MIN          /* an expected figure that must be null */
#define HOUR_MS 3600000LL
#define HOUR_S 3600LL


/* ---- commands --------------------------------------------------------------------------- */

static bool in_child;   /* a forked writer: no cmocka there, errors end the child */

/* Runs a command and returns its reply (caller frees); an error reply fails the test. */
static redisReply *must(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        if (in_child)
            _exit(3);
        fail_msg("%s -> %s", fmt, r ? r->str : c->errstr);
    }
    return r;
}

/* must() for commands that a forked writer also runs (cmd_on of suite.h is for the test) */
#define run(...) freeReplyObject(must(__VA_ARGS__))

static long long server_ms_on(redisContext *c)
{
    redisReply *r = must(c, "TIME");
    long long ms = atoll(r->element[0]->str) * 1000 + atoll(r->element[1]->str) / 1000;
    freeReplyObject(r);
    return ms;
}

static long long server_ms(void)
{
    return server_ms_on(rc);
}

/* ms as decimal seconds ("1795452531.239"), the way Sidekiq and kombu write scores */
static const char *secs(long long ms, char buf[32])
{
    snprintf(buf, 32, "%lld.%03lld", ms / 1000, ms % 1000);
    return buf;
}

/* ---- running queuetop ---------------------------------------------------------------------- */

/* queuetop -r URL --once --json ARGS...: exit status, stdout and stderr (caller frees). */
static int run_queuetop(const char *url, const char *const *args, char **out, char **err)
{
    const char *argv[40] = { harness_queuetop(), "-r", url, "--once", "--json" };
    int n = 5;
    for (int i = 0; args && args[i] && n < 38; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return harness_run(argv, out, err, 30000);
}

/* The document of a run that must succeed. */
static json_t *once_json_url(const char *url, const char *const *args)
{
    char *out, *err;
    int status = run_queuetop(url, args, &out, &err);
    if (status != 0)
        fail_msg("queuetop exited %d: %s", status, err);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    if (!doc)
        fail_msg("bad JSON (%s): %.300s", je.text, out);
    free(out);
    free(err);
    return doc;
}

/* One sample (--rate-interval 0) of the suite's server, with extra ARGS. */
static json_t *once_json(const char *const *args)
{
    const char *all[20] = { "--rate-interval", "0" };
    int n = 2;
    for (int i = 0; args && args[i] && n < 19; i++)
        all[n++] = args[i];
    all[n] = NULL;
    return once_json_url(redis_server_url(&srv), all);
}

static json_t *redis_part(json_t *doc, const char *field)
{
    json_t *v = json_object_get(json_object_get(doc, "redis"), field);
    if (!v)
        fail_msg("redis.%s is missing", field);
    return v;
}

/* ---- asserting redis.queues ---------------------------------------------------------------- */

struct expect_queue {
    const char *layout, *name, *kind;
    long long depth, in_flight, delayed, due_now, failed, processed_total, failed_total;
    const char *keys[12];   /* keys that must be in `keys` (NULL-terminated) */
};

static json_t *find_queue(json_t *doc, const char *layout, const char *name)
{
    size_t i;
    json_t *q;
    json_array_foreach(redis_part(doc, "queues"), i, q) {
        const char *l = json_string_value(json_object_get(q, "layout"));
        const char *n = json_string_value(json_object_get(q, "name"));
        if (l && n && strcmp(l, layout) == 0 && strcmp(n, name) == 0)
            return q;
    }
    return NULL;
}

static void print_queues(json_t *doc)
{
    char *text = json_dumps(redis_part(doc, "queues"), JSON_INDENT(1));
    print_message("redis.queues: %s\n", text);
    free(text);
}

static void check_figure(json_t *q, const struct expect_queue *e, const char *field,
                         long long want)
{
    json_t *v = json_object_get(q, field);
    if (want == NUL) {
        if (!json_is_null(v))
            fail_msg("%s/%s: %s should be null, is %lld", e->layout, e->name, field,
                     (long long)json_integer_value(v));
        return;
    }
    if (!json_is_integer(v))
        fail_msg("%s/%s: %s should be %lld, is %s", e->layout, e->name, field, want,
                 json_is_null(v) ? "null" : "not an integer");
    if (json_integer_value(v) != want)
        fail_msg("%s/%s: %s should be %lld, is %lld", e->layout, e->name, field, want,
                 (long long)json_integer_value(v));
}

static bool has_key(json_t *keys, const char *key)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        if (json_is_string(k) && strcmp(json_string_value(k), key) == 0)
            return true;
    }
    return false;
}

/* Every field of one row; rates null (one sample). */
static void check_queue(json_t *doc, const struct expect_queue *e)
{
    json_t *q = find_queue(doc, e->layout, e->name);
    if (!q) {
        print_queues(doc);
        fail_msg("no queue %s/%s", e->layout, e->name);
    }
    assert_string_equal(str(q, "kind"), e->kind);
    check_figure(q, e, "depth", e->depth);
    check_figure(q, e, "in_flight", e->in_flight);
    check_figure(q, e, "delayed", e->delayed);
    check_figure(q, e, "due_now", e->due_now);
    check_figure(q, e, "failed", e->failed);
    check_figure(q, e, "processed_total", e->processed_total);
    check_figure(q, e, "failed_total", e->failed_total);
    assert_null_field(q, "enqueue_per_sec");
    assert_null_field(q, "dequeue_per_sec");
    assert_null_field(q, "depth_change_per_sec");
    json_t *keys = json_object_get(q, "keys");
    assert_true(json_is_array(keys));
    for (size_t i = 0; e->keys[i]; i++) {
        if (!has_key(keys, e->keys[i])) {
            print_queues(doc);
            fail_msg("%s/%s: key %s is not listed", e->layout, e->name, e->keys[i]);
        }
    }
}

/* redis.queues holds exactly these rows, sorted by layout then name. */
static void check_queues(json_t *doc, const struct expect_queue *e, size_t n)
{
    json_t *queues = redis_part(doc, "queues");
    if (json_array_size(queues) != n) {
        print_queues(doc);
        fail_msg("%zu queues, expected %zu", json_array_size(queues), n);
    }
    for (size_t i = 0; i < n; i++)
        check_queue(doc, &e[i]);
    for (size_t i = 1; i < n; i++) {
        json_t *a = json_array_get(queues, i - 1), *b = json_array_get(queues, i);
        int c = strcmp(str(a, "layout"), str(b, "layout"));
        if (c == 0)
            c = strcmp(str(a, "name"), str(b, "name"));
        if (c >= 0)
            fail_msg("queues not sorted at %zu", i);
    }
}

static json_t *find_lock(json_t *doc, const char *key)
{
    size_t i;
    json_t *l;
    json_array_foreach(redis_part(doc, "locks"), i, l) {
        if (strcmp(str(l, "key"), key) == 0)
            return l;
    }
    return NULL;
}

/* ---- BullMQ v6 (taskforcesh/bullmq @352d3c72bf2b, v6.2.0+3) ---------------------------------
 * What each Lua script writes, per docs/queue-layouts.md §1; base = "<prefix>:<queue>". */

/* addStandardJob-9.lua / addPrioritizedJob-9.lua / addDelayedJob-6.lua (with storeJob.lua,
 * getDelayedScore.lua, addDelayMarkerIfNeeded.lua): the job id. */
static long long bullmq_add(const char *base, long long ts, long long delay_ms,
                            long long priority)
{
    char key[128];
    snprintf(key, sizeof key, "%s:id", base);
    redisReply *r = must(rc, "INCR %s", key);
    long long id = r->integer;
    freeReplyObject(r);
    cmd_on(rc, "HSET %s:%lld name send data {\"to\":\"a@example.com\"} opts {\"attempts\":3}"
            " timestamp %lld delay %lld priority %lld", base, id, ts, delay_ms, priority);
    cmd_on(rc, "XADD %s:events MAXLEN ~ 10000 * event added jobId %lld name send", base, id);
    if (delay_ms > 0) {
        long long due = ts + delay_ms;
        cmd_on(rc, "ZADD %s:delayed %lld %lld", base, due * 4096, id);   /* due_ms * 0x1000 */
        cmd_on(rc, "XADD %s:events MAXLEN ~ 10000 * event delayed jobId %lld delay %lld", base,
            id, due);
        cmd_on(rc, "ZADD %s:marker %lld 1", base, due);
        return id;
    }
    if (priority > 0) {
        r = must(rc, "INCR %s:pc", base);
        long long counter = r->integer;
        freeReplyObject(r);
        cmd_on(rc, "ZADD %s:prioritized %lld %lld", base, priority * 4294967296LL + counter, id);
    } else {
        cmd_on(rc, "LPUSH %s:wait %lld", base, id);
    }
    cmd_on(rc, "ZADD %s:marker 0 0", base);
    cmd_on(rc, "XADD %s:events MAXLEN ~ 10000 * event waiting jobId %lld", base, id);
    return id;
}

/* moveToActive-11.lua (prepareJobForProcessing.lua): the oldest waiting job becomes active
 * with a lock of lockDuration (30 000 ms). */
static long long bullmq_take(const char *base, const char *token, long long now)
{
    redisReply *r = must(rc, "RPOPLPUSH %s:wait %s:active", base, base);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    long long id = atoll(r->str);
    freeReplyObject(r);
    cmd_on(rc, "SET %s:%lld:lock %s PX 30000", base, id, token);
    cmd_on(rc, "HSET %s:%lld processedOn %lld", base, id, now);
    cmd_on(rc, "HINCRBY %s:%lld ats 1", base, id);
    cmd_on(rc, "XADD %s:events MAXLEN ~ 10000 * event active jobId %lld prev waiting", base, id);
    return id;
}

/* moveToFinished-14.lua (removeLock.lua, collectMetrics.lua when the worker has `metrics`):
 * an active job ends in `completed` or `failed` (attempts used up). */
static void bullmq_finish(const char *base, long long id, const char *target, long long now,
                          bool metrics)
{
    cmd_on(rc, "GET %s:%lld:lock", base, id);
    cmd_on(rc, "DEL %s:%lld:lock", base, id);
    cmd_on(rc, "SREM %s:stalled %lld", base, id);
    cmd_on(rc, "LREM %s:active -1 %lld", base, id);
    cmd_on(rc, "HINCRBY %s:%lld atm 1", base, id);
    cmd_on(rc, "ZADD %s:%s %lld %lld", base, target, now, id);
    cmd_on(rc, "HSET %s:%lld %s %s finishedOn %lld", base, id,
        strcmp(target, "failed") == 0 ? "failedReason" : "returnvalue",
        strcmp(target, "failed") == 0 ? "boom" : "null", now);
    cmd_on(rc, "XADD %s:events MAXLEN ~ 10000 * event %s jobId %lld", base, target, id);
    if (metrics) {
        cmd_on(rc, "HINCRBY %s:metrics:%s count 1", base, target);
        cmd_on(rc, "LPUSH %s:metrics:%s:data 1", base, target);
    }
}

static void test_bullmq(void **state)
{
    (void)state;
    long long now = server_ms();
    const char *base = "bull:emails";
    /* queue.ts metaValues, written with the first add */
    cmd_on(rc, "HSET bull:emails:meta opts.maxLenEvents 10000 version bullmq:6.2.0");
    /* metrics from earlier work (collectMetrics.lua keeps count, prevTS, prevCount) */
    cmd_on(rc, "HSET bull:emails:metrics:completed count 41 prevTS %lld prevCount 41", now - 60000);
    cmd_on(rc, "HSET bull:emails:metrics:failed count 2 prevTS %lld prevCount 2", now - 60000);
    long long a = bullmq_add(base, now, 0, 0), b = bullmq_add(base, now, 0, 0);
    assert_int_equal(bullmq_take(base, "tok-a", now), a);
    assert_int_equal(bullmq_take(base, "tok-b", now), b);
    bullmq_finish(base, a, "completed", now, true);   /* count 42 */
    bullmq_finish(base, b, "failed", now, true);      /* count 3 */
    long long c = bullmq_add(base, now, 0, 0);
    bullmq_add(base, now, 0, 0);
    bullmq_add(base, now, 0, 0);
    assert_int_equal(bullmq_take(base, "tok-c", now), c);   /* wait 2, active 1 */
    bullmq_add(base, now, 0, 5);                             /* prioritized 1 */
    bullmq_add(base, now - 2 * HOUR_MS, HOUR_MS, 0);         /* due an hour ago, not promoted */
    bullmq_add(base, now, HOUR_MS, 0);                       /* due in an hour */

    /* a second queue: the prefix carries a cluster hash tag, no metrics */
    cmd_on(rc, "HSET {bull}:reports:meta opts.maxLenEvents 10000 version bullmq:6.2.0");
    bullmq_add("{bull}:reports", now, 0, 0);

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "bullmq", "emails", "mixed", 3, 1, 2, 1, 1, 42, 3,
          { "bull:emails:wait", "bull:emails:prioritized", "bull:emails:active",
            "bull:emails:delayed", "bull:emails:failed", "bull:emails:metrics:completed",
            "bull:emails:metrics:failed", NULL } },
        { "bullmq", "reports", "mixed", 1, 0, 0, 0, 0, NUL, NUL,
          { "{bull}:reports:wait", "{bull}:reports:active", "{bull}:reports:delayed", NULL } },
    };
    check_queues(doc, e, 2);
    /* the active job's lock */
    char lock[64];
    snprintf(lock, sizeof lock, "bull:emails:%lld:lock", c);
    json_t *l = find_lock(doc, lock);
    assert_non_null(l);
    assert_true(num(l, "ttl_ms") > 0 && num(l, "ttl_ms") <= 30000);
    assert_string_equal(str(l, "owner"), "tok-c");
    assert_int_equal(json_array_size(redis_part(doc, "locks")), 1);
    json_decref(doc);
}

/* ---- Bull 3/4 (OptimalBits/bull @18004a0ecbf8, v4.15.0): lib/commands/addJob-6.lua,
 * moveToActive-8.lua, moveToFinished-9.lua; no meta hash, no events stream (pub/sub). */

static void bull_add(const char *base, long long id, long long ts, long long delay_ms)
{
    cmd_on(rc, "INCR %s:id", base);
    cmd_on(rc, "HMSET %s:%lld name __default__ data {} opts {\"attempts\":1} timestamp %lld"
            " delay %lld priority 0", base, id, ts, delay_ms);
    if (delay_ms > 0) {
        long long due = ts + delay_ms;
        cmd_on(rc, "ZADD %s:delayed %lld %lld", base, due * 4096 + (id & 0xfff), id);
        cmd_on(rc, "PUBLISH %s:delayed %lld", base, due);
    } else {
        cmd_on(rc, "LPUSH %s:wait %lld", base, id);
        cmd_on(rc, "PUBLISH %s:waiting@null %lld", base, id);
    }
}

static void bull_take(const char *base, long long id, long long now)
{
    redisReply *r = must(rc, "RPOPLPUSH %s:wait %s:active", base, base);
    assert_int_equal(atoll(r->str), id);
    freeReplyObject(r);
    cmd_on(rc, "SET %s:%lld:lock 0b7e9f3c PX 30000", base, id);
    cmd_on(rc, "ZREM %s:priority %lld", base, id);
    cmd_on(rc, "PUBLISH %s:active@null %lld", base, id);
    cmd_on(rc, "HSET %s:%lld processedOn %lld", base, id, now);
}

static void test_bull_legacy(void **state)
{
    (void)state;
    long long now = server_ms();
    const char *base = "bull:legacy";
    bull_add(base, 1, now, 0);
    bull_add(base, 2, now, 0);
    bull_add(base, 3, now, 0);
    bull_take(base, 1, now);
    /* moveToFinished-9.lua, attempts used up */
    cmd_on(rc, "LREM bull:legacy:active -1 1");
    cmd_on(rc, "ZADD bull:legacy:failed %lld 1", now);
    cmd_on(rc, "DEL bull:legacy:1:lock");
    cmd_on(rc, "HMSET bull:legacy:1 failedReason boom finishedOn %lld", now);
    cmd_on(rc, "PUBLISH bull:legacy:failed 1");
    bull_take(base, 2, now);
    bull_add(base, 4, now - 2 * HOUR_MS, HOUR_MS);
    bull_add(base, 5, now, HOUR_MS);

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "bull", "legacy", "mixed", 1, 1, 2, 1, 1, NUL, NUL,
          { "bull:legacy:wait", "bull:legacy:active", "bull:legacy:delayed",
            "bull:legacy:failed", NULL } },
    };
    check_queues(doc, e, 1);
    assert_non_null(find_lock(doc, "bull:legacy:2:lock"));
    json_decref(doc);
}

/* ---- Sidekiq 8.1.7 (sidekiq/sidekiq @1bb4aa06e5aa): lib/sidekiq/client.rb atomic_push,
 * job_retry.rb, launcher.rb (heartbeat, flush stats), api.rb for the counts. */

static void sidekiq_push(const char *queue, long long now, int n)
{
    char json[256];
    snprintf(json, sizeof json, "{\"retry\":true,\"queue\":\"%s\",\"args\":[%d],\"class\":"
             "\"HardJob\",\"jid\":\"b4a577edbccf1d80574%05d\",\"created_at\":%lld,"
             "\"enqueued_at\":%lld}", queue, n, n, now, now);
    cmd_on(rc, "SADD queues %s", queue);           /* one pipeline: SADD + LPUSH */
    cmd_on(rc, "LPUSH queue:%s %s", queue, json);
}

static void test_sidekiq(void **state)
{
    (void)state;
    long long now = server_ms();
    char s[32];
    for (int i = 0; i < 3; i++)
        sidekiq_push("default", now, i);
    sidekiq_push("critical", now, 10);
    cmd_on(rc, "SADD queues mailers");   /* pushed to once, drained since: no list */
    /* perform_in / perform_at: "at" in float seconds, no SADD */
    cmd_on(rc, "ZADD schedule %s {\"class\":\"HardJob\",\"at\":1,\"jid\":\"s1\"}",
        secs(now - HOUR_MS, s));
    cmd_on(rc, "ZADD schedule %s {\"class\":\"HardJob\",\"at\":2,\"jid\":\"s2\"}",
        secs(now + HOUR_MS, s));
    /* job_retry.rb: zadd("retry", retry_at.to_s, payload) */
    cmd_on(rc, "ZADD retry %s {\"class\":\"HardJob\",\"retry_count\":1,\"jid\":\"r1\"}",
        secs(now - HOUR_MS, s));
    cmd_on(rc, "ZADD retry %s {\"class\":\"HardJob\",\"retry_count\":0,\"jid\":\"r2\"}",
        secs(now + HOUR_MS, s));
    /* retries used up: dead, trimmed to 180 days / 10 000 */
    cmd_on(rc, "ZADD dead %s {\"class\":\"HardJob\",\"jid\":\"d1\"}", secs(now, s));
    cmd_on(rc, "ZREMRANGEBYSCORE dead -inf %s", secs(now - 180 * 24 * HOUR_MS, s));
    cmd_on(rc, "ZREMRANGEBYRANK dead 0 -10001");
    /* launcher.rb flush_stats and ❤ (heartbeat) */
    cmd_on(rc, "INCRBY stat:processed 10");
    cmd_on(rc, "INCRBY stat:processed:2026-01-01 10");
    cmd_on(rc, "INCRBY stat:failed 2");
    cmd_on(rc, "INCRBY stat:failed:2026-01-01 2");
    const char *id = "host1:4242:0123456789ab";
    cmd_on(rc, "UNLINK %s:work", id);
    cmd_on(rc, "HSET %s:work 1xq {\"queue\":\"default\",\"payload\":{},\"run_at\":%lld}", id,
           now / 1000);
    cmd_on(rc, "HSET %s:work 2fz {\"queue\":\"critical\",\"payload\":{},\"run_at\":%lld}", id,
           now / 1000);
    cmd_on(rc, "EXPIRE %s:work 60", id);
    cmd_on(rc, "SADD processes %s", id);
    cmd_on(rc, "HSET %s info {\"hostname\":\"host1\"} busy 2 beat %s rtt_us 120 quiet false"
           " rss 1000", id, secs(now, s));
    cmd_on(rc, "EXPIRE %s 60", id);

    json_t *doc = once_json(NULL);
    char work[64];
    snprintf(work, sizeof work, "%s:work", id);
    const struct expect_queue e[] = {
        /* the shared sets: schedule + retry are delayed, dead is failed */
        { "sidekiq", "*", "zset", NUL, 2, 4, 2, 1, 10, 2,
          { "schedule", "retry", "dead", "stat:processed", "stat:failed", work, NULL } },
        { "sidekiq", "critical", "list", 1, NUL, NUL, NUL, NUL, NUL, NUL,
          { "queue:critical", NULL } },
        { "sidekiq", "default", "list", 3, NUL, NUL, NUL, NUL, NUL, NUL,
          { "queue:default", NULL } },
        { "sidekiq", "mailers", "list", 0, NUL, NUL, NUL, NUL, NUL, NUL,
          { "queue:mailers", NULL } },
    };
    check_queues(doc, e, 4);
    json_decref(doc);
}

/* ---- Celery on kombu (celery/kombu @9ee8595b835c, v5.6.2+104): kombu/transport/redis.py
 * _queue_bind, _put, _q_for_pri, _brpop_start, QoS.append. Separator "\x06\x16". */

#define SEP "\x06\x16"

static void kombu_publish(const char *queue_key, int n)
{
    char json[200];
    snprintf(json, sizeof json, "{\"body\":\"W1tdLHt9XQ==\",\"headers\":{\"id\":\"t%d\"},"
             "\"properties\":{\"delivery_tag\":\"tag%d\",\"priority\":0}}", n, n);
    cmd_on(rc, "LPUSH %s %s", queue_key, json);
}

/* A worker takes a message: BRPOP over the bands in step order, then (not atomically) the
 * QoS pipeline: ZADD unacked_index <time()> tag; HSET unacked tag [message, exchange, rk]. */
static void kombu_consume(const char *queue, const char *tag, long long delivered_ms)
{
    char b3[100], b6[100], b9[100], s[32];
    snprintf(b3, sizeof b3, "%s" SEP "3", queue);
    snprintf(b6, sizeof b6, "%s" SEP "6", queue);
    snprintf(b9, sizeof b9, "%s" SEP "9", queue);
    redisReply *r = must(rc, "BRPOP %s %s %s %s 1", queue, b3, b6, b9);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    cmd_on(rc, "ZADD unacked_index %s %s", secs(delivered_ms, s), tag);
    cmd_on(rc, "HSET unacked %s [%s,\"%s\",\"%s\"]", tag, r->element[1]->str, queue, queue);
    freeReplyObject(r);
}

static void test_celery(void **state)
{
    (void)state;
    long long now = server_ms();
    /* declare: the default queue on the `celery` exchange, `emails` on `tasks` */
    cmd_on(rc, "SADD _kombu.binding.celery %s", "celery" SEP SEP "celery");
    cmd_on(rc, "SADD _kombu.binding.tasks %s", "emails" SEP SEP "emails");
    /* remote control and events: bindings of monitoring queues, not task queues */
    cmd_on(rc, "SADD _kombu.binding.celery.pidbox %s", SEP SEP "celery@host1.celery.pidbox");
    cmd_on(rc, "SADD _kombu.binding.celeryev %s",
        "worker.#" SEP SEP "celeryev.6f1c2b8e-0e51-4c8e-9d1f-2a5b1f6c3d10");
    for (int i = 0; i < 3; i++)
        kombu_publish("celery", i);
    kombu_publish("celery" SEP "3", 3);   /* priority 3..5 rounds down to band 3 */
    kombu_publish("celery" SEP "9", 4);   /* priority 9 */
    kombu_publish("emails", 5);
    kombu_publish("emails", 6);
    kombu_consume("celery", "tag-a", now - 2 * HOUR_MS);   /* past the visibility timeout */
    kombu_consume("emails", "tag-b", now);
    cmd_on(rc, "SET unacked_mutex 3f2a PX 300000");           /* the visibility sweep's Lock */

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        /* unacked is one hash for the whole database: the "*" row */
        { "celery", "*", "mixed", NUL, 2, NUL, NUL, NUL, NUL, NUL, { "unacked", NULL } },
        { "celery", "celery", "list", 4, NUL, NUL, NUL, NUL, NUL, NUL,
          { "celery", "celery" SEP "3", "celery" SEP "6", "celery" SEP "9", NULL } },
        { "celery", "emails", "list", 1, NUL, NUL, NUL, NUL, NUL, NUL,
          { "emails", "emails" SEP "3", "emails" SEP "6", "emails" SEP "9", NULL } },
    };
    check_queues(doc, e, 3);
    json_decref(doc);
}

/* docs/queue-layouts.md §3: queues bound to `celeryev` and `*.pidbox` are monitoring and
 * remote-control queues, "not task queues". The bindings are skipped, but their lists are then
 * left to the generic detector, which reports each as a plain list queue. */
static void test_celery_event_queues_not_counted(void **state)
{
    (void)state;
    const char *ev = "celeryev.6f1c2b8e-0e51-4c8e-9d1f-2a5b1f6c3d10";
    cmd_on(rc, "SADD _kombu.binding.celery %s", "celery" SEP SEP "celery");
    cmd_on(rc, "SADD _kombu.binding.celeryev worker.#" SEP SEP "%s", ev);
    cmd_on(rc, "SADD _kombu.binding.reply.celery.pidbox %s",
           "9a0b" SEP SEP "9a0b-7c1d.reply.celery.pidbox");
    kombu_publish("celery", 1);
    kombu_publish(ev, 2);                                  /* a worker event for a monitor */
    kombu_publish("9a0b-7c1d.reply.celery.pidbox", 3);     /* a remote-control reply */
    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "celery", "*", "mixed", NUL, 0, NUL, NUL, NUL, NUL, NUL, { "unacked", NULL } },
        { "celery", "celery", "list", 1, NUL, NUL, NUL, NUL, NUL, NUL, { "celery", NULL } },
    };
    check_queues(doc, e, 2);
    json_decref(doc);
}

/* ---- RQ 2.10 (rq/rq @aa666a8a60db): rq/queue.py enqueue_job / push_job_id / schedule_job,
 * rq/worker/base.py prepare_job_execution, rq/registry.py, rq/intermediate_queue.py. */

static void rq_enqueue(const char *queue, const char *id, long long now)
{
    cmd_on(rc, "SADD rq:queues rq:queue:%s", queue);
    cmd_on(rc, "HSET rq:job:%s status queued", id);
    cmd_on(rc, "HSET rq:job:%s origin %s data x created_at %lld enqueued_at %lld timeout 180",
        id, queue, now / 1000, now / 1000);
    cmd_on(rc, "RPUSH rq:queue:%s %s", queue, id);
}

static void test_rq(void **state)
{
    (void)state;
    long long now = server_ms(), now_s = now / 1000;
    rq_enqueue("default", "j1", now);
    rq_enqueue("default", "j2", now);
    rq_enqueue("default", "j3", now);
    rq_enqueue("default", "j4", now);
    /* a worker takes j1 and registers it as started */
    cmd_on(rc, "LMOVE rq:queue:default rq:queue:default:intermediate LEFT RIGHT");
    cmd_on(rc, "SET rq:queue:default:intermediate:first_seen:j1 1 NX EX 86400");
    cmd_on(rc, "HSET rq:execution:j1:e1 job_id j1 worker_name w1 created_at %lld", now_s);
    cmd_on(rc, "EXPIRE rq:execution:j1:e1 90");
    cmd_on(rc, "ZADD rq:executions:j1 %lld e1", now_s);
    cmd_on(rc, "ZADD rq:wip:default %lld j1:e1", now_s + 90);   /* score = heartbeat expiry */
    cmd_on(rc, "SADD rq:worker:w1:executions j1:e1");
    cmd_on(rc, "HSET rq:job:j1 status started");
    cmd_on(rc, "LREM rq:queue:default:intermediate 1 j1");
    /* j2 fails for good: out of StartedJobRegistry into FailedJobRegistry (ttl 1 year) */
    cmd_on(rc, "LMOVE rq:queue:default rq:queue:default:intermediate LEFT RIGHT");
    cmd_on(rc, "ZADD rq:wip:default %lld j2:e2", now_s + 90);
    cmd_on(rc, "LREM rq:queue:default:intermediate 1 j2");
    cmd_on(rc, "ZREM rq:wip:default j2:e2");
    cmd_on(rc, "ZADD rq:failed:default %lld j2", now_s + 31536000);
    cmd_on(rc, "HSET rq:job:j2 status failed");
    /* j3 is moved to the intermediate list and the worker has not registered it yet */
    cmd_on(rc, "LMOVE rq:queue:default rq:queue:default:intermediate LEFT RIGHT");
    /* finished jobs: kept result_ttl (500 s), not a figure of the queue */
    cmd_on(rc, "ZADD rq:finished:default %lld j0", now_s + 500);
    /* enqueue_at / enqueue_in: integer epoch seconds */
    cmd_on(rc, "SADD rq:queues rq:queue:default");
    cmd_on(rc, "HSET rq:job:s1 status scheduled origin default");
    cmd_on(rc, "ZADD rq:scheduled:default %lld s1", now_s - HOUR_S);
    cmd_on(rc, "HSET rq:job:s2 status scheduled origin default");
    cmd_on(rc, "ZADD rq:scheduled:default %lld s2", now_s + HOUR_S);
    cmd_on(rc, "SET rq:scheduler-lock:default sched-1 NX EX 61");
    /* a queue in the registry whose list is drained */
    cmd_on(rc, "SADD rq:queues rq:queue:low");

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        /* depth: j4 in the list + j3 in the intermediate list */
        { "rq", "default", "mixed", 2, 1, 2, 1, 1, NUL, NUL,
          { "rq:queue:default", "rq:queue:default:intermediate", "rq:wip:default",
            "rq:scheduled:default", "rq:failed:default", NULL } },
        { "rq", "low", "mixed", 0, 0, 0, 0, 0, NUL, NUL,
          { "rq:queue:low", "rq:wip:low", "rq:scheduled:low", "rq:failed:low", NULL } },
    };
    check_queues(doc, e, 2);
    json_decref(doc);
}

/* ---- asynq v0.26 (hibiken/asynq @785bb7208cb0): internal/rdb/rdb.go enqueueCmd, dequeueCmd,
 * doneCmd, retryCmd, archiveCmd, scheduleCmd; each Lua script's calls issued one by one. */

static void asynq_enqueue(redisContext *c, const char *q, const char *id, long long now_ms)
{
    run(c, "SADD asynq:queues %s", q);
    run(c, "EXISTS asynq:{%s}:t:%s", q, id);
    run(c, "HSET asynq:{%s}:t:%s msg pb:%s state pending pending_since %lld000000", q, id, id,
        now_ms);
    run(c, "LPUSH asynq:{%s}:pending %s", q, id);
}

/* dequeueCmd: the oldest pending task, leased for 30 s; the id (caller frees). */
static char *asynq_dequeue(redisContext *c, const char *q, long long now_ms)
{
    run(c, "EXISTS asynq:{%s}:paused", q);
    redisReply *r = must(c, "RPOPLPUSH asynq:{%s}:pending asynq:{%s}:active", q, q);
    if (r->type != REDIS_REPLY_STRING) {
        if (in_child)
            _exit(4);
        fail_msg("nothing pending in %s", q);
    }
    char *id = strdup(r->str);
    freeReplyObject(r);
    run(c, "HSET asynq:{%s}:t:%s state active", q, id);
    run(c, "HDEL asynq:{%s}:t:%s pending_since", q, id);
    run(c, "ZADD asynq:{%s}:lease %lld %s", q, now_ms / 1000 + 30, id);
    run(c, "HGET asynq:{%s}:t:%s msg", q, id);
    return id;
}

static void asynq_count(redisContext *c, const char *q, const char *counter, long long now_ms)
{
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    char day[16];
    gmtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    redisReply *r = must(c, "INCR asynq:{%s}:%s:%s", q, counter, day);
    if (r->integer == 1)
        run(c, "EXPIREAT asynq:{%s}:%s:%s %lld", q, counter, day, now_ms / 1000 + 90 * 86400);
    freeReplyObject(r);
    run(c, "GET asynq:{%s}:%s", q, counter);
    run(c, "INCR asynq:{%s}:%s", q, counter);
}

static void asynq_done(redisContext *c, const char *q, const char *id, long long now_ms)
{
    run(c, "LREM asynq:{%s}:active 0 %s", q, id);
    run(c, "ZREM asynq:{%s}:lease %s", q, id);
    run(c, "DEL asynq:{%s}:t:%s", q, id);
    asynq_count(c, q, "processed", now_ms);
}

/* retryCmd (isFailure) or archiveCmd: out of active into `retry` (at retry_at_s) or `archived` */
static void asynq_fail(redisContext *c, const char *q, const char *id, const char *target,
                       long long score_s, long long now_ms)
{
    run(c, "LREM asynq:{%s}:active 0 %s", q, id);
    run(c, "ZREM asynq:{%s}:lease %s", q, id);
    run(c, "ZADD asynq:{%s}:%s %lld %s", q, target, score_s, id);
    if (strcmp(target, "archived") == 0) {
        run(c, "ZREMRANGEBYSCORE asynq:{%s}:archived -inf %lld", q, now_ms / 1000 - 90 * 86400);
        run(c, "ZREMRANGEBYRANK asynq:{%s}:archived 0 -10001", q);
    }
    run(c, "HSET asynq:{%s}:t:%s msg pb:%s state %s", q, id, id,
        strcmp(target, "retry") == 0 ? "retry" : "archived");
    asynq_count(c, q, "processed", now_ms);
    asynq_count(c, q, "failed", now_ms);
}

static void test_asynq(void **state)
{
    (void)state;
    long long now = server_ms(), now_s = now / 1000;
    const char *ids[] = { "a1", "a2", "a3", "a4", "a5", "a6", "a7" };
    for (int i = 0; i < 7; i++)
        asynq_enqueue(rc, "default", ids[i], now);
    char *taken[5];
    for (int i = 0; i < 5; i++) {
        taken[i] = asynq_dequeue(rc, "default", now);
        assert_string_equal(taken[i], ids[i]);   /* oldest first */
    }
    asynq_done(rc, "default", "a1", now);
    asynq_done(rc, "default", "a2", now);
    asynq_fail(rc, "default", "a3", "retry", now_s + HOUR_S, now);
    asynq_fail(rc, "default", "a4", "archived", now_s, now);
    /* a5 stays active */
    for (int i = 0; i < 5; i++)
        free(taken[i]);
    /* EnqueueAt: scheduleCmd */
    cmd_on(rc, "SADD asynq:queues default");
    cmd_on(rc, "HSET asynq:{default}:t:s1 msg pb:s1 state scheduled");
    cmd_on(rc, "ZADD asynq:{default}:scheduled %lld s1", now_s - HOUR_S);
    cmd_on(rc, "HSET asynq:{default}:t:s2 msg pb:s2 state scheduled");
    cmd_on(rc, "ZADD asynq:{default}:scheduled %lld s2", now_s + HOUR_S);
    /* a queue with nothing in it yet */
    cmd_on(rc, "SADD asynq:queues critical");
    /* heartbeat.go: servers and workers, scores = expiry in epoch s (not delay queues) */
    cmd_on(rc, "ZADD asynq:servers %lld asynq:servers:{host1:4242:5f0c}", now_s + 10);
    cmd_on(rc, "SETEX asynq:servers:{host1:4242:5f0c} 10 pb");
    cmd_on(rc, "ZADD asynq:workers %lld asynq:workers:{host1:4242:5f0c}", now_s + 10);
    cmd_on(rc, "HSET asynq:workers:{host1:4242:5f0c} a5 pb");
    cmd_on(rc, "EXPIRE asynq:workers:{host1:4242:5f0c} 10");

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        /* processed 4 (2 done + 1 retried + 1 archived), failed 2 */
        { "asynq", "critical", "mixed", 0, 0, 0, 0, 0, 0, 0,
          { "asynq:{critical}:pending", NULL } },
        { "asynq", "default", "mixed", 2, 1, 3, 1, 1, 4, 2,
          { "asynq:{default}:pending", "asynq:{default}:active", "asynq:{default}:scheduled",
            "asynq:{default}:retry", "asynq:{default}:archived", "asynq:{default}:processed",
            "asynq:{default}:failed", NULL } },
    };
    check_queues(doc, e, 2);
    json_decref(doc);
}

/* ---- Conductor ------------------------------------------------------------------------------
 * orkes-queues 2.0.0.rc3 (orkes-io/orkes-queues @c9cc63d6f896), as pinned by conductor-oss
 * v3.32.0-rc.27: ConductorQueue.getScore, src/main/resources/pop_batch.lua. One zset per queue,
 * <ns>.<stack>.QUEUE.<queue>.<shard>, scores in ms; popped messages are rescored into the
 * future, so "delayed" mixes delayed and taken-unacked ones. */

static void test_conductor_orkes(void **state)
{
    (void)state;
    long long now = server_ms();
    const char *q = "conductor_queues.test.QUEUE.simple_task.c";
    /* push without delay: score now (pushed an hour ago); with priority 5 and no delay: 5 */
    cmd_on(rc, "ZADD %s %lld 7c4ed1a6-0c3c-4b8e-9b2e-0f1d1c2a3b01", q, now - HOUR_MS);
    cmd_on(rc, "ZADD %s %lld 7c4ed1a6-0c3c-4b8e-9b2e-0f1d1c2a3b02", q, now - HOUR_MS / 2);
    cmd_on(rc, "ZADD %s 5 7c4ed1a6-0c3c-4b8e-9b2e-0f1d1c2a3b03", q);
    /* push with a delay of an hour, priority 1: now + delay + (1 - 1/(p+1)) */
    cmd_on(rc, "ZADD %s %lld.5 7c4ed1a6-0c3c-4b8e-9b2e-0f1d1c2a3b04", q, now + HOUR_MS);
    /* pop one (pop_batch.lua): the lowest score, rescored to now + 1 + unackTime (30 000) */
    redisReply *r = must(rc, "ZRANGEBYSCORE %s 0 %lld WITHSCORES LIMIT 0 1", q, now + 1);
    assert_int_equal(r->elements, 2);
    assert_string_equal(r->element[0]->str, "7c4ed1a6-0c3c-4b8e-9b2e-0f1d1c2a3b03");
    cmd_on(rc, "ZADD %s XX CH %lld %s", q, now + 1 + 30000, r->element[0]->str);
    freeReplyObject(r);
    /* the workflow sweeper's queue */
    cmd_on(rc, "ZADD conductor_queues.test.QUEUE._deciderQueue.c %lld 0c9b3f2e-wf", now - HOUR_MS);

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "conductor", "_deciderQueue", "zset", 1, NUL, 0, NUL, NUL, NUL, NUL,
          { "conductor_queues.test.QUEUE._deciderQueue.c", NULL } },
        /* ready 2; later 2 (one delayed, one taken and not yet acked) */
        { "conductor", "simple_task", "zset", 2, NUL, 2, NUL, NUL, NUL, NUL, { q, NULL } },
    };
    check_queues(doc, e, 2);
    json_decref(doc);
}

/* dyno-queues (Netflix/dyno-queues @a920a8e8c150, v2.0.22+8) RedisDynoQueue push/_pop/ack, as
 * Conductor <= v3.21.22 used it: a pop moves the id from QUEUE to the UNACK zset. */
static void test_conductor_dyno(void **state)
{
    (void)state;
    long long now = server_ms();
    const char *q = "conductor.test.QUEUE.http_task.c";
    const char *u = "conductor.test.UNACK.http_task.c";
    const char *m = "conductor.test.MESSAGE.http_task";
    /* push: HSET message store; ZADD QUEUE now + delay + priority/100 */
    cmd_on(rc, "HSET %s m1 {\"id\":\"m1\",\"payload\":\"\",\"priority\":0}", m);
    cmd_on(rc, "ZADD %s %lld m1", q, now - HOUR_MS);
    cmd_on(rc, "HSET %s m2 {\"id\":\"m2\",\"payload\":\"\",\"priority\":2}", m);
    cmd_on(rc, "ZADD %s %lld.02 m2", q, now - HOUR_MS);
    cmd_on(rc, "HSET %s m3 {\"id\":\"m3\",\"payload\":\"\",\"priority\":0}", m);
    cmd_on(rc, "ZADD %s %lld m3", q, now + HOUR_MS);
    /* _pop: ZRANGEBYSCORE QUEUE 0 now; ZADD NX UNACK now+unackTimeout; ZREM QUEUE */
    cmd_on(rc, "ZRANGEBYSCORE %s 0 %lld LIMIT 0 1", q, now);
    cmd_on(rc, "ZADD %s NX %lld m1", u, now + 60000);
    cmd_on(rc, "ZREM %s m1", q);

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "conductor", "http_task", "zset", 1, 1, 1, NUL, NUL, NUL, NUL, { q, u, NULL } },
    };
    check_queues(doc, e, 1);
    json_decref(doc);
}

/* Two Conductor servers in different availability zones share one Redis: each writes its own
 * shard key of the same queue (orkes-queues: shard = last character of the zone; dyno-queues
 * spreads pushes over all shards). The queue is one row with both shards' figures. Instead the
 * collector keeps the first shard and leaves the second to the generic detector, which lists
 * it as a separate "zset" queue with the wrong meaning (ready messages counted as "delayed"). */
static void test_conductor_two_shards(void **state)
{
    (void)state;
    long long now = server_ms();
    cmd_on(rc, "ZADD conductor_queues.test.QUEUE.simple_task.a %lld x1 %lld x2", now - HOUR_MS,
        now + HOUR_MS);
    cmd_on(rc, "ZADD conductor_queues.test.QUEUE.simple_task.c %lld y1 %lld y2", now - HOUR_MS,
        now - HOUR_MS);
    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "conductor", "simple_task", "zset", 3, NUL, 1, NUL, NUL, NUL, NUL,
          { "conductor_queues.test.QUEUE.simple_task.a",
            "conductor_queues.test.QUEUE.simple_task.c", NULL } },
    };
    check_queues(doc, e, 1);
    json_decref(doc);
}

/* docs/queue-layouts.md §6: "Group the keys by the part before .QUEUE. (the namespace)". Two
 * stacks (test and prod) sharing a Redis have a queue of the same name each; the rows are keyed
 * by name alone, so the second namespace's queue is dropped from conductor and shows up as a
 * generic zset. */
static void test_conductor_two_namespaces(void **state)
{
    (void)state;
    long long now = server_ms();
    cmd_on(rc, "ZADD conductor_queues.prod.QUEUE.simple_task.c %lld p1", now - HOUR_MS);
    cmd_on(rc, "ZADD conductor_queues.test.QUEUE.simple_task.c %lld t1 %lld t2", now - HOUR_MS,
        now - HOUR_MS);
    json_t *doc = once_json(NULL);
    json_t *queues = redis_part(doc, "queues");
    size_t i, conductor_rows = 0;
    long long ready = 0;
    json_t *q;
    json_array_foreach(queues, i, q) {
        assert_string_equal(str(q, "layout"), "conductor");   /* none left to "zset" */
        conductor_rows++;
        ready += num(q, "depth");
    }
    assert_int_equal(conductor_rows, 2);
    assert_int_equal(ready, 3);
    json_decref(doc);
}

/* ---- no library: a plain list queue and generic delay zsets ---------------------------------- */

static void test_plain_list_and_delay_zsets(void **state)
{
    (void)state;
    long long now = server_ms(), now_s = now / 1000;
    char s[32];
    /* a home-made queue: LPUSH to enqueue, BRPOP to take */
    cmd_on(rc, "LPUSH resize-jobs {\"img\":1} {\"img\":2} {\"img\":3}");
    /* the reliable-queue pattern: LMOVE into <name>:processing, LREM when done */
    cmd_on(rc, "LPUSH mail {\"to\":1} {\"to\":2} {\"to\":3}");
    cmd_on(rc, "LMOVE mail mail:processing RIGHT LEFT");
    /* delay queues: ZADD <due> <member>, polled with ZRANGEBYSCORE -inf now */
    cmd_on(rc, "ZADD retry-later %lld a %s b %lld c", now_s - HOUR_S, secs(now - HOUR_MS / 2, s),
        now_s + HOUR_S);
    cmd_on(rc, "ZADD delayed-ms %lld a %lld b %lld c", now - HOUR_MS, now + HOUR_MS,
        now + 2 * HOUR_MS);
    /* not queues: a leaderboard (scores are not times), a sliding-window rate limiter (TTL),
     * a hash, a set, a string */
    cmd_on(rc, "ZADD leaderboard 10 alice 20 bob 30 carol");
    cmd_on(rc, "ZADD ratelimit:user:7 %lld r1 %lld r2", now - 1000, now);
    cmd_on(rc, "PEXPIRE ratelimit:user:7 60000");
    cmd_on(rc, "HSET user:7 name x");
    cmd_on(rc, "SADD tags a b");
    cmd_on(rc, "SET counter 5");

    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "list", "mail", "list", 2, 1, NUL, NUL, NUL, NUL, NUL,
          { "mail", "mail:processing", NULL } },
        { "list", "resize-jobs", "list", 3, NUL, NUL, NUL, NUL, NUL, NUL,
          { "resize-jobs", NULL } },
        { "zset", "delayed-ms", "zset", NUL, NUL, 3, 1, NUL, NUL, NUL, { "delayed-ms", NULL } },
        { "zset", "retry-later", "zset", NUL, NUL, 3, 2, NUL, NUL, NUL,
          { "retry-later", NULL } },
    };
    check_queues(doc, e, 4);
    assert_int_equal(json_array_size(redis_part(doc, "locks")), 0);
    json_decref(doc);
}

/* ---- --layouts FILE -------------------------------------------------------------------------- */

static const char *write_file(const char *name, const char *text)
{
    static char path[4][400];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 400, "%s/%s", srv.dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static const char acme_layout[] =
    "{\n"
    "  \"name\": \"acme\",\n"
    "  \"description\": \"LPUSH pending, LMOVE to processing, ZADD delayed (ms), retry (s)\",\n"
    "  \"queues\": [\n"
    "    {\"pattern\": \"acme:*:pending\", \"role\": \"pending\"},\n"
    "    {\"pattern\": \"acme:*:processing\", \"role\": \"processing\"},\n"
    "    {\"pattern\": \"acme:*:delayed\", \"role\": \"delayed\", \"score\": \"ms\"},\n"
    "    {\"pattern\": \"acme:*:retry\", \"role\": \"delayed\", \"score\": \"s\"},\n"
    "    {\"pattern\": \"acme:*:dead\", \"role\": \"dead\"}\n"
    "  ],\n"
    "  \"lock_patterns\": [\"acme:*:owner\"]\n"
    "}\n";

static void test_layout_file(void **state)
{
    (void)state;
    long long now = server_ms(), now_s = now / 1000;
    cmd_on(rc, "LPUSH acme:billing:pending i1 i2 i3 i4 i5");
    cmd_on(rc, "LMOVE acme:billing:pending acme:billing:processing RIGHT LEFT");
    cmd_on(rc, "ZADD acme:billing:delayed %lld d1 %lld d2 %lld d3", now - HOUR_MS, now - HOUR_MS,
        now + HOUR_MS);
    cmd_on(rc, "ZADD acme:billing:retry %lld r1", now_s - HOUR_S);
    cmd_on(rc, "RPUSH acme:billing:dead x1 x2");               /* a dead list */
    cmd_on(rc, "LPUSH acme:mail:pending m1");
    cmd_on(rc, "ZADD acme:mail:dead %lld x3", now_s);           /* a dead zset */
    cmd_on(rc, "ZADD acme:mail:pending-index 1 m1");            /* matches no pattern */
    cmd_on(rc, "SET acme:billing:owner worker-3 EX 30");        /* a lock by the file's pattern */
    cmd_on(rc, "SET lock:nightly cron-1 EX 60");                /* and by the defaults */

    const char *path = write_file("acme.json", acme_layout);
    json_t *doc = once_json((const char *const[]){ "--layouts", path, NULL });
    const struct expect_queue e[] = {
        { "acme", "billing", "mixed", 4, 1, 4, 3, 2, NUL, NUL,
          { "acme:billing:pending", "acme:billing:processing", "acme:billing:delayed",
            "acme:billing:retry", "acme:billing:dead", NULL } },
        { "acme", "mail", "mixed", 1, NUL, NUL, NUL, 1, NUL, NUL,
          { "acme:mail:pending", "acme:mail:dead", NULL } },
    };
    check_queues(doc, e, 2);
    json_t *l = find_lock(doc, "acme:billing:owner");
    assert_non_null(l);
    assert_string_equal(str(l, "owner"), "worker-3");
    assert_true(num(l, "ttl_ms") > 0 && num(l, "ttl_ms") <= 30000);
    assert_non_null(find_lock(doc, "lock:nightly"));
    json_decref(doc);

    /* without the file the same keys are plain lists */
    doc = once_json(NULL);
    assert_non_null(find_queue(doc, "list", "acme:billing:pending"));
    assert_null(find_queue(doc, "acme", "billing"));
    assert_null(find_lock(doc, "acme:billing:owner"));
    json_decref(doc);
}

/* layout_file.c accepts a "name" of up to 31 characters, but the queue's layout field is 16
 * bytes (redis_keys.c qdef_new, snapshot.h queue_info.layout): a longer name is cut to 15, and
 * qdef_new compares the cut name with the whole one, so every key found becomes a row of its
 * own: two rows "acme-billing-jo"/"billing", one with depth, one with in_flight. */
static void test_layout_file_long_name(void **state)
{
    (void)state;
    cmd_on(rc, "LPUSH acme:billing:pending i1 i2 i3");
    cmd_on(rc, "LMOVE acme:billing:pending acme:billing:processing RIGHT LEFT");
    const char *path = write_file("long.json",
        "{\"name\": \"acme-billing-jobs\", \"queues\": ["
        "{\"pattern\": \"acme:*:pending\", \"role\": \"pending\"},"
        "{\"pattern\": \"acme:*:processing\", \"role\": \"processing\"}]}");
    json_t *doc = once_json((const char *const[]){ "--layouts", path, NULL });
    const struct expect_queue e[] = {
        { "acme-billing-jobs", "billing", "mixed", 2, 1, NUL, NUL, NUL, NUL, NUL,
          { "acme:billing:pending", "acme:billing:processing", NULL } },
    };
    check_queues(doc, e, 1);
    json_decref(doc);
}

/* finish_pass runs detect_file first ("the user's word first") and it marks the keys it takes
 * as claimed, but detect_rq, detect_sidekiq and detect_bull do not look at `claimed`: a key that
 * the file describes is reported a second time by the built-in layout. */
static void test_layout_file_keys_not_taken_twice(void **state)
{
    (void)state;
    cmd_on(rc, "RPUSH rq:queue:jobs a b");
    const char *path = write_file("rq-like.json",
        "{\"name\": \"mine\", \"queues\": [{\"pattern\": \"rq:queue:*\", \"role\": \"pending\"}]}");
    json_t *doc = once_json((const char *const[]){ "--layouts", path, NULL });
    const struct expect_queue e[] = {
        { "mine", "jobs", "mixed", 2, NUL, NUL, NUL, NUL, NUL, NUL, { "rq:queue:jobs", NULL } },
    };
    check_queues(doc, e, 1);
    json_decref(doc);
}

/* A bad --layouts file: exit 2 before any connection, one line on stderr naming the file and
 * where (line:column of a syntax error, or the field). */
static void expect_layout_error(const char *name, const char *text, const char *where,
                                const char *what)
{
    const char *path = text ? write_file(name, text) : name;
    char *out, *err;
    /* port 1: nothing listens, so exit 2 from the file and not from the connection */
    int status = run_queuetop("redis://127.0.0.1:1",
                              (const char *const[]){ "--layouts", path, NULL }, &out, &err);
    if (status != 2)
        fail_msg("%s: exit %d, want 2 (%s)", name, status, err);
    assert_string_equal(out, "");
    char want[600];
    snprintf(want, sizeof want, "%s%s", path, where);
    if (!strstr(err, want) || (what && !strstr(err, what)))
        fail_msg("%s: stderr \"%s\" should name \"%s\" and \"%s\"", name, err, want,
                 what ? what : "");
    assert_null(strstr(err, "connect"));
    assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));   /* one line */
    free(out);
    free(err);
}

static void test_layout_file_errors(void **state)
{
    (void)state;
    /* JSON syntax: a trailing comma before ']' on line 5, column 3 */
    expect_layout_error("comma.json",
        "{\n"
        "  \"name\": \"acme\",\n"
        "  \"queues\": [\n"
        "    {\"pattern\": \"acme:*\", \"role\": \"pending\"},\n"
        "  ]\n"
        "}\n", ":5:3:", NULL);
    /* cut off mid-way */
    expect_layout_error("cut.json", "{\"name\": \"acme\",\n\"queues\": [", ":2:", NULL);
    /* a key twice */
    expect_layout_error("dup.json",
        "{\"name\": \"a\",\n \"name\": \"b\", \"queues\": []}", ":2:", "duplicate");
    /* a role that does not exist, in the second entry */
    expect_layout_error("role.json",
        "{\"name\": \"acme\", \"queues\": ["
        "{\"pattern\": \"acme:*:pending\", \"role\": \"pending\"},"
        "{\"pattern\": \"acme:*:wip\", \"role\": \"inflight\"}]}",
        ": queues[1].role", "pending, processing, delayed, dead");
    /* unknown keys: a typo at the top level and in an entry */
    expect_layout_error("top.json",
        "{\"name\": \"acme\", \"lock_pattern\": [\"x:*\"], \"queues\": ["
        "{\"pattern\": \"acme:*\", \"role\": \"pending\"}]}",
        ": top level: unknown key \"lock_pattern\"", NULL);
    expect_layout_error("entry.json",
        "{\"name\": \"acme\", \"queues\": ["
        "{\"pattern\": \"acme:*\", \"role\": \"delayed\", \"scores\": \"ms\"}]}",
        ": queues[0]: unknown key \"scores\"", NULL);
    /* patterns need exactly one '*' */
    expect_layout_error("nostar.json",
        "{\"name\": \"acme\", \"queues\": ["
        "{\"pattern\": \"acme:pending\", \"role\": \"pending\"}]}",
        ": queues[0].pattern", "exactly one '*'");
    expect_layout_error("twostars.json",
        "{\"name\": \"acme\", \"queues\": ["
        "{\"pattern\": \"acme:*\", \"role\": \"pending\"},"
        "{\"pattern\": \"*:*:delayed\", \"role\": \"delayed\"}]}",
        ": queues[1].pattern", "exactly one '*'");
    expect_layout_error("numpattern.json",
        "{\"name\": \"acme\", \"queues\": [{\"pattern\": 5, \"role\": \"pending\"}]}",
        ": queues[0].pattern", NULL);
    /* score: only "s" or "ms", only for delayed */
    expect_layout_error("score.json",
        "{\"name\": \"acme\", \"queues\": [{\"pattern\": \"a:*\", \"role\": \"pending\","
        " \"score\": \"ms\"}]}", ": queues[0].score", NULL);
    expect_layout_error("unit.json",
        "{\"name\": \"acme\", \"queues\": [{\"pattern\": \"a:*\", \"role\": \"delayed\","
        " \"score\": \"us\"}]}", ": queues[0].score", NULL);
    /* name and queues are required */
    expect_layout_error("noname.json",
        "{\"queues\": [{\"pattern\": \"a:*\", \"role\": \"pending\"}]}", ": \"name\"", NULL);
    expect_layout_error("longname.json",
        "{\"name\": \"an-extremely-long-layout-name-xyz\", \"queues\": ["
        "{\"pattern\": \"a:*\", \"role\": \"pending\"}]}", ": \"name\"", NULL);
    expect_layout_error("noqueues.json", "{\"name\": \"acme\", \"queues\": []}", ": \"queues\"",
                        NULL);
    expect_layout_error("entrytype.json", "{\"name\": \"acme\", \"queues\": [\"a:*\"]}",
                        ": queues[0]", NULL);
    expect_layout_error("array.json", "[]", ":", "JSON object");
    /* lock patterns: non-empty strings */
    expect_layout_error("locks.json",
        "{\"name\": \"acme\", \"queues\": [{\"pattern\": \"a:*\", \"role\": \"pending\"}],"
        " \"lock_patterns\": [\"a:*:lock\", \"\"]}", ": lock_patterns[1]", NULL);
    /* a file that is not there */
    char missing[400];
    snprintf(missing, sizeof missing, "%s/no-such-layouts.json", srv.dir);
    expect_layout_error(missing, NULL, ":", NULL);
}

/* ---- locks ----------------------------------------------------------------------------------- */

static void test_locks(void **state)
{
    (void)state;
    cmd_on(rc, "SET lock:report worker-7");                 /* no TTL: never released */
    cmd_on(rc, "SET lock:cron host-2 PX 45000");
    cmd_on(rc, "SET orders:lock:42 a1b2 NX PX 10000");      /* *:lock:* */
    cmd_on(rc, "SET job:7:lock c3d4 PX 20000");             /* *:lock */
    char big[10241];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof big - 1] = '\0';
    cmd_on(rc, "SET lock:big %s EX 600", big);
    cmd_on(rc, "HSET lock:hash f v");                       /* a name like a lock, not a string */
    cmd_on(rc, "SET mutex:a owner-a EX 100");               /* not a default pattern */

    json_t *doc = once_json(NULL);
    json_t *locks = redis_part(doc, "locks");
    assert_int_equal(json_array_size(locks), 5);
    /* no expiry first, then the shortest TTL */
    const char *order[] = { "lock:report", "orders:lock:42", "job:7:lock", "lock:cron",
                            "lock:big" };
    const long long ttl[] = { 0, 10000, 20000, 45000, 600000 };
    for (size_t i = 0; i < 5; i++) {
        json_t *l = json_array_get(locks, i);
        assert_string_equal(str(l, "key"), order[i]);
        if (i == 0) {
            assert_null_field(l, "ttl_ms");
        } else {
            assert_true(num(l, "ttl_ms") > 0);
            assert_true(num(l, "ttl_ms") <= ttl[i]);
        }
    }
    assert_string_equal(str(json_array_get(locks, 0), "owner"), "worker-7");
    const char *owner = str(json_array_get(locks, 4), "owner");
    assert_int_equal(strlen(owner), 64);                 /* cut: never the whole 10 KB */
    assert_memory_equal(owner, big, 64);
    json_decref(doc);

    /* --lock-pattern replaces the defaults */
    doc = once_json((const char *const[]){ "--lock-pattern", "mutex:*", NULL });
    locks = redis_part(doc, "locks");
    assert_int_equal(json_array_size(locks), 1);
    assert_string_equal(str(json_array_get(locks, 0), "key"), "mutex:a");
    assert_string_equal(str(json_array_get(locks, 0), "owner"), "owner-a");
    json_decref(doc);
    doc = once_json((const char *const[]){ "--lock-pattern", "mutex:*", "--lock-pattern",
                                           "lock:rep*", NULL });
    locks = redis_part(doc, "locks");
    assert_int_equal(json_array_size(locks), 2);
    assert_string_equal(str(json_array_get(locks, 0), "key"), "lock:report");
    assert_string_equal(str(json_array_get(locks, 1), "key"), "mutex:a");
    json_decref(doc);
}

/* ---- prefixes and the keyspace --------------------------------------------------------------- */

static void pipeline(int n)
{
    for (int i = 0; i < n; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
        freeReplyObject(r);
    }
}

/* MEMORY USAGE of every key of a prefix: the smallest and the largest. */
static void memory_range(const char *pattern, long long *min, long long *max)
{
    *min = LLONG_MAX;
    *max = 0;
    redisReply *keys = must(rc, "KEYS %s", pattern);
    for (size_t i = 0; i < keys->elements; i++) {
        redisReply *m = must(rc, "MEMORY USAGE %s", keys->element[i]->str);
        if (m->integer < *min)
            *min = m->integer;
        if (m->integer > *max)
            *max = m->integer;
        freeReplyObject(m);
    }
    freeReplyObject(keys);
}

static json_t *find_prefix(json_t *doc, const char *prefix)
{
    size_t i;
    json_t *p;
    json_array_foreach(redis_part(doc, "prefixes"), i, p) {
        if (strcmp(str(p, "prefix"), prefix) == 0)
            return p;
    }
    fail_msg("no prefix %s", prefix);
    return NULL;
}

static void fill_keyspace(void)
{
    char value[65];
    memset(value, 'v', 64);
    value[64] = '\0';
    for (int i = 0; i < 300; i++) {
        if (i % 2 == 0)
            redisAppendCommand(rc, "SET cache:%d %s EX 3600", i, value);
        else
            redisAppendCommand(rc, "SET cache:%d %s", i, value);
    }
    pipeline(300);
    for (int i = 0; i < 20; i++) {
        if (i < 15)
            redisAppendCommand(rc, "SET session:%d s EX 600", i);
        else
            redisAppendCommand(rc, "SET session:%d s", i);
    }
    pipeline(20);
    cmd_on(rc, "SET tiny:1 x");
    cmd_on(rc, "SET tiny:2 x");
    cmd_on(rc, "SET tiny:3 x");
    cmd_on(rc, "SET alpha 1");
    cmd_on(rc, "SET beta 2 EX 100");
}

static void test_prefixes(void **state)
{
    (void)state;
    fill_keyspace();
    json_t *doc = once_json(NULL);
    json_t *prefixes = redis_part(doc, "prefixes");
    assert_int_equal(json_array_size(prefixes), 4);
    /* most keys first */
    const char *order[] = { "cache:", "session:", "tiny:", "(no colon)" };
    const long long keys[] = { 300, 20, 3, 2 };
    const double no_ttl[] = { 0.5, 0.25, 1.0, 0.5 };
    const char *globs[] = { "cache:*", "session:*", "tiny:*", "[ab][le][pt]*" };
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_array_get(prefixes, i);
        assert_string_equal(str(p, "prefix"), order[i]);
        assert_int_equal(num(p, "keys_est"), keys[i]);
        assert_true(json_number_value(json_object_get(p, "no_ttl_share")) == no_ttl[i]);
        assert_int_equal(num(p, "sample"), keys[i] < 16 ? keys[i] : 16);
        long long min, max;
        memory_range(globs[i], &min, &max);
        long long est = num(p, "bytes_est");
        assert_true(est > 0);
        if (est < min * keys[i] - 1 || est > max * keys[i])
            fail_msg("%s: bytes_est %lld outside %lld..%lld", order[i], est, min * keys[i],
                     max * keys[i]);
    }
    json_t *ks = redis_part(doc, "keyspace");
    assert_int_equal(num(ks, "passes"), 1);
    assert_int_equal(num(ks, "dbsize"), 325);
    assert_true(json_is_false(json_object_get(ks, "memory_usage_refused")));
    json_decref(doc);
}

/* An ACL user without MEMORY: the prefixes lose their byte estimates, nothing else. */
static void test_memory_refused(void **state)
{
    (void)state;
    fill_keyspace();
    cmd_on(rc, "LPUSH resize-jobs a b");
    cmd_on(rc, "ACL SETUSER watcher on >pw ~* +@all -memory");
    char url[128];
    snprintf(url, sizeof url, "redis://watcher:pw@127.0.0.1:%d", srv.port);
    json_t *doc = once_json_url(url, (const char *const[]){ "--rate-interval", "0", NULL });
    cmd_on(rc, "ACL DELUSER watcher");
    json_t *ks = redis_part(doc, "keyspace");
    assert_true(json_is_true(json_object_get(ks, "memory_usage_refused")));
    assert_int_equal(num(ks, "dbsize"), 326);
    json_t *cache = find_prefix(doc, "cache:");
    assert_int_equal(num(cache, "keys_est"), 300);
    assert_true(json_number_value(json_object_get(cache, "no_ttl_share")) == 0.5);
    size_t i;
    json_t *p;
    json_array_foreach(redis_part(doc, "prefixes"), i, p) {
        assert_null_field(p, "bytes_est");
        assert_int_equal(num(p, "sample"), 0);
    }
    const struct expect_queue e[] = {
        { "list", "resize-jobs", "list", 2, NUL, NUL, NUL, NUL, NUL, NUL,
          { "resize-jobs", NULL } },
    };
    check_queues(doc, e, 1);
    json_decref(doc);
}

/* One clock rule: a user whose ACL refuses TIME gets depths as usual, but "due now" (and a
 * delayed count split at now) and ages unknown with the reason, never split at this machine's clock; with TIME they are
 * read. The keys collector directly (the streams collector needs TIME and stops --once). */
static const struct queue_info *keys_queue(const struct keys_snapshot *k, const char *layout,
                                           const char *name)
{
    for (size_t i = 0; i < k->queue_count; i++)
        if (strcmp(k->queues[i].layout, layout) == 0 && k->queues[i].name.len == strlen(name) &&
            memcmp(k->queues[i].name.ptr, name, k->queues[i].name.len) == 0)
            return &k->queues[i];
    return NULL;
}

static void keys_once(const char *url, bool want_time)
{
    struct keys_config cfg;
    keys_config_defaults(&cfg);
    char err[256] = "";
    assert_int_equal(redis_url_parse(url, &cfg.target, err, sizeof err), 0);
    cfg.connect_timeout_ms = cfg.command_timeout_ms = 5000;
    struct keys_collector *kc = keys_collector_new(&cfg, NULL);
    struct snapshot *snap = keys_collector_sample_full(kc, 10000, err, sizeof err);
    if (!snap)
        fail_msg("keys sample: %s", err);
    const struct keys_snapshot *k = &snap->keys;
    const struct queue_info *all = keys_queue(k, "sidekiq", "*");
    const struct queue_info *dflt = keys_queue(k, "sidekiq", "default");
    assert_non_null(all);
    assert_non_null(dflt);
    assert_int_equal(dflt->depth, 2);   /* these need no clock */
    assert_int_equal(all->delayed, 2);  /* Sidekiq: ZCARD of schedule and retry */
    if (want_time) {
        assert_string_equal(k->time_error, "");
        assert_true(k->server_time_ms > 0);
        assert_int_equal(all->due_now, 1);
        assert_true(dflt->oldest_age_ms != QT_UNKNOWN);
    } else {
        if (!strstr(k->time_error, "TIME refused: NOPERM"))
            fail_msg("time_error: '%s'", k->time_error);
        assert_true(k->server_time_ms == QT_UNKNOWN);
        assert_true(all->due_now == QT_UNKNOWN);
        assert_true(dflt->oldest_age_ms == QT_UNKNOWN);
    }
    snapshot_free(snap);
    keys_collector_delete(kc);
}

static void test_time_refused(void **state)
{
    (void)state;
    long long now = server_ms();
    char s[32];
    sidekiq_push("default", now - 5000, 1);
    sidekiq_push("default", now - 5000, 2);
    cmd_on(rc, "ZADD schedule %s {\"class\":\"HardJob\",\"at\":1,\"jid\":\"s1\"}",
           secs(now - HOUR_MS, s));
    cmd_on(rc, "ZADD schedule %s {\"class\":\"HardJob\",\"at\":2,\"jid\":\"s2\"}",
           secs(now + HOUR_MS, s));
    cmd_on(rc, "ACL SETUSER noclock on >pw ~* +@all -time");
    char url[128];
    snprintf(url, sizeof url, "redis://noclock:pw@127.0.0.1:%d", srv.port);
    keys_once(url, false);
    cmd_on(rc, "ACL DELUSER noclock");
    keys_once(redis_server_url(&srv), true);
}

/* ---- collisions between layouts -------------------------------------------------------------- */

/* docs/queue-layouts.md §8: a kombu queue may be called `queue:x`; a name found through
 * `_kombu.binding.*` is kombu even if it looks like Sidekiq. */
static void test_collision_celery_queue_named_like_sidekiq(void **state)
{
    (void)state;
    cmd_on(rc, "SADD _kombu.binding.celery %s", "queue:x" SEP SEP "queue:x");
    kombu_publish("queue:x", 1);
    kombu_publish("queue:x", 2);
    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "celery", "*", "mixed", NUL, 0, NUL, NUL, NUL, NUL, NUL, { "unacked", NULL } },
        { "celery", "queue:x", "list", 2, NUL, NUL, NUL, NUL, NUL, NUL, { "queue:x", NULL } },
    };
    check_queues(doc, e, 2);
    json_decref(doc);
}

/* The same, with Sidekiq in the same database: detect_sidekiq runs before detect_celery in
 * finish_pass and takes every `queue:*` list (without looking at `claimed` or the kombu
 * bindings), so the Celery queue is also a Sidekiq queue "x": counted twice. */
static void test_collision_celery_and_sidekiq(void **state)
{
    (void)state;
    long long now = server_ms();
    char s[32];
    cmd_on(rc, "SADD _kombu.binding.celery %s", "queue:x" SEP SEP "queue:x");
    kombu_publish("queue:x", 1);
    kombu_publish("queue:x", 2);
    sidekiq_push("default", now, 1);
    cmd_on(rc, "ZADD schedule %s {\"jid\":\"s1\"}", secs(now + HOUR_MS, s));
    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "celery", "*", "mixed", NUL, 0, NUL, NUL, NUL, NUL, NUL, { "unacked", NULL } },
        { "celery", "queue:x", "list", 2, NUL, NUL, NUL, NUL, NUL, NUL, { "queue:x", NULL } },
        { "sidekiq", "*", "zset", NUL, NUL, 1, 0, 0, 0, 0, { "schedule", NULL } },
        { "sidekiq", "default", "list", 1, NUL, NUL, NUL, NUL, NUL, NUL,
          { "queue:default", NULL } },
    };
    check_queues(doc, e, 4);
    json_decref(doc);
}

/* Likewise for RQ: detect_rq turns every `rq:queue:<n>` list into an RQ queue, even one that
 * the kombu bindings name (and even without RQ's `rq:queues` registry). */
static void test_collision_celery_queue_named_like_rq(void **state)
{
    (void)state;
    cmd_on(rc, "SADD _kombu.binding.celery %s", "rq:queue:x" SEP SEP "rq:queue:x");
    kombu_publish("rq:queue:x", 1);
    json_t *doc = once_json(NULL);
    const struct expect_queue e[] = {
        { "celery", "*", "mixed", NUL, 0, NUL, NUL, NUL, NUL, NUL, { "unacked", NULL } },
        { "celery", "rq:queue:x", "list", 1, NUL, NUL, NUL, NUL, NUL, NUL,
          { "rq:queue:x", NULL } },
    };
    check_queues(doc, e, 2);
    json_decref(doc);
}

/* ---- hot and cold ---------------------------------------------------------------------------- */

#define ROT_QUEUES 20

/* How many of the rotNN queues a streamed line lists with this depth (a line before the keys
 * collector's first sample has no queues). */
static int rot_with_depth(json_t *doc, long long depth)
{
    int n = 0;
    if (!json_object_get(json_object_get(doc, "redis"), "queues"))
        return 0;
    char name[16];
    for (int i = 0; i < ROT_QUEUES; i++) {
        snprintf(name, sizeof name, "rot%02d", i);
        json_t *q = find_queue(doc, "asynq", name);
        n += q && json_is_integer(json_object_get(q, "depth")) &&
             json_integer_value(json_object_get(q, "depth")) == depth;
    }
    return n;
}

/* While streaming, a queue that does not move is read whole every 5 s (QUEUE_REREAD_MS) and
 * in between only probed: its first depth and in-flight keys, every tick. A queue whose probe
 * moves is read whole the next tick; the others keep their figures and the time they were
 * read, and the age of their oldest job still grows. 20 asynq queues of 3 tasks pending since
 * a minute ago, sampled every 0.25 s; asynq reads 3 ZCARDs, 2 LLENs and more per whole
 * reading, so ZCARD counts the whole readings and LLEN the probes. */
static void test_queue_rotation(void **state)
{
    (void)state;
    long long since = server_ms() - 60000;
    char name[16], id[16];
    for (int i = 0; i < ROT_QUEUES; i++) {
        snprintf(name, sizeof name, "rot%02d", i);
        for (int j = 0; j < 3; j++) {
            snprintf(id, sizeof id, "t%d", j);
            asynq_enqueue(rc, name, id, since);
        }
    }
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.25", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc = NULL;
    for (int i = 0; i < 100; i++) {
        doc = harness_next_json(fd, 5000);
        assert_non_null(doc);
        if (rot_with_depth(doc, 3) == ROT_QUEUES)
            break;
        json_decref(doc);
        doc = NULL;
    }
    assert_non_null(doc);
    long long age_first = num(find_queue(doc, "asynq", "rot06"), "oldest_age_ms");
    assert_true(age_first >= 60000);
    json_decref(doc);

    cmd_on(rc, "CONFIG RESETSTAT");
    long long t0 = server_ms();
    for (int i = 0; i < 8; i++) {
        doc = harness_next_json(fd, 5000);
        assert_non_null(doc);
        assert_int_equal(rot_with_depth(doc, 3), ROT_QUEUES);
        json_decref(doc);
    }
    long long elapsed = server_ms() - t0;
    long long zcard = harness_command_calls(rc, "zcard");
    long long llen = harness_command_calls(rc, "llen");
    /* each queue read whole at most once per 5 s that passed, plus one; read whole every tick
     * it would be 3 x 20 x 8 = 480 */
    long long whole_max = 3LL * ROT_QUEUES * (elapsed / 5000 + 1);
    if (zcard > whole_max || llen < 2LL * ROT_QUEUES * 3)
        fail_msg("in %lld ms: %lld ZCARD (at most %lld), %lld LLEN", elapsed, zcard, whole_max,
                 llen);

    /* one queue moves: read whole within a couple of ticks, not at the next 5 s */
    snprintf(id, sizeof id, "t9");
    asynq_enqueue(rc, "rot05", id, server_ms());
    int lines = 0;
    for (; lines < 40; lines++) {
        doc = harness_next_json(fd, 5000);
        assert_non_null(doc);
        json_t *q = find_queue(doc, "asynq", "rot05");
        if (q && num(q, "depth") == 4)
            break;
        json_decref(doc);
        doc = NULL;
    }
    assert_non_null(doc);
    if (lines > 6)
        fail_msg("the moved queue took %d lines to be read", lines + 1);
    json_t *moved = find_queue(doc, "asynq", "rot05");
    json_t *quiet = find_queue(doc, "asynq", "rot06");
    assert_int_equal(num(quiet, "depth"), 3);
    assert_true(num(quiet, "sampled_server_ms") > 0);
    assert_true(num(quiet, "sampled_server_ms") <= num(moved, "sampled_server_ms"));
    /* the quiet queue's oldest task keeps ageing between its readings */
    assert_true(num(quiet, "oldest_age_ms") > age_first);
    json_decref(doc);
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
}

/* ---- rates ----------------------------------------------------------------------------------- */

/* asynq keeps a processed counter, so its queues have enqueue and dequeue rates. Between the
 * two samples of --rate-interval 2, a second client enqueues 30 tasks and runs 10 to completion
 * (asynq's own sequence), and pushes 6 onto a plain list (no counter: no enqueue/dequeue rate). */
static void test_rates(void **state)
{
    (void)state;
    long long now = server_ms();
    char id[16];
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "old%d", i);
        asynq_enqueue(rc, "default", id, now);
    }
    cmd_on(rc, "LPUSH side-list a");
    cmd_on(rc, "CONFIG RESETSTAT");
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        in_child = true;
        redisContext *c = redis_server_client(&srv);
        /* start once the first sample has read the queues (its ZCOUNT of the due tasks) */
        for (int i = 0; i < 1000 && harness_command_calls(c, "zcount") == 0; i++) {
            struct timespec ts = { 0, 10 * 1000000L };
            nanosleep(&ts, NULL);
        }
        long long t = server_ms_on(c);
        for (int i = 0; i < 30; i++) {
            snprintf(id, sizeof id, "new%d", i);
            asynq_enqueue(c, "default", id, t);
        }
        for (int i = 0; i < 10; i++) {
            char *taken = asynq_dequeue(c, "default", t);
            asynq_done(c, "default", taken, t);
            free(taken);
        }
        for (int i = 0; i < 6; i++)
            run(c, "LPUSH side-list x");
        redisFree(c);
        _exit(0);
    }
    json_t *doc = once_json_url(redis_server_url(&srv),
                                (const char *const[]){ "--rate-interval", "2", NULL });
    int status;
    waitpid(child, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* one pass: the second sample reads the queues the first found */
    assert_int_equal(num(redis_part(doc, "keyspace"), "passes"), 1);
    json_t *q = find_queue(doc, "asynq", "default");
    assert_non_null(q);
    assert_int_equal(num(q, "depth"), 30);
    assert_int_equal(num(q, "in_flight"), 0);
    assert_int_equal(num(q, "processed_total"), 10);
    double out = json_number_value(json_object_get(q, "dequeue_per_sec"));
    double in = json_number_value(json_object_get(q, "enqueue_per_sec"));
    double change = json_number_value(json_object_get(q, "depth_change_per_sec"));
    /* 10 done, 30 in, +20 net, over the 2 s between the samples plus sampling time */
    if (!(out > 2.5 && out <= 5.01 && in > 7.5 && in <= 15.01 && change > 5.0 &&
          change <= 10.01))
        fail_msg("rates: dequeue %.3f enqueue %.3f change %.3f", out, in, change);
    /* one interval for all three: their ratios are exact whatever it was */
    assert_true(fabs(in - 3.0 * out) < 0.01);
    assert_true(fabs(change - 2.0 * out) < 0.01);

    q = find_queue(doc, "list", "side-list");
    assert_non_null(q);
    assert_int_equal(num(q, "depth"), 7);
    assert_null_field(q, "enqueue_per_sec");              /* no counter to tell in from out */
    assert_null_field(q, "dequeue_per_sec");
    change = json_number_value(json_object_get(q, "depth_change_per_sec"));
    assert_true(change > 1.5 && change <= 3.01);
    json_decref(doc);
}

/* ---- the real bullmq package ----------------------------------------------------------------- */

static bool have_program(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static int sh(const char *script, char **out, char **err, int timeout_ms)
{
    const char *argv[] = { "/bin/sh", "-c", script, NULL };
    return harness_run(argv, out, err, timeout_ms);
}

/* tests/integration/bullmq/fixture.js drives BullMQ itself: 3 jobs added, one taken with
 * Worker.getNextJob, then 2 delayed (1 ms and 1 hour). Skipped when node or npm is missing or
 * the package cannot be installed (no network) within 60 s. */
static void test_bullmq_real_library(void **state)
{
    (void)state;
    const char *src = "tests/integration/bullmq";
    char path[300];
    snprintf(path, sizeof path, "%s/package.json", src);
    if (access(path, R_OK) != 0 || !have_program("node") || !have_program("npm")) {
        print_message("SKIP bullmq: node, npm or %s missing\n", path);
        skip();
    }
    char dir[] = "/tmp/queuetop-bullmq-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char script[1200], *out, *err;
    snprintf(script, sizeof script,
             "cp '%s/package.json' '%s/fixture.js' '%s/' && cd '%s' && "
             "exec timeout -k 5 60 npm install --no-audit --no-fund --prefer-offline"
             " --loglevel=error", src, src, dir, dir);
    int status = sh(script, &out, &err, 75000);
    if (status != 0) {
        print_message("SKIP bullmq: npm install failed (exit %d): %.300s\n", status, err);
        free(out);
        free(err);
        snprintf(script, sizeof script, "rm -rf '%s'", dir);
        if (system(script) != 0)
            print_message("could not remove %s\n", dir);
        skip();
    }
    free(out);
    free(err);
    snprintf(script, sizeof script, "cd '%s' && exec node fixture.js %d real", dir, srv.port);
    status = sh(script, &out, &err, 30000);
    if (status != 0)
        fail_msg("fixture.js exited %d: %s", status, err);
    json_t *made = json_loads(out, 0, NULL);
    assert_non_null(made);
    print_message("bullmq %s\n", str(made, "version"));
    free(out);
    free(err);
    snprintf(script, sizeof script, "rm -rf '%s'", dir);
    if (system(script) != 0)
        print_message("could not remove %s\n", dir);

    /* the 1 ms delay has passed by now; wait a little in case the clock is coarse */
    struct timespec ts = { 0, 20 * 1000000L };
    nanosleep(&ts, NULL);
    json_t *doc = once_json(NULL);
    json_t *q = find_queue(doc, "bullmq", "real");
    if (!q) {
        print_queues(doc);
        fail_msg("no bullmq queue \"real\"");
    }
    assert_int_equal(num(q, "depth"), 2);
    assert_int_equal(num(q, "in_flight"), 1);
    assert_int_equal(num(q, "delayed"), 2);
    assert_int_equal(num(q, "due_now"), 1);
    assert_int_equal(num(q, "failed"), 0);
    assert_null_field(q, "processed_total");   /* the worker had no `metrics` option */
    assert_int_equal(json_array_size(redis_part(doc, "queues")), 1);
    char lock[64];
    snprintf(lock, sizeof lock, "bull:real:%s:lock", str(made, "taken"));
    json_t *l = find_lock(doc, lock);
    assert_non_null(l);
    assert_true(num(l, "ttl_ms") > 0 && num(l, "ttl_ms") <= 30000);
    assert_string_equal(str(l, "owner"), "queuetop-test-token");
    redisReply *meta = must(rc, "HGET bull:real:meta version");
    char want[64];
    snprintf(want, sizeof want, "bullmq:%s", str(made, "version"));
    assert_string_equal(meta->str, want);
    freeReplyObject(meta);
    json_decref(made);
    json_decref(doc);
}

/* The age of the oldest waiting job, where a layout records it cheaply: Sidekiq's enqueued_at in
 * the payload at the pop end (seconds, or ms since Sidekiq 8), BullMQ's job hash timestamp,
 * asynq's pending_since (ns), and for sorted sets how long the lowest score has been due. */
static void test_oldest_age(void **state)
{
    (void)state;
    long long now = server_ms(), now_s = now / 1000;
    cmd_on(rc, "SADD queues default");
    cmd_on(rc, "LPUSH queue:default {\"jid\":\"a\",\"enqueued_at\":%lld.25}", now_s - 3600);
    cmd_on(rc, "LPUSH queue:default {\"jid\":\"b\",\"enqueued_at\":%lld}", (now_s - 60) * 1000);
    cmd_on(rc, "HSET bull:mail:meta version bullmq:6.2.0");
    cmd_on(rc, "HSET bull:mail:1 name x timestamp %lld", now - 2 * HOUR_MS);
    cmd_on(rc, "LPUSH bull:mail:wait 1");
    cmd_on(rc, "SADD asynq:queues q");
    cmd_on(rc, "HSET asynq:{q}:t:t1 state pending pending_since %lld", (now - HOUR_MS) * 1000000LL);
    cmd_on(rc, "LPUSH asynq:{q}:pending t1");
    cmd_on(rc, "ZADD overdue %lld a %lld b", now_s - 2 * HOUR_S, now_s + HOUR_S);
    cmd_on(rc, "ZADD later %lld a", now_s + HOUR_S);
    cmd_on(rc, "LPUSH plain x");
    json_t *doc = once_json(NULL);
    struct { const char *layout, *name; long long age; } want[] = {
        { "sidekiq", "default", HOUR_MS },   /* the pop end holds the older job */
        { "bullmq", "mail", 2 * HOUR_MS },
        { "asynq", "q", HOUR_MS },
        { "zset", "overdue", 2 * HOUR_MS },
        { "zset", "later", 0 },              /* nothing due yet: nothing has waited */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        json_t *q = find_queue(doc, want[i].layout, want[i].name);
        assert_non_null(q);
        long long age = num(q, "oldest_age_ms");
        if (age < want[i].age - 1000 || age > want[i].age + 60000)   /* .25 s of the fixture */
            fail_msg("%s %s: oldest_age_ms %lld, wanted about %lld", want[i].layout,
                     want[i].name, age, want[i].age);
    }
    assert_null_field(find_queue(doc, "list", "plain"), "oldest_age_ms");   /* not recorded */
    json_decref(doc);
}

/* Things a first review of the collector found: a hash named like BullMQ's meta is not a queue
 * without BullMQ's state keys beside it; a registry member with a NUL byte is not read as the
 * name before the NUL; a Conductor priority score (5) is no time; the second sample of --once
 * reads the queues of the first pass instead of scanning again. */
static void test_review_regressions(void **state)
{
    (void)state;
    long long now = server_ms();
    cmd_on(rc, "HSET user:42:meta plan pro");
    cmd_on(rc, "LPUSH user:42:wait not-a-bullmq-list");
    cmd_on(rc, "DEL user:42:wait");
    cmd_on(rc, "SADD asynq:queues x");
    redisReply *r = redisCommand(rc, "SADD asynq:queues %b", "x\0y", (size_t)3);
    freeReplyObject(r);
    cmd_on(rc, "LPUSH asynq:{x}:pending a b c");
    cmd_on(rc, "ZADD conductor_queues.test.QUEUE.prio.c 5 p1 %lld p2", now - HOUR_MS);
    const char *const args[] = { "--rate-interval", "1", NULL };
    json_t *doc = once_json_url(redis_server_url(&srv), args);
    size_t i;
    json_t *q;
    json_array_foreach(redis_part(doc, "queues"), i, q) {
        const char *layout = str(q, "layout"), *name = str(q, "name");
        if (strcmp(layout, "bullmq") == 0)
            fail_msg("a hash user:42:meta made a bullmq queue %s", name);
        if (strcmp(layout, "asynq") == 0 && strcmp(name, "x") != 0)
            fail_msg("x\\0y: a name whose keys cannot be named is listed");
    }
    json_t *x = find_queue(doc, "asynq", "x");
    assert_non_null(x);
    assert_int_equal(num(x, "depth"), 3);
    json_t *prio = find_queue(doc, "conductor", "prio");
    assert_non_null(prio);
    assert_int_equal(num(prio, "depth"), 2);
    long long age = num(prio, "oldest_age_ms");   /* the hour-old message, not 1970 */
    assert_true(age >= HOUR_MS && age < HOUR_MS + 60000);
    assert_int_equal(num(json_object_get(json_object_get(doc, "redis"), "keyspace"), "passes"), 1);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_review_regressions, flush),
        cmocka_unit_test_setup(test_oldest_age, flush),
        cmocka_unit_test_setup(test_bullmq, flush),
        cmocka_unit_test_setup(test_bull_legacy, flush),
        cmocka_unit_test_setup(test_sidekiq, flush),
        cmocka_unit_test_setup(test_time_refused, flush),
        cmocka_unit_test_setup(test_celery, flush),
        cmocka_unit_test_setup(test_celery_event_queues_not_counted, flush),
        cmocka_unit_test_setup(test_rq, flush),
        cmocka_unit_test_setup(test_asynq, flush),
        cmocka_unit_test_setup(test_conductor_orkes, flush),
        cmocka_unit_test_setup(test_conductor_dyno, flush),
        cmocka_unit_test_setup(test_conductor_two_shards, flush),
        cmocka_unit_test_setup(test_conductor_two_namespaces, flush),
        cmocka_unit_test_setup(test_plain_list_and_delay_zsets, flush),
        cmocka_unit_test_setup(test_layout_file, flush),
        cmocka_unit_test_setup(test_layout_file_long_name, flush),
        cmocka_unit_test_setup(test_layout_file_keys_not_taken_twice, flush),
        cmocka_unit_test_setup(test_layout_file_errors, flush),
        cmocka_unit_test_setup(test_locks, flush),
        cmocka_unit_test_setup(test_prefixes, flush),
        cmocka_unit_test_setup(test_memory_refused, flush),
        cmocka_unit_test_setup(test_collision_celery_queue_named_like_sidekiq, flush),
        cmocka_unit_test_setup(test_collision_celery_and_sidekiq, flush),
        cmocka_unit_test_setup(test_collision_celery_queue_named_like_rq, flush),
        cmocka_unit_test_setup(test_rates, flush),
        cmocka_unit_test_setup(test_queue_rotation, flush),
        cmocka_unit_test_setup(test_bullmq_real_library, flush),
    };
    return cmocka_run_group_tests_name("queues_integration", tests, group_setup, group_teardown);
}
