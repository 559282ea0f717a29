/* pg_conn.c -- see pg_conn.h. */
#include "pg_conn.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* First line of a libpq message, control characters replaced. */
static void one_line(const char *msg, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = msg ? msg : ""; *p && *p != '\n' && o + 1 < outlen; p++)
        out[o++] = ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) ? '?' : *p;
    out[o] = '\0';
}

PGconn *pg_conn_open(const char *conninfo, char *err, size_t errlen)
{
    char timeout[32], options[128];
    snprintf(timeout, sizeof timeout, "%d", PG_CONNECT_TIMEOUT_S);
    snprintf(options, sizeof options,
             "-c default_transaction_read_only=on -c statement_timeout=%d", PG_STATEMENT_TIMEOUT_MS);
    /* The user's conninfo first (expanded), then ours: later keywords win, so the safety
     * settings cannot be switched off by accident. */
    const char *keys[] = { "dbname", "application_name", "connect_timeout", "options", NULL };
    const char *vals[] = { conninfo ? conninfo : "", "queuetop", timeout, options, NULL };
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char line[256];
        one_line(PQerrorMessage(conn), line, sizeof line);
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", line);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}
