/* The server-health judgement: which figures are problems, how bad, in which order. */
#include <math.h>
#include <string.h>

#include "cm.h"
#include "fixtures.h"
#include "../../views/server_model.h"

static struct server_snapshot s;
static struct server_history h;
static struct health_warning w[HEALTH_WARNINGS_MAX];

static int setup(void **state)
{
    (void)state;
    memset(&s, 0, sizeof s);
    memset(&h, 0, sizeof h);
    s.state = CONN_UP;
    strcpy(s.role, "master");
    strcpy(s.maxmemory_policy, "noeviction");
    strcpy(s.aof_last_write_status, "ok");
    strcpy(s.rdb_last_bgsave_status, "ok");
    s.used_memory = 1000;
    s.config_known = true;
    strcpy(s.save_config, "3600 1");
    h.evicted_per_sec = h.rejected_per_sec = h.slowlog_per_sec = NAN;
    return 0;
}

static size_t judge(const struct redis_snapshot *streams)
{
    return server_warnings(&s, &h, streams, &default_thresholds, 1000000, w, HEALTH_WARNINGS_MAX);
}

static void test_policy(void **state)
{
    (void)state;
    assert_true(policy_can_evict_queues("allkeys-lru", false));
    assert_true(policy_can_evict_queues("allkeys-random", false));
    assert_false(policy_can_evict_queues("volatile-lru", false));
    assert_true(policy_can_evict_queues("volatile-ttl", true));
    assert_false(policy_can_evict_queues("noeviction", true));
}

static void test_healthy_is_quiet(void **state)
{
    (void)state;
    assert_int_equal(judge(NULL), 0);
}

static void test_evictions(void **state)
{
    (void)state;
    s.maxmemory = 2000;
    strcpy(s.maxmemory_policy, "allkeys-lru");
    assert_int_equal(judge(NULL), 1);
    assert_int_equal(w[0].sev, SEV_WARN);
    assert_non_null(strstr(w[0].text, "can evict queue keys"));
    h.evicted_per_sec = 12.0;
    judge(NULL);
    assert_int_equal(w[0].sev, SEV_CRIT);
    assert_non_null(strstr(w[0].text, "evicting 12 keys/s under allkeys-lru"));
    /* volatile-*: only a problem for queue data when a stream has a TTL */
    strcpy(s.maxmemory_policy, "volatile-lru");
    judge(NULL);
    assert_int_equal(w[0].sev, SEV_WARN);   /* evicting, but not queue keys */
    struct redis_snapshot r = { 0 };
    fx_stream(&r, "jobs", 4, 1, 1, 1)->ttl_ms = 60000;
    judge(&r);
    assert_int_equal(w[0].sev, SEV_CRIT);
    fx_free(&r);
}

static void test_memory(void **state)
{
    (void)state;
    s.maxmemory = 1000;
    s.used_memory = 950;
    assert_int_equal(judge(NULL), 1);
    assert_int_equal(w[0].sev, SEV_WARN);
    s.used_memory = 990;
    judge(NULL);
    assert_int_equal(w[0].sev, SEV_CRIT);
    assert_non_null(strstr(w[0].text, "writes will fail with OOM"));   /* noeviction */
}

static void test_persistence_only_with_queues(void **state)
{
    (void)state;
    s.save_config[0] = '\0';
    assert_int_equal(judge(NULL), 0);   /* no queues known: nothing to lose */
    struct redis_snapshot r = { 0 };
    fx_stream(&r, "jobs", 4, 1, 1, 1);
    assert_int_equal(judge(&r), 1);
    assert_non_null(strstr(w[0].text, "no persistence"));
    s.config_known = false;             /* CONFIG refused: cannot tell, so no claim */
    assert_int_equal(judge(&r), 0);
    fx_free(&r);
}

static void test_ranking_and_failures(void **state)
{
    (void)state;
    s.pings = 3;
    s.ping_avg_ms = 9.0;                /* warning */
    strcpy(s.role, "slave");
    strcpy(s.master_link_status, "down");   /* critical */
    s.aof_enabled = true;
    strcpy(s.aof_last_write_status, "err"); /* critical */
    size_t n = judge(NULL);
    assert_int_equal(n, 3);
    assert_int_equal(w[0].sev, SEV_CRIT);
    assert_int_equal(w[1].sev, SEV_CRIT);
    assert_int_equal(w[2].sev, SEV_WARN);
    assert_non_null(strstr(w[0].text, "AOF last write failed"));   /* stable: found first */
    assert_non_null(strstr(w[2].text, "over the 5 ms budget"));
}

static void test_restart_banner(void **state)
{
    (void)state;
    s.last_restart_wall_ms = 1000000 - 60000;   /* a minute ago */
    struct redis_snapshot r = { 0 };
    r.lost_known = true;
    r.lost_count = 2;
    assert_int_equal(judge(&r), 1);
    assert_int_equal(w[0].sev, SEV_CRIT);
    assert_non_null(strstr(w[0].text, "(1m00s ago): 2 streams lost or shrank"));
    s.last_restart_wall_ms = 1000000 - default_thresholds.restart_banner_ms - 1;
    assert_int_equal(judge(&r), 0);             /* old news */
}

/* Locks an eviction policy can drop before they expire: none without maxmemory or under
 * noeviction, those with a TTL under volatile-*, all of them under allkeys-*. */
static void test_locks_evictable(void **state)
{
    (void)state;
    struct lock_info locks[3];
    memset(locks, 0, sizeof locks);
    locks[0].ttl_ms = -1;      /* no expiry: volatile-* leaves it alone */
    locks[1].ttl_ms = 30000;
    locks[2].ttl_ms = 500;
    struct keys_snapshot k;
    memset(&k, 0, sizeof k);
    k.locks = locks;
    k.lock_count = 3;
    assert_int_equal(locks_evictable(&s, &k), 0);   /* noeviction, no maxmemory */
    s.maxmemory = 1 << 20;
    assert_int_equal(locks_evictable(&s, &k), 0);   /* noeviction */
    strcpy(s.maxmemory_policy, "volatile-lru");
    assert_int_equal(locks_evictable(&s, &k), 2);
    strcpy(s.maxmemory_policy, "allkeys-lfu");
    assert_int_equal(locks_evictable(&s, &k), 3);
    s.maxmemory = 0;
    assert_int_equal(locks_evictable(&s, &k), 0);   /* no maxmemory: nothing is evicted */
    assert_int_equal(locks_evictable(NULL, &k), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_locks_evictable, setup),
        cmocka_unit_test_setup(test_policy, setup),
        cmocka_unit_test_setup(test_healthy_is_quiet, setup),
        cmocka_unit_test_setup(test_evictions, setup),
        cmocka_unit_test_setup(test_memory, setup),
        cmocka_unit_test_setup(test_persistence_only_with_queues, setup),
        cmocka_unit_test_setup(test_ranking_and_failures, setup),
        cmocka_unit_test_setup(test_restart_banner, setup),
    };
    return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
