/* workflow.h -- one workflow execution and its tasks, as read from a workflow engine's
 * database (Conductor first). Times are epoch ms; QT_UNKNOWN (-1) when the engine did not
 * record them (never started, still running). Strings are untrusted and owned here. */
#ifndef QT_WORKFLOW_H
#define QT_WORKFLOW_H

#include <stddef.h>

#include <stdbool.h>
#include <stdint.h>

#include "bytes.h"

/* Longest execution id the dashboard keeps (Conductor's workflow_id is VARCHAR(255)). */
#define QT_WF_ID_MAX 256

#ifndef QT_UNKNOWN
#define QT_UNKNOWN (-1LL)   /* as in snapshot.h */
#endif

struct task_exec {
    struct bytes task_id, ref, type, status, worker_id, reason, sub_workflow_id;
    struct bytes workflow_id;  /* workflowInstanceId: the execution it belongs to */
    long long seq;             /* order within the execution */
    long long retry_count;
    long long poll_count;
    long long scheduled_ms, start_ms, end_ms, update_ms;
    struct bytes input, output;  /* the task's input and output as compact JSON text, "" none */
};

struct workflow_exec {
    struct bytes id, name, status, correlation_id, reason, parent_id;
    long long version;
    long long start_ms, end_ms, update_ms;   /* end_ms QT_UNKNOWN while running */
    struct bytes input, output;              /* compact JSON text, "" when none */
    struct task_exec *tasks;                 /* sorted by seq (then scheduled time) */
    size_t task_count;
};

void task_exec_free(struct task_exec *t);
void workflow_exec_free(struct workflow_exec *w);
/* Puts tasks in seq order (then scheduled time, then id). */
void workflow_sort_tasks(struct workflow_exec *w);
/* Status families, the same for every engine (Conductor's and Prefect's names). */
enum wf_status_class {
    WF_ST_OTHER = 0,
    WF_ST_DONE,        /* COMPLETED */
    WF_ST_ACTIVE,      /* RUNNING, IN_PROGRESS, SCHEDULED, PENDING */
    WF_ST_FAILED,      /* FAILED*, TIMED_OUT, CANCELED, CANCELLED, CRASHED, TERMINATED */
    WF_ST_WARN,        /* COMPLETED_WITH_ERRORS, PAUSED, CANCELLING, RETRYING */
    WF_ST_SKIPPED,     /* SKIPPED */
};
enum wf_status_class wf_status_class(const char *status);

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

/* Starts and ends per workflow type within the last rate_window_min minutes. */
struct type_rate {
    struct bytes type;
    long long started, completed, failed;   /* failed: FAILED, TIMED_OUT, TERMINATED */
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
    int rate_window_min;        /* 0 when the rates were not read */
    struct type_rate *rates;
    size_t rate_n;
};

/* Which parts a summary read fills: the collector reads the cheap ones every tick and the
 * expensive ones less often, keeping the previous values in between. */
enum {
    SUMMARY_COUNTS = 1 << 0,    /* counts[] (terminal ones over window_hours) */
    SUMMARY_RUNNING = 1 << 1,   /* running[] */
    SUMMARY_FAILURES = 1 << 2,  /* failures[] with reasons and failed tasks */
    SUMMARY_RATES = 1 << 3,     /* rates[] */
    SUMMARY_ALL = 0xf,
};

void workflow_summary_free(struct workflow_summary *s);
void exec_brief_free(struct exec_brief *b);
/* Search results in the order shown: newest start first, ties by id; unknown starts last. */
void exec_briefs_sort_newest(struct exec_brief *list, size_t n);

/* Deep copies: dst owns new memory (free it as usual). */
void exec_brief_copy(struct exec_brief *dst, const struct exec_brief *src);
void workflow_summary_copy(struct workflow_summary *dst, const struct workflow_summary *src);
void workflow_exec_copy(struct workflow_exec *dst, const struct workflow_exec *src);

#endif
