/* fixtures.h -- hand-built snapshots for unit tests (header-only, static helpers). */
#ifndef QT_TEST_FIXTURES_H
#define QT_TEST_FIXTURES_H

#include <stdlib.h>
#include <string.h>

#include "../../collectors/snapshot.h"
#include "../../collectors/util.h"

/* Appends a stream to r (keys must be added in sorted order). */
static inline struct stream_info *fx_stream(struct redis_snapshot *r, const char *key, size_t klen,
                                            long long length, long long added, int64_t mono)
{
    r->streams = xrealloc(r->streams, (r->stream_count + 1) * sizeof *r->streams);
    struct stream_info *s = stream_info_new();
    r->streams[r->stream_count++] = s;
    bytes_set(&s->key, key, klen);
    s->length = length;
    s->entries_added = added;
    s->sampled_mono_ms = mono;
    s->ttl_ms = -1;
    stream_info_derive(s);
    return s;
}

static inline struct group_info *fx_group(struct stream_info *s, const char *name, long long lag,
                                          long long read, long long pending)
{
    s->groups = xrealloc(s->groups, (s->group_len + 1) * sizeof *s->groups);
    struct group_info *g = &s->groups[s->group_len++];
    memset(g, 0, sizeof *g);
    bytes_set(&g->name, name, strlen(name));
    bytes_set(&g->oldest_consumer, "", 0);
    g->lag = lag;
    g->entries_read = read;
    g->pending = pending;
    g->consumers = 1;
    g->oldest_age_ms = g->oldest_idle_ms = g->oldest_deliveries = QT_UNKNOWN;
    stream_info_derive(s);
    return g;
}

static inline void fx_oldest(struct stream_info *s, struct group_info *g, const char *id,
                             long long age, long long idle, long long deliveries)
{
    g->has_oldest = true;
    strcpy(g->oldest_id, id);
    g->oldest_age_ms = age;
    g->oldest_idle_ms = idle;
    g->oldest_deliveries = deliveries;
    bytes_free(&g->oldest_consumer);
    bytes_set(&g->oldest_consumer, "worker-1", 8);
    stream_info_derive(s);
}

/* Frees what the fx_ helpers built into r. */
static inline void fx_free(struct redis_snapshot *r)
{
    for (size_t i = 0; i < r->stream_count; i++)
        stream_info_unref(r->streams[i]);
    free(r->streams);
    r->streams = NULL;
    r->stream_count = 0;
}

#endif
