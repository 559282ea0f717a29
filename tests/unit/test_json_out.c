/* The JSON writer: names, nulls for unknowns, exact bytes for hostile keys. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "fixtures.h"
#include "../../tui/json_out.h"
#include "../../tui/json_writer.h"

/* The document json_from_redis and json_line_text write for r, parsed back. Written both ways
 * (compact and indented), it must be exactly what jansson itself writes for the parsed
 * document: the streams array, written without jansson, splices in seamlessly. */
static json_t *redis_doc(const struct redis_snapshot *r, long long rate_interval_ms)
{
    json_t *doc = json_from_redis(r, rate_interval_ms);
    struct json_streams st = { r, NULL };
    json_t *parsed = NULL;
    for (int pretty = 0; pretty < 2; pretty++) {
        size_t len;
        char *text = json_line_text(doc, pretty, &st, &len);
        assert_non_null(text);
        assert_int_equal(strlen(text), len);
        assert_true(len > 0 && text[len - 1] == '\n');
        json_error_t err;
        json_t *back = json_loadb(text, len, JSON_ALLOW_NUL, &err);
        if (!back)
            fail_msg("not JSON (%s): %s", err.text, text);
        size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) |
                       (pretty ? JSON_INDENT(2) : JSON_COMPACT);
        char *again = json_dumps(back, flags);
        assert_int_equal(strlen(again), len - 1);
        assert_memory_equal(again, text, len - 1);
        free(again);
        free(text);
        if (!parsed)
            parsed = back;
        else
            json_decref(back);
    }
    json_decref(doc);
    return parsed;
}

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

    json_t *doc = redis_doc(&r, 0);
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
    json_t *doc = redis_doc(&r, 0);
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
    json_t *doc = redis_doc(&r, 1000);
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
    doc = redis_doc(&r, 1000);
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
    doc = redis_doc(&up, 0);
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

/* The writer against jansson, value by value: reals (precision, the ".0", exponents) and
 * strings (every control byte, quotes, backslashes, DEL, UTF-8). */
static void test_writer_matches_jansson(void **state)
{
    (void)state;
    static const double reals[] = { 0.0, 5.0, -2.5, 0.1, 123.456, 1e20, 1.5e-7, -2.5e-10,
                                    12345678901.0, 0.333, 1e300 };
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        json_t *j = json_real(reals[i]);
        char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
        struct jw w;
        jw_init(&w, 0, 0);
        jw_real(&w, reals[i]);
        assert_string_equal(w.p, want);
        jw_free(&w);
        free(want);
        json_decref(j);
    }
    static const long long ints[] = { 0, 7, -1, 1234567890123LL, LLONG_MAX, LLONG_MIN };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_t *j = json_integer(ints[i]);
        char *want = json_dumps(j, JSON_ENCODE_ANY);
        struct jw w;
        jw_init(&w, 0, 0);
        jw_ll(&w, ints[i]);
        assert_string_equal(w.p, want);
        jw_free(&w);
        free(want);
        json_decref(j);
    }
    char text[160];
    size_t n = 0;
    for (int c = 1; c < 0x20; c++)
        text[n++] = (char)c;
    const char tail[] = "\"quoted\" back\\slash / \x7f caf\xc3\xa9 \xe2\x9c\x93";
    memcpy(text + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    text[n++] = '\0';   /* an embedded NUL, as a key may hold */
    text[n++] = 'z';
    json_t *j = json_stringn(text, n);
    char *want = json_dumps(j, JSON_ENCODE_ANY);
    struct jw w;
    jw_init(&w, 0, 0);
    jw_string(&w, text, n);
    assert_string_equal(w.p, want);
    jw_free(&w);
    free(want);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_writer_matches_jansson),
        cmocka_unit_test(test_hostile_keys),
        cmocka_unit_test(test_down_state),
    };
    return cmocka_run_group_tests_name("json_out", tests, NULL, NULL);
}
