/* Rates, trends, drain estimates and rings: everything history derives from two samples. */
#include <math.h>
#include <stdlib.h>

#include "cm.h"
#include "fixtures.h"
#include "../../collectors/history.h"

static void test_rate(void **state)
{
    (void)state;
    assert_true(fabs(rate_per_sec(100, 150, 2000) - 25.0) < 1e-9);
    assert_true(isnan(rate_per_sec(QT_UNKNOWN, 150, 1000)));
    assert_true(isnan(rate_per_sec(100, QT_UNKNOWN, 1000)));
    assert_true(isnan(rate_per_sec(100, 150, 0)));
    assert_true(isnan(rate_per_sec(150, 100, 1000)));   /* reset: no honest rate */
    assert_true(fabs(trend_per_sec(150, 100, 1000) + 50.0) < 1e-9);
    assert_true(isnan(trend_per_sec(QT_UNKNOWN, 100, 1000)));
}

static void test_drain(void **state)
{
    (void)state;
    assert_true(fabs(drain_eta_seconds(1000, 10.0, 30.0) - 50.0) < 1e-9);
    assert_true(isnan(drain_eta_seconds(1000, 30.0, 10.0)));   /* falling behind */
    assert_true(isnan(drain_eta_seconds(1000, 10.0, 10.0)));
    assert_true(isnan(drain_eta_seconds(QT_UNKNOWN, 1.0, 9.0)));
    assert_true(isnan(drain_eta_seconds(1000, NAN, 9.0)));
    assert_true(drain_eta_seconds(0, NAN, NAN) == 0.0);
}

static void test_ring(void **state)
{
    (void)state;
    struct ring r = { 0 };
    float out[HISTORY_RING];
    assert_int_equal(ring_latest(&r, out, 10), 0);
    for (int i = 0; i < HISTORY_RING + 5; i++)
        ring_push(&r, (float)i);
    assert_int_equal(r.count, HISTORY_RING);
    assert_int_equal(ring_latest(&r, out, 3), 3);
    assert_true(out[0] == HISTORY_RING + 2 && out[2] == HISTORY_RING + 4);
    ring_free(&r);
}

/* A series of at most RING_RUNS runs allocates nothing and reads back as stored, also once
 * full (the oldest samples go); one more run switches to the plain ring with every sample
 * kept. NAN counts as one value. */
static void test_ring_runs(void **state)
{
    (void)state;
    struct ring r = { 0 };
    float out[HISTORY_RING];
    for (int i = 0; i < 5; i++)
        ring_push(&r, NAN);
    ring_push(&r, 7.0f);
    ring_push(&r, 7.0f);
    assert_null(r.values);   /* NAN x5, 7 x2: two runs */
    assert_int_equal(ring_latest(&r, out, 10), 7);
    assert_true(isnan(out[0]) && isnan(out[4]) && out[5] == 7.0f && out[6] == 7.0f);
    assert_int_equal(ring_latest(&r, out, 3), 3);
    assert_true(isnan(out[0]) && out[1] == 7.0f && out[2] == 7.0f);
    /* full of runs: the oldest go, still no allocation */
    for (int i = 0; i < HISTORY_RING; i++)
        ring_push(&r, 8.0f);
    assert_null(r.values);
    assert_int_equal(r.count, HISTORY_RING);
    assert_int_equal(ring_latest(&r, out, HISTORY_RING), HISTORY_RING);
    assert_true(out[0] == 8.0f && out[HISTORY_RING - 1] == 8.0f);
    ring_free(&r);

    /* a fourth run: the plain ring, with what came before */
    ring_push(&r, 1.0f);
    ring_push(&r, 2.0f);
    ring_push(&r, 2.0f);
    ring_push(&r, 3.0f);
    assert_null(r.values);
    ring_push(&r, 4.0f);
    assert_non_null(r.values);
    assert_int_equal(ring_latest(&r, out, 10), 5);
    assert_true(out[0] == 1.0f && out[1] == 2.0f && out[2] == 2.0f && out[3] == 3.0f &&
                out[4] == 4.0f);
    for (int i = 0; i < HISTORY_RING; i++)
        ring_push(&r, (float)i);
    assert_int_equal(ring_latest(&r, out, 2), 2);
    assert_true(out[0] == HISTORY_RING - 2 && out[1] == HISTORY_RING - 1);
    ring_free(&r);
}

static void test_history_rates(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    struct redis_snapshot a = { 0 }, b = { 0 };

    a.sample_seq = 1;
    struct stream_info *s = fx_stream(&a, "jobs", 4, 100, 1000, 10000);
    fx_group(s, "workers", 400, 600, 5);
    history_update(&h, &a);
    const struct stream_history *sh = history_find(&h, &s->key, 0);
    assert_non_null(sh);
    assert_true(isnan(sh->produced_per_sec));   /* one sample: no rate yet */

    b.sample_seq = 2;
    s = fx_stream(&b, "jobs", 4, 100, 1100, 12000);  /* +100 added in 2 s */
    fx_group(s, "workers", 300, 800, 5);              /* +200 read, lag -100 */
    history_update(&h, &b);
    sh = history_find(&h, &s->key, 0);
    assert_true(fabs(sh->produced_per_sec - 50.0) < 1e-9);
    const struct group_rates *gr = history_group(sh, &s->groups[0].name);
    assert_non_null(gr);
    assert_true(fabs(gr->consumed_per_sec - 100.0) < 1e-9);
    assert_true(fabs(gr->lag_per_sec + 50.0) < 1e-9);
    assert_true(fabs(gr->drain_eta_s - 6.0) < 1e-9);   /* 300 / (100 - 50) */
    assert_int_equal(sh->length_ring.count, 2);

    /* the same snapshot again changes nothing */
    history_update(&h, &b);
    assert_int_equal(history_find(&h, &s->key, 0)->length_ring.count, 2);

    /* a stream that disappears is forgotten */
    struct redis_snapshot c = { 0 };
    c.sample_seq = 3;
    history_update(&h, &c);
    assert_int_equal(h.count, 0);

    fx_free(&a);
    fx_free(&b);
    history_done(&h);
}

static void test_history_unknown_lag(void **state)
{
    (void)state;
    struct history h;
    history_init(&h);
    struct redis_snapshot a = { 0 }, b = { 0 };
    a.sample_seq = 1;
    fx_group(fx_stream(&a, "s", 1, 10, QT_UNKNOWN, 1000), "g", QT_UNKNOWN, QT_UNKNOWN, 0);
    b.sample_seq = 2;
    struct stream_info *s = fx_stream(&b, "s", 1, 20, QT_UNKNOWN, 2000);
    fx_group(s, "g", QT_UNKNOWN, QT_UNKNOWN, 0);
    history_update(&h, &a);
    history_update(&h, &b);
    const struct stream_history *sh = history_find(&h, &s->key, 0);
    assert_true(isnan(sh->produced_per_sec));   /* Redis < 7: entries-added unknown */
    const struct group_rates *gr = history_group(sh, &s->groups[0].name);
    assert_true(isnan(gr->consumed_per_sec));
    assert_true(isnan(gr->lag_per_sec));
    assert_true(isnan(gr->drain_eta_s));
    fx_free(&a);
    fx_free(&b);
    history_done(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_ring_runs),
        cmocka_unit_test(test_history_rates),
        cmocka_unit_test(test_history_unknown_lag),
    };
    return cmocka_run_group_tests_name("rates", tests, NULL, NULL);
}
