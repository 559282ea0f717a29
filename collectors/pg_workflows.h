/* pg_workflows.h -- the PostgreSQL collector: on its own thread and connection, reads the
 * workflows summary of a source (wf_source.h), the execution the UI opened and the UI's
 * search, and publishes SNAPSHOT_PG snapshots. The cheap parts of the summary (running
 * executions, rates) are read every tick; the counts and failures every slow_ms, or less often
 * when they cost more than budget_share of a core at that pace (pg_slow_every_ms). A query that
 * fails on a live connection (a statement timeout) is shown and the tick goes on; a lost
 * connection is retried with backoff like the Redis collectors. */
#ifndef QT_PG_WORKFLOWS_H
#define QT_PG_WORKFLOWS_H

#include "hub.h"
#include "snapshot.h"
#include "wf_source.h"

struct pg_config {
    const char *conninfo;        /* kept by the caller for the collector's life */
    struct wf_source source;     /* AUTO is resolved on each new connection */
    int interval_ms;             /* 2000 */
    int slow_ms;                 /* 10000: counts and failures */
    int window_hours;            /* 24 */
    int statement_timeout_ms;    /* PG_STATEMENT_TIMEOUT_MS (5000) */
    double budget_share;         /* 0.02: what the counts and failures may cost, of one core */
};

#define PG_SLOW_EVERY_MAX_MS (15 * 60 * 1000)

void pg_config_defaults(struct pg_config *cfg);

/* How long to wait before reading the counts and failures again, after they took spent_ms of
 * statement time: slow_ms, or longer so that they cost at most budget_share of a core (a
 * source whose counts are a GROUP BY over many rows: Prefect, a mapping, Conductor beyond what
 * pg_counts keeps), at most PG_SLOW_EVERY_MAX_MS. */
int64_t pg_slow_every_ms(int slow_ms, int64_t spent_ms, double budget_share);

struct pg_collector;

struct pg_collector *pg_collector_new(const struct pg_config *cfg, struct hub *hub);
void pg_collector_delete(struct pg_collector *c);
int pg_collector_start(struct pg_collector *c);
void pg_collector_stop(struct pg_collector *c);

#endif
