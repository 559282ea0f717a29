/* conductor_fixture.c -- see conductor_fixture.h. */
#include "conductor_fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

static void insert_row(PGconn *db, const char *sql, int n, const char *a, const char *b,
                       const char *c)
{
    const char *params[3] = { a, b, c };
    PGresult *r = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "fixture: %s: %s", sql, PQresultErrorMessage(r));
        abort();
    }
    PQclear(r);
}

static json_t *json_or_empty(const char *text)
{
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    if (text && !v) {
        fprintf(stderr, "fixture: bad JSON: %s\n", text);
        abort();
    }
    return v ? v : json_object();
}

void cf_add_workflow(PGconn *db, const struct cf_workflow *w)
{
    json_t *o = json_object();
    json_object_set_new(o, "workflowId", json_string(w->id));
    json_object_set_new(o, w->legacy ? "workflowType" : "workflowName", json_string(w->name));
    json_object_set_new(o, w->legacy ? "version" : "workflowVersion", json_integer(w->version));
    json_object_set_new(o, "status", json_string(w->status));
    if (w->correlation_id)
        json_object_set_new(o, "correlationId", json_string(w->correlation_id));
    json_object_set_new(o, "createTime", json_integer(w->start_ms));
    json_object_set_new(o, w->legacy ? "updateTime" : "updatedTime",
                        json_integer(w->end_ms ? w->end_ms : w->start_ms + 5000));
    json_object_set_new(o, "endTime", json_integer(w->end_ms));
    if (w->reason)
        json_object_set_new(o, "reasonForIncompletion", json_string(w->reason));
    if (w->parent_id)
        json_object_set_new(o, "parentWorkflowId", json_string(w->parent_id));
    json_object_set_new(o, "tasks", json_array());   /* Conductor stores tasks apart */
    json_object_set_new(o, "input", json_pack("{s:i}", "orderId", 42));
    json_object_set_new(o, "output", json_object());
    char *text = json_dumps(o, JSON_COMPACT);
    insert_row(db, "INSERT INTO workflow (workflow_id, correlation_id, json_data) VALUES ($1, $2, $3)",
               3, w->id, w->correlation_id, text);
    free(text);
    json_decref(o);
}

void cf_add_task(PGconn *db, const char *wf, const struct cf_task *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "taskId", json_string(t->task_id));
    json_object_set_new(o, "workflowInstanceId", json_string(wf));
    json_object_set_new(o, "seq", json_integer(t->seq));
    json_object_set_new(o, "referenceTaskName", json_string(t->ref));
    json_object_set_new(o, "taskType", json_string(t->type));
    json_object_set_new(o, "taskDefName", json_string(t->type));
    json_object_set_new(o, "status", json_string(t->status));
    json_object_set_new(o, "retryCount", json_integer(t->retry));
    json_object_set_new(o, "pollCount", json_integer(t->start ? 1 : 0));
    json_object_set_new(o, "scheduledTime", json_integer(t->sched));
    json_object_set_new(o, "startTime", json_integer(t->start));   /* 0: not started */
    json_object_set_new(o, "endTime", json_integer(t->end));       /* 0: not ended */
    json_object_set_new(o, "updateTime", json_integer(t->end ? t->end : t->start ? t->start
                                                                              : t->sched));
    if (t->worker)
        json_object_set_new(o, "workerId", json_string(t->worker));
    if (t->reason)
        json_object_set_new(o, "reasonForIncompletion", json_string(t->reason));
    if (t->sub_workflow_id)
        json_object_set_new(o, "subWorkflowId", json_string(t->sub_workflow_id));
    json_object_set_new(o, "inputData", json_or_empty(t->input_json));
    json_object_set_new(o, "outputData", json_or_empty(t->output_json));
    char *text = json_dumps(o, JSON_COMPACT);
    insert_row(db, "INSERT INTO task (task_id, json_data) VALUES ($1, $2)", 2, t->task_id, text,
               NULL);
    insert_row(db, "INSERT INTO workflow_to_task (workflow_id, task_id) VALUES ($1, $2)", 2, wf,
               t->task_id, NULL);
    free(text);
    json_decref(o);
}
