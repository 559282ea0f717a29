/* pg_prefect.c -- see pg_prefect.h.
 *
 * Prefect keeps a run's current state twice: denormalised on the run (state_type, state_name,
 * state_timestamp) and as the row state_id points to in flow_run_state / task_run_state, which
 * alone holds the message. Every statement below starts from an indexed condition on flow_run
 * or task_run and reaches the state rows by primary key; the index each one relies on is named
 * above it. The running list and the search collect their candidates in a MATERIALIZED CTE
 * first, so that under LIMIT the planner cannot trade the selective index for an ordered walk
 * of a time index; the failed task runs are looked up per flow run (LATERAL) for the same
 * reason. tests/integration/test_prefect.c checks the plans with auto_explain. */
#include "pg_prefect.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_conn.h"
#include "util.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */

#define STRINGIFY(x) #x
#define XSTRINGIFY(x) STRINGIFY(x)

#define PREFECT_RATE_WINDOW_MIN 5

/* A timestamptz column as epoch ms (NULL stays NULL, which pg_cell_ll makes QT_UNKNOWN). */
#define MS(col) "floor(extract(epoch FROM " col ") * 1000)::bigint"

/* Why a run is where it is: its current state's message; without one, the state's name when it
 * says more than the type does ("Late", "AwaitingRetry", "TimedOut", "NotReady"), else "". */
#define REASON(run, state)                                                                   \
    "coalesce(nullif(" state ".message, ''), CASE WHEN upper(" run ".state_name) <> "         \
    run ".state_type::text THEN " run ".state_name END, '')"

/* The flow_run columns the lists need (the JSON columns stay behind). */
#define FLOW_RUN_COLUMNS                                                                     \
    "id, flow_id, name, state_type, state_name, state_id, start_time, end_time,"             \
    " expected_start_time"

/* One exec_brief per row, from a flow run `fr` joined to its flow and current state. */
#define BRIEF_COLUMNS                                                                        \
    "fr.id::text, f.name, coalesce(fr.state_type::text, ''), fr.name, "                      \
    REASON("fr", "s") ", " MS("fr.start_time") ", " MS("fr.end_time")
#define BRIEF_JOINS                                                                          \
    " JOIN flow f ON f.id = fr.flow_id LEFT JOIN flow_run_state s ON s.id = fr.state_id"

/* The order of a flow run's task runs: expected start (set with the first state), start, id;
 * dir is "" or " DESC". */
#define TASK_ORDER(t, dir)                                                                   \
    "coalesce(" t ".expected_start_time, " t ".start_time, " t ".created)" dir ", "           \
    t ".start_time" dir " NULLS LAST, " t ".id" dir

/* FAILED, CRASHED and CANCELLED: the failures of wf_status_class(). */
#define FAILED_TYPES "('FAILED', 'CRASHED', 'CANCELLED')"

/* A UUID in the two spellings in use, 32 hex digits bare or grouped 8-4-4-4-12: PostgreSQL
 * reads both (and a few more) without a cast error. */
static bool is_uuid(const char *s)
{
    size_t len = strlen(s), digits = 0;
    if (len != 32 && len != 36)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (len == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (s[i] != '-')
                return false;
        } else if (isxdigit((unsigned char)s[i])) {
            digits++;
        } else {
            return false;
        }
    }
    return digits == 32;
}

/* jsonb's text form without the blanks it puts after ':' and ','; strings and numbers are
 * copied byte for byte (no re-encoding, so no float rounding). */
static void cell_json_compact(const PGresult *r, int row, int col, struct bytes *out)
{
    if (PQgetisnull(r, row, col)) {
        bytes_set(out, "", 0);
        return;
    }
    const char *s = PQgetvalue(r, row, col);
    size_t len = (size_t)PQgetlength(r, row, col), o = 0;
    char *buf = xmalloc(len + 1);
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            continue;
        }
        buf[o++] = c;
    }
    bytes_set(out, buf, o);
    free(buf);
}

/* Row `row` of a BRIEF_COLUMNS result into b (b is overwritten, not freed). */
static void brief_from_row(const PGresult *r, int row, struct exec_brief *b)
{
    memset(b, 0, sizeof *b);
    pg_cell(r, row, 0, &b->id);
    pg_cell(r, row, 1, &b->name);
    pg_cell(r, row, 2, &b->status);
    pg_cell(r, row, 3, &b->correlation_id);
    pg_cell(r, row, 4, &b->reason);
    bytes_set(&b->failed_ref, "", 0);
    bytes_set(&b->failed_reason, "", 0);
    b->failed_retry_count = QT_UNKNOWN;
    b->start_ms = pg_cell_ll(r, row, 5);
    b->end_ms = pg_cell_ll(r, row, 6);
}

/* Fills list[] (at most max) from a BRIEF_COLUMNS result; returns how many. */
static size_t briefs_from_result(const PGresult *r, struct exec_brief *list, size_t max)
{
    size_t n = 0;
    for (int row = 0; row < PQntuples(r) && n < max; row++)
        brief_from_row(r, row, &list[n++]);
    return n;
}

/* ---- one flow run ------------------------------------------------------------------------- */

/* The task runs of flow run `id`, in TASK_ORDER, into w->tasks with seq 1..n.
 * Index: ix_task_run__flow_run_id; the states by primary key; the subflow started by each
 * task run through ix_flow_run__parent_task_run_id. */
static int fetch_task_runs(PGconn *conn, const char *const *params, struct workflow_exec *w,
                           char *err, size_t errlen)
{
    PGresult *r = pg_query(conn,
        "SELECT t.id::text, t.name, t.task_key, coalesce(t.state_type::text, ''), "
        REASON("t", "s") ", greatest(t.run_count - 1, 0), "
        MS("t.expected_start_time") ", " MS("t.start_time") ", " MS("t.end_time") ", "
        MS("t.updated") ", t.task_inputs::text,"
        " (SELECT sub.id::text FROM flow_run sub WHERE sub.parent_task_run_id = t.id"
        "   ORDER BY sub.created DESC, sub.id LIMIT 1)"
        " FROM task_run t LEFT JOIN task_run_state s ON s.id = t.state_id"
        " WHERE t.flow_run_id = $1::uuid"
        " ORDER BY " TASK_ORDER("t", ""),
        1, params, "reading the task runs", err, errlen);
    if (!r)
        return -1;
    int n = PQntuples(r);
    w->tasks = n ? xcalloc((size_t)n, sizeof *w->tasks) : NULL;
    for (int row = 0; row < n; row++) {
        struct task_exec *t = &w->tasks[w->task_count++];
        pg_cell(r, row, 0, &t->task_id);
        pg_cell(r, row, 1, &t->ref);
        if (PQgetlength(r, row, 2) > 0)
            pg_cell(r, row, 2, &t->type);
        else
            bytes_set(&t->type, "task", 4);
        pg_cell(r, row, 3, &t->status);
        bytes_set(&t->worker_id, "", 0);   /* Prefect records no worker per task run */
        pg_cell(r, row, 4, &t->reason);
        pg_cell(r, row, 11, &t->sub_workflow_id);
        bytes_set(&t->workflow_id, w->id.ptr, w->id.len);
        t->seq = row + 1;
        t->retry_count = pg_cell_ll(r, row, 5);
        t->poll_count = QT_UNKNOWN;
        t->scheduled_ms = pg_cell_ll(r, row, 6);
        t->start_ms = pg_cell_ll(r, row, 7);
        t->end_ms = pg_cell_ll(r, row, 8);
        t->update_ms = pg_cell_ll(r, row, 9);
        cell_json_compact(r, row, 10, &t->input);
        bytes_set(&t->output, "", 0);      /* results live in result storage, not here */
    }
    PQclear(r);
    return 0;
}

int prefect_fetch_workflow(PGconn *conn, const char *id, struct workflow_exec *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!is_uuid(id))
        return 0;   /* flow run ids are UUIDs: anything else names no run */
    const char *params[1] = { id };
    /* primary keys all the way: the run, its flow, its state, its parent task run */
    PGresult *r = pg_query(conn,
        "SELECT fr.id::text, f.name, coalesce(fr.state_type::text, ''), fr.name, "
        REASON("fr", "s") ", parent.flow_run_id::text, "
        MS("fr.start_time") ", " MS("fr.end_time") ", " MS("fr.updated") ", fr.parameters::text"
        " FROM flow_run fr" BRIEF_JOINS
        " LEFT JOIN task_run parent ON parent.id = fr.parent_task_run_id"
        " WHERE fr.id = $1::uuid",
        1, params, "reading the flow run", err, errlen);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    pg_cell(r, 0, 0, &out->id);
    pg_cell(r, 0, 1, &out->name);
    pg_cell(r, 0, 2, &out->status);
    pg_cell(r, 0, 3, &out->correlation_id);
    pg_cell(r, 0, 4, &out->reason);
    pg_cell(r, 0, 5, &out->parent_id);
    out->version = QT_UNKNOWN;   /* flow_version is free text (often a source hash) */
    out->start_ms = pg_cell_ll(r, 0, 6);
    out->end_ms = pg_cell_ll(r, 0, 7);
    out->update_ms = pg_cell_ll(r, 0, 8);
    cell_json_compact(r, 0, 9, &out->input);
    bytes_set(&out->output, "", 0);
    PQclear(r);

    const char *run_id[1] = { out->id.ptr };
    if (fetch_task_runs(conn, run_id, out, err, errlen) < 0) {
        workflow_exec_free(out);
        return -1;
    }
    return 1;
}

/* ---- summary ---------------------------------------------------------------------------- */

/* Non-terminal runs whatever their age, terminal ones whose start (or expected start, for a
 * run that never started) is in the window: a BitmapOr of ix_flow_run__state_type and
 * ix_flow_run__coalesce_start_time_expected_start_time_asc/desc, grouped by flow id before the
 * (small) flow table is joined. Names sort bytewise, whatever the database's collation. */
static int summary_counts(PGconn *conn, const char *const *hours, struct workflow_summary *out,
                          char *err, size_t errlen)
{
    PGresult *r = pg_query(conn,
        "SELECT f.name, c.state_type, c.n FROM ("
        "  SELECT flow_id, state_type::text AS state_type, count(*) AS n FROM flow_run"
        "  WHERE state_type IN ('SCHEDULED', 'PENDING', 'RUNNING', 'PAUSED', 'CANCELLING')"
        "     OR coalesce(start_time, expected_start_time)"
        "        >= now() - make_interval(hours => $1::int)"
        "  GROUP BY 1, 2) c"
        " JOIN flow f ON f.id = c.flow_id"
        " ORDER BY f.name COLLATE \"C\", c.state_type COLLATE \"C\"",
        1, hours, "counting flow runs", err, errlen);
    if (!r)
        return -1;
    pg_read_counts(r, out);
    PQclear(r);
    return 0;
}

/* Starts and ends per flow over the last few minutes: a BitmapOr of ix_flow_run__start_time
 * and ix_flow_run__end_time_desc over those minutes' rows. */
static int summary_rates(PGconn *conn, struct workflow_summary *out, char *err, size_t errlen)
{
#define SINCE " >= now() - make_interval(mins => " XSTRINGIFY(PREFECT_RATE_WINDOW_MIN) ")"
    PGresult *r = pg_query(conn,
        "SELECT f.name, c.started, c.completed, c.failed FROM ("
        "  SELECT flow_id,"
        "   count(*) FILTER (WHERE start_time" SINCE ") AS started,"
        "   count(*) FILTER (WHERE state_type = 'COMPLETED' AND end_time" SINCE ") AS completed,"
        "   count(*) FILTER (WHERE state_type IN " FAILED_TYPES " AND end_time" SINCE ") AS failed"
        "  FROM flow_run WHERE start_time" SINCE " OR end_time" SINCE
        "  GROUP BY 1) c"
        " JOIN flow f ON f.id = c.flow_id"
        " ORDER BY f.name COLLATE \"C\"",
        0, NULL, "reading start and end rates", err, errlen);
#undef SINCE
    if (!r)
        return -1;
    pg_read_rates(r, PREFECT_RATE_WINDOW_MIN, out);
    PQclear(r);
    return 0;
}

/* Every RUNNING run through ix_flow_run__state_type (as many as are running now), the oldest
 * few of them joined to their flow and state. */
static int summary_running(PGconn *conn, struct workflow_summary *out, char *err, size_t errlen)
{
    PGresult *r = pg_query(conn,
        "WITH running AS MATERIALIZED ("
        "  SELECT " FLOW_RUN_COLUMNS " FROM flow_run WHERE state_type = 'RUNNING')"
        " SELECT " BRIEF_COLUMNS
        " FROM (SELECT * FROM running ORDER BY start_time, id"
        "       LIMIT " XSTRINGIFY(SUMMARY_LIST_MAX) ") fr" BRIEF_JOINS
        " ORDER BY fr.start_time, fr.id",
        0, NULL, "listing running flow runs", err, errlen);
    if (!r)
        return -1;
    out->running_n = briefs_from_result(r, out->running, SUMMARY_LIST_MAX);
    PQclear(r);
    return 0;
}

/* Element i: the id of exec_brief i. */
static const char *brief_id(const void *ctx, size_t i, size_t *len)
{
    const struct exec_brief *b = (const struct exec_brief *)ctx + i;
    *len = b->id.len;
    return b->id.ptr;
}

/* The last failed task run of each listed flow run, in one query: per run, its task runs
 * through ix_task_run__flow_run_id (a lateral join, so the planner never prefers the index of
 * every failed task run ever), their states by primary key. FAILED and CRASHED win over
 * CANCELLED (a cancellation usually follows the failure), then the latest end, then the task
 * order. */
static int fill_failed_tasks(PGconn *conn, struct exec_brief *list, size_t n, char *err,
                             size_t errlen)
{
    if (n == 0)
        return 0;
    char *ids = pg_array_literal(n, brief_id, list);
    const char *params[1] = { ids };
    PGresult *r = pg_query(conn,
        "SELECT runs.id::text, t.name, " REASON("t", "s") ", greatest(t.run_count - 1, 0)"
        " FROM unnest($1::uuid[]) AS runs(id)"
        " CROSS JOIN LATERAL ("
        "   SELECT tr.name, tr.state_type, tr.state_name, tr.state_id, tr.run_count"
        "   FROM task_run tr"
        "   WHERE tr.flow_run_id = runs.id AND tr.state_type IN " FAILED_TYPES
        "   ORDER BY tr.state_type = 'CANCELLED', tr.end_time DESC NULLS LAST, "
        TASK_ORDER("tr", " DESC") " LIMIT 1) t"
        " LEFT JOIN task_run_state s ON s.id = t.state_id",
        1, params, "reading failed task runs", err, errlen);
    free(ids);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(list[i].id.ptr, PQgetvalue(r, row, 0)) != 0)
                continue;
            bytes_free(&list[i].failed_ref);
            bytes_free(&list[i].failed_reason);
            pg_cell(r, row, 1, &list[i].failed_ref);
            pg_cell(r, row, 2, &list[i].failed_reason);
            list[i].failed_retry_count = pg_cell_ll(r, row, 3);
        }
    }
    PQclear(r);
    return 0;
}

/* Runs that failed, crashed or were cancelled and ended in the window, newest end first:
 * ix_flow_run__end_time_desc (bounded by the window) or ix_flow_run__state_type. */
static int summary_failures(PGconn *conn, const char *const *hours, struct workflow_summary *out,
                            char *err, size_t errlen)
{
    PGresult *r = pg_query(conn,
        "SELECT " BRIEF_COLUMNS " FROM ("
        "  SELECT " FLOW_RUN_COLUMNS " FROM flow_run"
        "  WHERE state_type IN " FAILED_TYPES
        "    AND end_time >= now() - make_interval(hours => $1::int)"
        "  ORDER BY end_time DESC, id LIMIT " XSTRINGIFY(SUMMARY_LIST_MAX) ") fr" BRIEF_JOINS
        " ORDER BY fr.end_time DESC, fr.id",
        1, hours, "listing recent failures", err, errlen);
    if (!r)
        return -1;
    out->failures_n = briefs_from_result(r, out->failures, SUMMARY_LIST_MAX);
    PQclear(r);
    return fill_failed_tasks(conn, out->failures, out->failures_n, err, errlen);
}

int prefect_summary(PGconn *conn, int window_hours, unsigned parts,
                    struct workflow_summary *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char hours[16];
    snprintf(hours, sizeof hours, "%d", window_hours);
    const char *p[1] = { hours };

    /* A missing table fails a statement at parse time, so existence is asked first. */
    PGresult *r = pg_query(conn,
                           "SELECT " MS("now()") ","
                           " to_regclass('flow') IS NOT NULL AND to_regclass('flow_run') IS NOT NULL"
                           " AND to_regclass('task_run') IS NOT NULL",
                           0, NULL, "checking Prefect's tables", err, errlen);
    if (!r)
        return -1;
    int64_t now_ms = pg_cell_ll(r, 0, 0);
    bool exists = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    if (!exists) {
        snprintf(err, errlen, "no Prefect tables (flow, flow_run, task_run) in this database's"
                              " search_path: not a Prefect database?");
        return -1;
    }
    out->index_tables = true;
    out->window_hours = window_hours;
    out->db_now_ms = now_ms;

    if (((parts & SUMMARY_COUNTS) && summary_counts(conn, p, out, err, errlen) < 0) ||
        ((parts & SUMMARY_RATES) && summary_rates(conn, out, err, errlen) < 0) ||
        ((parts & SUMMARY_RUNNING) && summary_running(conn, out, err, errlen) < 0) ||
        ((parts & SUMMARY_FAILURES) && summary_failures(conn, p, out, err, errlen) < 0)) {
        workflow_summary_free(out);
        return -1;
    }
    return 0;
}

/* ---- search ------------------------------------------------------------------------------ */

int prefect_find(PGconn *conn, const char *text, struct exec_brief *list, size_t max, char *err,
                 size_t errlen)
{
    if (max == 0)
        return 0;
    char limit[24];
    snprintf(limit, sizeof limit, "%zu", max);
    /* NULL for text that is no UUID: `id = NULL` matches nothing, and no cast can fail */
    const char *params[3] = { is_uuid(text) ? text : NULL, text, limit };
    /* a BitmapOr of pk_flow_run and ix_flow_run__name */
    PGresult *r = pg_query(conn,
        "WITH found AS MATERIALIZED ("
        "  SELECT " FLOW_RUN_COLUMNS " FROM flow_run WHERE id = $1::uuid OR name = $2)"
        " SELECT " BRIEF_COLUMNS
        " FROM (SELECT * FROM found"
        "       ORDER BY coalesce(start_time, expected_start_time) DESC NULLS LAST, id"
        "       LIMIT $3::int) fr" BRIEF_JOINS
        " ORDER BY coalesce(fr.start_time, fr.expected_start_time) DESC NULLS LAST, fr.id",
        3, params, "searching flow runs", err, errlen);
    if (!r)
        return -1;
    size_t n = briefs_from_result(r, list, max);
    PQclear(r);
    return (int)n;
}
