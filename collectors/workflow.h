/* workflow.h -- one workflow execution and its tasks, as read from a workflow engine's
 * database (Conductor first). Times are epoch ms; QT_UNKNOWN (-1) when the engine did not
 * record them (never started, still running). Strings are untrusted and owned here. */
#ifndef QT_WORKFLOW_H
#define QT_WORKFLOW_H

#include <stddef.h>

#include "snapshot.h"

struct task_exec {
    struct bytes task_id, ref, type, status, worker_id, reason, sub_workflow_id;
    struct bytes workflow_id;  /* workflowInstanceId: the execution it belongs to */
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

/* ---- a summary over many executions ------------------------------------------------------ */

#define SUMMARY_LIST_MAX 10

struct status_count {
    struct bytes type;         /* workflow name */
    char status[32];
    long long count;
};

struct exec_brief {
    struct bytes id, name, status, correlation_id, reason;
    struct bytes failed_ref, failed_reason;   /* the last failed task, "" when none */
    long long failed_retry_count;             /* QT_UNKNOWN when no failed task */
    long long start_ms, end_ms;               /* epoch ms, QT_UNKNOWN */
};

struct workflow_summary {
    bool index_tables;          /* workflow_index exists and has rows: the figures below exist */
    int window_hours;           /* terminal executions counted if started within it */
    int64_t db_now_ms;          /* the database's clock, for ages */
    struct status_count *counts;   /* non-terminal: all; terminal: started in the window */
    size_t count_n;
    struct exec_brief running[SUMMARY_LIST_MAX];   /* oldest RUNNING first */
    size_t running_n;
    struct exec_brief failures[SUMMARY_LIST_MAX];  /* FAILED/TIMED_OUT/TERMINATED, newest end first */
    size_t failures_n;
};

void workflow_summary_free(struct workflow_summary *s);

#endif
