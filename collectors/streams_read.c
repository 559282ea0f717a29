/* streams_read.c -- what reading a stream costs, and the pipelined batches that read them
 * (round trip A, then B, C and D as each batch's replies ask). See streams_internal.h and
 * the top of redis_streams.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "streams_internal.h"
#include "util.h"

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
bool sc_groups_readable(struct streams_collector *c, const struct tracked *t)
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
    return sc_is_focus(c, t) && g->consumers <= STREAM_CONSUMERS_READ_MAX;
}

/* A cluster's answer for a key of a slot this node does not serve (any more): the map is to
 * be read again (the fleet's watcher wakes on it). */
static bool sc_moved(struct streams_collector *c, const redisReply *r)
{
    if (!resp_is_error(r, "MOVED ") && !resp_is_error(r, "ASK "))
        return false;
    if (c->hub)
        hub_note_moved(c->hub);
    return true;
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
        const redisReply *e = resp_field(r, names[n]);
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

/* An XINFO STREAM reply into t (sc_own()ed by the caller): its figures, and the size of its two
 * entries. */
static void take_xinfo_stream(struct tracked *t, const redisReply *r)
{
    sc_parse_stream(t->info, r);
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
double sc_read_cost(struct streams_collector *c, const struct tracked *t, bool with_groups)
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
void sc_cmdbuf_add(struct cmdbuf *b, int argc, const char *const *argv, const size_t *lens)
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
    sc_cmdbuf_add(b, 3, argv, lens);
}

/* XPENDING k g - + 1 (the head of the PEL) or XINFO CONSUMERS k g. */
static void cmd_group(struct cmdbuf *b, bool consumers, const struct bytes *k, const struct bytes *g)
{
    if (consumers) {
        const char *argv[] = { "XINFO", "CONSUMERS", k->ptr, g->ptr };
        size_t lens[] = { 5, 9, k->len, g->len };
        sc_cmdbuf_add(b, 4, argv, lens);
    } else {
        const char *argv[] = { "XPENDING", k->ptr, g->ptr, "-", "+", "1" };
        size_t lens[] = { 8, k->len, g->len, 1, 1, 1 };
        sc_cmdbuf_add(b, 6, argv, lens);
    }
}

void sc_cmdbuf_send(redisContext *ctx, struct cmdbuf *b)
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
                                  sc_group_name_cmp)
                        : NULL;
}

/* Applies an XPENDING or XINFO CONSUMERS reply to group g of stream t (g NULL: the group is
 * gone). A refusal of this key (NOPERM) leaves the stream out. */
static void apply_group_reply(struct streams_collector *c, struct tracked *t, struct group_info *g,
                              bool consumers, const redisReply *r)
{
    if (resp_is_error(r, "NOPERM"))
        sc_deny_stream(c, t, r);
    if (!g)
        return;
    if (consumers) {
        sc_parse_consumers(g, r);
        t->listed = true;
    }
    else
        sc_parse_oldest(g, r, c->server_ms);
}

/* Writes round trip A of the batch into the connection's output buffer; it leaves with the
 * next redis_io_get_reply, together with anything appended after it. */
static void batch_prepare(struct streams_collector *c, struct batch *bt)
{
    struct cmdbuf out = { 0 };
    const char *time_argv[] = { "TIME" };
    sc_cmdbuf_add(&out, 1, time_argv, NULL);
    if (bt->want_role) {
        const char *info_argv[] = { "INFO", "replication" };
        sc_cmdbuf_add(&out, 2, info_argv, NULL);
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
            sc_cmdbuf_add(&out, 2, xlen, xlen_len);
        }
        if (size_wanted(c, t)) {
            ask |= ASK_MEMORY;
            const char *mu[] = { "MEMORY", "USAGE", k->ptr, "SAMPLES", "1" };
            size_t mu_len[] = { 6, 5, k->len, 7, 1 };
            sc_cmdbuf_add(&out, 5, mu, mu_len);
        }
        /* a stream XINFO STREAM last found without groups is asked XINFO GROUPS only when this
         * one finds some (round trip B) */
        if (sc_groups_readable(c, t) &&
            !((ask & ASK_STREAM) && t->info->xinfo_stream && t->info->group_count == 0)) {
            ask |= ASK_GROUPS;
            cmd_key(&out, "XINFO", "GROUPS", k);
        }
        bt->ask[i] = ask;
        const char *pttl[] = { "PTTL", k->ptr };
        size_t pttl_len[] = { 4, k->len };
        sc_cmdbuf_add(&out, 2, pttl, pttl_len);
        c->spent_us += sc_read_cost(c, t, ask & ASK_GROUPS) - first_read_rest(c, t);
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
        sc_scan_argv(c, bt->full, argv, count);
        sc_cmdbuf_add(&out, 8, argv, NULL);
    }
    sc_cmdbuf_send(c->ctx, &out);
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
        rc = sc_fail_io(c, "TIME", err, errlen);
        goto done;
    }
    long long sec = QT_UNKNOWN, usec = QT_UNKNOWN;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        sec = resp_ll(r->element[0]);
        usec = resp_ll(r->element[1]);
    }
    if (sec >= 0 && sec < 100000000000LL && usec >= 0 && usec < 1000000)
        c->server_ms = sec * 1000 + usec / 1000;
    else
        rc = sc_fail_reply(c, "TIME failed", r, err, errlen);
    if (bt->want_role) {
        if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
            rc = sc_fail_io(c, "INFO", err, errlen);
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
            rc = sc_fail_io(c, xs ? "XINFO" : "XLEN", err, errlen);
            goto done;
        }
        if (!wg)
            rg = &no_groups;
        bool ok = false;
        sc_own(t);
        t->denied = false;
        t->tick_read = c->tick_no;
        uint64_t sig_before = t->sampled ? stream_signature(t->info, t->groups_read) : 0;
        bool rs_ok = xs ? rs->type == REDIS_REPLY_ARRAY : rs->type == REDIS_REPLY_INTEGER;
        if (!xs && resp_is_error(rs, "NOPERM") && strstr(rs->str, "'xlen'")) {
            /* an ACL that grants XINFO but not XLEN (the command, not this key): every
             * stream is read with XINFO STREAM from now on, this one next tick */
            c->xlen_refused = true;
            t->changed = true;
        } else if (resp_is_error(rs, "ERR no such key") || resp_is_error(rs, "WRONGTYPE") ||
            resp_is_error(rg, "ERR no such key") || resp_is_error(rg, "WRONGTYPE") ||
            sc_moved(c, rs) || sc_moved(c, rg) || sc_moved(c, rt) ||
            (rt->type == REDIS_REPLY_INTEGER && rt->integer == -2)) {
            /* deleted or retyped since SCAN (possibly between two commands); XLEN of a
             * missing key is 0, PTTL's -2 tells. MOVED/ASK: a cluster moved its slot to
             * another node, whose own walk finds it there */
            t->gone = true;
        } else if (resp_is_error(rs, "NOPERM") || resp_is_error(rg, "NOPERM")) {
            sc_deny_stream(c, t, resp_is_error(rs, "NOPERM") ? rs : rg);
        } else if (!rs_ok || rg->type != REDIS_REPLY_ARRAY) {
            if (rc == 0)
                rc = sc_fail_reply(c, xs ? "XINFO failed" : "XLEN failed", !rs_ok ? rs : rg, err,
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
            else if (xs && !wg && t->info->group_count > 0 && sc_groups_readable(c, t))
                follow = FIX_GROUPS;   /* first read, or groups where there were none */
            bool later = follow != FIX_PENDING;
            if (wg) {
                sc_parse_groups(t->info, rg);
                if (!xs)
                    t->info->group_count = (long long)t->info->group_len;
                t->info->groups_unread = false;
            } else {
                /* until a later round trip reads them, or for good when there are too many to
                 * read within COST_COMMAND_MAX_US: group figures are unknown, not none */
                sc_free_groups(t->info);
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
                                    sc_groups_readable(c, t));
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
                rc = sc_fail_io(c, "XPENDING", err, errlen);
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
        sc_derive(t);
    }
    if (bt->with_scan) {
        if (redis_io_get_reply(c->ctx, (void **)&r) != REDIS_OK) {
            rc = sc_fail_io(c, "SCAN", err, errlen);
            goto done;
        }
        c->scan_result = sc_scan_apply(c, r, err, errlen);
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
    struct tracked *t = &c->items[item];   /* sc_own()ed by batch_collect_fixes */
    if (resp_is_error(r, "ERR no such key") || resp_is_error(r, "WRONGTYPE") || sc_moved(c, r)) {
        t->gone = true;
    } else if (resp_is_error(r, "NOPERM")) {
        sc_deny_stream(c, t, r);
    } else if (r->type != REDIS_REPLY_ARRAY) {
        t->changed = true;
    } else if (kind == FIX_STREAM) {
        take_xinfo_stream(t, r);
        if (t->info->group_count > 0 && sc_groups_readable(c, t)) {
            add_fix(c, &bt->next, item, FIX_GROUPS, &t->info->key, NULL);
        } else {
            /* none, or too many to read within COST_COMMAND_MAX_US */
            t->info->groups_unread = t->info->group_count != 0;
            t->groups_read = t->info->group_count == 0;
        }
    } else {
        sc_parse_groups(t->info, r);
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
            rc = sc_fail_io(c, fx->kind == FIX_PENDING ? "XPENDING" : "XINFO", err, errlen);
            break;
        }
        struct tracked *t = &c->items[fx->item];
        sc_own(t);
        if (fx->kind == FIX_GROUPS || fx->kind == FIX_STREAM)
            apply_first_fix(c, bt, fx->item, fx->kind, r);
        else
            apply_group_reply(c, t, group_by_name(t->info, &fx->group),
                              fx->kind == FIX_CONSUMERS, r);
        if (f + 1 == fr->nfix || fr->fixes[f + 1].item != fx->item)
            sc_derive(t);
    }
    reply_arena_detach(&c->arena, c->ctx);
    reply_arena_reset(&c->arena);
    fix_round_free(fr);
    *fr = bt->next;
    memset(&bt->next, 0, sizeof bt->next);
    return rc;
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
int sc_read_streams(struct streams_collector *c, bool full, int64_t start,
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
            sc_cmdbuf_send(c->ctx, &bt->now.b);
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
