/* workflow.h -- one workflow execution and its tasks, as read from a workflow engine's
 * database (Conductor first). Times are epoch ms; QT_UNKNOWN (-1) when the engine did not
 * record them (never started, still running). Strings are untrusted and owned here. */
#ifndef QT_WORKFLOW_H
#define QT_WORKFLOW_H

#include <stddef.h>

#include "snapshot.h"

struct task_exec {
    struct bytes task_id, ref, type, status, worker_id, reason, sub_workflow_id;
    long long seq;             /* order within the execution */
    long long retry_count;
    long long poll_count;
    long long scheduled_ms, start_ms, end_ms, update_ms;
};

struct workflow_exec {
    struct bytes id, name, status, correlation_id, reason, parent_id;
    long long version;
    long long start_ms, end_ms, update_ms;   /* end_ms QT_UNKNOWN while running */
    struct task_exec *tasks;                 /* sorted by seq (then scheduled time) */
    size_t task_count;
};

void workflow_exec_free(struct workflow_exec *w);

#endif
