/* pg_harness.h -- a private PostgreSQL for tests: initdb in a temp dir, started on a free
 * loopback port with its socket in that dir, stopped and removed at the end. As root the
 * server runs as the `postgres` user (initdb refuses root). */
#ifndef QT_PG_HARNESS_H
#define QT_PG_HARNESS_H

#include <libpq-fe.h>

struct pg_server {
    char dir[256];
    int port;
    char conninfo[512];   /* for queuetop and the fixtures: host=DIR port=P dbname=postgres */
    int running;
};

/* 0, or -1 with a message on stderr. Binaries from $PG_BINDIR, else Debian's PostgreSQL 15. */
int pg_server_start(struct pg_server *p);
void pg_server_stop(struct pg_server *p);
/* Stops the server as a crash would (immediate shutdown), keeping its data, port and dir;
 * pg_server_resume starts it again on them (0 or -1). */
void pg_server_kill(struct pg_server *p);
int pg_server_resume(struct pg_server *p);
/* A superuser connection (caller PQfinish'es it); aborts the run on failure. */
PGconn *pg_server_client(const struct pg_server *p);
/* Runs SQL (several statements allowed); aborts the run on error. */
void pg_exec(PGconn *c, const char *sql);
/* Runs the SQL file at path; aborts the run on error. */
void pg_exec_file(PGconn *c, const char *path);

#endif
