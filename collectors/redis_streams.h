/* redis_streams.h -- the Redis Streams collector: discovers streams with SCAN and reads their
 * groups, PEL heads and (for the focused stream) consumers with pipelined read-only commands.
 *
 * Threaded use: streams_collector_start() runs ticks every interval on its own connection and
 * publishes each snapshot to the hub; stop() joins the thread. Synchronous use (--once, bench):
 * streams_collector_sample_full() does one complete SCAN pass and reads every stream. */
#ifndef QT_REDIS_STREAMS_H
#define QT_REDIS_STREAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "cost.h"
#include "hub.h"
#include "redis_conn.h"
#include "snapshot.h"
#include "stream_feed.h"

struct streams_config {
    struct redis_target target;
    uint16_t node;            /* stamped on what it reads (snapshot.h); 0 with one server */
    char match[512];          /* SCAN MATCH glob, default "*" */
    int interval_ms;          /* time between ticks, default 1000 */
    int budget_ms;            /* wall time per tick before the rest waits a tick, 250 */
    struct cost_budget *budget;   /* the server's cost budget, shared; NULL: none (full only) */
    struct stream_feed *feed;     /* the keys collector's walk, shared; NULL: walk alone */
    int scan_count;           /* SCAN COUNT at most, 1000 (less when the budget's per-key
                               * cost says a call would take over half a millisecond) */
    int scan_calls_per_tick;  /* SCAN round trips per tick at most, 1000 (the budget and the
                               * wall time per tick decide first) */
    int batch_streams;        /* streams per pipeline, 200 */
    int connect_timeout_ms;   /* 2000 */
    int command_timeout_ms;   /* 5000 */
};

/* Fills cfg with the defaults above (target left empty). */
void streams_config_defaults(struct streams_config *cfg);

struct streams_collector;

/* hub may be NULL for synchronous use. The config is copied. */
struct streams_collector *streams_collector_new(const struct streams_config *cfg, struct hub *hub);
void streams_collector_delete(struct streams_collector *c);

/* Starts the collector thread; 0 or -1. */
int streams_collector_start(struct streams_collector *c);
/* Ends its thread alone (collector_thread_retire); then delete it. */
void streams_collector_retire(struct streams_collector *c);
/* Asks the hub to stop (if not yet) and joins the thread. */
void streams_collector_stop(struct streams_collector *c);

/* One complete sample: connects if needed, finishes a SCAN pass, reads every stream, and
 * returns a new snapshot (caller owns it; snapshot_free). NULL with err filled on failure.
 * A second call reuses the connection and the key set, so rates can be taken between calls. */
struct snapshot *streams_collector_sample_full(struct streams_collector *c, char *err,
                                               size_t errlen);

/* Sets the stream whose consumers the synchronous sample reads ("" for none). */
void streams_collector_set_focus(struct streams_collector *c, const char *key, size_t len);

/* Round trips used by the last tick (for the benchmark). */
unsigned streams_collector_round_trips(const struct streams_collector *c);

#endif
