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

    res = PQexecParams(conn,
                       "SELECT t.json_data FROM workflow_to_task wt JOIN task t ON t.task_id = wt.task_id"
                       " WHERE wt.workflow_id = $1",
                       1, NULL, params, NULL, NULL, 0);
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
