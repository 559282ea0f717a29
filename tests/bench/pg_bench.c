/* pg_bench -- Conductor's tables at production size on a private PostgreSQL: 1,000,000
 * executions in `workflow` and `workflow_index` (statuses and start times spread over 30 days),
 * then the costs that matter: the workflows summary (goal < 50 ms) and opening one execution
 * with 1000 tasks (goal < 100 ms), medians of several runs, with the EXPLAIN ANALYZE plans.
 * Usage: pg_bench [--executions N] [--runs R]. Exit 1 only when the data read is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include "../../collectors/pg_counts.h"
#include "../../collectors/workflow.h"

#include "../../collectors/pg_conductor.h"
#include "../../collectors/pg_conn.h"
#include "../integration/harness.h"
#include "../integration/pg_harness.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void explain(PGconn *c, const char *title, const char *sql)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) %s", sql);
    PGresult *r = PQexec(c, buf);
    printf("-- %s\n", title);
    for (int i = 0; i < PQntuples(r); i++)
        printf("   %s\n", PQgetvalue(r, i, 0));
    PQclear(r);
}


/* The churn of a busy Conductor: every 50 ms one execution starts and the oldest running one
 * ends (COMPLETED, one in ten FAILED), written as PostgresIndexDAO's upsert: 40 writes a second. */
struct churn {
    const char *conninfo;
    volatile int stop;
    long written;
};

static void *churn_main(void *arg)
{
    struct churn *ch = arg;
    PGconn *c = PQconnectdb(ch->conninfo);
    long n = 0;
    while (!ch->stop && PQstatus(c) == CONNECTION_OK) {
        char sql[1024];
        snprintf(sql, sizeof sql,
            "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
            "  status, json_data, update_time, end_time)"
            " VALUES ('churn-%ld', NULL, 'flow_%ld', now(), 'RUNNING', '{}', now(), 'epoch');"
            "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
            "  status, json_data, update_time, end_time)"
            " SELECT workflow_id, correlation_id, workflow_type, start_time, '%s', json_data,"
            "   clock_timestamp(), clock_timestamp() FROM workflow_index"
            " WHERE status = 'RUNNING' ORDER BY start_time + interval '0' LIMIT 1"
            " ON CONFLICT (workflow_id) DO UPDATE SET status = EXCLUDED.status,"
            "  update_time = EXCLUDED.update_time, end_time = EXCLUDED.end_time"
            " WHERE EXCLUDED.update_time >= workflow_index.update_time",
            n, n % 20, n % 10 ? "COMPLETED" : "FAILED");
        PQclear(PQexec(c, sql));
        n++;
        ch->written = 2 * n;
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    PQfinish(c);
    return NULL;
}

/* The collector's schedule for `seconds`: running and rates every 2 s, counts and failures
 * every 10 s, counts kept by k (NULL: a GROUP BY each time). The backend's CPU share. */
static double collector_share(PGconn *conn, struct pg_counts *k, int seconds, double *query_ms)
{
    int pid = PQbackendPID(conn);
    double cpu0 = harness_proc_cpu_s(pid), t0 = now_ms(), q = 0;
    char err[300];
    for (int tick = 0; tick * 2 < seconds; tick++) {
        unsigned parts = SUMMARY_RUNNING | SUMMARY_RATES;
        if (tick % 5 == 0)
            parts |= SUMMARY_COUNTS | SUMMARY_FAILURES;
        struct workflow_summary s;
        double t = now_ms();
        if (conductor_summary(conn, 24, parts, k, &s, err, sizeof err) < 0) {
            fprintf(stderr, "pg_bench: %s\n", err);
            exit(1);
        }
        q += now_ms() - t;
        workflow_summary_free(&s);
        double wait = t0 + (tick + 1) * 2000.0 - now_ms();
        if (wait > 0) {
            struct timespec ts = { (time_t)(wait / 1000), (long)((long long)(wait * 1e6) % 1000000000LL) };
            nanosleep(&ts, NULL);
        }
    }
    double cpu1 = harness_proc_cpu_s(pid), t1 = now_ms();
    *query_ms = q;
    return cpu0 < 0 || cpu1 < 0 ? -1 : (cpu1 - cpu0) / ((t1 - t0) / 1000.0);
}

/* Counts as "type/status=n" lines from a summary or from the GROUP BY, for comparing. */
static void counts_text(const struct workflow_summary *s, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < s->count_n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s/%s=%lld\n", s->counts[i].type.ptr,
                 s->counts[i].status, s->counts[i].count);
    }
}

/* 1,000,000 executions started within the last 24 h, 40 writes a second: what the dashboard
 * costs the backend with the counts kept (pg_counts) and with a GROUP BY each refresh. */
static int churn_bench(struct pg_server *pg, PGconn *db, long executions, int seconds)
{
    char sql[2048];
    snprintf(sql, sizeof sql,
        "TRUNCATE workflow_index;"
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
        "  status, json_data, update_time, end_time)"
        " SELECT 'day-' || i, NULL, 'flow_' || (i %% 20), st, s.status, '{}', st,"
        "   CASE WHEN s.status IN ('RUNNING', 'PAUSED') THEN 'epoch'::timestamptz"
        "        ELSE st + interval '1 minute' END"
        " FROM generate_series(1, %ld) i,"
        " LATERAL (SELECT now() - interval '23 hours 50 minutes' * (1 - i::float8 / %ld) AS st) t,"
        " LATERAL (SELECT CASE WHEN i > %ld - 2000 THEN 'RUNNING'"
        "   WHEN i %% 100 < 90 THEN 'COMPLETED' WHEN i %% 100 < 96 THEN 'FAILED'"
        "   WHEN i %% 100 < 98 THEN 'TIMED_OUT' ELSE 'TERMINATED' END AS status) s",
        executions, executions, executions);
    double t0 = now_ms();
    pg_exec(db, sql);
    pg_exec(db, "VACUUM ANALYZE workflow_index");
    fprintf(stderr, "pg_bench: %ld executions in the last 24 h loaded in %.1f s\n", executions,
            (now_ms() - t0) / 1000.0);

    struct churn ch = { pg->conninfo, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, churn_main, &ch);
    char err[300];
    PGconn *a = pg_conn_open(pg->conninfo, err, sizeof err);
    PGconn *b = pg_conn_open(pg->conninfo, err, sizeof err);
    if (!a || !b) {
        fprintf(stderr, "pg_bench: %s\n", err);
        return 1;
    }
    struct pg_counts *k = pg_counts_new();
    /* the first refresh fills the memory: its cost apart */
    int pid = PQbackendPID(b);
    double c0 = harness_proc_cpu_s(pid);
    t0 = now_ms();
    struct workflow_summary s;
    if (conductor_summary(b, 24, SUMMARY_COUNTS, k, &s, err, sizeof err) < 0) {
        fprintf(stderr, "pg_bench: %s\n", err);
        return 1;
    }
    workflow_summary_free(&s);
    double fill_ms = now_ms() - t0, fill_cpu = harness_proc_cpu_s(pid) - c0;

    double q_old, q_new;
    double old_share = collector_share(a, NULL, seconds, &q_old);
    double new_share = collector_share(b, k, seconds, &q_new);
    ch.stop = 1;
    pthread_join(th, NULL);

    /* once the churn stops: the kept counts against the GROUP BY */
    static char ours[65536], truth[65536];
    if (conductor_summary(b, 24, SUMMARY_COUNTS, k, &s, err, sizeof err) < 0) {
        fprintf(stderr, "pg_bench: %s\n", err);
        return 1;
    }
    counts_text(&s, ours, sizeof ours);
    workflow_summary_free(&s);
    if (conductor_summary(a, 24, SUMMARY_COUNTS, NULL, &s, err, sizeof err) < 0) {
        fprintf(stderr, "pg_bench: %s\n", err);
        return 1;
    }
    counts_text(&s, truth, sizeof truth);
    workflow_summary_free(&s);
    struct pg_counts_stats st;
    pg_counts_get_stats(k, &st);
    bool exact = strcmp(ours, truth) == 0;

    printf("\n1,000,000-a-day Conductor: %ld executions in the window, %ld writes during %d s x 2\n",
           executions, ch.written, seconds);
    printf("  counts kept (pg_counts), backend CPU:   %5.2f%% of a core   (goal <= 2%%), queries %.0f ms per minute\n",
           new_share * 100, q_new * 60.0 / seconds);
    printf("  GROUP BY every 10 s, backend CPU:       %5.2f%% of a core, queries %.0f ms per minute\n",
           old_share * 100, q_old * 60.0 / seconds);
    printf("  ratio                                   %5.1fx\n",
           new_share > 0 ? old_share / new_share : 0.0);
    printf("  filling the memory once: %.0f ms, backend %.2f s CPU, %lld rows remembered (%.0f MiB)\n",
           fill_ms, fill_cpu, st.remembered, st.remembered * 24.0 * 4 / 3 / 1048576);
    printf("  counts after the churn equal the GROUP BY: %s\n", exact ? "yes" : "NO");
    pg_counts_free(k);
    pg_conn_close(a);
    pg_conn_close(b);
    return exact ? 0 : 1;
}

int main(int argc, char **argv)
{
    long executions = 1000000;
    int runs = 7, churn_s = 40, churn_only = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--executions") == 0)
            executions = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--churn-seconds") == 0)
            churn_s = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--churn-only") == 0)
            churn_only = atoi(argv[i + 1]);
    }
    if (executions < 1000 || runs < 1 || runs > 50) {
        fprintf(stderr, "usage: pg_bench [--executions N>=1000] [--runs 1..50] [--churn-seconds S] [--churn-only 1]\n");
        return 2;
    }
    struct pg_server pg;
    if (pg_server_start(&pg) < 0)
        return 1;
    PGconn *db = pg_server_client(&pg);
    pg_exec_file(db, "tests/fixtures/conductor_schema.sql");

    if (churn_only) {
        int crc = churn_bench(&pg, db, executions, churn_s);
        PQfinish(db);
        pg_server_stop(&pg);
        return crc;
    }
    double t0 = now_ms();
    char sql[4096];
    /* statuses: 2% RUNNING, 1% PAUSED, 88% COMPLETED, 5% FAILED, 2% TIMED_OUT, 2% TERMINATED;
     * 20 workflow names; start times over the last 30 days */
    snprintf(sql, sizeof sql,
        "CREATE TEMP TABLE gen AS SELECT i, 'wf-' || i AS id, 'flow_' || (i %% 20) AS name,"
        " CASE WHEN i %% 100 < 2 THEN 'RUNNING' WHEN i %% 100 < 3 THEN 'PAUSED'"
        "      WHEN i %% 100 < 91 THEN 'COMPLETED' WHEN i %% 100 < 96 THEN 'FAILED'"
        "      WHEN i %% 100 < 98 THEN 'TIMED_OUT' ELSE 'TERMINATED' END AS status,"
        " now() - (random() * interval '30 days') AS start_time"
        " FROM generate_series(1, %ld) i;"
        "INSERT INTO workflow (workflow_id, correlation_id, json_data)"
        " SELECT id, 'corr-' || i, json_build_object('workflowId', id, 'workflowName', name,"
        "   'workflowVersion', 1, 'status', status,"
        "   'createTime', (extract(epoch FROM start_time) * 1000)::bigint,"
        "   'endTime', CASE WHEN status IN ('RUNNING', 'PAUSED') THEN 0"
        "              ELSE (extract(epoch FROM start_time) * 1000)::bigint + 60000 END,"
        "   'reasonForIncompletion', CASE WHEN status = 'FAILED' THEN 'task failed' END,"
        "   'tasks', '[]'::json, 'input', json_build_object('orderId', i))::text FROM gen;"
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
        "  status, json_data, update_time, end_time)"
        " SELECT id, 'corr-' || i, name, start_time, status, '{}', start_time,"
        "   CASE WHEN status IN ('RUNNING', 'PAUSED') THEN 'epoch'::timestamptz"
        "        ELSE start_time + interval '1 minute' END FROM gen;"
        /* one execution with 1000 tasks */
        "INSERT INTO workflow (workflow_id, json_data) VALUES ('big-1',"
        " '{\"workflowId\":\"big-1\",\"workflowName\":\"big\",\"workflowVersion\":1,"
        "\"status\":\"RUNNING\",\"createTime\":1700000000000,\"endTime\":0,\"tasks\":[]}');"
        "INSERT INTO task (task_id, json_data) SELECT 'big-1-t' || s, json_build_object("
        " 'taskId', 'big-1-t' || s, 'seq', s, 'referenceTaskName', 'step_' || s,"
        " 'taskType', 'SIMPLE', 'status', 'COMPLETED', 'retryCount', 0, 'pollCount', 1,"
        " 'scheduledTime', 1700000000000 + s * 100, 'startTime', 1700000000000 + s * 100 + 5,"
        " 'endTime', 1700000000000 + s * 100 + 90, 'workerId', 'worker-' || (s %% 8),"
        " 'inputData', json_build_object('n', s), 'outputData', json_build_object('ok', true))::text"
        " FROM generate_series(1, 1000) s;"
        "INSERT INTO workflow_to_task (workflow_id, task_id)"
        " SELECT 'big-1', 'big-1-t' || s FROM generate_series(1, 1000) s;"
        /* other executions' tasks, so the task table is not trivially small */
        "INSERT INTO task (task_id, json_data) SELECT 'wf-' || i || '-t' || k,"
        " json_build_object('taskId', 'wf-' || i || '-t' || k, 'seq', k, 'status', 'COMPLETED')::text"
        " FROM generate_series(1, %ld) i, generate_series(1, 2) k;"
        "INSERT INTO workflow_to_task (workflow_id, task_id) SELECT 'wf-' || i, 'wf-' || i || '-t' || k"
        " FROM generate_series(1, %ld) i, generate_series(1, 2) k;"
        "ANALYZE;",
        executions, executions / 10, executions / 10);
    pg_exec(db, sql);
    fprintf(stderr, "pg_bench: %ld executions, %ld tasks + one execution of 1000 loaded in %.1f s\n",
            executions, executions / 5,
            (now_ms() - t0) / 1000.0);

    char err[300];
    PGconn *conn = pg_conn_open(pg.conninfo, err, sizeof err);   /* prepared statements, as the collector */
    if (!conn) {
        fprintf(stderr, "pg_bench: %s\n", err);
        return 1;
    }
    double sum_ms[50], open_ms[50], tick_ms[50];
    int rc = 0;
    for (int i = 0; i < runs; i++) {
        struct workflow_summary s;
        double t = now_ms();
        if (conductor_summary(conn, 24, SUMMARY_ALL, NULL, &s, err, sizeof err) < 0) {
            fprintf(stderr, "pg_bench: %s\n", err);
            return 1;
        }
        sum_ms[i] = now_ms() - t;
        if (!s.index_tables || s.running_n != 10 || s.failures_n != 10) {
            fprintf(stderr, "pg_bench: wrong summary (index %d, running %zu, failures %zu)\n",
                    s.index_tables, s.running_n, s.failures_n);
            rc = 1;
        }
        workflow_summary_free(&s);

        /* what the collector reads on the ticks in between: running and the rates */
        t = now_ms();
        if (conductor_summary(conn, 24, SUMMARY_RUNNING | SUMMARY_RATES, NULL, &s, err, sizeof err) < 0) {
            fprintf(stderr, "pg_bench: %s\n", err);
            return 1;
        }
        tick_ms[i] = now_ms() - t;
        workflow_summary_free(&s);

        struct workflow_exec w;
        t = now_ms();
        if (conductor_fetch_workflow(conn, "big-1", &w, err, sizeof err) != 1) {
            fprintf(stderr, "pg_bench: %s\n", err);
            return 1;
        }
        open_ms[i] = now_ms() - t;
        if (w.task_count != 1000 || w.tasks[999].seq != 1000) {
            fprintf(stderr, "pg_bench: wrong execution (%zu tasks)\n", w.task_count);
            rc = 1;
        }
        workflow_exec_free(&w);
    }
    pg_conn_close(conn);
    double s_med = median(sum_ms, runs), o_med = median(open_ms, runs);
    double t_med = median(tick_ms, runs);
    printf("executions %ld, runs %d\n", executions, runs);
    printf("summary (counts, running, failures, rates):          median %.1f ms   (goal < 50 ms)%s\n",
           s_med, s_med < 50 ? "" : "   MISSED");
    printf("  the cheap part read every tick (running, rates):   median %.1f ms\n", t_med);
    printf("open one execution with 1000 tasks:                  median %.1f ms   (goal < 100 ms)%s\n",
           o_med, o_med < 100 ? "" : "   MISSED");

    explain(db, "counts by status",
            "SELECT workflow_type, status, count(*) FROM workflow_index"
            " WHERE status IN ('RUNNING', 'PAUSED') OR start_time >= now() - make_interval(hours => 24)"
            " GROUP BY 1, 2");
    explain(db, "oldest running",
            "SELECT workflow_id, workflow_type, correlation_id, start_time FROM workflow_index"
            " WHERE status = 'RUNNING' ORDER BY start_time + interval '0' LIMIT 10");
    explain(db, "recent failures",
            "SELECT workflow_id FROM workflow_index WHERE status IN ('FAILED', 'TIMED_OUT', 'TERMINATED')"
            " AND end_time >= now() - make_interval(hours => 24) ORDER BY end_time DESC LIMIT 10");
    explain(db, "starts and ends per type, last 5 minutes",
            "SELECT workflow_type, count(*) FROM workflow_index"
            " WHERE start_time >= now() - interval '5 minutes' OR end_time >= now() - interval '5 minutes'"
            " GROUP BY 1");
    explain(db, "one execution's task ids",
            "SELECT task_id FROM workflow_to_task WHERE workflow_id = 'big-1'");
    explain(db, "its tasks by primary key (1000 ids, shown for 3)",
            "SELECT json_data FROM task WHERE task_id = ANY('{big-1-t1,big-1-t2,big-1-t3}'::varchar[])");
    if (churn_s > 0 && churn_bench(&pg, db, executions, churn_s) != 0)
        rc = 1;
    PQfinish(db);
    pg_server_stop(&pg);
    return rc;
}
