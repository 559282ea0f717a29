/* pg_conductor.h -- Conductor's PostgreSQL persistence, read-only. A workflow's stored JSON has
 * no tasks: they are rows of `task`, joined through `workflow_to_task`, put in `seq` order.
 * Both JSON generations are understood: workflowType/version (2.x Workflow) and
 * workflowName/workflowVersion (the later WorkflowModel). */
#ifndef QT_PG_CONDUCTOR_H
#define QT_PG_CONDUCTOR_H

#include <stddef.h>

#include <libpq-fe.h>

#include "workflow.h"

/* Reads execution `id` with all its tasks into *out (caller frees with workflow_exec_free).
 * Returns 1 when found, 0 when there is no such execution, -1 with a reason in err. */
int conductor_fetch_workflow(PGconn *conn, const char *id, struct workflow_exec *out, char *err,
                             size_t errlen);

/* Counts by status per workflow name, the oldest running executions and the newest failures,
 * from Conductor's workflow_index (B-tree indexes on status, start_time, end_time) within a
 * window of window_hours; failures get their reason and last failed task from the execution's
 * own rows. When the index tables are absent or empty, out->index_tables is false and the
 * figures stay empty. Only the SUMMARY_* parts asked for are read. counts, when not NULL,
 * keeps the counts across calls (collectors/pg_counts.h); NULL counts on the server. Returns
 * 0, or -1 with a reason in err. */
struct pg_counts;
int conductor_summary(PGconn *conn, int window_hours, unsigned parts, struct pg_counts *counts,
                      struct workflow_summary *out, char *err, size_t errlen);

/* Executions whose id or correlation id is `text` (both columns are indexed), newest start
 * first, at most max. Fills list[] (caller frees each with its fields via
 * workflow_summary-style freeing: exec_brief_free). Returns how many, or -1 with err. */
int conductor_find(PGconn *conn, const char *text, struct exec_brief *list, size_t max, char *err,
                   size_t errlen);

/* Parses Conductor's JSON of a workflow / a task (exposed for the unit tests). 0 or -1. */
int conductor_parse_workflow(const char *json, struct workflow_exec *out);
int conductor_parse_task(const char *json, struct task_exec *out);

#endif
