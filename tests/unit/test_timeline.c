/* The timeline's arithmetic: fitting, zooming and scrolling the axis, each task's bars as
 * columns (waiting, running, never started, still running, off screen), fork/join depth, the
 * status families, and the tick spacing. */
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "../../views/timeline_model.h"

static const long long T0 = 1700000000000LL;

static struct task_exec task(const char *type, const char *status, long long sched,
                             long long start, long long end)
{
    struct task_exec t;
    memset(&t, 0, sizeof t);
    t.type.ptr = (char *)type;
    t.type.len = strlen(type);
    t.status.ptr = (char *)status;
    t.status.len = strlen(status);
    t.scheduled_ms = sched;
    t.start_ms = start;
    t.end_ms = end;
    t.update_ms = QT_UNKNOWN;
    return t;
}

static struct workflow_exec exec(const char *status, long long start, long long end,
                                 struct task_exec *tasks, size_t n)
{
    struct workflow_exec w;
    memset(&w, 0, sizeof w);
    w.status.ptr = (char *)status;
    w.status.len = strlen(status);
    w.start_ms = start;
    w.end_ms = end;
    w.tasks = tasks;
    w.task_count = n;
    return w;
}

static void test_fit_finished(void **state)
{
    (void)state;
    struct task_exec t[1] = { task("SIMPLE", "COMPLETED", T0, T0 + 1000, T0 + 15000) };
    struct workflow_exec w = exec("COMPLETED", T0, T0 + 15000, t, 1);
    struct tl_axis a;
    tl_axis_fit(&a, &w, T0 + 999999, 16);
    assert_true(a.t0_ms == T0);
    assert_true(a.ms_per_col == 1000.0);   /* 15 s over 15/16 of 16 columns */
    struct tl_bar b;
    tl_task_bar(&a, &t[0], T0 + 999999, &b);
    assert_int_equal(b.wait_from, 0);
    assert_int_equal(b.wait_to, 1);
    assert_int_equal(b.run_from, 1);
    assert_int_equal(b.run_to, 15);
    assert_false(b.ongoing);
    assert_false(b.off_left || b.off_right);
}

static void test_running_grows_to_now(void **state)
{
    (void)state;
    struct task_exec t[2] = {
        task("SIMPLE", "IN_PROGRESS", T0, T0 + 2000, 0),
        task("SIMPLE", "SCHEDULED", T0 + 4000, 0, 0),
    };
    struct workflow_exec w = exec("RUNNING", T0, 0, t, 2);
    struct tl_axis a = { T0, 1000.0, 40 };
    struct tl_bar b;
    tl_task_bar(&a, &t[0], T0 + 10000, &b);
    assert_true(b.ongoing);
    assert_int_equal(b.run_from, 2);
    assert_int_equal(b.run_to, 10);
    tl_task_bar(&a, &t[0], T0 + 20000, &b);   /* a later frame: the bar is longer */
    assert_int_equal(b.run_to, 20);
    /* never started: all waiting, up to now */
    tl_task_bar(&a, &t[1], T0 + 20000, &b);
    assert_int_equal(b.run_from, b.run_to);
    assert_int_equal(b.wait_from, 4);
    assert_int_equal(b.wait_to, 20);
    assert_true(b.ongoing);
    int64_t from, to;
    tl_span(&w, T0 + 20000, &from, &to);
    assert_true(from == T0 && to == T0 + 20000);
}

static void test_clipping_and_min_width(void **state)
{
    (void)state;
    struct tl_axis a = { T0 + 10000, 1000.0, 10 };
    struct task_exec early = task("SIMPLE", "COMPLETED", T0, T0 + 1000, T0 + 15000);
    struct tl_bar b;
    tl_task_bar(&a, &early, T0, &b);
    assert_true(b.off_left);
    assert_int_equal(b.run_from, 0);
    assert_int_equal(b.run_to, 5);
    struct task_exec late = task("SIMPLE", "COMPLETED", T0 + 30000, T0 + 31000, T0 + 32000);
    tl_task_bar(&a, &late, T0, &b);
    assert_true(b.off_right);
    assert_int_equal(b.run_from, b.run_to);    /* nothing visible */
    struct task_exec blip = task("SIMPLE", "FAILED", T0 + 12000, T0 + 12000, T0 + 12001);
    tl_task_bar(&a, &blip, T0, &b);
    assert_int_equal(b.run_to - b.run_from, 1);   /* 1 ms still shows as one column */
    struct task_exec none = task("SIMPLE", "SKIPPED", QT_UNKNOWN, QT_UNKNOWN, QT_UNKNOWN);
    tl_task_bar(&a, &none, T0, &b);
    assert_int_equal(b.wait_to - b.wait_from + b.run_to - b.run_from, 0);
}

static void test_zoom_and_scroll(void **state)
{
    (void)state;
    struct tl_axis a = { T0, 1000.0, 40 };
    int64_t at20 = T0 + 20 * 1000;
    tl_axis_zoom(&a, 0.5, 20);
    assert_true(a.ms_per_col == 500.0);
    assert_int_equal(tl_col(&a, at20), 20);   /* the anchor stays under its column */
    tl_axis_zoom(&a, 4.0, 20);
    assert_true(a.ms_per_col == 2000.0);
    assert_int_equal(tl_col(&a, at20), 20);
    tl_axis_scroll(&a, 10);
    assert_int_equal(tl_col(&a, at20), 10);
    tl_axis_scroll(&a, -10);
    assert_int_equal(tl_col(&a, at20), 20);
    for (int i = 0; i < 100; i++)
        tl_axis_zoom(&a, 0.5, 0);
    assert_true(a.ms_per_col == 1.0);         /* bounded */
}

static void test_fork_depth(void **state)
{
    (void)state;
    struct task_exec t[8] = {
        task("SIMPLE", "COMPLETED", T0, T0, T0),
        task("FORK", "COMPLETED", T0, T0, T0),
        task("SIMPLE", "COMPLETED", T0, T0, T0),
        task("FORK_JOIN_DYNAMIC", "COMPLETED", T0, T0, T0),   /* nested */
        task("SIMPLE", "COMPLETED", T0, T0, T0),
        task("JOIN", "COMPLETED", T0, T0, T0),
        task("JOIN", "COMPLETED", T0, T0, T0),
        task("JOIN", "COMPLETED", T0, T0, T0),                /* unbalanced: stays at 0 */
    };
    struct workflow_exec w = exec("COMPLETED", T0, T0 + 1, t, 8);
    int depth[8];
    tl_fork_depth(&w, depth);
    const int want[8] = { 0, 0, 1, 1, 2, 1, 0, 0 };
    for (int i = 0; i < 8; i++)
        assert_int_equal(depth[i], want[i]);
}

static void test_status_classes(void **state)
{
    (void)state;
    assert_int_equal(wf_status_class("COMPLETED"), WF_ST_DONE);
    assert_int_equal(wf_status_class("IN_PROGRESS"), WF_ST_ACTIVE);
    assert_int_equal(wf_status_class("SCHEDULED"), WF_ST_ACTIVE);
    assert_int_equal(wf_status_class("TIMED_OUT"), WF_ST_FAILED);
    assert_int_equal(wf_status_class("CANCELED"), WF_ST_FAILED);    /* Conductor */
    assert_int_equal(wf_status_class("CANCELLED"), WF_ST_FAILED);   /* Prefect */
    assert_int_equal(wf_status_class("CRASHED"), WF_ST_FAILED);
    assert_int_equal(wf_status_class("COMPLETED_WITH_ERRORS"), WF_ST_WARN);
    assert_int_equal(wf_status_class("SKIPPED"), WF_ST_SKIPPED);
    assert_int_equal(wf_status_class("whatever"), WF_ST_OTHER);
    assert_int_equal(wf_status_class(NULL), WF_ST_OTHER);
}

static void test_ticks(void **state)
{
    (void)state;
    struct tl_axis a = { T0, 1000.0, 60 };
    assert_true(tl_tick_ms(&a, 10) == 10000);
    a.ms_per_col = 7.0;
    assert_true(tl_tick_ms(&a, 10) == 100);
    a.ms_per_col = 86400000.0;
    assert_true(tl_tick_ms(&a, 10) == 10LL * 86400000);
}

/* Hostile times (the database holds whatever was written): spans from 0 to near INT64_MAX,
 * times below zero, an end before its start, nothing known. Every axis stays finite and
 * bounded, ticks stay at least 10 columns apart (so an axis of N columns has at most N/10 + 1
 * labels), bars stay inside the columns, and zooming and scrolling to the ends is defined
 * (UBSan in the SAN build catches any overflow). */
static void test_extreme_times(void **state)
{
    (void)state;
    const long long MAX = 9223372036854775807LL, MIN = -MAX - 1;
    struct task_exec t[6] = {
        task("SIMPLE", "COMPLETED", T0, T0 + 1000, 9000000000000000000LL),
        task("SIMPLE", "COMPLETED", 1, 1, MAX),
        task("SIMPLE", "COMPLETED", MIN, MIN + 1, T0),
        task("SIMPLE", "COMPLETED", T0 + 60000, T0 + 60000, T0),   /* ends before it starts */
        task("SIMPLE", "IN_PROGRESS", MAX, MAX, QT_UNKNOWN),
        task("SIMPLE", "SCHEDULED", QT_UNKNOWN, QT_UNKNOWN, QT_UNKNOWN),
    };
    struct workflow_exec ws[5] = {
        exec("COMPLETED", T0, T0 + 5000, t, 1),
        exec("COMPLETED", 1, MAX, t + 1, 1),
        exec("COMPLETED", MIN, T0, t + 2, 1),
        exec("COMPLETED", T0 + 60000, T0, t + 3, 1),
        exec("RUNNING", MAX, QT_UNKNOWN, t, 6),
    };
    const int widths[] = { 1, 2, 59, 300 };
    const long long nows[] = { T0, MAX, 0, MIN };
    for (size_t wi = 0; wi < 5; wi++) {
        for (size_t ci = 0; ci < sizeof widths / sizeof widths[0]; ci++) {
            for (size_t ni = 0; ni < sizeof nows / sizeof nows[0]; ni++) {
                struct tl_axis a;
                tl_axis_fit(&a, &ws[wi], nows[ni], widths[ci]);
                int64_t from, to;
                tl_span(&ws[wi], nows[ni], &from, &to);
                assert_true(to > from);
                assert_true(from > 0 && to <= 253402300800999LL);   /* year 9999 + 1 s */
                assert_true(a.ms_per_col >= 1.0 && a.ms_per_col <= 253402300799999.0 / 8.0);
                for (int step = 0; step < 300; step++) {
                    int64_t tick = tl_tick_ms(&a, 10);
                    assert_true(tick > 0);
                    assert_true((double)tick / a.ms_per_col >= 10.0);
                    for (size_t k = 0; k < ws[wi].task_count; k++) {
                        struct tl_bar b;
                        tl_task_bar(&a, &ws[wi].tasks[k], nows[ni], &b);
                        assert_true(b.run_from >= 0 && b.run_from <= b.run_to &&
                                    b.run_to <= a.cols);
                        assert_true(b.wait_from >= 0 && b.wait_from <= b.wait_to &&
                                    b.wait_to <= a.cols);
                    }
                    long c = tl_col(&a, MAX);
                    assert_true(c >= -1000000000L && c <= 1000000000L);
                    c = tl_col(&a, MIN);
                    assert_true(c >= -1000000000L && c <= 1000000000L);
                    switch (step / 60) {
                    case 0: tl_axis_zoom(&a, 2.0, a.cols / 2); break;      /* out to the cap */
                    case 1: tl_axis_scroll(&a, 1000000); break;             /* far right */
                    case 2: tl_axis_zoom(&a, 0.5, 0); break;                /* in to 1 ms */
                    case 3: tl_axis_scroll(&a, -1000000); break;            /* far left */
                    default: tl_axis_zoom(&a, 2.0, a.cols); break;
                    }
                }
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_finished),
        cmocka_unit_test(test_running_grows_to_now),
        cmocka_unit_test(test_clipping_and_min_width),
        cmocka_unit_test(test_zoom_and_scroll),
        cmocka_unit_test(test_fork_depth),
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_extreme_times),
    };
    return cmocka_run_group_tests_name("timeline", tests, NULL, NULL);
}
