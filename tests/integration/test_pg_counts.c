/* Conductor's counts kept across refreshes (collectors/pg_counts.c) against a real PostgreSQL
 * with Conductor's schema, rows written the way PostgresIndexDAO writes them (an upsert that
 * sets end_time while terminal and puts it back to the epoch when an execution runs again):
 * after every round of churn the counts equal a GROUP BY over workflow_index; a row that
 * changes status twice between refreshes, one that runs again, one that leaves the window, one
 * deleted behind our back (found by the check), and a PostgreSQL killed and started again. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/cm.h"
#include "pg_harness.h"
#include "../../collectors/bytes.h"
#include "../../collectors/pg_conductor.h"
#include "../../collectors/pg_conn.h"
#include "../../collectors/pg_counts.h"
#include "../../collectors/workflow.h"

static struct pg_server pg;
static PGconn *db;       /* the writer */

static int group_setup(void **state)
{
    (void)state;
    if (pg_server_start(&pg) < 0)
        return -1;
    db = pg_server_client(&pg);
    pg_exec_file(db, "tests/fixtures/conductor_schema.sql");
    /* 30,000 executions over the last 30 hours (a gap around the window's edge, 24 h, so the
     * comparison does not depend on the second it runs): a quarter still running, and in
     * the window and outside it every terminal status */
    pg_exec(db,
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
        "  status, json_data, update_time, end_time)"
        " SELECT 'seed-' || i, NULL, (ARRAY['order_fulfilment','refund','nightly_report'])[1 + i % 3],"
        "   now() - (CASE WHEN i % 5 = 0 THEN interval '25 hours' ELSE interval '0' END)"
        "         - (i % 23) * interval '1 hour' - (i % 3600) * interval '1 second',"
        "   s.status, '{}', now() - interval '1 hour',"
        "   CASE WHEN s.status IN ('RUNNING','PAUSED') THEN timestamptz 'epoch'"
        "        ELSE now() - interval '1 hour' END"
        " FROM generate_series(1, 30000) i,"
        " LATERAL (SELECT (ARRAY['RUNNING','COMPLETED','FAILED','COMPLETED','TIMED_OUT',"
        "   'TERMINATED','COMPLETED','PAUSED'])[1 + i % 8] AS status) s");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    PQfinish(db);
    pg_server_stop(&pg);
    return 0;
}

/* Conductor's indexWorkflow: an upsert of the indexed columns, end_time the epoch while not
 * terminal. start_ago_s: the execution's start, seconds ago (only used on insert). */
static void index_write(const char *id, const char *type, long start_ago_s, const char *status)
{
    char start[32];
    snprintf(start, sizeof start, "%ld", start_ago_s);
    const char *p[4] = { id, type, start, status };
    PGresult *r = PQexecParams(db,
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
        "  status, json_data, update_time, end_time)"
        " VALUES ($1, NULL, $2, now() - $3::int * interval '1 second', $4::varchar, '{}', clock_timestamp(),"
        "   CASE WHEN $4::varchar IN ('RUNNING','PAUSED') THEN timestamptz 'epoch' ELSE clock_timestamp() END)"
        " ON CONFLICT (workflow_id) DO UPDATE SET status = EXCLUDED.status,"
        "   json_data = EXCLUDED.json_data, update_time = EXCLUDED.update_time,"
        "   end_time = EXCLUDED.end_time"
        " WHERE EXCLUDED.update_time >= workflow_index.update_time",
        4, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("index write: %s", PQresultErrorMessage(r));
    PQclear(r);
}

/* The truth: the GROUP BY the dashboard used to run, "type/status=count" lines sorted. */
static char *truth(void)
{
    PGresult *r = PQexec(db,
        "SELECT line FROM (SELECT (workflow_type || '/' || status || '=' || count(*))::text AS line"
        " FROM workflow_index"
        " WHERE status IN ('RUNNING', 'PAUSED') OR start_time >= now() - interval '24 hours'"
        " GROUP BY workflow_type, status) q ORDER BY line COLLATE \"C\"");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("GROUP BY: %s", PQresultErrorMessage(r));
    size_t cap = 64;
    for (int i = 0; i < PQntuples(r); i++)
        cap += (size_t)PQgetlength(r, i, 0) + 1;
    char *s = calloc(1, cap);
    for (int i = 0; i < PQntuples(r); i++) {
        strcat(s, PQgetvalue(r, i, 0));
        strcat(s, "\n");
    }
    PQclear(r);
    return s;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Our counts in the same form. */
static char *ours(PGconn *conn, struct pg_counts *k)
{
    struct workflow_summary s;
    char err[256];
    if (conductor_summary(conn, 24, SUMMARY_COUNTS, k, &s, err, sizeof err) < 0)
        fail_msg("summary: %s", err);
    assert_true(s.index_tables);
    char **lines = calloc(s.count_n + 1, sizeof *lines);
    size_t cap = 64;
    for (size_t i = 0; i < s.count_n; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s/%s=%lld", s.counts[i].type.ptr, s.counts[i].status,
                 s.counts[i].count);
        lines[i] = strdup(buf);
        cap += strlen(buf) + 1;
    }
    qsort(lines, s.count_n, sizeof *lines, cmp_lines);
    char *out = calloc(1, cap);
    for (size_t i = 0; i < s.count_n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
        free(lines[i]);
    }
    free(lines);
    workflow_summary_free(&s);
    return out;
}

static void assert_exact(PGconn *conn, struct pg_counts *k, const char *when)
{
    char *a = ours(conn, k), *b = truth();
    if (strcmp(a, b) != 0)
        fail_msg("%s: counts differ\nours:\n%s\nGROUP BY:\n%s", when, a, b);
    free(a);
    free(b);
}

static const char *const TERMINAL[] = { "COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED" };
static const char *const TYPES[] = { "order_fulfilment", "refund", "nightly_report", "payout" };

/* Rounds of what an engine does between two refreshes: starts, ends, retries (a terminal
 * execution that runs again), a terminal one written again with another status, pauses;
 * some executions touched twice or three times in a round. */
static void test_exact_under_churn(void **state)
{
    (void)state;
    char err[256];
    PGconn *conn = pg_conn_open(pg.conninfo, err, sizeof err);
    assert_non_null(conn);
    struct pg_counts *k = pg_counts_new();
    assert_exact(conn, k, "after the first refresh");
    struct pg_counts_stats st;
    pg_counts_get_stats(k, &st);
    assert_int_equal(st.mode, 1);
    assert_true(st.remembered > 10000);

    srand(12);
    long next = 0;
    for (int round = 0; round < 12; round++) {
        for (int op = 0; op < 150; op++) {
            char id[64];
            int kind = rand() % 6;
            if (kind == 0) {   /* a new execution, maybe ending at once */
                snprintf(id, sizeof id, "new-%ld", next++);
                index_write(id, TYPES[rand() % 4], rand() % 600, "RUNNING");
                if (rand() % 2)
                    index_write(id, TYPES[rand() % 4], 0, TERMINAL[rand() % 4]);
                continue;
            }
            /* an existing one, seeded or new, in the window or not */
            if (rand() % 3 == 0 && next > 0)
                snprintf(id, sizeof id, "new-%ld", rand() % next);
            else
                snprintf(id, sizeof id, "seed-%d", 1 + rand() % 30000);
            PGresult *r = PQexecParams(db, "SELECT workflow_type FROM workflow_index"
                                           " WHERE workflow_id = $1", 1, NULL,
                                       (const char *const[]){ id }, NULL, NULL, 0);
            if (PQntuples(r) == 1) {
                char type[128];
                snprintf(type, sizeof type, "%s", PQgetvalue(r, 0, 0));
                if (kind == 1)
                    index_write(id, type, 0, TERMINAL[rand() % 4]);
                else if (kind == 2)
                    index_write(id, type, 0, "RUNNING");       /* retried, rerun */
                else if (kind == 3)
                    index_write(id, type, 0, "PAUSED");
                else {   /* twice or three times before the next refresh */
                    index_write(id, type, 0, TERMINAL[rand() % 4]);
                    index_write(id, type, 0, "RUNNING");
                    if (kind == 5)
                        index_write(id, type, 0, TERMINAL[rand() % 4]);
                }
            }
            PQclear(r);
        }
        char when[64];
        snprintf(when, sizeof when, "after round %d", round + 1);
        assert_exact(conn, k, when);
    }
    /* one row, between two refreshes: RUNNING -> FAILED -> RUNNING -> COMPLETED */
    index_write("twice", "refund", 60, "RUNNING");
    assert_exact(conn, k, "twice, running");
    index_write("twice", "refund", 60, "FAILED");
    index_write("twice", "refund", 60, "RUNNING");
    index_write("twice", "refund", 60, "COMPLETED");
    assert_exact(conn, k, "twice, completed after a retry");

    pg_counts_get_stats(k, &st);
    assert_int_equal(st.mode, 1);
    assert_int_equal(st.rebuilds, 0);
    /* a refresh reads the changed rows and the open ones, not the window */
    assert_true(st.rows_read < 12000);
    pg_counts_free(k);
    pg_conn_close(conn);
}

/* Executions whose start leaves the window between two refreshes are no longer counted. */
static void test_window_edge(void **state)
{
    (void)state;
    char err[256];
    PGconn *conn = pg_conn_open(pg.conninfo, err, sizeof err);
    assert_non_null(conn);
    struct pg_counts *k = pg_counts_new();
    /* ended an hour ago: only the sweep of the memory, not a change, can drop them */
    pg_exec(db,
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
        "  status, json_data, update_time, end_time)"
        " SELECT 'edge-' || i, NULL, 'edge_type', now() - interval '24 hours' + interval '6 seconds',"
        "   'COMPLETED', '{}', now() - interval '1 hour', now() - interval '1 hour'"
        " FROM generate_series(1, 5) i");
    char *before = ours(conn, k);
    assert_non_null(strstr(before, "edge_type/COMPLETED=5\n"));
    free(before);
    for (int tries = 0; tries < 100; tries++) {   /* until the five are 24 h old */
        PGresult *r = PQexec(db, "SELECT count(*) FROM workflow_index WHERE workflow_type ="
                                 " 'edge_type' AND start_time >= now() - interval '24 hours'");
        bool gone = strcmp(PQgetvalue(r, 0, 0), "0") == 0;
        PQclear(r);
        if (gone)
            break;
        struct timespec ts = { 0, 200 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    char *after = ours(conn, k);
    assert_null(strstr(after, "edge_type"));
    free(after);
    assert_exact(conn, k, "after the edge");
    pg_exec(db, "DELETE FROM workflow_index WHERE workflow_type = 'edge_type'");
    pg_counts_free(k);
    pg_conn_close(conn);
}

/* A row deleted (Conductor's removal, archival) cannot be seen as a change: the check finds
 * the difference, shows the server's counts and rebuilds the memory. */
static void test_check_finds_a_deletion(void **state)
{
    (void)state;
    char err[256];
    PGconn *conn = pg_conn_open(pg.conninfo, err, sizeof err);
    assert_non_null(conn);
    struct pg_counts *k = pg_counts_new();
    assert_exact(conn, k, "first");
    pg_exec(db, "DELETE FROM workflow_index WHERE workflow_id IN ('seed-2', 'seed-3', 'seed-4')");
    pg_counts_set_check_ms(k, 0);
    assert_exact(conn, k, "the check after a deletion");
    struct pg_counts_stats st;
    pg_counts_get_stats(k, &st);
    assert_int_equal(st.checks, 1);
    assert_int_equal(st.rebuilds, 1);
    assert_exact(conn, k, "refilled");
    assert_exact(conn, k, "checked again");
    pg_counts_get_stats(k, &st);
    assert_int_equal(st.rebuilds, 1);   /* the refilled memory agrees with the server */
    assert_int_equal(st.checks, 3);
    pg_counts_free(k);
    pg_conn_close(conn);
}

/* A PostgreSQL killed (immediate shutdown) after writes: the refresh fails, a new connection
 * starts from a reset (as the collector does) and the counts are exact again. */
static void test_restart(void **state)
{
    (void)state;
    char err[256];
    PGconn *conn = pg_conn_open(pg.conninfo, err, sizeof err);
    assert_non_null(conn);
    struct pg_counts *k = pg_counts_new();
    assert_exact(conn, k, "before the restart");
    index_write("seed-10", "refund", 0, "TERMINATED");
    index_write("restart-1", "refund", 30, "FAILED");
    pg_server_kill(&pg);
    struct workflow_summary s;
    assert_int_equal(conductor_summary(conn, 24, SUMMARY_COUNTS, k, &s, err, sizeof err), -1);
    workflow_summary_free(&s);
    pg_conn_close(conn);
    assert_int_equal(pg_server_resume(&pg), 0);
    PQfinish(db);
    db = pg_server_client(&pg);
    conn = pg_conn_open(pg.conninfo, err, sizeof err);
    assert_non_null(conn);
    pg_counts_reset(k);
    assert_exact(conn, k, "after the restart");
    index_write("restart-1", "refund", 30, "RUNNING");
    assert_exact(conn, k, "a change after the restart");
    pg_counts_free(k);
    pg_conn_close(conn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_under_churn),
        cmocka_unit_test(test_window_edge),
        cmocka_unit_test(test_check_finds_a_deletion),
        cmocka_unit_test(test_restart),
    };
    return cmocka_run_group_tests_name("pg_counts_integration", tests, group_setup,
                                       group_teardown);
}
