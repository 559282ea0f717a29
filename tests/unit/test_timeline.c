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
    };
    return cmocka_run_group_tests_name("timeline", tests, NULL, NULL);
}
