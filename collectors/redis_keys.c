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

#include <jansson.h>

#include "collector.h"
#include "redis_io.h"
#include "util.h"

#define SCAN_COUNT 1000
#define CATALOGUE_MAX 50000       /* candidate keys kept per pass */
#define PREFIXES_MAX 256          /* distinct prefixes tracked; the rest fold into "(other)" */
#define QUEUES_MAX 2000
#define LOCKS_MAX 1000
#define REGISTRY_MAX 10000        /* members read from a registry set (SCARD checked first) */
#define OWNER_MAX 64
#define KEYS_TICK_BUDGET_MS 250
/* A queue is read whole at least this often; in between, each tick reads only its probes (its
 * first depth and first in-flight measure), and a probe that moved, or a delayed job that fell
 * due, has it read whole the next tick (the streams' cold rotation, COLD_CYCLE_MIN_MS). */
#define QUEUE_REREAD_MS 5000
#define QUEUE_PROBES 2
/* A new walk pass starts at most this long after the previous one started, unless DBSIZE moved
 * since it did: a small quiet keyspace was walked again every tick or two, spending the whole
 * budget on finding the same keys (at 300 BullMQ queues, 9,300 keys, the walk was most of our
 * cost). A keyspace whose pass takes longer, or whose keys come and go, is walked without a
 * rest. */
#define WALK_CYCLE_MIN_MS 10000
#define TTL_NOT_READ (-3LL)       /* a lock's PTTL before it was read, or when it was refused:
                                   * never confused with -1, "no expiry" */   /* SCAN work per tick before the rest waits a tick */

/* ---- the catalogue: keys a pass found that may belong to a queue ------------------------- */

enum { T_LIST = 'l', T_ZSET = 'z', T_SET = 's', T_HASH = 'h', T_STRING = 't', T_STREAM = 'x',
       T_OTHER = '?' };

struct cat_key {
    struct bytes key;
    char type;
    bool has_ttl;
    bool claimed;            /* a layout took it: not a generic queue */
};

struct catalogue {
    struct cat_key *v;
    size_t n, cap;
    bool truncated;          /* lists or zsets beyond CATALOGUE_MAX were not kept */
};

static void catalogue_free(struct catalogue *c)
{
    for (size_t i = 0; i < c->n; i++)
        bytes_free(&c->v[i].key);
    free(c->v);
    memset(c, 0, sizeof *c);
}

static void catalogue_add(struct catalogue *c, const char *key, size_t len, char type, bool ttl)
{
    /* lists and zsets are capped (a keyspace of job-log lists); registries and anchors
     * (sets, hashes, strings: few by nature) are always kept, or layouts would go missing */
    if (c->n >= CATALOGUE_MAX && (type == T_LIST || type == T_ZSET)) {
        c->truncated = true;
        return;
    }
    c->v = xgrow(c->v, c->n, &c->cap, 256, sizeof *c->v);
    struct cat_key *k = &c->v[c->n++];
    bytes_set(&k->key, key, len);
    k->type = type;
    k->has_ttl = ttl;
    k->claimed = false;
}

static int cat_cmp(const void *a, const void *b)
{
    return bytes_cmp(&((const struct cat_key *)a)->key, &((const struct cat_key *)b)->key);
}

/* Sorts and drops duplicates (SCAN may return a key twice). */
static void catalogue_sort(struct catalogue *c)
{
    if (c->n == 0)
        return;
    qsort(c->v, c->n, sizeof *c->v, cat_cmp);
    size_t o = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (o > 0 && bytes_cmp(&c->v[o - 1].key, &c->v[i].key) == 0) {
            bytes_free(&c->v[i].key);
            continue;
        }
        c->v[o++] = c->v[i];
    }
    c->n = o;
}

static struct cat_key *cat_find(struct catalogue *c, const char *key)
{
    struct cat_key probe = { { (char *)key, strlen(key) }, 0, false, false };
    if (c->n == 0)
        return NULL;
    return bsearch(&probe, c->v, c->n, sizeof *c->v, cat_cmp);
}

static bool ends_with(const struct bytes *b, const char *suffix)
{
    size_t n = strlen(suffix);
    return b->len >= n && memcmp(b->ptr + b->len - n, suffix, n) == 0;
}

static bool starts_with(const struct bytes *b, const char *prefix)
{
    size_t n = strlen(prefix);
    return b->len >= n && memcmp(b->ptr, prefix, n) == 0;
}

/* ---- queue definitions: what to read for each queue -------------------------------------- */

/* In the order of QUEUE_KEEPS_* (collectors/snapshot.h): bit 1 << metric. */
enum metric { M_DEPTH, M_IN_FLIGHT, M_DELAYED, M_DUE, M_FAILED, M_PROCESSED, M_FAILED_TOTAL,
              M_COUNT };
_Static_assert(QUEUE_KEEPS_FAILED_TOTAL == 1 << M_FAILED_TOTAL && QUEUE_KEEPS_DUE == 1 << M_DUE,
               "QUEUE_KEEPS_* follow enum metric");
enum cmd { C_LLEN, C_ZCARD, C_ZCOUNT_DUE, C_ZCOUNT_FUTURE, C_HLEN, C_GET, C_HGET_COUNT };
enum unit { U_S, U_MS, U_BULL };   /* score units: seconds, ms, BullMQ's ms*4096 */

struct measure {
    enum metric metric;
    enum cmd cmd;
    enum unit unit;
    struct bytes key;
};

/* How to learn the age of a queue's oldest job with one or two O(1)/O(log n) reads. */
enum probe_kind {
    P_ZSET_MIN,    /* ZRANGE key 0 0 WITHSCORES: the lowest score, a due time */
    P_LIST_JSON,   /* LINDEX key end: a JSON payload with a time field (Sidekiq enqueued_at) */
    P_LIST_HASH,   /* LINDEX key end: a job id; then HGET <hash_fmt with the id> field */
};
enum time_unit { TU_S, TU_MS, TU_NS, TU_BULL };

struct age_probe {
    enum probe_kind kind;
    enum time_unit unit;   /* of the score or field; TU_S also accepts ms (Sidekiq 8) */
    struct bytes key;
    int end;               /* LINDEX index: -1 the pop end of LPUSH/RPOP lists, 0 of RPUSH/LPOP */
    bool waiting_part;     /* it reads where waiting jobs are: empty means none has waited */
    char hash_prefix[160]; /* P_LIST_HASH: the job hash is hash_prefix + id */
    char field[32];
};

struct qdef {
    struct bytes name;
    struct age_probe *probes;
    size_t pn;
    bool failed_apart;    /* processed_total leaves failed jobs out (BullMQ's metrics) */
    char layout[32], kind[16];
    struct measure *m;
    size_t mn, mcap;
    /* the previous reading, for rates */
    bool have_prev;
    int64_t prev_ms;      /* our monotonic clock when it arrived */
    long long prev_total, prev_processed, prev_failed;
    bool whole;           /* this tick reads every measure and age probe */
    /* hot and cold (QUEUE_REREAD_MS): carried over to the next pass's definition of the same
     * queue when it reads the same keys */
    struct {
        bool hot;             /* a probe moved: read whole next tick */
        int64_t read_mono_ms;      /* its last whole reading; 0 none since the pass found it */
        int64_t read_server_ms;    /* Redis TIME of that reading; 0 unknown */
        size_t probe_m[QUEUE_PROBES];   /* measures read every tick */
        size_t probe_n;
        long long probe_v[QUEUE_PROBES];   /* what they said last */
        double next_due_ms;   /* the earliest delayed job still ahead then; NAN none */
        long long age_read;   /* oldest_age_ms at that reading */
    } rot;
};

static void qdef_free(struct qdef *q)
{
    for (size_t i = 0; i < q->pn; i++)
        bytes_free(&q->probes[i].key);
    free(q->probes);
    bytes_free(&q->name);
    for (size_t i = 0; i < q->mn; i++)
        bytes_free(&q->m[i].key);
    free(q->m);
    memset(q, 0, sizeof *q);
}

static void measure_add(struct qdef *q, enum metric metric, enum cmd cmd, enum unit unit,
                        const char *key, size_t len)
{
    q->m = xgrow(q->m, q->mn, &q->mcap, 8, sizeof *q->m);
    struct measure *m = &q->m[q->mn++];
    m->metric = metric;
    m->cmd = cmd;
    m->unit = unit;
    bytes_set(&m->key, key, len);
}

static void probe_add(struct qdef *q, enum probe_kind kind, enum time_unit unit, const char *key,
                      size_t len, int end, const char *hash_prefix, const char *field)
{
    if (q->pn >= 4)
        return;
    q->probes = xrealloc(q->probes, (q->pn + 1) * sizeof *q->probes);
    struct age_probe *p = &q->probes[q->pn++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->unit = unit;
    p->waiting_part = kind != P_ZSET_MIN;   /* list probes; zsets say so below when they are */
    bytes_set(&p->key, key, len);
    p->end = end;
    str_copy(p->hash_prefix, hash_prefix ? hash_prefix : "", sizeof p->hash_prefix);
    str_copy(p->field, field ? field : "", sizeof p->field);
}

/* probe_addf: the key from a format with one %.*s. */
static void probe_addf(struct qdef *q, enum probe_kind kind, enum time_unit unit,
                       const char *fmt, const char *a, size_t alen, int end,
                       const char *hash_prefix, const char *field)
{
    if (memchr(a, '\0', alen) || (hash_prefix && strlen(hash_prefix) + 1 >= 160))
        return;   /* a name %.*s would cut, or a job-hash prefix too long to keep whole */
    size_t cap = strlen(fmt) + alen + 1;
    char *key = xmalloc(cap);
    int n = snprintf(key, cap, fmt, (int)alen, a);
    probe_add(q, kind, unit, key, n > 0 ? (size_t)n : 0, end, hash_prefix, field);
    free(key);
}

/* measure_addf: the key from a format. */
static void measure_addf(struct qdef *q, enum metric metric, enum cmd cmd, enum unit unit,
                         const char *fmt, const char *a, size_t alen)
{
    if (memchr(a, '\0', alen))
        return;   /* %.*s would stop at the NUL and name another key */
    /* fmt has one %.*s for the queue part; keys stay binary-safe through the lengths */
    size_t cap = strlen(fmt) + alen + 1;
    char *key = xmalloc(cap);
    int n = snprintf(key, cap, fmt, (int)alen, a);
    measure_add(q, metric, cmd, unit, key, n > 0 ? (size_t)n : 0);
    free(key);
}

struct qdefs {
    struct qdef *v;
    size_t n, cap;
};

static struct qdef *qdef_new(struct qdefs *d, const char *layout, const char *kind,
                             const char *name, size_t len)
{
    if (d->n >= QUEUES_MAX || memchr(name, '\0', len))
        return NULL;   /* full, or a registry name with a NUL: its keys cannot be named */
    for (size_t i = 0; i < d->n; i++) {   /* one row per layout + name */
        if (strcmp(d->v[i].layout, layout) == 0 && d->v[i].name.len == len &&
            memcmp(d->v[i].name.ptr, name, len) == 0)
            return &d->v[i];
    }
    d->v = xgrow(d->v, d->n, &d->cap, 32, sizeof *d->v);
    struct qdef *q = &d->v[d->n++];
    memset(q, 0, sizeof *q);
    bytes_set(&q->name, name, len);
    str_copy(q->layout, layout, sizeof q->layout);
    str_copy(q->kind, kind, sizeof q->kind);
    return q;
}

static void qdefs_free(struct qdefs *d)
{
    for (size_t i = 0; i < d->n; i++)
        qdef_free(&d->v[i]);
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* ---- prefixes ------------------------------------------------------------------------------ */

struct prefix_acc {
    struct bytes prefix;
    long long keys, no_ttl, sampled, sampled_bytes;
};

struct prefixes {
    struct prefix_acc *v;
    size_t n, cap;
};

static void prefixes_free(struct prefixes *p)
{
    for (size_t i = 0; i < p->n; i++)
        bytes_free(&p->v[i].prefix);
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* The key's first segment with its colon ("orders:"), "(no colon)" without one. */
static struct prefix_acc *prefix_of(struct prefixes *p, const char *key, size_t len)
{
    const char *colon = memchr(key, ':', len);
    const char *name = colon ? key : "(no colon)";
    size_t nlen = colon ? (size_t)(colon - key) + 1 : strlen("(no colon)");
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].prefix.len == nlen && memcmp(p->v[i].prefix.ptr, name, nlen) == 0)
            return &p->v[i];
    }
    if (p->n >= PREFIXES_MAX) {
        name = "(other)";
        nlen = strlen(name);
        for (size_t i = 0; i < p->n; i++) {
            if (p->v[i].prefix.len == nlen && memcmp(p->v[i].prefix.ptr, name, nlen) == 0)
                return &p->v[i];
        }
    }
    p->v = xgrow(p->v, p->n, &p->cap, 32, sizeof *p->v);
    struct prefix_acc *a = &p->v[p->n++];
    memset(a, 0, sizeof *a);
    bytes_set(&a->prefix, name, nlen);
    return a;
}

/* ---- the collector ----------------------------------------------------------------------- */

struct lock_state {
    struct bytes key;
    long long ttl_ms;
    struct bytes owner;
};

struct keys_collector {
    struct keys_config cfg;
    struct hub *hub;
    struct collector_thread thread;
    double spent_us;         /* estimated Redis time of this tick (collectors/cost.h) */
    int scan_count;          /* COUNT of this tick's SCANs */
    redisContext *ctx;
    char url[512];
    uint64_t seq;
    int64_t last_ok_mono_ms;
    unsigned round_trips;

    /* the pass under way */
    char cursor[32];
    bool pass_started;
    int64_t pass_start_ms;   /* our clock when the current or last pass began; 0 none */
    long long pass_start_dbsize;   /* DBSIZE then */
    long long pass_keys;
    struct catalogue cat;
    struct prefixes pass_prefixes;
    struct bytes *lock_keys;
    size_t lock_key_n, lock_key_cap;

    /* from the last complete pass */
    long long passes;
    struct prefixes prefixes;
    struct qdefs queues;
    struct lock_state *locks;
    size_t lock_n;

    /* this tick */
    long long dbsize;
    /* One clock rule: "due now" and ages are on the server's clock (TIME, validated), never
     * ours (a skew would move jobs in or out of "due"); rates are over our monotonic clock. */
    int64_t server_ms;             /* TIME; when time_ok is false only a bound for commands */
    bool time_ok;
    char time_error[128];
    int64_t read_mono_ms;          /* when this tick's queue readings arrived */
    long long memory_denied;
    struct queue_info *readings;   /* parallel to queues.v */
};

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
               starts_with(k, "_kombu.binding.");
    case T_HASH:
        return ends_with(k, ":meta") || strcmp(k->ptr, "unacked") == 0 ||
               ends_with(k, ":metrics:completed") || ends_with(k, ":metrics:failed");
    case T_STRING:
        return ends_with(k, ":id");   /* Bull's job counter */
    case T_STREAM:
        return ends_with(k, ":events");   /* BullMQ's events, beside its meta hash */
    default:
        return false;
    }
}

static long long reply_ll(const redisReply *r)
{
    long long v;
    if (!r)
        return QT_UNKNOWN;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_NIL)
        return 0;   /* a counter not created yet */
    if (r->type == REDIS_REPLY_STRING && parse_ll(r->str, r->len, &v) == 0)
        return v;
    return QT_UNKNOWN;
}

static int fail_io(struct keys_collector *c, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what,
             c->ctx && c->ctx->errstr[0] ? c->ctx->errstr : "connection lost");
    return -1;
}

/* Reads n replies into rep[] (all or none). */
static int get_replies(struct keys_collector *c, redisReply **rep, size_t n, const char *what,
                       char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (redis_io_get_reply(c->ctx, (void **)&rep[i]) != REDIS_OK) {
            for (size_t j = 0; j < i; j++)
                freeReplyObject(rep[j]);
            return fail_io(c, what, err, errlen);
        }
    }
    c->round_trips++;
    return 0;
}

static void free_replies(redisReply **rep, size_t n)
{
    for (size_t i = 0; i < n; i++)
        freeReplyObject(rep[i]);
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
        return fail_io(c, "SCAN", err, errlen);
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
    if (cmds && get_replies(c, rep, cmds, "TYPE", err, errlen) < 0) {
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
    free_replies(rep, cmds);
    free(rep);
    free(sample);
    freeReplyObject(r);
    return strcmp(c->cursor, "0") == 0 ? 1 : 0;
}

/* ---- detection ----------------------------------------------------------------------------- */

/* Members of a small set (registries), via SCARD then SMEMBERS; NULL when absent or too big. */
static redisReply *set_members(struct keys_collector *c, const char *key)
{
    const char *a[2] = { "SCARD", key };
    redisReply *n = redis_io_command_argv(c->ctx, 2, a, NULL);
    c->round_trips++;
    bool ok = n && n->type == REDIS_REPLY_INTEGER && n->integer > 0 &&
              n->integer <= REGISTRY_MAX;
    freeReplyObject(n);
    if (!ok)
        return NULL;
    a[0] = "SMEMBERS";
    redisReply *r = redis_io_command_argv(c->ctx, 2, a, NULL);
    c->round_trips++;
    if (r && r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static void claim(struct catalogue *cat, const char *key)
{
    struct cat_key *k = cat_find(cat, key);
    if (k)
        k->claimed = true;
}

/* Claims every key starting with prefix: the catalogue is sorted, so they are one run from
 * the first key >= prefix. */
static void claim_prefix(struct catalogue *cat, const char *prefix)
{
    size_t n = strlen(prefix), lo = 0, hi = cat->n;
    struct bytes p = { (char *)prefix, n };
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bytes_cmp(&cat->v[mid].key, &p) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < cat->n && cat->v[i].key.len >= n &&
                        memcmp(cat->v[i].key.ptr, prefix, n) == 0; i++)
        cat->v[i].claimed = true;
}

/* BullMQ (and Bull 3/4): <prefix>:<queue>:<suffix>, found by the meta hash (BullMQ) or the id
 * counter with a state key beside it (Bull). Matched: BullMQ v6.2.0 (src/classes/queue-keys.ts,
 * src/commands; prioritized since 4.0), Bull v4.15.0 (lib/queue.js). */
static void detect_bull(struct catalogue *cat, struct qdefs *out)
{
    for (size_t i = 0; i < cat->n; i++) {
        const struct cat_key *k = &cat->v[i];
        bool meta = k->type == T_HASH && ends_with(&k->key, ":meta");
        bool id = k->type == T_STRING && ends_with(&k->key, ":id");
        if ((!meta && !id) || k->claimed)
            continue;
        size_t base_len = k->key.len - (meta ? 5 : 3);
        char *base = xmemdup(k->key.ptr, base_len);
        const char *colon = strrchr(base, ':');
        char probe[600];
        if (!colon || base_len > 500) {
            free(base);
            continue;
        }
        bool bullmq = meta;
        if (meta) {   /* a hash user:42:meta is no queue: BullMQ's meta has state keys beside it */
            static const char *const states[] = { "wait", "active", "delayed", "completed",
                                                  "failed", "paused", "prioritized", "events",
                                                  "id", "marker" };
            bool any = false;
            for (size_t s = 0; s < ARRAY_LEN(states) && !any; s++) {
                snprintf(probe, sizeof probe, "%s:%s", base, states[s]);
                any = cat_find(cat, probe) != NULL;
            }
            if (!any) {
                free(base);
                continue;
            }
        }
        if (id) {
            snprintf(probe, sizeof probe, "%s:meta", base);
            struct cat_key *m = cat_find(cat, probe);
            if (m && m->type == T_HASH) {   /* handled through the meta hash */
                free(base);
                continue;
            }
            static const char *const states[] = { "wait", "active", "delayed", "completed",
                                                  "failed", "paused" };
            bool any = false;
            for (size_t s = 0; s < ARRAY_LEN(states) && !any; s++) {
                snprintf(probe, sizeof probe, "%s:%s", base, states[s]);
                any = cat_find(cat, probe) != NULL;
            }
            if (!any) {
                free(base);
                continue;
            }
        }
        const char *qname = colon + 1;
        struct qdef *q = qdef_new(out, bullmq ? "bullmq" : "bull", "mixed", qname,
                                  strlen(qname));
        if (!q) {
            free(base);
            continue;
        }
        size_t bl = strlen(base);
        measure_addf(q, M_DEPTH, C_LLEN, U_MS, "%.*s:wait", base, bl);
        measure_addf(q, M_DEPTH, C_ZCARD, U_MS, "%.*s:prioritized", base, bl);
        measure_addf(q, M_DEPTH, C_LLEN, U_MS, "%.*s:paused", base, bl);
        measure_addf(q, M_IN_FLIGHT, C_LLEN, U_MS, "%.*s:active", base, bl);
        measure_addf(q, M_DELAYED, C_ZCARD, U_MS, "%.*s:delayed", base, bl);
        measure_addf(q, M_DUE, C_ZCOUNT_DUE, U_BULL, "%.*s:delayed", base, bl);
        measure_addf(q, M_FAILED, C_ZCARD, U_MS, "%.*s:failed", base, bl);
        /* the oldest waiting job: the pop end of wait, then its hash's timestamp (ms) */
        snprintf(probe, sizeof probe, "%s:", base);
        probe_addf(q, P_LIST_HASH, TU_MS, "%.*s:wait", base, bl, -1, probe, "timestamp");
        probe_addf(q, P_ZSET_MIN, TU_BULL, "%.*s:delayed", base, bl, 0, NULL, NULL);
        snprintf(probe, sizeof probe, "%s:metrics:completed", base);
        if (cat_find(cat, probe))
            measure_addf(q, M_PROCESSED, C_HGET_COUNT, U_MS, "%.*s:metrics:completed", base, bl);
        q->failed_apart = true;
        snprintf(probe, sizeof probe, "%s:metrics:failed", base);
        if (cat_find(cat, probe))
            measure_addf(q, M_FAILED_TOTAL, C_HGET_COUNT, U_MS, "%.*s:metrics:failed", base, bl);
        snprintf(probe, sizeof probe, "%s:", base);
        claim_prefix(cat, probe);   /* its state keys, job logs, metrics data */
        free(base);
    }
}

/* Sidekiq (7+, no namespace; matched v8.1.7 lib/sidekiq/{client,fetch,api}.rb): `queues` names the queues, `queue:<name>` lists; schedule, retry
 * and dead zsets (scores in float seconds) and the stat counters are shared by all queues and
 * form the row named "*"; in flight is each process's `<identity>:work` hash. */
static void detect_sidekiq(struct keys_collector *c, struct catalogue *cat, struct qdefs *out)
{
    struct cat_key *reg = cat_find(cat, "queues");
    bool others = cat_find(cat, "schedule") || cat_find(cat, "retry") || cat_find(cat, "dead");
    for (size_t i = 0; i < cat->n && !others; i++)
        others = cat->v[i].type == T_LIST && starts_with(&cat->v[i].key, "queue:");
    if (!reg || reg->type != T_SET || !others)
        return;
    reg->claimed = true;
    redisReply *names = set_members(c, "queues");
    for (size_t i = 0; names && i < names->elements; i++) {
        const redisReply *m = names->element[i];
        if (m->type != REDIS_REPLY_STRING || m->len > 500)
            continue;
        char list[512];
        snprintf(list, sizeof list, "queue:%.*s", (int)m->len, m->str);
        struct cat_key *own = cat_find(cat, list);
        if (own && own->claimed)
            continue;   /* another layout's queue (a kombu queue named queue:x) */
        if (own)
            own->claimed = true;
        struct qdef *q = qdef_new(out, "sidekiq", "list", m->str, m->len);
        if (q && q->mn == 0) {
            measure_addf(q, M_DEPTH, C_LLEN, U_S, "queue:%.*s", m->str, m->len);
            probe_addf(q, P_LIST_JSON, TU_S, "queue:%.*s", m->str, m->len, -1, NULL,
                       "enqueued_at");
        }
    }
    freeReplyObject(names);
    for (size_t i = 0; i < cat->n; i++) {   /* lists pushed to without SADD (still queues) */
        struct cat_key *k = &cat->v[i];
        if (k->type != T_LIST || k->claimed || !starts_with(&k->key, "queue:"))
            continue;
        k->claimed = true;
        struct qdef *q = qdef_new(out, "sidekiq", "list", k->key.ptr + 6, k->key.len - 6);
        if (q && q->mn == 0) {
            measure_add(q, M_DEPTH, C_LLEN, U_S, k->key.ptr, k->key.len);
            probe_add(q, P_LIST_JSON, TU_S, k->key.ptr, k->key.len, -1, NULL, "enqueued_at");
        }
    }
    struct qdef *all = qdef_new(out, "sidekiq", "zset", "*", 1);
    if (!all)
        return;
    measure_add(all, M_DELAYED, C_ZCARD, U_S, "schedule", 8);
    measure_add(all, M_DELAYED, C_ZCARD, U_S, "retry", 5);
    measure_add(all, M_DUE, C_ZCOUNT_DUE, U_S, "schedule", 8);
    measure_add(all, M_DUE, C_ZCOUNT_DUE, U_S, "retry", 5);
    measure_add(all, M_FAILED, C_ZCARD, U_S, "dead", 4);
    probe_add(all, P_ZSET_MIN, TU_S, "schedule", 8, 0, NULL, NULL);
    probe_add(all, P_ZSET_MIN, TU_S, "retry", 5, 0, NULL, NULL);
    measure_add(all, M_PROCESSED, C_GET, U_S, "stat:processed", 14);
    measure_add(all, M_FAILED_TOTAL, C_GET, U_S, "stat:failed", 11);
    claim(cat, "schedule");
    claim(cat, "retry");
    claim(cat, "dead");
    redisReply *procs = set_members(c, "processes");
    for (size_t i = 0; procs && i < procs->elements; i++) {
        const redisReply *m = procs->element[i];
        if (m->type == REDIS_REPLY_STRING)
            measure_addf(all, M_IN_FLIGHT, C_HLEN, U_S, "%.*s:work", m->str, m->len);
    }
    freeReplyObject(procs);
    claim(cat, "processes");
}

/* The first "\x06\x16" in p[0..len), or NULL. */
static const char *find_sep(const char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (p[i] == '\x06' && p[i + 1] == '\x16')
            return p + i;
    return NULL;
}

/* Celery on kombu (matched kombu v5.6.2 kombu/transport/redis.py): queue names come from the `_kombu.binding.<exchange>` sets (member:
 * routing_key \x06\x16 pattern \x06\x16 queue); a queue is its list plus the priority bands
 * `<q>\x06\x16{3,6,9}`; `unacked` (in flight) is shared by every queue: the "*" row. */
static void detect_celery(struct keys_collector *c, struct catalogue *cat, struct qdefs *out)
{
    static const char sep[] = "\x06\x16";
    bool found = false;
    for (size_t i = 0; i < cat->n; i++) {
        struct cat_key *k = &cat->v[i];
        if (k->type != T_SET || !starts_with(&k->key, "_kombu.binding."))
            continue;
        k->claimed = true;
        const char *exchange = k->key.ptr + strlen("_kombu.binding.");
        /* events and remote control: their lists are not task queues, and not plain lists */
        bool monitoring = strcmp(exchange, "celeryev") == 0 || ends_with(&k->key, ".pidbox");
        redisReply *members = set_members(c, k->key.ptr);
        for (size_t j = 0; members && j < members->elements; j++) {
            const redisReply *m = members->element[j];
            if (m->type != REDIS_REPLY_STRING)
                continue;
            /* the queue is after the second separator */
            const char *a = find_sep(m->str, m->len);
            const char *b = a ? find_sep(a + 2, m->len - (size_t)(a + 2 - m->str)) : NULL;
            if (!b)
                continue;
            const char *qn = b + 2;
            size_t ql = m->len - (size_t)(qn - m->str);
            if (monitoring) {
                char name[600];
                snprintf(name, sizeof name, "%.*s", (int)(ql > 500 ? 500 : ql), qn);
                claim(cat, name);
                continue;
            }
            struct cat_key *own = NULL;
            {
                char name[600];
                snprintf(name, sizeof name, "%.*s", (int)(ql > 500 ? 500 : ql), qn);
                own = cat_find(cat, name);
            }
            if (own && own->claimed)
                continue;   /* a --layouts file took it */
            struct qdef *q = qdef_new(out, "celery", "list", qn, ql);
            if (!q || q->mn)
                continue;
            found = true;
            measure_add(q, M_DEPTH, C_LLEN, U_S, qn, ql);
            static const char *const bands[] = { "3", "6", "9" };
            for (size_t s = 0; s < ARRAY_LEN(bands); s++) {
                char band[600];
                int bl = snprintf(band, sizeof band, "%.*s%s%s", (int)(ql > 500 ? 500 : ql), qn,
                                  sep, bands[s]);
                measure_add(q, M_DEPTH, C_LLEN, U_S, band, (size_t)bl);
                claim(cat, band);
            }
            char name[600];
            snprintf(name, sizeof name, "%.*s", (int)(ql > 500 ? 500 : ql), qn);
            claim(cat, name);
        }
        freeReplyObject(members);
    }
    struct cat_key *unacked = cat_find(cat, "unacked");
    if (found || (unacked && unacked->type == T_HASH)) {
        struct qdef *all = qdef_new(out, "celery", "mixed", "*", 1);
        if (all && all->mn == 0)
            measure_add(all, M_IN_FLIGHT, C_HLEN, U_S, "unacked", 7);
        claim(cat, "unacked_index");
    }
}

/* RQ: `rq:queues` holds the full list keys; the registries are zsets named after the queue.
 * Matched: RQ 2.10.0 (rq/queue.py, rq/registry.py; 1.x registries have the same names). */
static void add_rq_queue(struct qdefs *out, const char *name, size_t len)
{
    struct qdef *q = qdef_new(out, "rq", "mixed", name, len);
    if (!q || q->mn)
        return;
    measure_addf(q, M_DEPTH, C_LLEN, U_S, "rq:queue:%.*s", name, len);
    measure_addf(q, M_DEPTH, C_LLEN, U_S, "rq:queue:%.*s:intermediate", name, len);
    measure_addf(q, M_IN_FLIGHT, C_ZCARD, U_S, "rq:wip:%.*s", name, len);
    measure_addf(q, M_DELAYED, C_ZCARD, U_S, "rq:scheduled:%.*s", name, len);
    measure_addf(q, M_DUE, C_ZCOUNT_DUE, U_S, "rq:scheduled:%.*s", name, len);
    measure_addf(q, M_FAILED, C_ZCARD, U_S, "rq:failed:%.*s", name, len);
    probe_addf(q, P_ZSET_MIN, TU_S, "rq:scheduled:%.*s", name, len, 0, NULL, NULL);
}

static void detect_rq(struct keys_collector *c, struct catalogue *cat, struct qdefs *out)
{
    struct cat_key *reg = cat_find(cat, "rq:queues");
    if (reg && reg->type == T_SET) {
        reg->claimed = true;
        redisReply *names = set_members(c, "rq:queues");
        for (size_t i = 0; names && i < names->elements; i++) {
            const redisReply *m = names->element[i];
            struct bytes b = { m->str, m->len };
            if (m->type != REDIS_REPLY_STRING || !starts_with(&b, "rq:queue:") || m->len > 500)
                continue;
            char list[512];
            snprintf(list, sizeof list, "%.*s", (int)m->len, m->str);
            struct cat_key *own = cat_find(cat, list);
            if (!own || !own->claimed)
                add_rq_queue(out, m->str + 9, m->len - 9);
        }
        freeReplyObject(names);
    }
    for (size_t i = 0; i < cat->n; i++) {
        struct cat_key *k = &cat->v[i];
        if (k->claimed || !starts_with(&k->key, "rq:"))
            continue;
        k->claimed = true;
        if (k->type == T_LIST && starts_with(&k->key, "rq:queue:") &&
            !ends_with(&k->key, ":intermediate"))
            add_rq_queue(out, k->key.ptr + 9, k->key.len - 9);
    }
}

/* asynq: `asynq:queues` names the queues; every per-queue key is asynq:{<q>}:<suffix>.
 * Matched: asynq v0.26.0 (internal/base/base.go; the layout of 0.18 and later). */
static void detect_asynq(struct keys_collector *c, struct catalogue *cat, struct qdefs *out)
{
    struct cat_key *reg = cat_find(cat, "asynq:queues");
    if (!reg || reg->type != T_SET)
        return;
    redisReply *names = set_members(c, "asynq:queues");
    for (size_t i = 0; names && i < names->elements; i++) {
        const redisReply *m = names->element[i];
        if (m->type != REDIS_REPLY_STRING)
            continue;
        struct qdef *q = qdef_new(out, "asynq", "mixed", m->str, m->len);
        if (!q || q->mn)
            continue;
        measure_addf(q, M_DEPTH, C_LLEN, U_S, "asynq:{%.*s}:pending", m->str, m->len);
        measure_addf(q, M_IN_FLIGHT, C_LLEN, U_S, "asynq:{%.*s}:active", m->str, m->len);
        measure_addf(q, M_DELAYED, C_ZCARD, U_S, "asynq:{%.*s}:scheduled", m->str, m->len);
        measure_addf(q, M_DELAYED, C_ZCARD, U_S, "asynq:{%.*s}:retry", m->str, m->len);
        measure_addf(q, M_DUE, C_ZCOUNT_DUE, U_S, "asynq:{%.*s}:scheduled", m->str, m->len);
        measure_addf(q, M_DUE, C_ZCOUNT_DUE, U_S, "asynq:{%.*s}:retry", m->str, m->len);
        measure_addf(q, M_FAILED, C_ZCARD, U_S, "asynq:{%.*s}:archived", m->str, m->len);
        measure_addf(q, M_PROCESSED, C_GET, U_S, "asynq:{%.*s}:processed", m->str, m->len);
        measure_addf(q, M_FAILED_TOTAL, C_GET, U_S, "asynq:{%.*s}:failed", m->str, m->len);
        char hash[200];
        snprintf(hash, sizeof hash, "asynq:{%.*s}:t:", (int)(m->len > 180 ? 180 : m->len), m->str);
        if (m->len <= 140)   /* else the job-hash prefix would not fit whole: no age */
            probe_addf(q, P_LIST_HASH, TU_NS, "asynq:{%.*s}:pending", m->str, m->len, -1, hash,
                   "pending_since");
        probe_addf(q, P_ZSET_MIN, TU_S, "asynq:{%.*s}:scheduled", m->str, m->len, 0, NULL, NULL);
        probe_addf(q, P_ZSET_MIN, TU_S, "asynq:{%.*s}:retry", m->str, m->len, 0, NULL, NULL);
    }
    freeReplyObject(names);
    claim_prefix(cat, "asynq:");
}

/* Conductor: one zset per task queue, <ns>.QUEUE.<queue>.<shard>, scores in ms (matched
 * conductor-oss v3.32.0-rc redis-persistence BaseRedisQueueDAO with orkes-queues 2.0.0.rc3,
 * and Netflix dyno-queues 2.0 RedisDynoQueue for the .UNACK. layout). Ready is
 * score <= now; later scores mix delayed and taken-but-unacked messages (Redis cannot tell
 * them apart), except in the older dyno layout whose .UNACK. zset holds the taken ones. */
/* <ns>.QUEUE.<queue>.<shard>: the parts, or false. */
static bool conductor_key(const char *s, size_t *ns_len, const char **name, size_t *name_len)
{
    const char *dot = strrchr(s, '.');
    const char *q = strstr(s, ".QUEUE.");
    if (!dot || !q || q + 7 >= dot || dot[1] == '\0' || dot[2] != '\0')
        return false;
    *ns_len = (size_t)(q - s);
    *name = q + 7;
    *name_len = (size_t)(dot - *name);
    return true;
}

struct ccand {
    size_t i, nsl, nl;
    const char *key, *name;
    bool other_ns;
};

/* By queue name, then namespace. */
static int ccand_cmp(const void *pa, const void *pb)
{
    const struct ccand *a = pa, *b = pb;
    size_t n = a->nl < b->nl ? a->nl : b->nl;
    int c = memcmp(a->name, b->name, n);
    if (c || a->nl != b->nl)
        return c ? c : a->nl < b->nl ? -1 : 1;
    n = a->nsl < b->nsl ? a->nsl : b->nsl;
    c = memcmp(a->key, b->key, n);
    if (c || a->nsl != b->nsl)
        return c ? c : a->nsl < b->nsl ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void detect_conductor(struct catalogue *cat, struct qdefs *out)
{
    /* the candidates, parsed once and sorted by queue name then namespace: whether a name has
     * several namespaces is then a look at its neighbours (no pairwise comparison) */
    struct ccand *cand = xcalloc(cat->n + 1, sizeof *cand);
    size_t nc = 0;
    for (size_t i = 0; i < cat->n; i++) {
        struct ccand *c = &cand[nc];
        if (cat->v[i].type == T_ZSET && !cat->v[i].claimed &&
            conductor_key(cat->v[i].key.ptr, &c->nsl, &c->name, &c->nl)) {
            c->i = i;
            c->key = cat->v[i].key.ptr;
            nc++;
        }
    }
    if (nc > 1)
        qsort(cand, nc, sizeof *cand, ccand_cmp);
    for (size_t a = 0; a < nc; a++) {   /* groups of equal names: mark those with 2+ namespaces */
        size_t b = a;
        bool several = false;
        while (b + 1 < nc && cand[b + 1].nl == cand[a].nl &&
               memcmp(cand[b + 1].name, cand[a].name, cand[a].nl) == 0)
            b++;
        for (size_t j = a + 1; j <= b && !several; j++)
            several = cand[j].nsl != cand[a].nsl ||
                      memcmp(cat->v[cand[j].i].key.ptr, cat->v[cand[a].i].key.ptr,
                             cand[a].nsl) != 0;
        for (size_t j = a; j <= b; j++)
            cand[j].other_ns = several;
        a = b;
    }
    for (size_t ci = 0; ci < nc; ci++) {
        struct cat_key *k = &cat->v[cand[ci].i];
        size_t nsl = cand[ci].nsl, nl = cand[ci].nl;
        const char *name = cand[ci].name;
        bool other_ns = cand[ci].other_ns;
        char row[600];
        int rl = other_ns ? snprintf(row, sizeof row, "%.*s/%.*s", (int)(nsl > 250 ? 250 : nsl),
                                     k->key.ptr, (int)(nl > 300 ? 300 : nl), name)
                          : snprintf(row, sizeof row, "%.*s", (int)(nl > 500 ? 500 : nl), name);
        struct qdef *d = qdef_new(out, "conductor", "zset", row, (size_t)rl);
        if (!d)
            continue;
        k->claimed = true;   /* each shard adds to its queue's row */
        measure_add(d, M_DEPTH, C_ZCOUNT_DUE, U_MS, k->key.ptr, k->key.len);
        measure_add(d, M_DELAYED, C_ZCOUNT_FUTURE, U_MS, k->key.ptr, k->key.len);
        probe_add(d, P_ZSET_MIN, TU_MS, k->key.ptr, k->key.len, 0, NULL, NULL);
        d->probes[d->pn - 1].waiting_part = true;   /* ready messages wait in the zset itself */
        /* dyno-queues: <ns>.UNACK.<queue>.<shard> holds the taken ones */
        char *unack = xmalloc(k->key.len + 8);
        int n = snprintf(unack, k->key.len + 8, "%.*s.UNACK.%s", (int)nsl, k->key.ptr, name);
        struct cat_key *u = cat_find(cat, unack);
        if (u && u->type == T_ZSET) {
            u->claimed = true;
            measure_add(d, M_IN_FLIGHT, C_ZCARD, U_MS, unack, (size_t)n);
        }
        free(unack);
    }
    free(cand);
}

/* A layout file: each pattern's '*' is the queue's name. */
static bool pattern_name(const char *pattern, const struct bytes *key, const char **name,
                         size_t *len)
{
    const char *star = strchr(pattern, '*');
    size_t pre = (size_t)(star - pattern), post = strlen(star + 1);
    if (key->len < pre + post + 1 || memcmp(key->ptr, pattern, pre) != 0 ||
        memcmp(key->ptr + key->len - post, star + 1, post) != 0)
        return false;
    *name = key->ptr + pre;
    *len = key->len - pre - post;
    return true;
}

static void detect_file(const struct layout_file *f, struct catalogue *cat, struct qdefs *out)
{
    for (size_t p = 0; f && p < f->pattern_count; p++) {
        const struct layout_pattern *lp = &f->patterns[p];
        for (size_t i = 0; i < cat->n; i++) {
            struct cat_key *k = &cat->v[i];
            const char *name;
            size_t len;
            if (k->claimed || !pattern_name(lp->pattern, &k->key, &name, &len))
                continue;
            bool list = k->type == T_LIST, zset = k->type == T_ZSET;
            if (!(list || zset) || ((lp->role == ROLE_PENDING || lp->role == ROLE_PROCESSING) && !list) ||
                (lp->role == ROLE_DELAYED && !zset))
                continue;   /* not the type the role needs */
            struct qdef *q = qdef_new(out, f->name, "mixed", name, len);
            if (!q)
                continue;
            k->claimed = true;
            enum unit u = lp->score_ms ? U_MS : U_S;
            switch (lp->role) {
            case ROLE_PENDING:
                measure_add(q, M_DEPTH, C_LLEN, u, k->key.ptr, k->key.len);
                break;
            case ROLE_PROCESSING:
                measure_add(q, M_IN_FLIGHT, C_LLEN, u, k->key.ptr, k->key.len);
                break;
            case ROLE_DELAYED:
                measure_add(q, M_DELAYED, C_ZCARD, u, k->key.ptr, k->key.len);
                measure_add(q, M_DUE, C_ZCOUNT_DUE, u, k->key.ptr, k->key.len);
                probe_add(q, P_ZSET_MIN, lp->score_ms ? TU_MS : TU_S, k->key.ptr, k->key.len, 0,
                          NULL, NULL);
                break;
            case ROLE_DEAD:
                measure_add(q, M_FAILED, list ? C_LLEN : C_ZCARD, u, k->key.ptr, k->key.len);
                break;
            }
        }
    }
}

/* What is left: every list is a queue; a zset without a TTL whose lowest score looks like an
 * epoch time (seconds or ms) is a delay queue (a rate-limiter window has a TTL and is left out;
 * a leaderboard's scores do not look like times). */
static void detect_generic(struct keys_collector *c, struct catalogue *cat, struct qdefs *out)
{
    size_t *zsets = xcalloc(cat->n + 1, sizeof *zsets);
    size_t nz = 0;
    /* <base>:processing (the RPOPLPUSH/LMOVE target) is the in-flight part of <base> */
    for (size_t i = 0; i < cat->n; i++) {
        struct cat_key *k = &cat->v[i];
        if (k->claimed || k->type != T_LIST || !ends_with(&k->key, ":processing"))
            continue;
        size_t bl = k->key.len - strlen(":processing");
        char *base = xmemdup(k->key.ptr, bl);
        struct cat_key *b = cat_find(cat, base);
        if (b && b->type == T_LIST && !b->claimed) {
            struct qdef *q = qdef_new(out, "list", "list", base, bl);
            if (q && q->mn == 0) {
                measure_add(q, M_DEPTH, C_LLEN, U_S, base, bl);
                measure_add(q, M_IN_FLIGHT, C_LLEN, U_S, k->key.ptr, k->key.len);
                b->claimed = k->claimed = true;
            }
        }
        free(base);
    }
    for (size_t i = 0; i < cat->n; i++) {
        struct cat_key *k = &cat->v[i];
        if (k->claimed)
            continue;
        if (k->type == T_LIST) {
            struct qdef *q = qdef_new(out, "list", "list", k->key.ptr, k->key.len);
            if (q && q->mn == 0)
                measure_add(q, M_DEPTH, C_LLEN, U_S, k->key.ptr, k->key.len);
        } else if (k->type == T_ZSET && !k->has_ttl && nz < QUEUES_MAX) {
            zsets[nz++] = i;
        }
    }
    for (size_t i = 0; i < nz; i++) {
        const struct cat_key *k = &cat->v[zsets[i]];
        const char *a[5] = { "ZRANGE", k->key.ptr, "0", "0", "WITHSCORES" };
        size_t al[5] = { 6, k->key.len, 1, 1, 10 };
        redisAppendCommandArgv(c->ctx, 5, a, al);
    }
    redisReply **rep = nz ? xcalloc(nz, sizeof *rep) : NULL;
    char err[64];
    if (nz && get_replies(c, rep, nz, "ZRANGE", err, sizeof err) < 0) {
        free(rep);
        free(zsets);
        return;
    }
    for (size_t i = 0; i < nz; i++) {
        const struct cat_key *k = &cat->v[zsets[i]];
        const redisReply *r = rep[i];
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[1]->type != REDIS_REPLY_STRING)
            continue;
        double score = strtod(r->element[1]->str, NULL);
        enum unit u;
        if (score >= 1e9 && score < 1e10)
            u = U_S;
        else if (score >= 1e12 && score < 1e13)
            u = U_MS;
        else
            continue;
        struct qdef *q = qdef_new(out, "zset", "zset", k->key.ptr, k->key.len);
        if (q && q->mn == 0) {
            measure_add(q, M_DELAYED, C_ZCARD, u, k->key.ptr, k->key.len);
            measure_add(q, M_DUE, C_ZCOUNT_DUE, u, k->key.ptr, k->key.len);
            probe_add(q, P_ZSET_MIN, u == U_MS ? TU_MS : TU_S, k->key.ptr, k->key.len, 0, NULL,
                      NULL);
            q->probes[q->pn - 1].waiting_part = true;   /* a delay queue: its due jobs wait here */
        }
    }
    free_replies(rep, nz);
    free(rep);
    free(zsets);
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
    detect_file(c->cfg.layouts, &c->cat, &found);   /* the user's word first */
    detect_celery(c, &c->cat, &found);   /* its bindings name queues that may look like others' */
    detect_bull(&c->cat, &found);
    detect_sidekiq(c, &c->cat, &found);
    detect_rq(c, &c->cat, &found);
    detect_asynq(c, &c->cat, &found);
    detect_conductor(&c->cat, &found);
    detect_generic(c, &c->cat, &found);
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

/* ---- every tick: the queues and the locks ----------------------------------------------- */

static void due_bound(enum unit u, int64_t now_ms, char *buf, size_t len)
{
    switch (u) {
    case U_S:
        snprintf(buf, len, "%lld.%03lld", (long long)(now_ms / 1000), (long long)(now_ms % 1000));
        break;
    case U_MS:
        snprintf(buf, len, "%lld", (long long)now_ms);
        break;
    case U_BULL:   /* what BullMQ's promotion takes: score <= (now + 1) * 4096 - 1 */
        snprintf(buf, len, "%lld", (long long)((now_ms + 1) * 4096 - 1));
        break;
    }
}

static void append_measure(struct keys_collector *c, const struct measure *m)
{
    char bound[48], excl[50];
    const char *a[5];
    size_t al[5];
    int n = 2;
    a[1] = m->key.ptr;
    al[1] = m->key.len;
    switch (m->cmd) {
    case C_LLEN: a[0] = "LLEN"; break;
    case C_ZCARD: a[0] = "ZCARD"; break;
    case C_HLEN: a[0] = "HLEN"; break;
    case C_GET: a[0] = "GET"; break;
    case C_HGET_COUNT:
        a[0] = "HGET";
        a[2] = "count";
        n = 3;
        break;
    case C_ZCOUNT_DUE:
        due_bound(m->unit, c->server_ms, bound, sizeof bound);
        a[0] = "ZCOUNT";
        a[2] = "-inf";
        a[3] = bound;
        n = 4;
        break;
    case C_ZCOUNT_FUTURE:
        due_bound(m->unit, c->server_ms, bound, sizeof bound);
        snprintf(excl, sizeof excl, "(%s", bound);
        a[0] = "ZCOUNT";
        a[2] = excl;
        a[3] = "+inf";
        n = 4;
        break;
    }
    for (int i = 0; i < n; i++)
        if (i != 1)
            al[i] = strlen(a[i]);
    redisAppendCommandArgv(c->ctx, n, a, al);
}

static void add_to(long long *field, long long v)
{
    if (v == QT_UNKNOWN)
        return;
    *field = *field == QT_UNKNOWN ? v : *field + v;
}

static double per_sec(long long now, long long before, int64_t dt_ms)
{
    if (now == QT_UNKNOWN || before == QT_UNKNOWN || dt_ms <= 0)
        return NAN;
    return (double)(now - before) * 1000.0 / (double)dt_ms;
}

/* A time in a layout's unit as epoch ms; Sidekiq 8 writes ms where 7 wrote seconds. */
static double time_ms(double v, enum time_unit u)
{
    switch (u) {
    case TU_S: return v > 1e11 ? v : v * 1000.0;
    case TU_MS: return v;
    case TU_NS: return v / 1e6;
    case TU_BULL: return v / 4096.0;
    }
    return v;
}

/* Folds one job's time into the queue's oldest age: a job due or enqueued at t_ms has waited
 * now - t_ms; a delayed job not due yet has not waited at all. */
static void fold_age(long long *age, double t_ms, int64_t now_ms)
{
    if (!(t_ms >= 1e11))
        return;   /* not an epoch time (Conductor scores a priority message with the priority) */
    long long waited = t_ms < (double)now_ms ? (long long)((double)now_ms - t_ms) : 0;
    if (*age == QT_UNKNOWN || waited > *age)
        *age = waited;
}

static void append_probe(struct keys_collector *c, const struct age_probe *p)
{
    if (p->kind == P_ZSET_MIN) {
        /* the lowest score that is a time: scores below 1973 are priorities (Conductor scores
         * a message without delay by its priority), not due times */
        const char *bound = p->unit == TU_S ? "100000000"
                            : p->unit == TU_BULL ? "409600000000000" : "100000000000";
        const char *a[8] = { "ZRANGEBYSCORE", p->key.ptr, bound, "+inf", "WITHSCORES", "LIMIT",
                             "0", "1" };
        size_t al[8] = { 13, p->key.len, strlen(bound), 4, 10, 5, 1, 1 };
        redisAppendCommandArgv(c->ctx, 8, a, al);
    } else {
        const char *end = p->end < 0 ? "-1" : "0";
        const char *a[3] = { "LINDEX", p->key.ptr, end };
        size_t al[3] = { 6, p->key.len, strlen(end) };
        redisAppendCommandArgv(c->ctx, 3, a, al);
    }
}

#define PAYLOAD_PARSE_MAX 65536   /* a job payload bigger than this is not parsed for its time */

/* The first reply of a probe: an age folded in, or (P_LIST_HASH) the job hash to read next,
 * returned as a new string (caller frees), NULL otherwise. An empty queue has waited 0. */
static char *probe_first(const struct age_probe *p, const redisReply *r, int64_t now,
                         long long *age, double *next_due)
{
    if (!r || r->type == REDIS_REPLY_ERROR)
        return NULL;
    if (r->type == REDIS_REPLY_NIL ||
        (r->type == REDIS_REPLY_ARRAY && r->elements == 0)) {
        if (p->waiting_part && *age == QT_UNKNOWN)
            *age = 0;   /* nothing waiting there */
        return NULL;
    }
    if (p->kind == P_ZSET_MIN) {
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
            r->element[1]->type == REDIS_REPLY_STRING) {
            double t = time_ms(strtod(r->element[1]->str, NULL), p->unit);
            fold_age(age, t, now);
            if (t >= 1e11 && t > (double)now && (isnan(*next_due) || t < *next_due))
                *next_due = t;   /* it falls due later: the queue is read whole then */
        }
        return NULL;
    }
    if (r->type != REDIS_REPLY_STRING)
        return NULL;
    if (p->kind == P_LIST_JSON) {
        if (r->len > PAYLOAD_PARSE_MAX)
            return NULL;
        json_t *o = json_loadb(r->str, r->len, 0, NULL);
        json_t *v = json_object_get(o, p->field);
        if (json_is_number(v))
            fold_age(age, time_ms(json_number_value(v), p->unit), now);
        json_decref(o);
        return NULL;
    }
    if (r->len > 200 || memchr(r->str, '\0', r->len))
        return NULL;
    size_t hl = strlen(p->hash_prefix);
    char *key = xmalloc(hl + r->len + 1);
    memcpy(key, p->hash_prefix, hl);
    memcpy(key + hl, r->str, r->len);
    key[hl + r->len] = '\0';
    return key;
}

/* What the ages of queues read whole this tick start from on the ticks that do not read them. */
static void note_ages(struct keys_collector *c)
{
    for (size_t i = 0; i < c->queues.n; i++)
        if (c->queues.v[i].whole)
            c->queues.v[i].rot.age_read = c->readings[i].oldest_age_ms;
}

/* Reads the age probes of the queues read whole this tick (one round trip, and a second for
 * the job hashes); the others' ages follow from their last reading. */
static int read_ages(struct keys_collector *c, char *err, size_t errlen)
{
    size_t n = 0;
    for (size_t i = 0; i < c->queues.n; i++) {
        struct qdef *q = &c->queues.v[i];
        long long *age = &c->readings[i].oldest_age_ms;
        if (q->whole) {
            *age = QT_UNKNOWN;
            q->rot.next_due_ms = NAN;
        } else if (!c->time_ok || !q->rot.read_server_ms) {
            *age = QT_UNKNOWN;
        } else if (q->rot.age_read > 0) {
            /* not read whole this tick: the same oldest job, older by the time since */
            *age = q->rot.age_read + (c->server_ms > q->rot.read_server_ms
                                      ? c->server_ms - q->rot.read_server_ms : 0);
        } else {
            *age = q->rot.age_read;   /* none waited then (a delayed job falling due makes the
                                   * queue read whole), or unknown */
        }
    }
    if (!c->time_ok) {
        note_ages(c);
        return 0;   /* an age is the server's now minus a job's time: unknown without TIME */
    }
    for (size_t i = 0; i < c->queues.n; i++) {
        for (size_t j = 0; c->queues.v[i].whole && j < c->queues.v[i].pn; j++) {
            append_probe(c, &c->queues.v[i].probes[j]);
            n++;
        }
    }
    if (n == 0) {
        note_ages(c);
        return 0;
    }
    if (c->cfg.budget)
        c->spent_us += (double)n * cost_of(c->cfg.budget, COST_SMALL);
    redisReply **rep = xcalloc(n, sizeof *rep);
    if (get_replies(c, rep, n, "LINDEX", err, errlen) < 0) {
        free(rep);
        return -1;
    }
    char **hash = xcalloc(n, sizeof *hash);
    size_t *owner_q = xcalloc(n, sizeof *owner_q), *owner_p = xcalloc(n, sizeof *owner_p);
    size_t at = 0, second = 0;
    for (size_t i = 0; i < c->queues.n; i++) {
        for (size_t j = 0; c->queues.v[i].whole && j < c->queues.v[i].pn; j++, at++) {
            const struct age_probe *p = &c->queues.v[i].probes[j];
            char *h = probe_first(p, rep[at], c->server_ms, &c->readings[i].oldest_age_ms,
                                  &c->queues.v[i].rot.next_due_ms);
            if (h) {
                redisAppendCommand(c->ctx, "HGET %s %s", h, p->field);
                hash[second] = h;
                owner_q[second] = i;
                owner_p[second++] = j;
            }
        }
    }
    free_replies(rep, n);
    int rc = 0;
    if (second && c->cfg.budget)
        c->spent_us += (double)second * cost_of(c->cfg.budget, COST_SMALL);
    if (second) {
        redisReply **rep2 = xcalloc(second, sizeof *rep2);
        if (get_replies(c, rep2, second, "HGET", err, errlen) < 0) {
            rc = -1;
        } else {
            for (size_t s = 0; s < second; s++) {
                size_t qi = owner_q[s], pj = owner_p[s];
                const struct age_probe *p = &c->queues.v[qi].probes[pj];
                const redisReply *r = rep2[s];
                if (r && r->type == REDIS_REPLY_STRING)
                    fold_age(&c->readings[qi].oldest_age_ms, time_ms(strtod(r->str, NULL), p->unit),
                             c->server_ms);
            }
            free_replies(rep2, second);
        }
        free(rep2);
    }
    for (size_t s = 0; s < second; s++)
        free(hash[s]);
    free(hash);
    free(owner_q);
    free(owner_p);
    free(rep);
    note_ages(c);
    return rc;
}

/* The measures a queue's probes read: its first depth and its first in-flight measure (what
 * moves when jobs come in or are taken). */
static void choose_probes(struct qdef *q)
{
    static const enum metric wanted[QUEUE_PROBES] = { M_DEPTH, M_IN_FLIGHT };
    q->rot.probe_n = 0;
    for (int w = 0; w < QUEUE_PROBES; w++) {
        for (size_t j = 0; j < q->mn; j++) {
            if (q->m[j].metric == wanted[w]) {
                q->rot.probe_m[q->rot.probe_n++] = j;
                break;
            }
        }
    }
}

/* Whether q is read whole this tick: never read since its pass, a probe moved, a delayed job
 * fell due, QUEUE_REREAD_MS passed, or every reading is whole (--once). */
static bool read_whole(const struct keys_collector *c, const struct qdef *q, int64_t now,
                       bool all)
{
    return all || !q->rot.read_mono_ms || q->rot.hot || q->rot.probe_n == 0 ||
           now - q->rot.read_mono_ms >= QUEUE_REREAD_MS ||
           (c->time_ok && !isnan(q->rot.next_due_ms) && (double)c->server_ms >= q->rot.next_due_ms);
}

static int read_queues(struct keys_collector *c, bool all, char *err, size_t errlen)
{
    size_t cmds = 0;
    int64_t now = mono_ms();
    for (size_t i = 0; i < c->queues.n; i++) {
        struct qdef *q = &c->queues.v[i];
        if (!q->rot.read_mono_ms)
            choose_probes(q);
        q->whole = read_whole(c, q, now, all);
        for (size_t j = 0; j < (q->whole ? q->mn : q->rot.probe_n); j++) {
            append_measure(c, &q->m[q->whole ? j : q->rot.probe_m[j]]);
            cmds++;
        }
    }
    for (size_t i = 0; i < c->lock_n; i++) {
        const char *a[4] = { "PTTL", c->locks[i].key.ptr, "0", "63" };
        size_t al[4] = { 4, c->locks[i].key.len, 1, 2 };
        redisAppendCommandArgv(c->ctx, 2, a, al);
        a[0] = "GETRANGE";
        al[0] = 8;
        redisAppendCommandArgv(c->ctx, 4, a, al);
        cmds += 2;
    }
    if (cmds == 0)
        return 0;
    if (c->cfg.budget)
        c->spent_us += (double)cmds * cost_of(c->cfg.budget, COST_SMALL);
    redisReply **rep = xcalloc(cmds, sizeof *rep);
    if (get_replies(c, rep, cmds, "LLEN", err, errlen) < 0) {
        free(rep);
        return -1;
    }
    c->read_mono_ms = mono_ms();
    size_t at = 0;
    for (size_t i = 0; i < c->queues.n; i++) {
        struct qdef *q = &c->queues.v[i];
        struct queue_info *r = &c->readings[i];
        if (!q->whole) {
            /* its probes only: the figures stay those of its last whole reading (and its
             * sampled_server_ms says when that was) */
            for (size_t k = 0; k < q->rot.probe_n; k++)
                if (reply_ll(rep[at++]) != q->rot.probe_v[k])
                    q->rot.hot = true;
            continue;
        }
        for (size_t k = 0; k < q->rot.probe_n; k++)
            q->rot.probe_v[k] = reply_ll(rep[at + q->rot.probe_m[k]]);
        q->rot.hot = false;
        q->rot.read_mono_ms = c->read_mono_ms;
        q->rot.read_server_ms = c->time_ok ? c->server_ms : 0;
        r->sampled_server_ms = q->rot.read_server_ms;
        long long v[M_COUNT];
        bool no_clock[M_COUNT] = { false };
        for (int k = 0; k < M_COUNT; k++)
            v[k] = QT_UNKNOWN;
        for (size_t j = 0; j < q->mn; j++) {
            add_to(&v[q->m[j].metric], reply_ll(rep[at++]));
            if (!c->time_ok && (q->m[j].cmd == C_ZCOUNT_DUE || q->m[j].cmd == C_ZCOUNT_FUTURE))
                no_clock[q->m[j].metric] = true;
        }
        for (int k = 0; k < M_COUNT; k++)
            if (no_clock[k])
                v[k] = QT_UNKNOWN;   /* split at a "now" we do not know */
        r->depth = v[M_DEPTH];
        r->in_flight = v[M_IN_FLIGHT];
        r->delayed = v[M_DELAYED];
        r->due_now = v[M_DUE];
        r->failed = v[M_FAILED];
        r->processed_total = v[M_PROCESSED];
        r->failed_total = v[M_FAILED_TOTAL];
        /* rates: the counters tell what left; the rest of the change is what came in */
        long long total = QT_UNKNOWN;
        add_to(&total, r->depth);
        add_to(&total, r->in_flight);
        add_to(&total, r->delayed);
        r->enqueue_per_sec = r->dequeue_per_sec = r->depth_change_per_sec = NAN;
        if (q->have_prev) {
            int64_t dt = c->read_mono_ms - q->prev_ms;
            r->depth_change_per_sec = per_sec(total, q->prev_total, dt);
            double done = per_sec(r->processed_total, q->prev_processed, dt);
            double failed = per_sec(r->failed_total, q->prev_failed, dt);
            if (q->failed_apart && !isnan(done) && !isnan(failed) && failed >= 0)
                done += failed;   /* BullMQ: completed and failed are separate counters */
            if (!isnan(done) && done >= 0) {
                r->dequeue_per_sec = done;
                /* what came in: what left plus what stayed, when the row has its own depth
                 * (not Sidekiq's "*" row, whose counter covers every queue) */
                if (r->depth != QT_UNKNOWN && !isnan(r->depth_change_per_sec) &&
                    done + r->depth_change_per_sec >= 0)
                    r->enqueue_per_sec = done + r->depth_change_per_sec;
            }
        }
        q->have_prev = true;
        q->prev_ms = c->read_mono_ms;
        q->prev_total = total;
        q->prev_processed = r->processed_total;
        q->prev_failed = r->failed_total;
    }
    for (size_t i = 0; i < c->lock_n; i++) {
        struct lock_state *l = &c->locks[i];
        const redisReply *t = rep[at++];   /* -2: gone since the pass; -1: no expiry */
        l->ttl_ms = t && t->type == REDIS_REPLY_INTEGER ? t->integer : TTL_NOT_READ;
        const redisReply *o = rep[at++];
        bytes_free(&l->owner);
        if (o && o->type == REDIS_REPLY_STRING)
            bytes_set(&l->owner, o->str, o->len);
        else
            bytes_set(&l->owner, "", 0);
    }
    free_replies(rep, cmds);
    free(rep);
    return 0;
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
    if (get_replies(c, rep, 2, "TIME", err, errlen) < 0)
        return -1;
    long long s = QT_UNKNOWN, us = QT_UNKNOWN;
    if (rep[0]->type == REDIS_REPLY_ARRAY && rep[0]->elements == 2) {
        s = reply_ll(rep[0]->element[0]);
        us = reply_ll(rep[0]->element[1]);
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
    free_replies(rep, 2);

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
    int rc = read_queues(c, full_pass, err, errlen);
    if (rc == 0)
        rc = read_ages(c, err, errlen);
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
