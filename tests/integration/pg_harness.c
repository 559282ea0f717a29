/* pg_harness.c -- see pg_harness.h. */
#include "pg_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *bindir(void)
{
    const char *d = getenv("PG_BINDIR");
    return d && *d ? d : "/usr/lib/postgresql/15/bin";
}

/* Runs a shell command as the server's user (postgres when we are root). */
static int as_pg_user(const char *cmd)
{
    char full[3200];
    if (geteuid() == 0)
        snprintf(full, sizeof full, "runuser -u postgres -- sh -c '%s'", cmd);
    else
        snprintf(full, sizeof full, "sh -c '%s'", cmd);
    return system(full);
}

/* Servers still running when the process exits (a fatal error in a test or fixture) are
 * stopped and removed by an exit handler: no PostgreSQL outlives its test run. */
#define MAX_SERVERS 4
static struct pg_server *live[MAX_SERVERS];

static void stop_all(void)
{
    for (int i = 0; i < MAX_SERVERS; i++)
        if (live[i])
            pg_server_stop(live[i]);
}

static void track(struct pg_server *p, int on)
{
    static int registered;
    if (!registered) {
        atexit(stop_all);
        registered = 1;
    }
    for (int i = 0; i < MAX_SERVERS; i++) {
        if (on && !live[i]) {
            live[i] = p;
            return;
        }
        if (!on && live[i] == p) {
            live[i] = NULL;
            return;
        }
    }
}

int pg_server_start(struct pg_server *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->dir, sizeof p->dir, "/tmp/queuetop-pg-XXXXXX");
    if (!mkdtemp(p->dir)) {
        perror("pg harness: mkdtemp");
        return -1;
    }
    char cmd[1536];
    if (geteuid() == 0) {
        snprintf(cmd, sizeof cmd, "chown postgres '%s'", p->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "pg harness: cannot chown %s to postgres\n", p->dir);
            return -1;
        }
    }
    snprintf(cmd, sizeof cmd, "%s/initdb -D %s/data -A trust -U postgres --no-sync >%s/initdb.log 2>&1",
             bindir(), p->dir, p->dir);
    if (as_pg_user(cmd) != 0) {
        fprintf(stderr, "pg harness: initdb failed (see %s/initdb.log)\n", p->dir);
        return -1;
    }
    p->port = harness_free_port();
    track(p, 1);
    snprintf(p->conninfo, sizeof p->conninfo, "host=%s port=%d dbname=postgres user=postgres",
             p->dir, p->port);
    return pg_server_resume(p);
}

/* PG_HARNESS_SSL_CERT and PG_HARNESS_SSL_KEY (PEM files): the server also takes TLS on its
 * TCP port, with copies of them in its directory (the key owned by the server's user, 0600, as
 * PostgreSQL requires). Into opts: the -c options; "" without them. */
static int ssl_options(const struct pg_server *p, char *opts, size_t len)
{
    const char *cert = getenv("PG_HARNESS_SSL_CERT"), *key = getenv("PG_HARNESS_SSL_KEY");
    opts[0] = '\0';
    if (!cert || !*cert || !key || !*key)
        return 0;
    char cmd[1536];
    int n = snprintf(cmd, sizeof cmd, "cp '%s' '%s/server.crt' && cp '%s' '%s/server.key' && "
                     "chmod 600 '%s/server.key'", cert, p->dir, key, p->dir, p->dir);
    if (geteuid() == 0 && n > 0 && (size_t)n < sizeof cmd)
        snprintf(cmd + n, sizeof cmd - (size_t)n, " && chown postgres '%s/server.crt' '%s/server.key'",
                 p->dir, p->dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "pg harness: cannot copy the TLS certificate and key\n");
        return -1;
    }
    snprintf(opts, len, " -c ssl=on -c ssl_cert_file=%s/server.crt -c ssl_key_file=%s/server.key",
             p->dir, p->dir);
    return 0;
}

int pg_server_resume(struct pg_server *p)
{
    char cmd[3072], ssl[700];
    if (ssl_options(p, ssl, sizeof ssl) < 0)
        return -1;
    snprintf(cmd, sizeof cmd,
             "%s/pg_ctl -D %s/data -w -t 30 -l %s/server.log -o \"-p %d -k %s "
             "-c listen_addresses=127.0.0.1 -c fsync=off%s\" start >/dev/null",
             bindir(), p->dir, p->dir, p->port, p->dir, ssl);
    if (as_pg_user(cmd) != 0) {
        fprintf(stderr, "pg harness: the server did not start (see %s/server.log)\n", p->dir);
        return -1;
    }
    p->running = 1;
    return 0;
}

void pg_server_kill(struct pg_server *p)
{
    char cmd[1024];
    if (!p->running)
        return;
    snprintf(cmd, sizeof cmd, "%s/pg_ctl -D %s/data -m immediate -w stop >/dev/null 2>&1",
             bindir(), p->dir);
    if (as_pg_user(cmd) != 0)
        fprintf(stderr, "pg harness: pg_ctl stop failed\n");
    p->running = 0;
}

void pg_server_stop(struct pg_server *p)
{
    char cmd[1024];
    track(p, 0);
    if (p->running) {
        snprintf(cmd, sizeof cmd, "%s/pg_ctl -D %s/data -m immediate -w stop >/dev/null 2>&1",
                 bindir(), p->dir);
        if (as_pg_user(cmd) != 0)
            fprintf(stderr, "pg harness: pg_ctl stop failed\n");
        p->running = 0;
    }
    if (p->dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", p->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "pg harness: could not remove %s\n", p->dir);
        p->dir[0] = '\0';
    }
}

PGconn *pg_server_client(const struct pg_server *p)
{
    PGconn *c = PQconnectdb(p->conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pg harness: cannot connect: %s", PQerrorMessage(c));
        exit(1);
    }
    return c;
}

void pg_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "pg harness: %s\nin: %.300s\n", PQresultErrorMessage(r), sql);
        exit(1);
    }
    PQclear(r);
}

void pg_exec_file(PGconn *c, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *sql = malloc((size_t)n + 1);
    if (fread(sql, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    sql[n] = '\0';
    fclose(f);
    pg_exec(c, sql);
    free(sql);
}
