/* pg_mapping_read.c -- a loaded mapping's queries (pg_mapping.h): run on the source's
 * connection, their result columns matched to the fields by name and type, their rows read. */
#include "mapping_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pg_conn.h"
#include "util.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */

/* ---- reading results ---------------------------------------------------------------------- */

/* Whether the mapping names a column for field name of section id. */
static bool mapped(const struct wf_mapping *m, enum section_id id, const char *name)
{
    const struct section_def *d = &section_defs[id];
    for (size_t f = 0; f < d->field_n; f++)
        if (strcmp(d->fields[f].name, name) == 0)
            return m->sec[id].columns[f] != NULL;
    return false;
}

static const char *type_name(Oid oid, char *buf, size_t len)
{
    /* OIDs of the built-in types (pg_type.dat): fixed across PostgreSQL versions */
    static const struct { Oid oid; const char *name; } names[] = {
        { 16, "boolean" }, { 20, "bigint" }, { 21, "smallint" }, { 23, "integer" },
        { 25, "text" }, { 114, "json" }, { 700, "real" }, { 701, "double precision" },
        { 1043, "character varying" }, { 1082, "date" }, { 1114, "timestamp" },
        { 1184, "timestamp with time zone" }, { 1186, "interval" }, { 1700, "numeric" },
        { 3802, "jsonb" },
    };
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (names[i].oid == oid)
            return names[i].name;
    snprintf(buf, len, "of type oid %u", (unsigned)oid);
    return buf;
}

static bool integer_type(Oid oid)
{
    return oid == 20 || oid == 21 || oid == 23;
}

/* Finds each mapped column of section id in r (exactly as named: the name is quoted for
 * PQfnumber) and checks number and time columns are integers. col[f] is the column of field f,
 * -1 when unmapped. 0, or -1 with err naming the field and the column. */
static int resolve_columns(const struct wf_mapping *m, enum section_id id, const PGresult *r,
                           int *col, char *err, size_t errlen)
{
    const struct section_def *d = &section_defs[id];
    char jpath[200];
    for (size_t f = 0; f < d->field_n; f++) {
        col[f] = -1;
        const char *name = m->sec[id].columns[f];
        if (!name)
            continue;
        snprintf(jpath, sizeof jpath, "%s.columns.%s", d->name, d->fields[f].name);
        size_t len = strlen(name);
        char *quoted = xmalloc(2 * len + 3), *o = quoted;
        *o++ = '"';
        for (const char *s = name; *s; s++) {
            if (*s == '"')
                *o++ = '"';
            *o++ = *s;
        }
        *o++ = '"';
        *o = '\0';
        int c = PQfnumber(r, quoted);
        free(quoted);
        if (c < 0) {
            char have[160];
            size_t h = 0;
            have[0] = '\0';
            for (int i = 0; i < PQnfields(r) && h < sizeof have; i++)
                h += (size_t)snprintf(have + h, sizeof have - h, "%s%s", i ? ", " : "",
                                      PQfname(r, i));
            mapping_path_error(err, errlen, m->path, jpath,
                       "the result of \"%s.sql\" has no column \"%s\" (it has: %s)", d->name,
                       name, have);
            return -1;
        }
        enum field_kind k = d->fields[f].kind;
        Oid t = PQftype(r, c);
        if ((k == F_TIME || k == F_INT) && !integer_type(t)) {
            char buf[32];
            if (k == F_TIME)
                mapping_path_error(err, errlen, m->path, jpath,
                           "column \"%s\" is %s; times must be epoch milliseconds as an integer,"
                           " e.g. (extract(epoch FROM %s) * 1000)::bigint", name,
                           type_name(t, buf, sizeof buf), name);
            else
                mapping_path_error(err, errlen, m->path, jpath,
                           "column \"%s\" is %s; it must be smallint, integer or bigint"
                           " (cast it with ::bigint)", name, type_name(t, buf, sizeof buf));
            return -1;
        }
        col[f] = c;
    }
    return 0;
}

/* JSON text as compact JSON: white space outside strings dropped, everything else kept as
 * written (numbers exactly, keys in order). Text that is not JSON becomes a JSON string of
 * itself; JSON null becomes "". */
static void set_compact_json(struct bytes *b, const char *text, size_t len)
{
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL,
                           &je);
    if (!v) {
        json_t *s = json_stringn(text, len);
        char *dump = s ? json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        if (dump)
            bytes_set(b, dump, strlen(dump));
        else
            bytes_set(b, text, len);   /* not UTF-8: the bytes as they are */
        free(dump);
        json_decref(s);
        return;
    }
    bool null = json_is_null(v);
    json_decref(v);
    if (null) {
        bytes_set(b, "", 0);
        return;
    }
    char *out = xmalloc(len + 1);
    size_t o = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            out[o++] = c;
            if (c == '\\' && i + 1 < len)
                out[o++] = text[++i];
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
            out[o++] = c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            out[o++] = c;
        }
    }
    bytes_set(b, out, o);
    free(out);
}

/* Fills the struct at dst (zeroed) from row of r: unmapped text "", unmapped numbers
 * QT_UNKNOWN. Cannot fail: resolve_columns checked the types. */
static void fill_row(enum section_id id, const int *col, const PGresult *r, int row, void *dst)
{
    const struct section_def *d = &section_defs[id];
    for (size_t f = 0; f < d->field_n; f++) {
        char *at = (char *)dst + d->fields[f].offset;
        int c = col[f];
        bool null = c < 0 || PQgetisnull(r, row, c);
        switch (d->fields[f].kind) {
        case F_TEXT:
            if (null)
                bytes_set((struct bytes *)at, "", 0);
            else
                pg_cell(r, row, c, (struct bytes *)at);
            break;
        case F_JSON:
            if (null)
                bytes_set((struct bytes *)at, "", 0);
            else
                set_compact_json((struct bytes *)at, PQgetvalue(r, row, c),
                                 (size_t)PQgetlength(r, row, c));
            break;
        case F_INT:
        case F_TIME:
            *(long long *)at = null ? QT_UNKNOWN : pg_cell_ll(r, row, c);
            break;
        case F_STATUS:
            snprintf(at, sizeof ((struct status_count *)0)->status, "%s",
                     null ? "" : PQgetvalue(r, row, c));
            break;
        }
    }
}

/* Runs section id with $1 = param (when its SQL uses $1) and resolves its columns into col.
 * A result, or NULL with err. */
static PGresult *run_section(const struct wf_mapping *m, enum section_id id, PGconn *conn,
                             const char *param, int *col, char *err, size_t errlen)
{
    const struct section *s = &m->sec[id];
    char what[300];
    snprintf(what, sizeof what, "%s: \"%s.sql\"", m->path, section_defs[id].name);
    const char *params[1] = { param };
    PGresult *r = pg_query(conn, s->sql, s->params, s->params ? params : NULL, what, err, errlen);
    if (!r)
        return NULL;
    if (resolve_columns(m, id, r, col, err, errlen) < 0) {
        PQclear(r);
        return NULL;
    }
    return r;
}

/* Up to SUMMARY_LIST_MAX rows of section id into list; *n how many. */
static int read_briefs(const struct wf_mapping *m, enum section_id id, PGconn *conn,
                       const char *param, struct exec_brief *list, size_t max, size_t *n,
                       char *err, size_t errlen)
{
    int col[FIELDS_MAX];
    PGresult *r = run_section(m, id, conn, param, col, err, errlen);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r) && *n < max; row++) {
        struct exec_brief *b = &list[(*n)++];
        memset(b, 0, sizeof *b);
        fill_row(id, col, r, row, b);
        if (id == SEC_RUNNING && !mapped(m, id, "status")) {   /* the list says what they are */
            bytes_free(&b->status);
            bytes_set(&b->status, "RUNNING", 7);
        }
    }
    PQclear(r);
    return 0;
}

static int read_counts(const struct wf_mapping *m, PGconn *conn, const char *hours,
                       struct workflow_summary *out, char *err, size_t errlen)
{
    int col[FIELDS_MAX];
    PGresult *r = run_section(m, SEC_COUNTS, conn, hours, col, err, errlen);
    if (!r)
        return -1;
    int n = PQntuples(r);
    out->counts = n ? xcalloc((size_t)n, sizeof *out->counts) : NULL;
    for (int row = 0; row < n; row++)
        fill_row(SEC_COUNTS, col, r, row, &out->counts[out->count_n++]);
    PQclear(r);
    return 0;
}

static int read_rates(const struct wf_mapping *m, PGconn *conn, struct workflow_summary *out,
                      char *err, size_t errlen)
{
    char minutes[16];
    snprintf(minutes, sizeof minutes, "%d", m->rate_window_min);
    int col[FIELDS_MAX];
    PGresult *r = run_section(m, SEC_RATES, conn, minutes, col, err, errlen);
    if (!r)
        return -1;
    int n = PQntuples(r);
    out->rate_window_min = m->rate_window_min;
    out->rates = n ? xcalloc((size_t)n, sizeof *out->rates) : NULL;
    for (int row = 0; row < n; row++)
        fill_row(SEC_RATES, col, r, row, &out->rates[out->rate_n++]);
    PQclear(r);
    return 0;
}

int mapping_summary(const struct wf_mapping *m, PGconn *conn, int window_hours, unsigned parts,
                    struct workflow_summary *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->window_hours = window_hours;
    char hours[16];
    snprintf(hours, sizeof hours, "%d", window_hours);

    PGresult *r = pg_query(conn, "SELECT (extract(epoch FROM now()) * 1000)::bigint", 0, NULL,
                           "reading the database clock", err, errlen);
    if (!r)
        return -1;
    out->db_now_ms = pg_cell_ll(r, 0, 0);
    PQclear(r);
    out->index_tables = m->sec[SEC_COUNTS].present || m->sec[SEC_RUNNING].present ||
                        m->sec[SEC_FAILURES].present || m->sec[SEC_RATES].present;

    int rc = 0;
    if ((parts & SUMMARY_COUNTS) && m->sec[SEC_COUNTS].present)
        rc = read_counts(m, conn, hours, out, err, errlen);
    if (rc == 0 && (parts & SUMMARY_RATES) && m->sec[SEC_RATES].present)
        rc = read_rates(m, conn, out, err, errlen);
    if (rc == 0 && (parts & SUMMARY_RUNNING) && m->sec[SEC_RUNNING].present)
        rc = read_briefs(m, SEC_RUNNING, conn, hours, out->running, SUMMARY_LIST_MAX,
                         &out->running_n, err, errlen);
    if (rc == 0 && (parts & SUMMARY_FAILURES) && m->sec[SEC_FAILURES].present)
        rc = read_briefs(m, SEC_FAILURES, conn, hours, out->failures, SUMMARY_LIST_MAX,
                         &out->failures_n, err, errlen);
    if (rc < 0)
        workflow_summary_free(out);
    return rc;
}

int mapping_fetch_workflow(const struct wf_mapping *m, PGconn *conn, const char *id,
                           struct workflow_exec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int col[FIELDS_MAX];
    PGresult *r = run_section(m, SEC_WORKFLOW, conn, id, col, err, errlen);
    if (!r)
        return -1;
    int rows = PQntuples(r);
    if (rows != 1) {
        PQclear(r);
        if (rows == 0)
            return 0;
        char idtext[24];
        mapping_clean_text(id, strlen(id), 20, idtext, sizeof idtext);
        mapping_path_error(err, errlen, m->path, "workflow.sql",
                   "returned %d rows for id \"%s\"; it must return at most one", rows, idtext);
        return -1;
    }
    fill_row(SEC_WORKFLOW, col, r, 0, out);
    PQclear(r);
    if (!m->sec[SEC_TASKS].present)
        return 1;

    r = run_section(m, SEC_TASKS, conn, id, col, err, errlen);
    if (!r) {
        workflow_exec_free(out);
        return -1;
    }
    int n = PQntuples(r);
    out->tasks = n ? xcalloc((size_t)n, sizeof *out->tasks) : NULL;
    bool own_id = mapped(m, SEC_TASKS, "workflow_id");
    for (int row = 0; row < n; row++) {
        struct task_exec *t = &out->tasks[out->task_count++];
        fill_row(SEC_TASKS, col, r, row, t);
        if (!own_id) {
            bytes_free(&t->workflow_id);
            bytes_set(&t->workflow_id, out->id.ptr, out->id.len);
        }
    }
    PQclear(r);
    workflow_sort_tasks(out);
    return 1;
}

int mapping_find(const struct wf_mapping *m, PGconn *conn, const char *text,
                 struct exec_brief *list, size_t max, char *err, size_t errlen)
{
    if (!m->sec[SEC_FIND].present) {
        snprintf(err, errlen, "%s: no \"find\" section, so executions cannot be searched",
                 m->path);
        return -1;
    }
    size_t n = 0;
    if (read_briefs(m, SEC_FIND, conn, text, list, max, &n, err, errlen) < 0)
        return -1;
    /* the file's ORDER BY decides which rows its LIMIT keeps (docs/mapping.md); they are
     * shown newest first whatever order it returned them in */
    exec_briefs_sort_newest(list, n);
    return (int)n;
}
