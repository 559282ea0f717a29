/* pg_prefect.h -- Prefect's server database (PostgreSQL), read-only: flow runs are executions,
 * their task runs are tasks, the flow's name is the workflow name and the flow run's generated
 * name ("crimson-otter") stands in for the correlation id. Statuses are Prefect's state types
 * as stored (SCHEDULED, PENDING, RUNNING, PAUSED, CANCELLING, COMPLETED, FAILED, CANCELLED,
 * CRASHED); a timed-out run is FAILED with state name "TimedOut". Every query goes through one
 * of Prefect's own indexes (named above each query in pg_prefect.c);
 * tests/fixtures/prefect_schema.sql recreates the tables. */
#ifndef QT_PG_PREFECT_H
#define QT_PG_PREFECT_H

#include <stddef.h>

#include <libpq-fe.h>

#include "workflow.h"

/* The summary parts named by `parts` (SUMMARY_*) into *out, the others left zeroed:
 *  - counts: by (flow name, state type); non-terminal runs whatever their age, terminal ones
 *    whose start (or, never started, expected start) is within window_hours;
 *  - running: the oldest RUNNING flow runs, oldest start first;
 *  - failures: FAILED, CRASHED and CANCELLED runs that ended within window_hours, newest end
 *    first, with the reason (the current state's message) and the failed task run: a FAILED
 *    or CRASHED one before a CANCELLED one, then the one that ended last; failed_ref is its
 *    name, failed_reason its state's message, failed_retry_count run_count - 1;
 *  - rates: per flow name, runs started, COMPLETED and FAILED/CRASHED/CANCELLED over the last
 *    5 minutes (rate_window_min).
 * out->index_tables is true (Prefect's tables are the figures). Returns 0, or -1 with a reason
 * in err and *out emptied (no flow_run table: "not a Prefect database"). */
int prefect_summary(PGconn *conn, int window_hours, unsigned parts,
                    struct workflow_summary *out, char *err, size_t errlen);

/* Flow run `id` (a UUID; any other text is simply not found) with all its task runs, in order
 * of expected start, start, id, numbered seq 1..n, into *out (caller frees with
 * workflow_exec_free). correlation_id is the run's name, version QT_UNKNOWN (flow_version is
 * free text), input the parameters as compact JSON, output "" (results live in result
 * storage). A subflow's parent_id is the flow run of its parent task run; a task run that
 * started a subflow names it in sub_workflow_id; a task's type is its task_key, its input the
 * task_inputs JSON, its retry_count run_count - 1. Reasons, for runs and task runs alike, are
 * the current state's message, else its name when that says more than the type ("Late",
 * "NotReady", "AwaitingRetry"). Returns 1 found, 0 none, -1 with err. */
int prefect_fetch_workflow(PGconn *conn, const char *id, struct workflow_exec *out, char *err,
                           size_t errlen);

/* Flow runs whose id (when text is a UUID) or name is text, newest (expected) start first, at
 * most max, into list[] (caller frees each with exec_brief_free). How many, or -1 with err. */
int prefect_find(PGconn *conn, const char *text, struct exec_brief *list, size_t max, char *err,
                 size_t errlen);

#endif
