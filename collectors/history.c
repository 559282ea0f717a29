/* history.c -- see history.h. */
#include "history.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool same_sample(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The runs written out as plain samples, oldest first, into the ring's array. */
static void ring_expand(struct ring *r)
{
    r->values = xmalloc(HISTORY_RING * sizeof *r->values);
    uint32_t at = 0;
    for (uint8_t i = 0; i < r->runs; i++)
        for (uint16_t k = 0; k < r->run_count[i]; k++)
            r->values[at++] = r->run_value[i];
    r->head = at % HISTORY_RING;
    r->runs = 0;
}

void ring_push(struct ring *r, float v)
{
    if (!r->values) {
        if (r->runs && same_sample(r->run_value[r->runs - 1], v)) {
            r->run_count[r->runs - 1]++;
        } else if (r->runs < RING_RUNS) {
            r->run_value[r->runs] = v;
            r->run_count[r->runs++] = 1;
        } else {
            ring_expand(r);
        }
    }
    if (r->values) {
        r->values[r->head] = v;
        r->head = (r->head + 1) % HISTORY_RING;
        if (r->count < HISTORY_RING)
            r->count++;
        return;
    }
    if (r->count < HISTORY_RING) {
        r->count++;
        return;
    }
    /* full: the oldest sample goes */
    if (--r->run_count[0] == 0) {
        memmove(r->run_value, r->run_value + 1, (size_t)(r->runs - 1) * sizeof r->run_value[0]);
        memmove(r->run_count, r->run_count + 1, (size_t)(r->runs - 1) * sizeof r->run_count[0]);
        r->runs--;
    }
}

void ring_free(struct ring *r)
{
    free(r->values);
    memset(r, 0, sizeof *r);
}

size_t ring_latest(const struct ring *r, float *out, size_t n)
{
    if (n > r->count)
        n = r->count;
    if (r->values) {
        for (size_t i = 0; i < n; i++)
            out[i] = r->values[(r->head + HISTORY_RING - n + i) % HISTORY_RING];
        return n;
    }
    size_t skip = r->count - n, o = 0;
    for (uint8_t i = 0; i < r->runs; i++) {
        for (uint16_t k = 0; k < r->run_count[i]; k++) {
            if (skip) {
                skip--;
                continue;
            }
            out[o++] = r->run_value[i];
        }
    }
    return o;
}

double rate_per_sec(long long before, long long after, int64_t dt_ms)
{
    if (before == QT_UNKNOWN || after == QT_UNKNOWN || dt_ms <= 0 || after < before)
        return NAN;
    return (double)(after - before) * 1000.0 / (double)dt_ms;
}

double trend_per_sec(long long before, long long after, int64_t dt_ms)
{
    if (before == QT_UNKNOWN || after == QT_UNKNOWN || dt_ms <= 0)
        return NAN;
    return (double)(after - before) * 1000.0 / (double)dt_ms;
}

double drain_eta_seconds(long long lag, double produced, double consumed)
{
    if (lag == QT_UNKNOWN || lag < 0)
        return NAN;
    if (lag == 0)
        return 0.0;
    if (isnan(produced) || isnan(consumed) || consumed <= produced)
        return NAN;
    return (double)lag / (consumed - produced);
}

void server_history_init(struct server_history *sv)
{
    memset(sv, 0, sizeof *sv);
    sv->evicted_per_sec = sv->expired_per_sec = sv->rejected_per_sec = NAN;
    sv->net_in_per_sec = sv->net_out_per_sec = sv->slowlog_per_sec = sv->hit_ratio = NAN;
}

void server_history_done(struct server_history *sv)
{
    ring_free(&sv->evicted_ring);
    ring_free(&sv->ops_ring);
    ring_free(&sv->memory_ring);
    ring_free(&sv->ping_ring);
}

void history_init(struct history *h)
{
    memset(h, 0, sizeof *h);
    server_history_init(&h->server);
}

void history_update_server(struct history *h, const struct server_snapshot *s)
{
    server_history_update(&h->server, s);
}

void server_history_update(struct server_history *sv, const struct server_snapshot *s)
{
    if (s->sample_seq == sv->last_seq || s->state != CONN_UP)
        return;
    sv->last_seq = s->sample_seq;
    int64_t dt = s->sampled_mono_ms - sv->prev_mono_ms;
    bool p = sv->have_prev;
    sv->evicted_per_sec = p ? rate_per_sec(sv->prev_evicted, s->evicted_keys, dt) : NAN;
    sv->expired_per_sec = p ? rate_per_sec(sv->prev_expired, s->expired_keys, dt) : NAN;
    sv->rejected_per_sec = p ? rate_per_sec(sv->prev_rejected, s->rejected_connections, dt) : NAN;
    sv->net_in_per_sec = p ? rate_per_sec(sv->prev_net_in, s->net_input_bytes, dt) : NAN;
    sv->net_out_per_sec = p ? rate_per_sec(sv->prev_net_out, s->net_output_bytes, dt) : NAN;
    sv->slowlog_per_sec = p && dt > 0 ? (double)s->slowlog_new * 1000.0 / (double)dt : NAN;
    long long dh = p ? s->keyspace_hits - sv->prev_hits : 0;
    long long dm = p ? s->keyspace_misses - sv->prev_misses : 0;
    if (p && dh >= 0 && dm >= 0 && dh + dm > 0)
        sv->hit_ratio = (double)dh / (double)(dh + dm);
    else if (s->keyspace_hits >= 0 && s->keyspace_misses >= 0 &&
             s->keyspace_hits + s->keyspace_misses > 0)
        sv->hit_ratio = (double)s->keyspace_hits / (double)(s->keyspace_hits + s->keyspace_misses);
    else
        sv->hit_ratio = NAN;
    sv->have_prev = true;
    sv->prev_mono_ms = s->sampled_mono_ms;
    sv->prev_evicted = s->evicted_keys;
    sv->prev_expired = s->expired_keys;
    sv->prev_rejected = s->rejected_connections;
    sv->prev_net_in = s->net_input_bytes;
    sv->prev_net_out = s->net_output_bytes;
    sv->prev_hits = s->keyspace_hits;
    sv->prev_misses = s->keyspace_misses;
    ring_push(&sv->evicted_ring, (float)sv->evicted_per_sec);
    ring_push(&sv->ops_ring, (float)s->ops_per_sec);
    ring_push(&sv->memory_ring, (float)s->used_memory);
    ring_push(&sv->ping_ring, (float)s->ping_avg_ms);
}

static void stream_history_free(struct stream_history *sh)
{
    bytes_free(&sh->key);
    stream_info_unref(sh->rec);
    for (size_t i = 0; i < sh->group_count; i++) {
        bytes_free(&sh->groups[i].name);
        ring_free(&sh->groups[i].lag_ring);
    }
    free(sh->groups);
    ring_free(&sh->length_ring);
    ring_free(&sh->max_lag_ring);
}

void history_done(struct history *h)
{
    for (size_t i = 0; i < h->count; i++)
        stream_history_free(&h->streams[i]);
    free(h->streams);
    ring_free(&h->server.evicted_ring);
    ring_free(&h->server.ops_ring);
    ring_free(&h->server.memory_ring);
    ring_free(&h->server.ping_ring);
    memset(h, 0, sizeof *h);
}

/* (key, node) order, as merged snapshots keep their streams */
static int entry_cmp(const struct bytes *key, uint16_t node, const struct stream_history *sh)
{
    int c = bytes_cmp(key, &sh->key);
    return c ? c : (node > sh->node) - (node < sh->node);
}

const struct stream_history *history_find(const struct history *h, const struct bytes *key,
                                          uint16_t node)
{
    size_t lo = 0, hi = h->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = entry_cmp(key, node, &h->streams[mid]);
        if (c == 0)
            return &h->streams[mid];
        if (c > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int rates_name_cmp(const void *pa, const void *pb)
{
    const struct group_rates *a = pa, *b = pb;
    return bytes_cmp(&a->name, &b->name);
}

/* sh->groups is sorted by name (update_entry): a binary search, so that a stream with many
 * groups costs O(groups log groups) per sample, not O(groups^2). */
const struct group_rates *history_group(const struct stream_history *sh, const struct bytes *name)
{
    if (!sh || sh->group_count == 0)
        return NULL;
    struct group_rates key;
    key.name = *name;
    return bsearch(&key, sh->groups, sh->group_count, sizeof *sh->groups, rates_name_cmp);
}

static void fresh_entry(struct stream_history *sh, const struct stream_info *s)
{
    memset(sh, 0, sizeof *sh);
    bytes_set(&sh->key, s->key.ptr, s->key.len);
    sh->node = s->node;
    sh->produced_per_sec = NAN;
    sh->entries_added = QT_UNKNOWN;
    sh->length = QT_UNKNOWN;
}

/* Brings one entry up to date with a newer sample of its stream. */
static void update_entry(struct stream_history *sh, const struct stream_info *s)
{
    if (sh->rec == s)
        return;   /* the same record: not re-read since (the reference keeps it from being
                   * freed, so its address cannot come back as another's) */
    stream_info_unref(sh->rec);
    sh->rec = stream_info_ref(s);
    if (s->sampled_mono_ms == sh->sampled_mono_ms)
        return;   /* not re-read this tick */
    bool have_prev = sh->sampled_mono_ms != 0;
    int64_t dt = s->sampled_mono_ms - sh->sampled_mono_ms;

    sh->produced_per_sec = have_prev ? rate_per_sec(sh->entries_added, s->entries_added, dt) : NAN;

    struct group_rates *groups = s->group_len ? xcalloc(s->group_len, sizeof *groups) : NULL;
    for (size_t i = 0; i < s->group_len; i++) {
        const struct group_info *g = &s->groups[i];
        struct group_rates *gr = &groups[i];
        struct group_rates *old = (struct group_rates *)history_group(sh, &g->name);
        if (old) {
            gr->lag_ring = old->lag_ring;   /* moved: the old entry no longer owns it */
            memset(&old->lag_ring, 0, sizeof old->lag_ring);
        }
        bytes_set(&gr->name, g->name.ptr, g->name.len);
        gr->entries_read = g->entries_read;
        gr->lag = g->lag;
        gr->consumed_per_sec = NAN;
        gr->lag_per_sec = NAN;
        if (old && have_prev) {
            gr->consumed_per_sec = rate_per_sec(old->entries_read, g->entries_read, dt);
            gr->lag_per_sec = trend_per_sec(old->lag, g->lag, dt);
        }
        gr->drain_eta_s = drain_eta_seconds(g->lag, sh->produced_per_sec, gr->consumed_per_sec);
        ring_push(&gr->lag_ring, g->lag == QT_UNKNOWN ? NAN : (float)g->lag);
    }
    if (s->group_len > 1)
        qsort(groups, s->group_len, sizeof *groups, rates_name_cmp);
    for (size_t i = 0; i < sh->group_count; i++) {
        bytes_free(&sh->groups[i].name);
        ring_free(&sh->groups[i].lag_ring);   /* groups that are gone */
    }
    free(sh->groups);
    sh->groups = groups;
    sh->group_count = s->group_len;

    sh->sampled_mono_ms = s->sampled_mono_ms;
    sh->length = s->length;
    sh->entries_added = s->entries_added;
    ring_push(&sh->length_ring, (float)s->length);
    ring_push(&sh->max_lag_ring, s->max_lag == QT_UNKNOWN ? NAN : (float)s->max_lag);
}

void history_update(struct history *h, const struct redis_snapshot *snap)
{
    if (snap->sample_seq && snap->sample_seq == h->last_seq)
        return;
    h->last_seq = snap->sample_seq;
    /* The common case: the same streams as last time, updated in place (no copy of the
     * history of 100,000 streams per sample). */
    if (h->count == snap->stream_count) {
        size_t k = 0;
        for (; k < h->count; k++) {
            struct stream_history *sh = &h->streams[k];
            if (sh->rec == snap->streams[k])
                continue;   /* most streams, most ticks: not even their keys are looked at */
            if (entry_cmp(&snap->streams[k]->key, snap->streams[k]->node, sh) != 0)
                break;      /* streams came or went: merge (what was updated stays updated) */
            update_entry(sh, snap->streams[k]);
        }
        if (k == h->count)
            return;
    }
    /* Merge two sorted lists: the snapshot's streams and ours. */
    struct stream_history *out = snap->stream_count
                                     ? xcalloc(snap->stream_count, sizeof *out)
                                     : NULL;
    size_t i = 0, j = 0;
    for (; i < snap->stream_count; i++) {
        const struct stream_info *s = snap->streams[i];
        while (j < h->count && entry_cmp(&s->key, s->node, &h->streams[j]) > 0)
            stream_history_free(&h->streams[j++]);
        if (j < h->count && entry_cmp(&s->key, s->node, &h->streams[j]) == 0) {
            out[i] = h->streams[j++];
        } else {
            fresh_entry(&out[i], s);
        }
        update_entry(&out[i], s);
    }
    while (j < h->count)
        stream_history_free(&h->streams[j++]);
    free(h->streams);
    h->streams = out;
    h->count = snap->stream_count;
}
