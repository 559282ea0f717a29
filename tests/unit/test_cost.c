/* The cost budget: what INFO commandstats says is turned into time per call (and per key for
 * SCAN), the token buckets never let a collector spend beyond its share in steady state, and
 * --budget takes percentages only in a sane range. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cm.h"
#include "../../collectors/cost.h"
#include "../../collectors/pg_workflows.h"

static void learn(struct cost_budget *b, long long scan_calls, long long scan_usec,
                  long long xinfo_calls, long long xinfo_usec)
{
    char text[512];
    snprintf(text, sizeof text,
             "# Commandstats\r\n"
             "cmdstat_scan:calls=%lld,usec=%lld,usec_per_call=1.0,rejected_calls=0,failed_calls=0\r\n"
             "cmdstat_xinfo|stream:calls=%lld,usec=%lld,usec_per_call=1.0,rejected_calls=0\r\n"
             "cmdstat_get:calls=5,usec=10,usec_per_call=2.00\r\n",
             scan_calls, scan_usec, xinfo_calls, xinfo_usec);
    cost_budget_learn(b, text, strlen(text));
}

static void test_learns_from_deltas(void **state)
{
    (void)state;
    struct cost_budget b;
    cost_budget_init(&b, 0.02, 1000);
    double table = cost_of(&b, COST_XINFO_STREAM);
    assert_true(table > COST_DISPATCH_US);
    /* the first reading is only a baseline: totals since the server started say nothing
     * about the keys of today */
    learn(&b, 100, 1000000, 1000, 900000);
    assert_true(cost_of(&b, COST_XINFO_STREAM) == table);
    cost_note_scan_count(&b, 400);
    /* 100 more SCANs of COUNT 400 cost 40 ms: 1 µs per key; 1000 more XINFO STREAM 8 ms */
    learn(&b, 200, 1040000, 2000, 908000);
    assert_true(fabs(cost_of(&b, COST_SCAN_KEY) - 1.0) < 1e-9);
    assert_true(fabs(cost_of(&b, COST_XINFO_STREAM) - (8.0 + COST_DISPATCH_US)) < 1e-9);
    /* SCAN sized to COST_SCAN_TARGET_US at 1 µs per key, within its bounds */
    assert_int_equal(cost_scan_count(&b, 10, 1000), COST_SCAN_TARGET_US);
    assert_int_equal(cost_scan_count(&b, 10, 200), 200);
    /* too few calls since the last reading: the figure stays */
    learn(&b, 203, 1042400, 2005, 908020);
    assert_true(fabs(cost_of(&b, COST_SCAN_KEY) - 1.0) < 1e-9);
    assert_true(fabs(cost_of(&b, COST_XINFO_STREAM) - (8.0 + COST_DISPATCH_US)) < 1e-9);
    /* ... and they add up: 6 SCANs since the figure was learned took 4.8 ms (2 µs per key),
     * 30 XINFO STREAM 120 µs */
    learn(&b, 206, 1044800, 2030, 908120);
    assert_true(fabs(cost_of(&b, COST_SCAN_KEY) - 2.0) < 1e-9);
    assert_true(fabs(cost_of(&b, COST_XINFO_STREAM) - (4.0 + COST_DISPATCH_US)) < 1e-9);
    /* a counter that went backwards (CONFIG RESETSTAT, a restart) is a new baseline */
    learn(&b, 3, 30, 3, 30);
    assert_true(fabs(cost_of(&b, COST_XINFO_STREAM) - (4.0 + COST_DISPATCH_US)) < 1e-9);
    /* XINFO GROUPS grows with the groups */
    assert_true(cost_xinfo_groups(&b, 10000) > COST_COMMAND_MAX_US);
    assert_true(cost_xinfo_groups(&b, 10) < 20);
    cost_budget_done(&b);
}

static void test_redis6_and_junk(void **state)
{
    (void)state;
    struct cost_budget b;
    cost_budget_init(&b, 0.02, 0);
    const char *six1 = "cmdstat_xinfo:calls=100,usec=100\ncmdstat_xlen:calls=x,usec=1\n";
    const char *six2 = "cmdstat_xinfo:calls=200,usec=600\ncmdstat_xlen:calls=,usec=\n"
                       "cmdstat_:calls=1\ncmdstat_pttl\n";
    cost_budget_learn(&b, six1, strlen(six1));
    cost_budget_learn(&b, six2, strlen(six2));
    /* one "xinfo" line stands for every XINFO subcommand */
    assert_true(fabs(cost_of(&b, COST_XINFO_STREAM) - (5.0 + COST_DISPATCH_US)) < 1e-9);
    assert_true(fabs(cost_of(&b, COST_XINFO_GROUPS) - (5.0 + COST_DISPATCH_US)) < 1e-9);
    double xlen = cost_of(&b, COST_XLEN);
    assert_true(xlen > 0 && xlen < 10);
    cost_budget_learn(&b, "", 0);
    cost_budget_done(&b);
}

static void test_buckets(void **state)
{
    (void)state;
    struct cost_budget b;
    int64_t t = 1000000;
    cost_budget_init(&b, 0.02, t);
    double rate = 0.02 * 1000.0;   /* µs per ms for the whole share */
    /* a new bucket holds COST_START_S seconds of the collector's fraction */
    double start = cost_budget_allow(&b, COST_WHO_STREAMS, t, 1e12);
    assert_true(fabs(start - COST_FRACTION_STREAMS * rate * 1000 * COST_START_S) < 1);
    assert_true(cost_budget_allow(&b, COST_WHO_STREAMS, t, 100) == 100);
    /* spent: nothing left, and a debt is paid back before anything else */
    cost_budget_charge(&b, COST_WHO_STREAMS, start + 1000, t);
    assert_true(cost_budget_allow(&b, COST_WHO_STREAMS, t, 1e12) == 0);
    /* the keys collector's bucket is its own */
    assert_true(cost_budget_allow(&b, COST_WHO_KEYS, t, 1e12) > 0);
    /* a minute later: the refill stopped at COST_BUCKET_S seconds' worth */
    t += 60000;
    double later = cost_budget_allow(&b, COST_WHO_STREAMS, t, 1e12);
    assert_true(fabs(later - COST_FRACTION_STREAMS * rate * 1000 * COST_BUCKET_S) < 1);
    /* steady state: spending what comes in each second keeps the share */
    cost_budget_charge(&b, COST_WHO_STREAMS, later, t);
    double spent = 0;
    for (int s = 0; s < 120; s++) {
        t += 1000;
        double a = cost_budget_allow(&b, COST_WHO_STREAMS, t, 1e12);
        cost_budget_charge(&b, COST_WHO_STREAMS, a, t);
        spent += a;
    }
    assert_true(spent <= COST_FRACTION_STREAMS * 0.02 * 1e6 * 120 + 1);
    struct cost_report r;
    cost_budget_report(&b, t + 1000, &r);
    assert_int_equal(r.window_s, COST_WINDOW_S);
    assert_true(fabs(r.share_by[COST_WHO_STREAMS] - COST_FRACTION_STREAMS * 0.02) < 1e-6);
    assert_true(r.budget_share == 0.02);
    /* charges of nothing, or of junk, change nothing */
    cost_budget_charge(&b, COST_WHO_STREAMS, NAN, t);
    cost_budget_charge(&b, COST_WHO_STREAMS, -5, t);
    cost_budget_charge(&b, COST_WHO_COUNT, 5, t);
    cost_budget_done(&b);
}

static void test_parse_share(void **state)
{
    (void)state;
    double v;
    assert_int_equal(cost_parse_share("2", &v), 0);
    assert_true(fabs(v - 0.02) < 1e-12);
    assert_int_equal(cost_parse_share("0.5%", &v), 0);
    assert_true(fabs(v - 0.005) < 1e-12);
    assert_int_equal(cost_parse_share("50", &v), 0);
    const char *bad[] = { "", "0", "0.05", "51", "2%%", "2x", "nan", "inf", "-1", "1e300", NULL };
    for (int i = 0; bad[i]; i++)
        if (cost_parse_share(bad[i], &v) == 0)
            fail_msg("'%s' taken as a budget", bad[i]);
}

/* PostgreSQL counts: every slow_ms while they are cheap, less often when they are not. */
static void test_pg_slow_pace(void **state)
{
    (void)state;
    assert_int_equal(pg_slow_every_ms(10000, 0, 0.02), 10000);
    assert_int_equal(pg_slow_every_ms(10000, 150, 0.02), 10000);     /* 1.5% at 10 s */
    assert_int_equal(pg_slow_every_ms(10000, 300, 0.02), 15000);     /* 2% at 15 s */
    assert_int_equal(pg_slow_every_ms(10000, 300, 0.005), 60000);
    assert_int_equal(pg_slow_every_ms(10000, 100000, 0.02), PG_SLOW_EVERY_MAX_MS);
    assert_int_equal(pg_slow_every_ms(10000, 300, 0), 10000);        /* no budget: the pace */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_from_deltas),
        cmocka_unit_test(test_redis6_and_junk),
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_parse_share),
        cmocka_unit_test(test_pg_slow_pace),
    };
    return cmocka_run_group_tests_name("cost", tests, NULL, NULL);
}
