/* Server health against real redis-servers: evictions under allkeys-lru, slowlog entries
 * counted once (across SLOWLOG RESET), a restart with the streams it lost, an ACL user without
 * CONFIG/SLOWLOG/LATENCY, and the thresholds file. */
#include <math.h>
#include <signal.h>
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


static json_t *run_json(const char *const *argv, int want_status)
{
    char *out, *err;
    int status = harness_run(argv, &out, &err, 20000);
    if (status != want_status)
        fail_msg("queuetop exited %d (wanted %d): %s", status, want_status, err);
    json_t *doc = want_status == 0 ? json_loads(out, 0, NULL) : NULL;
    if (want_status == 0 && !doc)
        fail_msg("bad JSON: %s", out);
    free(out);
    free(err);
    return doc;
}

static json_t *server_of(json_t *doc)
{
    json_t *s = json_object_get(json_object_get(doc, "redis"), "server");
    if (!s)
        fail_msg("no redis.server");
    return s;
}

static bool has_warning(json_t *server, const char *level, const char *text)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(server, "warnings"), i, w) {
        const char *s = json_string_value(w);
        if (strncmp(s, level, strlen(level)) == 0 && strstr(s, text))
            return true;
    }
    return false;
}

static void test_health_figures(void **state)
{
    (void)state;
    cmd_on(rc, "XADD jobs * f v");
    const char *argv[] = { harness_queuetop(), "--once", "--json", "--rate-interval", "0",
                           "--redis", redis_server_url(&srv), NULL };
    json_t *doc = run_json(argv, 0);
    json_t *s = server_of(doc);
    assert_string_equal(json_string_value(json_object_get(s, "state")), "up");
    assert_string_equal(json_string_value(json_object_get(s, "role")), "master");
    assert_int_equal(strlen(json_string_value(json_object_get(s, "run_id"))), 40);
    assert_true(json_integer_value(json_object_get(s, "used_memory")) > 100000);
    assert_int_equal(json_integer_value(json_object_get(s, "maxmemory")), 0);
    assert_string_equal(json_string_value(json_object_get(s, "maxmemory_policy")), "noeviction");
    assert_true(json_number_value(json_object_get(s, "ping_ms")) > 0);
    assert_true(json_is_false(json_object_get(s, "aof_enabled")));
    assert_string_equal(json_string_value(json_object_get(s, "aof_fsync")), "everysec");
    assert_string_equal(json_string_value(json_object_get(s, "rdb_save_config")), "");
    assert_true(json_is_false(json_object_get(s, "restarted")));
    assert_true(json_is_null(json_object_get(s, "evicted_keys_per_sec")));   /* one sample */
    assert_int_equal(json_integer_value(json_object_get(s, "slowlog_new")), 0);
    assert_int_equal(json_object_size(json_object_get(s, "unavailable")), 0);
    /* queues on a server that persists nothing */
    assert_true(has_warning(s, "warning", "no persistence"));
    assert_false(has_warning(s, "critical", ""));
    json_decref(doc);
}

/* A second, small server for the eviction test; stopped by its teardown even when an assertion
 * fails half-way (no server may outlive the run). */
static struct redis_server small;
static pid_t small_writer;

static int small_teardown(void **state)
{
    (void)state;
    if (small_writer > 0) {
        kill(small_writer, SIGKILL);
        waitpid(small_writer, NULL, 0);
        small_writer = 0;
    }
    redis_server_stop(&small);
    return 0;
}

static void test_evictions_critical(void **state)
{
    (void)state;
    const char *extra[] = { "--maxmemory", "8mb", "--maxmemory-policy", "allkeys-lru", NULL };
    assert_int_equal(redis_server_start(&small, extra), 0);
    redisContext *c = redis_server_client(&small);
    cmd_on(c, "XADD orders * id 1");

    /* A writer that keeps filling memory (bounded: 10 s at most) until the sample is taken,
     * so evictions happen during the rate interval however loaded the machine is. */
    pid_t child = fork();
    small_writer = child;
    if (child == 0) {
        redisContext *w = redis_server_client(&small);
        static char value[8192];
        memset(value, 'x', sizeof value - 1);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int round = 0;; round++) {
            for (int i = 0; i < 200; i++)
                redisAppendCommand(w, "SET cache:%d:%d %s", round, i, value);
            for (int i = 0; i < 200; i++) {
                redisReply *r;
                if (redisGetReply(w, (void **)&r) != REDIS_OK)
                    _exit(0);
                freeReplyObject(r);
            }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            if (t1.tv_sec - t0.tv_sec > 10)
                break;
        }
        redisFree(w);
        _exit(0);
    }
    const char *argv[] = { harness_queuetop(), "--once", "--json", "--rate-interval", "1",
                           "--redis", redis_server_url(&small), NULL };
    json_t *doc = run_json(argv, 0);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    small_writer = 0;
    json_t *s = server_of(doc);
    assert_true(json_integer_value(json_object_get(s, "evicted_keys")) > 0);
    assert_true(json_number_value(json_object_get(s, "evicted_keys_per_sec")) > 0);
    assert_true(has_warning(s, "critical", "evicting"));
    assert_true(has_warning(s, "critical", "queue data can be lost"));
    double share = json_number_value(json_object_get(s, "memory_used_share"));
    assert_true(share > 0.5 && share < 1.2);
    json_decref(doc);

    /* text output says it too */
    const char *targv[] = { harness_queuetop(), "--once", "--rate-interval", "0", "--redis",
                            redis_server_url(&small), NULL };
    char *out, *err;
    assert_int_equal(harness_run(targv, &out, &err, 20000), 0);
    assert_non_null(strstr(out, "can evict queue keys"));
    free(out);
    free(err);
    redisFree(c);
}

static bool seen_after2;

/* Reads samples until slowlog_new_total has been `want` for 4 samples in a row (or 60 samples
 * passed); asserts it never goes over. Returns the last total. */
static long long wait_total(int fd, long long want)
{
    long long total = -1;
    int stable = 0;
    for (int i = 0; i < 60 && stable < 4; i++) {
        json_t *doc = harness_next_json(fd, 3000);
        assert_non_null(doc);
        json_t *s = server_of(doc);
        long long now = json_integer_value(json_object_get(s, "slowlog_new_total"));
        if (now > want)
            fail_msg("slowlog entries counted twice: %lld > %lld", now, want);
        stable = now == want && now == total ? stable + 1 : 0;
        total = now;
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(s, "slowlog"), k, e) {
            const char *cmd = json_string_value(json_object_get(e, "command"));
            const char *client = json_string_value(json_object_get(e, "client"));
            assert_null(strstr(client, "queuetop"));   /* ours are left out */
            if (strcmp(cmd, "ECHO after-2") == 0 && strstr(client, "tester"))
                seen_after2 = true;
        }
        json_decref(doc);
    }
    return total;
}

/* Every slow command is counted once, including across a SLOWLOG RESET by someone else, and
 * queuetop's own commands are not counted. */
static void test_slowlog_counted_once(void **state)
{
    (void)state;
    cmd_on(rc, "CONFIG SET slowlog-log-slower-than 0");
    seen_after2 = false;
    redisContext *t = redis_server_client(&srv);
    cmd_on(t, "CLIENT SETNAME tester");
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc = NULL;
    /* the baseline: a line that has server data */
    for (int i = 0; i < 20; i++) {
        doc = harness_next_json(fd, 3000);
        assert_non_null(doc);
        if (json_object_get(json_object_get(doc, "redis"), "server"))
            break;
        json_decref(doc);
        doc = NULL;
    }
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(server_of(doc), "slowlog_new_total")), 0);
    json_decref(doc);

    for (int i = 0; i < 5; i++)
        cmd_on(t, "ECHO before-%d", i);
    long long total = wait_total(fd, 5);
    assert_int_equal(total, 5);
    /* someone resets the log: ids go on growing, the RESET itself is entry 1 of the new log */
    cmd_on(t, "SLOWLOG RESET");
    for (int i = 0; i < 3; i++)
        cmd_on(t, "ECHO after-%d", i);
    const long long expected = 5 + 1 + 3;
    total = wait_total(fd, expected);
    assert_int_equal(total, expected);
    assert_true(seen_after2);
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
    redisFree(t);
    cmd_on(rc, "CONFIG SET slowlog-log-slower-than 10000");
}

static bool lost_has(json_t *server, const char *key, long long before, long long after)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(server, "lost_streams"), i, l) {
        if (strcmp(json_string_value(json_object_get(l, "key")), key) == 0 &&
            json_integer_value(json_object_get(l, "length_before")) == before &&
            json_integer_value(json_object_get(l, "length_after")) == after)
            return true;
    }
    return false;
}

static void test_restart_and_lost_streams(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        cmd_on(rc, "XADD a * n %d", i);
    for (int i = 0; i < 3; i++)
        cmd_on(rc, "XADD b * n %d", i);
    cmd_on(rc, "XADD c * n 0");
    const char *argv[] = { harness_queuetop(), "--json", "--interval", "0.2", "--redis",
                           redis_server_url(&srv), NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    json_t *doc;
    bool ready = false;
    for (int i = 0; i < 30 && !ready && (doc = harness_next_json(fd, 3000)); i++) {
        json_t *redis = json_object_get(doc, "redis");
        ready = json_array_size(json_object_get(redis, "streams")) == 3 &&
                json_object_get(redis, "server");
        json_decref(doc);
    }
    assert_true(ready);

    redisFree(rc);
    redis_server_kill(&srv);              /* a crash: no persistence, everything is gone */
    assert_int_equal(redis_server_restart(&srv), 0);
    rc = redis_server_client(&srv);
    cmd_on(rc, "XADD b * n 0");           /* b comes back shorter; a does not come back */
    cmd_on(rc, "XADD c * n 0");           /* c is as long as before: not lost */

    bool banner = false, lost = false;
    for (int i = 0; i < 80 && !(banner && lost) && (doc = harness_next_json(fd, 7000)); i++) {
        json_t *s = json_object_get(json_object_get(doc, "redis"), "server");
        if (s && json_integer_value(json_object_get(s, "restarts_seen")) >= 1 &&
            has_warning(s, "critical", "Redis restarted")) {
            banner = true;
            assert_non_null(json_string_value(json_object_get(s, "previous_run_id")));
        }
        if (s && lost_has(s, "a", 5, 0) && lost_has(s, "b", 3, 1)) {
            assert_int_equal(json_array_size(json_object_get(s, "lost_streams")), 2);
            lost = true;
        }
        json_decref(doc);
    }
    assert_true(banner);
    assert_true(lost);
    assert_int_equal(harness_reap(pid), 0);
    close(fd);
}

/* A master and its replica, stopped by the teardown whatever happens. */
static struct redis_server repl_master, repl_replica;

static int repl_teardown(void **state)
{
    (void)state;
    redis_server_stop(&repl_replica);
    redis_server_stop(&repl_master);
    return 0;
}

/* Polls INFO replication (20 s at most: a full sync is slow on a loaded machine) until it
 * contains needle. */
static bool wait_info(const struct redis_server *srv_, const char *needle)
{
    for (int i = 0; i < 400; i++) {
        redisContext *c = redis_server_client(srv_);
        redisReply *info = harness_cmd(c, "INFO replication");
        bool found = info->type == REDIS_REPLY_STRING && strstr(info->str, needle) != NULL;
        freeReplyObject(info);
        redisFree(c);
        if (found)
            return true;
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return false;
}

static json_t *once_server(const struct redis_server *s)
{
    const char *argv[] = { harness_queuetop(), "--once", "--json", "--rate-interval", "0",
                           "--redis", redis_server_url(s), NULL };
    return run_json(argv, 0);
}

static void test_replication(void **state)
{
    (void)state;
    assert_int_equal(redis_server_start(&repl_master, NULL), 0);
    char port[16];
    snprintf(port, sizeof port, "%d", repl_master.port);
    const char *extra[] = { "--replicaof", "127.0.0.1", port, NULL };
    assert_int_equal(redis_server_start(&repl_replica, extra), 0);
    redisContext *m = redis_server_client(&repl_master);
    cmd_on(m, "XADD jobs * f v");
    /* both sides must agree the replica is in sync before we look */
    assert_true(wait_info(&repl_replica, "master_link_status:up"));
    assert_true(wait_info(&repl_master, "state=online"));

    json_t *doc = once_server(&repl_master);
    json_t *s = server_of(doc);
    assert_string_equal(json_string_value(json_object_get(s, "role")), "master");
    assert_int_equal(json_integer_value(json_object_get(s, "connected_replicas")), 1);
    json_t *rep = json_array_get(json_object_get(s, "replicas"), 0);
    assert_non_null(rep);
    assert_string_equal(json_string_value(json_object_get(rep, "state")), "online");
    assert_true(json_integer_value(json_object_get(rep, "lag_bytes")) >= 0);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", repl_replica.port);
    assert_string_equal(json_string_value(json_object_get(rep, "addr")), addr);
    json_decref(doc);

    doc = once_server(&repl_replica);
    s = server_of(doc);
    assert_string_equal(json_string_value(json_object_get(s, "role")), "slave");
    assert_string_equal(json_string_value(json_object_get(s, "master_link_status")), "up");
    assert_false(has_warning(s, "critical", "link to its master"));
    json_decref(doc);

    /* The master goes away. The replica is first pointed at a port where nothing listens:
     * once the master's port is free another suite running in parallel may take it, and a
     * replica retrying the old port would sync from that server and see its link up. */
    redisFree(m);
    redisContext *r = redis_server_client(&repl_replica);
    cmd_on(r, "REPLICAOF 127.0.0.1 1");
    redisFree(r);
    redis_server_kill(&repl_master);
    assert_true(wait_info(&repl_replica, "master_link_status:down"));   /* it noticed */
    doc = once_server(&repl_replica);
    s = server_of(doc);
    assert_string_equal(json_string_value(json_object_get(s, "master_link_status")), "down");
    assert_true(has_warning(s, "critical", "link to its master is down"));
    json_decref(doc);
}

static void test_acl_without_config_slowlog_latency(void **state)
{
    (void)state;
    cmd_on(rc, "XADD visible * f v");
    cmd_on(rc, "ACL SETUSER monitor on >m-pass ~* +scan +xinfo +xpending +pttl +time +info +ping "
               "+client|setname");
    char url[128];
    snprintf(url, sizeof url, "redis://monitor:m-pass@127.0.0.1:%d", srv.port);
    const char *argv[] = { harness_queuetop(), "--once", "--json", "--rate-interval", "0",
                           "--redis", url, NULL };
    json_t *doc = run_json(argv, 0);
    json_t *s = server_of(doc);
    assert_string_equal(json_string_value(json_object_get(s, "state")), "up");
    json_t *un = json_object_get(s, "unavailable");
    assert_non_null(strstr(json_string_value(json_object_get(un, "config")), "NOPERM"));
    assert_non_null(strstr(json_string_value(json_object_get(un, "slowlog")), "NOPERM"));
    assert_non_null(strstr(json_string_value(json_object_get(un, "latency")), "NOPERM"));
    assert_true(json_is_null(json_object_get(s, "aof_fsync")));
    assert_true(json_integer_value(json_object_get(s, "used_memory")) > 0);   /* INFO still works */
    /* and the streams are all there */
    json_t *streams = json_object_get(json_object_get(doc, "redis"), "streams");
    assert_int_equal(json_array_size(streams), 1);
    json_decref(doc);
    cmd_on(rc, "ACL DELUSER monitor");
}

static void test_config_file(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/q.json", srv.dir);
    FILE *f = fopen(path, "w");
    fputs("{ \"thresholds\": { \"ping_budget_ms\": 0 } }\n", f);
    fclose(f);
    const char *argv[] = { harness_queuetop(), "--once", "--json", "--rate-interval", "0",
                           "--config", path, "--redis", redis_server_url(&srv), NULL };
    json_t *doc = run_json(argv, 0);
    assert_true(has_warning(server_of(doc), "warning", "over the 0 ms budget"));
    json_decref(doc);

    char *out, *err;
    f = fopen(path, "w");
    fputs("{ \"thresholds\": {\n  \"lag_warn\": 5,\n  \"lag_crit\" 9 } }\n", f);
    fclose(f);
    assert_int_equal(harness_run(argv, &out, &err, 5000), 2);
    assert_non_null(strstr(err, "q.json:3:"));   /* file and line of the mistake */
    free(out);
    free(err);

    f = fopen(path, "w");
    fputs("{ \"thresholds\": { \"lag_wran\": 5 } }\n", f);
    fclose(f);
    assert_int_equal(harness_run(argv, &out, &err, 5000), 2);
    assert_non_null(strstr(err, "unknown threshold 'lag_wran'"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_health_figures, flush),
        cmocka_unit_test_setup_teardown(test_evictions_critical, flush, small_teardown),
        cmocka_unit_test_setup(test_slowlog_counted_once, flush),
        cmocka_unit_test_setup(test_acl_without_config_slowlog_latency, flush),
        cmocka_unit_test_setup_teardown(test_replication, flush, repl_teardown),
        cmocka_unit_test_setup(test_config_file, flush),
        cmocka_unit_test_setup(test_restart_and_lost_streams, flush),
    };
    return cmocka_run_group_tests_name("server_integration", tests, group_setup, group_teardown);
}
