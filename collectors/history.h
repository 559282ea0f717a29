/* history.h -- what successive snapshots say together: rates, trends and short rings for
 * sparklines. The one place where deltas are taken; views and the JSON writer only read it.
 *
 * Owned by one thread (the UI, or the headless loop): feed every new snapshot to
 * history_update() in order. */
#ifndef QT_HISTORY_H
#define QT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

#define HISTORY_RING 240   /* samples kept per series (4 minutes at the default 1 s) */

/* A series of samples. Most series of a big keyspace change rarely (a quiet stream's length,
 * a lag that went from unknown to 0 once): while a series is at most RING_RUNS runs of equal
 * values (bit for bit: NAN too) it is kept as those runs, inline; the first sample that would
 * need another run allocates the HISTORY_RING floats. At 100,000 quiet streams that is 2-3
 * KiB per stream not spent. */
#define RING_RUNS 3

struct ring {
    float *values;                 /* NULL while kept as runs */
    float run_value[RING_RUNS];    /* oldest run first */
    uint16_t run_count[RING_RUNS];
    uint8_t runs;
    uint32_t count;                /* samples stored, <= HISTORY_RING */
    uint32_t head;                 /* index of the next write into values */
};

void ring_push(struct ring *r, float v);
void ring_free(struct ring *r);
/* Copies the newest n (at most count) samples, oldest first, into out; returns how many. */
size_t ring_latest(const struct ring *r, float *out, size_t n);

struct group_rates {
    struct bytes name;
    long long entries_read;     /* last seen, QT_UNKNOWN */
    long long lag;              /* last seen, QT_UNKNOWN */
    double consumed_per_sec;    /* entries-read delta / s; NAN when unknown */
    double lag_per_sec;         /* lag delta / s (positive: falling behind); NAN when unknown */
    double drain_eta_s;         /* lag / (consumed - produced) when consumers gain; NAN otherwise */
    struct ring lag_ring;       /* lag per sample (NAN when unknown) */
};

struct stream_history {
    struct bytes key;
    uint16_t node;                   /* with key, as the snapshot orders its streams */
    const struct stream_info *rec;   /* the record last taken in, referenced: the same record
                                      * in the next snapshot means nothing changed */
    int64_t sampled_mono_ms;     /* of the last sample taken into account */
    long long length;
    long long entries_added;
    double produced_per_sec;     /* entries-added delta / s; NAN when unknown */
    struct ring length_ring;
    struct ring max_lag_ring;
    struct group_rates *groups;
    size_t group_count;
};

/* Rates of the server-health counters, from two successful samples. NAN when unknown. */
struct server_history {
    uint64_t last_seq;
    bool have_prev;
    int64_t prev_mono_ms;
    long long prev_evicted, prev_expired, prev_rejected, prev_net_in, prev_net_out;
    long long prev_hits, prev_misses;
    double evicted_per_sec, expired_per_sec, rejected_per_sec;
    double net_in_per_sec, net_out_per_sec;   /* bytes */
    double slowlog_per_sec;                   /* new slowlog entries (not ours) */
    double hit_ratio;                         /* keyspace hits / lookups, over the interval
                                               * when there were any, else since start */
    struct ring evicted_ring, ops_ring, memory_ring, ping_ring;
};

struct history {
    struct stream_history *streams;   /* sorted by key like the snapshot */
    size_t count;
    uint64_t last_seq;
    struct server_history server;
};

void history_init(struct history *h);
void history_done(struct history *h);

/* Takes a new Redis snapshot into account: streams sampled since the last update get rates
 * computed against their previous sample; streams gone from the snapshot are dropped. */
void history_update(struct history *h, const struct redis_snapshot *snap);

/* Takes a new server-health snapshot into account (only successful samples count). */
void history_update_server(struct history *h, const struct server_snapshot *snap);
/* The same for one node's server history, kept apart from a struct history (several nodes). */
void server_history_init(struct server_history *sv);
void server_history_update(struct server_history *sv, const struct server_snapshot *snap);
void server_history_done(struct server_history *sv);

const struct stream_history *history_find(const struct history *h, const struct bytes *key,
                                          uint16_t node);
const struct group_rates *history_group(const struct stream_history *sh, const struct bytes *name);

/* (after - before) / dt; NAN when either is unknown, dt <= 0, or the counter went backwards
 * (a restart or a recreated key: no honest rate exists for that interval). */
double rate_per_sec(long long before, long long after, int64_t dt_ms);
/* Signed delta rate for gauges like lag: NAN when unknown or dt <= 0. */
double trend_per_sec(long long before, long long after, int64_t dt_ms);
/* Seconds until lag reaches 0 at the current rates; NAN when lag is unknown, or consumers do
 * not outpace producers, or a rate is unknown. 0 when there is no lag. */
double drain_eta_seconds(long long lag, double produced_per_sec, double consumed_per_sec);

#endif
