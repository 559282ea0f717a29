/* prefect_summary, prefect_fetch_workflow and prefect_find against a real PostgreSQL holding
 * Prefect's schema (tests/fixtures/prefect_schema.sql), through the read-only session queuetop
 * opens. The flow runs are written the way Prefect's orchestration writes them: a row per state
 * in flow_run_state / task_run_state, the run's state_id pointing at the current one, its
 * state_type/state_name/state_timestamp copied from it, run_count counting RUNNING entries.
 * Among them: a running run with task runs stored out of order, a failed one whose task run was
 * retried twice, a crashed one, a cancelled one, a subflow whose parent_task_run_id is a task
 * run of another flow run, runs outside the window, and control characters in names. Times are
 * whole milliseconds relative to the database's clock at setup, so every value is exact.
 * The last test loads tens of thousands of runs into a second database and checks, through
 * auto_explain, that no query reads a run or state table sequentially. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../unit/cm.h"
#include "harness.h"
#include "json_fields.h"
#include "pg_harness.h"
#include "../../collectors/pg_conn.h"
#include "../../collectors/pg_prefect.h"
#include "../../collectors/util.h"

static struct pg_server pg;
static PGconn *db;          /* superuser: writes the fixtures */
static PGconn *qt;          /* the session queuetop opens: read-only, statement timeout */
static long long NOW;       /* the database's clock at setup, whole seconds, epoch ms */

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define NONE QT_UNKNOWN

/* ---- ids ----------------------------------------------------------------------------------- */

#define F_ETL     "0f000000-0000-4000-8000-000000000001"
#define F_BILLING "0f000000-0000-4000-8000-000000000002"
#define F_REPORTS "0f000000-0000-4000-8000-000000000003"
#define F_CHILD   "0f000000-0000-4000-8000-000000000004"

#define R_RUNNING  "1f000000-0000-4000-8000-000000000001"   /* etl-orders, tasks, a subflow */
#define R_FAILED   "1f000000-0000-4000-8000-000000000002"   /* billing, a retried task */
#define R_CRASHED  "1f000000-0000-4000-8000-000000000003"
#define R_CANCEL   "1f000000-0000-4000-8000-000000000004"
#define R_OLDFAIL  "1f000000-0000-4000-8000-000000000005"   /* same name as R_FAILED, 49 h ago */
#define R_SUBFLOW  "1f000000-0000-4000-8000-000000000006"
#define R_OLDDONE  "1f000000-0000-4000-8000-000000000007"
#define R_DONE     "1f000000-0000-4000-8000-000000000008"
#define R_LATE     "1f000000-0000-4000-8000-000000000009"
#define R_OLDRUN   "1f000000-0000-4000-8000-00000000000a"
#define R_HOSTILE  "1f000000-0000-4000-8000-00000000000b"
#define R_PAUSED   "1f000000-0000-4000-8000-00000000000c"

#define T_EXTRACT  "2f000000-0000-4000-8000-000000000001"
#define T_CHILD    "2f000000-0000-4000-8000-000000000002"
#define T_LOAD     "2f000000-0000-4000-8000-000000000003"
#define T_NOTIFY   "2f000000-0000-4000-8000-000000000004"
#define T_AUDIT    "2f000000-0000-4000-8000-000000000005"
#define T_LOOKUP   "2f000000-0000-4000-8000-000000000011"
#define T_CHARGE   "2f000000-0000-4000-8000-000000000012"
#define T_REFUND   "2f000000-0000-4000-8000-000000000013"
#define T_RECEIPT  "2f000000-0000-4000-8000-000000000014"
#define T_LEFTOVER "2f000000-0000-4000-8000-000000000021"
#define T_RENDER   "2f000000-0000-4000-8000-000000000031"

#define HOSTILE_RUN_NAME "swift\x1b]0;pwned\x07" "crane"
#define HOSTILE_TASK_NAME "load\x1b[2J\r\n" "orders-0"

/* ---- fixtures: rows as Prefect's orchestration writes them --------------------------------- */

struct state {
    const char *type, *name, *message;   /* type NULL ends the list; message NULL: none */
    long long at;                        /* epoch ms */
};

#define MAX_STATES 8

struct run {
    const char *id, *flow_id, *name;
    long long expected, start, end;      /* NONE: NULL */
    int run_count;
    const char *parent_task, *parameters; /* NULL: none, '{}' */
    struct state states[MAX_STATES];     /* oldest first; the last one is current */
};

struct task {
    const char *id, *flow_run_id, *name, *key, *dynamic_key;
    long long expected, start, end;
    int run_count;
    const char *inputs, *policy;         /* NULL: '{}' */
    struct state states[MAX_STATES];
};

/* Runs sql with text parameters (NULL is SQL NULL); a failure ends the run. */
static void exec_params(PGconn *c, const char *sql, int n, const char *const *values)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "fixture: %s\nin: %.200s\n", PQresultErrorMessage(r), sql);
        exit(1);
    }
    PQclear(r);
}

/* ms as a parameter for TS(): NULL for NONE. buf holds 24 bytes. */
static const char *ms_param(long long ms, char *buf)
{
    if (ms == NONE)
        return NULL;
    snprintf(buf, 24, "%lld", ms);
    return buf;
}

#define TS(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 millisecond')"

static size_t state_count(const struct state *s)
{
    size_t n = 0;
    while (n < MAX_STATES && s[n].type)
        n++;
    return n;
}

static void add_flow(const char *id, const char *name)
{
    const char *p[2] = { id, name };
    exec_params(db, "INSERT INTO flow (id, name) VALUES ($1, $2)", 2, p);
}

/* The states of a run into `table` (flow_run_state or task_run_state, keyed by `key`), then
 * the run's state_id to the newest of them, as Prefect's set_state does. */
static void add_states(const char *table, const char *key, const char *run_table,
                       const char *run_id, const struct state *states)
{
    char sql[512], at[24];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (%s, type, name, message, \"timestamp\", created, updated)"
             " VALUES ($1, $2::state_type, $3, $4, " TS(5) ", " TS(5) ", " TS(5) ")",
             table, key);
    for (size_t i = 0; i < state_count(states); i++) {
        const char *p[5] = { run_id, states[i].type, states[i].name, states[i].message,
                             ms_param(states[i].at, at) };
        exec_params(db, sql, 5, p);
    }
    snprintf(sql, sizeof sql,
             "UPDATE %s SET state_id = (SELECT id FROM %s WHERE %s = $1"
             " ORDER BY \"timestamp\" DESC LIMIT 1) WHERE id = $1",
             run_table, table, key);
    const char *p[1] = { run_id };
    exec_params(db, sql, 1, p);
}

static void add_run(const struct run *r)
{
    const struct state *cur = &r->states[state_count(r->states) - 1];
    char at[24], created[24], expected[24], start[24], end[24], count[16];
    snprintf(count, sizeof count, "%d", r->run_count);
    const char *p[13] = { r->id, r->flow_id, r->name, cur->type, cur->name,
                          ms_param(cur->at, at), count, ms_param(r->expected, expected),
                          ms_param(r->start, start), ms_param(r->end, end), r->parent_task,
                          r->parameters ? r->parameters : "{}",
                          ms_param(r->states[0].at, created) };
    exec_params(db,
        "INSERT INTO flow_run (id, flow_id, name, state_type, state_name, state_timestamp,"
        "  run_count, expected_start_time, start_time, end_time, parent_task_run_id, parameters,"
        "  created, updated)"
        " VALUES ($1, $2, $3, $4::state_type, $5, " TS(6) ", $7::int, " TS(8) ", " TS(9) ", "
        TS(10) ", $11::uuid, $12::jsonb, " TS(13) ", " TS(6) ")",
        13, p);
    add_states("flow_run_state", "flow_run_id", "flow_run", r->id, r->states);
}

static void add_task(const struct task *t)
{
    const struct state *cur = &t->states[state_count(t->states) - 1];
    char at[24], created[24], expected[24], start[24], end[24], count[16];
    snprintf(count, sizeof count, "%d", t->run_count);
    const char *p[15] = { t->id, t->flow_run_id, t->name, t->key, t->dynamic_key, cur->type,
                          cur->name, ms_param(cur->at, at), count,
                          ms_param(t->expected, expected), ms_param(t->start, start),
                          ms_param(t->end, end), t->inputs ? t->inputs : "{}",
                          t->policy ? t->policy : "{}", ms_param(t->states[0].at, created) };
    exec_params(db,
        "INSERT INTO task_run (id, flow_run_id, name, task_key, dynamic_key, state_type,"
        "  state_name, state_timestamp, run_count, expected_start_time, start_time, end_time,"
        "  task_inputs, empirical_policy, created, updated)"
        " VALUES ($1, $2, $3, $4, $5, $6::state_type, $7, " TS(8) ", $9::int, " TS(10) ", "
        TS(11) ", " TS(12) ", $13::jsonb, $14::jsonb, " TS(15) ", " TS(8) ")",
        15, p);
    add_states("task_run_state", "task_run_id", "task_run", t->id, t->states);
}

/* The fixture set; every time is relative to NOW. */
static void add_fixtures(void)
{
    add_flow(F_ETL, "etl-orders");
    add_flow(F_BILLING, "billing");
    add_flow(F_REPORTS, "reports");
    add_flow(F_CHILD, "child-flow");

    /* running for two hours, five task runs (inserted out of order) and a subflow */
    const long long r0 = NOW - 2 * HOUR;
    add_run(&(struct run){ R_RUNNING, F_ETL, "crimson-otter", r0, r0 + SEC, NONE, 1, NULL,
        "{\"date\": \"2024-01-01\", \"ratio\": 0.1, \"limit\": 100}",
        { { "SCHEDULED", "Scheduled", NULL, r0 - MIN }, { "PENDING", "Pending", NULL, r0 + 500 },
          { "RUNNING", "Running", NULL, r0 + SEC } } });
    add_task(&(struct task){ T_LOAD, R_RUNNING, HOSTILE_TASK_NAME, "load-c3", "0",
        r0 + 102 * SEC, r0 + 103 * SEC, NONE, 1,
        "{\"rows\": [{\"input_type\": \"task_run\", \"id\": \"" T_EXTRACT "\"}]}", NULL,
        { { "PENDING", "Pending", NULL, r0 + 102 * SEC },
          { "RUNNING", "Running", NULL, r0 + 103 * SEC } } });
    add_task(&(struct task){ T_NOTIFY, R_RUNNING, "notify-0", "notify-d4", "0",
        r0 + 104 * SEC, NONE, NONE, 0, NULL, NULL,
        { { "PENDING", "Pending", NULL, r0 + 104 * SEC } } });
    add_task(&(struct task){ T_EXTRACT, R_RUNNING, "extract-0", "extract-a1", "0",
        r0 + 2 * SEC, r0 + 3 * SEC, r0 + 60 * SEC, 1,
        "{\"date\": [{\"input_type\": \"parameter\", \"name\": \"date\"}]}", NULL,
        { { "PENDING", "Pending", NULL, r0 + 2 * SEC }, { "RUNNING", "Running", NULL, r0 + 3 * SEC },
          { "COMPLETED", "Completed", NULL, r0 + 60 * SEC } } });
    /* same expected start as notify-0, never started: after it, by id */
    add_task(&(struct task){ T_AUDIT, R_RUNNING, "audit-0", "audit-e5", "0",
        r0 + 104 * SEC, NONE, NONE, 0, NULL, NULL,
        { { "SCHEDULED", "Scheduled", NULL, r0 + 104 * SEC } } });
    add_task(&(struct task){ T_CHILD, R_RUNNING, "child-flow-0", "child_flow-b2", "0",
        r0 + 61 * SEC, r0 + 62 * SEC, r0 + 101 * SEC, 1, NULL, NULL,
        { { "PENDING", "Pending", NULL, r0 + 61 * SEC }, { "RUNNING", "Running", NULL, r0 + 62 * SEC },
          { "COMPLETED", "Completed", NULL, r0 + 101 * SEC } } });
    add_run(&(struct run){ R_SUBFLOW, F_CHILD, "nimble-wren", r0 + 62 * SEC, r0 + 63 * SEC,
        r0 + 100 * SEC, 1, T_CHILD, NULL,
        { { "PENDING", "Pending", NULL, r0 + 62 * SEC }, { "RUNNING", "Running", NULL, r0 + 63 * SEC },
          { "COMPLETED", "Completed", "All states completed.", r0 + 100 * SEC } } });

    /* failed an hour ago; charge-0 ran three times; receipt-0 was cancelled after it */
    const long long f0 = NOW - 3 * HOUR;
    add_run(&(struct run){ R_FAILED, F_BILLING, "amber-falcon", f0, f0, NOW - HOUR, 1, NULL, NULL,
        { { "PENDING", "Pending", NULL, f0 - SEC }, { "RUNNING", "Running", NULL, f0 },
          { "FAILED", "Failed", "Flow run encountered an exception: ValueError: card declined",
            NOW - HOUR } } });
    add_task(&(struct task){ T_LOOKUP, R_FAILED, "lookup-0", "lookup-f1", "0",
        f0 + SEC, f0 + SEC, f0 + 2 * SEC, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, f0 + SEC },
          { "COMPLETED", "Completed", NULL, f0 + 2 * SEC } } });
    add_task(&(struct task){ T_CHARGE, R_FAILED, "charge-0", "charge-f2", "0",
        f0 + 3 * SEC, f0 + 4 * SEC, NOW - HOUR - 10 * SEC, 3, NULL,
        "{\"retries\": 2, \"retry_delay\": 10}",
        { { "RUNNING", "Running", NULL, f0 + 4 * SEC },
          { "SCHEDULED", "AwaitingRetry", "Retry 1/2 will start 10 second(s) from now",
            f0 + 20 * SEC },
          { "RUNNING", "Retrying", NULL, f0 + 30 * SEC },
          { "SCHEDULED", "AwaitingRetry", "Retry 2/2 will start 10 second(s) from now",
            f0 + 40 * SEC },
          { "RUNNING", "Retrying", NULL, f0 + 50 * SEC },
          { "FAILED", "Failed", "Task run encountered an exception ValueError: card declined",
            NOW - HOUR - 10 * SEC } } });
    add_task(&(struct task){ T_REFUND, R_FAILED, "refund-0", "refund-f3", "0",
        f0 + 5 * SEC, NONE, NONE, 0, NULL, NULL,
        { { "PENDING", "NotReady", NULL, f0 + 5 * SEC } } });
    add_task(&(struct task){ T_RECEIPT, R_FAILED, "receipt-0", "receipt-f4", "0",
        f0 + 6 * SEC, f0 + 7 * SEC, NOW - HOUR - 5 * SEC, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, f0 + 7 * SEC },
          { "CANCELLED", "Cancelled", "Cancelled: the flow run failed", NOW - HOUR - 5 * SEC } } });

    /* crashed four hours ago, its task run left RUNNING */
    const long long c0 = NOW - 5 * HOUR;
    add_run(&(struct run){ R_CRASHED, F_BILLING, "quiet-heron", c0, c0, NOW - 4 * HOUR, 1, NULL,
        NULL,
        { { "RUNNING", "Running", NULL, c0 },
          { "CRASHED", "Crashed", "Flow run infrastructure exited with non-zero status code 137.",
            NOW - 4 * HOUR } } });
    add_task(&(struct task){ T_LEFTOVER, R_CRASHED, "charge-0", "charge-f2", "0",
        c0 + SEC, c0 + SEC, NONE, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, c0 + SEC } } });

    /* cancelled two minutes ago */
    const long long x0 = NOW - 30 * MIN;
    add_run(&(struct run){ R_CANCEL, F_REPORTS, "brisk-lynx", x0, x0 + SEC, NOW - 2 * MIN, 1,
        NULL, NULL,
        { { "RUNNING", "Running", NULL, x0 + SEC },
          { "CANCELLING", "Cancelling", NULL, NOW - 3 * MIN },
          { "CANCELLED", "Cancelled", "Flow run was cancelled by the user.", NOW - 2 * MIN } } });
    add_task(&(struct task){ T_RENDER, R_CANCEL, "render-0", "render-r1", "0",
        x0 + 2 * SEC, x0 + 2 * SEC, NOW - 2 * MIN, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, x0 + 2 * SEC },
          { "CANCELLED", "Cancelled", "Task run was cancelled.", NOW - 2 * MIN } } });

    /* outside the 24 h window: a failure (named like R_FAILED) and a completion */
    add_run(&(struct run){ R_OLDFAIL, F_BILLING, "amber-falcon", NOW - 50 * HOUR, NOW - 50 * HOUR,
        NOW - 49 * HOUR, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, NOW - 50 * HOUR },
          { "FAILED", "Failed", "old failure", NOW - 49 * HOUR } } });
    add_run(&(struct run){ R_OLDDONE, F_ETL, "old-mole", NOW - 48 * HOUR, NOW - 48 * HOUR,
        NOW - 47 * HOUR, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, NOW - 48 * HOUR },
          { "COMPLETED", "Completed", NULL, NOW - 47 * HOUR } } });

    /* inside the rate window: started 3 min ago, completed 1 min ago */
    add_run(&(struct run){ R_DONE, F_ETL, "gentle-moose", NOW - 3 * MIN - SEC, NOW - 3 * MIN,
        NOW - MIN, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, NOW - 3 * MIN },
          { "COMPLETED", "Completed", NULL, NOW - MIN } } });

    /* non-terminal and old: counted whatever their age */
    add_run(&(struct run){ R_LATE, F_ETL, "late-badger", NOW - 30 * HOUR, NONE, NONE, 0, NULL,
        NULL,
        { { "SCHEDULED", "Scheduled", NULL, NOW - 31 * HOUR },
          { "SCHEDULED", "Late", NULL, NOW - 30 * HOUR + 10 * MIN } } });
    add_run(&(struct run){ R_OLDRUN, F_ETL, "steady-ox", NOW - 30 * HOUR, NOW - 30 * HOUR, NONE,
        2, NULL, NULL,
        { { "RUNNING", "Running", NULL, NOW - 30 * HOUR },
          { "SCHEDULED", "AwaitingRetry", NULL, NOW - 29 * HOUR },
          { "RUNNING", "Retrying", NULL, NOW - 29 * HOUR + MIN } } });
    add_run(&(struct run){ R_PAUSED, F_BILLING, "sleepy-koala", NOW - 6 * HOUR, NOW - 6 * HOUR,
        NONE, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, NOW - 6 * HOUR },
          { "PAUSED", "Paused", NULL, NOW - 6 * HOUR + MIN } } });

    /* started two minutes ago, a name full of escape sequences */
    add_run(&(struct run){ R_HOSTILE, F_REPORTS, HOSTILE_RUN_NAME, NOW - 2 * MIN - 5 * SEC,
        NOW - 2 * MIN, NONE, 1, NULL, NULL,
        { { "RUNNING", "Running", NULL, NOW - 2 * MIN } } });
}

static int group_setup(void **state)
{
    (void)state;
    if (pg_server_start(&pg) < 0)
        return -1;
    db = pg_server_client(&pg);
    pg_exec_file(db, "tests/fixtures/prefect_schema.sql");
    PGresult *r = PQexec(db, "SELECT floor(extract(epoch FROM now()))::bigint * 1000");
    NOW = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    add_fixtures();
    char err[300];
    qt = pg_conn_open(pg.conninfo, err, sizeof err);
    if (!qt) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pg_conn_close(qt);
    PQfinish(db);
    pg_server_stop(&pg);
    return 0;
}

/* ---- assertions ---------------------------------------------------------------------------- */

#define assert_bytes(b, s) assert_string_equal((b).ptr, (s))
#define assert_ms(v, want) assert_true((long long)(v) == (long long)(want))

static void assert_brief(const struct exec_brief *b, const char *id, const char *name,
                         const char *status, const char *corr, const char *reason,
                         long long start, long long end)
{
    assert_bytes(b->id, id);
    assert_bytes(b->name, name);
    assert_bytes(b->status, status);
    assert_bytes(b->correlation_id, corr);
    assert_bytes(b->reason, reason);
    assert_ms(b->start_ms, start);
    assert_ms(b->end_ms, end);
}

static void assert_no_failed_task(const struct exec_brief *b)
{
    assert_bytes(b->failed_ref, "");
    assert_bytes(b->failed_reason, "");
    assert_ms(b->failed_retry_count, NONE);
}

/* ---- summary ------------------------------------------------------------------------------- */

/* Non-terminal runs whatever their age; terminal ones started in the last 24 h. */
static void test_summary_counts(void **state)
{
    (void)state;
    struct workflow_summary s;
    char err[300];
    assert_int_equal(prefect_summary(qt, 24, SUMMARY_COUNTS, &s, err, sizeof err), 0);
    assert_true(s.index_tables);
    assert_int_equal(s.window_hours, 24);
    assert_true(s.db_now_ms >= NOW && s.db_now_ms < NOW + 5 * MIN);
    static const struct { const char *flow, *status; long long n; } want[] = {
        { "billing", "CRASHED", 1 },      /* quiet-heron */
        { "billing", "FAILED", 1 },       /* amber-falcon; the 50 h old one is out */
        { "billing", "PAUSED", 1 },
        { "child-flow", "COMPLETED", 1 }, /* the subflow */
        { "etl-orders", "COMPLETED", 1 }, /* gentle-moose; old-mole (48 h) is out */
        { "etl-orders", "RUNNING", 2 },   /* crimson-otter and steady-ox (30 h) */
        { "etl-orders", "SCHEDULED", 1 }, /* late-badger, expected 30 h ago */
        { "reports", "CANCELLED", 1 },
        { "reports", "RUNNING", 1 },
    };
    assert_int_equal(s.count_n, ARRAY_LEN(want));
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        assert_bytes(s.counts[i].type, want[i].flow);
        assert_string_equal(s.counts[i].status, want[i].status);
        assert_int_equal(s.counts[i].count, want[i].n);
    }
    /* only the part asked for */
    assert_int_equal(s.running_n, 0);
    assert_int_equal(s.failures_n, 0);
    assert_int_equal(s.rate_n, 0);
    assert_int_equal(s.rate_window_min, 0);
    workflow_summary_free(&s);

    /* a window of 60 h takes the old failure and the old completion in */
    assert_int_equal(prefect_summary(qt, 60, SUMMARY_COUNTS, &s, err, sizeof err), 0);
    assert_int_equal(s.count_n, ARRAY_LEN(want));
    assert_int_equal(s.counts[1].count, 2);   /* billing FAILED */
    assert_int_equal(s.counts[4].count, 2);   /* etl-orders COMPLETED */
    workflow_summary_free(&s);
}

static void test_summary_running(void **state)
{
    (void)state;
    struct workflow_summary s;
    char err[300];
    assert_int_equal(prefect_summary(qt, 24, SUMMARY_RUNNING, &s, err, sizeof err), 0);
    assert_int_equal(s.running_n, 3);
    /* oldest start first; a run between retries says so */
    assert_brief(&s.running[0], R_OLDRUN, "etl-orders", "RUNNING", "steady-ox", "Retrying",
                 NOW - 30 * HOUR, NONE);
    assert_brief(&s.running[1], R_RUNNING, "etl-orders", "RUNNING", "crimson-otter", "",
                 NOW - 2 * HOUR + SEC, NONE);
    assert_brief(&s.running[2], R_HOSTILE, "reports", "RUNNING", HOSTILE_RUN_NAME, "",
                 NOW - 2 * MIN, NONE);
    for (size_t i = 0; i < s.running_n; i++)
        assert_no_failed_task(&s.running[i]);
    assert_int_equal(s.count_n, 0);
    assert_null(s.counts);
    assert_int_equal(s.failures_n, 0);
    workflow_summary_free(&s);
}

static void test_summary_failures(void **state)
{
    (void)state;
    struct workflow_summary s;
    char err[300];
    assert_int_equal(prefect_summary(qt, 24, SUMMARY_FAILURES, &s, err, sizeof err), 0);
    assert_int_equal(s.failures_n, 3);
    /* newest end first */
    const struct exec_brief *cancel = &s.failures[0], *fail = &s.failures[1],
                            *crash = &s.failures[2];
    assert_brief(cancel, R_CANCEL, "reports", "CANCELLED", "brisk-lynx",
                 "Flow run was cancelled by the user.", NOW - 30 * MIN + SEC, NOW - 2 * MIN);
    assert_bytes(cancel->failed_ref, "render-0");
    assert_bytes(cancel->failed_reason, "Task run was cancelled.");
    assert_int_equal(cancel->failed_retry_count, 0);

    assert_brief(fail, R_FAILED, "billing", "FAILED", "amber-falcon",
                 "Flow run encountered an exception: ValueError: card declined",
                 NOW - 3 * HOUR, NOW - HOUR);
    /* the failed task run, not receipt-0 that was cancelled after it; the message of its
     * current state, not of an earlier attempt; three runs are two retries */
    assert_bytes(fail->failed_ref, "charge-0");
    assert_bytes(fail->failed_reason, "Task run encountered an exception ValueError: card declined");
    assert_int_equal(fail->failed_retry_count, 2);

    /* its task run was left RUNNING: no failed task */
    assert_brief(crash, R_CRASHED, "billing", "CRASHED", "quiet-heron",
                 "Flow run infrastructure exited with non-zero status code 137.",
                 NOW - 5 * HOUR, NOW - 4 * HOUR);
    assert_no_failed_task(crash);
    assert_int_equal(s.running_n, 0);
    workflow_summary_free(&s);

    /* two hours back: the cancellation and the failure only */
    assert_int_equal(prefect_summary(qt, 2, SUMMARY_FAILURES, &s, err, sizeof err), 0);
    assert_int_equal(s.failures_n, 2);
    assert_bytes(s.failures[1].id, R_FAILED);
    workflow_summary_free(&s);
}

static void test_summary_rates(void **state)
{
    (void)state;
    struct workflow_summary s;
    char err[300];
    assert_int_equal(prefect_summary(qt, 24, SUMMARY_RATES, &s, err, sizeof err), 0);
    assert_int_equal(s.rate_window_min, 5);
    assert_int_equal(s.rate_n, 2);
    /* gentle-moose started 3 min ago and completed 1 min ago */
    assert_bytes(s.rates[0].type, "etl-orders");
    assert_int_equal(s.rates[0].started, 1);
    assert_int_equal(s.rates[0].completed, 1);
    assert_int_equal(s.rates[0].failed, 0);
    /* the hostile run started 2 min ago; brisk-lynx was cancelled 2 min ago */
    assert_bytes(s.rates[1].type, "reports");
    assert_int_equal(s.rates[1].started, 1);
    assert_int_equal(s.rates[1].completed, 0);
    assert_int_equal(s.rates[1].failed, 1);
    assert_int_equal(s.count_n + s.running_n + s.failures_n, 0);
    workflow_summary_free(&s);
}

static void test_summary_all_parts(void **state)
{
    (void)state;
    struct workflow_summary s;
    char err[300];
    assert_int_equal(prefect_summary(qt, 24, SUMMARY_ALL, &s, err, sizeof err), 0);
    assert_int_equal(s.count_n, 9);
    assert_int_equal(s.running_n, 3);
    assert_int_equal(s.failures_n, 3);
    assert_int_equal(s.rate_n, 2);
    assert_int_equal(s.rate_window_min, 5);
    workflow_summary_free(&s);
}

/* A database without Prefect's tables: an error that says so, and nothing to free. */
static void test_summary_not_prefect(void **state)
{
    (void)state;
    pg_exec(db, "CREATE DATABASE bare");
    char conninfo[600], err[300];
    snprintf(conninfo, sizeof conninfo, "host=%s port=%d dbname=bare user=postgres", pg.dir,
             pg.port);
    PGconn *c = pg_conn_open(conninfo, err, sizeof err);
    assert_non_null(c);
    struct workflow_summary s;
    assert_int_equal(prefect_summary(c, 24, SUMMARY_ALL, &s, err, sizeof err), -1);
    assert_string_equal(err, "no Prefect tables (flow, flow_run, task_run) in this database's"
                             " search_path: not a Prefect database?");
    assert_false(s.index_tables);
    assert_null(s.counts);
    assert_int_equal(s.count_n + s.running_n + s.failures_n + s.rate_n, 0);
    workflow_summary_free(&s);
    struct workflow_exec w;
    assert_int_equal(prefect_fetch_workflow(c, R_RUNNING, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "reading the flow run: "));
    assert_non_null(strstr(err, "flow_run"));
    pg_conn_close(c);
}

/* ---- one flow run ------------------------------------------------------------------------ */

static void assert_task(const struct task_exec *t, long long seq, const char *id,
                        const char *ref, const char *type, const char *status,
                        const char *reason, long long retry, long long sched, long long start,
                        long long end, long long update, const char *input, const char *sub)
{
    assert_int_equal(t->seq, seq);
    assert_bytes(t->task_id, id);
    assert_bytes(t->ref, ref);
    assert_bytes(t->type, type);
    assert_bytes(t->status, status);
    assert_bytes(t->reason, reason);
    assert_int_equal(t->retry_count, retry);
    assert_ms(t->poll_count, NONE);
    assert_ms(t->scheduled_ms, sched);
    assert_ms(t->start_ms, start);
    assert_ms(t->end_ms, end);
    assert_ms(t->update_ms, update);
    assert_bytes(t->input, input);
    assert_bytes(t->output, "");
    assert_bytes(t->worker_id, "");
    assert_bytes(t->sub_workflow_id, sub);
}

static void test_fetch_running_run(void **state)
{
    (void)state;
    struct workflow_exec w;
    char err[300];
    assert_int_equal(prefect_fetch_workflow(qt, R_RUNNING, &w, err, sizeof err), 1);
    const long long r0 = NOW - 2 * HOUR;
    assert_bytes(w.id, R_RUNNING);
    assert_bytes(w.name, "etl-orders");
    assert_ms(w.version, NONE);
    assert_bytes(w.status, "RUNNING");
    assert_bytes(w.correlation_id, "crimson-otter");
    assert_bytes(w.reason, "");
    assert_bytes(w.parent_id, "");
    assert_ms(w.start_ms, r0 + SEC);
    assert_ms(w.end_ms, NONE);
    assert_ms(w.update_ms, r0 + SEC);
    /* jsonb's key order (by length, then bytes), numbers as written, no blanks */
    assert_bytes(w.input, "{\"date\":\"2024-01-01\",\"limit\":100,\"ratio\":0.1}");
    assert_bytes(w.output, "");

    assert_int_equal(w.task_count, 5);
    for (size_t i = 0; i < w.task_count; i++)
        assert_bytes(w.tasks[i].workflow_id, R_RUNNING);
    assert_task(&w.tasks[0], 1, T_EXTRACT, "extract-0", "extract-a1", "COMPLETED", "", 0,
                r0 + 2 * SEC, r0 + 3 * SEC, r0 + 60 * SEC, r0 + 60 * SEC,
                "{\"date\":[{\"name\":\"date\",\"input_type\":\"parameter\"}]}", "");
    assert_task(&w.tasks[1], 2, T_CHILD, "child-flow-0", "child_flow-b2", "COMPLETED", "", 0,
                r0 + 61 * SEC, r0 + 62 * SEC, r0 + 101 * SEC, r0 + 101 * SEC, "{}", R_SUBFLOW);
    assert_task(&w.tasks[2], 3, T_LOAD, HOSTILE_TASK_NAME, "load-c3", "RUNNING", "", 0,
                r0 + 102 * SEC, r0 + 103 * SEC, NONE, r0 + 103 * SEC,
                "{\"rows\":[{\"id\":\"" T_EXTRACT "\",\"input_type\":\"task_run\"}]}", "");
    assert_task(&w.tasks[3], 4, T_NOTIFY, "notify-0", "notify-d4", "PENDING", "", 0,
                r0 + 104 * SEC, NONE, NONE, r0 + 104 * SEC, "{}", "");
    assert_task(&w.tasks[4], 5, T_AUDIT, "audit-0", "audit-e5", "SCHEDULED", "", 0,
                r0 + 104 * SEC, NONE, NONE, r0 + 104 * SEC, "{}", "");
    workflow_exec_free(&w);
}

static void test_fetch_failed_run(void **state)
{
    (void)state;
    struct workflow_exec w;
    char err[300];
    assert_int_equal(prefect_fetch_workflow(qt, R_FAILED, &w, err, sizeof err), 1);
    const long long f0 = NOW - 3 * HOUR;
    assert_bytes(w.name, "billing");
    assert_bytes(w.status, "FAILED");
    assert_bytes(w.correlation_id, "amber-falcon");
    assert_bytes(w.reason, "Flow run encountered an exception: ValueError: card declined");
    assert_ms(w.start_ms, f0);
    assert_ms(w.end_ms, NOW - HOUR);
    assert_bytes(w.input, "{}");
    assert_int_equal(w.task_count, 4);
    assert_task(&w.tasks[0], 1, T_LOOKUP, "lookup-0", "lookup-f1", "COMPLETED", "", 0,
                f0 + SEC, f0 + SEC, f0 + 2 * SEC, f0 + 2 * SEC, "{}", "");
    assert_task(&w.tasks[1], 2, T_CHARGE, "charge-0", "charge-f2", "FAILED",
                "Task run encountered an exception ValueError: card declined", 2,
                f0 + 3 * SEC, f0 + 4 * SEC, NOW - HOUR - 10 * SEC, NOW - HOUR - 10 * SEC, "{}", "");
    /* no message: the state's name says why it never ran */
    assert_task(&w.tasks[2], 3, T_REFUND, "refund-0", "refund-f3", "PENDING", "NotReady", 0,
                f0 + 5 * SEC, NONE, NONE, f0 + 5 * SEC, "{}", "");
    assert_task(&w.tasks[3], 4, T_RECEIPT, "receipt-0", "receipt-f4", "CANCELLED",
                "Cancelled: the flow run failed", 0, f0 + 6 * SEC, f0 + 7 * SEC,
                NOW - HOUR - 5 * SEC, NOW - HOUR - 5 * SEC, "{}", "");
    workflow_exec_free(&w);
}

/* A subflow names its parent flow run (through the parent task run); reasons fall back to a
 * state name only when it says more than the type. */
static void test_fetch_subflow_and_reasons(void **state)
{
    (void)state;
    struct workflow_exec w;
    char err[300];
    assert_int_equal(prefect_fetch_workflow(qt, R_SUBFLOW, &w, err, sizeof err), 1);
    assert_bytes(w.name, "child-flow");
    assert_bytes(w.status, "COMPLETED");
    assert_bytes(w.correlation_id, "nimble-wren");
    assert_bytes(w.parent_id, R_RUNNING);
    assert_bytes(w.reason, "All states completed.");
    assert_ms(w.start_ms, NOW - 2 * HOUR + 63 * SEC);
    assert_ms(w.end_ms, NOW - 2 * HOUR + 100 * SEC);
    assert_int_equal(w.task_count, 0);
    assert_null(w.tasks);
    workflow_exec_free(&w);

    assert_int_equal(prefect_fetch_workflow(qt, R_LATE, &w, err, sizeof err), 1);
    assert_bytes(w.status, "SCHEDULED");
    assert_bytes(w.reason, "Late");
    assert_ms(w.start_ms, NONE);
    assert_ms(w.end_ms, NONE);
    workflow_exec_free(&w);

    assert_int_equal(prefect_fetch_workflow(qt, R_PAUSED, &w, err, sizeof err), 1);
    assert_bytes(w.status, "PAUSED");
    assert_bytes(w.reason, "");            /* "Paused" says nothing more than PAUSED */
    workflow_exec_free(&w);
}

static void test_fetch_not_found(void **state)
{
    (void)state;
    struct workflow_exec w;
    char err[300] = "";
    assert_int_equal(prefect_fetch_workflow(qt, "1f000000-0000-4000-8000-0000000000ff", &w, err,
                                            sizeof err), 0);
    assert_int_equal(w.task_count, 0);
    /* not UUIDs: no run, and no cast error from the server */
    const char *junk[] = { "crimson-otter", "", "'; DROP TABLE flow_run; --",
                           "1f000000-0000-4000-8000-00000000000g",
                           "1f000000-0000-4000-8000-0000000000011" };
    for (size_t i = 0; i < ARRAY_LEN(junk); i++)
        assert_int_equal(prefect_fetch_workflow(qt, junk[i], &w, err, sizeof err), 0);
    assert_string_equal(err, "");
    /* the other spellings PostgreSQL accepts */
    assert_int_equal(prefect_fetch_workflow(qt, "1F000000-0000-4000-8000-00000000000A", &w, err,
                                            sizeof err), 1);
    assert_bytes(w.id, R_OLDRUN);
    workflow_exec_free(&w);
    assert_int_equal(prefect_fetch_workflow(qt, "1f000000000040008000000000000001", &w, err,
                                            sizeof err), 1);
    assert_bytes(w.id, R_RUNNING);
    workflow_exec_free(&w);
}

/* ---- search ------------------------------------------------------------------------------ */

static void test_find(void **state)
{
    (void)state;
    struct exec_brief list[8];
    char err[300];
    /* Prefect's names are not unique: both, newest start first */
    assert_int_equal(prefect_find(qt, "amber-falcon", list, 8, err, sizeof err), 2);
    assert_brief(&list[0], R_FAILED, "billing", "FAILED", "amber-falcon",
                 "Flow run encountered an exception: ValueError: card declined",
                 NOW - 3 * HOUR, NOW - HOUR);
    assert_no_failed_task(&list[0]);
    assert_brief(&list[1], R_OLDFAIL, "billing", "FAILED", "amber-falcon", "old failure",
                 NOW - 50 * HOUR, NOW - 49 * HOUR);
    for (int i = 0; i < 2; i++)
        exec_brief_free(&list[i]);

    assert_int_equal(prefect_find(qt, "amber-falcon", list, 1, err, sizeof err), 1);
    assert_bytes(list[0].id, R_FAILED);
    exec_brief_free(&list[0]);

    assert_int_equal(prefect_find(qt, R_SUBFLOW, list, 8, err, sizeof err), 1);
    assert_brief(&list[0], R_SUBFLOW, "child-flow", "COMPLETED", "nimble-wren",
                 "All states completed.", NOW - 2 * HOUR + 63 * SEC, NOW - 2 * HOUR + 100 * SEC);
    exec_brief_free(&list[0]);

    /* never started: ordered by its expected start */
    assert_int_equal(prefect_find(qt, "late-badger", list, 8, err, sizeof err), 1);
    assert_brief(&list[0], R_LATE, "etl-orders", "SCHEDULED", "late-badger", "Late", NONE, NONE);
    exec_brief_free(&list[0]);

    assert_int_equal(prefect_find(qt, HOSTILE_RUN_NAME, list, 8, err, sizeof err), 1);
    assert_bytes(list[0].id, R_HOSTILE);
    assert_bytes(list[0].correlation_id, HOSTILE_RUN_NAME);
    exec_brief_free(&list[0]);

    assert_int_equal(prefect_find(qt, "nothing-here", list, 8, err, sizeof err), 0);
    assert_int_equal(prefect_find(qt, "1f000000-0000-4000-8000-0000000000ff", list, 8, err,
                                  sizeof err), 0);
    assert_int_equal(prefect_find(qt, "amber-falcon", list, 0, err, sizeof err), 0);
}

/* ---- the cost on a big database ---------------------------------------------------------- */

static char *plans;          /* auto_explain's notices since the last take_plans() */
static size_t plans_len;

static void collect_notice(void *arg, const char *message)
{
    (void)arg;
    size_t n = strlen(message);
    plans = realloc(plans, plans_len + n + 1);
    assert_non_null(plans);
    memcpy(plans + plans_len, message, n + 1);
    plans_len += n;
}

/* The plans collected so far (caller frees), and a fresh collection. */
static char *take_plans(void)
{
    char *p = plans ? plans : strdup("");
    plans = NULL;
    plans_len = 0;
    return p;
}

/* No run or state table read from end to end: "Seq Scan on flow_run" also covers
 * flow_run_state, "Seq Scan on task_run" task_run_state. The flow table (one row per flow)
 * may be scanned. */
static void assert_indexed(const char *what, const char *p)
{
    if (strstr(p, "Seq Scan on flow_run") || strstr(p, "Seq Scan on task_run")) {
        fprintf(stderr, "%s\n", p);
        fail_msg("%s reads a table sequentially (plans above)", what);
    }
}

/* index, or else: both serve (two indexes lead with the same column). */
static void assert_uses_either(const char *what, const char *p, const char *index,
                               const char *or_else)
{
    if (!strstr(p, index) && !(or_else && strstr(p, or_else))) {
        fprintf(stderr, "%s\n", p);   /* cmocka cuts long messages */
        fail_msg("%s does not use %s (plans above)", what, index);
    }
}

static void assert_uses(const char *what, const char *p, const char *index)
{
    assert_uses_either(what, p, index, NULL);
}

/* task_run's two indexes that lead with flow_run_id */
#define TASK_RUN_BY_FLOW_RUN "ix_task_run__flow_run_id", "uq_task_run__flow_run_id_task_key_dynamic_key"

static void test_queries_use_prefect_indexes(void **state)
{
    (void)state;
    pg_exec(db, "CREATE DATABASE big");
    char conninfo[600], err[300];
    snprintf(conninfo, sizeof conninfo, "host=%s port=%d dbname=big user=postgres", pg.dir,
             pg.port);
    PGconn *big = PQconnectdb(conninfo);
    assert_int_equal(PQstatus(big), CONNECTION_OK);
    pg_exec_file(big, "tests/fixtures/prefect_schema.sql");
    /* 40,000 runs of 40 flows, one a minute over four weeks: most completed, every 97th
     * failed, every 5000th running, every 1000th late; two task runs each; a state row per
     * run and per task run (Prefect keeps several). */
    pg_exec(big,
        "INSERT INTO flow (name) SELECT 'flow-' || g FROM generate_series(1, 40) g;"
        "INSERT INTO flow_run (flow_id, name, state_type, state_name, run_count,"
        "   expected_start_time, start_time, end_time)"
        " SELECT f.id, 'run-' || g, x.st, initcap(x.st::text), 1,"
        "   now() - g * interval '1 minute',"
        "   CASE WHEN x.st <> 'SCHEDULED' THEN now() - g * interval '1 minute' + interval '1 s' END,"
        "   CASE WHEN x.st NOT IN ('RUNNING', 'SCHEDULED')"
        "        THEN now() - g * interval '1 minute' + interval '30 s' END"
        " FROM (SELECT g, CASE WHEN g % 5000 = 0 THEN 'RUNNING'::state_type"
        "                      WHEN g % 97 = 0 THEN 'FAILED' WHEN g % 1000 = 1 THEN 'SCHEDULED'"
        "                      ELSE 'COMPLETED' END AS st"
        "       FROM generate_series(1, 40000) g) x"
        " JOIN (SELECT id, row_number() OVER (ORDER BY name) AS n FROM flow) f"
        "   ON f.n = 1 + x.g % 40;"
        "INSERT INTO flow_run_state (flow_run_id, type, name, message, \"timestamp\")"
        " SELECT id, state_type, state_name, 'message of ' || name,"
        "        coalesce(end_time, start_time, expected_start_time) FROM flow_run;"
        "UPDATE flow_run fr SET state_id = s.id FROM flow_run_state s WHERE s.flow_run_id = fr.id;"
        "INSERT INTO task_run (flow_run_id, name, task_key, dynamic_key, state_type, state_name,"
        "   run_count, expected_start_time, start_time, end_time)"
        " SELECT fr.id, 'task-' || k, 'task-' || k, '0',"
        "   CASE WHEN fr.state_type = 'FAILED' AND k = 2 THEN 'FAILED'::state_type"
        "        WHEN fr.end_time IS NULL THEN 'PENDING' ELSE 'COMPLETED' END, 'x', 1,"
        "   fr.expected_start_time + k * interval '1 s', fr.start_time + k * interval '1 s',"
        "   fr.end_time - interval '1 s'"
        " FROM flow_run fr, generate_series(1, 2) k;"
        "INSERT INTO task_run_state (task_run_id, type, name, message, \"timestamp\")"
        " SELECT id, state_type, 'x', 'task message', coalesce(end_time, expected_start_time)"
        " FROM task_run;"
        "UPDATE task_run t SET state_id = s.id FROM task_run_state s WHERE s.task_run_id = t.id;");
    pg_exec(big, "VACUUM ANALYZE");
    PGresult *r = PQexec(big, "SELECT id::text FROM flow_run WHERE name = 'run-97'");
    char id[64];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(big);

    PGconn *c = pg_conn_open(conninfo, err, sizeof err);
    assert_non_null(c);
    PQsetNoticeProcessor(c, collect_notice, NULL);
    pg_exec(c, "LOAD 'auto_explain'");
    pg_exec(c, "SET auto_explain.log_min_duration = 0");
    pg_exec(c, "SET auto_explain.log_level = notice");
    free(take_plans());

    struct workflow_summary s;
    assert_int_equal(prefect_summary(c, 24, SUMMARY_ALL, &s, err, sizeof err), 0);
    assert_int_equal(s.running_n, 8);        /* every 5000th of 40,000 */
    assert_int_equal(s.failures_n, 10);
    assert_true(s.failures[0].failed_ref.len > 0);
    workflow_summary_free(&s);
    char *p = take_plans();
    assert_indexed("the summary", p);
    assert_uses("counting", p, "ix_flow_run__coalesce_start_time_expected_start_time");
    assert_uses("counting and listing running runs", p, "ix_flow_run__state_type");
    assert_uses("the rates", p, "ix_flow_run__start_time");
    assert_uses("the rates", p, "ix_flow_run__end_time_desc");
    assert_uses_either("the failed task runs", p, TASK_RUN_BY_FLOW_RUN);
    assert_uses("the states", p, "pk_flow_run_state");
    assert_uses("the task run states", p, "pk_task_run_state");
    free(p);

    struct workflow_exec w;
    assert_int_equal(prefect_fetch_workflow(c, id, &w, err, sizeof err), 1);
    assert_int_equal(w.task_count, 2);
    workflow_exec_free(&w);
    p = take_plans();
    assert_indexed("reading a flow run", p);
    assert_uses("reading a flow run", p, "pk_flow_run");
    assert_uses_either("reading the task runs", p, TASK_RUN_BY_FLOW_RUN);
    assert_uses("finding subflows", p, "ix_flow_run__parent_task_run_id");
    free(p);

    struct exec_brief list[4];
    assert_int_equal(prefect_find(c, "run-97", list, 4, err, sizeof err), 1);
    exec_brief_free(&list[0]);
    assert_int_equal(prefect_find(c, id, list, 4, err, sizeof err), 1);
    exec_brief_free(&list[0]);
    p = take_plans();
    assert_indexed("searching", p);
    assert_uses("searching by id", p, "pk_flow_run");
    assert_uses_either("searching by name", p, "ix_flow_run__name", "trgm_ix_flow_run_name");
    free(p);
    pg_conn_close(c);
}

/* Through queuetop itself: the tables alone select Prefect, and --source prefect --workflow
 * prints the flow run with its task runs. */
static void test_command_line(void **state)
{
    (void)state;
    char *out, *err;
    const char *summary[] = { harness_queuetop(), "--pg", pg.conninfo, "--once", "--json", NULL };
    assert_int_equal(harness_run(summary, &out, &err, 20000), 0);
    json_t *doc = json_loads(out, 0, NULL);
    json_t *p = json_object_get(doc, "postgres");
    assert_string_equal(str(p, "source"), "prefect");
    json_t *by = json_object_get(p, "workflows_by_status");
    assert_int_equal(num(json_object_get(by, "etl-orders"), "RUNNING"), 2);
    assert_int_equal(num(json_object_get(by, "billing"), "CRASHED"), 1);
    assert_int_equal(num(p, "rate_window_minutes"), 5);
    json_decref(doc);
    free(out);
    free(err);

    const char *one[] = { harness_queuetop(), "--pg", pg.conninfo, "--source", "prefect",
                          "--workflow", R_RUNNING, "--once", "--json", NULL };
    assert_int_equal(harness_run(one, &out, &err, 20000), 0);
    doc = json_loads(out, 0, NULL);
    json_t *w = json_object_get(doc, "workflow");
    assert_string_equal(str(w, "id"), R_RUNNING);
    assert_string_equal(str(w, "name"), "etl-orders");
    assert_string_equal(str(w, "status"), "RUNNING");
    assert_string_equal(str(w, "correlation_id"), "crimson-otter");
    assert_int_equal(json_array_size(json_object_get(w, "tasks")), 5);
    json_decref(doc);
    free(out);
    free(err);

    /* --source conductor on Prefect's tables: the Conductor query fails and says which */
    const char *wrong[] = { harness_queuetop(), "--pg", pg.conninfo, "--source", "conductor",
                            "--workflow", R_RUNNING, "--once", NULL };
    assert_int_equal(harness_run(wrong, &out, &err, 20000), 2);
    assert_non_null(strstr(err, "reading the workflow"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_counts),
        cmocka_unit_test(test_summary_running),
        cmocka_unit_test(test_summary_failures),
        cmocka_unit_test(test_summary_rates),
        cmocka_unit_test(test_summary_all_parts),
        cmocka_unit_test(test_summary_not_prefect),
        cmocka_unit_test(test_fetch_running_run),
        cmocka_unit_test(test_fetch_failed_run),
        cmocka_unit_test(test_fetch_subflow_and_reasons),
        cmocka_unit_test(test_fetch_not_found),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_queries_use_prefect_indexes),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests_name("prefect_integration", tests, group_setup, group_teardown);
}
