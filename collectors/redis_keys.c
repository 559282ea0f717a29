/* redis_keys.c -- see redis_keys.h. The layouts and why each figure is read the way it is are
 * in docs/queue-layouts.md (which names the library versions matched); the comments here only
 * point at the part that matters for the code. */
#include "redis_keys.h"

#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "keys_internal.h"
#include "redis_io.h"
#include "resp.h"
#include "util.h"

void keys_config_defaults(struct keys_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->interval_ms = 1000;
    cfg->keys_per_tick = 5000;
    cfg->memory_samples_per_prefix = 16;
    cfg->connect_timeout_ms = 2000;
    cfg->command_timeout_ms = 5000;
    static const char *const defaults[] = { "lock:*", "*:lock:*", "*:lock" };
    for (size_t i = 0; i < ARRAY_LEN(defaults); i++)
        cfg->lock_patterns[cfg->lock_pattern_count++] = defaults[i];
}

struct keys_collector *keys_collector_new(const struct keys_config *cfg, struct hub *hub)
{
    struct keys_collector *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->hub = hub;
    str_copy(c->cursor, "0", sizeof c->cursor);
    redis_target_display(&cfg->target, c->url, sizeof c->url);
    return c;
}

static void free_locks(struct lock_state *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bytes_free(&l[i].key);
        bytes_free(&l[i].owner);
    }
    free(l);
}

static void free_lock_keys(struct keys_collector *c)
{
    for (size_t i = 0; i < c->lock_key_n; i++)
        bytes_free(&c->lock_keys[i]);
    free(c->lock_keys);
    c->lock_keys = NULL;
    c->lock_key_n = c->lock_key_cap = 0;
}

static void keys_disconnect(void *self)
{
    struct keys_collector *c = self;
    if (c->ctx)
        redis_io_free(c->ctx);
    c->ctx = NULL;
    if (c->cfg.feed) {
        stream_feed_set_up(c->cfg.feed, false);
        if (c->pass_started)
            stream_feed_restart(c->cfg.feed);
    }
    /* a pass cannot resume on another connection's cursor safely after a restart: start over */
    str_copy(c->cursor, "0", sizeof c->cursor);
    c->pass_started = false;
    c->pass_start_ms = 0;   /* the new connection walks at once */
    c->pass_keys = 0;
    catalogue_free(&c->cat);
    prefixes_free(&c->pass_prefixes);
    free_lock_keys(c);
}

void keys_collector_delete(struct keys_collector *c)
{
    if (!c)
        return;
    keys_disconnect(c);
    prefixes_free(&c->prefixes);
    qdefs_free(&c->queues);
    free_locks(c->locks, c->lock_n);
    free(c->readings);
    free(c);
}

static bool is_lock_name(const struct keys_collector *c, const char *key)
{
    for (size_t i = 0; i < c->cfg.lock_pattern_count; i++)
        if (fnmatch(c->cfg.lock_patterns[i], key, 0) == 0)
            return true;
    const struct layout_file *f = c->cfg.layouts;
    for (size_t i = 0; f && i < f->lock_pattern_count; i++)
        if (fnmatch(f->lock_patterns[i], key, 0) == 0)
            return true;
    return false;
}

static char type_code(const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_STATUS)
        return T_OTHER;
    if (strcmp(r->str, "list") == 0) return T_LIST;
    if (strcmp(r->str, "zset") == 0) return T_ZSET;
    if (strcmp(r->str, "set") == 0) return T_SET;
    if (strcmp(r->str, "hash") == 0) return T_HASH;
    if (strcmp(r->str, "string") == 0) return T_STRING;
    if (strcmp(r->str, "stream") == 0) return T_STREAM;
    return T_OTHER;
}

/* Whether a key of that type is worth keeping for the detectors (docs/queue-layouts.md §8). */
static bool keep_for_layouts(const struct bytes *k, char type)
{
    switch (type) {
    case T_LIST:
    case T_ZSET:
        return true;
    case T_SET:   /* registries */
        return strcmp(k->ptr, "queues") == 0 || strcmp(k->ptr, "rq:queues") == 0 ||
               strcmp(k->ptr, "asynq:queues") == 0 || strcmp(k->ptr, "processes") == 0 ||
               key_starts_with(k, "_kombu.binding.");
    case T_HASH:
        return key_ends_with(k, ":meta") || strcmp(k->ptr, "unacked") == 0 ||
               key_ends_with(k, ":metrics:completed") || key_ends_with(k, ":metrics:failed");
    case T_STRING:
        return key_ends_with(k, ":id");   /* Bull's job counter */
    case T_STREAM:
        return key_ends_with(k, ":events");   /* BullMQ's events, beside its meta hash */
    default:
        return false;
    }
}

/* One SCAN call and the TYPE/PTTL (and sampled MEMORY USAGE) of what it returned.
 * 0, 1 when the pass ended, -1 on a lost connection. */
static int scan_step(struct keys_collector *c, char *err, size_t errlen)
{
    char count[16];
    snprintf(count, sizeof count, "%d", c->scan_count);
    const char *argv[] = { "SCAN", c->cursor, "COUNT", count };
    redisReply *r = redis_io_command_argv(c->ctx, 4, argv, NULL);
    c->round_trips++;
    if (!r)
        return keys_fail_io(c, "SCAN", err, errlen);
    if (r->type == REDIS_REPLY_ERROR) {
        redis_describe_error("SCAN refused", r->str, err, errlen);
        freeReplyObject(r);
        return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "SCAN: unexpected reply");
        freeReplyObject(r);
        return -1;
    }
    if (!c->pass_started) {
        c->pass_start_ms = mono_ms();
        c->pass_start_dbsize = c->dbsize;
    }
    c->pass_started = true;
    str_copy(c->cursor, r->element[0]->str, sizeof c->cursor);
    redisReply *keys = r->element[1];
    size_t n = keys->elements;
    /* which keys get a MEMORY USAGE: the first few of each prefix in this pass */
    bool *sample = n ? xcalloc(n, sizeof *sample) : NULL;
    size_t cmds = 0;
    for (size_t i = 0; i < n; i++) {
        const redisReply *k = keys->element[i];
        if (k->type != REDIS_REPLY_STRING)
            continue;
        const char *a[2] = { "TYPE", k->str };
        size_t al[2] = { 4, k->len };
        redisAppendCommandArgv(c->ctx, 2, a, al);
        a[0] = "PTTL";
        redisAppendCommandArgv(c->ctx, 2, a, al);
        cmds += 2;
        struct prefix_acc *p = prefix_of(&c->pass_prefixes, k->str, k->len);
        if (p->sampled < c->cfg.memory_samples_per_prefix && c->memory_denied == 0) {
            const char *m[3] = { "MEMORY", "USAGE", k->str };
            size_t ml[3] = { 6, 5, k->len };
            redisAppendCommandArgv(c->ctx, 3, m, ml);
            sample[i] = true;
            p->sampled++;   /* counted as asked; a refusal undoes it below */
            cmds++;
        }
    }
    if (c->cfg.budget)
        c->spent_us += COST_DISPATCH_US + c->scan_count * cost_of(c->cfg.budget, COST_SCAN_KEY) +
                       (double)n * (cost_of(c->cfg.budget, COST_TYPE) +
                                    cost_of(c->cfg.budget, COST_PTTL)) +
                       (double)(cmds - 2 * n) * cost_of(c->cfg.budget, COST_SMALL);
    redisReply **rep = cmds ? xcalloc(cmds, sizeof *rep) : NULL;
    if (cmds && keys_get_replies(c, rep, cmds, "TYPE", err, errlen) < 0) {
        free(rep);
        free(sample);
        freeReplyObject(r);
        return -1;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const redisReply *k = keys->element[i];
        if (k->type != REDIS_REPLY_STRING)
            continue;
        char type = type_code(rep[at]);
        long long ttl = rep[at + 1] && rep[at + 1]->type == REDIS_REPLY_INTEGER
                            ? rep[at + 1]->integer : TTL_NOT_READ;
        at += 2;
        struct prefix_acc *p = prefix_of(&c->pass_prefixes, k->str, k->len);
        if (type != T_OTHER || (rep[at - 2] && rep[at - 2]->type == REDIS_REPLY_STATUS &&
                                strcmp(rep[at - 2]->str, "none") != 0)) {
            p->keys++;
            c->pass_keys++;
            if (ttl == -1)
                p->no_ttl++;
        }
        if (sample[i]) {
            redisReply *m = rep[at++];
            if (m && m->type == REDIS_REPLY_INTEGER) {
                p->sampled_bytes += m->integer;
            } else {
                p->sampled--;
                if (m && m->type == REDIS_REPLY_ERROR &&
                    (strncmp(m->str, "NOPERM", 6) == 0 || strstr(m->str, "unknown command")))
                    c->memory_denied++;   /* refused for good: stop asking */
            }
        }
        if (type == T_STREAM && c->cfg.feed)
            stream_feed_saw(c->cfg.feed, k->str, k->len);
        struct bytes kb = { k->str, k->len };
        if (memchr(k->str, '\0', k->len))
            continue;   /* patterns cannot describe it; counted in its prefix only */
        if (type == T_STRING && is_lock_name(c, k->str) && c->lock_key_n < LOCKS_MAX) {
            c->lock_keys = xgrow(c->lock_keys, c->lock_key_n, &c->lock_key_cap, 32,
                                 sizeof *c->lock_keys);
            bytes_set(&c->lock_keys[c->lock_key_n++], k->str, k->len);
        }
        if (keep_for_layouts(&kb, type))
            catalogue_add(&c->cat, k->str, k->len, type, ttl >= 0);
    }
    keys_free_replies(rep, cmds);
    free(rep);
    free(sample);
    freeReplyObject(r);
    return strcmp(c->cursor, "0") == 0 ? 1 : 0;
}

static int bytes_ptr_cmp(const void *a, const void *b)
{
    return bytes_cmp(a, b);
}

static int qdef_cmp(const void *pa, const void *pb)
{
    const struct qdef *a = pa, *b = pb;
    int c = strcmp(a->layout, b->layout);
    return c ? c : bytes_cmp(&a->name, &b->name);
}

/* The same commands: the same measures and age probes, in the same order. */
static bool same_reads(const struct qdef *a, const struct qdef *b)
{
    if (a->mn != b->mn || a->pn != b->pn)
        return false;
    for (size_t j = 0; j < a->mn; j++)
        if (a->m[j].metric != b->m[j].metric || a->m[j].cmd != b->m[j].cmd ||
            a->m[j].unit != b->m[j].unit || bytes_cmp(&a->m[j].key, &b->m[j].key) != 0)
            return false;
    for (size_t j = 0; j < a->pn; j++)
        if (a->probes[j].kind != b->probes[j].kind || a->probes[j].unit != b->probes[j].unit ||
            a->probes[j].end != b->probes[j].end ||
            bytes_cmp(&a->probes[j].key, &b->probes[j].key) != 0 ||
            strcmp(a->probes[j].hash_prefix, b->probes[j].hash_prefix) != 0 ||
            strcmp(a->probes[j].field, b->probes[j].field) != 0)
            return false;
    return true;
}

/* The pass ended: find the queues and locks in what it saw, and keep its prefix figures. */
static void finish_pass(struct keys_collector *c)
{
    catalogue_sort(&c->cat);
    struct qdefs found = { 0 };
    keys_detect(c, &found);
    if (c->ctx && c->ctx->err) {
        /* a registry or a ZRANGE failed on the way: this pass's view is partial; keep the
         * previous queues and look again on the next pass (the tick reports the error) */
        qdefs_free(&found);
        catalogue_free(&c->cat);
        prefixes_free(&c->pass_prefixes);
        free_lock_keys(c);
        c->pass_keys = 0;
        c->pass_started = false;
        return;
    }
    if (found.n > 1)
        qsort(found.v, found.n, sizeof *found.v, qdef_cmp);
    /* carry the previous readings over, for rates across passes; a queue read with the same
     * keys keeps its figures and its place in the hot/cold rotation (a small keyspace ends a
     * pass every tick or two, and each pass end had every queue read whole again) */
    struct queue_info *readings = found.n ? xcalloc(found.n, sizeof *readings) : NULL;
    for (size_t i = 0; i < found.n; i++) {
        struct qdef *q = &found.v[i];
        struct queue_info *r = &readings[i];   /* nothing read yet: unknown, not 0 */
        r->depth = r->in_flight = r->delayed = r->due_now = r->failed = QT_UNKNOWN;
        r->processed_total = r->failed_total = r->oldest_age_ms = QT_UNKNOWN;
        r->enqueue_per_sec = r->dequeue_per_sec = r->depth_change_per_sec = NAN;
        for (size_t j = 0; j < c->queues.n; j++) {
            const struct qdef *old = &c->queues.v[j];
            if (qdef_cmp(q, old) != 0)
                continue;
            q->have_prev = old->have_prev;
            q->prev_ms = old->prev_ms;
            q->prev_total = old->prev_total;
            q->prev_processed = old->prev_processed;
            q->prev_failed = old->prev_failed;
            if (same_reads(q, old)) {
                *r = c->readings[j];
                q->rot = old->rot;
            }
            break;
        }
    }
    qdefs_free(&c->queues);
    c->queues = found;
    free(c->readings);
    c->readings = readings;

    /* locks: the keys found (SCAN may return one twice), read every tick from now on */
    if (c->lock_key_n > 1) {
        qsort(c->lock_keys, c->lock_key_n, sizeof *c->lock_keys, bytes_ptr_cmp);
        size_t o = 0;
        for (size_t i = 0; i < c->lock_key_n; i++) {
            if (o > 0 && bytes_cmp(&c->lock_keys[o - 1], &c->lock_keys[i]) == 0)
                bytes_free(&c->lock_keys[i]);
            else
                c->lock_keys[o++] = c->lock_keys[i];
        }
        c->lock_key_n = o;
    }
    free_locks(c->locks, c->lock_n);
    c->locks = c->lock_key_n ? xcalloc(c->lock_key_n, sizeof *c->locks) : NULL;
    c->lock_n = c->lock_key_n;
    for (size_t i = 0; i < c->lock_key_n; i++) {
        c->locks[i].key = c->lock_keys[i];
        c->locks[i].ttl_ms = TTL_NOT_READ;
        bytes_set(&c->locks[i].owner, "", 0);
    }
    free(c->lock_keys);
    c->lock_keys = NULL;
    c->lock_key_n = c->lock_key_cap = 0;

    prefixes_free(&c->prefixes);
    c->prefixes = c->pass_prefixes;
    memset(&c->pass_prefixes, 0, sizeof c->pass_prefixes);
    catalogue_free(&c->cat);
    c->passes++;
    c->pass_keys = 0;
    c->pass_started = false;
}

static int tick(struct keys_collector *c, bool full_pass, int limit_ms, char *err, size_t errlen)
{
    int64_t start = mono_ms();
    c->round_trips = 0;
    c->spent_us = 0;
    if (!c->ctx) {
        c->ctx = redis_io_connect(&c->cfg.target, c->cfg.connect_timeout_ms,
                                 c->cfg.command_timeout_ms, err, errlen);
        if (!c->ctx)
            return -1;
    }
    redisAppendCommand(c->ctx, "TIME");
    redisAppendCommand(c->ctx, "DBSIZE");
    redisReply *rep[2];
    if (keys_get_replies(c, rep, 2, "TIME", err, errlen) < 0)
        return -1;
    long long s = QT_UNKNOWN, us = QT_UNKNOWN;
    if (rep[0]->type == REDIS_REPLY_ARRAY && rep[0]->elements == 2) {
        s = resp_counter(rep[0]->element[0]);
        us = resp_counter(rep[0]->element[1]);
    }
    c->time_ok = s >= 0 && s < 100000000000LL && us >= 0 && us < 1000000;
    if (c->time_ok) {
        c->server_ms = s * 1000 + us / 1000;
        c->time_error[0] = '\0';
    } else {
        /* no guess from our clock: what depends on "now" is unknown this tick (the commands
         * still go out with our clock as a bound, their answers are not used) */
        c->server_ms = wall_ms();
        if (rep[0]->type == REDIS_REPLY_ERROR)
            snprintf(c->time_error, sizeof c->time_error, "TIME refused: %.100s", rep[0]->str);
        else
            snprintf(c->time_error, sizeof c->time_error, "TIME gave no valid time");
    }
    c->dbsize = rep[1]->type == REDIS_REPLY_INTEGER ? rep[1]->integer : QT_UNKNOWN;
    keys_free_replies(rep, 2);

    long long before = c->pass_keys;
    long long seen = 0;
    /* a synchronous sample after the first reads the queues found then (rates need two
     * readings of the same set, not a second pass) */
    bool scan = !(full_pass && c->passes > 0);
    if (!full_pass && !c->pass_started && c->pass_start_ms &&
        start - c->pass_start_ms < WALK_CYCLE_MIN_MS && c->dbsize != QT_UNKNOWN &&
        c->dbsize == c->pass_start_dbsize)
        scan = false;   /* the last pass began less than WALK_CYCLE_MIN_MS ago and the key
                         * count has not moved since: rest (keys that came, after a restart
                         * say, are looked for at once) */
    /* the walk gets what the budget leaves after this tick's reading of known queues */
    struct cost_budget *bud = c->cfg.budget;
    c->scan_count = cost_scan_count(bud, 10, SCAN_COUNT);   /* no budget: by the table */
    if (bud)
        cost_note_scan_count(bud, c->scan_count);
    double walk_room = 1e18, per_step = 0;
    if (bud && !full_pass) {
        size_t reads = 2 * c->lock_n;
        for (size_t i = 0; i < c->queues.n; i++)
            reads += c->queues.v[i].mn;
        walk_room = cost_budget_allow(bud, COST_WHO_KEYS, start, 1e12) -
                    (double)reads * cost_of(bud, COST_SMALL);
        per_step = c->scan_count * (cost_of(bud, COST_SCAN_KEY) + cost_of(bud, COST_TYPE) +
                                    cost_of(bud, COST_PTTL));
        if (walk_room < per_step)
            scan = false;   /* this tick's share is spent: the pass goes on later */
    }
    for (; scan;) {
        int rc = scan_step(c, err, errlen);
        if (rc < 0)
            return -1;
        seen += c->pass_keys - before;
        before = c->pass_keys;
        if (c->cfg.feed)
            stream_feed_set_up(c->cfg.feed, true);
        if (rc == 1) {
            if (c->cfg.feed)
                stream_feed_pass_end(c->cfg.feed);
            finish_pass(c);
            if (full_pass)
                break;
        }
        if (full_pass ? mono_ms() - start > limit_ms
                      : (seen >= c->cfg.keys_per_tick || rc == 1 ||
                         mono_ms() - start > KEYS_TICK_BUDGET_MS ||
                         c->spent_us + per_step > walk_room))
            break;
        if (!full_pass && seen == 0 && mono_ms() - start > 50)
            break;   /* an empty stretch of the keyspace: go on next tick */
    }
    if (full_pass && c->passes == 0) {
        snprintf(err, errlen, "SCAN did not finish a pass in %d ms", limit_ms);
        return -1;
    }
    int rc = keys_read_queues(c, full_pass, err, errlen);
    if (rc == 0)
        rc = keys_read_ages(c, err, errlen);
    if (bud && !full_pass)
        cost_budget_charge(bud, COST_WHO_KEYS, c->spent_us, mono_ms());
    return rc;
}

static int lock_cmp(const void *pa, const void *pb)
{
    const struct lock_info *a = pa, *b = pb;
    /* no expiry first, then the shortest TTL left */
    long long ka = a->ttl_ms == -1 ? -1 : a->ttl_ms < 0 ? LLONG_MAX : a->ttl_ms;
    long long kb = b->ttl_ms == -1 ? -1 : b->ttl_ms < 0 ? LLONG_MAX : b->ttl_ms;
    if (ka != kb)
        return ka < kb ? -1 : 1;
    return bytes_cmp(&a->key, &b->key);
}

static int prefix_cmp(const void *pa, const void *pb)
{
    const struct prefix_info *a = pa, *b = pb;
    if (a->keys != b->keys)
        return a->keys > b->keys ? -1 : 1;
    return bytes_cmp(&a->prefix, &b->prefix);
}

static struct snapshot *build(struct keys_collector *c, enum conn_state state, const char *error,
                              int64_t retry_in_ms)
{
    struct snapshot *snap = snapshot_new(SNAPSHOT_KEYS);
    snap->node = c->cfg.node;
    struct keys_snapshot *k = &snap->keys;
    str_copy(k->url, c->url, sizeof k->url);
    k->state = state;
    str_copy(k->error, error ? error : "", sizeof k->error);
    k->retry_in_ms = retry_in_ms;
    k->sampled_mono_ms = mono_ms();
    if (state == CONN_UP)
        c->last_ok_mono_ms = k->sampled_mono_ms;
    k->last_ok_mono_ms = c->last_ok_mono_ms;
    k->server_time_ms = c->time_ok ? c->server_ms : QT_UNKNOWN;
    str_copy(k->time_error, c->time_error, sizeof k->time_error);
    k->sample_seq = ++c->seq;
    k->round_trips = c->round_trips;
    k->dbsize = c->dbsize;
    k->pass_keys = c->pass_keys;
    k->passes = c->passes;
    k->memory_denied = c->memory_denied;

    k->queue_count = c->queues.n;
    k->queues = c->queues.n ? xcalloc(c->queues.n, sizeof *k->queues) : NULL;
    for (size_t i = 0; i < c->queues.n; i++) {
        const struct qdef *q = &c->queues.v[i];
        struct queue_info *o = &k->queues[i];
        *o = c->readings[i];
        o->node = c->cfg.node;
        o->kept = q->pn ? QUEUE_KEEPS_OLDEST : 0;
        for (size_t j = 0; j < q->mn; j++)
            o->kept |= 1u << q->m[j].metric;   /* M_DEPTH ... M_FAILED_TOTAL, in that order */
        bytes_set(&o->name, q->name.ptr, q->name.len);
        str_copy(o->layout, q->layout, sizeof o->layout);
        str_copy(o->kind, q->kind, sizeof o->kind);
        o->keys = q->mn ? xcalloc(q->mn, sizeof *o->keys) : NULL;
        o->key_count = 0;
        for (size_t j = 0; j < q->mn; j++) {   /* each key once */
            bool dup = false;
            for (size_t d = 0; d < o->key_count && !dup; d++)
                dup = bytes_cmp(&o->keys[d], &q->m[j].key) == 0;
            if (!dup)
                bytes_set(&o->keys[o->key_count++], q->m[j].key.ptr, q->m[j].key.len);
        }
    }
    k->lock_count = 0;
    k->locks = c->lock_n ? xcalloc(c->lock_n, sizeof *k->locks) : NULL;
    for (size_t i = 0; i < c->lock_n; i++) {
        if (c->locks[i].ttl_ms == -2 || c->locks[i].ttl_ms == TTL_NOT_READ)
            continue;   /* released since the pass found it, or its TTL is not known */
        struct lock_info *l = &k->locks[k->lock_count++];
        l->node = c->cfg.node;
        bytes_set(&l->key, c->locks[i].key.ptr, c->locks[i].key.len);
        l->ttl_ms = c->locks[i].ttl_ms;
        size_t olen = c->locks[i].owner.len > OWNER_MAX ? OWNER_MAX : c->locks[i].owner.len;
        bytes_set(&l->owner, c->locks[i].owner.ptr, olen);
    }
    if (k->lock_count > 1)
        qsort(k->locks, k->lock_count, sizeof *k->locks, lock_cmp);
    k->prefix_count = c->prefixes.n;
    k->prefixes = c->prefixes.n ? xcalloc(c->prefixes.n, sizeof *k->prefixes) : NULL;
    for (size_t i = 0; i < c->prefixes.n; i++) {
        const struct prefix_acc *a = &c->prefixes.v[i];
        struct prefix_info *p = &k->prefixes[i];
        p->node = c->cfg.node;
        bytes_set(&p->prefix, a->prefix.ptr, a->prefix.len);
        p->keys = a->keys;
        p->no_ttl = a->no_ttl;
        p->sampled = a->sampled;
        p->sampled_bytes = a->sampled_bytes;
    }
    if (k->prefix_count > 1)
        qsort(k->prefixes, k->prefix_count, sizeof *k->prefixes, prefix_cmp);
    return snap;
}

struct snapshot *keys_collector_sample_full(struct keys_collector *c, int limit_ms, char *err,
                                            size_t errlen)
{
    if (tick(c, true, limit_ms, err, errlen) < 0)
        return NULL;
    return build(c, CONN_UP, NULL, 0);
}

static int keys_tick(void *self, char *err, size_t errlen)
{
    return tick(self, false, 0, err, errlen);
}

static struct snapshot *keys_build(void *self, enum conn_state state, const char *error,
                                   int64_t retry_in_ms)
{
    return build(self, state, error, retry_in_ms);
}

static const struct collector_class keys_class = {
    .name = "keys",
    .tick = keys_tick,
    .build = keys_build,
    .disconnect = keys_disconnect,
};

int keys_collector_start(struct keys_collector *c)
{
    return collector_thread_start(&c->thread, &keys_class, c, c->hub, c->cfg.interval_ms);
}

void keys_collector_stop(struct keys_collector *c)
{
    collector_thread_stop(&c->thread);
}

void keys_collector_retire(struct keys_collector *c)
{
    collector_thread_retire(&c->thread);
}
