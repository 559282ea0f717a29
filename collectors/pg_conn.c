/* pg_conn.c -- see pg_conn.h. */
#include "pg_conn.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cancel.h"
#include "snapshot.h"
#include "workflow.h"
#include "util.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */

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

/* ---- waiting on the server ----------------------------------------------------------------
 * Every connection is non-blocking: queuetop polls its socket beside cancel_fd(), so a stop
 * ends any wait at once, and a silent link is noticed by our own deadline rather than by the
 * kernel's TCP timeout (about 15 minutes). statement_timeout is enforced by the server, which
 * cannot help when it never hears from us; the client-side bound is how long the server may
 * stay silent: the statement timeout plus PG_SILENCE_SLACK_MS. */

#define PG_SILENCE_SLACK_MS 3000
#define PG_CONNS_MAX 32
#define PG_CANCEL_THREADS_MAX 4

/* How long each open connection may wait for a byte (ms). */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { const PGconn *conn; int silence_ms; } conns[PG_CONNS_MAX];
static size_t conns_n;
static atomic_int cancel_threads;

static void conn_remember(const PGconn *conn, int silence_ms)
{
    pthread_mutex_lock(&conns_lock);
    if (conns_n < PG_CONNS_MAX) {
        conns[conns_n].conn = conn;
        conns[conns_n].silence_ms = silence_ms;
        conns_n++;
    }
    pthread_mutex_unlock(&conns_lock);
}

static int conn_silence_ms(const PGconn *conn)
{
    int ms = PG_STATEMENT_TIMEOUT_MS + PG_SILENCE_SLACK_MS;
    pthread_mutex_lock(&conns_lock);
    for (size_t i = 0; i < conns_n; i++)
        if (conns[i].conn == conn)
            ms = conns[i].silence_ms;
    pthread_mutex_unlock(&conns_lock);
    return ms;
}

static void conn_forget(const PGconn *conn)
{
    pthread_mutex_lock(&conns_lock);
    for (size_t i = 0; i < conns_n; i++) {
        if (conns[i].conn == conn) {
            conns[i] = conns[--conns_n];
            break;
        }
    }
    pthread_mutex_unlock(&conns_lock);
}

static void *cancel_thread(void *arg)
{
    PGcancel *cancel = arg;
    char buf[256];
    PQcancel(cancel, buf, sizeof buf);
    PQfreeCancel(cancel);
    atomic_fetch_sub(&cancel_threads, 1);
    return NULL;
}

/* Asks the server to cancel what conn runs. PQcancel opens a new connection and blocks until
 * the server answers, which a silent link never does: it runs on a detached thread (a few at
 * most; when the process leaves, they go with it). */
static void cancel_in_background(PGconn *conn)
{
    if (atomic_fetch_add(&cancel_threads, 1) >= PG_CANCEL_THREADS_MAX) {
        atomic_fetch_sub(&cancel_threads, 1);
        return;
    }
    PGcancel *cancel = PQgetCancel(conn);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (!cancel || pthread_create(&t, &attr, cancel_thread, cancel) != 0) {
        PQfreeCancel(cancel);
        atomic_fetch_sub(&cancel_threads, 1);
    }
    pthread_attr_destroy(&attr);
}

/* Gives up on conn: the server is asked to cancel, and the connection is made CONNECTION_BAD
 * (its socket shut down, which libpq then reads as the end) so that the caller reconnects. */
static void abandon(PGconn *conn)
{
    cancel_in_background(conn);
    int fd = PQsocket(conn);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    PQconsumeInput(conn);
}

/* Waits for events on conn's socket until *deadline (mono ms). 0 when ready; -1 with the
 * reason in why on a stop or when the deadline passed. */
static int wait_conn(PGconn *conn, short events, int64_t deadline, char *why, size_t whylen)
{
    int64_t left = deadline - mono_ms();
    int rc = left > 0 ? cancel_poll(PQsocket(conn), events, (int)left) : 0;
    if (rc > 0)
        return 0;
    if (rc < 0 && errno == ECANCELED)
        snprintf(why, whylen, "interrupted");
    else if (rc < 0)
        snprintf(why, whylen, "poll: %s", strerror(errno));
    else
        snprintf(why, whylen, "no answer from the server for %.1f s (a dead link?)",
                 (double)conn_silence_ms(conn) / 1000.0);
    return -1;
}

PGconn *pg_conn_open_timeout(const char *conninfo, int statement_timeout_ms, char *err,
                             size_t errlen)
{
    int statement_ms = statement_timeout_ms > 0 ? statement_timeout_ms : PG_STATEMENT_TIMEOUT_MS;
    char options[128], user_timeout[32];
    snprintf(options, sizeof options,
             "-c default_transaction_read_only=on -c statement_timeout=%d", statement_ms);
    /* a link that drops what we send is closed by the kernel after this long */
    snprintf(user_timeout, sizeof user_timeout, "%d", statement_ms + PG_SILENCE_SLACK_MS);
    /* Keepalives first, so that the user's conninfo (expanded from dbname) may change them;
     * then the safety settings, which come last so that they cannot be switched off by
     * accident (later keywords win). */
    const char *keys[] = { "keepalives", "keepalives_idle", "keepalives_interval",
                           "keepalives_count", "tcp_user_timeout", "dbname",
                           "application_name", "options", NULL };
    const char *vals[] = { "1", "10", "5", "3", user_timeout, conninfo ? conninfo : "",
                           "queuetop", options, NULL };
    if (!pq_lib_load(err, errlen))
        return NULL;
    PGconn *conn = PQconnectStartParams(keys, vals, 1);
    if (!conn) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: out of memory");
        return NULL;
    }
    PQsetNoticeProcessor(conn, quiet_notice, NULL);
    /* libpq leaves the connect timeout to whoever drives PQconnectPoll: ours is for the whole
     * attempt (every host the conninfo names) */
    int64_t deadline = mono_ms() + PG_CONNECT_TIMEOUT_S * 1000;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    char why[160] = "";
    while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
           st != PGRES_POLLING_FAILED) {
        if (wait_conn(conn, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline, why,
                      sizeof why) < 0) {
            if (strcmp(why, "interrupted") != 0)
                snprintf(why, sizeof why, "no answer within %d s", PG_CONNECT_TIMEOUT_S);
            break;
        }
        st = PQconnectPoll(conn);
    }
    if (why[0] || PQstatus(conn) != CONNECTION_OK) {
        char line[256];
        str_one_line(line, sizeof line, why[0] ? why : PQerrorMessage(conn));
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", line[0] ? line : "failed");
        PQfinish(conn);
        return NULL;
    }
    if (PQsetnonblocking(conn, 1) != 0) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: cannot make the connection"
                              " non-blocking");
        PQfinish(conn);
        return NULL;
    }
    conn_remember(conn, statement_ms + PG_SILENCE_SLACK_MS);
    cancel_register_socket(PQsocket(conn));
    return conn;
}

void pg_conn_close(PGconn *conn)
{
    if (!conn)
        return;
    forget_conn(conn);
    conn_forget(conn);
    cancel_unregister_socket(PQsocket(conn));
    PQfinish(conn);
}

enum send_kind { SEND_PARAMS, SEND_PREPARE, SEND_PREPARED };

/* The non-blocking PQexecParams/PQprepare/PQexecPrepared: sends, then waits for the results
 * while the server is not silent for longer than the connection allows. Returns the last
 * result (the first error one, if any: caller PQclear's it), or NULL with the reason in why
 * and, on a stop or a silent server, the connection abandoned (CONNECTION_BAD). */
static PGresult *exec_wait(PGconn *conn, enum send_kind kind, const char *name, const char *sql,
                           int n, const char *const *params, char *why, size_t whylen)
{
    int sent = kind == SEND_PREPARE ? PQsendPrepare(conn, name, sql, n, NULL)
             : kind == SEND_PREPARED ? PQsendQueryPrepared(conn, name, n, params, NULL, NULL, 0)
             : PQsendQueryParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (!sent) {
        str_one_line(why, whylen, PQerrorMessage(conn));
        return NULL;
    }
    int silence_ms = conn_silence_ms(conn);
    int64_t deadline = mono_ms() + silence_ms;
    int flushed;
    while ((flushed = PQflush(conn)) == 1) {
        if (wait_conn(conn, POLLOUT | POLLIN, deadline, why, whylen) < 0)
            goto give_up;
        if (!PQconsumeInput(conn))
            break;
    }
    if (flushed < 0) {
        str_one_line(why, whylen, PQerrorMessage(conn));
        return NULL;
    }
    PGresult *keep = NULL;
    for (;;) {
        while (PQisBusy(conn)) {
            if (wait_conn(conn, POLLIN, deadline, why, whylen) < 0) {
                PQclear(keep);
                goto give_up;
            }
            if (!PQconsumeInput(conn))
                break;   /* the connection is gone: PQgetResult says so */
            deadline = mono_ms() + silence_ms;   /* bytes came: the server is not silent */
        }
        PGresult *r = PQgetResult(conn);
        if (!r)
            break;
        if (!keep || PQresultStatus(keep) != PGRES_FATAL_ERROR) {
            PQclear(keep);
            keep = r;
        } else {
            PQclear(r);
        }
        if (PQstatus(conn) == CONNECTION_BAD)
            break;
    }
    if (!keep)
        str_one_line(why, whylen, PQerrorMessage(conn));
    return keep;
give_up:
    abandon(conn);
    return NULL;
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
    char name[32], why[256] = "";
    snprintf(name, sizeof name, "qt_%016llx", (unsigned long long)hash);
    PGresult *r;
    if (!is_prepared(conn, hash)) {
        if (!remember(conn, hash)) {
            r = exec_wait(conn, SEND_PARAMS, NULL, sql, n, params, why, sizeof why);
            goto done;
        }
        r = exec_wait(conn, SEND_PREPARE, name, sql, n, NULL, why, sizeof why);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            if (r)
                pg_result_error(r, what, err, errlen);
            else
                snprintf(err, errlen, "%s: %s", what, why[0] ? why : "connection lost");
            PQclear(r);
            /* not prepared after all: a later call (say, once a table exists) tries again */
            forget_statement(conn, hash);
            return NULL;
        }
        PQclear(r);
    }
    r = exec_wait(conn, SEND_PREPARED, name, NULL, n, params, why, sizeof why);
    if (PQresultStatus(r) == PGRES_FATAL_ERROR &&
        strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE)
                                                       : "", "26000") == 0) {
        /* the server does not know the statement (a pooler in transaction mode hands each
         * statement to another backend; DISCARD ALL): forget it, run this one unnamed */
        PQclear(r);
        forget_statement(conn, hash);
        r = exec_wait(conn, SEND_PARAMS, NULL, sql, n, params, why, sizeof why);
    }
done:
    if (!r) {
        /* no result at all: a stop, a silent server, or the connection is gone */
        snprintf(err, errlen, "%s: %s", what, why[0] ? why : "connection lost");
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
