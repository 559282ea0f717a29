/* pg_conductor.c -- see pg_conductor.h. */
#include "pg_conductor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util.h"

void workflow_exec_free(struct workflow_exec *w)
{
    bytes_free(&w->id);
    bytes_free(&w->name);
    bytes_free(&w->status);
    bytes_free(&w->correlation_id);
    bytes_free(&w->reason);
    bytes_free(&w->parent_id);
    for (size_t i = 0; i < w->task_count; i++) {
        struct task_exec *t = &w->tasks[i];
        bytes_free(&t->task_id);
        bytes_free(&t->ref);
        bytes_free(&t->type);
        bytes_free(&t->status);
        bytes_free(&t->worker_id);
        bytes_free(&t->reason);
        bytes_free(&t->sub_workflow_id);
        bytes_free(&t->workflow_id);
    }
    free(w->tasks);
    memset(w, 0, sizeof *w);
}

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
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return QT_UNKNOWN;
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

static int by_seq(const void *pa, const void *pb)
{
    const struct task_exec *a = pa, *b = pb;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    if (a->scheduled_ms != b->scheduled_ms)
        return a->scheduled_ms < b->scheduled_ms ? -1 : 1;
    return bytes_cmp(&a->task_id, &b->task_id);
}

static void result_error(PGresult *res, const char *what, char *err, size_t errlen)
{
    const char *msg = res ? PQresultErrorMessage(res) : "no result";
    size_t n = strcspn(msg, "\n");
    snprintf(err, errlen, "%s: %.*s", what, (int)(n > 200 ? 200 : n), msg);
}

/* A PostgreSQL array literal of n strings: {"a","b\\"c"} (caller frees). */
static char *array_literal(size_t n, const char *(*get)(const void *ctx, size_t i, size_t *len),
                           const void *ctx)
{
    size_t cap = 3, len;
    for (size_t i = 0; i < n; i++) {
        get(ctx, i, &len);
        cap += 2 * len + 3;
    }
    char *out = xmalloc(cap);
    size_t o = 0;
    out[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        const char *v = get(ctx, i, &len);
        if (i)
            out[o++] = ',';
        out[o++] = '"';
        for (size_t k = 0; k < len; k++) {
            if (v[k] == '"' || v[k] == '\\')
                out[o++] = '\\';
            out[o++] = v[k];
        }
        out[o++] = '"';
    }
    out[o++] = '}';
    out[o] = '\0';
    return out;
}

/* Element i: the first column of row i of a result. */
static const char *result_value(const void *ctx, size_t i, size_t *len)
{
    *len = (size_t)PQgetlength((PGresult *)ctx, (int)i, 0);
    return PQgetvalue((PGresult *)ctx, (int)i, 0);
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
    PGresult *res = PQexecParams(conn, "SELECT json_data FROM workflow WHERE workflow_id = $1",
                                 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result_error(res, "reading the workflow", err, errlen);
        PQclear(res);
        return -1;
    }
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
    res = PQexecParams(conn, "SELECT task_id FROM workflow_to_task WHERE workflow_id = $1", 1, NULL,
                       params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result_error(res, "reading the task ids", err, errlen);
        PQclear(res);
        workflow_exec_free(out);
        return -1;
    }
    char *ids = array_literal((size_t)PQntuples(res), result_value, res);
    PQclear(res);
    const char *task_params[1] = { ids };
    res = PQexecParams(conn, "SELECT json_data FROM task WHERE task_id = ANY($1::varchar[])", 1,
                       NULL, task_params, NULL, NULL, 0);
    free(ids);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        result_error(res, "reading the tasks", err, errlen);
        PQclear(res);
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
    qsort(out->tasks, out->task_count, sizeof *out->tasks, by_seq);
    return 1;
}

/* ---- summary ---------------------------------------------------------------------------- */

void exec_brief_free(struct exec_brief *b)
{
    bytes_free(&b->id);
    bytes_free(&b->name);
    bytes_free(&b->status);
    bytes_free(&b->correlation_id);
    bytes_free(&b->reason);
    bytes_free(&b->failed_ref);
    bytes_free(&b->failed_reason);
}

void workflow_summary_free(struct workflow_summary *s)
{
    for (size_t i = 0; i < s->count_n; i++)
        bytes_free(&s->counts[i].type);
    free(s->counts);
    for (size_t i = 0; i < s->running_n; i++)
        exec_brief_free(&s->running[i]);
    for (size_t i = 0; i < s->failures_n; i++)
        exec_brief_free(&s->failures[i]);
    memset(s, 0, sizeof *s);
}

static void cell(PGresult *r, int row, int col, struct bytes *b)
{
    if (PQgetisnull(r, row, col))
        bytes_set(b, "", 0);
    else
        bytes_set(b, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static long long cell_ll(PGresult *r, int row, int col)
{
    long long v;
    const char *s = PQgetvalue(r, row, col);
    if (PQgetisnull(r, row, col) || parse_ll(s, strlen(s), &v) < 0)
        return QT_UNKNOWN;
    return v;
}

static PGresult *query(PGconn *conn, const char *sql, int n, const char *const *params,
                       const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        result_error(r, what, err, errlen);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* For the listed failures, in three queries whatever their number: the executions' JSON (for
 * reasonForIncompletion), their task ids, then those tasks by primary key; each failure gets
 * its reason and its last failed task (highest seq among FAILED*, TIMED_OUT, CANCELED). */
static int fill_failures(PGconn *conn, struct exec_brief *list, size_t n, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    char *ids = array_literal(n, brief_id, list);
    for (size_t i = 0; i < n; i++) {
        bytes_set(&list[i].reason, "", 0);
        bytes_set(&list[i].failed_ref, "", 0);
        bytes_set(&list[i].failed_reason, "", 0);
        list[i].failed_retry_count = QT_UNKNOWN;
    }
    const char *p1[1] = { ids };
    PGresult *r = query(conn, "SELECT workflow_id, json_data FROM workflow"
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

    r = query(conn, "SELECT task_id FROM workflow_to_task WHERE workflow_id = ANY($1::varchar[])",
              1, p1, "reading failed executions' task ids", err, errlen);
    free(ids);
    if (!r)
        return -1;
    char *task_ids = array_literal((size_t)PQntuples(r), result_value, r);
    PQclear(r);
    const char *p2[1] = { task_ids };
    r = query(conn, "SELECT json_data FROM task WHERE task_id = ANY($1::varchar[])", 1, p2,
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
        bool failed = t.status.ptr && (strncmp(t.status.ptr, "FAILED", 6) == 0 ||
                                       strcmp(t.status.ptr, "TIMED_OUT") == 0 ||
                                       strcmp(t.status.ptr, "CANCELED") == 0);
        for (size_t i = 0; failed && i < n; i++) {
            if (bytes_cmp(&list[i].id, &t.workflow_id) != 0 || t.seq <= best_seq[i])
                continue;
            best_seq[i] = t.seq;
            bytes_free(&list[i].failed_ref);
            bytes_free(&list[i].failed_reason);
            bytes_set(&list[i].failed_ref, t.ref.ptr, t.ref.len);
            bytes_set(&list[i].failed_reason, t.reason.ptr, t.reason.len);
            list[i].failed_retry_count = t.retry_count;
        }
        struct workflow_exec holder = { 0 };
        holder.tasks = xmalloc(sizeof t);
        holder.tasks[0] = t;
        holder.task_count = 1;
        workflow_exec_free(&holder);
    }
    free(best_seq);
    PQclear(r);
    return 0;
}

int conductor_summary(PGconn *conn, int window_hours, struct workflow_summary *out, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->window_hours = window_hours;
    char hours[16];
    snprintf(hours, sizeof hours, "%d", window_hours);
    const char *p[1] = { hours };

    /* A missing table fails a statement at parse time, so existence is asked first. */
    PGresult *r = query(conn,
                        "SELECT (extract(epoch FROM now()) * 1000)::bigint,"
                        " to_regclass('workflow_index') IS NOT NULL",
                        0, NULL, "checking the index tables", err, errlen);
    if (!r)
        return -1;
    out->db_now_ms = cell_ll(r, 0, 0);
    bool exists = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    if (!exists)
        return 0;
    r = query(conn, "SELECT EXISTS (SELECT 1 FROM workflow_index)", 0, NULL,
              "checking the index tables", err, errlen);
    if (!r)
        return -1;
    out->index_tables = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!out->index_tables)
        return 0;

    /* non-terminal executions whatever their age, terminal ones started in the window:
     * a BitmapOr of the status and start_time indexes, never a scan of every row */
    r = query(conn,
              "SELECT workflow_type, status, count(*) FROM workflow_index"
              " WHERE status IN ('RUNNING', 'PAUSED')"
              "    OR start_time >= now() - make_interval(hours => $1::int)"
              " GROUP BY 1, 2 ORDER BY 1, 2",
              1, p, "counting executions", err, errlen);
    if (!r)
        return -1;
    int n = PQntuples(r);
    out->counts = n ? xcalloc((size_t)n, sizeof *out->counts) : NULL;
    for (int i = 0; i < n; i++) {
        struct status_count *c = &out->counts[out->count_n++];
        cell(r, i, 0, &c->type);
        snprintf(c->status, sizeof c->status, "%s", PQgetvalue(r, i, 1));
        c->count = cell_ll(r, i, 2);
    }
    PQclear(r);

    r = query(conn,
              "SELECT workflow_id, workflow_type, correlation_id,"
              " (extract(epoch FROM start_time) * 1000)::bigint"
              " FROM workflow_index WHERE status = 'RUNNING' ORDER BY start_time LIMIT 10",
              0, NULL, "listing running executions", err, errlen);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r) && out->running_n < SUMMARY_LIST_MAX; i++) {
        struct exec_brief *b = &out->running[out->running_n++];
        cell(r, i, 0, &b->id);
        cell(r, i, 1, &b->name);
        bytes_set(&b->status, "RUNNING", 7);
        cell(r, i, 2, &b->correlation_id);
        bytes_set(&b->reason, "", 0);
        bytes_set(&b->failed_ref, "", 0);
        bytes_set(&b->failed_reason, "", 0);
        b->failed_retry_count = QT_UNKNOWN;
        b->start_ms = cell_ll(r, i, 3);
        b->end_ms = QT_UNKNOWN;
    }
    PQclear(r);

    r = query(conn,
              "SELECT workflow_id, workflow_type, status, correlation_id,"
              " (extract(epoch FROM start_time) * 1000)::bigint,"
              " (extract(epoch FROM end_time) * 1000)::bigint"
              " FROM workflow_index"
              " WHERE status IN ('FAILED', 'TIMED_OUT', 'TERMINATED')"
              "   AND end_time >= now() - make_interval(hours => $1::int)"
              " ORDER BY end_time DESC LIMIT 10",
              1, p, "listing recent failures", err, errlen);
    if (!r)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && out->failures_n < SUMMARY_LIST_MAX; i++) {
        struct exec_brief *b = &out->failures[out->failures_n++];
        cell(r, i, 0, &b->id);
        cell(r, i, 1, &b->name);
        cell(r, i, 2, &b->status);
        cell(r, i, 3, &b->correlation_id);
        b->start_ms = cell_ll(r, i, 4);
        b->end_ms = cell_ll(r, i, 5);
    }
    PQclear(r);
    if (fill_failures(conn, out->failures, out->failures_n, err, errlen) < 0)
        rc = -1;
    return rc;
}

static int by_start_desc(const void *pa, const void *pb)
{
    const struct exec_brief *a = pa, *b = pb;
    if (a->start_ms != b->start_ms)
        return a->start_ms > b->start_ms ? -1 : 1;
    return bytes_cmp(&a->id, &b->id);
}

int conductor_find(PGconn *conn, const char *text, struct exec_brief *list, size_t max, char *err,
                   size_t errlen)
{
    char limit[16];
    snprintf(limit, sizeof limit, "%zu", max);
    const char *p[2] = { text, limit };
    /* a BitmapOr of the primary key and the correlation_id index */
    PGresult *r = query(conn, "SELECT workflow_id, json_data FROM workflow"
                              " WHERE workflow_id = $1 OR correlation_id = $1 LIMIT $2::int",
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
        cell(r, row, 0, &b->id);
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
    qsort(list, n, sizeof *list, by_start_desc);
    return (int)n;
}
