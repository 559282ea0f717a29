/* pg_conn.h -- a PostgreSQL session that is safe to open against production: read-only
 * transactions by default, a statement timeout, a connect timeout, and application_name
 * queuetop so a DBA can see (and cancel) us. Everything else (PG* variables, ~/.pgpass,
 * services) is libpq's own handling of the conninfo. */
#ifndef QT_PG_CONN_H
#define QT_PG_CONN_H

#include <stddef.h>

#include <libpq-fe.h>

#define PG_STATEMENT_TIMEOUT_MS 5000
#define PG_CONNECT_TIMEOUT_S 5

/* conninfo: "host=... dbname=..." or a postgresql:// URI (may be "" for libpq's defaults).
 * Returns an open connection (caller PQfinish'es it), or NULL with a one-line reason (libpq's
 * message, password-free) in err. */
PGconn *pg_conn_open(const char *conninfo, char *err, size_t errlen);
/* The same with another statement timeout (ms; 0 or less: the default). */
PGconn *pg_conn_open_timeout(const char *conninfo, int statement_timeout_ms, char *err,
                             size_t errlen);
/* Closes conn and forgets the statements prepared on it. NULL is fine. */
void pg_conn_close(PGconn *conn);

/* Runs sql with n text parameters as a named prepared statement: prepared on first use per
 * connection (the name is a hash of the text), executed by name afterwards, so the server
 * plans it once. Returns a PGRES_TUPLES_OK result (caller PQclear's it), or NULL with
 * "what: first line of the server's message" in err. */
PGresult *pg_query(PGconn *conn, const char *sql, int n, const char *const *params,
                   const char *what, char *err, size_t errlen);

/* "what: first line of the result's error message" into err. */
void pg_result_error(const PGresult *res, const char *what, char *err, size_t errlen);

/* A cell as owned bytes ("" for NULL), and as a number (QT_UNKNOWN for NULL or not a number). */
struct bytes;
void pg_cell(const PGresult *r, int row, int col, struct bytes *out);
long long pg_cell_ll(const PGresult *r, int row, int col);

struct workflow_summary;
/* Rows (type, status, count) into out->counts; a NULL status is "". */
void pg_read_counts(const PGresult *r, struct workflow_summary *out);
/* Rows (type, started, completed, failed) into out->rates, counted over window_min minutes. */
void pg_read_rates(const PGresult *r, int window_min, struct workflow_summary *out);

/* A PostgreSQL array literal of n strings, {"a","b\\"c"}, for $1::text[] (caller frees).
 * get returns element i and its length. */
char *pg_array_literal(size_t n, const char *(*get)(const void *ctx, size_t i, size_t *len),
                       const void *ctx);
/* For pg_array_literal: element i is the first column of row i of the PGresult ctx. */
const char *pg_result_column0(const void *ctx, size_t i, size_t *len);

#endif
