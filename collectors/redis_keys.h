/* redis_keys.h -- queues that are not streams (lists, sorted-set delay queues, the layouts of
 * BullMQ, Sidekiq, Celery, RQ, asynq and Conductor, and layouts a user describes in a file),
 * locks, and what fills Redis, per key prefix.
 *
 * One SCAN pass over the whole keyspace, spread over ticks (keys_per_tick at most), asks TYPE
 * and PTTL of every key it returns and MEMORY USAGE of a bounded sample per prefix. When a pass
 * ends, the keys it found are matched against the layouts (docs/queue-layouts.md) and lock
 * patterns. Every tick then reads each known queue with O(1)/O(log n) commands (LLEN, ZCARD,
 * ZCOUNT, HLEN, GET) and each known lock's PTTL and first 64 bytes; never a whole big key.
 * Threaded use publishes SNAPSHOT_KEYS; keys_collector_sample_full() finishes a pass on the
 * calling thread (--once). */
#ifndef QT_REDIS_KEYS_H
#define QT_REDIS_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "cost.h"
#include "hub.h"
#include "redis_conn.h"
#include "snapshot.h"
#include "stream_feed.h"

#define KEYS_LOCK_PATTERNS_MAX 16

struct layout_file;   /* below */

struct keys_config {
    struct redis_target target;
    uint16_t node;            /* stamped on what it reads (snapshot.h); 0 with one server */
    int interval_ms;              /* 1000 */
    int keys_per_tick;            /* SCAN budget per tick, 5000 */
    int memory_samples_per_prefix;/* MEMORY USAGE per prefix per pass, 16 */
    int connect_timeout_ms, command_timeout_ms;
    const char *lock_patterns[KEYS_LOCK_PATTERNS_MAX];   /* globs; default lock:* *:lock:* *:lock */
    size_t lock_pattern_count;
    const struct layout_file *layouts;   /* --layouts FILE, or NULL; kept by the caller */
    struct cost_budget *budget;   /* the server's cost budget, shared; NULL: none */
    struct stream_feed *feed;     /* where the walk's stream keys go; NULL: nowhere */
};

void keys_config_defaults(struct keys_config *cfg);

struct keys_collector;

struct keys_collector *keys_collector_new(const struct keys_config *cfg, struct hub *hub);
void keys_collector_delete(struct keys_collector *c);
int keys_collector_start(struct keys_collector *c);
/* Ends its thread alone (collector_thread_retire); then delete it. */
void keys_collector_retire(struct keys_collector *c);
void keys_collector_stop(struct keys_collector *c);

/* Finishes a SCAN pass (within limit_ms) and reads every queue and lock once: a new snapshot
 * (caller frees), or NULL with err. A second call reuses the key set, so rates exist. */
struct snapshot *keys_collector_sample_full(struct keys_collector *c, int limit_ms, char *err,
                                            size_t errlen);

/* ---- a layout file: patterns -> roles for queues of a home-grown layout ------------------ */

enum queue_role {
    ROLE_PENDING = 0,   /* list: waiting jobs */
    ROLE_PROCESSING,    /* list: taken, not finished (RPOPLPUSH/LMOVE target) */
    ROLE_DELAYED,       /* zset: scheduled jobs, score = due time */
    ROLE_DEAD,          /* list or zset: failed for good */
};

struct layout_pattern {
    char pattern[256];   /* a key with one '*' standing for the queue's name */
    enum queue_role role;
    bool score_ms;       /* delayed: the score is epoch ms (else seconds) */
};

struct layout_file {
    char name[32];
    struct layout_pattern *patterns;
    size_t pattern_count;
    char *lock_patterns[KEYS_LOCK_PATTERNS_MAX];
    size_t lock_pattern_count;
};

/* Loads and checks a layout file; NULL with "FILE:LINE: ..." or "FILE: field: ..." in err. */
struct layout_file *layout_file_load(const char *path, char *err, size_t errlen);
void layout_file_free(struct layout_file *f);

#endif
