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

/* Parses Conductor's JSON of a workflow / a task (exposed for the unit tests). 0 or -1. */
int conductor_parse_workflow(const char *json, struct workflow_exec *out);
int conductor_parse_task(const char *json, struct task_exec *out);

#endif
