/* redis_server.h -- the server-health collector: INFO, CONFIG GET (where allowed), SLOWLOG,
 * LATENCY LATEST, TIME and timed PINGs on its own connection and thread, one pipelined round
 * trip per tick plus the PINGs. Tracks what needs memory across samples: slowlog ids already
 * counted, and the run_id/uptime that reveal a restart. */
#ifndef QT_REDIS_SERVER_H
#define QT_REDIS_SERVER_H

#include "cost.h"
#include "hub.h"
#include "redis_conn.h"
#include "snapshot.h"

struct server_config {
    struct redis_target target;
    uint16_t node;            /* stamped on what it reads (snapshot.h); 0 with one server */
    int interval_ms;          /* 1000 */
    int pings;                /* timed PINGs per tick, 3 */
    int connect_timeout_ms;   /* 2000 */
    int command_timeout_ms;   /* 5000 */
    struct cost_budget *budget;   /* the server's cost budget, shared; NULL: none */
};

/* Redis time of one tick (3 PINGs, INFO, CONFIG GET x3, SLOWLOG GET 64, LATENCY LATEST,
 * INFO commandstats), measured in make bench; charged to the budget, never held back. */
#define SERVER_TICK_COST_US 40

void server_config_defaults(struct server_config *cfg);

struct server_collector;

struct server_collector *server_collector_new(const struct server_config *cfg, struct hub *hub);
void server_collector_delete(struct server_collector *c);
int server_collector_start(struct server_collector *c);
/* Ends its thread alone (collector_thread_retire); then delete it. */
void server_collector_retire(struct server_collector *c);
void server_collector_stop(struct server_collector *c);

/* One sample on the calling thread: a new snapshot (caller frees), state CONN_DOWN with the
 * reason when it failed. */
struct snapshot *server_collector_sample_full(struct server_collector *c);

/* Round trips of the last tick (for the benchmark). */
unsigned server_collector_round_trips(const struct server_collector *c);

#endif
