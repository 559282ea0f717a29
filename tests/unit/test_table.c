/* The streams table without curses: filter, sort, severity; and the cell formatters. */
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "fixtures.h"
#include "../../tui/format.h"
#include "../../tui/sparkline.h"
#include "../../views/streams_model.h"

static struct redis_snapshot r;

/* Streams (sorted by key as the collector publishes them):
 *   alpha   len 10  lag 5            no pending
 *   beta    len 500 lag 20000 (crit) pending 3, oldest 2 s
 *   Emails  len 50  lag ?            pending 1, oldest 10 min (crit)
 *   gamma   len 7   no groups
 *   orders  len 80  lag 1500 (warn)  pending 0 */
static int setup(void **state)
{
    (void)state;
    memset(&r, 0, sizeof r);
    struct stream_info *s;
    s = fx_stream(&r, "Emails", 6, 50, 60, 1);
    fx_oldest(s, fx_group(s, "mail", QT_UNKNOWN, QT_UNKNOWN, 1), "1-0", 600000, 5, 1);
    s = fx_stream(&r, "alpha", 5, 10, 10, 1);
    fx_group(s, "g", 5, 5, 0);
    s = fx_stream(&r, "beta", 4, 500, 900, 1);
    fx_oldest(s, fx_group(s, "g", 20000, 100, 3), "2-0", 2000, 1, 1);
    fx_stream(&r, "gamma", 5, 7, 7, 1);
    s = fx_stream(&r, "orders", 6, 80, 80, 1);
    fx_group(s, "g", 1500, 10, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_free(&r);
    return 0;
}

static void keys_in_order(const size_t *rows, size_t n, const char *const *expect)
{
    for (size_t i = 0; i < n; i++)
        assert_string_equal(r.streams[rows[i]]->key.ptr, expect[i]);
}

static void test_filter(void **state)
{
    (void)state;
    size_t rows[8];
    struct bytes k = { "Orders:Events", 13 };
    assert_true(key_matches_filter(&k, "orders"));
    assert_true(key_matches_filter(&k, "S:EV"));
    assert_true(key_matches_filter(&k, ""));
    assert_false(key_matches_filter(&k, "ordersx"));
    assert_int_equal(streams_select(&r, NULL, "a", SORT_KEY, false, NULL, rows), 4);
    keys_in_order(rows, 4, (const char *const[]){ "Emails", "alpha", "beta", "gamma" });
    assert_int_equal(streams_select(&r, NULL, "zzz", SORT_KEY, false, NULL, rows), 0);
}

static void test_sort_severity(void **state)
{
    (void)state;
    size_t rows[8];
    assert_int_equal(streams_select(&r, NULL, "", SORT_SEVERITY, false, NULL, rows), 5);
    /* critical first (oldest pending age breaks the tie), then warning, then ok by key */
    keys_in_order(rows, 5, (const char *const[]){ "Emails", "beta", "orders", "alpha", "gamma" });
}

static void test_problems_only(void **state)
{
    (void)state;
    size_t rows[8];
    /* the same order as the severity sort, without the streams that are fine */
    assert_int_equal(streams_problems(&r, NULL, NULL, rows), 3);
    keys_in_order(rows, 3, (const char *const[]){ "Emails", "beta", "orders" });
}

static void test_sort_numeric_unknown_last(void **state)
{
    (void)state;
    size_t rows[8];
    streams_select(&r, NULL, "", SORT_LAG, false, NULL, rows);
    keys_in_order(rows, 5, (const char *const[]){ "beta", "orders", "alpha", "Emails", "gamma" });
    streams_select(&r, NULL, "", SORT_LAG, true, NULL, rows);
    keys_in_order(rows, 5, (const char *const[]){ "alpha", "orders", "beta", "Emails", "gamma" });
    streams_select(&r, NULL, "", SORT_LENGTH, false, NULL, rows);
    keys_in_order(rows, 5, (const char *const[]){ "beta", "orders", "Emails", "alpha", "gamma" });
    streams_select(&r, NULL, "", SORT_KEY, true, NULL, rows);
    keys_in_order(rows, 5, (const char *const[]){ "orders", "gamma", "beta", "alpha", "Emails" });
}

/* The reference order, written out plainly: severity, oldest pending age, lag (each largest
 * first; unknown, -1, below 0), reverse flips those, ties by key. */
static struct redis_snapshot *ref_r;
static bool ref_reverse;

static int ref_cmp(const void *pa, const void *pb)
{
    const struct stream_info *a = ref_r->streams[*(const size_t *)pa];
    const struct stream_info *b = ref_r->streams[*(const size_t *)pb];
    long long ka[3] = { stream_severity(a, &default_thresholds), a->oldest_pending_age_ms, a->max_lag };
    long long kb[3] = { stream_severity(b, &default_thresholds), b->oldest_pending_age_ms, b->max_lag };
    int c = 0;
    for (int i = 0; i < 3 && !c; i++)
        c = ka[i] > kb[i] ? -1 : ka[i] < kb[i];
    if (ref_reverse)
        c = -c;
    return c ? c : bytes_cmp(&a->key, &b->key);
}

/* 5000 streams, most of them quiet (the fast path buckets those), some busy, some in trouble:
 * the order equals the plain comparator's, both directions, and also when the keys are not
 * in order (the plain sort then). */
static void test_sort_severity_big(void **state)
{
    (void)state;
    struct redis_snapshot big;
    memset(&big, 0, sizeof big);
    srand(7);
    for (int i = 0; i < 5000; i++) {
        char key[32];
        snprintf(key, sizeof key, "s:%05d", i);
        struct stream_info *st = fx_stream(&big, key, strlen(key), 1, 1, 1);
        int kind = rand() % 10;
        if (kind < 3)
            continue;   /* no group: quiet, lag and oldest unknown */
        struct group_info *g = fx_group(st, "g", kind < 6 ? 0 : kind < 7 ? QT_UNKNOWN
                                                      : kind == 9 && rand() % 2 ? 0 : rand() % 3000,
                                        1, kind == 9 ? 1 + rand() % 5 : 0);
        if (kind == 9)
            fx_oldest(st, g, "1-0", rand() % 2 ? 0 : rand() % 900000, 1, 1 + rand() % 12);
    }
    size_t *got = calloc(big.stream_count, sizeof *got), *want = calloc(big.stream_count, sizeof *want);
    for (int pass = 0; pass < 3; pass++) {
        ref_reverse = pass == 1;
        if (pass == 2) {   /* keys out of order: swap two */
            const struct stream_info *t = big.streams[10];
            big.streams[10] = big.streams[4000];
            big.streams[4000] = t;
        }
        size_t n = streams_select(&big, NULL, "", SORT_SEVERITY, ref_reverse, NULL, got);
        assert_int_equal(n, big.stream_count);
        for (size_t i = 0; i < n; i++)
            want[i] = i;
        ref_r = &big;
        qsort(want, n, sizeof *want, ref_cmp);
        for (size_t i = 0; i < n; i++)
            if (got[i] != want[i])
                fail_msg("pass %d: row %zu is %s, want %s", pass, i, big.streams[got[i]]->key.ptr,
                         big.streams[want[i]]->key.ptr);
    }
    free(got);
    free(want);
    fx_free(&big);
}

static void test_severity(void **state)
{
    (void)state;
    assert_int_equal(stream_severity(r.streams[0], &default_thresholds), SEV_CRIT);
    assert_int_equal(stream_severity(r.streams[1], &default_thresholds), SEV_OK);
    assert_int_equal(stream_severity(r.streams[2], &default_thresholds), SEV_CRIT);
    assert_int_equal(stream_severity(r.streams[4], &default_thresholds), SEV_WARN);
    char why[64];
    stream_problem(r.streams[0], &default_thresholds, why, sizeof why);
    assert_string_equal(why, "pending 10m00s");
    stream_problem(r.streams[1], &default_thresholds, why, sizeof why);
    assert_string_equal(why, "");
}

static void test_format(void **state)
{
    (void)state;
    char b[32];
    fmt_count(999, b, sizeof b); assert_string_equal(b, "999");
    fmt_count(1234, b, sizeof b); assert_string_equal(b, "1.2k");
    fmt_count(56789, b, sizeof b); assert_string_equal(b, "57k");
    fmt_count(3400000, b, sizeof b); assert_string_equal(b, "3.4M");
    fmt_count(QT_UNKNOWN, b, sizeof b); assert_string_equal(b, "?");
    fmt_duration_ms(850, b, sizeof b); assert_string_equal(b, "850ms");
    fmt_duration_ms(12300, b, sizeof b); assert_string_equal(b, "12.3s");
    fmt_duration_ms(245000, b, sizeof b); assert_string_equal(b, "4m05s");
    fmt_duration_ms(7620000, b, sizeof b); assert_string_equal(b, "2h07m");
    fmt_duration_ms(273600000, b, sizeof b); assert_string_equal(b, "3d04h");
    fmt_rate(NAN, b, sizeof b); assert_string_equal(b, "?");
    fmt_rate(0.0, b, sizeof b); assert_string_equal(b, "0");
    fmt_rate(0.44, b, sizeof b); assert_string_equal(b, "0.4");
    fmt_rate(42.0, b, sizeof b); assert_string_equal(b, "42");
    fmt_rate(1500.0, b, sizeof b); assert_string_equal(b, "1.5k");
}

static void test_sparkline(void **state)
{
    (void)state;
    char out[256];
    float v[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    assert_int_equal(sparkline_render(v, 8, 8, false, out, sizeof out), 8);
    assert_string_equal(out, ".:-=+*#@");
    assert_int_equal(sparkline_render(v, 8, 3, false, out, sizeof out), 3);
    assert_string_equal(out, "*#@");   /* the newest values */
    float g[] = { 5, NAN, 5 };
    sparkline_render(g, 3, 10, false, out, sizeof out);
    assert_string_equal(out, "@ @");
    float z[] = { 0, 0 };
    sparkline_render(z, 2, 10, true, out, sizeof out);
    assert_string_equal(out, "\xE2\x96\x81\xE2\x96\x81");
    assert_int_equal(sparkline_render(v, 0, 10, true, out, sizeof out), 0);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_severity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_problems_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sort_numeric_unknown_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_severity, setup, teardown),
        cmocka_unit_test(test_sort_severity_big),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_sparkline),
    };
    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
