/* Mapping files against a real PostgreSQL: the home-grown job schema of
 * tests/fixtures/custom_schema.sql, rows with known times, and tests/fixtures/mapping_example.json
 * read through mapping_summary / mapping_fetch_workflow / mapping_find on the read-only session
 * queuetop opens. Then the errors a mapping can only show against a database: a column the
 * result lacks, a time that is not epoch ms, a statement the server refuses, a header query that
 * returns several rows. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../unit/cm.h"
#include "harness.h"
#include "json_fields.h"
#include "pg_harness.h"
#include "../../collectors/pg_conn.h"
#include "../../collectors/pg_mapping.h"
#include "../../collectors/util.h"

static struct pg_server pg;
static PGconn *db;                  /* superuser, for fixtures */
static PGconn *conn;                /* queuetop's read-only session */
static struct wf_mapping *example;
static char tmpdir[64];
static char err[600];
static const long long T0 = 1700000000000LL;   /* job-run-1's start, epoch ms */

/* ---- fixtures ---------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    if (pg_server_start(&pg) < 0)
        return -1;
    db = pg_server_client(&pg);
    pg_exec_file(db, "tests/fixtures/custom_schema.sql");
    /* exact epoch ms -> timestamptz for the fixtures (no floating point on the way) */
    pg_exec(db, "CREATE FUNCTION ms(bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE"
                " AS $$ SELECT 'epoch'::timestamptz + $1 * interval '1 millisecond' $$");

    /* job-run-1 at fixed times; the rest relative to now, for the windows */
    pg_exec(db,
        "INSERT INTO jobs (id, kind, kind_version, state, correlation_key, parent_job_id,"
        "                  created_at, started_at, finished_at, updated_at, error, payload, result)"
        " VALUES"
        " ('job-run-1', 'invoice', 3, 'running', 'order-7', NULL, ms(1699999999000),"
        "   ms(1700000000000), NULL, ms(1700000005000), NULL,"
        "   '{\"order\": 7, \"lines\": [1, 2]}', NULL),"
        " ('job-run-2', 'invoice', 1, 'running', NULL, NULL, now() - interval '1 hour',"
        "   now() - interval '1 hour', NULL, now(), NULL, NULL, NULL),"
        " ('job-fresh', 'invoice', 1, 'running', NULL, NULL, now() - interval '1 minute',"
        "   now() - interval '1 minute', NULL, now(), NULL, NULL, NULL),"
        " ('job-queued', 'report', 1, 'queued', NULL, NULL, now() - interval '40 hours',"
        "   NULL, NULL, now(), NULL, NULL, NULL),"
        " ('job-fail-1', 'report', 2, 'failed', 'order-7', NULL, now() - interval '3 hours',"
        "   now() - interval '3 hours', now() - interval '2 hours', now(), 'step export failed',"
        "   NULL, NULL),"
        " ('job-cancel', 'invoice', 1, 'cancelled', NULL, NULL, now() - interval '5 hours',"
        "   now() - interval '5 hours', now() - interval '3 minutes', now(),"
        "   'cancelled by operator', NULL, NULL),"
        " ('job-done-new', 'invoice', 1, 'succeeded', NULL, NULL, now() - interval '2 hours',"
        "   now() - interval '2 hours', now() - interval '2 minutes', now(), NULL, NULL,"
        "   '{\"pdf\": \"a b.pdf\"}'),"
        " ('job-done-old', 'invoice', 1, 'succeeded', NULL, NULL, now() - interval '48 hours',"
        "   now() - interval '48 hours', now() - interval '47 hours', now(), NULL, NULL, NULL),"
        " ('job-fail-old', 'report', 1, 'failed', NULL, NULL, now() - interval '50 hours',"
        "   now() - interval '50 hours', now() - interval '49 hours', now(), 'old', NULL, NULL)");
    pg_exec(db,
        "INSERT INTO jobs (id, kind, state, parent_job_id, created_at)"
        " VALUES ('job-child', 'notify', 'queued', 'job-run-1', ms(1700000002400))");

    /* job-run-1's steps, inserted out of order; the charge step failed once and is retrying */
    pg_exec(db,
        "INSERT INTO job_steps (id, job_id, position, name, handler, state, attempt, queued_at,"
        "                       started_at, finished_at, worker, error, args, output, child_job_id)"
        " VALUES"
        " (104, 'job-run-1', 3, 'notify', 'sub_job', 'queued', 1, ms(1700000002300), NULL, NULL,"
        "   NULL, NULL, NULL, NULL, 'job-child'),"
        " (103, 'job-run-1', 2, 'charge', 'payment', 'running', 2, ms(1700000002100),"
        "   ms(1700000002200), NULL, E'evil\\x1b]0;x\\x07w', NULL, '{\"amount\": 12.50}',"
        "   NULL, NULL),"
        " (101, 'job-run-1', 1, 'fetch', 'http', 'succeeded', 1, ms(1700000000010),"
        "   ms(1700000000050), ms(1700000000900), 'w-1', NULL,"
        "   '{\"url\": \"https://example.com/a b\"}', '{\"status\": 200}', NULL),"
        " (102, 'job-run-1', 2, 'charge', 'payment', 'failed', 1, ms(1700000000910),"
        "   ms(1700000001000), ms(1700000002000), 'w-2', 'card declined',"
        "   '{\"amount\": 12.50}', 'null', NULL),"
        " (201, 'job-fail-1', 1, 'gather', 'sql', 'succeeded', 1, now(), now(), now(), 'w-3',"
        "   NULL, NULL, NULL, NULL),"
        " (202, 'job-fail-1', 2, 'export', 'upload', 'failed', 1, now(), now(), now(), 'w-3',"
        "   'disk full', NULL, NULL, NULL),"
        " (203, 'job-fail-1', 2, 'export', 'upload', 'failed', 2, now(), now(), now(), 'w-4',"
        "   'disk still full', NULL, NULL, NULL)");

    example = wf_mapping_load("tests/fixtures/mapping_example.json", err, sizeof err);
    if (!example) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    conn = pg_conn_open(pg.conninfo, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/queuetop-mapdb-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    wf_mapping_free(example);
    pg_conn_close(conn);
    PQfinish(db);
    pg_server_stop(&pg);
    return 0;
}

/* A value from the fixture database (one bigint), for times set relative to now(). */
static long long db_ll(const char *sql)
{
    PGresult *r = PQexec(db, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static long long end_ms_of(const char *id)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT (extract(epoch FROM finished_at) * 1000)::bigint FROM jobs WHERE id = '%s'",
             id);
    return db_ll(sql);
}

static long long start_ms_of(const char *id)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT (extract(epoch FROM coalesce(started_at, created_at)) * 1000)::bigint"
             " FROM jobs WHERE id = '%s'", id);
    return db_ll(sql);
}

/* Writes a mapping with one "workflow" section (sql, then column pairs field, column, ...,
 * NULL) plus, when extra is not NULL, the sections of the JSON object text extra; loads it. */
static struct wf_mapping *workflow_mapping(const char *name, const char *extra, const char *sql,
                                           ...)
{
    json_t *root = extra ? json_loads(extra, 0, NULL) : json_object();
    assert_non_null(root);
    json_t *cols = json_object();
    va_list ap;
    va_start(ap, sql);
    for (const char *field; (field = va_arg(ap, const char *)) != NULL;)
        json_object_set_new(cols, field, json_string(va_arg(ap, const char *)));
    va_end(ap);
    json_object_set_new(root, "workflow", json_pack("{s:s, s:o}", "sql", sql, "columns", cols));
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(2)), 0);
    json_decref(root);
    struct wf_mapping *m = wf_mapping_load(path, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    return m;
}

static void assert_error(const char *file, const char *rest)
{
    char want[700];
    snprintf(want, sizeof want, "%s/%s: %s", tmpdir, file, rest);
    assert_string_equal(err, want);
}

/* ---- the example mapping ----------------------------------------------------------------- */

static void test_summary_counts_running_failures_rates(void **state)
{
    (void)state;
    struct workflow_summary s;
    assert_int_equal(mapping_summary(example, conn, 24, SUMMARY_ALL, &s, err, sizeof err), 0);
    assert_true(s.index_tables);
    assert_int_equal(s.window_hours, 24);
    /* the database's clock: job-cancel ended three minutes before it */
    long long cancel_end = end_ms_of("job-cancel");
    assert_true(s.db_now_ms >= cancel_end + 180000 && s.db_now_ms < cancel_end + 240000);

    /* non-terminal whatever their age (job-queued: 40 h), terminal ones created in 24 h */
    static const struct { const char *type, *status; long long count; } want[] = {
        { "invoice", "COMPLETED", 1 }, { "invoice", "RUNNING", 3 },
        { "invoice", "TERMINATED", 1 }, { "notify", "SCHEDULED", 1 },
        { "report", "FAILED", 1 }, { "report", "SCHEDULED", 1 },
    };
    assert_int_equal(s.count_n, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        assert_string_equal(s.counts[i].type.ptr, want[i].type);
        assert_string_equal(s.counts[i].status, want[i].status);
        assert_int_equal(s.counts[i].count, want[i].count);
    }

    /* oldest first; status is RUNNING though the mapping names no status column */
    assert_int_equal(s.running_n, 3);
    const char *running[] = { "job-run-1", "job-run-2", "job-fresh" };
    for (size_t i = 0; i < 3; i++) {
        const struct exec_brief *b = &s.running[i];
        assert_string_equal(b->id.ptr, running[i]);
        assert_string_equal(b->name.ptr, "invoice");
        assert_string_equal(b->status.ptr, "RUNNING");
        assert_string_equal(b->correlation_id.ptr, i == 0 ? "order-7" : "");
        assert_true(b->start_ms == start_ms_of(running[i]));
        assert_true(b->end_ms == QT_UNKNOWN);
        assert_string_equal(b->reason.ptr, "");
        assert_string_equal(b->failed_ref.ptr, "");
        assert_true(b->failed_retry_count == QT_UNKNOWN);
    }
    assert_true(s.running[0].start_ms == T0);

    /* newest end first; job-fail-old ended 49 h ago */
    assert_int_equal(s.failures_n, 2);
    const struct exec_brief *c = &s.failures[0], *f = &s.failures[1];
    assert_string_equal(c->id.ptr, "job-cancel");
    assert_string_equal(c->name.ptr, "invoice");
    assert_string_equal(c->status.ptr, "TERMINATED");
    assert_string_equal(c->correlation_id.ptr, "");
    assert_string_equal(c->reason.ptr, "cancelled by operator");
    assert_true(c->start_ms == start_ms_of("job-cancel"));
    assert_true(c->end_ms == cancel_end);
    assert_string_equal(c->failed_ref.ptr, "");          /* no steps: the LEFT JOIN gave NULLs */
    assert_string_equal(c->failed_reason.ptr, "");
    assert_true(c->failed_retry_count == QT_UNKNOWN);
    assert_string_equal(f->id.ptr, "job-fail-1");
    assert_string_equal(f->name.ptr, "report");
    assert_string_equal(f->status.ptr, "FAILED");
    assert_string_equal(f->correlation_id.ptr, "order-7");
    assert_string_equal(f->reason.ptr, "step export failed");
    assert_true(f->end_ms == end_ms_of("job-fail-1"));
    assert_string_equal(f->failed_ref.ptr, "export");    /* the last failed attempt */
    assert_string_equal(f->failed_reason.ptr, "disk still full");
    assert_int_equal(f->failed_retry_count, 1);

    /* the last 5 minutes: job-fresh started, job-done-new completed, job-cancel ended */
    assert_int_equal(s.rate_window_min, 5);
    assert_int_equal(s.rate_n, 1);
    assert_string_equal(s.rates[0].type.ptr, "invoice");
    assert_int_equal(s.rates[0].started, 1);
    assert_int_equal(s.rates[0].completed, 1);
    assert_int_equal(s.rates[0].failed, 1);
    workflow_summary_free(&s);
}

static void test_summary_window_and_parts(void **state)
{
    (void)state;
    struct workflow_summary s;
    /* a 1-hour window: only the non-terminal ones remain */
    assert_int_equal(mapping_summary(example, conn, 1, SUMMARY_COUNTS | SUMMARY_FAILURES, &s,
                                     err, sizeof err), 0);
    assert_int_equal(s.count_n, 3);
    assert_string_equal(s.counts[0].type.ptr, "invoice");
    assert_string_equal(s.counts[0].status, "RUNNING");
    assert_int_equal(s.counts[0].count, 3);
    assert_string_equal(s.counts[1].type.ptr, "notify");
    assert_string_equal(s.counts[2].type.ptr, "report");
    assert_string_equal(s.counts[2].status, "SCHEDULED");
    assert_int_equal(s.failures_n, 1);                    /* job-cancel ended 3 minutes ago */
    assert_string_equal(s.failures[0].id.ptr, "job-cancel");
    /* parts not asked for stay empty */
    assert_int_equal(s.running_n, 0);
    assert_int_equal(s.rate_n, 0);
    assert_null(s.rates);
    assert_int_equal(s.rate_window_min, 0);
    workflow_summary_free(&s);

    assert_int_equal(mapping_summary(example, conn, 24, SUMMARY_RUNNING, &s, err, sizeof err), 0);
    assert_int_equal(s.running_n, 3);
    assert_int_equal(s.count_n, 0);
    assert_null(s.counts);
    assert_int_equal(s.failures_n, 0);
    workflow_summary_free(&s);
}

static void assert_task(const struct task_exec *t, const char *id, const char *ref,
                        const char *type, const char *status, long long seq, long long retry,
                        long long sched, long long start, long long end, const char *worker,
                        const char *reason, const char *input, const char *output,
                        const char *sub)
{
    assert_string_equal(t->task_id.ptr, id);
    assert_string_equal(t->ref.ptr, ref);
    assert_string_equal(t->type.ptr, type);
    assert_string_equal(t->status.ptr, status);
    assert_int_equal(t->seq, seq);
    assert_int_equal(t->retry_count, retry);
    assert_true(t->poll_count == QT_UNKNOWN);            /* not mapped */
    assert_true(t->scheduled_ms == sched);
    assert_true(t->start_ms == start);
    assert_true(t->end_ms == end);
    assert_true(t->update_ms == QT_UNKNOWN);             /* not mapped */
    assert_string_equal(t->worker_id.ptr, worker);
    assert_string_equal(t->reason.ptr, reason);
    assert_string_equal(t->input.ptr, input);
    assert_string_equal(t->output.ptr, output);
    assert_string_equal(t->sub_workflow_id.ptr, sub);
    assert_string_equal(t->workflow_id.ptr, "job-run-1");   /* not mapped: the execution's */
}

static void test_fetch_workflow_with_tasks(void **state)
{
    (void)state;
    struct workflow_exec w;
    assert_int_equal(mapping_fetch_workflow(example, conn, "job-run-1", &w, err, sizeof err), 1);
    assert_string_equal(w.id.ptr, "job-run-1");
    assert_string_equal(w.name.ptr, "invoice");
    assert_int_equal(w.version, 3);
    assert_string_equal(w.status.ptr, "RUNNING");
    assert_string_equal(w.correlation_id.ptr, "order-7");
    assert_string_equal(w.reason.ptr, "");
    assert_string_equal(w.parent_id.ptr, "");
    assert_true(w.start_ms == T0);
    assert_true(w.end_ms == QT_UNKNOWN);
    assert_true(w.update_ms == T0 + 5000);
    assert_string_equal(w.input.ptr, "{\"lines\":[1,2],\"order\":7}");   /* jsonb's key order */
    assert_string_equal(w.output.ptr, "");                                /* SQL NULL */

    assert_int_equal(w.task_count, 4);
    assert_task(&w.tasks[0], "101", "fetch", "http", "COMPLETED", 1, 0, T0 + 10, T0 + 50,
                T0 + 900, "w-1", "", "{\"url\":\"https://example.com/a b\"}",
                "{\"status\":200}", "");
    assert_task(&w.tasks[1], "102", "charge", "payment", "FAILED", 2, 0, T0 + 910, T0 + 1000,
                T0 + 2000, "w-2", "card declined", "{\"amount\":12.50}", "", "");
    assert_task(&w.tasks[2], "103", "charge", "payment", "IN_PROGRESS", 3, 1, T0 + 2100,
                T0 + 2200, QT_UNKNOWN, "evil\x1b]0;x\x07w", "", "{\"amount\":12.50}", "", "");
    assert_task(&w.tasks[3], "104", "notify", "sub_job", "SCHEDULED", 4, 0, T0 + 2300,
                QT_UNKNOWN, QT_UNKNOWN, "", "", "", "", "job-child");
    workflow_exec_free(&w);

    /* a queued child: start falls back to its creation, no steps */
    assert_int_equal(mapping_fetch_workflow(example, conn, "job-child", &w, err, sizeof err), 1);
    assert_string_equal(w.status.ptr, "SCHEDULED");
    assert_string_equal(w.parent_id.ptr, "job-run-1");
    assert_int_equal(w.version, 1);
    assert_true(w.start_ms == T0 + 2400);
    assert_int_equal(w.task_count, 0);
    assert_null(w.tasks);
    workflow_exec_free(&w);

    /* output: a JSON string value stays JSON text */
    assert_int_equal(mapping_fetch_workflow(example, conn, "job-done-new", &w, err, sizeof err), 1);
    assert_string_equal(w.status.ptr, "COMPLETED");
    assert_string_equal(w.output.ptr, "{\"pdf\":\"a b.pdf\"}");
    assert_true(w.end_ms == end_ms_of("job-done-new"));
    workflow_exec_free(&w);

    assert_int_equal(mapping_fetch_workflow(example, conn, "no-such-job", &w, err, sizeof err), 0);
    assert_null(w.id.ptr);
    assert_int_equal(w.task_count, 0);
}

static void test_find(void **state)
{
    (void)state;
    struct exec_brief list[8];
    /* by correlation key: newest start first */
    int n = mapping_find(example, conn, "order-7", list, 8, err, sizeof err);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id.ptr, "job-fail-1");
    assert_string_equal(list[0].name.ptr, "report");
    assert_string_equal(list[0].status.ptr, "FAILED");
    assert_string_equal(list[0].reason.ptr, "step export failed");
    assert_true(list[0].start_ms == start_ms_of("job-fail-1"));
    assert_true(list[0].end_ms == end_ms_of("job-fail-1"));
    assert_string_equal(list[1].id.ptr, "job-run-1");
    assert_string_equal(list[1].correlation_id.ptr, "order-7");
    assert_string_equal(list[1].status.ptr, "RUNNING");
    assert_true(list[1].start_ms == T0);
    assert_true(list[1].end_ms == QT_UNKNOWN);
    assert_string_equal(list[1].failed_ref.ptr, "");
    assert_true(list[1].failed_retry_count == QT_UNKNOWN);
    for (int i = 0; i < n; i++)
        exec_brief_free(&list[i]);

    /* at most max */
    assert_int_equal(mapping_find(example, conn, "order-7", list, 1, err, sizeof err), 1);
    assert_string_equal(list[0].id.ptr, "job-fail-1");
    exec_brief_free(&list[0]);

    /* by id */
    assert_int_equal(mapping_find(example, conn, "job-cancel", list, 8, err, sizeof err), 1);
    assert_string_equal(list[0].status.ptr, "TERMINATED");
    exec_brief_free(&list[0]);

    assert_int_equal(mapping_find(example, conn, "nothing-here", list, 8, err, sizeof err), 0);
}

/* ---- errors only a database can show ----------------------------------------------------- */

static void test_column_missing_from_result(void **state)
{
    (void)state;
    struct wf_mapping *m = workflow_mapping("typo.json", NULL,
        "SELECT id, kind, state, 0::bigint AS started_ms FROM jobs WHERE id = $1",
        "id", "id", "name", "knd", "status", "state", "start_ms", "started_ms", NULL);
    struct workflow_exec w;
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), -1);
    assert_error("typo.json", "\"workflow.columns.name\": the result of \"workflow.sql\" has no"
                              " column \"knd\" (it has: id, kind, state, started_ms)");
    wf_mapping_free(m);

    /* names match exactly: a quoted alias keeps its case, an unquoted one is folded */
    m = workflow_mapping("case.json", NULL,
        "SELECT id, kind AS \"Kind\", state AS Status, 0::bigint AS started_ms FROM jobs"
        " WHERE id = $1",
        "id", "id", "name", "Kind", "status", "Status", "start_ms", "started_ms", NULL);
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), -1);
    assert_error("case.json", "\"workflow.columns.status\": the result of \"workflow.sql\" has no"
                              " column \"Status\" (it has: id, Kind, status, started_ms)");
    wf_mapping_free(m);
    m = workflow_mapping("case2.json", NULL,
        "SELECT id, kind AS \"Kind\", state AS Status, 0::bigint AS started_ms FROM jobs"
        " WHERE id = $1",
        "id", "id", "name", "Kind", "status", "status", "start_ms", "started_ms", NULL);
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), 1);
    assert_string_equal(w.name.ptr, "invoice");
    assert_string_equal(w.status.ptr, "running");
    assert_int_equal(w.start_ms, 0);
    workflow_exec_free(&w);
    wf_mapping_free(m);
}

static void test_times_and_numbers_must_be_integers(void **state)
{
    (void)state;
    struct wf_mapping *m = workflow_mapping("tz.json", NULL,
        "SELECT id, kind, state, started_at FROM jobs WHERE id = $1",
        "id", "id", "name", "kind", "status", "state", "start_ms", "started_at", NULL);
    struct workflow_exec w;
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), -1);
    assert_error("tz.json", "\"workflow.columns.start_ms\": column \"started_at\" is timestamp with"
                            " time zone; times must be epoch milliseconds as an integer, e.g."
                            " (extract(epoch FROM started_at) * 1000)::bigint");
    wf_mapping_free(m);

    /* extract() without the cast is numeric, with a fraction once times have microseconds */
    m = workflow_mapping("numeric.json", NULL,
        "SELECT id, kind, state, extract(epoch FROM started_at) * 1000 AS t FROM jobs"
        " WHERE id = $1",
        "id", "id", "name", "kind", "status", "state", "start_ms", "t", NULL);
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), -1);
    assert_error("numeric.json", "\"workflow.columns.start_ms\": column \"t\" is numeric; times"
                                 " must be epoch milliseconds as an integer, e.g."
                                 " (extract(epoch FROM t) * 1000)::bigint");
    wf_mapping_free(m);

    m = workflow_mapping("count.json",
        "{\"counts\": {\"sql\": \"SELECT kind, state, sum(kind_version::bigint) AS n FROM jobs"
        " GROUP BY 1, 2\", \"columns\": {\"type\": \"kind\", \"status\": \"state\","
        " \"count\": \"n\"}}}",
        "SELECT 1", "id", "a", "name", "b", "status", "c", "start_ms", "d", NULL);
    struct workflow_summary s;
    assert_int_equal(mapping_summary(m, conn, 24, SUMMARY_ALL, &s, err, sizeof err), -1);
    assert_error("count.json", "\"counts.columns.count\": column \"n\" is numeric; it must be"
                               " smallint, integer or bigint (cast it with ::bigint)");
    assert_int_equal(s.count_n, 0);                      /* emptied on error */
    assert_null(s.counts);
    workflow_summary_free(&s);
    wf_mapping_free(m);
}

static void test_server_errors_name_the_section(void **state)
{
    (void)state;
    struct wf_mapping *m = workflow_mapping("table.json", NULL,
        "SELECT id, kind, state, 0::bigint AS t FROM job WHERE id = $1",
        "id", "id", "name", "kind", "status", "state", "start_ms", "t", NULL);
    struct workflow_exec w;
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), -1);
    assert_error("table.json", "\"workflow.sql\": ERROR:  relation \"job\" does not exist");
    wf_mapping_free(m);

    /* what the load-time check cannot see, the read-only session refuses */
    m = workflow_mapping("sequence.json", NULL,
        "SELECT id, kind, state, nextval('job_steps_id_seq') AS t FROM jobs WHERE id = $1",
        "id", "id", "name", "kind", "status", "state", "start_ms", "t", NULL);
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), -1);
    assert_error("sequence.json", "\"workflow.sql\": ERROR:  cannot execute nextval() in a"
                                  " read-only transaction");
    assert_int_equal(db_ll("SELECT last_value FROM job_steps_id_seq"), 1);   /* untouched */
    wf_mapping_free(m);
}

static void test_header_must_be_one_row(void **state)
{
    (void)state;
    struct wf_mapping *m = workflow_mapping("fanout.json", NULL,
        "SELECT id, kind, state, 0::bigint AS t FROM jobs"
        " WHERE id = $1 OR correlation_key = 'order-7' ORDER BY id",
        "id", "id", "name", "kind", "status", "state", "start_ms", "t", NULL);
    struct workflow_exec w;
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), -1);
    assert_error("fanout.json", "\"workflow.sql\": returned 2 rows for id \"job-run-1\"; it must"
                                " return at most one");
    wf_mapping_free(m);
}

/* Only a "workflow" section: the summary has nothing (and says so), find is refused. */
static void test_missing_optional_sections(void **state)
{
    (void)state;
    struct wf_mapping *m = workflow_mapping("minimal.json", NULL,
        "SELECT id, kind, state, 0::bigint AS t FROM jobs WHERE id = $1",
        "id", "id", "name", "kind", "status", "state", "start_ms", "t", NULL);
    struct workflow_summary s;
    assert_int_equal(mapping_summary(m, conn, 24, SUMMARY_ALL, &s, err, sizeof err), 0);
    assert_false(s.index_tables);
    assert_true(s.db_now_ms > T0);
    assert_int_equal(s.count_n + s.running_n + s.failures_n + s.rate_n, 0);
    workflow_summary_free(&s);

    struct exec_brief list[2];
    assert_int_equal(mapping_find(m, conn, "job-run-1", list, 2, err, sizeof err), -1);
    assert_error("minimal.json", "no \"find\" section, so executions cannot be searched");

    /* no "tasks": the header alone */
    struct workflow_exec w;
    assert_int_equal(mapping_fetch_workflow(m, conn, "job-run-1", &w, err, sizeof err), 1);
    assert_string_equal(w.name.ptr, "invoice");
    assert_int_equal(w.task_count, 0);
    workflow_exec_free(&w);
    wf_mapping_free(m);
}

/* Through queuetop itself: --source mapping FILE reads the summary and one execution; a
 * broken file stops it before any connection, naming the file and the field. */
static void test_command_line(void **state)
{
    (void)state;
    char *out, *errs;
    const char *summary[] = { harness_queuetop(), "--pg", pg.conninfo, "--source", "mapping",
                              "tests/fixtures/mapping_example.json", "--once", "--json", NULL };
    assert_int_equal(harness_run(summary, &out, &errs, 20000), 0);
    json_t *doc = json_loads(out, 0, NULL);
    json_t *p = json_object_get(doc, "postgres");
    assert_string_equal(str(p, "source"), "mapping");
    json_t *by = json_object_get(p, "workflows_by_status");
    assert_int_equal(num(json_object_get(by, "invoice"), "RUNNING"), 3);
    json_decref(doc);
    free(out);
    free(errs);

    const char *one[] = { harness_queuetop(), "--pg", pg.conninfo, "--source", "mapping",
                          "tests/fixtures/mapping_example.json", "--workflow", "job-run-1",
                          "--once", "--json", NULL };
    assert_int_equal(harness_run(one, &out, &errs, 20000), 0);
    doc = json_loads(out, 0, NULL);
    json_t *w = json_object_get(doc, "workflow");
    assert_string_equal(str(w, "id"), "job-run-1");
    assert_string_equal(str(w, "name"), "invoice");
    assert_true(json_array_size(json_object_get(w, "tasks")) > 0);
    json_decref(doc);
    free(out);
    free(errs);

    char path[128];
    snprintf(path, sizeof path, "%s/typo.json", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"workflow\": {\"sql\": \"SELECT 1\", \"colums\": {}}}\n", f);
    fclose(f);
    const char *bad[] = { harness_queuetop(), "--pg", "host=/nonexistent", "--source", "mapping",
                          path, "--once", NULL };
    assert_int_equal(harness_run(bad, &out, &errs, 20000), 2);
    assert_non_null(strstr(errs, path));
    assert_non_null(strstr(errs, "colums"));
    assert_null(strstr(errs, "connect"));   /* the file is checked before any connection */
    free(out);
    free(errs);

    const char *nofile[] = { harness_queuetop(), "--pg", pg.conninfo, "--source", "mapping", NULL };
    assert_int_equal(harness_run(nofile, &out, &errs, 20000), 2);
    assert_non_null(strstr(errs, "--source mapping needs a FILE"));
    free(out);
    free(errs);
}

/* Counts a mapping gets from a GROUP BY are read again less often when they cost more than the
 * budget allows at the usual 10 s: a counts statement of 300 ms at --budget 0.5 waits at least
 * 60 s, and the counts' age shows it; the figures stay right. */
static void test_slow_counts_read_less_often(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *m = json_load_file("tests/fixtures/mapping_example.json", 0, &jerr);
    assert_non_null(m);
    json_t *counts = json_object_get(m, "counts");
    json_object_set_new(counts, "sql", json_string(
        "SELECT kind, CASE state WHEN 'queued' THEN 'SCHEDULED' WHEN 'succeeded' THEN 'COMPLETED'"
        " WHEN 'cancelled' THEN 'TERMINATED' ELSE upper(state) END AS status, count(*) AS n"
        " FROM jobs CROSS JOIN (SELECT pg_sleep(0.3)) AS slow"
        " WHERE state IN ('queued', 'running') OR created_at >= now() - make_interval(hours => $1::int)"
        " GROUP BY 1, 2 ORDER BY 1, 2"));
    char path[128];
    snprintf(path, sizeof path, "%s/slow_counts.json", tmpdir);
    assert_int_equal(json_dump_file(m, path, 0), 0);
    json_decref(m);

    const char *argv[] = { harness_queuetop(), "--pg", pg.conninfo, "--source", "mapping", path,
                           "--json", "--budget", "0.5", NULL };
    int fd;
    pid_t pid = harness_spawn(argv, &fd);
    assert_true(pid > 0);
    long long every = -1, oldest = -1, running = -1;
    for (int i = 0; i < 15; i++) {   /* lines every 2 s: 30 s at most */
        json_t *doc = harness_next_json(fd, 10000);
        assert_non_null(doc);
        json_t *p = json_object_get(doc, "postgres");
        json_t *cost = json_object_get(p, "cost");
        if (json_is_integer(json_object_get(cost, "counts_every_ms")))
            every = json_integer_value(json_object_get(cost, "counts_every_ms"));
        json_t *age = json_object_get(p, "counts_age_ms");
        if (json_is_integer(age) && json_integer_value(age) > oldest)
            oldest = json_integer_value(age);
        json_t *by = json_object_get(p, "workflows_by_status");
        if (json_object_get(by, "invoice"))
            running = num(json_object_get(by, "invoice"), "RUNNING");
        json_decref(doc);
        if (oldest >= 14000)
            break;
    }
    harness_reap(pid);
    close(fd);
    /* 300 ms (and the failures statement) at 0.5% of a core: at least 60 s between reads */
    assert_true(every >= 60000);
    assert_true(every <= 15 * 60 * 1000);
    assert_true(oldest >= 14000);   /* not read again at 10 s */
    assert_int_equal(running, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_counts_running_failures_rates),
        cmocka_unit_test(test_summary_window_and_parts),
        cmocka_unit_test(test_fetch_workflow_with_tasks),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_column_missing_from_result),
        cmocka_unit_test(test_times_and_numbers_must_be_integers),
        cmocka_unit_test(test_server_errors_name_the_section),
        cmocka_unit_test(test_header_must_be_one_row),
        cmocka_unit_test(test_missing_optional_sections),
        cmocka_unit_test(test_command_line),
        cmocka_unit_test(test_slow_counts_read_less_often),
    };
    return cmocka_run_group_tests_name("mapping_integration", tests, group_setup, group_teardown);
}
