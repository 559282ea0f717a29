/* stream_feed.h -- one keyspace walk for two collectors: the stream keys the keys collector's
 * walk meets, handed to the streams collector.
 *
 * The keys collector walks the whole keyspace anyway (SCAN, then TYPE and PTTL of every key).
 * Every key it finds of type stream is put here, and so is the end of each complete pass. The
 * streams collector, once its own first pass (SCAN ... TYPE stream: names first and fast) is
 * over, stops walking and takes the names from here each tick: new streams appear as soon as
 * the walk meets them, and at the end of a pass the streams it did not meet are dropped. A
 * second walk of the keyspace (1.4 us of Redis time per key per pass) is not paid for.
 *
 * Only a pass the streams collector followed from its start is used to drop streams: SCAN
 * promises a key that existed for the whole pass is returned, nothing about a pass half seen.
 * While the keys collector is not connected (`up` false) the streams collector walks itself.
 *
 * Bounded: at most STREAM_FEED_MAX names wait here; beyond that the pass is marked incomplete
 * (its end drops nothing) and the names are the streams collector's own walk's to find.
 *
 * Thread-safe: one mutex. */
#ifndef QT_STREAM_FEED_H
#define QT_STREAM_FEED_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

#define STREAM_FEED_MAX 1000000

struct stream_feed {
    pthread_mutex_t mu;
    bool up;                  /* the keys walk is connected and walking */
    uint64_t pass_id;         /* the pass in progress: one more at every start, after an
                               * end or when the walk starts over (a reconnect) */
    uint64_t ended_id;        /* the pass that ended, when ended */
    uint64_t passes;          /* complete passes so far */
    /* names met since the streams collector last took them: those of the pass that ended
     * (ended_n of them, when ended) first, then those of the pass in progress */
    struct bytes *names;
    size_t n, cap, ended_n;
    bool ended;               /* a pass ended since the last take */
    bool ended_whole;         /* ... and every name it met is here */
    bool overflow;            /* names were left out of the pass in progress */
};

void stream_feed_init(struct stream_feed *f);
void stream_feed_done(struct stream_feed *f);

/* The keys walk's side. */
void stream_feed_set_up(struct stream_feed *f, bool up);
void stream_feed_restart(struct stream_feed *f);   /* the walk starts over from cursor 0 */
void stream_feed_saw(struct stream_feed *f, const char *key, size_t len);
void stream_feed_pass_end(struct stream_feed *f);

/* What the streams collector takes each tick. */
struct stream_feed_take {
    struct bytes *names;      /* owned by the taker: free each and the array */
    size_t n;
    size_t ended_n;           /* the first ended_n names belong to the pass that ended */
    bool ended;               /* a pass ended since the last take */
    bool whole;               /* ... and every name it met is in names (no overflow) */
    uint64_t ended_id;        /* that pass */
    uint64_t pass_id;         /* the pass in progress */
    bool up;                  /* the walk is running */
};

/* The streams collector's side: moves the waiting names out. */
void stream_feed_take(struct stream_feed *f, struct stream_feed_take *t);
void stream_feed_take_free(struct stream_feed_take *t);

#endif
