/* pg_conn.c -- see pg_conn.h. */
#include "pg_conn.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "snapshot.h"
#include "workflow.h"
#include "util.h"

static void forget_conn(const PGconn *conn);


/* libpq prints notices (and the server's "terminating connection" on a shutdown) to stderr
 * by default, which would scroll the dashboard's screen: errors reach the user through
 * results and PQerrorMessage instead. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *pg_conn_open(const char *conninfo, char *err, size_t errlen)
{
    return pg_conn_open_timeout(conninfo, PG_STATEMENT_TIMEOUT_MS, err, errlen);
}

PGconn *pg_conn_open_timeout(const char *conninfo, int statement_timeout_ms, char *err,
                             size_t errlen)
{
    char timeout[32], options[128];
    snprintf(timeout, sizeof timeout, "%d", PG_CONNECT_TIMEOUT_S);
    snprintf(options, sizeof options,
             "-c default_transaction_read_only=on -c statement_timeout=%d",
             statement_timeout_ms > 0 ? statement_timeout_ms : PG_STATEMENT_TIMEOUT_MS);
    /* The user's conninfo first (expanded), then ours: later keywords win, so the safety
     * settings cannot be switched off by accident. */
    const char *keys[] = { "dbname", "application_name", "connect_timeout", "options", NULL };
    const char *vals[] = { conninfo ? conninfo : "", "queuetop", timeout, options, NULL };
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: out of memory");
        return NULL;
    }
    PQsetNoticeProcessor(conn, quiet_notice, NULL);
    if (PQstatus(conn) != CONNECTION_OK) {
        char line[256];
        str_one_line(line, sizeof line, PQerrorMessage(conn));
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", line);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

void pg_conn_close(PGconn *conn)
{
    if (!conn)
        return;
    forget_conn(conn);
    PQfinish(conn);
}

void pg_result_error(const PGresult *res, const char *what, char *err, size_t errlen)
{
    char line[256];
    str_one_line(line, sizeof line, res ? PQresultErrorMessage(res) : "no result (connection lost?)");
    if (!line[0])
        str_copy(line, "no message", sizeof line);
    snprintf(err, errlen, "%s: %s", what, line);
}

/* ---- prepared statements ------------------------------------------------------------------
 * Which statements are prepared on which connection: a small table shared by every thread
 * (the collector and --once paths each own their connection). */

#define PREPARED_MAX 256

static pthread_mutex_t prepared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { const PGconn *conn; uint64_t hash; } prepared[PREPARED_MAX];
static size_t prepared_n;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static bool is_prepared(const PGconn *conn, uint64_t hash)
{
    bool found = false;
    pthread_mutex_lock(&prepared_lock);
    for (size_t i = 0; i < prepared_n && !found; i++)
        found = prepared[i].conn == conn && prepared[i].hash == hash;
    pthread_mutex_unlock(&prepared_lock);
    return found;
}

/* false when the table is full: the caller then runs the statement unnamed. */
static bool remember(const PGconn *conn, uint64_t hash)
{
    bool ok = false;
    pthread_mutex_lock(&prepared_lock);
    if (prepared_n < PREPARED_MAX) {
        prepared[prepared_n].conn = conn;
        prepared[prepared_n].hash = hash;
        prepared_n++;
        ok = true;
    }
    pthread_mutex_unlock(&prepared_lock);
    return ok;
}

static void forget_statement(const PGconn *conn, uint64_t hash)
{
    pthread_mutex_lock(&prepared_lock);
    for (size_t i = 0; i < prepared_n; i++) {
        if (prepared[i].conn == conn && prepared[i].hash == hash) {
            prepared[i] = prepared[--prepared_n];
            break;
        }
    }
    pthread_mutex_unlock(&prepared_lock);
}

static void forget_conn(const PGconn *conn)
{
    pthread_mutex_lock(&prepared_lock);
    for (size_t i = 0; i < prepared_n;) {
        if (prepared[i].conn == conn)
            prepared[i] = prepared[--prepared_n];
        else
            i++;
    }
    pthread_mutex_unlock(&prepared_lock);
}

PGresult *pg_query(PGconn *conn, const char *sql, int n, const char *const *params,
                   const char *what, char *err, size_t errlen)
{
    uint64_t hash = fnv1a(sql);
    char name[32];
    snprintf(name, sizeof name, "qt_%016llx", (unsigned long long)hash);
    PGresult *r;
    if (!is_prepared(conn, hash)) {
        if (!remember(conn, hash)) {
            r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
            goto done;
        }
        r = PQprepare(conn, name, sql, n, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            if (r)
                pg_result_error(r, what, err, errlen);
            else
                snprintf(err, errlen, "%s: connection lost", what);
            PQclear(r);
            /* not prepared after all: a later call (say, once a table exists) tries again */
            forget_statement(conn, hash);
            return NULL;
        }
        PQclear(r);
    }
    r = PQexecPrepared(conn, name, n, params, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_FATAL_ERROR &&
        strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE)
                                                       : "", "26000") == 0) {
        /* the server does not know the statement (a pooler in transaction mode hands each
         * statement to another backend; DISCARD ALL): forget it, run this one unnamed */
        PQclear(r);
        forget_statement(conn, hash);
        r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    }
done:
    if (!r) {
        /* no result at all: the connection is gone; libpq says why on the connection */
        char line[256];
        str_one_line(line, sizeof line, PQerrorMessage(conn));
        snprintf(err, errlen, "%s: %s", what, line[0] ? line : "connection lost");
        return NULL;
    }
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        pg_result_error(r, what, err, errlen);
        PQclear(r);
        return NULL;
    }
    return r;
}

/* ---- result cells ------------------------------------------------------------------------- */

void pg_cell(const PGresult *r, int row, int col, struct bytes *out)
{
    if (PQgetisnull(r, row, col))
        bytes_set(out, "", 0);
    else
        bytes_set(out, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

long long pg_cell_ll(const PGresult *r, int row, int col)
{
    long long v;
    const char *s = PQgetvalue(r, row, col);
    if (PQgetisnull(r, row, col) || parse_ll(s, strlen(s), &v) < 0)
        return QT_UNKNOWN;
    return v;
}

char *pg_array_literal(size_t n, const char *(*get)(const void *ctx, size_t i, size_t *len),
                       const void *ctx)
{
    size_t cap = 3, len;
    for (size_t i = 0; i < n; i++) {
        get(ctx, i, &len);
        cap += 2 * len + 3;
    }
    char *out = xmalloc(cap);
    size_t o = 0;
    out[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        const char *v = get(ctx, i, &len);
        if (i)
            out[o++] = ',';
        out[o++] = '"';
        for (size_t k = 0; k < len; k++) {
            if (v[k] == '"' || v[k] == '\\')
                out[o++] = '\\';
            out[o++] = v[k];
        }
        out[o++] = '"';
    }
    out[o++] = '}';
    out[o] = '\0';
    return out;
}

const char *pg_result_column0(const void *ctx, size_t i, size_t *len)
{
    *len = (size_t)PQgetlength((const PGresult *)ctx, (int)i, 0);
    return PQgetvalue((const PGresult *)ctx, (int)i, 0);
}

void pg_read_rates(const PGresult *r, int window_min, struct workflow_summary *out)
{
    int n = PQntuples(r);
    out->rate_window_min = window_min;
    out->rates = n ? xcalloc((size_t)n, sizeof *out->rates) : NULL;
    for (int i = 0; i < n; i++) {
        struct type_rate *t = &out->rates[out->rate_n++];
        pg_cell(r, i, 0, &t->type);
        t->started = pg_cell_ll(r, i, 1);
        t->completed = pg_cell_ll(r, i, 2);
        t->failed = pg_cell_ll(r, i, 3);
    }
}

void pg_read_counts(const PGresult *r, struct workflow_summary *out)
{
    int n = PQntuples(r);
    out->counts = n ? xcalloc((size_t)n, sizeof *out->counts) : NULL;
    for (int i = 0; i < n; i++) {
        struct status_count *c = &out->counts[out->count_n++];
        pg_cell(r, i, 0, &c->type);
        str_copy(c->status, PQgetisnull(r, i, 1) ? "" : PQgetvalue(r, i, 1), sizeof c->status);
        c->count = pg_cell_ll(r, i, 2);
    }
}
