/* options.h -- the command line, parsed once in main.c and read by the modes. */
#ifndef QT_OPTIONS_H
#define QT_OPTIONS_H

#include <stdbool.h>

#include "../collectors/pg_workflows.h"
#include "../collectors/redis_keys.h"
#include "../collectors/redis_server.h"
#include "../collectors/redis_streams.h"
#include "../collectors/thresholds.h"
#include "fleet.h"

#define QUEUETOP_VERSION "0.1.0"

struct options {
    struct streams_config streams;   /* includes the Redis target */
    struct server_config server;     /* same target */
    struct keys_config keys;         /* same target; queues, locks, prefixes */
    struct layout_file *layouts;     /* --layouts FILE, or NULL */
    struct thresholds thresholds;    /* defaults, or from --config */
    bool once;
    bool json;
    bool pretty;
    int rate_interval_ms;            /* --once: pause between the two samples; 0: one sample */
    const char *pg_conninfo;         /* --pg, NULL when not given */
    struct pg_config pg;             /* conninfo, --source (AUTO when not given) */
    const char *mapping_path;        /* --source mapping FILE */
    const char *workflow_id;         /* --workflow, NULL when not given */
    const char *find;                /* --find: an execution id or correlation id */
    bool redis_named;                /* --redis or $REDIS_URL given */
    struct node_opt *nodes;          /* every -r and --redis-file server; nodes[0].target is
                                      * streams.target */
    size_t node_count;
    struct redis_tls tls;            /* --tls-ca, --tls-ca-dir, --tls-cert, --tls-key, --insecure */
    double budget_share;             /* --budget, a share of one core (0.02) */
    bool watch_redis;                /* Redis is read: named, or no --pg (the default target) */
    char theme[32];
    bool no_color;
};

#endif
