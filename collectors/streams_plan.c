/* streams_plan.c -- which streams a tick of the streams collector reads: the XLEN probes in
 * rotation, the hot streams, the cold rotation. See streams_internal.h and the top of
 * redis_streams.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streams_internal.h"
#include "util.h"

void sc_plan_add(struct streams_collector *c, struct plan *p, size_t i)
{
    if (c->items[i].planned)
        return;
    c->items[i].planned = true;
    p->idx = xgrow(p->idx, p->n, &p->cap, 256, sizeof *p->idx);
    p->idx[p->n++] = i;
}

void sc_plan_clear(struct streams_collector *c, struct plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->idx[i] < c->count)
            c->items[p->idx[i]].planned = false;
    p->n = 0;
}

/* ---- probes: XLEN of quiet streams in rotation ------------------------------------------- */

#define PROBES_PER_ROUND_TRIP 5000

/* Sends XLEN for up to `room` µs worth of streams from the probe rotation and marks those whose
 * length moved as changed. A length that did not move says nothing about consumers; the cold
 * rotation re-reads those. Returns 0 or -1. */
int sc_probe_streams(struct streams_collector *c, double room, int64_t now, char *err,
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
        sc_cmdbuf_add(&out, 2, argv, lens);
        idx[n++] = i;
        c->probed_in_cycle++;
    }
    int rc = 0;
    if (n) {
        sc_cmdbuf_send(c->ctx, &out);
        c->round_trips++;
        c->spent_us += (double)n * each;
        c->probes += n;
        reply_arena_attach(&c->arena, c->ctx);
        for (size_t k = 0; k < n; k++) {
            redisReply *r = NULL;
            if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
                rc = sc_fail_io(c, "XLEN", err, errlen);
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
double sc_plan_hot(struct streams_collector *c, struct plan *p, double room, int64_t now)
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
        else if (t->changed || (!t->groups_read && sc_groups_readable(c, t)))
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
        double cost = sc_read_cost(c, t, sc_groups_readable(c, t));
        if (spent + cost > room)
            break;
        spent += cost;
        sc_plan_add(c, p, cand[k].i);
    }
    free(cand);
    return spent;
}

/* The cold rotation from rr_next, within room µs; a wrap ends a cycle. */
void sc_plan_cold(struct streams_collector *c, struct plan *p, double room, int64_t now)
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
            double cost = sc_read_cost(c, t, sc_groups_readable(c, t));
            if (spent + cost > room)
                break;
            spent += cost;
            sc_plan_add(c, p, c->rr_next);
        }
        c->rr_next++;
    }
}
