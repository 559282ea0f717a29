/* queuetop --once --json against a real redis-server, with streams built to an exactly known
 * state (XADD, XGROUP CREATE, XREADGROUP, XACK, XCLAIM, XDEL): every number is asserted. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../unit/cm.h"
#include "harness.h"
#include "../../collectors/redis_streams.h"

#include "suite.h"
#include "json_fields.h"


static long long server_ms(void)
{
    redisReply *r = harness_cmd(rc, "TIME");
    long long ms = atoll(r->element[0]->str) * 1000 + atoll(r->element[1]->str) / 1000;
    freeReplyObject(r);
    return ms;
}

/* Runs queuetop with args (NULL-terminated) after "--once --json"; asserts exit 0. */
static json_t *once_json(const char *url, const char *const *args)
{
    const char *argv[32] = { harness_queuetop(), "--once", "--json", "--redis", url };
    int n = 5;
    for (int i = 0; args && args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out, *err;
    int status = harness_run(argv, &out, &err, 20000);
    if (status != 0)
        fail_msg("queuetop exited %d: %s", status, err);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    if (!doc)
        fail_msg("bad JSON (%s): %s", je.text, out);
    free(out);
    free(err);
    return doc;
}

static bool has_key(json_t *streams, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(streams, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "key")), key) == 0)
            return true;
    }
    return false;
}

static json_t *find_by(json_t *arr, const char *field, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (strcmp(json_string_value(json_object_get(v, field)), value) == 0)
            return v;
    }
    fail_msg("no element with %s=%s", field, value);
    return NULL;
}

static json_t *stream_of(json_t *doc, const char *key)
{
    return find_by(json_object_get(json_object_get(doc, "redis"), "streams"), "key", key);
}




static void test_exact_state(void **state)
{
    (void)state;
    long long t = server_ms();
    long long base = t - 60000;   /* entries one minute old, by their IDs */
    char id[5][32];
    for (int i = 0; i < 5; i++) {
        snprintf(id[i], sizeof id[i], "%lld-0", base + i * 1000);
        cmd_on(rc, "XADD orders %s order_id %d", id[i], i);
    }
    cmd_on(rc, "XGROUP CREATE orders billing 0");
    cmd_on(rc, "XGROUP CREATE orders audit $");
    cmd_on(rc, "XGROUP CREATE orders late 0");
    cmd_on(rc, "XREADGROUP GROUP billing c1 COUNT 3 STREAMS orders >");   /* delivers 0,1,2 */
    cmd_on(rc, "XACK orders billing %s", id[0]);                         /* 1,2 pending */
    cmd_on(rc, "XCLAIM orders billing c2 0 %s", id[1]);                  /* 1: c2, 2 deliveries */
    cmd_on(rc, "SET not-a-stream x");
    cmd_on(rc, "RPUSH a-list x");

    long long before = server_ms();
    json_t *doc = once_json(redis_server_url(&srv), (const char *const[]){ "--rate-interval", "0", NULL });
    long long after = server_ms();
    json_t *redis = json_object_get(doc, "redis");
    assert_true(strlen(str(redis, "version")) >= 5);
    assert_string_equal(str(redis, "role"), "master");
    assert_string_equal(str(redis, "state"), "up");
    assert_true(json_is_true(json_object_get(redis, "scan_complete")));
    assert_int_equal(json_array_size(json_object_get(redis, "streams")), 1);

    json_t *s = stream_of(doc, "orders");
    assert_int_equal(num(s, "length"), 5);
    assert_int_equal(num(s, "entries_added"), 5);
    assert_string_equal(str(s, "first_id"), id[0]);
    assert_string_equal(str(s, "last_id"), id[4]);
    assert_int_equal(num(s, "pending"), 2);
    assert_int_equal(num(s, "consumers"), 2);
    assert_int_equal(num(s, "max_lag"), 5);
    json_t *groups = json_object_get(s, "groups");
    assert_int_equal(json_array_size(groups), 3);

    json_t *g = find_by(groups, "name", "billing");
    assert_int_equal(num(g, "consumers"), 2);
    assert_int_equal(num(g, "pending"), 2);
    assert_int_equal(num(g, "lag"), 2);
    assert_int_equal(num(g, "entries_read"), 3);
    assert_string_equal(str(g, "last_delivered_id"), id[2]);
    assert_string_equal(str(g, "oldest_pending_id"), id[1]);
    assert_string_equal(str(g, "oldest_pending_consumer"), "c2");
    assert_int_equal(num(g, "oldest_pending_deliveries"), 2);
    long long age = num(g, "oldest_pending_age_ms");
    assert_true(age >= before - (base + 1000) && age <= after - (base + 1000));
    long long idle = num(g, "oldest_pending_idle_ms");
    assert_true(idle >= 0 && idle <= after - before + 1000);
    assert_true(num(s, "oldest_pending_age_ms") == age);

    g = find_by(groups, "name", "audit");   /* created at $: nothing to read */
    assert_int_equal(num(g, "lag"), 0);
    assert_int_equal(num(g, "pending"), 0);
    assert_null_field(g, "oldest_pending_id");
    assert_null_field(g, "oldest_pending_age_ms");
    assert_null_field(g, "oldest_pending_idle_ms");
    assert_null_field(g, "oldest_pending_deliveries");

    g = find_by(groups, "name", "late");    /* created at 0: everything is lag */
    assert_int_equal(num(g, "lag"), 5);
    assert_int_equal(num(g, "consumers"), 0);
    assert_string_equal(str(g, "last_delivered_id"), "0-0");

    /* rates need two samples: with --rate-interval 0 they are null */
    assert_null_field(s, "produced_per_sec");
    assert_null_field(g, "consumed_per_sec");
    json_decref(doc);
}

/* Slowlog entries of queuetop's own connections (they name themselves queuetop-*). */
static long long slowlog_ours(void)
{
    redisReply *r = harness_cmd(rc, "SLOWLOG GET 128");
    long long n = 0;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->elements >= 6 && e->element[5]->type == REDIS_REPLY_STRING &&
            strncmp(e->element[5]->str, "queuetop", 8) == 0)
            n++;
    }
    freeReplyObject(r);
    return n;
}

/* Streams of big entries (600 KiB each): XINFO STREAM would copy two of them, over a
 * millisecond of Redis time. They are read with XLEN, nothing of ours lands in a 1 ms slowlog,
 * and the figures are still right: entries-added from the group, ids unknown (not made up). */
static void test_heavy_entries(void **state)
{
    (void)state;
    enum { BIG = 600 * 1024 };
    char *payload = malloc(BIG);
    memset(payload, 'p', BIG);
    for (int i = 1; i <= 3; i++)
        cmd_on(rc, "XADD uploads %d-0 body %b", i, payload, (size_t)BIG);
    cmd_on(rc, "XGROUP CREATE uploads resizer 0");
    cmd_on(rc, "XREADGROUP GROUP resizer r1 COUNT 1 STREAMS uploads >");   /* 1-0 pending */
    for (int i = 1; i <= 2; i++)
        cmd_on(rc, "XADD archive %d-0 body %b", i, payload, (size_t)BIG);
    free(payload);
    cmd_on(rc, "XADD small 5-0 f v");
    cmd_on(rc, "XGROUP CREATE small g 0");
    cmd_on(rc, "CONFIG SET slowlog-log-slower-than 1000");
    cmd_on(rc, "SLOWLOG RESET");
    cmd_on(rc, "CONFIG RESETSTAT");

    json_t *doc = once_json(redis_server_url(&srv), (const char *const[]){ "--rate-interval", "0", NULL });
    long long xinfo_stream_calls = harness_command_calls(rc, "xinfo|stream");
    long long ours_slow = slowlog_ours();
    cmd_on(rc, "CONFIG SET slowlog-log-slower-than 10000");

    json_t *s = stream_of(doc, "uploads");
    assert_int_equal(num(s, "length"), 3);
    assert_true(json_is_false(json_object_get(s, "xinfo_stream")));
    assert_null_field(s, "first_id");
    assert_null_field(s, "last_id");
    assert_int_equal(num(s, "entries_added"), 3);   /* the group's entries-read 1 + lag 2 */
    assert_true(json_is_true(json_object_get(s, "groups_read")));
    json_t *g = find_by(json_object_get(s, "groups"), "name", "resizer");
    assert_int_equal(num(g, "pending"), 1);
    assert_string_equal(str(g, "oldest_pending_id"), "1-0");
    assert_int_equal(num(g, "lag"), 2);

    s = stream_of(doc, "archive");   /* no group to tell how many were ever added */
    assert_int_equal(num(s, "length"), 2);
    assert_true(json_is_false(json_object_get(s, "xinfo_stream")));
    assert_null_field(s, "entries_added");
    assert_int_equal(num(s, "group_count"), 0);

    s = stream_of(doc, "small");     /* small entries: XINFO STREAM as ever */
    assert_true(json_is_true(json_object_get(s, "xinfo_stream")));
    assert_string_equal(str(s, "first_id"), "5-0");
    assert_int_equal(num(s, "entries_added"), 1);
    json_decref(doc);

    assert_int_equal(xinfo_stream_calls, 1);
    assert_int_equal(ours_slow, 0);
}

static void test_unknown_lag_and_empty(void **state)
{
    (void)state;
    for (int i = 1; i <= 10; i++)
        cmd_on(rc, "XADD legacy %d-0 f v", i);
    cmd_on(rc, "XDEL legacy 5-0");
    cmd_on(rc, "XGROUP CREATE legacy workers 0");
    cmd_on(rc, "XREADGROUP GROUP workers w COUNT 2 STREAMS legacy >");
    cmd_on(rc, "XADD drained * f v");
    cmd_on(rc, "XTRIM drained MAXLEN 0");

    json_t *doc = once_json(redis_server_url(&srv), (const char *const[]){ "--rate-interval", "0", NULL });
    json_t *s = stream_of(doc, "legacy");
    assert_int_equal(num(s, "length"), 9);
    assert_int_equal(num(s, "entries_added"), 10);
    json_t *g = find_by(json_object_get(s, "groups"), "name", "workers");
    assert_null_field(g, "lag");             /* Redis cannot know after a deletion: never guess */
    assert_null_field(s, "max_lag");
    assert_int_equal(num(g, "pending"), 2);
    assert_string_equal(str(g, "oldest_pending_id"), "1-0");
    assert_int_equal(num(g, "oldest_pending_deliveries"), 1);

    s = stream_of(doc, "drained");
    assert_int_equal(num(s, "length"), 0);
    assert_int_equal(num(s, "entries_added"), 1);
    assert_null_field(s, "first_id");
    assert_int_equal(json_array_size(json_object_get(s, "groups")), 0);
    json_decref(doc);
}

static void test_hostile_names(void **state)
{
    (void)state;
    const char key[] = "evil\x1b[2J\x1b]0;pwned\x07";
    const char bad[] = "bin\xff\xfe";
    redisReply *r = harness_cmd(rc, "XADD %b * f v", key, sizeof key - 1);
    freeReplyObject(r);
    freeReplyObject(harness_cmd(rc, "XADD %b * f v", bad, sizeof bad - 1));
    freeReplyObject(harness_cmd(rc, "XGROUP CREATE %b %b 0", key, sizeof key - 1, "g\x1b[31m", (size_t)6));

    const char *argv[] = { harness_queuetop(), "--once", "--json", "--rate-interval", "0",
                           "--redis", redis_server_url(&srv), NULL };
    char *out, *err;
    assert_int_equal(harness_run(argv, &out, &err, 20000), 0);
    assert_null(strchr(out, 0x1b));   /* escaped in JSON, never raw */
    json_t *doc = json_loads(out, 0, NULL);
    json_t *s = stream_of(doc, key);
    assert_string_equal(str(find_by(json_object_get(s, "groups"), "name", "g\x1b[31m"), "name"),
                        "g\x1b[31m");
    json_t *streams = json_object_get(json_object_get(doc, "redis"), "streams");
    json_t *b = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(streams, i, v)
        if (json_object_get(v, "key_hex"))
            b = v;
    assert_non_null(b);
    assert_string_equal(str(b, "key_hex"), "62696efffe");
    json_decref(doc);
    free(out);
    free(err);

    /* the plain-text table escapes them */
    const char *targv[] = { harness_queuetop(), "--once", "--rate-interval", "0", "--redis",
                            redis_server_url(&srv), NULL };
    assert_int_equal(harness_run(targv, &out, &err, 20000), 0);
    assert_null(strchr(out, 0x1b));
    assert_non_null(strstr(out, "evil\\x1b[2J"));
    free(out);
    free(err);
}

static void test_match_glob(void **state)
{
    (void)state;
    cmd_on(rc, "XADD orders:eu * f v");
    cmd_on(rc, "XADD orders:us * f v");
    cmd_on(rc, "XADD emails * f v");
    json_t *doc = once_json(redis_server_url(&srv),
                            (const char *const[]){ "--rate-interval", "0", "--streams", "orders:*", NULL });
    json_t *streams = json_object_get(json_object_get(doc, "redis"), "streams");
    assert_int_equal(json_array_size(streams), 2);
    assert_string_equal(str(json_array_get(streams, 0), "key"), "orders:eu");
    assert_string_equal(str(json_array_get(streams, 1), "key"), "orders:us");
    json_decref(doc);
}

static void test_many_keys_one_pass(void **state)
{
    (void)state;
    /* 20000 other keys around 3 streams: --once must finish the SCAN pass and find all 3 */
    for (int i = 0; i < 20000; i++)
        redisAppendCommand(rc, "SET k:%d v", i);
    for (int i = 0; i < 20000; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
    cmd_on(rc, "XADD s:1 * f v");
    cmd_on(rc, "XADD s:2 * f v");
    cmd_on(rc, "XADD s:3 * f v");
    json_t *doc = once_json(redis_server_url(&srv), (const char *const[]){ "--rate-interval", "0", NULL });
    json_t *redis = json_object_get(doc, "redis");
    assert_int_equal(json_array_size(json_object_get(redis, "streams")), 3);
    assert_true(json_is_true(json_object_get(redis, "scan_complete")));
    json_decref(doc);
}

/* The live collector walks a big keyspace a slice per tick: every SCAN is sized to cost Redis
 * about half a millisecond, and a tick's first walk stops after a quarter of its wall budget,
 * so with 200,000 keys the first sample is partial and says so, and later ones are whole. */
static void test_scan_spread_over_ticks(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++)
        redisAppendCommand(rc, "SET filler:%d v", i);
    for (int i = 0; i < 200000; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
    for (int i = 0; i < 5; i++)
        cmd_on(rc, "XADD q:%d * f v", i);
    /* nothing queuetop sends may take a millisecond: SCAN is sized for half of one. Judged on
     * Redis' own mean per call (one call can be descheduled on a loaded test machine) */
    cmd_on(rc, "CONFIG RESETSTAT");
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.1", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc = harness_next_json(fd, 5000);
    assert_non_null(doc);
    json_t *redis = json_object_get(doc, "redis");
    assert_true(json_is_false(json_object_get(redis, "scan_complete")));
    assert_true(json_array_size(json_object_get(redis, "streams")) < 5);
    json_decref(doc);
    bool whole = false;
    for (int i = 0; i < 50 && !whole && (doc = harness_next_json(fd, 5000)) != NULL; i++) {
        redis = json_object_get(doc, "redis");
        whole = json_is_true(json_object_get(redis, "scan_complete")) &&
                json_array_size(json_object_get(redis, "streams")) == 5;
        json_decref(doc);
    }
    assert_true(whole);
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
    redisReply *info = redisCommand(rc, "INFO commandstats");
    assert_non_null(info);
    assert_int_equal(info->type, REDIS_REPLY_STRING);
    const char *scan = strstr(info->str, "cmdstat_scan:");
    assert_non_null(scan);
    long long calls = 0;
    double per_call = 0;
    const char *c = strstr(scan, "calls=");
    const char *u = strstr(scan, "usec_per_call=");
    assert_true(c != NULL && u != NULL);
    calls = strtoll(c + 6, NULL, 10);
    per_call = strtod(u + 14, NULL);
    print_message("SCAN: %lld calls, %.0f us per call\n", calls, per_call);
    freeReplyObject(info);
    assert_true(calls >= 10);
    assert_true(per_call < 1000.0);
}

/* n quiet streams PREFIX:0000..., one entry each, group g at the end (lag 0): pipelined. */
static void quiet_streams(const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        redisAppendCommand(rc, "XADD %s:%04d 1-1 f v", prefix, i);
        redisAppendCommand(rc, "XGROUP CREATE %s:%04d g $", prefix, i);
    }
    for (int i = 0; i < 2 * n; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
}

/* n entries added to key, pipelined: a backlog for its groups. */
static void add_backlog(const char *key, int n)
{
    for (int k = 0; k < n; k++)
        redisAppendCommand(rc, "XADD %s * f v", key);
    for (int k = 0; k < n; k++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
}

/* Hot and cold under a budget: every stream is listed from the first sample on (unread ones
 * say so), every stream is read within the cycle the JSON advertises, and a quiet stream that
 * gets a backlog is read again within the probe round (or cycle) the JSON advertises. */
static void test_budget_rotation(void **state)
{
    (void)state;
    enum { N = 3000 };
    quiet_streams("w", N);
    /* 0.2% of a core: about 1.3 ms of Redis time a second for the streams, a few hundred
     * stream reads a tick, so the rotation takes many ticks */
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--budget", "0.2",
                           "--redis", redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc = harness_next_json(fd, 5000);
    assert_non_null(doc);
    json_t *redis = json_object_get(doc, "redis");
    assert_int_equal(json_array_size(json_object_get(redis, "streams")), N);
    json_t *cost = json_object_get(redis, "cost");
    assert_true(json_real_value(json_object_get(cost, "budget_share")) == 0.002);
    json_decref(doc);

    /* wait for a whole cycle: then every stream's figures are younger than the cycle */
    bool cycled = false, injected = false, seen = false;
    long long round_ms = 0;   /* the longest probe round ending after the write */
    long long bound_ms = 0;   /* the rounds the JSON advertises when the backlog is written */
    long long written_ms = 0, seen_ms = 0;   /* server clock: the write, the sample showing it */
    for (int i = 0; i < 900 && !seen && (doc = harness_next_json(fd, 5000)) != NULL; i++) {
        redis = json_object_get(doc, "redis");
        cost = json_object_get(redis, "cost");
        json_t *cyc = json_object_get(cost, "cycle_ms");
        if (!cycled && json_is_integer(cyc)) {
            cycled = true;
            assert_int_equal(num(cost, "streams_read"), N);
            assert_int_equal(num(cost, "streams_in_cycle"), N);
            assert_true(num(cost, "oldest_read_ms") <= json_integer_value(cyc) + 1000);
            /* the budget held: what it estimates is within the share, plus the start
             * allowance (COST_START_S = 30 s of budget) spent over the window so far, plus a
             * fifth for the server collector's ticks, which are charged but never held back.
             * A cycle that ends early has a short window, so the allowance weighs more. */
            double share = json_real_value(json_object_get(cost, "share"));
            long long window = num(cost, "window_s");
            double bound = 0.002 * (1.0 + 30.0 / (double)(window > 0 ? window : 1)) * 1.2;
            print_message("cycle %lld ms: share %.4f over %lld s (bound %.4f)\n",
                          json_integer_value(cyc), share, window, bound);
            assert_true(share <= bound);
        }
        if (cycled && !injected) {
            /* a probe round sees the length move (the next tick reads it), or the cold
             * rotation reads it: whichever comes first */
            json_t *pc = json_object_get(cost, "probe_cycle_ms");
            bound_ms = json_integer_value(cyc);
            if (json_is_integer(pc) && json_integer_value(pc) < bound_ms)
                bound_ms = json_integer_value(pc);
            add_backlog("w:1234", 500);
            redisReply *t = redisCommand(rc, "TIME");
            assert_non_null(t);
            written_ms = strtoll(t->element[0]->str, NULL, 10) * 1000 +
                         strtoll(t->element[1]->str, NULL, 10) / 1000;
            freeReplyObject(t);
            injected = true;
        } else if (injected) {
            /* the rounds under way: one just after the start allowance is spent runs slower
             * than the one before, so the bound is the longest round that ends meanwhile */
            json_t *pc = json_object_get(cost, "probe_cycle_ms");
            if (json_is_integer(pc) && json_integer_value(pc) > round_ms)
                round_ms = json_integer_value(pc);
            json_t *streams = json_object_get(redis, "streams");
            json_t *s = find_by(streams, "key", "w:1234");
            assert_non_null(s);
            json_t *len = json_object_get(s, "length");
            if (json_is_integer(len) && json_integer_value(len) == 501 &&
                json_is_true(json_object_get(s, "groups_read")))
                seen = json_integer_value(json_object_get(
                           find_by(json_object_get(s, "groups"), "name", "g"), "lag")) == 500;
            if (seen)
                seen_ms = json_integer_value(json_object_get(redis, "server_time_ms"));
        }
        json_decref(doc);
    }
    assert_true(cycled);
    assert_true(seen);
    /* and the round in which it was seen, once it ends */
    long long last = round_ms;
    for (int i = 0; i < 100 && (doc = harness_next_json(fd, 5000)) != NULL; i++) {
        json_t *pc = json_object_get(json_object_get(json_object_get(doc, "redis"), "cost"),
                                     "probe_cycle_ms");
        long long v = json_is_integer(pc) ? json_integer_value(pc) : 0;
        json_decref(doc);
        if (v != last) {
            if (v > round_ms)
                round_ms = v;
            break;
        }
    }
    if (round_ms > bound_ms)
        bound_ms = round_ms;
    /* measured on the server's clock in the sample itself: the lines queue in the pipe while
     * this test parses them, so counting lines would measure the test */
    print_message("backlog seen %lld ms after it was written (bound %lld ms: the round before "
                  "the write or the longest after)\n", seen_ms - written_ms, bound_ms);
    assert_true(bound_ms > 0);
    assert_true(seen_ms > 0);
    assert_true(seen_ms - written_ms <= bound_ms + 1000);   /* a tick and a round trip */
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
}

/* At a budget where the first reading of every stream takes far longer than a round of XLEN
 * probes, a stream not read yet that gets a backlog is read before the streams that wait their
 * first reading: the probes cover unread streams too (a length that moves between two probes
 * makes it hot), so a backlog on a big keyspace shows within a probe round, not after the
 * first pass over every stream. */
static void test_unread_stream_that_moves_is_read_first(void **state)
{
    (void)state;
    enum { N = 3000 };
    quiet_streams("u", N);
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--budget", "0.1",
                           "--redis", redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc;
    char target[16] = "";
    bool seen = false;
    long long read_when_seen = -1;
    for (int i = 0; i < 900 && !seen && (doc = harness_next_json(fd, 5000)) != NULL; i++) {
        json_t *redis = json_object_get(doc, "redis");
        json_t *cost = json_object_get(redis, "cost");
        json_t *streams = json_object_get(redis, "streams");
        if (!target[0] && json_is_integer(json_object_get(cost, "probe_cycle_ms"))) {
            /* every stream probed once: the last one by name still waiting its first read */
            assert_true(num(cost, "streams_read") < N);
            for (size_t k = json_array_size(streams); k-- > 0;) {
                json_t *s = json_array_get(streams, k);
                if (json_is_false(json_object_get(s, "read"))) {
                    snprintf(target, sizeof target, "%s",
                             json_string_value(json_object_get(s, "key")));
                    break;
                }
            }
            assert_true(target[0]);
            add_backlog(target, 500);
        } else if (target[0]) {
            json_t *s = find_by(streams, "key", target);
            assert_non_null(s);
            json_t *g = json_array_get(json_object_get(s, "groups"), 0);   /* read: "g" */
            if (g && strcmp(json_string_value(json_object_get(g, "name")), "g") == 0 &&
                json_integer_value(json_object_get(g, "lag")) == 500) {
                seen = true;
                read_when_seen = num(cost, "streams_read");
            }
        }
        json_decref(doc);
    }
    print_message("%s's backlog seen with %lld of %d streams read\n", target, read_when_seen, N);
    assert_true(seen);
    assert_true(read_when_seen < N);   /* ahead of the streams still waiting */
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
}

/* The focused stream (whose consumers are read) lies outside the first batch of 200: it must be
 * read exactly once per sample, with its consumers, and its groups must stay right even when
 * a group appears between samples. */
static void test_focus_outside_first_batch(void **state)
{
    (void)state;
    for (int i = 0; i < 450; i++)
        redisAppendCommand(rc, "XADD s:%03d 1-0 f v", i);
    for (int i = 0; i < 450; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
    cmd_on(rc, "XGROUP CREATE s:449 g1 0");
    cmd_on(rc, "XREADGROUP GROUP g1 alice COUNT 1 STREAMS s:449 >");

    struct streams_config cfg;
    char err[256];
    streams_config_defaults(&cfg);
    assert_int_equal(redis_url_parse(redis_server_url(&srv), &cfg.target, err, sizeof err), 0);
    struct streams_collector *c = streams_collector_new(&cfg, NULL);
    streams_collector_set_focus(c, "s:449", 5);
    for (int round = 0; round < 3; round++) {
        if (round == 1)
            cmd_on(rc, "XGROUP CREATE s:449 g0 0");   /* sorts before g1: indexes shift */
        struct snapshot *snap = streams_collector_sample_full(c, err, sizeof err);
        assert_non_null(snap);
        assert_int_equal(snap->redis.stream_count, 450);
        assert_int_equal(snap->redis.streams_refreshed, 450);
        const struct stream_info *s = redis_snapshot_find(&snap->redis, "s:449", 5, 0);
        assert_non_null(s);
        assert_int_equal(s->group_len, round == 0 ? 1 : 2);
        for (size_t g = 0; g < s->group_len; g++) {
            const struct group_info *gi = &s->groups[g];
            assert_true(gi->has_consumer_list);
            if (strcmp(gi->name.ptr, "g1") == 0) {
                assert_int_equal(gi->consumer_count, 1);
                assert_string_equal(gi->consumer_list[0].name.ptr, "alice");
                assert_int_equal(gi->consumer_list[0].pending, 1);
                assert_true(gi->has_oldest);
                assert_string_equal(gi->oldest_id, "1-0");
            } else {
                assert_int_equal(gi->consumer_count, 0);
                assert_false(gi->has_oldest);
            }
        }
        snapshot_free(snap);
    }
    streams_collector_delete(c);
}

static void test_rates(void **state)
{
    (void)state;
    cmd_on(rc, "XADD jobs * n 0");
    cmd_on(rc, "XGROUP CREATE jobs workers 0");
    /* a group made at $ or 0 has entries-read nil until it reads: make it known first */
    cmd_on(rc, "XREADGROUP GROUP workers w COUNT 1 STREAMS jobs >");
    pid_t child = fork();
    if (child == 0) {
        /* during the 1 s between the two samples: 50 produced, 20 consumed */
        struct timespec ts = { 0, 300 * 1000000L };
        nanosleep(&ts, NULL);
        redisContext *c = redis_server_client(&srv);
        for (int i = 0; i < 50; i++)
            freeReplyObject(redisCommand(c, "XADD jobs * n %d", i));
        freeReplyObject(redisCommand(c, "XREADGROUP GROUP workers w COUNT 20 STREAMS jobs >"));
        /* a stream born between the samples: found by the second sample's SCAN and read */
        freeReplyObject(redisCommand(c, "XADD newborn 7-0 f v"));
        redisFree(c);
        _exit(0);
    }
    json_t *doc = once_json(redis_server_url(&srv), (const char *const[]){ "--rate-interval", "1", NULL });
    waitpid(child, NULL, 0);
    json_t *redis = json_object_get(doc, "redis");
    assert_int_equal(num(redis, "rate_interval_ms"), 1000);
    json_t *s = stream_of(doc, "jobs");
    double produced = json_number_value(json_object_get(s, "produced_per_sec"));
    json_t *g = find_by(json_object_get(s, "groups"), "name", "workers");
    double consumed = json_number_value(json_object_get(g, "consumed_per_sec"));
    double trend = json_number_value(json_object_get(g, "lag_per_sec"));
    /* the interval between the two reads of this stream is 1 s plus sampling time */
    assert_true(produced > 40.0 && produced <= 50.5);
    assert_true(consumed > 16.0 && consumed <= 20.5);
    assert_true(trend > 24.0 && trend <= 30.5);   /* lag grew by 30 */
    assert_int_equal(num(g, "lag"), 30);
    assert_null_field(g, "drain_eta_s");          /* consumers are not catching up */
    json_t *nb = stream_of(doc, "newborn");
    assert_int_equal(num(nb, "length"), 1);
    assert_string_equal(str(nb, "last_id"), "7-0");
    assert_null_field(nb, "produced_per_sec");    /* one sample of it: no rate yet */
    json_decref(doc);
}

static void test_connection_errors(void **state)
{
    (void)state;
    char *out, *err;
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", harness_free_port());
    const char *argv[] = { harness_queuetop(), "--once", "--json", "--redis", url, NULL };
    assert_int_equal(harness_run(argv, &out, &err, 20000), 2);
    /* the document says the source is down, with the reason: never an empty keyspace */
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    assert_non_null(doc);
    json_t *redis = json_object_get(doc, "redis");
    assert_true(json_is_false(json_object_get(redis, "ok")));
    assert_string_equal(json_string_value(json_object_get(redis, "state")), "down");
    assert_non_null(strstr(json_string_value(json_object_get(redis, "error")), "refused"));
    assert_null(json_object_get(redis, "streams"));
    json_decref(doc);
    assert_non_null(strstr(err, "cannot connect"));
    assert_non_null(strstr(err, "refused"));
    assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));   /* exactly one line */
    free(out);
    free(err);

    const char *bad[] = { harness_queuetop(), "--once", "--redis", "http://x", NULL };
    assert_int_equal(harness_run(bad, &out, &err, 5000), 2);
    assert_non_null(strstr(err, "scheme"));
    free(out);
    free(err);

    /* a usage error names the option, never the URL (and its password) before it */
    const char *cluster[] = { harness_queuetop(), "-r", "redis://:hunter2@127.0.0.1:1", "-xq", NULL };
    assert_int_equal(harness_run(cluster, &out, &err, 5000), 2);
    assert_null(strstr(err, "hunter2"));
    assert_non_null(strstr(err, "'-x'"));
    free(out);
    free(err);
    const char *longopt[] = { harness_queuetop(), "--redis-url=redis://:hunter2@h", NULL };
    assert_int_equal(harness_run(longopt, &out, &err, 5000), 2);
    assert_null(strstr(err, "hunter2"));
    assert_non_null(strstr(err, "--redis-url"));
    free(out);
    free(err);

    /* a stray argument is echoed with its password hidden (URL userinfo, conninfo password) */
    const char *stray[] = { harness_queuetop(), "--once", "redis://u:hunter2@127.0.0.1:1", NULL };
    assert_int_equal(harness_run(stray, &out, &err, 5000), 2);
    assert_null(strstr(err, "hunter2"));
    assert_non_null(strstr(err, "'redis://u:***@127.0.0.1:1'"));
    assert_non_null(strstr(err, "--redis"));
    free(out);
    free(err);
    const char *stray_pg[] = { harness_queuetop(), "--once", "host=h password='hun ter2' port=1",
                               NULL };
    assert_int_equal(harness_run(stray_pg, &out, &err, 5000), 2);
    assert_null(strstr(err, "hun"));
    assert_non_null(strstr(err, "'host=h password=*** port=1'"));
    free(out);
    free(err);

    const char *usage[] = { harness_queuetop(), "--bogus", NULL };
    assert_int_equal(harness_run(usage, &out, &err, 5000), 2);
    assert_non_null(strstr(err, "--help"));
    free(out);
    free(err);

    /* the dashboard without a terminal says what to use instead */
    const char *notty[] = { harness_queuetop(), "--redis", redis_server_url(&srv), NULL };
    assert_int_equal(harness_run(notty, &out, &err, 5000), 2);
    assert_non_null(strstr(err, "needs a terminal"));
    free(out);
    free(err);

    const char *help[] = { harness_queuetop(), "--help", NULL };
    assert_int_equal(harness_run(help, &out, &err, 5000), 0);
    assert_non_null(strstr(out, "--redis URL"));
    free(out);
    free(err);
}

static void test_unix_socket_and_db(void **state)
{
    (void)state;
    cmd_on(rc, "SELECT 3");
    cmd_on(rc, "XADD in-db-3 * f v");
    cmd_on(rc, "SELECT 0");
    char url[400];
    snprintf(url, sizeof url, "unix://%s?db=3", srv.socket_path);
    json_t *doc = once_json(url, (const char *const[]){ "--rate-interval", "0", NULL });
    json_t *streams = json_object_get(json_object_get(doc, "redis"), "streams");
    assert_int_equal(json_array_size(streams), 1);
    assert_string_equal(str(json_array_get(streams, 0), "key"), "in-db-3");
    json_decref(doc);
    cmd_on(rc, "SELECT 3");
    cmd_on(rc, "FLUSHDB");
    cmd_on(rc, "SELECT 0");
}

static void test_acl_users(void **state)
{
    (void)state;
    cmd_on(rc, "XADD guarded * f v");
    cmd_on(rc, "ACL SETUSER watcher on >w-pass ~* +scan +xinfo +xpending +time +info +ping");
    cmd_on(rc, "ACL SETUSER blind on >b-pass ~* +scan +time +info +ping");
    char url[128];
    char *out, *err;

    snprintf(url, sizeof url, "redis://watcher:w-pass@127.0.0.1:%d", srv.port);
    json_t *doc = once_json(url, (const char *const[]){ "--rate-interval", "0", NULL });
    const char *shown = str(json_object_get(doc, "redis"), "url");
    assert_null(strstr(shown, "w-pass"));
    assert_non_null(strstr(shown, "watcher:***@"));
    stream_of(doc, "guarded");
    json_decref(doc);

    snprintf(url, sizeof url, "redis://watcher:WRONG-secret@127.0.0.1:%d", srv.port);
    const char *wrong[] = { harness_queuetop(), "--once", "--json", "--redis", url, NULL };
    assert_int_equal(harness_run(wrong, &out, &err, 20000), 2);
    assert_non_null(strstr(err, "authentication failed"));
    assert_null(strstr(err, "WRONG-secret"));
    free(out);
    free(err);

    snprintf(url, sizeof url, "redis://blind:b-pass@127.0.0.1:%d", srv.port);
    const char *blind[] = { harness_queuetop(), "--once", "--json", "--redis", url, NULL };
    assert_int_equal(harness_run(blind, &out, &err, 20000), 2);
    assert_non_null(strstr(err, "NOPERM"));
    assert_non_null(strstr(err, "XINFO"));
    free(out);
    free(err);

    /* a user limited to some keys sees those, and is told how many it could not read */
    cmd_on(rc, "XADD secret * f v");
    cmd_on(rc, "ACL SETUSER partial on >p-pass ~guard* +scan +xinfo +xpending +time +info +ping");
    snprintf(url, sizeof url, "redis://partial:p-pass@127.0.0.1:%d", srv.port);
    doc = once_json(url, (const char *const[]){ "--rate-interval", "0", NULL });
    json_t *redis = json_object_get(doc, "redis");
    assert_int_equal(json_array_size(json_object_get(redis, "streams")), 1);
    stream_of(doc, "guarded");
    assert_int_equal(num(redis, "streams_denied"), 1);
    assert_non_null(strstr(str(redis, "denied_error"), "NOPERM"));
    json_decref(doc);

    /* password from REDISCLI_AUTH */
    setenv("REDISCLI_AUTH", "w-pass", 1);
    snprintf(url, sizeof url, "redis://watcher@127.0.0.1:%d", srv.port);
    doc = once_json(url, (const char *const[]){ "--rate-interval", "0", NULL });
    stream_of(doc, "guarded");
    json_decref(doc);
    unsetenv("REDISCLI_AUTH");
    cmd_on(rc, "ACL DELUSER watcher blind partial");
}

/* --json without --once streams one line per sample; kill Redis under it, start it again with
 * different data: the collector must report the outage, reconnect and then be right. */
static void test_kill_and_restart(void **state)
{
    (void)state;
    cmd_on(rc, "XADD before * f v");
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    assert_true(pid > 0);
    json_t *doc = harness_next_json(fd, 5000);
    assert_non_null(doc);
    assert_string_equal(str(json_object_get(doc, "redis"), "state"), "up");
    stream_of(doc, "before");
    json_decref(doc);

    redisFree(rc);
    redis_server_kill(&srv);
    bool saw_down = false;
    for (int i = 0; i < 50 && !saw_down && (doc = harness_next_json(fd, 2000)) != NULL; i++) {
        json_t *redis = json_object_get(doc, "redis");
        if (strcmp(str(redis, "state"), "down") == 0) {
            saw_down = true;
            assert_non_null(json_string_value(json_object_get(redis, "error")));
        }
        json_decref(doc);
    }
    assert_true(saw_down);

    assert_int_equal(redis_server_restart(&srv), 0);
    rc = redis_server_client(&srv);
    cmd_on(rc, "XADD after 1-0 f v");
    cmd_on(rc, "XADD after 2-0 f v");
    cmd_on(rc, "XGROUP CREATE after g 0");
    bool right = false;
    for (int i = 0; i < 100 && !right && (doc = harness_next_json(fd, 7000)) != NULL; i++) {
        /* backoff is capped at 5 s */
        json_t *redis = json_object_get(doc, "redis");
        json_t *streams = json_object_get(redis, "streams");
        /* listed as soon as SCAN finds it, its figures after its first reads */
        if (strcmp(str(redis, "state"), "up") == 0 && json_array_size(streams) == 1 &&
            strcmp(str(json_array_get(streams, 0), "key"), "after") == 0 &&
            json_is_true(json_object_get(json_array_get(streams, 0), "groups_read"))) {
            json_t *s = json_array_get(streams, 0);
            assert_int_equal(num(s, "length"), 2);
            assert_int_equal(num(find_by(json_object_get(s, "groups"), "name", "g"), "lag"), 2);
            right = true;
        }
        json_decref(doc);
    }
    assert_true(right);
    assert_int_equal(harness_reap(pid), 0);   /* SIGTERM: orderly exit 0 */
    close(fd);
}

/* --json into a pipe nobody reads (a paused pager): the pipe fills in the middle of a line,
 * and SIGTERM must still end queuetop at once with exit 0 (stdio would retry the short write
 * for ever). The reap kills after 2 s and then reports 137. */
static void test_json_stop_with_full_pipe(void **state)
{
    (void)state;
    for (int i = 0; i < 400; i++)
        redisAppendCommand(rc, "XADD full:%04d 1-1 field value-that-takes-some-room", i);
    for (int i = 0; i < 400; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(rc, (void **)&r), REDIS_OK);
        freeReplyObject(r);
    }
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc = harness_next_json(fd, 5000);   /* it runs and prints */
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "redis"), "streams")),
                     400);
    json_decref(doc);
    /* no more reading: a few lines of 400 streams fill the 64 KiB of a pipe */
    struct timespec ts = { 2, 0 };
    nanosleep(&ts, NULL);
    int queued = 0;
    assert_int_equal(ioctl(fd, FIONREAD, &queued), 0);
    print_message("%d bytes waiting in the pipe\n", queued);
    assert_true(queued >= 60000);   /* the writer is stuck in the middle of a line */
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
}

/* One keyspace walk: once its first pass is over, the streams collector stops its own SCAN
 * and takes the stream keys the keys collector's walk meets. A stream created later is listed,
 * one deleted is dropped after a pass of that walk, and no SCAN ... TYPE stream is sent any
 * more (commandstats counts SCAN calls; only the keys collector's, without TYPE, go on). */
/* Quiet streams rest between cold cycles (COLD_CYCLE_MIN_MS, 5 s): a small keyspace was read
 * whole every tick. XINFO GROUPS is not asked of a stream XINFO STREAM finds without groups;
 * a group made later on such a stream still shows, at its next cold read. */
static void test_quiet_streams_rest(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++)
        cmd_on(rc, "XADD quiet:%02d 1-1 f v", i);
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc = NULL;
    bool all_read = false;
    for (int i = 0; i < 100 && !all_read && (doc = harness_next_json(fd, 5000)) != NULL; i++) {
        json_t *cost = json_object_get(json_object_get(doc, "redis"), "cost");
        all_read = num(cost, "streams_read") == 50;
        json_decref(doc);
    }
    assert_true(all_read);
    cmd_on(rc, "CONFIG RESETSTAT");
    /* 2 s: at most one new cold cycle can start in it (10 ticks read all 50 before) */
    for (int i = 0; i < 10; i++)
        json_decref(harness_next_json(fd, 5000));
    long long xinfo_stream = harness_command_calls(rc, "xinfo|stream");
    long long xinfo_groups = harness_command_calls(rc, "xinfo|groups");
    assert_true(xinfo_stream <= 2 * 50);
    assert_int_equal(xinfo_groups, 0);

    cmd_on(rc, "XGROUP CREATE quiet:07 late 0");
    bool seen = false;
    for (int i = 0; i < 100 && !seen && (doc = harness_next_json(fd, 5000)) != NULL; i++) {
        json_t *st = stream_of(doc, "quiet:07");
        json_t *groups = json_object_get(st, "groups");
        seen = json_array_size(groups) == 1 && num(st, "group_count") == 1 &&
               num(json_array_get(groups, 0), "lag") == 1;
        json_decref(doc);
    }
    assert_true(seen);
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
}

static void test_shared_walk(void **state)
{
    (void)state;
    for (int i = 0; i < 30; i++) {
        redisReply *r = redisCommand(rc, "XADD walk:%02d 1-1 f v", i);
        freeReplyObject(r);
        r = redisCommand(rc, "SET other:%02d x", i);
        freeReplyObject(r);
    }
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc;
    bool shared = false, added = false, listed = false, dropped = false;
    for (int i = 0; i < 600 && !dropped && (doc = harness_next_json(fd, 5000)) != NULL; i++) {
        json_t *redis = json_object_get(doc, "redis");
        json_t *cost = json_object_get(redis, "cost");
        json_t *streams = json_object_get(redis, "streams");
        const char *disc = json_string_value(json_object_get(cost, "discovery"));
        if (!shared && disc && strcmp(disc, "keys walk") == 0) {
            shared = true;
            assert_int_equal(json_array_size(streams), 30);
            redisReply *r = redisCommand(rc, "XADD walk:new 1-1 f v");
            freeReplyObject(r);
            r = redisCommand(rc, "DEL walk:07");
            freeReplyObject(r);
            r = redisCommand(rc, "CONFIG RESETSTAT");
            freeReplyObject(r);
            added = true;
        } else if (added && !listed && has_key(streams, "walk:new")) {
            listed = true;
        }
        if (listed && !has_key(streams, "walk:07")) {
            assert_true(has_key(streams, "walk:new"));
            assert_int_equal(json_array_size(streams), 30);
            dropped = true;
        }
        json_decref(doc);
    }
    assert_true(shared);
    assert_true(listed);
    assert_true(dropped);
    /* and from now on only the keys walk's SCANs (no TYPE filter) reach Redis: MONITOR for
     * 11 s, more than a walk's rest between two passes (WALK_CYCLE_MIN_MS, 10 s) */
    struct timeval tv = { 0, 200000 };
    redisContext *mon = redisConnectWithTimeout("127.0.0.1", srv.port, tv);
    assert_true(mon != NULL && !mon->err);
    redisSetTimeout(mon, tv);
    redisReply *r = redisCommand(mon, "MONITOR");
    assert_non_null(r);
    freeReplyObject(r);
    int scans = 0, typed = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        redisReply *line = NULL;
        if (redisGetReply(mon, (void **)&line) != REDIS_OK) {
            if (mon->err != REDIS_ERR_IO)
                break;
            mon->err = 0;   /* a read timeout: nothing logged in 200 ms */
            clock_gettime(CLOCK_MONOTONIC, &t1);
            continue;
        }
        if (line->type == REDIS_REPLY_STATUS && strstr(line->str, "\"SCAN\"")) {
            scans++;
            typed += strstr(line->str, "\"TYPE\" \"stream\"") != NULL;
        }
        freeReplyObject(line);
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 11000);
    redisFree(mon);
    print_message("SCAN calls in 11 s: %d, with TYPE stream: %d\n", scans, typed);
    assert_true(scans > 0);
    assert_int_equal(typed, 0);
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_exact_state, flush),
        cmocka_unit_test_setup(test_unknown_lag_and_empty, flush),
        cmocka_unit_test_setup(test_hostile_names, flush),
        cmocka_unit_test_setup(test_match_glob, flush),
        cmocka_unit_test_setup(test_many_keys_one_pass, flush),
        cmocka_unit_test_setup(test_scan_spread_over_ticks, flush),
        cmocka_unit_test_setup(test_budget_rotation, flush),
        cmocka_unit_test_setup(test_unread_stream_that_moves_is_read_first, flush),
        cmocka_unit_test_setup(test_focus_outside_first_batch, flush),
        cmocka_unit_test_setup(test_rates, flush),
        cmocka_unit_test_setup(test_connection_errors, flush),
        cmocka_unit_test_setup(test_unix_socket_and_db, flush),
        cmocka_unit_test_setup(test_acl_users, flush),
        cmocka_unit_test_setup(test_heavy_entries, flush),
        cmocka_unit_test_setup(test_kill_and_restart, flush),
        cmocka_unit_test_setup(test_json_stop_with_full_pipe, flush),
        cmocka_unit_test_setup(test_shared_walk, flush),
        cmocka_unit_test_setup(test_quiet_streams_rest, flush),
    };
    if (getenv("QT_TEST_FILTER"))   /* one test while working on it: QT_TEST_FILTER=name */
        cmocka_set_test_filter(getenv("QT_TEST_FILTER"));
    return cmocka_run_group_tests_name("streams_integration", tests, group_setup, group_teardown);
}
