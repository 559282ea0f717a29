/* snapshot.c -- construction, copying and freeing of snapshots (see snapshot.h). */
#include "snapshot.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct snapshot *snapshot_new(enum snapshot_kind kind)
{
    size_t part = kind == SNAPSHOT_REDIS    ? sizeof(struct redis_snapshot)
                  : kind == SNAPSHOT_SERVER ? sizeof(struct server_snapshot)
                  : kind == SNAPSHOT_PG     ? sizeof(struct pg_snapshot)
                                            : sizeof(struct keys_snapshot);
    struct snapshot *s = xcalloc(1, offsetof(struct snapshot, redis) + part);
    s->kind = kind;
    s->refcount = 1;
    return s;
}

void bytes_set(struct bytes *b, const char *p, size_t len)
{
    b->ptr = xmemdup(p ? p : "", p ? len : 0);
    b->len = p ? len : 0;
}

void bytes_free(struct bytes *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
}

int bytes_cmp(const struct bytes *a, const struct bytes *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
    if (c)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static void group_copy(struct group_info *dst, const struct group_info *src)
{
    *dst = *src;
    bytes_set(&dst->name, src->name.ptr, src->name.len);
    bytes_set(&dst->oldest_consumer, src->oldest_consumer.ptr, src->oldest_consumer.len);
    dst->consumer_list = NULL;
    if (src->consumer_count) {
        dst->consumer_list = xcalloc(src->consumer_count, sizeof *dst->consumer_list);
        for (size_t i = 0; i < src->consumer_count; i++) {
            dst->consumer_list[i] = src->consumer_list[i];
            bytes_set(&dst->consumer_list[i].name, src->consumer_list[i].name.ptr,
                      src->consumer_list[i].name.len);
        }
    }
}

static void group_free(struct group_info *g)
{
    bytes_free(&g->name);
    bytes_free(&g->oldest_consumer);
    for (size_t i = 0; i < g->consumer_count; i++)
        bytes_free(&g->consumer_list[i].name);
    free(g->consumer_list);
    g->consumer_list = NULL;
    g->consumer_count = 0;
}

/* ---- shared stream records ------------------------------------------------------------ */

struct stream_rec {
    atomic_uint refs;
    struct stream_info info;
};

static struct stream_rec *rec_of(const struct stream_info *s)
{
    return (struct stream_rec *)((char *)(uintptr_t)s - offsetof(struct stream_rec, info));
}

struct stream_info *stream_info_new(void)
{
    struct stream_rec *r = xcalloc(1, sizeof *r);
    atomic_init(&r->refs, 1);
    return &r->info;
}

const struct stream_info *stream_info_ref(const struct stream_info *s)
{
    atomic_fetch_add_explicit(&rec_of(s)->refs, 1, memory_order_relaxed);
    return s;
}

void stream_info_unref(const struct stream_info *s)
{
    if (!s)
        return;
    struct stream_rec *r = rec_of(s);
    /* release: this thread's reads of the record happen before whoever frees or writes it */
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) != 1)
        return;
    stream_info_free(&r->info);
    free(r);
}

struct stream_info *stream_info_writable(struct stream_info *s)
{
    /* a reference is only taken by someone who holds one already (the owner publishing, a
     * reader through a snapshot it holds): a count of one is the caller's alone and cannot
     * grow behind its back; acquire pairs with the release of the last reader's unref */
    if (atomic_load_explicit(&rec_of(s)->refs, memory_order_acquire) == 1)
        return s;
    struct stream_info *d = stream_info_new();
    *d = *s;
    bytes_set(&d->key, s->key.ptr, s->key.len);
    d->groups = NULL;
    if (s->group_len) {
        d->groups = xcalloc(s->group_len, sizeof *d->groups);
        for (size_t i = 0; i < s->group_len; i++)
            group_copy(&d->groups[i], &s->groups[i]);
    }
    stream_info_unref(s);
    return d;
}

void stream_info_free(struct stream_info *s)
{
    bytes_free(&s->key);
    for (size_t i = 0; i < s->group_len; i++)
        group_free(&s->groups[i]);
    free(s->groups);
    s->groups = NULL;
    s->group_len = 0;
}

void stream_info_derive(struct stream_info *s)
{
    s->max_lag = QT_UNKNOWN;
    s->lag_partly_unknown = false;
    s->pending_total = 0;
    s->oldest_pending_age_ms = QT_UNKNOWN;
    s->consumers_total = 0;
    s->max_deliveries = 0;
    for (size_t i = 0; i < s->group_len; i++) {
        const struct group_info *g = &s->groups[i];
        if (g->lag == QT_UNKNOWN)
            s->lag_partly_unknown = true;
        else if (g->lag > s->max_lag)
            s->max_lag = g->lag;
        s->pending_total += g->pending;
        s->consumers_total += g->consumers;
        if (g->has_oldest) {
            if (g->oldest_age_ms > s->oldest_pending_age_ms)
                s->oldest_pending_age_ms = g->oldest_age_ms;
            if (g->oldest_deliveries > s->max_deliveries)
                s->max_deliveries = g->oldest_deliveries;
        }
    }
    if (!s->xinfo_stream && s->sampled_mono_ms != 0) {
        /* read without XINFO STREAM: Redis 7 defines a group's lag as entries-added minus
         * its entries-read, so any group that knows both gives the stream's count */
        s->entries_added = QT_UNKNOWN;
        for (size_t i = 0; i < s->group_len && stream_groups_known(s); i++) {
            const struct group_info *g = &s->groups[i];
            /* a group that never read (last delivered 0-0) has read nothing */
            long long read = g->entries_read >= 0 ? g->entries_read
                             : strcmp(g->last_delivered_id, "0-0") == 0 ? 0 : QT_UNKNOWN;
            if (g->lag >= 0 && read >= 0 && read + g->lag > s->entries_added)
                s->entries_added = read + g->lag;
        }
    }
    if (!stream_groups_known(s)) {
        s->lag_partly_unknown = true;
        s->pending_total = QT_UNKNOWN;
        s->consumers_total = QT_UNKNOWN;
    }
}

bool stream_groups_known(const struct stream_info *s)
{
    return s->sampled_mono_ms != 0 && !s->groups_unread;
}

void stream_groups_text(const struct stream_info *s, char *buf, size_t len)
{
    if (stream_groups_known(s))
        snprintf(buf, len, "%zu", s->group_len);
    else if (s->group_count >= 0)
        snprintf(buf, len, "%lld?", s->group_count);
    else
        snprintf(buf, len, "?");
}

void snapshot_free(struct snapshot *snap)
{
    if (!snap)
        return;
    if (snap->kind == SNAPSHOT_REDIS) {
        struct redis_snapshot *r = &snap->redis;
        for (size_t i = 0; i < r->stream_count; i++)
            stream_info_unref(r->streams[i]);
        free(r->streams);
        for (size_t i = 0; i < r->lost_count; i++)
            bytes_free(&r->lost[i].key);
        free(r->lost);
        free(r->nodes);
    } else if (snap->kind == SNAPSHOT_SERVER) {
        struct server_snapshot *sv = &snap->server;
        for (size_t i = 0; i < sv->slowlog_count; i++) {
            bytes_free(&sv->slowlog[i].command);
            bytes_free(&sv->slowlog[i].client);
        }
    } else if (snap->kind == SNAPSHOT_PG) {
        struct pg_snapshot *pg = &snap->pg;
        workflow_summary_free(&pg->summary);
        workflow_exec_free(&pg->open);
        for (int i = 0; i < pg->find_n; i++)
            exec_brief_free(&pg->found[i]);
    } else {
        keys_snapshot_free(&snap->keys);
    }
    free(snap);
}

const void *bytes_bsearch(const void *base, size_t count, size_t stride, size_t key_offset,
                          const struct bytes *key)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *elem = (const char *)base + mid * stride;
        int c = bytes_cmp((const struct bytes *)(elem + key_offset), key);
        if (c == 0)
            return elem;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const void *bytes_bsearch_ptr(const void *base, size_t count, size_t stride, size_t ptr_offset,
                              size_t key_offset, const struct bytes *key)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *elem = (const char *)base + mid * stride;
        const char *rec = *(const char *const *)(elem + ptr_offset);
        int c = bytes_cmp((const struct bytes *)(rec + key_offset), key);
        if (c == 0)
            return elem;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct stream_info *redis_snapshot_find(const struct redis_snapshot *r, const char *key,
                                              size_t key_len, uint16_t node)
{
    struct bytes k = { (char *)key, key_len };
    const struct stream_info *const *at =
        bytes_bsearch_ptr(r->streams, r->stream_count, sizeof *r->streams, 0,
                          offsetof(struct stream_info, key), &k);
    if (!at)
        return NULL;
    /* several nodes may hold the same key: they sit side by side, in node order */
    const struct stream_info *const *end = r->streams + r->stream_count;
    while (at > r->streams && bytes_cmp(&at[-1]->key, &k) == 0)
        at--;
    for (; at < end && bytes_cmp(&(*at)->key, &k) == 0; at++)
        if ((*at)->node == node)
            return *at;
    return NULL;
}

void keys_snapshot_free(struct keys_snapshot *k)
{
    for (size_t i = 0; i < k->queue_count; i++) {
        bytes_free(&k->queues[i].name);
        for (size_t j = 0; j < k->queues[i].key_count; j++)
            bytes_free(&k->queues[i].keys[j]);
        free(k->queues[i].keys);
    }
    free(k->queues);
    for (size_t i = 0; i < k->lock_count; i++) {
        bytes_free(&k->locks[i].key);
        bytes_free(&k->locks[i].owner);
    }
    free(k->locks);
    for (size_t i = 0; i < k->prefix_count; i++)
        bytes_free(&k->prefixes[i].prefix);
    free(k->prefixes);
    k->queues = NULL;
    k->locks = NULL;
    k->prefixes = NULL;
    k->queue_count = k->lock_count = k->prefix_count = 0;
}
