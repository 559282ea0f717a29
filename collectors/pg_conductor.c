/* pg_conductor.c -- see pg_conductor.h. */
#include "pg_conductor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pg_conn.h"
#include "pg_counts.h"
#include "util.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */


/* The first of the names that holds a string, copied into b ("" when none does). */
static void get_str(json_t *o, struct bytes *b, const char *name1, const char *name2)
{
    json_t *v = json_object_get(o, name1);
    if (!json_is_string(v) && name2)
        v = json_object_get(o, name2);
    if (json_is_string(v))
        bytes_set(b, json_string_value(v), json_string_length(v));
    else
        bytes_set(b, "", 0);
}

/* An integer field; QT_UNKNOWN when absent or not a number. */
static long long get_ll(json_t *o, const char *name1, const char *name2)
{
    json_t *v = json_object_get(o, name1);
    if (!json_is_number(v) && name2)
        v = json_object_get(o, name2);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v)) {
        double d = json_real_value(v);   /* untrusted: 1e300 does not fit */
        return d >= -9.2e18 && d <= 9.2e18 ? (long long)d : QT_UNKNOWN;
    }
    return QT_UNKNOWN;
}

/* A JSON member as compact text ("" when absent or null). */
static void get_json(json_t *o, struct bytes *b, const char *name)
{
    json_t *v = json_object_get(o, name);
    char *text = v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    bytes_set(b, text ? text : "", text ? strlen(text) : 0);
    free(text);
}

/* Conductor writes 0 for a time that has not happened: unknown, not 1970. */
static long long get_time(json_t *o, const char *name1, const char *name2)
{
    long long v = get_ll(o, name1, name2);
    return v > 0 ? v : QT_UNKNOWN;
}

int conductor_parse_workflow(const char *text, struct workflow_exec *w)
{
    memset(w, 0, sizeof *w);
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    get_str(o, &w->id, "workflowId", NULL);
    get_str(o, &w->name, "workflowName", "workflowType");
    w->version = get_ll(o, "workflowVersion", "version");
    json_t *def = json_object_get(o, "workflowDefinition");
    if (w->name.len == 0 && json_is_object(def)) {
        bytes_free(&w->name);
        get_str(def, &w->name, "name", NULL);
    }
    if (w->version == QT_UNKNOWN && json_is_object(def))
        w->version = get_ll(def, "version", NULL);
    get_str(o, &w->status, "status", NULL);
    get_str(o, &w->correlation_id, "correlationId", NULL);
    get_str(o, &w->reason, "reasonForIncompletion", NULL);
    get_str(o, &w->parent_id, "parentWorkflowId", NULL);
    get_json(o, &w->input, "input");
    get_json(o, &w->output, "output");
    w->start_ms = get_time(o, "startTime", "createTime");
    w->end_ms = get_time(o, "endTime", NULL);
    w->update_ms = get_time(o, "updatedTime", "updateTime");
    json_decref(o);
    return 0;
}

int conductor_parse_task(const char *text, struct task_exec *t)
{
    memset(t, 0, sizeof *t);
    json_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    get_str(o, &t->task_id, "taskId", NULL);
    get_str(o, &t->ref, "referenceTaskName", NULL);
    get_str(o, &t->type, "taskType", "taskDefName");
    get_str(o, &t->status, "status", NULL);
    get_str(o, &t->worker_id, "workerId", NULL);
    get_str(o, &t->reason, "reasonForIncompletion", NULL);
    get_str(o, &t->sub_workflow_id, "subWorkflowId", NULL);
    get_str(o, &t->workflow_id, "workflowInstanceId", NULL);
    /* older records keep the child's id only in the task's output or input */
    const char *holders[] = { "outputData", "inputData" };
    for (size_t i = 0; i < 2 && t->sub_workflow_id.len == 0; i++) {
        json_t *h = json_object_get(o, holders[i]);
        if (json_is_object(h)) {
            bytes_free(&t->sub_workflow_id);
            get_str(h, &t->sub_workflow_id, "subWorkflowId", NULL);
        }
    }
    get_json(o, &t->input, "inputData");
    get_json(o, &t->output, "outputData");
    t->seq = get_ll(o, "seq", NULL);
    t->retry_count = get_ll(o, "retryCount", NULL);
    t->poll_count = get_ll(o, "pollCount", NULL);
    t->scheduled_ms = get_time(o, "scheduledTime", NULL);
    t->start_ms = get_time(o, "startTime", NULL);
    t->end_ms = get_time(o, "endTime", NULL);
    t->update_ms = get_time(o, "updateTime", NULL);
    json_decref(o);
    return 0;
}





/* Element i: the id of exec_brief i. */
static const char *brief_id(const void *ctx, size_t i, size_t *len)
{
    const struct exec_brief *b = (const struct exec_brief *)ctx + i;
    *len = b->id.len;
    return b->id.ptr;
}

int conductor_fetch_workflow(PGconn *conn, const char *id, struct workflow_exec *out, char *err,
                             size_t errlen)
{
    const char *params[1] = { id };
    memset(out, 0, sizeof *out);
    /* The primary keys make both lookups index scans, whatever the table sizes. */
    PGresult *res = pg_query(conn, "SELECT json_data FROM workflow WHERE workflow_id = $1", 1,
                             params, "reading the workflow", err, errlen);
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 0;
    }
    int rc = conductor_parse_workflow(PQgetvalue(res, 0, 0), out);
    PQclear(res);
    if (rc < 0) {
        snprintf(err, errlen, "workflow %s: json_data is not a JSON object", id);
        return -1;
    }
    if (out->id.len == 0) {
        bytes_free(&out->id);
        bytes_set(&out->id, id, strlen(id));
    }

    /* Task ids first (workflow_to_task's index), then the rows by primary key, as Conductor's
     * own DAO does: a join lets the planner pick a scan of the whole task table. */
    res = pg_query(conn, "SELECT task_id FROM workflow_to_task WHERE workflow_id = $1", 1, params,
                   "reading the task ids", err, errlen);
    if (!res) {
        workflow_exec_free(out);
        return -1;
    }
    char *ids = pg_array_literal((size_t)PQntuples(res), pg_result_column0, res);
    PQclear(res);
    const char *task_params[1] = { ids };
    res = pg_query(conn, "SELECT json_data FROM task WHERE task_id = ANY($1::varchar[])", 1,
                   task_params, "reading the tasks", err, errlen);
    free(ids);
    if (!res) {
        workflow_exec_free(out);
        return -1;
    }
    int n = PQntuples(res);
    out->tasks = n ? xcalloc((size_t)n, sizeof *out->tasks) : NULL;
    for (int i = 0; i < n; i++) {
        if (conductor_parse_task(PQgetvalue(res, i, 0), &out->tasks[out->task_count]) == 0)
            out->task_count++;
    }
    PQclear(res);
    workflow_sort_tasks(out);
    return 1;
}

/* ---- summary ---------------------------------------------------------------------------- */






/* For the listed failures, in three queries whatever their number: the executions' JSON (for
 * reasonForIncompletion), their task ids, then those tasks by primary key; each failure gets
 * its reason and its last failed task (highest seq among FAILED* and TIMED_OUT, else among
 * CANCELED). */
static int fill_failures(PGconn *conn, struct exec_brief *list, size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    char *ids = pg_array_literal(n, brief_id, list);
    for (size_t i = 0; i < n; i++) {
        bytes_set(&list[i].reason, "", 0);
        bytes_set(&list[i].failed_ref, "", 0);
        bytes_set(&list[i].failed_reason, "", 0);
        list[i].failed_retry_count = QT_UNKNOWN;
    }
    const char *p1[1] = { ids };
    PGresult *r = pg_query(conn, "SELECT workflow_id, json_data FROM workflow"
                              " WHERE workflow_id = ANY($1::varchar[])",
                        1, p1, "reading failed executions", err, errlen);
    if (!r) {
        free(ids);
        return -1;
    }
    for (int row = 0; row < PQntuples(r); row++) {
        struct workflow_exec w;
        if (conductor_parse_workflow(PQgetvalue(r, row, 1), &w) < 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(list[i].id.ptr, PQgetvalue(r, row, 0)) == 0) {
                bytes_free(&list[i].reason);
                bytes_set(&list[i].reason, w.reason.ptr, w.reason.len);
            }
        }
        workflow_exec_free(&w);
    }
    PQclear(r);

    r = pg_query(conn, "SELECT task_id FROM workflow_to_task WHERE workflow_id = ANY($1::varchar[])",
              1, p1, "reading failed executions' task ids", err, errlen);
    free(ids);
    if (!r)
        return -1;
    char *task_ids = pg_array_literal((size_t)PQntuples(r), pg_result_column0, r);
    PQclear(r);
    const char *p2[1] = { task_ids };
    r = pg_query(conn, "SELECT json_data FROM task WHERE task_id = ANY($1::varchar[])", 1, p2,
              "reading failed executions' tasks", err, errlen);
    free(task_ids);
    if (!r)
        return -1;
    long long *best_seq = xcalloc(n, sizeof *best_seq);
    for (size_t i = 0; i < n; i++)
        best_seq[i] = -1;
    for (int row = 0; row < PQntuples(r); row++) {
        struct task_exec t;
        if (conductor_parse_task(PQgetvalue(r, row, 0), &t) < 0)
            continue;
        /* a task that failed or timed out outranks one canceled because of it (a TERMINATED
         * execution cancels its open JOIN); among equals the highest seq wins */
        bool failed = t.status.ptr && (strncmp(t.status.ptr, "FAILED", 6) == 0 ||
                                       strcmp(t.status.ptr, "TIMED_OUT") == 0);
        bool canceled = t.status.ptr && strcmp(t.status.ptr, "CANCELED") == 0;
        long long rank = (failed ? (1LL << 40) : 0) + (t.seq > 0 ? t.seq : 0);
        for (size_t i = 0; (failed || canceled) && i < n; i++) {
            if (bytes_cmp(&list[i].id, &t.workflow_id) != 0 || rank <= best_seq[i])
                continue;
            best_seq[i] = rank;
            bytes_free(&list[i].failed_ref);
            bytes_free(&list[i].failed_reason);
            bytes_set(&list[i].failed_ref, t.ref.ptr, t.ref.len);
            bytes_set(&list[i].failed_reason, t.reason.ptr, t.reason.len);
            list[i].failed_retry_count = t.retry_count;
        }
        task_exec_free(&t);
    }
    free(best_seq);
    PQclear(r);
    return 0;
}

/* Non-terminal executions whatever their age, terminal ones started in the window: a BitmapOr
 * of the status and start_time indexes, never a scan of every row. */
static int summary_counts(PGconn *conn, const char *const *hours, struct pg_counts *counts,
                          struct workflow_summary *out, char *err, size_t errlen)
{
    if (counts) {
        int64_t now_ms = out->db_now_ms;
        int rc = pg_counts_refresh(counts, conn, out->window_hours, out, err, errlen);
        if (rc <= 0)
            return rc;
        out->db_now_ms = now_ms;   /* 1: too big to remember, the server counts below */
    }
    PGresult *r = pg_query(conn,
                           "SELECT workflow_type, status, count(*) FROM workflow_index"
                           " WHERE status IN ('RUNNING', 'PAUSED')"
                           "    OR start_time >= now() - make_interval(hours => $1::int)"
                           " GROUP BY 1, 2 ORDER BY 1, 2",
                           1, hours, "counting executions", err, errlen);
    if (!r)
        return -1;
    pg_read_counts(r, out);
    PQclear(r);
    return 0;
}

#define RATE_WINDOW_MIN 5

/* Starts and ends per type over the last RATE_WINDOW_MIN minutes: a BitmapOr of the
 * start_time and end_time indexes over a few minutes of rows. */
static int summary_rates(PGconn *conn, struct workflow_summary *out, char *err, size_t errlen)
{
    PGresult *r = pg_query(conn,
        "SELECT workflow_type,"
        " count(*) FILTER (WHERE start_time >= now() - interval '5 minutes'),"
        " count(*) FILTER (WHERE status = 'COMPLETED' AND end_time >= now() - interval '5 minutes'),"
        " count(*) FILTER (WHERE status IN ('FAILED', 'TIMED_OUT', 'TERMINATED')"
        "                    AND end_time >= now() - interval '5 minutes')"
        " FROM workflow_index"
        " WHERE start_time >= now() - interval '5 minutes' OR end_time >= now() - interval '5 minutes'"
        " GROUP BY 1 ORDER BY 1",
        0, NULL, "reading start and end rates", err, errlen);
    if (!r)
        return -1;
    pg_read_rates(r, RATE_WINDOW_MIN, out);
    PQclear(r);
    return 0;
}

static int summary_running(PGconn *conn, struct workflow_summary *out, char *err, size_t errlen)
{
    PGresult *r = pg_query(conn,
                           "SELECT workflow_id, workflow_type, correlation_id,"
                           " (extract(epoch FROM start_time) * 1000)::bigint"
                           " FROM workflow_index WHERE status = 'RUNNING'"
                           /* an expression, so that the plan starts from the status index
                            * (as many rows as are running) and never walks the start_time
                            * index from the oldest execution kept until it meets one that
                            * runs: at 1,000,000 a day with none stuck, that was every row */
                           " ORDER BY start_time + interval '0' LIMIT 10",
                           0, NULL, "listing running executions", err, errlen);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r) && out->running_n < SUMMARY_LIST_MAX; i++) {
        struct exec_brief *b = &out->running[out->running_n++];
        pg_cell(r, i, 0, &b->id);
        pg_cell(r, i, 1, &b->name);
        bytes_set(&b->status, "RUNNING", 7);
        pg_cell(r, i, 2, &b->correlation_id);
        bytes_set(&b->reason, "", 0);
        bytes_set(&b->failed_ref, "", 0);
        bytes_set(&b->failed_reason, "", 0);
        b->failed_retry_count = QT_UNKNOWN;
        b->start_ms = pg_cell_ll(r, i, 3);
        b->end_ms = QT_UNKNOWN;
    }
    PQclear(r);
    return 0;
}

static int summary_failures(PGconn *conn, const char *const *hours, struct workflow_summary *out,
                            char *err, size_t errlen)
{
    PGresult *r = pg_query(conn,
                           "SELECT workflow_id, workflow_type, status, correlation_id,"
                           " (extract(epoch FROM start_time) * 1000)::bigint,"
                           " (extract(epoch FROM end_time) * 1000)::bigint"
                           " FROM workflow_index"
                           " WHERE status IN ('FAILED', 'TIMED_OUT', 'TERMINATED')"
                           "   AND end_time >= now() - make_interval(hours => $1::int)"
                           " ORDER BY end_time DESC LIMIT 10",
                           1, hours, "listing recent failures", err, errlen);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r) && out->failures_n < SUMMARY_LIST_MAX; i++) {
        struct exec_brief *b = &out->failures[out->failures_n++];
        pg_cell(r, i, 0, &b->id);
        pg_cell(r, i, 1, &b->name);
        pg_cell(r, i, 2, &b->status);
        pg_cell(r, i, 3, &b->correlation_id);
        b->start_ms = pg_cell_ll(r, i, 4);
        b->end_ms = pg_cell_ll(r, i, 5);
    }
    PQclear(r);
    return fill_failures(conn, out->failures, out->failures_n, err, errlen);
}

int conductor_summary(PGconn *conn, int window_hours, unsigned parts, struct pg_counts *counts,
                      struct workflow_summary *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->window_hours = window_hours;
    char hours[16];
    snprintf(hours, sizeof hours, "%d", window_hours);
    const char *p[1] = { hours };

    /* A missing table fails a statement at parse time, so existence is asked first. */
    PGresult *r = pg_query(conn,
                        "SELECT (extract(epoch FROM now()) * 1000)::bigint,"
                        " to_regclass('workflow_index') IS NOT NULL",
                        0, NULL, "checking the index tables", err, errlen);
    if (!r)
        return -1;
    out->db_now_ms = pg_cell_ll(r, 0, 0);
    bool exists = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    if (!exists)
        return 0;
    r = pg_query(conn, "SELECT EXISTS (SELECT 1 FROM workflow_index)", 0, NULL,
              "checking the index tables", err, errlen);
    if (!r)
        return -1;
    out->index_tables = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!out->index_tables)
        return 0;

    if ((parts & SUMMARY_COUNTS) && summary_counts(conn, p, counts, out, err, errlen) < 0)
        return -1;
    if ((parts & SUMMARY_RATES) && summary_rates(conn, out, err, errlen) < 0)
        return -1;
    if ((parts & SUMMARY_RUNNING) && summary_running(conn, out, err, errlen) < 0)
        return -1;
    if ((parts & SUMMARY_FAILURES) && summary_failures(conn, p, out, err, errlen) < 0)
        return -1;
    return 0;
}

int conductor_find(PGconn *conn, const char *text, struct exec_brief *list, size_t max, char *err,
                   size_t errlen)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%zu", max);
    const char *p[2] = { text, limit };
    /* A BitmapOr of the primary key and the correlation_id index, then a top-N sort of the
     * matches on created_on: the row's insert time, which Conductor writes when it creates
     * the execution, so the newest are kept when a correlation id has more than max (without
     * the ORDER BY, LIMIT kept any max of them). No JSON is parsed to order the rows. */
    PGresult *r = pg_query(conn, "SELECT workflow_id, json_data FROM workflow"
                              " WHERE workflow_id = $1 OR correlation_id = $1"
                              " ORDER BY created_on DESC NULLS LAST, workflow_id LIMIT $2::int",
                        2, p, "searching executions", err, errlen);
    if (!r)
        return -1;
    size_t n = 0;
    for (int row = 0; row < PQntuples(r) && n < max; row++) {
        struct workflow_exec w;
        if (conductor_parse_workflow(PQgetvalue(r, row, 1), &w) < 0)
            continue;
        struct exec_brief *b = &list[n++];
        memset(b, 0, sizeof *b);
        pg_cell(r, row, 0, &b->id);
        bytes_set(&b->name, w.name.ptr, w.name.len);
        bytes_set(&b->status, w.status.ptr, w.status.len);
        bytes_set(&b->correlation_id, w.correlation_id.ptr, w.correlation_id.len);
        bytes_set(&b->reason, w.reason.ptr, w.reason.len);
        bytes_set(&b->failed_ref, "", 0);
        bytes_set(&b->failed_reason, "", 0);
        b->failed_retry_count = QT_UNKNOWN;
        b->start_ms = w.start_ms;
        b->end_ms = w.end_ms;
        workflow_exec_free(&w);
    }
    PQclear(r);
    exec_briefs_sort_newest(list, n);   /* shown by the start the JSON holds */
    return (int)n;
}
