/* keys_read.c -- every tick of the keys collector: the queues (whole, or their probes) and
 * the locks, on the server's clock. See keys_internal.h. */
#include "keys_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "resp.h"
#include "util.h"

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
int keys_read_ages(struct keys_collector *c, char *err, size_t errlen)
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
    if (keys_get_replies(c, rep, n, "LINDEX", err, errlen) < 0) {
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
    keys_free_replies(rep, n);
    int rc = 0;
    if (second && c->cfg.budget)
        c->spent_us += (double)second * cost_of(c->cfg.budget, COST_SMALL);
    if (second) {
        redisReply **rep2 = xcalloc(second, sizeof *rep2);
        if (keys_get_replies(c, rep2, second, "HGET", err, errlen) < 0) {
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
            keys_free_replies(rep2, second);
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

int keys_read_queues(struct keys_collector *c, bool all, char *err, size_t errlen)
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
    if (keys_get_replies(c, rep, cmds, "LLEN", err, errlen) < 0) {
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
                if (resp_counter(rep[at++]) != q->rot.probe_v[k])
                    q->rot.hot = true;
            continue;
        }
        for (size_t k = 0; k < q->rot.probe_n; k++)
            q->rot.probe_v[k] = resp_counter(rep[at + q->rot.probe_m[k]]);
        q->rot.hot = false;
        q->rot.read_mono_ms = c->read_mono_ms;
        q->rot.read_server_ms = c->time_ok ? c->server_ms : 0;
        r->sampled_server_ms = q->rot.read_server_ms;
        long long v[M_COUNT];
        bool no_clock[M_COUNT] = { false };
        for (int k = 0; k < M_COUNT; k++)
            v[k] = QT_UNKNOWN;
        for (size_t j = 0; j < q->mn; j++) {
            add_to(&v[q->m[j].metric], resp_counter(rep[at++]));
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
    keys_free_replies(rep, cmds);
    free(rep);
    return 0;
}
