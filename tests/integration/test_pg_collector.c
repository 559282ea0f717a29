/* The PostgreSQL collector thread against a real PostgreSQL with Conductor's schema: it
 * publishes the summary, reads the execution the UI opened every tick (a running one grows),
 * runs the UI's search; a statement timeout is shown while the connection and the other
 * figures stay; a PostgreSQL killed and started again is reconnected to. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/cm.h"
#include "harness.h"
#include "pg_harness.h"
#include "conductor_fixture.h"
#include "../../collectors/pg_workflows.h"
#include "../../collectors/util.h"
#include "../../views/timeline_model.h"

static struct pg_server pg;
static PGconn *db;
static long long now0;

static int group_setup(void **state)
{
    (void)state;
    if (pg_server_start(&pg) < 0)
        return -1;
    db = pg_server_client(&pg);
    pg_exec_file(db, "tests/fixtures/conductor_schema.sql");
    now0 = wall_ms();

    /* running for ten minutes: a fork whose one branch is still in progress */
    struct cf_workflow run = { "wf-live", "order_fulfilment", "RUNNING", 3, "order-7",
                               now0 - 600000, 0, NULL, NULL, false };
    cf_add_workflow(db, &run);
    const struct cf_task tasks[] = {
        { "l-1", 1, "reserve", "SIMPLE", "COMPLETED", 0, now0 - 600000, now0 - 599000,
          now0 - 590000, "w1", NULL, NULL, NULL, NULL },
        { "l-2", 2, "fan_out", "FORK", "COMPLETED", 0, now0 - 590000, now0 - 590000,
          now0 - 590000, NULL, NULL, NULL, NULL, NULL },
        { "l-3", 3, "email", "SIMPLE", "COMPLETED", 0, now0 - 590000, now0 - 589000,
          now0 - 580000, "w2", NULL, NULL, NULL, NULL },
        { "l-4", 4, "webhook", "SIMPLE", "IN_PROGRESS", 0, now0 - 590000, now0 - 500000, 0,
          "w3", NULL, NULL, NULL, NULL },
        { "l-5", 5, "fan_in", "JOIN", "IN_PROGRESS", 0, now0 - 590000, now0 - 590000, 0, NULL,
          NULL, NULL, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++)
        cf_add_task(db, "wf-live", &tasks[i]);
    pg_exec(db,
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time, status,"
        "  json_data, update_time, end_time) VALUES"
        " ('wf-live', 'order-7', 'order_fulfilment', now() - interval '10 minutes', 'RUNNING',"
        "   '{}', now(), 'epoch'),"
        " ('wf-a', NULL, 'order_fulfilment', now() - interval '3 minutes', 'COMPLETED',"
        "   '{}', now(), now() - interval '2 minutes'),"
        " ('wf-b', NULL, 'order_fulfilment', now() - interval '2 minutes', 'COMPLETED',"
        "   '{}', now(), now() - interval '1 minute'),"
        " ('wf-c', NULL, 'refund', now() - interval '4 minutes', 'FAILED',"
        "   '{}', now(), now() - interval '1 minute'),"
        " ('wf-old', NULL, 'refund', now() - interval '2 hours', 'COMPLETED',"
        "   '{}', now(), now() - interval '119 minutes')");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    PQfinish(db);
    pg_server_stop(&pg);
    return 0;
}

struct fixture {
    struct hub hub;
    struct pg_collector *c;
};

static struct fixture *start(int statement_timeout_ms)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    assert_int_equal(hub_init(&f->hub), 0);
    struct pg_config cfg;
    pg_config_defaults(&cfg);
    cfg.conninfo = pg.conninfo;
    cfg.interval_ms = 100;
    cfg.slow_ms = 300;
    cfg.statement_timeout_ms = statement_timeout_ms;
    f->c = pg_collector_new(&cfg, &f->hub);
    assert_int_equal(pg_collector_start(f->c), 0);
    return f;
}

static void stop(struct fixture *f)
{
    pg_collector_stop(f->c);
    pg_collector_delete(f->c);
    hub_done(&f->hub);
    free(f);
}

typedef bool (*pg_pred)(const struct pg_snapshot *p, void *arg);

/* Waits (at most timeout_ms) for a snapshot that satisfies pred; returns it held (release
 * with hub_release), or fails the test. */
static struct snapshot *wait_pg(struct fixture *f, pg_pred pred, void *arg, int timeout_ms,
                                const char *what)
{
    int64_t end = mono_ms() + timeout_ms;
    while (mono_ms() < end) {
        struct pollfd p = { f->hub.wake_pipe[0], POLLIN, 0 };
        if (poll(&p, 1, 100) > 0)
            hub_drain_wakeups(&f->hub);
        struct snapshot *s = hub_acquire(&f->hub, SNAPSHOT_PG);
        if (s && pred(&s->pg, arg))
            return s;
        hub_release(&f->hub, s);
    }
    struct snapshot *s = hub_acquire(&f->hub, SNAPSHOT_PG);
    fail_msg("timed out waiting for %s (last state %d, error '%s')", what, s ? (int)s->pg.state : -1,
             s ? s->pg.error : "");
    return NULL;
}

static long long count_of(const struct workflow_summary *s, const char *type, const char *status)
{
    for (size_t i = 0; i < s->count_n; i++)
        if (strcmp(s->counts[i].type.ptr, type) == 0 && strcmp(s->counts[i].status, status) == 0)
            return s->counts[i].count;
    return 0;
}

static bool has_counts(const struct pg_snapshot *p, void *arg)
{
    (void)arg;
    return p->state == CONN_UP && !p->error[0] && p->summary.count_n > 0;
}

static bool open_read(const struct pg_snapshot *p, void *arg)
{
    return p->state == CONN_UP && strcmp(p->open_id, (const char *)arg) == 0 &&
           (p->open_found == 1 || p->open_found == -1);
}

static bool newer(const struct pg_snapshot *p, void *arg)
{
    return p->state == CONN_UP && p->sample_seq > *(const uint64_t *)arg && p->open_found == 1;
}

static bool open_missing(const struct pg_snapshot *p, void *arg)
{
    return strcmp(p->open_id, (const char *)arg) == 0 && p->open_found == 0 &&
           p->sample_seq > 2;
}

static bool found_some(const struct pg_snapshot *p, void *arg)
{
    return strcmp(p->find_text, (const char *)arg) == 0 && p->find_n >= 0;
}

static void test_summary_open_and_find(void **state)
{
    (void)state;
    struct fixture *f = start(0);
    struct snapshot *s = wait_pg(f, has_counts, NULL, 10000, "the summary");
    const struct pg_snapshot *p = &s->pg;
    assert_string_equal(p->source, "conductor");
    assert_int_equal(count_of(&p->summary, "order_fulfilment", "RUNNING"), 1);
    assert_int_equal(count_of(&p->summary, "order_fulfilment", "COMPLETED"), 2);
    assert_int_equal(count_of(&p->summary, "refund", "FAILED"), 1);
    assert_int_equal(count_of(&p->summary, "refund", "COMPLETED"), 1);
    /* rates over the last 5 minutes: wf-old started and ended 2 hours ago, wf-live 10 min ago */
    assert_int_equal(p->summary.rate_window_min, 5);
    assert_int_equal(p->summary.rate_n, 2);
    const struct type_rate *of = &p->summary.rates[0], *rf = &p->summary.rates[1];
    assert_string_equal(of->type.ptr, "order_fulfilment");
    assert_true(of->started == 2 && of->completed == 2 && of->failed == 0);
    assert_string_equal(rf->type.ptr, "refund");
    assert_true(rf->started == 1 && rf->completed == 0 && rf->failed == 1);
    assert_int_equal(p->summary.running_n, 1);
    assert_string_equal(p->summary.running[0].id.ptr, "wf-live");
    assert_int_equal(p->summary.failures_n, 1);
    hub_release(&f->hub, s);

    /* the opened execution, read every tick: the running branch's bar ends at the clock */
    hub_set_workflow(&f->hub, "wf-live");
    s = wait_pg(f, open_read, "wf-live", 10000, "the opened execution");
    p = &s->pg;
    assert_int_equal(p->open_found, 1);
    const struct workflow_exec *w = &p->open;
    assert_int_equal(w->task_count, 5);
    int depth[5];
    tl_fork_depth(w, depth);
    assert_int_equal(depth[0], 0);   /* reserve */
    assert_int_equal(depth[1], 0);   /* FORK */
    assert_int_equal(depth[2], 1);   /* a branch */
    assert_int_equal(depth[3], 1);   /* a branch, still running */
    assert_int_equal(depth[4], 0);   /* JOIN */
    assert_true(p->summary.db_now_ms >= now0);
    struct tl_axis a;
    tl_axis_fit(&a, w, p->summary.db_now_ms, 60);
    struct tl_bar b;
    tl_task_bar(&a, &w->tasks[3], p->summary.db_now_ms, &b);
    assert_true(b.ongoing);
    assert_true(b.run_to >= 55 && b.run_to <= 57);   /* now sits at 15/16 of the fitted axis */
    uint64_t seq = p->sample_seq;
    hub_release(&f->hub, s);

    /* the next tick reads it again (a newer sample, same execution) */
    s = wait_pg(f, newer, &seq, 10000, "the execution read again");
    assert_string_equal(s->pg.open_id, "wf-live");
    assert_int_equal(s->pg.open.task_count, 5);
    hub_release(&f->hub, s);

    /* a 200-byte id (Conductor's column takes 255) opens like any other */
    char long_id[201];
    memset(long_id, 'x', 200);
    long_id[200] = '\0';
    struct cf_workflow longw = { long_id, "long_ids", "COMPLETED", 1, NULL, now0 - 1000, now0,
                                 NULL, NULL, false };
    cf_add_workflow(db, &longw);
    hub_set_workflow(&f->hub, long_id);
    s = wait_pg(f, open_read, long_id, 10000, "the execution with a long id");
    assert_int_equal(s->pg.open_found, 1);
    assert_string_equal(s->pg.open.name.ptr, "long_ids");
    hub_release(&f->hub, s);

    hub_set_workflow(&f->hub, "no-such");
    s = wait_pg(f, open_missing, "no-such", 10000, "a missing execution");
    hub_release(&f->hub, s);

    hub_set_find(&f->hub, "order-7");
    s = wait_pg(f, found_some, "order-7", 10000, "the search");
    assert_int_equal(s->pg.find_n, 1);
    assert_string_equal(s->pg.found[0].id.ptr, "wf-live");
    hub_release(&f->hub, s);
    stop(f);
}

static bool timed_out(const struct pg_snapshot *p, void *arg)
{
    (void)arg;
    return p->state == CONN_UP && strstr(p->error, "statement timeout") != NULL;
}

static bool two_running(const struct pg_snapshot *p, void *arg)
{
    (void)arg;
    return p->state == CONN_UP && p->summary.running_n == 2;
}

/* A lock held by someone else makes the summary queries time out (200 ms here): the panel
 * says so, the connection stays, the opened execution keeps being read, and the figures come
 * back once the lock goes. */
static void test_statement_timeout_survived(void **state)
{
    (void)state;
    struct fixture *f = start(200);
    hub_set_workflow(&f->hub, "wf-live");
    struct snapshot *s = wait_pg(f, has_counts, NULL, 10000, "the summary");
    hub_release(&f->hub, s);

    PGconn *locker = pg_server_client(&pg);
    pg_exec(locker, "BEGIN; LOCK TABLE workflow_index IN ACCESS EXCLUSIVE MODE");
    s = wait_pg(f, timed_out, NULL, 10000, "a statement timeout");
    assert_int_equal(s->pg.state, CONN_UP);
    assert_int_equal(s->pg.open_found, 1);                 /* other tables still read */
    assert_int_equal(s->pg.open.task_count, 5);
    assert_int_equal(count_of(&s->pg.summary, "refund", "FAILED"), 1);   /* kept, not wiped */
    hub_release(&f->hub, s);
    pg_exec(locker, "COMMIT");
    PQfinish(locker);

    s = wait_pg(f, has_counts, NULL, 10000, "the summary after the lock");
    hub_release(&f->hub, s);

    /* a lock on `workflow` stalls only the failures' details (and the opened execution): the
     * running list, read from workflow_index, keeps moving */
    locker = pg_server_client(&pg);
    pg_exec(locker, "BEGIN; LOCK TABLE workflow IN ACCESS EXCLUSIVE MODE");
    s = wait_pg(f, timed_out, NULL, 10000, "a statement timeout on workflow");
    hub_release(&f->hub, s);
    pg_exec(db, "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
                " status, json_data, update_time, end_time) VALUES ('wf-stuck', NULL,"
                " 'order_fulfilment', now() - interval '1 hour', 'RUNNING', '{}', now(), 'epoch')");
    s = wait_pg(f, two_running, NULL, 10000, "the new running execution under the lock");
    assert_string_equal(s->pg.summary.running[0].id.ptr, "wf-stuck");   /* oldest first */
    hub_release(&f->hub, s);
    pg_exec(locker, "COMMIT");
    PQfinish(locker);
    pg_exec(db, "DELETE FROM workflow_index WHERE workflow_id = 'wf-stuck'");
    stop(f);
}

static bool is_down(const struct pg_snapshot *p, void *arg)
{
    (void)arg;
    return p->state == CONN_DOWN && strstr(p->error, "cannot connect to PostgreSQL") != NULL;
}

/* PostgreSQL killed (immediate shutdown) and started again on the same port: the collector
 * reports it down with libpq's reason, keeps the last figures, and reconnects by itself. */
static void test_restart_survived(void **state)
{
    (void)state;
    struct fixture *f = start(0);
    struct snapshot *s = wait_pg(f, has_counts, NULL, 10000, "the summary");
    hub_release(&f->hub, s);

    pg_server_kill(&pg);
    s = wait_pg(f, is_down, NULL, 10000, "PostgreSQL down, reconnecting");
    assert_true(s->pg.summary.count_n > 0);   /* the last figures stay on screen */
    assert_true(s->pg.retry_in_ms > 0);
    hub_release(&f->hub, s);

    assert_int_equal(pg_server_resume(&pg), 0);
    PQfinish(db);
    db = pg_server_client(&pg);
    s = wait_pg(f, has_counts, NULL, 15000, "the summary after the restart");
    assert_int_equal(count_of(&s->pg.summary, "order_fulfilment", "RUNNING"), 1);
    hub_release(&f->hub, s);
    stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_open_and_find),
        cmocka_unit_test(test_statement_timeout_survived),
        cmocka_unit_test(test_restart_survived),
    };
    return cmocka_run_group_tests_name("pg_collector_integration", tests, group_setup,
                                       group_teardown);
}
