/* wf_source.c -- see wf_source.h. */
#include "wf_source.h"

#include <stdio.h>
#include <string.h>

#include "pg_conductor.h"
#include "pg_conn.h"
#include "pg_mapping.h"
#include "pg_prefect.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */

const char *wf_source_name(enum wf_source_kind kind)
{
    switch (kind) {
    case WF_SOURCE_CONDUCTOR: return "conductor";
    case WF_SOURCE_PREFECT: return "prefect";
    case WF_SOURCE_MAPPING: return "mapping";
    case WF_SOURCE_AUTO: break;
    }
    return "auto";
}

int wf_source_resolve(struct wf_source *src, PGconn *conn, char *err, size_t errlen)
{
    if (src->kind != WF_SOURCE_AUTO)
        return 0;
    /* to_regclass follows the search_path, as the sources' own queries do */
    PGresult *r = pg_query(conn,
                           "SELECT to_regclass('workflow') IS NOT NULL"
                           "   AND to_regclass('workflow_to_task') IS NOT NULL"
                           "   AND to_regclass('task') IS NOT NULL,"
                           " to_regclass('flow_run') IS NOT NULL"
                           "   AND to_regclass('task_run') IS NOT NULL",
                           0, NULL, "looking for a workflow engine's tables", err, errlen);
    if (!r)
        return -1;
    bool conductor = PQgetvalue(r, 0, 0)[0] == 't', prefect = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    if (conductor) {
        src->kind = WF_SOURCE_CONDUCTOR;
    } else if (prefect) {
        src->kind = WF_SOURCE_PREFECT;
    } else {
        snprintf(err, errlen, "no Conductor tables (workflow, task, workflow_to_task) or Prefect"
                              " tables (flow_run, task_run) in this database's search_path;"
                              " describe the schema with --source mapping FILE");
        return -1;
    }
    return 0;
}

int wf_summary(const struct wf_source *src, PGconn *conn, int window_hours, unsigned parts,
               struct workflow_summary *out, char *err, size_t errlen)
{
    switch (src->kind) {
    case WF_SOURCE_CONDUCTOR:
        return conductor_summary(conn, window_hours, parts, src->counts, out, err, errlen);
    case WF_SOURCE_PREFECT:
        return prefect_summary(conn, window_hours, parts, out, err, errlen);
    case WF_SOURCE_MAPPING:
        if (src->mapping)
            return mapping_summary(src->mapping, conn, window_hours, parts, out, err, errlen);
        break;
    default:
        break;
    }
    memset(out, 0, sizeof *out);
    snprintf(err, errlen, "source %s: not resolved (or no mapping loaded)",
             wf_source_name(src->kind));
    return -1;
}

int wf_fetch_workflow(const struct wf_source *src, PGconn *conn, const char *id,
                      struct workflow_exec *out, char *err, size_t errlen)
{
    switch (src->kind) {
    case WF_SOURCE_CONDUCTOR:
        return conductor_fetch_workflow(conn, id, out, err, errlen);
    case WF_SOURCE_PREFECT:
        return prefect_fetch_workflow(conn, id, out, err, errlen);
    case WF_SOURCE_MAPPING:
        if (src->mapping)
            return mapping_fetch_workflow(src->mapping, conn, id, out, err, errlen);
        break;
    default:
        break;
    }
    memset(out, 0, sizeof *out);
    snprintf(err, errlen, "source %s: not resolved", wf_source_name(src->kind));
    return -1;
}

int wf_find(const struct wf_source *src, PGconn *conn, const char *text, struct exec_brief *list,
            size_t max, char *err, size_t errlen)
{
    switch (src->kind) {
    case WF_SOURCE_CONDUCTOR:
        return conductor_find(conn, text, list, max, err, errlen);
    case WF_SOURCE_PREFECT:
        return prefect_find(conn, text, list, max, err, errlen);
    case WF_SOURCE_MAPPING:
        if (src->mapping)
            return mapping_find(src->mapping, conn, text, list, max, err, errlen);
        break;
    default:
        break;
    }
    snprintf(err, errlen, "source %s: not resolved", wf_source_name(src->kind));
    return -1;
}
