/* snapshot.h -- the contract between collectors and everything that shows data.
 *
 * A collector builds one struct snapshot completely, then publishes it through the hub; from then
 * on nobody mutates it. Readers take a reference (hub_acquire) and drop it (snapshot_release);
 * the last release frees it.
 *
 * Conventions: counts and times are long long / int64_t; the value QT_UNKNOWN (-1) means "Redis
 * did not tell us" (older server, missing permission, nothing pending) and must be shown as
 * unknown, never as a number. Names from the server are binary-safe: pointer + length, always
 * NUL-terminated as a convenience, and untrusted (sanitize before display). */
#ifndef QT_SNAPSHOT_H
#define QT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stream_id.h"

#define QT_UNKNOWN (-1LL)

struct bytes {
    char *ptr;   /* owned by the snapshot; NUL-terminated; may contain NUL bytes */
    size_t len;
};

struct consumer_info {
    struct bytes name;
    long long pending;      /* entries in this consumer's PEL */
    long long idle_ms;      /* ms since the last attempted interaction */
    long long inactive_ms;  /* ms since the last successful interaction; QT_UNKNOWN before 7.2 */
};

struct group_info {
    struct bytes name;
    long long consumers;            /* count reported by XINFO GROUPS */
    long long pending;              /* PEL size */
    char last_delivered_id[STREAM_ID_MAX];
    long long entries_read;         /* QT_UNKNOWN when Redis cannot know it (or < 7.0) */
    long long lag;                  /* entries not yet delivered; QT_UNKNOWN when Redis cannot know */

    /* Oldest pending entry; has_oldest is false when nothing is pending (or XPENDING failed). */
    bool has_oldest;
    char oldest_id[STREAM_ID_MAX];
    long long oldest_age_ms;        /* server TIME minus the ID's ms part, >= 0 */
    long long oldest_idle_ms;       /* ms since it was last delivered */
    long long oldest_deliveries;    /* delivery count */
    struct bytes oldest_consumer;   /* consumer that holds it */

    /* Per-consumer rows: only filled for the stream the UI has opened (the focus). */
    bool has_consumer_list;
    struct consumer_info *consumer_list;
    size_t consumer_count;
};

struct stream_info {
    struct bytes key;
    long long length;                     /* XLEN */
    long long entries_added;              /* all-time XADD count; QT_UNKNOWN before 7.0 */
    char first_id[STREAM_ID_MAX];         /* "" when the stream is empty */
    char last_id[STREAM_ID_MAX];          /* last-generated-id */
    long long group_count;                /* from XINFO STREAM */
    struct group_info *groups;
    size_t group_len;                     /* groups[] length (== group_count unless it changed) */
    int64_t sampled_server_ms;            /* Redis TIME when this stream was read */
    int64_t sampled_mono_ms;              /* our monotonic clock when this stream was read */

    /* Derived at build time from groups[] so views and sorting need no loops. */
    long long max_lag;                    /* QT_UNKNOWN if any group's lag is unknown and none known */
    bool lag_partly_unknown;              /* some group's lag is unknown */
    long long pending_total;
    long long oldest_pending_age_ms;      /* max over groups; QT_UNKNOWN when nothing is pending */
    long long consumers_total;
    long long max_deliveries;             /* max oldest_deliveries over groups; 0 when none */
};

enum conn_state {
    CONN_CONNECTING = 0,   /* first attempt under way */
    CONN_UP,               /* the last sample succeeded */
    CONN_DOWN,             /* the last attempt failed; retrying with backoff */
};

struct redis_snapshot {
    char url[512];                 /* the target with the password removed */
    enum conn_state state;
    char error[256];               /* why the last attempt failed; "" when up */
    int64_t retry_in_ms;           /* when down: delay before the next attempt */
    char version[32];              /* redis_version, "" until known */
    char role[16];                 /* "master", "slave", "" until known */
    int64_t server_time_ms;        /* Redis TIME at the start of the sample; 0 when unknown */
    int64_t sampled_mono_ms;       /* monotonic ms when this snapshot was completed */
    int64_t last_ok_mono_ms;       /* monotonic ms of the last successful sample; 0 never */
    uint64_t sample_seq;           /* 1, 2, ... per published snapshot of this collector */

    struct stream_info *streams;   /* sorted by key (bytes), so lookups can bsearch */
    size_t stream_count;
    bool scan_complete;            /* a full SCAN pass has finished at least once */
    long long keys_scanned;        /* keys SCAN returned in the current/last pass */
    size_t streams_refreshed;      /* streams read in this tick (the rest carry older data) */
    unsigned round_trips;          /* network round trips this tick */
    int64_t sample_duration_ms;    /* wall time of this tick's work */
    long long streams_denied;      /* streams this tick could not read (NOPERM on the key) */
    char denied_error[200];        /* the first such refusal, "" when none */
};

enum snapshot_kind { SNAPSHOT_REDIS = 0 };

struct snapshot {
    enum snapshot_kind kind;
    int refcount;                  /* touched only under the hub's lock */
    struct redis_snapshot redis;
};

struct snapshot *snapshot_new(enum snapshot_kind kind);
/* Frees the snapshot and all it owns. Use snapshot_release for shared ones. */
void snapshot_free(struct snapshot *snap);

void bytes_set(struct bytes *b, const char *p, size_t len);
void bytes_free(struct bytes *b);
int bytes_cmp(const struct bytes *a, const struct bytes *b);

/* Deep copies: the result owns new memory. */
void stream_info_copy(struct stream_info *dst, const struct stream_info *src);
void stream_info_free(struct stream_info *s);
/* Recomputes the derived fields (max_lag ... max_deliveries) from groups[]. */
void stream_info_derive(struct stream_info *s);

/* Binary search in an array of count elements of stride bytes, sorted by the struct bytes found
 * key_offset bytes into each element. Returns the element, or NULL when absent. */
const void *bytes_bsearch(const void *base, size_t count, size_t stride, size_t key_offset,
                          const struct bytes *key);

/* Binary search in a snapshot's sorted stream array; NULL when absent. */
const struct stream_info *redis_snapshot_find(const struct redis_snapshot *r, const char *key,
                                              size_t key_len);

#endif
