/* redis_streams.c -- see redis_streams.h.
 *
 * One tick spends what the server's cost budget (collectors/cost.h) allows, in this order:
 *   1. discovery: SCAN calls (MATCH glob, TYPE stream, a COUNT that keeps each call well under
 *      a millisecond of Redis time), continuing the cursor of the last tick;
 *   2. hot streams, every tick: seen to change, never read yet, or with work outstanding and
 *      not read for BUSY_REREAD_MS; oldest figures first;
 *   3. probes: XLEN of the other streams in rotation, those not read yet included; a length
 *      that moved makes the stream hot (before the streams never read);
 *   4. cold streams in rotation with what is left, so every stream is re-read within a cycle
 *      (at most one cycle per COLD_CYCLE_MIN_MS: a small keyspace is not re-read every tick).
 * A read is pipelined in batches of batch_streams keys, two round trips per batch:
 *   A: TIME, [INFO replication], then for every key XINFO STREAM when its entries are small
 *      (STREAM_ENTRY_LIGHT_BYTES: that reply copies two of them) or else XLEN, PTTL, XINFO
 *      GROUPS when the group count is known and small enough, XPENDING key group - + 1 for
 *      groups that had pending entries, XINFO CONSUMERS for the focused stream;
 *   B: the same per-group commands for groups that turned out to need them.
 * A first read asks XLEN and MEMORY USAGE key SAMPLES 1 (the entries' size, at the price of one
 * listpack node) in A, then XINFO STREAM if the entries are small, XINFO GROUPS once the
 * group count is known, and the per-group commands: up to three more round trips.
 * Streams not reached keep their previous data and their own sample times.
 * All commands are read-only. The state (known streams) belongs to the collector thread only;
 * each tick publishes a snapshot that shares its records (copy on write).
 * The collector is four files (see streams_internal.h): this one (the set of known streams,
 * discovery, a tick), streams_parse.c, streams_read.c (costs and the pipelined batches) and
 * streams_plan.c (probes, hot and cold). */
#include "redis_streams.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "cost.h"
#include "redis_io.h"
#include "reply_arena.h"
#include "resp.h"
#include "streams_internal.h"
#include "util.h"

void streams_config_defaults(struct streams_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    str_copy(cfg->match, "*", sizeof cfg->match);
    cfg->interval_ms = 1000;
    cfg->budget_ms = 250;
    cfg->scan_count = 1000;
    cfg->scan_calls_per_tick = 1000;
    cfg->batch_streams = 200;
    cfg->connect_timeout_ms = 2000;
    cfg->command_timeout_ms = 5000;
}

struct streams_collector *streams_collector_new(const struct streams_config *cfg, struct hub *hub)
{
    struct streams_collector *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->hub = hub;
    str_copy(c->cursor, "0", sizeof c->cursor);
    c->pass = 1;
    redis_target_display(&cfg->target, c->url, sizeof c->url);
    bytes_set(&c->focus, "", 0);
    return c;
}

static void free_lost(struct lost_stream *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bytes_free(&l[i].key);
    free(l);
}

static void disconnect(struct streams_collector *c)
{
    if (c->ctx)
        redis_io_free(c->ctx);
    c->ctx = NULL;
}

void streams_collector_delete(struct streams_collector *c)
{
    if (!c)
        return;
    disconnect(c);
    for (size_t i = 0; i < c->count; i++)
        stream_info_unref(c->items[i].info);
    free(c->items);
    for (size_t i = 0; i < c->fresh_count; i++)
        bytes_free(&c->fresh[i]);
    free(c->fresh);
    bytes_free(&c->focus);
    reply_arena_done(&c->arena);
    free_lost(c->before, c->before_count);
    free_lost(c->lost, c->lost_count);
    free(c);
}

void streams_collector_set_focus(struct streams_collector *c, const char *key, size_t len)
{
    bytes_free(&c->focus);
    bytes_set(&c->focus, key, len);
}

unsigned streams_collector_round_trips(const struct streams_collector *c)
{
    return c->round_trips;
}

/* ---- the set of known streams ----------------------------------------------------------- */

static struct tracked *find_tracked(struct streams_collector *c, const char *key, size_t len)
{
    struct bytes k = { (char *)key, len };
    return (struct tracked *)bytes_bsearch_ptr(c->items, c->count, sizeof *c->items,
                                               offsetof(struct tracked, info),
                                               offsetof(struct stream_info, key), &k);
}

/* t's record, to be written: a private copy first when a published snapshot holds it. Taken
 * before any pointer into the record is (a copy moves its groups). */
struct stream_info *sc_own(struct tracked *t)
{
    return t->info = stream_info_writable(t->info);
}

/* Outstanding work: pending entries, lag, or groups still to read. */
static bool busy(const struct stream_info *s)
{
    return s->pending_total > 0 || s->max_lag > 0 || s->groups_unread;
}

/* The derived figures of t's record, after a read wrote it. */
void sc_derive(struct tracked *t)
{
    stream_info_derive(t->info);
    t->busy = busy(t->info);
}

static int bytes_ptr_cmp(const void *a, const void *b)
{
    return bytes_cmp((const struct bytes *)a, (const struct bytes *)b);
}

/* A stream SCAN found and nobody has read: every figure unknown. */
static void tracked_init(struct tracked *t, struct bytes key, uint64_t pass)
{
    memset(t, 0, sizeof *t);
    t->info = stream_info_new();
    t->info->key = key;   /* ownership moves */
    t->info->length = QT_UNKNOWN;
    t->info->entries_added = QT_UNKNOWN;
    t->info->group_count = QT_UNKNOWN;
    t->info->ttl_ms = -1;
    t->info->max_lag = QT_UNKNOWN;
    t->info->lag_partly_unknown = true;
    t->info->oldest_pending_age_ms = QT_UNKNOWN;
    t->info->pending_total = QT_UNKNOWN;
    t->info->consumers_total = QT_UNKNOWN;
    t->seen_pass = pass;
}

/* Moves fresh keys into items, keeping items sorted and unique: the fresh keys are sorted and
 * merged in one linear pass (a keyspace is discovered a few hundred keys at a time, and
 * re-sorting 100,000 items for each slice was most of a tick). */
static void merge_fresh(struct streams_collector *c)
{
    if (!c->fresh_count)
        return;
    qsort(c->fresh, c->fresh_count, sizeof *c->fresh, bytes_ptr_cmp);
    /* unique: add_fresh keeps known keys out (only this merge adds any), but a key can come
     * twice a tick */
    size_t k = 0;
    for (size_t f = 0; f < c->fresh_count; f++) {
        if (k && bytes_cmp(&c->fresh[k - 1], &c->fresh[f]) == 0)
            bytes_free(&c->fresh[f]);
        else
            c->fresh[k++] = c->fresh[f];
    }
    c->fresh_count = 0;
    if (!k)
        return;
    if (c->count + k > c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        if (cap < c->count + k)
            cap = c->count + k;
        c->items = xrealloc(c->items, cap * sizeof *c->items);
        c->cap = cap;
    }
    /* merged from the end, in place, a block at a time: each new key's place is found by
     * binary search and the streams after it move once, together (at 100,000 streams, a new
     * array and a comparison of every key whenever one stream appeared was a tenth of
     * queuetop's time); the rotations stay on the stream they pointed at */
    bool rr_wrap = c->rr_next >= c->count, probe_wrap = c->probe_next >= c->count;
    size_t i = c->count;   /* items[0, i) not placed yet */
    for (size_t f = k; f > 0; f--) {
        const struct bytes *key = &c->fresh[f - 1];
        size_t lo = 0, hi = i;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (bytes_cmp(&c->items[mid].info->key, key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        /* items[lo, i) move up by f: the f new keys still to place all sort before them */
        if (i > lo)
            memmove(&c->items[lo + f], &c->items[lo], (i - lo) * sizeof *c->items);
        if (c->rr_next >= lo && c->rr_next < i)
            c->rr_next += f;
        if (c->probe_next >= lo && c->probe_next < i)
            c->probe_next += f;
        tracked_init(&c->items[lo + f - 1], *key, c->pass);
        c->items[lo + f - 1].info->node = c->cfg.node;
        i = lo;
    }
    c->count += k;
    if (rr_wrap)   /* a rotation at its end stays there: the next tick wraps it */
        c->rr_next = c->count;
    if (probe_wrap)
        c->probe_next = c->count;
}

/* Drops gone items, and at the end of a pass the ones that pass did not see. */
static void compact(struct streams_collector *c, bool pass_ended)
{
    size_t out = 0;
    /* the streams before the first to drop stay where they are (no copy of the whole array
     * every tick) */
    while (out < c->count && !c->items[out].gone &&
           !(pass_ended && c->items[out].seen_pass != c->pass))
        out++;
    for (size_t i = out; i < c->count; i++) {
        struct tracked *t = &c->items[i];
        if (t->gone || (pass_ended && t->seen_pass != c->pass)) {
            stream_info_unref(t->info);
            continue;
        }
        c->items[out++] = *t;
    }
    c->count = out;
    if (c->rr_next > c->count)   /* at its end it stays there: plan_cold wraps and counts */
        c->rr_next = c->count;
}

static void add_fresh(struct streams_collector *c, const char *key, size_t len)
{
    struct tracked *t = find_tracked(c, key, len);
    if (t) {
        t->seen_pass = c->pass;
        t->gone = false;
        return;
    }
    c->fresh = xgrow(c->fresh, c->fresh_count, &c->fresh_cap, 256, sizeof *c->fresh);
    bytes_set(&c->fresh[c->fresh_count++], key, len);
}

/* ---- talking to Redis ------------------------------------------------------------------- */

int sc_fail_io(struct streams_collector *c, const char *what, char *err, size_t errlen)
{
    resp_lost(err, errlen, c->url, what, c->ctx);
    disconnect(c);   /* replies still in flight would answer the next commands */
    return -1;
}

int sc_fail_reply(struct streams_collector *c, const char *what, const redisReply *r,
                      char *err, size_t errlen)
{
    if (r && r->type == REDIS_REPLY_ERROR && r->str)
        redis_describe_error(what, r->str, err, errlen);
    else
        snprintf(err, errlen, "%s: unexpected reply from %s", what, c->url);
    return -1;
}

/* A key-scoped refusal (ACL key patterns): the stream is left out and counted, the tick goes
 * on. Only when every stream read was refused does the tick fail (see tick()). */
void sc_deny_stream(struct streams_collector *c, struct tracked *t, const redisReply *r)
{
    if (!t->denied) {
        t->denied = true;
        c->denied++;
    }
    if (!c->denied_error[0])
        redis_describe_error("no permission", r->str, c->denied_error, sizeof c->denied_error);
}

/* A new run_id: the server restarted. Keep what we knew; compare after the next full pass. */
static void remember_before_restart(struct streams_collector *c)
{
    free_lost(c->before, c->before_count);
    c->before = c->count ? xcalloc(c->count, sizeof *c->before) : NULL;
    c->before_count = 0;
    for (size_t i = 0; i < c->count; i++) {
        if (!c->items[i].sampled)
            continue;
        struct lost_stream *b = &c->before[c->before_count++];
        bytes_set(&b->key, c->items[i].info->key.ptr, c->items[i].info->key.len);
        b->length_before = c->items[i].info->length;
        c->items[i].sampled = false;   /* figures from before the restart no longer hold */
    }
    c->lost_pending = true;
}

/* After the first full pass since the restart: streams that are gone or shorter. */
static void compute_lost(struct streams_collector *c)
{
    free_lost(c->lost, c->lost_count);
    c->lost = c->before_count ? xcalloc(c->before_count, sizeof *c->lost) : NULL;
    c->lost_count = 0;
    for (size_t i = 0; i < c->before_count; i++) {
        const struct lost_stream *b = &c->before[i];
        const struct tracked *t = find_tracked(c, b->key.ptr, b->key.len);
        long long after = t && t->sampled ? t->info->length : 0;
        if (t && !t->sampled)
            continue;   /* found but not read yet: no claim either way */
        if (after < b->length_before) {
            struct lost_stream *l = &c->lost[c->lost_count++];
            bytes_set(&l->key, b->key.ptr, b->key.len);
            l->length_before = b->length_before;
            l->length_after = after;
        }
    }
    c->lost_pending = false;
    c->lost_known = true;
}

static int ensure_connected(struct streams_collector *c, char *err, size_t errlen)
{
    if (c->ctx)
        return 0;
    c->ctx = redis_io_connect(&c->cfg.target, c->cfg.connect_timeout_ms,
                             c->cfg.command_timeout_ms, err, errlen);
    if (!c->ctx)
        return -1;
    char was[sizeof c->master];
    str_copy(was, c->master, sizeof was);
    redis_io_master(c->ctx, c->master, sizeof c->master);
    if (was[0] && c->master[0] && strcmp(was, c->master) != 0) {
        /* the Sentinels name another master: a failover, shown with its time */
        str_copy(c->previous_master, was, sizeof c->previous_master);
        c->master_changed_wall_ms = wall_ms();
    }
    /* A new session: the old cursor means nothing now (the server may have restarted). */
    str_copy(c->cursor, "0", sizeof c->cursor);
    c->pass++;
    c->keys_scanned_pass = 0;
    c->passes_on_session = 0;
    c->feed_mode = false;   /* a pass of our own first: the server may have restarted */
    redisReply *r = redis_io_command(c->ctx, "INFO server");
    c->round_trips++;
    if (!r)
        return sc_fail_io(c, "INFO", err, errlen);
    char run_id[48] = "";
    if (r->type == REDIS_REPLY_STRING) {
        if (redis_info_field(r->str, "redis_version", c->version, sizeof c->version) == 0)
            redis_info_clean(c->version);
        if (redis_info_field(r->str, "run_id", run_id, sizeof run_id) == 0)
            redis_info_clean(run_id);
    }
    if (run_id[0] && c->run_id[0] && strcmp(run_id, c->run_id) != 0)
        remember_before_restart(c);
    if (run_id[0])
        str_copy(c->run_id, run_id, sizeof c->run_id);
    freeReplyObject(r);
    return 0;
}

/* The COUNT of this tick's SCANs: as many keys as keep one call under half of
 * COST_COMMAND_MAX_US of Redis time, by the budget's per-key cost. */
static int scan_count_for_tick(struct streams_collector *c)
{
    int max = c->cfg.scan_count > 0 ? c->cfg.scan_count : 1000;
    int n = cost_scan_count(c->cfg.budget, SCAN_COUNT_MIN, max);   /* no budget: by the table */
    if (c->cfg.budget)
        cost_note_scan_count(c->cfg.budget, n);
    return n;
}

static double scan_cost(struct streams_collector *c)
{
    return c->cfg.budget ? COST_DISPATCH_US + c->scan_count_now *
                                                  cost_of(c->cfg.budget, COST_SCAN_KEY)
                         : 0;
}

/* The next SCAN command of the pass. count must have room for 24 bytes. */
void sc_scan_argv(struct streams_collector *c, bool full, const char *argv[8], char *count)
{
    (void)full;
    snprintf(count, 24, "%d", c->scan_count_now);
    argv[0] = "SCAN";
    argv[1] = c->cursor;
    argv[2] = "MATCH";
    argv[3] = c->cfg.match;
    argv[4] = "COUNT";
    argv[5] = count;
    argv[6] = "TYPE";
    argv[7] = "stream";
}

/* Takes a SCAN reply: new cursor, keys. Returns 1 when the pass ended, 0 when more remains,
 * -1 with err filled. The reply is not freed here. */
int sc_scan_apply(struct streams_collector *c, const redisReply *r, char *err, size_t errlen)
{
    if (r->type == REDIS_REPLY_ERROR)
        return sc_fail_reply(c, "SCAN refused", r, err, errlen);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY ||
        r->element[0]->len >= sizeof c->cursor) {
        snprintf(err, errlen, "unexpected SCAN reply from %s", c->url);
        return -1;
    }
    memcpy(c->cursor, r->element[0]->str, r->element[0]->len + 1);
    const redisReply *keys = r->element[1];
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        if (k->type == REDIS_REPLY_STRING)
            add_fresh(c, k->str, k->len);
    }
    c->keys_scanned_pass += (long long)keys->elements;
    if (strcmp(c->cursor, "0") == 0) {
        c->scan_complete = true;
        c->passes_on_session++;
        c->keys_scanned_last = c->keys_scanned_pass;
        c->keys_scanned_pass = 0;
        return 1;
    }
    return 0;
}

/* One SCAN round trip on its own; same returns as scan_apply. */
static int scan_step(struct streams_collector *c, bool full, char *err, size_t errlen)
{
    const char *argv[8];
    char count[24];
    sc_scan_argv(c, full, argv, count);
    redisReply *r = redis_io_command_argv(c->ctx, 8, argv, NULL);
    c->round_trips++;
    if (!r)
        return sc_fail_io(c, "SCAN", err, errlen);
    int rc = sc_scan_apply(c, r, err, errlen);
    freeReplyObject(r);
    return rc;
}

bool sc_is_focus(const struct streams_collector *c, const struct tracked *t)
{
    return c->focus.len && bytes_cmp(&c->focus, &t->info->key) == 0;
}

/* Discovery from the keys collector's walk (stream_feed.h). Takes the names it met since the
 * last tick; once our own pass on this connection is over and the walk is running, our SCAN
 * stops and the walk's pass ends drop what it did not meet. Only the default MATCH "*": a glob
 * would have to be matched here exactly as Redis does. Returns whether a pass ended. */
static bool feed_step(struct streams_collector *c)
{
    if (!c->cfg.feed || strcmp(c->cfg.match, "*") != 0)
        return false;
    struct stream_feed_take ft;
    stream_feed_take(c->cfg.feed, &ft);
    if (!ft.up) {
        c->feed_mode = false;   /* the walk stopped: ours goes on from cursor 0 */
    } else if (!c->feed_mode && c->passes_on_session > 0 && strcmp(c->cursor, "0") == 0) {
        /* between two passes of ours: the walk's pass in progress began before, so only the
         * next one may drop streams */
        c->feed_mode = true;
        c->feed_enter_id = ft.pass_id;
    }
    bool ended = false;
    size_t first = c->feed_mode ? ft.ended_n : ft.n;
    for (size_t i = 0; i < first; i++)
        add_fresh(c, ft.names[i].ptr, ft.names[i].len);
    merge_fresh(c);
    if (c->feed_mode && ft.ended && ft.whole && ft.ended_id > c->feed_enter_id) {
        compact(c, true);
        c->pass++;
        ended = true;
    }
    for (size_t i = first; i < ft.n; i++)
        add_fresh(c, ft.names[i].ptr, ft.names[i].len);
    merge_fresh(c);
    stream_feed_take_free(&ft);
    return ended;
}

/* One tick. full (--once, bench): finish the SCAN pass and read every stream, without a
 * budget; otherwise spend what the budget allows (see the top of this file). When streams are
 * already known, the tick's first SCAN rides the first read batch; more SCAN calls, if the
 * pass goes on and the discovery share allows, follow the reading. */
static int tick(struct streams_collector *c, bool full, char *err, size_t errlen)
{
    int64_t start = mono_ms();
    c->round_trips = 0;
    c->refreshed = 0;
    c->denied = 0;
    c->denied_error[0] = '\0';
    c->spent_us = 0;
    c->probes = 0;
    c->tick_no++;
    if (ensure_connected(c, err, errlen) < 0)
        return -1;
    c->scan_count_now = scan_count_for_tick(c);

    bool feed_ended = !full && feed_step(c);

    /* what this tick may spend, split between discovery and reading */
    struct cost_budget *bud = full ? NULL : c->cfg.budget;
    double allow = bud ? cost_budget_allow(bud, COST_WHO_STREAMS, start, 1e12) : 1e18;
    double disc_room = c->feed_mode && !full ? 0
                       : allow * (c->scan_complete ? SHARE_DISCOVERY : SHARE_DISCOVERY_FIRST);
    double read_room = allow - disc_room;
    c->tick_allow_us = bud ? allow : -1;
    double per_scan = bud ? scan_cost(c) : 0;
    int scan_calls_max = full ? 1 << 30 : c->cfg.scan_calls_per_tick;
    if (bud && per_scan > 0 && disc_room / per_scan < scan_calls_max)
        scan_calls_max = (int)(disc_room / per_scan);
    if (c->feed_mode && !full)
        scan_calls_max = 0;

    struct plan plan = { 0 };
    bool pass_ended = false, scan_rides = c->count > 0 && scan_calls_max > 0;
    int scan_calls = 0, rc = 0;
    if (!c->count) {
        /* nothing known yet (first tick, empty keyspace): discover first, then read */
        while (scan_calls < scan_calls_max) {
            scan_calls++;
            c->spent_us += per_scan;
            int r = scan_step(c, full, err, errlen);
            if (r < 0)
                goto fail;
            if (r == 1) {
                pass_ended = true;
                break;
            }
            if (!full && mono_ms() - start > c->cfg.budget_ms / 4)
                break;
        }
        merge_fresh(c);
    }

    struct tracked *focus = c->focus.len ? find_tracked(c, c->focus.ptr, c->focus.len) : NULL;
    if (full) {
        /* every stream once: a first read's XINFO STREAM and XINFO GROUPS follow in the
         * later round trips of read_streams */
        for (size_t i = 0; i < c->count; i++)
            sc_plan_add(c, &plan, i);
    } else {
        if (focus) {
            sc_plan_add(c, &plan, (size_t)(focus - c->items));
            read_room -= sc_read_cost(c, focus, sc_groups_readable(c, focus));
        }
        if (bud && sc_probe_streams(c, read_room * SHARE_PROBE, start, err, errlen) < 0)
            goto fail;
        double room = read_room - c->spent_us;
        double hot = sc_plan_hot(c, &plan, room * SHARE_HOT / (1.0 - SHARE_PROBE), start);
        sc_plan_cold(c, &plan, room - hot, start);
    }
    c->scan_result = 0;
    rc = sc_read_streams(c, full, start, &plan, true, scan_rides, err, errlen);
    sc_plan_clear(c, &plan);
    if (rc < 0)
        goto fail;
    if (scan_rides) {
        c->spent_us += per_scan;
        scan_calls = 1;
        pass_ended = c->scan_result == 1;
        while (!pass_ended && scan_calls < scan_calls_max &&
               (full || mono_ms() - start <= c->cfg.budget_ms)) {
            scan_calls++;
            c->spent_us += per_scan;
            int r = scan_step(c, full, err, errlen);
            if (r < 0)
                goto fail;
            pass_ended = r == 1;
        }
        merge_fresh(c);
    }
    if (pass_ended) {
        compact(c, true);
        c->pass++;
    }
    if ((pass_ended || feed_ended) && c->lost_pending && !full)
        compute_lost(c);
    if (full) {
        /* streams this pass found that the reading above could not know about yet (and any
         * whose groups could not be read with it) */
        for (size_t i = 0; i < c->count; i++) {
            const struct tracked *t = &c->items[i];
            if (!t->sampled || (!t->groups_read && t->info->group_count > 0 &&
                                sc_groups_readable(c, t)))
                sc_plan_add(c, &plan, i);
        }
        rc = plan.n ? sc_read_streams(c, true, start, &plan, false, false, err, errlen) : 0;
        sc_plan_clear(c, &plan);
        if (rc < 0)
            goto fail;
    }
    free(plan.idx);
    plan.idx = NULL;
    if (bud)
        cost_budget_charge(bud, COST_WHO_STREAMS, c->spent_us, mono_ms());
    if (full && c->lost_pending && c->scan_complete)
        compute_lost(c);
    /* a stream may be asked twice in a tick (XINFO STREAM, then its groups): count streams */
    c->refreshed = c->denied = 0;
    for (size_t i = 0; i < c->count; i++) {
        if (c->items[i].tick_read != c->tick_no)
            continue;
        c->refreshed++;
        c->denied += c->items[i].denied;
    }
    if (c->denied && c->denied == c->refreshed) {
        /* Not one stream could be read: a missing command permission, not a key pattern. */
        str_copy(err, c->denied_error, errlen);
        goto fail;
    }
    /* Drop consumer lists of streams that are no longer the focus. */
    for (size_t i = 0; i < c->count; i++) {
        struct tracked *t = &c->items[i];
        if (!t->listed || sc_is_focus(c, t))
            continue;
        for (size_t g = 0; g < sc_own(t)->group_len; g++)
            sc_parse_consumers(&t->info->groups[g], NULL);
        t->listed = false;
    }
    compact(c, false);
    return 0;

fail:
    sc_plan_clear(c, &plan);
    free(plan.idx);
    if (bud)
        cost_budget_charge(bud, COST_WHO_STREAMS, c->spent_us, mono_ms());
    /* Replies of batches still in flight would be read as answers to the next commands. */
    disconnect(c);
    return -1;
}

static struct snapshot *build_snapshot(struct streams_collector *c, enum conn_state state,
                                       const char *error, int64_t retry_in_ms)
{
    struct snapshot *snap = snapshot_new(SNAPSHOT_REDIS);
    snap->node = c->cfg.node;
    struct redis_snapshot *r = &snap->redis;
    str_copy(r->url, c->url, sizeof r->url);
    r->tls = c->cfg.target.tls;
    r->tls_unverified = r->tls && c->cfg.target.tls_opts && c->cfg.target.tls_opts->insecure;
    r->state = state;
    str_copy(r->error, error ? error : "", sizeof r->error);
    r->retry_in_ms = retry_in_ms;
    str_copy(r->version, c->version, sizeof r->version);
    str_copy(r->role, c->role, sizeof r->role);
    str_copy(r->master, c->master, sizeof r->master);
    str_copy(r->previous_master, c->previous_master, sizeof r->previous_master);
    r->master_changed_wall_ms = c->master_changed_wall_ms;
    r->server_time_ms = c->server_ms;
    r->sampled_mono_ms = mono_ms();
    if (state == CONN_UP)
        c->last_ok_mono_ms = r->sampled_mono_ms;
    r->last_ok_mono_ms = c->last_ok_mono_ms;
    r->sample_seq = ++c->seq;
    r->scan_complete = c->scan_complete;
    r->keys_scanned = c->scan_complete ? c->keys_scanned_last : c->keys_scanned_pass;
    r->streams_refreshed = c->refreshed;
    r->round_trips = c->round_trips;
    r->lost_known = c->lost_known;
    if (c->lost_count) {
        r->lost = xcalloc(c->lost_count, sizeof *r->lost);
        for (size_t i = 0; i < c->lost_count; i++) {
            r->lost[i] = c->lost[i];
            bytes_set(&r->lost[i].key, c->lost[i].key.ptr, c->lost[i].key.len);
        }
        r->lost_count = c->lost_count;
    }
    r->streams_denied = (long long)c->denied;
    str_copy(r->denied_error, c->denied_error, sizeof r->denied_error);
    /* every stream found is listed; one not read yet has sampled_mono_ms 0 and unknowns */
    size_t n = 0;
    int64_t now = r->sampled_mono_ms;
    struct redis_cost *co = &r->cost;
    co->budgeted = c->cfg.budget && c->tick_allow_us >= 0;
    if (c->cfg.budget)
        cost_budget_report(c->cfg.budget, now, &co->report);
    co->tick_us = c->spent_us;
    co->scan_count = c->scan_count_now;
    co->probes = c->probes;
    co->cycle_ms = c->cycle_ms;
    co->shared_walk = c->feed_mode;
    co->probe_cycle_ms = c->probe_cycle_ms;
    for (size_t i = 0; i < c->count; i++) {
        const struct tracked *t = &c->items[i];
        if (t->denied || t->gone)
            continue;
        n++;
        if (!t->sampled)
            continue;
        co->streams_read++;
        int64_t age = now - t->info->sampled_mono_ms;
        if (!c->cycle_ms || age <= c->cycle_ms)
            co->streams_in_cycle++;
        if (age > co->oldest_read_ms)
            co->oldest_read_ms = age;
    }
    /* the snapshot shares the records: a stream not read since the last one costs a
     * reference, not a copy */
    r->streams = n ? xmalloc(n * sizeof *r->streams) : NULL;
    r->keys_sorted = true;   /* items[] is kept sorted */
    for (size_t i = 0; i < c->count && r->stream_count < n; i++)
        if (!c->items[i].denied && !c->items[i].gone)
            r->streams[r->stream_count++] = stream_info_ref(c->items[i].info);
    return snap;
}

struct snapshot *streams_collector_sample_full(struct streams_collector *c, char *err,
                                               size_t errlen)
{
    int64_t start = mono_ms();
    if (tick(c, true, err, errlen) < 0)
        return NULL;
    struct snapshot *s = build_snapshot(c, CONN_UP, NULL, 0);
    s->redis.sample_duration_ms = mono_ms() - start;
    return s;
}

static void streams_before_tick(void *self, struct hub *hub)
{
    struct streams_collector *c = self;
    struct bytes focus;
    hub_get_focus(hub, &focus);
    bytes_free(&c->focus);
    c->focus = focus;
}

static int streams_tick(void *self, char *err, size_t errlen)
{
    return tick(self, false, err, errlen);
}

static struct snapshot *streams_build(void *self, enum conn_state state, const char *error,
                                      int64_t retry_in_ms)
{
    return build_snapshot(self, state, error, retry_in_ms);
}

static void streams_disconnect(void *self)
{
    disconnect(self);
}

static const struct collector_class streams_class = {
    .name = "streams",
    .before_tick = streams_before_tick,
    .tick = streams_tick,
    .build = streams_build,
    .disconnect = streams_disconnect,
};

int streams_collector_start(struct streams_collector *c)
{
    return collector_thread_start(&c->thread, &streams_class, c, c->hub, c->cfg.interval_ms);
}

void streams_collector_stop(struct streams_collector *c)
{
    collector_thread_stop(&c->thread);
}

void streams_collector_retire(struct streams_collector *c)
{
    collector_thread_retire(&c->thread);
}
