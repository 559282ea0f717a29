/* The JSON writer: names, nulls for unknowns, exact bytes for hostile keys. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "fixtures.h"
#include "../../tui/json_out.h"

static void test_document(void **state)
{
    (void)state;
    struct redis_snapshot r = { 0 };
    strcpy(r.url, "redis://127.0.0.1:6379");
    strcpy(r.version, "7.0.15");
    strcpy(r.role, "master");
    r.state = CONN_UP;
    r.scan_complete = true;
    struct stream_info *s = fx_stream(&r, "jobs", 4, 12, 40, 1);
    strcpy(s->first_id, "1-0");
    strcpy(s->last_id, "40-0");
    struct group_info *g = fx_group(s, "w", 3, 37, 2);
    strcpy(g->last_delivered_id, "37-0");
    fx_oldest(s, g, "5-0", 1234, 99, 4);
    fx_group(s, "x", QT_UNKNOWN, QT_UNKNOWN, 0);

    json_t *doc = json_from_redis(&r, NULL, 0);
    json_t *redis = json_object_get(doc, "redis");
    assert_string_equal(json_string_value(json_object_get(redis, "url")), "redis://127.0.0.1:6379");
    assert_string_equal(json_string_value(json_object_get(redis, "version")), "7.0.15");
    assert_true(json_is_null(json_object_get(redis, "error")));
    json_t *js = json_array_get(json_object_get(redis, "streams"), 0);
    assert_string_equal(json_string_value(json_object_get(js, "key")), "jobs");
    assert_int_equal(json_integer_value(json_object_get(js, "length")), 12);
    assert_int_equal(json_integer_value(json_object_get(js, "entries_added")), 40);
    assert_string_equal(json_string_value(json_object_get(js, "first_id")), "1-0");
    assert_true(json_is_null(json_object_get(js, "produced_per_sec")));   /* no history */
    assert_true(json_is_null(json_object_get(js, "max_lag")));   /* one group's lag unknown */
    assert_int_equal(json_integer_value(json_object_get(js, "pending")), 2);

    json_t *groups = json_object_get(js, "groups");
    assert_int_equal(json_array_size(groups), 2);
    json_t *g0 = json_array_get(groups, 0), *g1 = json_array_get(groups, 1);
    assert_int_equal(json_integer_value(json_object_get(g0, "lag")), 3);
    assert_int_equal(json_integer_value(json_object_get(g0, "entries_read")), 37);
    assert_string_equal(json_string_value(json_object_get(g0, "last_delivered_id")), "37-0");
    assert_string_equal(json_string_value(json_object_get(g0, "oldest_pending_id")), "5-0");
    assert_int_equal(json_integer_value(json_object_get(g0, "oldest_pending_age_ms")), 1234);
    assert_int_equal(json_integer_value(json_object_get(g0, "oldest_pending_idle_ms")), 99);
    assert_int_equal(json_integer_value(json_object_get(g0, "oldest_pending_deliveries")), 4);
    assert_true(json_is_null(json_object_get(g1, "lag")));
    assert_true(json_is_null(json_object_get(g1, "entries_read")));
    assert_true(json_is_null(json_object_get(g1, "oldest_pending_id")));
    assert_true(json_is_null(json_object_get(g1, "oldest_pending_age_ms")));
    assert_true(json_is_null(json_object_get(g1, "oldest_pending_deliveries")));
    json_decref(doc);
    fx_free(&r);
}

static void test_hostile_keys(void **state)
{
    (void)state;
    struct redis_snapshot r = { 0 };
    r.state = CONN_UP;
    fx_stream(&r, "a\x1b[2J\0z", 7, 0, 0, 1);
    fx_stream(&r, "b\xff\xfe", 3, 0, 0, 1);
    json_t *doc = json_from_redis(&r, NULL, 0);
    char *text = json_dumps(doc, JSON_COMPACT);
    /* control bytes are JSON-escaped, so the raw ESC never appears in the output */
    assert_null(strchr(text, 0x1b));
    json_t *streams = json_object_get(json_object_get(doc, "redis"), "streams");
    json_t *k0 = json_object_get(json_array_get(streams, 0), "key");
    assert_int_equal(json_string_length(k0), 7);
    assert_memory_equal(json_string_value(k0), "a\x1b[2J\0z", 7);
    json_t *s1 = json_array_get(streams, 1);
    assert_string_equal(json_string_value(json_object_get(s1, "key_hex")), "62fffe");
    assert_string_equal(json_string_value(json_object_get(s1, "key")), "b\xEF\xBF\xBD\xEF\xBF\xBD");
    free(text);
    json_decref(doc);
    fx_free(&r);
}

static void test_down_state(void **state)
{
    (void)state;
    struct redis_snapshot r = { 0 };
    r.state = CONN_DOWN;
    strcpy(r.error, "cannot connect");
    json_t *doc = json_from_redis(&r, NULL, 1000);
    json_t *redis = json_object_get(doc, "redis");
    assert_string_equal(json_string_value(json_object_get(redis, "state")), "down");
    assert_string_equal(json_string_value(json_object_get(redis, "error")), "cannot connect");
    assert_true(json_is_null(json_object_get(redis, "version")));
    assert_int_equal(json_integer_value(json_object_get(redis, "rate_interval_ms")), 1000);
    /* never read: unknown, not "no streams" */
    assert_true(json_is_false(json_object_get(redis, "ok")));
    assert_true(json_is_null(json_object_get(redis, "streams")));
    assert_true(json_is_null(json_object_get(redis, "data_age_ms")));
    json_decref(doc);

    /* down after a good sample 4 s ago: that sample's figures, with their age */
    r.last_ok_mono_ms = 10000;
    r.sampled_mono_ms = 14000;
    fx_stream(&r, "jobs", 4, 12, 40, 1);
    doc = json_from_redis(&r, NULL, 1000);
    redis = json_object_get(doc, "redis");
    assert_true(json_is_false(json_object_get(redis, "ok")));
    assert_int_equal(json_integer_value(json_object_get(redis, "data_age_ms")), 4000);
    assert_int_equal(json_array_size(json_object_get(redis, "streams")), 1);
    json_decref(doc);
    fx_free(&r);

    /* a fresh sample */
    struct redis_snapshot up = { 0 };
    up.state = CONN_UP;
    up.last_ok_mono_ms = up.sampled_mono_ms = 5000;
    doc = json_from_redis(&up, NULL, 0);
    redis = json_object_get(doc, "redis");
    assert_true(json_is_true(json_object_get(redis, "ok")));
    assert_true(json_is_null(json_object_get(redis, "data_age_ms")));
    assert_int_equal(json_array_size(json_object_get(redis, "streams")), 0);
    json_decref(doc);

    /* a source that failed: ok false with the reason */
    doc = json_object();
    json_add_postgres_error(doc, "database \"nope\" does not exist");
    json_t *pg = json_object_get(doc, "postgres");
    assert_true(json_is_false(json_object_get(pg, "ok")));
    assert_string_equal(json_string_value(json_object_get(pg, "error")),
                        "database \"nope\" does not exist");
    json_add_keys_error(doc, "NOPERM scan");
    json_t *ks = json_object_get(json_object_get(doc, "redis"), "keyspace");
    assert_true(json_is_false(json_object_get(ks, "ok")));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_hostile_keys),
        cmocka_unit_test(test_down_state),
    };
    return cmocka_run_group_tests_name("json_out", tests, NULL, NULL);
}
