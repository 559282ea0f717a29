/* keys_layouts.c -- which queue libraries' layouts a pass of the keys collector found, read
 * from the catalogue of its keys. Each library's layout and why it is read so is in
 * docs/queue-layouts.md (which names the versions matched). See keys_internal.h. */
#include "keys_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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
        bool meta = k->type == T_HASH && key_ends_with(&k->key, ":meta");
        bool id = k->type == T_STRING && key_ends_with(&k->key, ":id");
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
        others = cat->v[i].type == T_LIST && key_starts_with(&cat->v[i].key, "queue:");
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
        if (k->type != T_LIST || k->claimed || !key_starts_with(&k->key, "queue:"))
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
        if (k->type != T_SET || !key_starts_with(&k->key, "_kombu.binding."))
            continue;
        k->claimed = true;
        const char *exchange = k->key.ptr + strlen("_kombu.binding.");
        /* events and remote control: their lists are not task queues, and not plain lists */
        bool monitoring = strcmp(exchange, "celeryev") == 0 || key_ends_with(&k->key, ".pidbox");
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
            if (m->type != REDIS_REPLY_STRING || !key_starts_with(&b, "rq:queue:") || m->len > 500)
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
        if (k->claimed || !key_starts_with(&k->key, "rq:"))
            continue;
        k->claimed = true;
        if (k->type == T_LIST && key_starts_with(&k->key, "rq:queue:") &&
            !key_ends_with(&k->key, ":intermediate"))
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
        if (k->claimed || k->type != T_LIST || !key_ends_with(&k->key, ":processing"))
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
    if (nz && keys_get_replies(c, rep, nz, "ZRANGE", err, sizeof err) < 0) {
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
    keys_free_replies(rep, nz);
    free(rep);
    free(zsets);
}

void keys_detect(struct keys_collector *c, struct qdefs *found)
{
    detect_file(c->cfg.layouts, &c->cat, found);   /* the user's word first */
    detect_celery(c, &c->cat, found);   /* its bindings name queues that may look like others' */
    detect_bull(&c->cat, found);
    detect_sidekiq(c, &c->cat, found);
    detect_rq(c, &c->cat, found);
    detect_asynq(c, &c->cat, found);
    detect_conductor(&c->cat, found);
    detect_generic(c, &c->cat, found);
}
