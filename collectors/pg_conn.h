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

#endif
