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
 * each tick publishes a deep copy as an immutable snapshot. */
#include "redis_streams.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "cost.h"
#include "reply_arena.h"
#include "redis_io.h"
#include "util.h"

struct tracked {
    struct stream_info *info;   /* a shared record: written only through own() */
    uint64_t seen_pass;   /* last SCAN pass that returned this key */
    bool sampled;         /* read at least once */
    bool groups_read;     /* read with its groups (a first read asks XINFO STREAM only) */
    bool changed;         /* read next tick: it moved, or the last read lacked its groups */
    bool moved;           /* a probe or the last read saw it move: read before the others */
    bool probed;          /* probe_len holds a probe's XLEN */
    long long probe_len;  /* of a stream not read yet: its last probe's XLEN (-1 not a length) */
    bool gone;            /* the key vanished or changed type: drop at the next compaction */
    bool denied;          /* this tick's read was refused (NOPERM): not shown */
    bool planned;         /* in this tick's plan already */
    uint64_t tick_read;   /* the last tick that asked for it */
    bool size_known;      /* entry_bytes holds a measure */
    long long entry_bytes;   /* one entry's size, roughly: MEMORY USAGE / XLEN, or the two
                              * entries of its last XINFO STREAM reply */
    unsigned heavy_reads; /* reads with XLEN since its size was last measured */
    bool listed;          /* some group of its record holds a consumer list */
    bool busy;            /* busy(info) as of its last read: the hot list looks at every
                           * stream every tick, and the records are all over the heap */
};

/* A stream with outstanding work (lag or pending entries) is re-read at least this often,
 * budget permitting, even when nothing about it moved. */
#define BUSY_REREAD_MS 5000
/* The cold rotation starts a new cycle at most this often: a stream that did not move (its
 * XLEN probes the same, no work outstanding) is re-read no more often than this. */
#define COLD_CYCLE_MIN_MS 5000
/* Shares of a tick's allowance: the rest goes to the cold rotation. */
#define SHARE_DISCOVERY_FIRST 0.9   /* until the first full SCAN pass: names first */
#define SHARE_DISCOVERY 0.15
#define SHARE_HOT 0.3
#define SHARE_PROBE 0.55
#define SCAN_COUNT_MIN 10
/* A stream too heavy for XINFO STREAM has its size measured again after this many reads: its
 * entries may have become small (a trim, a new producer). */
#define HEAVY_RECHECK_READS 32

struct streams_collector {
    struct streams_config cfg;
    struct hub *hub;
    struct collector_thread thread;

    redisContext *ctx;
    char url[512];
    char version[32];
    char role[16];

    char cursor[32];
    uint64_t pass;
    bool scan_complete;
    long long keys_scanned_pass;
    long long keys_scanned_last;
    unsigned passes_on_session;   /* own SCAN passes ended on this connection */
    bool feed_mode;               /* discovery from cfg.feed instead of our own SCAN */
    bool memory_refused;          /* MEMORY USAGE is not allowed (ACL) or not known here */
    bool xlen_refused;            /* XLEN is not allowed: XINFO STREAM for every stream */
    uint64_t feed_enter_id;       /* the feed's pass in progress when feed_mode began */

    struct tracked *items;        /* sorted by key */
    size_t count, cap;
    struct bytes *fresh;          /* keys SCAN found this tick that are not tracked yet */
    size_t fresh_count, fresh_cap;
    size_t rr_next;               /* cold rotation: where the next tick starts */
    size_t probe_next;            /* probe rotation */
    int64_t cycle_start_ms, probe_cycle_start_ms;
    int64_t cycle_ms, probe_cycle_ms;   /* the last complete rotations; 0 none yet */
    double spent_us;              /* estimated Redis time of this tick */
    double tick_allow_us;
    size_t probes;                /* XLEN probes this tick */
    size_t probed_in_cycle;
    uint64_t tick_no;             /* ticks so far */
    int scan_count_now;           /* COUNT of this tick's SCANs */

    struct bytes focus;           /* stream whose consumers are read */
    struct reply_arena arena;     /* replies of the batch being read */
    unsigned round_trips;
    size_t refreshed;
    uint64_t seq;
    int64_t server_ms;
    int64_t last_ok_mono_ms;      /* when a tick last succeeded */
    size_t denied;                /* streams refused this tick (NOPERM on their key) */
    int scan_result;              /* of the SCAN that rode a batch: 1 pass ended, 0 more */

    /* restarts: streams known before, compared after the next full pass */
    char run_id[48];
    struct lost_stream *before;   /* what was known when a new run_id appeared */
    size_t before_count;
    bool lost_pending;            /* waiting for a full pass to compare */
    struct lost_stream *lost;     /* vanished or shrank across the last restart */
    size_t lost_count;
    bool lost_known;
    char denied_error[200];       /* the first such refusal, as a user-facing line */
};

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

/* ---- reply helpers ---------------------------------------------------------------------- */

/* Value of a field in a flat [name, value, name, value, ...] array, or NULL. */
static redisReply *field(const redisReply *arr, const char *name)
{
    if (!arr || arr->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < arr->elements; i += 2) {
        const redisReply *k = arr->element[i];
        if ((k->type == REDIS_REPLY_STRING || k->type == REDIS_REPLY_STATUS) &&
            strcmp(k->str, name) == 0)
            return arr->element[i + 1];
    }
    return NULL;
}

/* Integer (or numeric string) value; QT_UNKNOWN for nil, absent or junk. */
static long long as_ll(const redisReply *r)
{
    long long v;
    if (!r)
        return QT_UNKNOWN;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_STRING && parse_ll(r->str, r->len, &v) == 0)
        return v;
    return QT_UNKNOWN;
}

static void as_id(const redisReply *r, char *buf, size_t buflen)
{
    buf[0] = '\0';
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
        r->len < buflen) {
        struct stream_id id;
        if (stream_id_parse(r->str, r->len, &id) == 0)
            memcpy(buf, r->str, r->len + 1);
    }
}

static bool is_error(const redisReply *r, const char *prefix)
{
    return r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, prefix, strlen(prefix)) == 0;
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
static struct stream_info *own(struct tracked *t)
{
    return t->info = stream_info_writable(t->info);
}

/* Outstanding work: pending entries, lag, or groups still to read. */
static bool busy(const struct stream_info *s)
{
    return s->pending_total > 0 || s->max_lag > 0 || s->groups_unread;
}

/* The derived figures of t's record, after a read wrote it. */
static void derive(struct tracked *t)
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

static int fail_io(struct streams_collector *c, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "lost connection to %s during %s: %s", c->url, what,
             c->ctx && c->ctx->errstr[0] ? c->ctx->errstr : "no reply");
    disconnect(c);
    return -1;
}

static int fail_reply(struct streams_collector *c, const char *what, const redisReply *r,
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
static void deny_stream(struct streams_collector *c, struct tracked *t, const redisReply *r)
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
    /* A new session: the old cursor means nothing now (the server may have restarted). */
    str_copy(c->cursor, "0", sizeof c->cursor);
    c->pass++;
    c->keys_scanned_pass = 0;
    c->passes_on_session = 0;
    c->feed_mode = false;   /* a pass of our own first: the server may have restarted */
    redisReply *r = redis_io_command(c->ctx, "INFO server");
    c->round_trips++;
    if (!r)
        return fail_io(c, "INFO", err, errlen);
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
static void scan_argv(struct streams_collector *c, bool full, const char *argv[8], char *count)
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
static int scan_apply(struct streams_collector *c, const redisReply *r, char *err, size_t errlen)
{
    if (r->type == REDIS_REPLY_ERROR)
        return fail_reply(c, "SCAN refused", r, err, errlen);
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
    scan_argv(c, full, argv, count);
    redisReply *r = redis_io_command_argv(c->ctx, 8, argv, NULL);
    c->round_trips++;
    if (!r)
        return fail_io(c, "SCAN", err, errlen);
    int rc = scan_apply(c, r, err, errlen);
    freeReplyObject(r);
    return rc;
}

static void parse_stream(struct stream_info *s, const redisReply *r)
{
    s->length = as_ll(field(r, "length"));
    if (s->length < 0)
        s->length = 0;
    s->entries_added = as_ll(field(r, "entries-added"));
    s->group_count = as_ll(field(r, "groups"));
    as_id(field(r, "last-generated-id"), s->last_id, sizeof s->last_id);
    s->first_id[0] = '\0';
    if (s->length > 0) {
        const redisReply *first = field(r, "first-entry");
        if (first && first->type == REDIS_REPLY_ARRAY && first->elements >= 1)
            as_id(first->element[0], s->first_id, sizeof s->first_id);
        else
            as_id(field(r, "recorded-first-entry-id"), s->first_id, sizeof s->first_id);
    }
}

static void free_groups(struct stream_info *s)
{
    struct stream_info tmp = { 0 };
    tmp.groups = s->groups;
    tmp.group_len = s->group_len;
    tmp.key.ptr = NULL;
    stream_info_free(&tmp);
    s->groups = NULL;
    s->group_len = 0;
}

static int group_name_cmp(const void *pa, const void *pb)
{
    const struct group_info *a = pa, *b = pb;
    return bytes_cmp(&a->name, &b->name);
}

/* Groups are kept sorted by name bytes (Redis lists them so; a reply is not trusted to), so that
 * a reply about a group finds it in O(log groups): a stream with 20,000 groups was quadratic. */
static void parse_groups(struct stream_info *s, const redisReply *r)
{
    free_groups(s);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
        return;
    s->groups = xcalloc(r->elements, sizeof *s->groups);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *g = r->element[i];
        const redisReply *name = field(g, "name");
        if (!name || name->type != REDIS_REPLY_STRING)
            continue;
        struct group_info *gi = &s->groups[s->group_len++];
        bytes_set(&gi->name, name->str, name->len);
        bytes_set(&gi->oldest_consumer, "", 0);
        gi->consumers = as_ll(field(g, "consumers"));
        gi->pending = as_ll(field(g, "pending"));
        if (gi->pending < 0)
            gi->pending = 0;
        as_id(field(g, "last-delivered-id"), gi->last_delivered_id, sizeof gi->last_delivered_id);
        gi->entries_read = as_ll(field(g, "entries-read"));
        gi->lag = as_ll(field(g, "lag"));
        gi->oldest_age_ms = gi->oldest_idle_ms = gi->oldest_deliveries = QT_UNKNOWN;
    }
    if (s->group_len > 1)
        qsort(s->groups, s->group_len, sizeof *s->groups, group_name_cmp);
}

/* XPENDING key group - + 1  ->  [[id, consumer, idle-ms, deliveries]] or [] */
static void parse_oldest(struct group_info *g, const redisReply *r, int64_t server_ms)
{
    g->has_oldest = false;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return;
    const redisReply *e = r->element[0];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 || e->element[0]->type != REDIS_REPLY_STRING)
        return;
    struct stream_id id;
    if (stream_id_parse(e->element[0]->str, e->element[0]->len, &id) < 0 ||
        e->element[0]->len >= sizeof g->oldest_id)
        return;
    g->has_oldest = true;
    memcpy(g->oldest_id, e->element[0]->str, e->element[0]->len + 1);
    g->oldest_age_ms = stream_id_age_ms(id, server_ms);
    if (e->element[1]->type == REDIS_REPLY_STRING) {
        bytes_free(&g->oldest_consumer);
        bytes_set(&g->oldest_consumer, e->element[1]->str, e->element[1]->len);
    }
    g->oldest_idle_ms = as_ll(e->element[2]);
    g->oldest_deliveries = as_ll(e->element[3]);
}

static void parse_consumers(struct group_info *g, const redisReply *r)
{
    for (size_t i = 0; i < g->consumer_count; i++)
        bytes_free(&g->consumer_list[i].name);
    free(g->consumer_list);
    g->consumer_list = NULL;
    g->consumer_count = 0;
    g->has_consumer_list = false;
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return;
    g->has_consumer_list = true;
    if (r->elements == 0)
        return;
    g->consumer_list = xcalloc(r->elements, sizeof *g->consumer_list);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *name = field(r->element[i], "name");
        if (!name || name->type != REDIS_REPLY_STRING)
            continue;
        struct consumer_info *ci = &g->consumer_list[g->consumer_count++];
        bytes_set(&ci->name, name->str, name->len);
        ci->pending = as_ll(field(r->element[i], "pending"));
        ci->idle_ms = as_ll(field(r->element[i], "idle"));
        ci->inactive_ms = as_ll(field(r->element[i], "inactive"));
    }
}

static bool is_focus(const struct streams_collector *c, const struct tracked *t)
{
    return c->focus.len && bytes_cmp(&c->focus, &t->info->key) == 0;
}

/* ---- what a read costs, and what is worth reading ---------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static uint64_t mix_str(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return mix(h, n);
}

/* What moves when a stream is written to or consumed from (not ages: they move with time). */
static uint64_t stream_signature(const struct stream_info *s, bool with_groups)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = mix(h, (uint64_t)s->length);
    h = mix(h, (uint64_t)s->entries_added);
    h = mix(h, (uint64_t)s->group_count);
    h = mix_str(h, s->last_id, strlen(s->last_id));
    for (size_t g = 0; with_groups && g < s->group_len; g++) {
        const struct group_info *gi = &s->groups[g];
        h = mix(h, (uint64_t)gi->pending);
        h = mix(h, (uint64_t)gi->lag);
        h = mix(h, (uint64_t)gi->entries_read);
        h = mix(h, (uint64_t)gi->consumers);
        h = mix_str(h, gi->last_delivered_id, strlen(gi->last_delivered_id));
    }
    return h;
}

/* XINFO GROUPS costs Redis time in proportion to the groups (6.3 ms at 10,000): it is asked
 * only when the count is known (from XINFO STREAM, or the size of the last XINFO GROUPS) and
 * the call stays well under COST_COMMAND_MAX_US. */
static bool groups_readable(struct streams_collector *c, const struct tracked *t)
{
    if (!t->sampled || t->info->group_count < 0)
        return false;
    if (!c->cfg.budget)
        return t->info->group_count <= STREAM_GROUPS_READ_MAX;
    return cost_xinfo_groups(c->cfg.budget, t->info->group_count) <= COST_COMMAND_MAX_US / 2.0;
}

/* XINFO CONSUMERS of the focused stream, when the group's consumers are few enough. */
static bool consumers_readable(struct streams_collector *c, const struct tracked *t,
                               const struct group_info *g)
{
    return is_focus(c, t) && g->consumers <= STREAM_CONSUMERS_READ_MAX;
}

/* Whether XINFO STREAM may be asked of t: its entries are known to be small enough
 * (STREAM_ENTRY_LIGHT_BYTES). When MEMORY USAGE cannot be asked, a stream is taken as light
 * until one XINFO STREAM reply shows otherwise. */
static bool stream_light(const struct streams_collector *c, const struct tracked *t)
{
    if (c->xlen_refused)
        return true;
    if (!t->size_known)
        return c->memory_refused;
    return t->entry_bytes <= STREAM_ENTRY_LIGHT_BYTES;
}

/* Whether this read of t measures its size with MEMORY USAGE (SAMPLES 1: one listpack node,
 * whatever the stream's size): on a first read, and now and then for a heavy stream. */
static bool size_wanted(const struct streams_collector *c, const struct tracked *t)
{
    if (c->memory_refused)
        return false;
    return !t->size_known ||
           (t->entry_bytes > STREAM_ENTRY_LIGHT_BYTES && t->heavy_reads >= HEAVY_RECHECK_READS);
}

/* The bytes of the first and last entries of an XINFO STREAM reply (ids, fields, values), per
 * entry; -1 when it holds none. */
static long long reply_entry_bytes(const redisReply *r)
{
    static const char *const names[] = { "first-entry", "last-entry" };
    long long bytes = 0;
    int entries = 0;
    for (int n = 0; n < 2; n++) {
        const redisReply *e = field(r, names[n]);
        if (!e || e->type != REDIS_REPLY_ARRAY || e->elements != 2)
            continue;
        entries++;
        bytes += e->element[0]->type == REDIS_REPLY_STRING ? (long long)e->element[0]->len : 0;
        const redisReply *fv = e->element[1];
        for (size_t i = 0; fv->type == REDIS_REPLY_ARRAY && i < fv->elements; i++)
            if (fv->element[i]->type == REDIS_REPLY_STRING)
                bytes += (long long)fv->element[i]->len;
    }
    return entries ? bytes / entries : -1;
}

/* An XINFO STREAM reply into t (own()ed by the caller): its figures, and the size of its two
 * entries. */
static void take_xinfo_stream(struct tracked *t, const redisReply *r)
{
    parse_stream(t->info, r);
    t->info->xinfo_stream = true;
    long long per_entry = reply_entry_bytes(r);
    if (per_entry >= 0) {
        t->entry_bytes = per_entry;
        t->size_known = true;
    }
}

/* What a first read of t asks after round trip A (XINFO STREAM, XINFO GROUPS of a few
 * groups): planned with the read, charged when asked (add_fix). */
static double first_read_rest(struct streams_collector *c, const struct tracked *t)
{
    struct cost_budget *b = c->cfg.budget;
    if (!b || t->sampled)
        return 0;
    return cost_of(b, COST_XINFO_STREAM) + cost_xinfo_groups(b, 1);
}

/* Estimated Redis time of one read of t: round trip A, and for a first read what follows. */
static double read_cost(struct streams_collector *c, const struct tracked *t, bool with_groups)
{
    struct cost_budget *b = c->cfg.budget;
    if (!b)
        return 0;
    double us = cost_of(b, stream_light(c, t) ? COST_XINFO_STREAM : COST_XLEN) +
                cost_of(b, COST_PTTL) + first_read_rest(c, t);
    if (size_wanted(c, t))
        us += cost_of(b, COST_SMALL);
    if (with_groups) {
        us += cost_xinfo_groups(b, t->info->group_count);
        for (size_t g = 0; g < t->info->group_len; g++) {
            if (t->info->groups[g].pending > 0)
                us += cost_of(b, COST_XPENDING);
            if (consumers_readable(c, t, &t->info->groups[g]))
                us += cost_of(b, COST_XINFO_CONSUMERS);
        }
    }
    return us;
}

/* ---- pipelines ---------------------------------------------------------------------------
 * Commands are written as RESP text into one buffer per round trip and handed to hiredis with a
 * single redisAppendFormattedCommand: hiredis 0.14's printf-style formatter costs more CPU than
 * Redis spends executing these commands (see make bench). */

struct cmdbuf {
    char *p;
    size_t len, cap;
    size_t count;   /* commands in the buffer */
};

static void cmdbuf_put(struct cmdbuf *b, const char *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

/* "<sigil><n>\r\n" into head (at least 24 bytes); returns its length. snprintf took a tenth
 * of --once's CPU here. */
static size_t resp_header(char *head, char sigil, size_t n)
{
    char digits[24];
    size_t d = 0;
    do {
        digits[d++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    size_t len = 0;
    head[len++] = sigil;
    while (d)
        head[len++] = digits[--d];
    head[len++] = '\r';
    head[len++] = '\n';
    return len;
}

/* Appends one command; args are (pointer, length) pairs. */
static void cmdbuf_add(struct cmdbuf *b, int argc, const char *const *argv, const size_t *lens)
{
    char head[32];
    cmdbuf_put(b, head, resp_header(head, '*', (size_t)argc));
    for (int i = 0; i < argc; i++) {
        size_t l = lens ? lens[i] : strlen(argv[i]);
        cmdbuf_put(b, head, resp_header(head, '$', l));
        cmdbuf_put(b, argv[i], l);
        cmdbuf_put(b, "\r\n", 2);
    }
    b->count++;
}

static void cmd_key(struct cmdbuf *b, const char *a, const char *sub, const struct bytes *k)
{
    const char *argv[] = { a, sub, k->ptr };
    size_t lens[] = { strlen(a), strlen(sub), k->len };
    cmdbuf_add(b, 3, argv, lens);
}

/* XPENDING k g - + 1 (the head of the PEL) or XINFO CONSUMERS k g. */
static void cmd_group(struct cmdbuf *b, bool consumers, const struct bytes *k, const struct bytes *g)
{
    if (consumers) {
        const char *argv[] = { "XINFO", "CONSUMERS", k->ptr, g->ptr };
        size_t lens[] = { 5, 9, k->len, g->len };
        cmdbuf_add(b, 4, argv, lens);
    } else {
        const char *argv[] = { "XPENDING", k->ptr, g->ptr, "-", "+", "1" };
        size_t lens[] = { 8, k->len, g->len, 1, 1, 1 };
        cmdbuf_add(b, 6, argv, lens);
    }
}

static void cmdbuf_send(redisContext *ctx, struct cmdbuf *b)
{
    if (b->len)
        redisAppendFormattedCommand(ctx, b->p, b->len);
    b->len = 0;
}

/* A per-group request of round trip A, matched to its group by name after XINFO GROUPS
 * (groups may come and go between samples). */
struct group_req {
    size_t item;        /* index into items */
    struct bytes group;
    bool consumers;     /* XINFO CONSUMERS, else XPENDING */
};

/* A request of a later round trip (B, C or D), matched by name too: nothing may hold an index
 * into a groups[] array across a round trip. */
enum fix_kind {
    FIX_PENDING,        /* XPENDING k g - + 1 */
    FIX_CONSUMERS,      /* XINFO CONSUMERS k g */
    FIX_STREAM,         /* XINFO STREAM k: a first read whose size A found small enough */
    FIX_GROUPS,         /* XINFO GROUPS k: a first read, once its group count is known (or,
                         * for a stream too heavy for XINFO STREAM, unknown) */
};

struct group_fix {
    size_t item;
    struct bytes group; /* empty for FIX_STREAM and FIX_GROUPS */
    enum fix_kind kind;
};

/* What round trip A asks of a stream, besides PTTL (always the last of its commands). */
enum {
    ASK_STREAM = 1,     /* XINFO STREAM; else XLEN */
    ASK_MEMORY = 2,     /* MEMORY USAGE k SAMPLES 1 */
    ASK_GROUPS = 4,     /* XINFO GROUPS */
};

/* One later round trip's requests, in sending order, and their commands. */
struct fix_round {
    struct group_fix *fixes;
    size_t nfix, capfix;
    struct cmdbuf b;
};

/* One batch of streams on its way through the pipeline. */
struct batch {
    size_t *idx;              /* indexes into items */
    size_t n;
    bool want_role;
    bool with_scan;           /* the tick's first SCAN rides at the end of round trip A */
    bool full;                /* for the SCAN's COUNT */
    unsigned char *ask;       /* ASK_* of stream i */
    struct group_req *reqs;   /* round trip A's per-group requests, in sending order */
    size_t nreq, capreq;
    size_t *first_req;        /* stream i owns reqs [first_req[i], first_req[i+1]) */
    struct fix_round now;     /* the round trip being read (B, C, then D) */
    struct fix_round next;    /* what its replies ask for */
};

static void fix_round_free(struct fix_round *f)
{
    for (size_t i = 0; i < f->nfix; i++)
        bytes_free(&f->fixes[i].group);
    free(f->fixes);
    free(f->b.p);
    memset(f, 0, sizeof *f);
}

static void batch_free(struct batch *bt)
{
    for (size_t q = 0; q < bt->nreq; q++)
        bytes_free(&bt->reqs[q].group);
    free(bt->reqs);
    free(bt->first_req);
    free(bt->ask);
    fix_round_free(&bt->now);
    fix_round_free(&bt->next);
    free(bt->idx);
    memset(bt, 0, sizeof *bt);
}

static struct group_info *group_by_name(struct stream_info *s, const struct bytes *name)
{
    struct group_info key;
    key.name = *name;
    return s->group_len ? bsearch(&key, s->groups, s->group_len, sizeof *s->groups,
                                  group_name_cmp)
                        : NULL;
}

/* Applies an XPENDING or XINFO CONSUMERS reply to group g of stream t (g NULL: the group is
 * gone). A refusal of this key (NOPERM) leaves the stream out. */
static void apply_group_reply(struct streams_collector *c, struct tracked *t, struct group_info *g,
                              bool consumers, const redisReply *r)
{
    if (is_error(r, "NOPERM"))
        deny_stream(c, t, r);
    if (!g)
        return;
    if (consumers) {
        parse_consumers(g, r);
        t->listed = true;
    }
    else
        parse_oldest(g, r, c->server_ms);
}

/* Writes round trip A of the batch into the connection's output buffer; it leaves with the
 * next redis_io_get_reply, together with anything appended after it. */
static void batch_prepare(struct streams_collector *c, struct batch *bt)
{
    struct cmdbuf out = { 0 };
    const char *time_argv[] = { "TIME" };
    cmdbuf_add(&out, 1, time_argv, NULL);
    if (bt->want_role) {
        const char *info_argv[] = { "INFO", "replication" };
        cmdbuf_add(&out, 2, info_argv, NULL);
    }
    bt->first_req = xcalloc(bt->n + 1, sizeof *bt->first_req);
    bt->ask = xcalloc(bt->n + 1, sizeof *bt->ask);
    for (size_t i = 0; i < bt->n; i++) {
        struct tracked *t = &c->items[bt->idx[i]];
        const struct bytes *k = &t->info->key;
        unsigned char ask = 0;
        if (stream_light(c, t)) {
            ask |= ASK_STREAM;
            cmd_key(&out, "XINFO", "STREAM", k);
        } else {
            const char *xlen[] = { "XLEN", k->ptr };
            size_t xlen_len[] = { 4, k->len };
            cmdbuf_add(&out, 2, xlen, xlen_len);
        }
        if (size_wanted(c, t)) {
            ask |= ASK_MEMORY;
            const char *mu[] = { "MEMORY", "USAGE", k->ptr, "SAMPLES", "1" };
            size_t mu_len[] = { 6, 5, k->len, 7, 1 };
            cmdbuf_add(&out, 5, mu, mu_len);
        }
        /* a stream XINFO STREAM last found without groups is asked XINFO GROUPS only when this
         * one finds some (round trip B) */
        if (groups_readable(c, t) &&
            !((ask & ASK_STREAM) && t->info->xinfo_stream && t->info->group_count == 0)) {
            ask |= ASK_GROUPS;
            cmd_key(&out, "XINFO", "GROUPS", k);
        }
        bt->ask[i] = ask;
        const char *pttl[] = { "PTTL", k->ptr };
        size_t pttl_len[] = { 4, k->len };
        cmdbuf_add(&out, 2, pttl, pttl_len);
        c->spent_us += read_cost(c, t, ask & ASK_GROUPS) - first_read_rest(c, t);
        bt->first_req[i] = bt->nreq;
        for (size_t g = 0; (ask & ASK_GROUPS) && g < t->info->group_len; g++) {
            for (int kind = 0; kind < 2; kind++) {
                bool consumers = kind == 1;
                if (consumers ? !consumers_readable(c, t, &t->info->groups[g])
                              : t->info->groups[g].pending <= 0)
                    continue;
                if (bt->nreq == bt->capreq) {
                    bt->capreq = bt->capreq ? bt->capreq * 2 : 64;
                    bt->reqs = xrealloc(bt->reqs, bt->capreq * sizeof *bt->reqs);
                }
                struct group_req *q = &bt->reqs[bt->nreq++];
                q->item = bt->idx[i];
                q->consumers = consumers;
                bytes_set(&q->group, t->info->groups[g].name.ptr, t->info->groups[g].name.len);
                cmd_group(&out, consumers, k, &q->group);
            }
        }
    }
    bt->first_req[bt->n] = bt->nreq;
    if (bt->with_scan) {
        /* Redis runs it while we parse this batch: discovery costs no extra round trip. */
        const char *argv[8];
        char count[24];
        scan_argv(c, bt->full, argv, count);
        cmdbuf_add(&out, 8, argv, NULL);
    }
    cmdbuf_send(c->ctx, &out);
    free(out.p);
    c->round_trips++;
}

/* Adds a request to round r and charges its estimated cost; name is NULL for FIX_STREAM and
 * FIX_GROUPS. */
static void add_fix(struct streams_collector *c, struct fix_round *r, size_t item,
                    enum fix_kind kind, const struct bytes *key, const struct bytes *name)
{
    r->fixes = xgrow(r->fixes, r->nfix, &r->capfix, 16, sizeof *r->fixes);
    struct group_fix *f = &r->fixes[r->nfix++];
    f->item = item;
    f->kind = kind;
    if (kind == FIX_GROUPS || kind == FIX_STREAM) {
        bytes_set(&f->group, "", 0);
        cmd_key(&r->b, "XINFO", kind == FIX_GROUPS ? "GROUPS" : "STREAM", key);
    } else {
        bytes_set(&f->group, name->ptr, name->len);
        cmd_group(&r->b, kind == FIX_CONSUMERS, key, name);
    }
    struct cost_budget *b = c->cfg.budget;
    if (!b)
        return;
    long long groups = c->items[item].info->group_count;
    switch (kind) {
    case FIX_GROUPS: c->spent_us += cost_xinfo_groups(b, groups > 0 ? groups : 1); break;
    case FIX_STREAM: c->spent_us += cost_of(b, COST_XINFO_STREAM); break;
    case FIX_CONSUMERS: c->spent_us += cost_of(b, COST_XINFO_CONSUMERS); break;
    default: c->spent_us += cost_of(b, COST_XPENDING); break;
    }
}

/* The per-group requests of stream item that `covered` ([2*g] XPENDING, [2*g+1] XINFO
 * CONSUMERS; NULL: none) does not hold yet, into round r. */
static void add_group_fixes(struct streams_collector *c, struct fix_round *r, size_t item,
                            const bool *covered)
{
    struct tracked *t = &c->items[item];
    for (size_t g = 0; g < t->info->group_len; g++) {
        const struct group_info *gi = &t->info->groups[g];
        if (!(covered && covered[2 * g]) && gi->pending > 0)
            add_fix(c, r, item, FIX_PENDING, &t->info->key, &gi->name);
        if (!(covered && covered[2 * g + 1]) && consumers_readable(c, t, gi))
            add_fix(c, r, item, FIX_CONSUMERS, &t->info->key, &gi->name);
    }
}

/* Reads round trip A's replies and applies them; writes into bt->b what round trip B must ask
 * (groups new since the last sample). Replies live in the arena until the end of this call. */
static int batch_collect_a(struct streams_collector *c, struct batch *bt, char *err, size_t errlen)
{
    redisReply *r = NULL;
    int rc = 0;
    bool *covered = NULL;   /* [2*g] XPENDING applied, [2*g+1] XINFO CONSUMERS applied */
    size_t covered_cap = 0;

    reply_arena_attach(&c->arena, c->ctx);
    if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
        rc = fail_io(c, "TIME", err, errlen);
        goto done;
    }
    long long sec = QT_UNKNOWN, usec = QT_UNKNOWN;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        sec = as_ll(r->element[0]);
        usec = as_ll(r->element[1]);
    }
    if (sec >= 0 && sec < 100000000000LL && usec >= 0 && usec < 1000000)
        c->server_ms = sec * 1000 + usec / 1000;
    else
        rc = fail_reply(c, "TIME failed", r, err, errlen);
    if (bt->want_role) {
        if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
            rc = fail_io(c, "INFO", err, errlen);
            goto done;
        }
        if (r->type == REDIS_REPLY_STRING &&
            redis_info_field(r->str, "role", c->role, sizeof c->role) == 0)
            redis_info_clean(c->role);
    }

    int64_t now_mono = mono_ms();
    for (size_t i = 0; i < bt->n; i++) {
        struct tracked *t = &c->items[bt->idx[i]];
        redisReply *rs = NULL, *rm = NULL, *rg = NULL, *rt = NULL;
        static redisReply no_groups = { .type = REDIS_REPLY_ARRAY };
        unsigned ask = bt->ask[i];
        bool wg = ask & ASK_GROUPS, xs = ask & ASK_STREAM;
        if (redis_io_get_reply(c->ctx, (void **)&rs) != REDIS_OK ||
            ((ask & ASK_MEMORY) && redis_io_get_reply(c->ctx, (void **)&rm) != REDIS_OK) ||
            (wg && redis_io_get_reply(c->ctx, (void **)&rg) != REDIS_OK) ||
            redis_io_get_reply(c->ctx, (void **)&rt) != REDIS_OK) {
            rc = fail_io(c, xs ? "XINFO" : "XLEN", err, errlen);
            goto done;
        }
        if (!wg)
            rg = &no_groups;
        bool ok = false;
        own(t);
        t->denied = false;
        t->tick_read = c->tick_no;
        uint64_t sig_before = t->sampled ? stream_signature(t->info, t->groups_read) : 0;
        bool rs_ok = xs ? rs->type == REDIS_REPLY_ARRAY : rs->type == REDIS_REPLY_INTEGER;
        if (!xs && is_error(rs, "NOPERM") && strstr(rs->str, "'xlen'")) {
            /* an ACL that grants XINFO but not XLEN (the command, not this key): every
             * stream is read with XINFO STREAM from now on, this one next tick */
            c->xlen_refused = true;
            t->changed = true;
        } else if (is_error(rs, "ERR no such key") || is_error(rs, "WRONGTYPE") ||
            is_error(rg, "ERR no such key") || is_error(rg, "WRONGTYPE") ||
            (rt->type == REDIS_REPLY_INTEGER && rt->integer == -2)) {
            /* deleted or retyped since SCAN (possibly between two commands); XLEN of a
             * missing key is 0, PTTL's -2 tells */
            t->gone = true;
        } else if (is_error(rs, "NOPERM") || is_error(rg, "NOPERM")) {
            deny_stream(c, t, is_error(rs, "NOPERM") ? rs : rg);
        } else if (!rs_ok || rg->type != REDIS_REPLY_ARRAY) {
            if (rc == 0)
                rc = fail_reply(c, xs ? "XINFO failed" : "XLEN failed", !rs_ok ? rs : rg, err,
                                errlen);
        } else {
            bool first = !t->sampled;
            t->sampled = true;
            if (xs) {
                take_xinfo_stream(t, rs);
            } else {
                /* too heavy for XINFO STREAM (or not known yet): the length alone; ids
                 * unknown, entries-added from the groups (stream_info_derive) */
                t->info->length = rs->integer >= 0 ? rs->integer : 0;
                t->info->xinfo_stream = false;
                t->info->first_id[0] = t->info->last_id[0] = '\0';
                t->heavy_reads++;
            }
            if (rm && rm->type == REDIS_REPLY_INTEGER && rm->integer >= 0) {
                /* a small stream is light whatever its length: its two entries cannot be
                 * bigger than all of it (a one-entry stream takes ~4.7 KiB: node overhead) */
                t->entry_bytes = rm->integer <= 4 * STREAM_ENTRY_LIGHT_BYTES
                                     ? 0 : rm->integer / (t->info->length > 0 ? t->info->length : 1);
                t->size_known = true;
                t->heavy_reads = 0;
            } else if (rm && rm->type == REDIS_REPLY_ERROR) {
                /* refused for this user, or unknown to this server: not asked again; XINFO
                 * STREAM replies say how big entries are from now on */
                c->memory_refused = true;
            }
            /* a first read follows up in round trip B: XINFO STREAM if its entries are small
             * (then its groups, once their count is known), else XINFO GROUPS straight away */
            enum fix_kind follow = FIX_PENDING;   /* none */
            if (first && !xs)
                follow = stream_light(c, t) ? FIX_STREAM : FIX_GROUPS;
            else if (xs && !wg && t->info->group_count > 0 && groups_readable(c, t))
                follow = FIX_GROUPS;   /* first read, or groups where there were none */
            bool later = follow != FIX_PENDING;
            if (wg) {
                parse_groups(t->info, rg);
                if (!xs)
                    t->info->group_count = (long long)t->info->group_len;
                t->info->groups_unread = false;
            } else {
                /* until a later round trip reads them, or for good when there are too many to
                 * read within COST_COMMAND_MAX_US: group figures are unknown, not none */
                free_groups(t->info);
                t->info->groups_unread = t->info->group_count != 0;
            }
            t->info->ttl_ms = rt->type == REDIS_REPLY_INTEGER && rt->integer >= 0 ? rt->integer : -1;
            t->info->sampled_server_ms = c->server_ms;
            t->info->sampled_mono_ms = now_mono;
            bool was_read = t->groups_read;
            t->groups_read = wg || (xs && !later && t->info->group_count == 0);
            bool moved = was_read && stream_signature(t->info, true) != sig_before;
            t->moved = moved || (t->moved && !wg && !later);   /* until read with its groups */
            /* read again next tick: it moved, or a read without groups could now have them */
            t->changed = moved || (!wg && !later && t->info->group_count > 0 &&
                                    groups_readable(c, t));
            if (later)
                add_fix(c, &bt->now, bt->idx[i], follow, &t->info->key, NULL);
            ok = true;
        }
        if (2 * t->info->group_len > covered_cap) {
            covered_cap = 2 * t->info->group_len;
            covered = xrealloc(covered, covered_cap * sizeof *covered);
        }
        if (covered_cap)
            memset(covered, 0, covered_cap * sizeof *covered);
        for (size_t q = bt->first_req[i]; q < bt->first_req[i + 1]; q++) {
            if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
                rc = fail_io(c, "XPENDING", err, errlen);
                goto done;
            }
            if (!ok)
                continue;
            struct group_info *g = group_by_name(t->info, &bt->reqs[q].group);
            apply_group_reply(c, t, g, bt->reqs[q].consumers, r);
            if (g)
                covered[2 * (size_t)(g - t->info->groups) + bt->reqs[q].consumers] = true;
        }
        if (!ok)
            continue;
        add_group_fixes(c, &bt->now, bt->idx[i], covered);
        derive(t);
    }
    if (bt->with_scan) {
        if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
            rc = fail_io(c, "SCAN", err, errlen);
            goto done;
        }
        c->scan_result = scan_apply(c, r, err, errlen);
        if (c->scan_result < 0 && rc == 0)
            rc = -1;
    }
done:
    free(covered);
    reply_arena_detach(&c->arena, c->ctx);
    reply_arena_reset(&c->arena);
    return rc;
}

/* Applies the XINFO STREAM or XINFO GROUPS that follows a first read, and asks the next round
 * trip for what it shows is needed: the groups once their count is known, then the per-group
 * commands. A failed read leaves what it would have said unknown, and the stream to be read
 * again next tick. */
static void apply_first_fix(struct streams_collector *c, struct batch *bt, size_t item,
                            enum fix_kind kind, const redisReply *r)
{
    struct tracked *t = &c->items[item];   /* own()ed by batch_collect_fixes */
    if (is_error(r, "ERR no such key") || is_error(r, "WRONGTYPE")) {
        t->gone = true;
    } else if (is_error(r, "NOPERM")) {
        deny_stream(c, t, r);
    } else if (r->type != REDIS_REPLY_ARRAY) {
        t->changed = true;
    } else if (kind == FIX_STREAM) {
        take_xinfo_stream(t, r);
        if (t->info->group_count > 0 && groups_readable(c, t)) {
            add_fix(c, &bt->next, item, FIX_GROUPS, &t->info->key, NULL);
        } else {
            /* none, or too many to read within COST_COMMAND_MAX_US */
            t->info->groups_unread = t->info->group_count != 0;
            t->groups_read = t->info->group_count == 0;
        }
    } else {
        parse_groups(t->info, r);
        if (!t->info->xinfo_stream)
            t->info->group_count = (long long)t->info->group_len;
        t->info->groups_unread = false;
        t->groups_read = true;
        add_group_fixes(c, &bt->next, item, NULL);
    }
}

/* Reads a later round trip's replies (its commands were sent with every other batch's). */
static int batch_collect_fixes(struct streams_collector *c, struct batch *bt, char *err,
                               size_t errlen)
{
    redisReply *r = NULL;
    int rc = 0;
    struct fix_round *fr = &bt->now;
    reply_arena_attach(&c->arena, c->ctx);
    for (size_t f = 0; f < fr->nfix; f++) {
        const struct group_fix *fx = &fr->fixes[f];
        if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
            rc = fail_io(c, fx->kind == FIX_PENDING ? "XPENDING" : "XINFO", err, errlen);
            break;
        }
        struct tracked *t = &c->items[fx->item];
        own(t);
        if (fx->kind == FIX_GROUPS || fx->kind == FIX_STREAM)
            apply_first_fix(c, bt, fx->item, fx->kind, r);
        else
            apply_group_reply(c, t, group_by_name(t->info, &fx->group),
                              fx->kind == FIX_CONSUMERS, r);
        if (f + 1 == fr->nfix || fr->fixes[f + 1].item != fx->item)
            derive(t);
    }
    reply_arena_detach(&c->arena, c->ctx);
    reply_arena_reset(&c->arena);
    fix_round_free(fr);
    *fr = bt->next;
    memset(&bt->next, 0, sizeof bt->next);
    return rc;
}

/* A tick's reading order: indexes into items. */
struct plan {
    size_t *idx;
    size_t n, cap;
};

static void plan_add(struct streams_collector *c, struct plan *p, size_t i)
{
    if (c->items[i].planned)
        return;
    c->items[i].planned = true;
    p->idx = xgrow(p->idx, p->n, &p->cap, 256, sizeof *p->idx);
    p->idx[p->n++] = i;
}

static void plan_clear(struct streams_collector *c, struct plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->idx[i] < c->count)
            c->items[p->idx[i]].planned = false;
    p->n = 0;
}

/* The next batch_streams streams of the plan from *pos. */
static bool next_batch(struct streams_collector *c, struct batch *bt, const struct plan *p,
                       size_t *pos)
{
    size_t batch_max = (size_t)(c->cfg.batch_streams > 0 ? c->cfg.batch_streams : 500);
    if (*pos >= p->n)
        return false;
    memset(bt, 0, sizeof *bt);
    bt->idx = xmalloc(batch_max * sizeof *bt->idx);
    while (bt->n < batch_max && *pos < p->n)
        bt->idx[bt->n++] = p->idx[(*pos)++];
    return true;
}

#define PIPELINE_AHEAD 2

/* Reads the planned streams in pipelined batches. Batches k+1 and k+2 are written before batch
 * k's replies are parsed, so Redis executes them while we parse. A batch's later round trips
 * (B, C, D: what its replies showed to be needed) are written as soon as the replies before
 * them are parsed, behind whatever is in flight: Redis is never left idle while we parse
 * (they used to wait for every batch's A, then B, ..., and Redis and we took turns). The first
 * batch carries TIME (and INFO replication when want_role), even with nothing planned;
 * with_scan puts the next SCAN at its end (the outcome lands in c->scan_result).
 * Returns 0 or -1. */
static int read_streams(struct streams_collector *c, bool full, int64_t start,
                        const struct plan *p, bool want_role, bool with_scan, char *err,
                        size_t errlen)
{
    size_t pos = 0, nb = 0, capb = 4;
    struct batch *batches = xcalloc(capb, sizeof *batches);
    int rc = 0;

    if (!next_batch(c, &batches[0], p, &pos)) {
        if (!want_role && !with_scan) {
            free(batches);
            return 0;
        }
        memset(&batches[0], 0, sizeof batches[0]);   /* no streams: still TIME and role */
    }
    nb = 1;
    batches[0].want_role = want_role;
    batches[0].with_scan = with_scan;
    batches[0].full = full;
    batch_prepare(c, &batches[0]);
    /* what was written and not read yet, in writing order (the order of its replies): a batch
     * index, and whether it is that batch's round trip A; a batch has at most one in flight */
    struct inflight {
        size_t batch;
        bool a;
    } *fifo = xcalloc(capb, sizeof *fifo);
    size_t head = 0, tail = 0, capf = capb, a_in_flight = 1;
    fifo[tail++] = (struct inflight){ 0, true };
    while (head < tail) {
        while (a_in_flight <= PIPELINE_AHEAD && (full || mono_ms() - start <= c->cfg.budget_ms)) {
            if (nb == capb) {
                capb *= 2;
                batches = xrealloc(batches, capb * sizeof *batches);
            }
            if (!next_batch(c, &batches[nb], p, &pos))
                break;
            batch_prepare(c, &batches[nb]);
            if (tail == capf) {
                capf *= 2;
                fifo = xrealloc(fifo, capf * sizeof *fifo);
            }
            fifo[tail++] = (struct inflight){ nb++, true };
            a_in_flight++;
        }
        struct inflight f = fifo[head++];
        struct batch *bt = &batches[f.batch];
        if (f.a) {
            a_in_flight--;
            rc = batch_collect_a(c, bt, err, errlen);
            c->refreshed += bt->n;
        } else {
            rc = batch_collect_fixes(c, bt, err, errlen);
        }
        if (rc < 0)
            break;
        if (bt->now.nfix) {
            cmdbuf_send(c->ctx, &bt->now.b);
            c->round_trips++;
            if (tail == capf) {
                capf *= 2;
                fifo = xrealloc(fifo, capf * sizeof *fifo);
            }
            fifo[tail++] = (struct inflight){ f.batch, false };
        }
    }
    free(fifo);
    for (size_t k = 0; k < nb; k++)
        batch_free(&batches[k]);
    free(batches);
    return rc;
}

/* ---- probes: XLEN of quiet streams in rotation ------------------------------------------- */

#define PROBES_PER_ROUND_TRIP 5000

/* Sends XLEN for up to `room` µs worth of streams from the probe rotation and marks those whose
 * length moved as changed. A length that did not move says nothing about consumers; the cold
 * rotation re-reads those. Returns 0 or -1. */
static int probe_streams(struct streams_collector *c, double room, int64_t now, char *err,
                         size_t errlen)
{
    double each = cost_of(c->cfg.budget, COST_XLEN);
    size_t want = room > 0 ? (size_t)(room / each) : 0;
    if (want > c->count)
        want = c->count;
    if (want > PROBES_PER_ROUND_TRIP)
        want = PROBES_PER_ROUND_TRIP;
    if (!want)
        return 0;
    size_t *idx = xmalloc(want * sizeof *idx);
    size_t n = 0;
    struct cmdbuf out = { 0 };
    for (size_t seen = 0; seen < c->count && n < want; seen++) {
        if (c->probe_next >= c->count) {
            c->probe_next = 0;
            if (c->probe_cycle_start_ms && c->probed_in_cycle)
                c->probe_cycle_ms = now - c->probe_cycle_start_ms;
            c->probe_cycle_start_ms = now;
            c->probed_in_cycle = 0;
        }
        size_t i = c->probe_next++;
        struct tracked *t = &c->items[i];
        if (t->changed || t->gone)
            continue;   /* read this tick anyway */
        const char *argv[] = { "XLEN", t->info->key.ptr };
        size_t lens[] = { 4, t->info->key.len };
        cmdbuf_add(&out, 2, argv, lens);
        idx[n++] = i;
        c->probed_in_cycle++;
    }
    int rc = 0;
    if (n) {
        cmdbuf_send(c->ctx, &out);
        c->round_trips++;
        c->spent_us += (double)n * each;
        c->probes += n;
        reply_arena_attach(&c->arena, c->ctx);
        for (size_t k = 0; k < n; k++) {
            redisReply *r = NULL;
            if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
                rc = fail_io(c, "XLEN", err, errlen);
                break;
            }
            struct tracked *t = &c->items[idx[k]];
            long long len = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
            if (!t->sampled) {
                /* not read yet (a first pass over a big keyspace takes minutes at the
                 * budget): one that moves since its last probe is read before the others */
                if (t->probed && len != t->probe_len)
                    t->changed = t->moved = true;
                t->probed = true;
                t->probe_len = len;
            } else if (len < 0 || len != t->info->length) {
                t->changed = t->moved = true;   /* moved, gone, retyped or refused: a read tells */
            }
        }
        reply_arena_detach(&c->arena, c->ctx);
        reply_arena_reset(&c->arena);
    }
    free(out.p);
    free(idx);
    return rc;
}

/* ---- planning a tick ---------------------------------------------------------------------- */

struct candidate {
    size_t i;
    int prio;
    int64_t sampled;
};

static int candidate_cmp(const void *pa, const void *pb)
{
    const struct candidate *a = pa, *b = pb;
    if (a->prio != b->prio)
        return a->prio < b->prio ? -1 : 1;
    if (a->sampled != b->sampled)
        return a->sampled < b->sampled ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

#define HOT_SELECT 2048

static void cand_swap(struct candidate *a, struct candidate *b)
{
    struct candidate t = *a;
    *a = *b;
    *b = t;
}

/* Moves the k smallest of v[0..n) (by candidate_cmp) into v[0..k), in no order: quickselect. */
static void select_first(struct candidate *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n;   /* the k-th smallest lies in [lo, hi) */
    while (hi - lo > 1) {
        /* median of three as pivot, moved to hi - 1 */
        size_t mid = lo + (hi - lo) / 2;
        if (candidate_cmp(&v[mid], &v[lo]) < 0)
            cand_swap(&v[mid], &v[lo]);
        if (candidate_cmp(&v[hi - 1], &v[lo]) < 0)
            cand_swap(&v[hi - 1], &v[lo]);
        if (candidate_cmp(&v[mid], &v[hi - 1]) < 0)
            cand_swap(&v[mid], &v[hi - 1]);
        struct candidate pivot = v[hi - 1];
        size_t store = lo;
        for (size_t i = lo; i < hi - 1; i++)
            if (candidate_cmp(&v[i], &pivot) < 0)
                cand_swap(&v[i], &v[store++]);
        cand_swap(&v[store], &v[hi - 1]);
        if (store == k || store + 1 == k)
            return;
        if (store > k)
            hi = store;
        else
            lo = store + 1;
    }
}


/* Hot streams: seen to change (by a probe, read or not yet), never read, read without their
 * groups, or busy and not read for BUSY_REREAD_MS; in that order, oldest figures first, within
 * room µs. Returns what they cost. */
static double plan_hot(struct streams_collector *c, struct plan *p, double room, int64_t now)
{
    struct candidate *cand = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < c->count; i++) {
        const struct tracked *t = &c->items[i];
        if (t->planned || t->gone)
            continue;
        int prio;
        if (t->moved)
            prio = 0;   /* a probe or a read saw it move, whether read before or not */
        else if (!t->sampled)
            prio = 1;
        else if (t->changed || (!t->groups_read && groups_readable(c, t)))
            prio = 2;   /* read without its groups: finish it */
        else if (t->busy && now - t->info->sampled_mono_ms >= BUSY_REREAD_MS)
            prio = 3;
        else
            continue;
        cand = xgrow(cand, n, &cap, 256, sizeof *cand);
        cand[n++] = (struct candidate){ i, prio, t->info->sampled_mono_ms };
    }
    /* only the first few hundred fit in a tick: those are put in order, the rest only if
     * they are reached (50,000 busy streams were sorted whole every tick) */
    size_t sorted = n < HOT_SELECT ? n : HOT_SELECT;
    if (n > sorted)
        select_first(cand, n, sorted);
    if (sorted > 1)
        qsort(cand, sorted, sizeof *cand, candidate_cmp);
    double spent = 0;
    for (size_t k = 0; k < n; k++) {
        if (k == sorted && k < n) {
            qsort(cand + k, n - k, sizeof *cand, candidate_cmp);
            sorted = n;
        }
        const struct tracked *t = &c->items[cand[k].i];
        double cost = read_cost(c, t, groups_readable(c, t));
        if (spent + cost > room)
            break;
        spent += cost;
        plan_add(c, p, cand[k].i);
    }
    free(cand);
    return spent;
}

/* The cold rotation from rr_next, within room µs; a wrap ends a cycle. */
static void plan_cold(struct streams_collector *c, struct plan *p, double room, int64_t now)
{
    double spent = 0;
    for (size_t seen = 0; seen < c->count; seen++) {
        if (c->rr_next >= c->count) {
            /* a small keyspace would be read whole every tick: quiet streams rest (XLEN
             * probes and the hot list still see every move) */
            if (c->cycle_start_ms && now - c->cycle_start_ms < COLD_CYCLE_MIN_MS)
                break;
            c->rr_next = 0;
            if (c->cycle_start_ms)
                c->cycle_ms = now - c->cycle_start_ms;
            c->cycle_start_ms = now;
        }
        const struct tracked *t = &c->items[c->rr_next];
        if (!t->planned && !t->gone) {
            double cost = read_cost(c, t, groups_readable(c, t));
            if (spent + cost > room)
                break;
            spent += cost;
            plan_add(c, p, c->rr_next);
        }
        c->rr_next++;
    }
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
            plan_add(c, &plan, i);
    } else {
        if (focus) {
            plan_add(c, &plan, (size_t)(focus - c->items));
            read_room -= read_cost(c, focus, groups_readable(c, focus));
        }
        if (bud && probe_streams(c, read_room * SHARE_PROBE, start, err, errlen) < 0)
            goto fail;
        double room = read_room - c->spent_us;
        double hot = plan_hot(c, &plan, room * SHARE_HOT / (1.0 - SHARE_PROBE), start);
        plan_cold(c, &plan, room - hot, start);
    }
    c->scan_result = 0;
    rc = read_streams(c, full, start, &plan, true, scan_rides, err, errlen);
    plan_clear(c, &plan);
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
                                groups_readable(c, t)))
                plan_add(c, &plan, i);
        }
        rc = plan.n ? read_streams(c, true, start, &plan, false, false, err, errlen) : 0;
        plan_clear(c, &plan);
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
        if (!t->listed || is_focus(c, t))
            continue;
        for (size_t g = 0; g < own(t)->group_len; g++)
            parse_consumers(&t->info->groups[g], NULL);
        t->listed = false;
    }
    compact(c, false);
    return 0;

fail:
    plan_clear(c, &plan);
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
    struct redis_snapshot *r = &snap->redis;
    str_copy(r->url, c->url, sizeof r->url);
    r->state = state;
    str_copy(r->error, error ? error : "", sizeof r->error);
    r->retry_in_ms = retry_in_ms;
    str_copy(r->version, c->version, sizeof r->version);
    str_copy(r->role, c->role, sizeof r->role);
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
