/* queuetop --pg ... --workflow ID --once --json against a real PostgreSQL holding Conductor's
 * schema (tests/fixtures/conductor_schema.sql) and executions whose JSON has the shapes Conductor
 * writes, generated here with jansson: both the 2.x field names (workflowType, version) and the
 * later ones (workflowName, workflowVersion), a running execution, a failed one with a retry,
 * tasks stored out of order, and a worker id with escape sequences. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../unit/cm.h"
#include "harness.h"
#include "pg_harness.h"
#include "conductor_fixture.h"
#include "json_fields.h"
#include "../../collectors/pg_conn.h"

static struct pg_server pg;
static PGconn *db;
static const long long T0 = 1700000000000LL;   /* the executions' start, epoch ms */

/* ---- fixtures: Conductor-shaped rows ----------------------------------------------------- */

static void add_workflow(const char *id, const char *name, int version, const char *status,
                         long long end_ms, const char *reason, bool legacy)
{
    struct cf_workflow w = { id, name, status, version, "order-42", T0, end_ms, reason, NULL,
                             legacy };
    cf_add_workflow(db, &w);
}

static void add_task(const char *wf, const char *task_id, int seq, const char *ref,
                     const char *type, const char *status, int retry, long long sched,
                     long long start, long long end, const char *worker, const char *reason)
{
    struct cf_task t = { task_id, seq, ref, type, status, retry, sched, start, end, worker,
                         reason, NULL, NULL, NULL };
    cf_add_task(db, wf, &t);
}

static int group_setup(void **state)
{
    (void)state;
    if (pg_server_start(&pg) < 0)
        return -1;
    db = pg_server_client(&pg);
    pg_exec_file(db, "tests/fixtures/conductor_schema.sql");

    /* running, current field names; tasks inserted out of seq order */
    add_workflow("wf-run-1", "order_fulfilment", 3, "RUNNING", 0, NULL, false);
    add_task("wf-run-1", "t-3", 3, "ship", "SIMPLE", "SCHEDULED", 0, T0 + 3000, 0, 0, NULL, NULL);
    add_task("wf-run-1", "t-1", 1, "reserve_stock", "SIMPLE", "COMPLETED", 0, T0 + 10, T0 + 50,
             T0 + 900, "worker-a", NULL);
    add_task("wf-run-1", "t-2", 2, "charge_card", "HTTP", "IN_PROGRESS", 0, T0 + 910, T0 + 1200, 0,
             "evil\x1b]0;pwned\x07worker", NULL);

    /* failed, 2.x field names, a task that failed once and was retried */
    add_workflow("wf-fail-2", "refund", 1, "FAILED", T0 + 8000, "Task charge failed twice", true);
    add_task("wf-fail-2", "f-1", 1, "lookup", "SIMPLE", "COMPLETED", 0, T0, T0 + 5, T0 + 100,
             "worker-b", NULL);
    add_task("wf-fail-2", "f-2", 2, "charge", "SIMPLE", "FAILED", 0, T0 + 110, T0 + 200, T0 + 2000,
             "worker-c", "card declined");
    add_task("wf-fail-2", "f-3", 3, "charge", "SIMPLE", "FAILED", 1, T0 + 2100, T0 + 2200, T0 + 7900,
             "worker-c", "card declined again");

    /* a fork/join whose second branch started a sub-workflow (a child execution) */
    struct cf_workflow fork = { "wf-fork-3", "nightly_report", "COMPLETED", 2, "batch-7", T0,
                                T0 + 9000, NULL, NULL, false };
    cf_add_workflow(db, &fork);
    const struct cf_task fork_tasks[] = {
        { "k-1", 1, "prepare", "SIMPLE", "COMPLETED", 0, T0, T0 + 10, T0 + 500, "w1", NULL, NULL,
          "{\"day\": \"2026-11-22\"}", "{\"rows\": 1200}" },
        { "k-2", 2, "fan_out", "FORK", "COMPLETED", 0, T0 + 500, T0 + 500, T0 + 500, NULL, NULL,
          NULL, NULL, NULL },
        { "k-3", 3, "render_pdf", "SIMPLE", "COMPLETED", 0, T0 + 510, T0 + 600, T0 + 4000, "w2",
          NULL, NULL, NULL, NULL },
        { "k-4", 4, "archive", "SUB_WORKFLOW", "COMPLETED", 0, T0 + 510, T0 + 520, T0 + 8000,
          NULL, NULL, "wf-child-4", NULL, "{\"subWorkflowId\": \"wf-child-4\"}" },
        { "k-5", 5, "fan_in", "JOIN", "COMPLETED", 0, T0 + 510, T0 + 8000, T0 + 8000, NULL, NULL,
          NULL, "{\"joinOn\": [\"render_pdf\", \"archive\"]}", NULL },
        { "k-6", 6, "notify", "SIMPLE", "COMPLETED", 0, T0 + 8000, T0 + 8100, T0 + 9000, "w1",
          NULL, NULL, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof fork_tasks / sizeof fork_tasks[0]; i++)
        cf_add_task(db, "wf-fork-3", &fork_tasks[i]);
    struct cf_workflow child = { "wf-child-4", "archive_report", "COMPLETED", 1, NULL,
                                 T0 + 520, T0 + 7990, NULL, "wf-fork-3", false };
    cf_add_workflow(db, &child);
    const struct cf_task child_task = { "c-1", 1, "upload", "SIMPLE", "COMPLETED", 0, T0 + 520,
                                        T0 + 530, T0 + 7990, "w3", NULL, NULL, NULL, NULL };
    cf_add_task(db, "wf-child-4", &child_task);

    /* Conductor's index rows (filled when indexing goes to PostgreSQL), times relative to now */
    pg_exec(db,
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time, status,"
        "  json_data, update_time, end_time) VALUES"
        " ('wf-run-1',  'order-42', 'order_fulfilment', now() - interval '2 hours',  'RUNNING',"
        "   '{}', now(), 'epoch'),"
        " ('wf-run-old', NULL,      'order_fulfilment', now() - interval '30 hours', 'RUNNING',"
        "   '{}', now(), 'epoch'),"
        " ('wf-fail-2', 'order-42', 'refund',           now() - interval '3 hours',  'FAILED',"
        "   '{}', now(), now() - interval '1 hour'),"
        " ('done-new',  NULL,       'order_fulfilment', now() - interval '1 hour',   'COMPLETED',"
        "   '{}', now(), now() - interval '50 minutes'),"
        " ('done-old',  NULL,       'order_fulfilment', now() - interval '48 hours', 'COMPLETED',"
        "   '{}', now(), now() - interval '47 hours'),"
        " ('fail-old',  NULL,       'refund',           now() - interval '50 hours', 'TIMED_OUT',"
        "   '{}', now(), now() - interval '49 hours')");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    PQfinish(db);
    pg_server_stop(&pg);
    return 0;
}

/* ---- tests --------------------------------------------------------------------------------- */

static json_t *workflow_json(const char *id, int want_status, char **err_out)
{
    const char *argv[] = { harness_queuetop(), "--pg", pg.conninfo, "--workflow", id, "--once",
                           "--json", NULL };
    char *out, *err;
    int status = harness_run(argv, &out, &err, 20000);
    if (status != want_status)
        fail_msg("queuetop exited %d (wanted %d): %s", status, want_status, err);
    json_t *doc = status == 0 ? json_loads(out, 0, NULL) : NULL;
    free(out);
    if (err_out)
        *err_out = err;
    else
        free(err);
    return doc;
}




static void test_running_execution(void **state)
{
    (void)state;
    json_t *doc = workflow_json("wf-run-1", 0, NULL);
    json_t *w = json_object_get(doc, "workflow");
    assert_string_equal(str(w, "id"), "wf-run-1");
    assert_string_equal(str(w, "name"), "order_fulfilment");
    assert_int_equal(num(w, "version"), 3);
    assert_string_equal(str(w, "status"), "RUNNING");
    assert_string_equal(str(w, "correlation_id"), "order-42");
    assert_true(num(w, "start_ms") == T0);
    assert_null_field(w, "end_ms");            /* running: endTime 0 is not 1970 */
    assert_null_field(w, "reason");
    json_t *tasks = json_object_get(w, "tasks");
    assert_int_equal(json_array_size(tasks), 3);
    const char *refs[] = { "reserve_stock", "charge_card", "ship" };
    for (int i = 0; i < 3; i++) {
        json_t *t = json_array_get(tasks, (size_t)i);
        assert_int_equal(num(t, "seq"), i + 1);   /* seq order, whatever the row order */
        assert_string_equal(str(t, "ref"), refs[i]);
    }
    json_t *t1 = json_array_get(tasks, 0), *t2 = json_array_get(tasks, 1), *t3 = json_array_get(tasks, 2);
    assert_string_equal(str(t1, "task_id"), "t-1");
    assert_string_equal(str(t1, "type"), "SIMPLE");
    assert_string_equal(str(t1, "status"), "COMPLETED");
    assert_true(num(t1, "scheduled_ms") == T0 + 10 && num(t1, "start_ms") == T0 + 50 &&
                num(t1, "end_ms") == T0 + 900);
    assert_string_equal(str(t1, "worker_id"), "worker-a");
    assert_string_equal(str(t2, "status"), "IN_PROGRESS");
    assert_null_field(t2, "end_ms");
    assert_string_equal(str(t2, "worker_id"), "evil\x1b]0;pwned\x07worker");   /* exact in JSON */
    assert_string_equal(str(t3, "status"), "SCHEDULED");
    assert_null_field(t3, "start_ms");
    assert_null_field(t3, "worker_id");
    json_decref(doc);
}

static void test_failed_execution_legacy_names(void **state)
{
    (void)state;
    json_t *doc = workflow_json("wf-fail-2", 0, NULL);
    json_t *w = json_object_get(doc, "workflow");
    assert_string_equal(str(w, "name"), "refund");          /* from workflowType */
    assert_int_equal(num(w, "version"), 1);                 /* from version */
    assert_string_equal(str(w, "status"), "FAILED");
    assert_true(num(w, "end_ms") == T0 + 8000);
    assert_string_equal(str(w, "reason"), "Task charge failed twice");
    json_t *tasks = json_object_get(w, "tasks");
    assert_int_equal(json_array_size(tasks), 3);
    json_t *retry = json_array_get(tasks, 2);
    assert_string_equal(str(retry, "ref"), "charge");
    assert_int_equal(num(retry, "retry_count"), 1);
    assert_string_equal(str(retry, "reason"), "card declined again");
    assert_int_equal(num(json_array_get(tasks, 1), "retry_count"), 0);
    json_decref(doc);
}

/* A fork/join with a sub-workflow: the FORK and JOIN rows, the branches between them, the
 * sub-workflow's id on its task and the child's parent; inputs and outputs as JSON. */
static void test_fork_join_and_sub_workflow(void **state)
{
    (void)state;
    json_t *doc = workflow_json("wf-fork-3", 0, NULL);
    json_t *w = json_object_get(doc, "workflow");
    assert_string_equal(str(w, "name"), "nightly_report");
    assert_int_equal(num(w, "version"), 2);
    json_t *tasks = json_object_get(w, "tasks");
    assert_int_equal(json_array_size(tasks), 6);
    const char *types[] = { "SIMPLE", "FORK", "SIMPLE", "SUB_WORKFLOW", "JOIN", "SIMPLE" };
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(str(json_array_get(tasks, i), "type"), types[i]);
    json_t *sub = json_array_get(tasks, 3);
    assert_string_equal(str(sub, "sub_workflow_id"), "wf-child-4");
    assert_null_field(json_array_get(tasks, 2), "sub_workflow_id");
    json_t *join_in = json_object_get(json_array_get(tasks, 4), "input");
    assert_int_equal(json_array_size(json_object_get(join_in, "joinOn")), 2);
    json_t *prep = json_array_get(tasks, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(prep, "input"), "day")),
                        "2026-11-22");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(prep, "output"), "rows")),
                     1200);
    json_decref(doc);

    doc = workflow_json("wf-child-4", 0, NULL);
    w = json_object_get(doc, "workflow");
    assert_string_equal(str(w, "parent_id"), "wf-fork-3");
    assert_null_field(w, "correlation_id");
    assert_int_equal(json_array_size(json_object_get(w, "tasks")), 1);
    json_decref(doc);
}

static void test_text_and_errors(void **state)
{
    (void)state;
    char *out, *err;
    const char *argv[] = { harness_queuetop(), "--pg", pg.conninfo, "--workflow", "wf-run-1",
                           "--once", NULL };
    assert_int_equal(harness_run(argv, &out, &err, 20000), 0);
    assert_non_null(strstr(out, "order_fulfilment v3  RUNNING"));
    assert_non_null(strstr(out, "reserve_stock"));
    assert_null(strchr(out, 0x1b));                      /* escaped in text */
    assert_non_null(strstr(out, "evil\\x1b]0;pwned"));
    free(out);
    free(err);

    workflow_json("no-such-id", 1, &err);
    assert_non_null(strstr(err, "no workflow execution with id 'no-such-id'"));
    free(err);

}

static const char *show(PGconn *c, const char *setting, char *buf, size_t len)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SHOW %s", setting);
    PGresult *r = PQexec(c, sql);
    snprintf(buf, len, "%s", PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?");
    PQclear(r);
    return buf;
}

/* The session queuetop opens is read-only with a statement timeout and its name, even when the
 * user's conninfo tries to say otherwise. */
static void test_session_is_safe(void **state)
{
    (void)state;
    char err[300], buf[64], conninfo[700];
    snprintf(conninfo, sizeof conninfo, "%s application_name=mine options='-c default_transaction_read_only=off'",
             pg.conninfo);
    PGconn *c = pg_conn_open(conninfo, err, sizeof err);
    assert_non_null(c);
    assert_string_equal(show(c, "default_transaction_read_only", buf, sizeof buf), "on");
    assert_string_equal(show(c, "statement_timeout", buf, sizeof buf), "5s");
    assert_string_equal(show(c, "application_name", buf, sizeof buf), "queuetop");
    PGresult *r = PQexec(c, "CREATE TABLE must_not_exist (x int)");
    assert_int_equal(PQresultStatus(r), PGRES_FATAL_ERROR);
    assert_non_null(strstr(PQresultErrorMessage(r), "read-only transaction"));
    PQclear(r);
    PQfinish(c);

    /* a wrong port: one line, libpq's reason */
    snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d dbname=postgres connect_timeout=2",
             harness_free_port());
    assert_null(pg_conn_open(conninfo, err, sizeof err));
    assert_non_null(strstr(err, "cannot connect to PostgreSQL"));
    assert_null(strchr(err, '\n'));
}

/* --pg alone: the summary, and Redis is not contacted (no redis key, no connection attempt). */
static void test_summary(void **state)
{
    (void)state;
    const char *argv[] = { harness_queuetop(), "--pg", pg.conninfo, "--once", "--json", NULL };
    char *out, *err;
    unsetenv("REDIS_URL");
    assert_int_equal(harness_run(argv, &out, &err, 20000), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    assert_null(json_object_get(doc, "redis"));
    json_t *p = json_object_get(doc, "postgres");
    assert_string_equal(str(p, "source"), "conductor");
    assert_true(json_is_true(json_object_get(p, "index_tables")));
    assert_int_equal(num(p, "window_hours"), 24);
    json_t *by = json_object_get(p, "workflows_by_status");
    json_t *of = json_object_get(by, "order_fulfilment"), *rf = json_object_get(by, "refund");
    assert_int_equal(num(of, "RUNNING"), 2);      /* running: whatever their age */
    assert_int_equal(num(of, "COMPLETED"), 1);    /* done-new; done-old is outside the window */
    assert_int_equal(num(rf, "FAILED"), 1);
    assert_null(json_object_get(rf, "TIMED_OUT"));   /* fail-old: outside the window */
    assert_int_equal(json_object_size(by), 2);
    /* nothing started or ended in the last 5 minutes: no rates */
    assert_int_equal(num(p, "rate_window_minutes"), 5);
    assert_int_equal(json_object_size(json_object_get(p, "rates_per_minute")), 0);

    json_t *run = json_object_get(p, "running_oldest");
    assert_int_equal(json_array_size(run), 2);
    assert_string_equal(str(json_array_get(run, 0), "id"), "wf-run-old");   /* oldest first */
    long long age = num(json_array_get(run, 0), "age_ms");
    assert_true(age >= 30LL * 3600 * 1000 && age < 31LL * 3600 * 1000);
    assert_string_equal(str(json_array_get(run, 1), "id"), "wf-run-1");

    json_t *fails = json_object_get(p, "recent_failures");
    assert_int_equal(json_array_size(fails), 1);
    json_t *f = json_array_get(fails, 0);
    assert_string_equal(str(f, "id"), "wf-fail-2");
    assert_string_equal(str(f, "status"), "FAILED");
    assert_string_equal(str(f, "reason"), "Task charge failed twice");
    json_t *ft = json_object_get(f, "failed_task");
    assert_string_equal(str(ft, "ref"), "charge");
    assert_int_equal(num(ft, "retry_count"), 1);
    assert_string_equal(str(ft, "reason"), "card declined again");
    json_decref(doc);
    free(out);
    free(err);
}

/* Conductor not indexing to PostgreSQL: no workflow_index, so no counts, said plainly; and a
 * database without any engine's tables. */
static void test_summary_without_index_tables(void **state)
{
    (void)state;
    pg_exec(db, "CREATE DATABASE bare");
    char conninfo[600];
    snprintf(conninfo, sizeof conninfo, "host=%s port=%d dbname=bare user=postgres", pg.dir, pg.port);
    char *out, *err;

    /* no engine's tables at all: auto-detection says what it looked for and what to do */
    const char *empty[] = { harness_queuetop(), "--pg", conninfo, "--once", "--json", NULL };
    assert_int_equal(harness_run(empty, &out, &err, 20000), 2);
    assert_non_null(strstr(err, "no Conductor tables"));
    assert_non_null(strstr(err, "--source mapping FILE"));
    free(out);
    free(err);

    PGconn *bare = PQconnectdb(conninfo);
    pg_exec_file(bare, "tests/fixtures/conductor_schema.sql");
    pg_exec(bare, "DROP TABLE workflow_index; DROP TABLE task_index");
    PQfinish(bare);
    const char *argv[] = { harness_queuetop(), "--pg", conninfo, "--once", "--json", NULL };
    assert_int_equal(harness_run(argv, &out, &err, 20000), 0);
    json_t *doc = json_loads(out, 0, NULL);
    json_t *p = json_object_get(doc, "postgres");
    assert_true(json_is_false(json_object_get(p, "index_tables")));
    assert_int_equal(json_object_size(json_object_get(p, "workflows_by_status")), 0);
    json_decref(doc);
    free(out);
    free(err);
    const char *targv[] = { harness_queuetop(), "--pg", conninfo, "--once", NULL };
    assert_int_equal(harness_run(targv, &out, &err, 20000), 0);
    assert_non_null(strstr(out, "index tables (workflow_index) are absent or empty"));
    free(out);
    free(err);
}

/* --find: by correlation id (two executions, newest start first) or by execution id. */
static void test_find(void **state)
{
    (void)state;
    char *out, *err;
    const char *argv[] = { harness_queuetop(), "--pg", pg.conninfo, "--find", "order-42", "--once",
                           "--json", NULL };
    assert_int_equal(harness_run(argv, &out, &err, 20000), 0);
    json_t *doc = json_loads(out, 0, NULL);
    json_t *ex = json_object_get(doc, "executions");
    assert_int_equal(json_array_size(ex), 2);
    json_t *a = json_array_get(ex, 0), *b = json_array_get(ex, 1);
    /* both started at T0: ties by id */
    assert_string_equal(str(a, "id"), "wf-fail-2");
    assert_string_equal(str(a, "status"), "FAILED");
    assert_string_equal(str(a, "reason"), "Task charge failed twice");
    assert_string_equal(str(b, "id"), "wf-run-1");
    assert_string_equal(str(b, "name"), "order_fulfilment");
    assert_string_equal(str(b, "correlation_id"), "order-42");
    json_decref(doc);
    free(out);
    free(err);

    /* 25 executions of one correlation id, created a minute apart as Conductor creates them
     * (one insert each): the 20 shown are the newest, newest first (no ORDER BY before the
     * LIMIT lost some of the newest) */
    for (int i = 0; i < 25; i++) {
        char id[32];
        snprintf(id, sizeof id, "bulk-%02d", i);
        struct cf_workflow w = { id, "bulk", "COMPLETED", 1, "bulk-25", T0 + i * 60000LL,
                                 T0 + i * 60000LL + 500, NULL, NULL, false };
        cf_add_workflow(db, &w);
    }
    const char *bulk[] = { harness_queuetop(), "--pg", pg.conninfo, "--find", "bulk-25", "--once",
                           "--json", NULL };
    assert_int_equal(harness_run(bulk, &out, &err, 20000), 0);
    doc = json_loads(out, 0, NULL);
    ex = json_object_get(doc, "executions");
    assert_int_equal(json_array_size(ex), 20);
    for (int i = 0; i < 20; i++) {
        char want[32];
        snprintf(want, sizeof want, "bulk-%02d", 24 - i);
        assert_string_equal(str(json_array_get(ex, (size_t)i), "id"), want);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(ex, (size_t)i),
                                                            "start_ms")),
                         T0 + (24 - i) * 60000LL);
    }
    json_decref(doc);
    free(out);
    free(err);

    const char *byid[] = { harness_queuetop(), "--pg", pg.conninfo, "--find", "wf-run-1", "--once",
                           NULL };
    assert_int_equal(harness_run(byid, &out, &err, 20000), 0);
    assert_non_null(strstr(out, "wf-run-1"));
    assert_null(strstr(out, "wf-fail-2"));
    free(out);
    free(err);

    const char *none[] = { harness_queuetop(), "--pg", pg.conninfo, "--find", "nothing-here",
                           "--once", NULL };
    assert_int_equal(harness_run(none, &out, &err, 20000), 1);
    assert_non_null(strstr(err, "no execution with id or correlation id 'nothing-here'"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_running_execution),
        cmocka_unit_test(test_failed_execution_legacy_names),
        cmocka_unit_test(test_fork_join_and_sub_workflow),
        cmocka_unit_test(test_text_and_errors),
        cmocka_unit_test(test_session_is_safe),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_summary_without_index_tables),
        cmocka_unit_test(test_find),
    };
    return cmocka_run_group_tests_name("conductor_integration", tests, group_setup, group_teardown);
}
