/* wf_source.h -- where workflow executions come from: Conductor's PostgreSQL persistence,
 * Prefect's database, or any schema described by a mapping file. Each source answers the same
 * three questions (a summary, one execution with its tasks, a search) into the structures of
 * workflow.h, so views, JSON and tests do not care which engine wrote the rows. */
#ifndef QT_WF_SOURCE_H
#define QT_WF_SOURCE_H

#include <stddef.h>

#include <libpq-fe.h>

#include "workflow.h"

enum wf_source_kind {
    WF_SOURCE_AUTO = 0,     /* detect from the tables present */
    WF_SOURCE_CONDUCTOR,
    WF_SOURCE_PREFECT,
    WF_SOURCE_MAPPING,
};

struct wf_mapping;          /* pg_mapping.h */

struct pg_counts;           /* pg_counts.h */

struct wf_source {
    enum wf_source_kind kind;
    struct wf_mapping *mapping;   /* kind WF_SOURCE_MAPPING: owned by whoever loaded it */
    /* Conductor: counts kept across refreshes by a long-running collector (owned by it);
     * NULL counts on the server at every call (--once) */
    struct pg_counts *counts;
};

/* "conductor", "prefect", "mapping", "auto". */
const char *wf_source_name(enum wf_source_kind kind);

/* Resolves WF_SOURCE_AUTO from the tables present (Conductor: workflow + workflow_to_task +
 * task; Prefect: flow_run + task_run). 0 with src->kind set, or -1 with a reason in err (no
 * known tables: the reason says to give --source mapping FILE). Other kinds: 0, nothing asked. */
int wf_source_resolve(struct wf_source *src, PGconn *conn, char *err, size_t errlen);

/* The summary parts named by `parts` (SUMMARY_*) into *out; the other parts are left zeroed.
 * window_hours bounds the terminal executions counted and listed. 0, or -1 with err. */
int wf_summary(const struct wf_source *src, PGconn *conn, int window_hours, unsigned parts,
               struct workflow_summary *out, char *err, size_t errlen);
/* One execution with all its tasks in seq order: 1 found, 0 none, -1 with err. */
int wf_fetch_workflow(const struct wf_source *src, PGconn *conn, const char *id,
                      struct workflow_exec *out, char *err, size_t errlen);
/* Executions whose id or correlation id (Prefect: flow run id or name) is text, newest
 * first, at most max: how many, or -1 with err. */
int wf_find(const struct wf_source *src, PGconn *conn, const char *text, struct exec_brief *list,
            size_t max, char *err, size_t errlen);

#endif
