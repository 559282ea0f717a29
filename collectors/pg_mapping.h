/* pg_mapping.h -- workflow executions from any PostgreSQL schema, described by a mapping file:
 * a JSON file holding, per question (counts, running, failures, rates, find, workflow, tasks),
 * the SQL that answers it and which result column holds which of our fields. The format, its
 * parameters and its errors are in docs/mapping.md.
 *
 * Loading checks everything that can be checked without a database (JSON syntax, unknown keys,
 * required fields, one read-only statement per section, the parameters it uses); running a
 * section checks its result (every named column present, numbers and times as integers). */
#ifndef QT_PG_MAPPING_H
#define QT_PG_MAPPING_H

#include <stddef.h>

#include <libpq-fe.h>

#include "workflow.h"

struct wf_mapping;

/* Reads and validates the mapping file at path. Returns a mapping (free it with
 * wf_mapping_free), or NULL with one line in err that names the file and either the line and
 * column of a JSON syntax error ("m.json:3:7: ...") or the JSON path of the offending member
 * ("m.json: \"workflow.columns.status\": missing"). */
struct wf_mapping *wf_mapping_load(const char *path, char *err, size_t errlen);
/* NULL is fine. */
void wf_mapping_free(struct wf_mapping *m);

/* The path the mapping was loaded from (for messages). */
const char *wf_mapping_path(const struct wf_mapping *m);

/* The summary parts named by `parts` (SUMMARY_*) whose sections the mapping has; the others
 * stay zeroed. index_tables is true when the mapping has any summary section (the collector
 * keeps nothing otherwise). 0, or -1 with err and *out emptied (workflow_summary_free is still
 * safe to call on it). */
int mapping_summary(const struct wf_mapping *m, PGconn *conn, int window_hours, unsigned parts,
                    struct workflow_summary *out, char *err, size_t errlen);

/* Execution id with its tasks in seq order into *out (caller frees with workflow_exec_free).
 * 1 found, 0 no such execution, -1 with err (nothing left to free). */
int mapping_fetch_workflow(const struct wf_mapping *m, PGconn *conn, const char *id,
                           struct workflow_exec *out, char *err, size_t errlen);

/* Executions matching text, in the order of the "find" SQL (newest first by convention), at
 * most max, into list[] (caller frees each with exec_brief_free). How many, or -1 with err
 * (nothing left to free; also when the mapping has no "find" section). */
int mapping_find(const struct wf_mapping *m, PGconn *conn, const char *text,
                 struct exec_brief *list, size_t max, char *err, size_t errlen);

/* The check every section's SQL passes at load time (exposed for tests and fuzzing): one
 * statement starting with SELECT or WITH (a trailing ';' allowed), quotes, comments and
 * dollar quotes closed, parameters $1..$max_params only. 0 with *params_used (0 or 1..max, every
 * one below it used too), or -1 with the reason in why (no file or path in it). */
int mapping_check_sql(const char *sql, int max_params, int *params_used, char *why,
                      size_t whylen);

#endif
