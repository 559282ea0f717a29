/* conductor_fixture.h -- rows shaped as Conductor's PostgreSQL persistence writes them, built
 * with jansson: `workflow` (json_data without tasks), `task`, `workflow_to_task`. Used by the
 * integration tests, the end-to-end fixture tool and the benchmark. Aborts the run on a failed
 * insert (these are fixtures: a failure is a broken test setup). */
#ifndef QT_CONDUCTOR_FIXTURE_H
#define QT_CONDUCTOR_FIXTURE_H

#include <stdbool.h>

#include <libpq-fe.h>

struct cf_workflow {
    const char *id, *name, *status;
    int version;
    const char *correlation_id;   /* NULL: none */
    long long start_ms, end_ms;   /* epoch ms; end 0 while running (as Conductor writes it) */
    const char *reason;           /* reasonForIncompletion, NULL: none */
    const char *parent_id;        /* parentWorkflowId, NULL: none */
    bool legacy;                  /* 2.x names: workflowType/version/updateTime */
};

struct cf_task {
    const char *task_id;
    int seq;
    const char *ref, *type, *status;
    int retry;
    long long sched, start, end;  /* epoch ms; 0: has not happened */
    const char *worker, *reason;  /* NULL: none */
    const char *sub_workflow_id;  /* SUB_WORKFLOW tasks */
    const char *input_json;       /* inputData as JSON text; NULL: {} */
    const char *output_json;      /* outputData; NULL: {} */
};

void cf_add_workflow(PGconn *db, const struct cf_workflow *w);
void cf_add_task(PGconn *db, const char *workflow_id, const struct cf_task *t);

#endif
