/* streams_model.c -- see streams_model.h. */
#include "streams_model.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"
#include "../tui/format.h"
#include "../tui/sanitize.h"


static enum severity level(long long v, long long warn, long long crit)
{
    if (v == QT_UNKNOWN)
        return SEV_OK;
    return v >= crit ? SEV_CRIT : v >= warn ? SEV_WARN : SEV_OK;
}

static enum severity worst(enum severity a, enum severity b)
{
    return a > b ? a : b;
}

enum severity group_severity(const struct group_info *g, const struct thresholds *t)
{
    enum severity s = level(g->lag, t->lag_warn, t->lag_crit);
    if (g->has_oldest) {
        s = worst(s, level(g->oldest_age_ms, t->oldest_warn_ms, t->oldest_crit_ms));
        s = worst(s, level(g->oldest_deliveries, t->deliveries_warn, t->deliveries_crit));
    }
    return s;
}

enum severity stream_severity(const struct stream_info *s, const struct thresholds *t)
{
    enum severity sev = SEV_OK;
    for (size_t i = 0; i < s->group_len; i++)
        sev = worst(sev, group_severity(&s->groups[i], t));
    return sev;
}

void stream_problem(const struct stream_info *s, const struct thresholds *t, char *buf, size_t len)
{
    char a[32];
    buf[0] = '\0';
    if (s->max_deliveries >= t->deliveries_warn) {
        snprintf(buf, len, "delivered %lldx", s->max_deliveries);
    } else if (s->oldest_pending_age_ms != QT_UNKNOWN && s->oldest_pending_age_ms >= t->oldest_warn_ms) {
        fmt_duration_ms(s->oldest_pending_age_ms, a, sizeof a);
        snprintf(buf, len, "pending %s", a);
    } else if (s->max_lag != QT_UNKNOWN && s->max_lag >= t->lag_warn) {
        fmt_count(s->max_lag, a, sizeof a);
        snprintf(buf, len, "lag %s", a);
    }
}

const char *stream_sort_name(enum stream_sort sort)
{
    static const char *names[SORT_COUNT] = { "severity", "key", "length", "in/s", "groups",
                                             "max lag", "pending", "oldest", "consumers" };
    return sort < SORT_COUNT ? names[sort] : "?";
}

bool key_matches_filter(const struct bytes *key, const char *filter)
{
    size_t fl = strlen(filter);
    if (fl == 0)
        return true;
    if (fl > key->len)
        return false;
    for (size_t i = 0; i + fl <= key->len; i++) {
        size_t j = 0;
        while (j < fl && tolower((unsigned char)key->ptr[i + j]) == tolower((unsigned char)filter[j]))
            j++;
        if (j == fl)
            return true;
    }
    return false;
}

/* qsort has no context argument: the sort's parameters live here for the call's duration
 * (the UI thread is the only caller). */
struct sort_ctx {
    const struct redis_snapshot *r;
    const struct history *h;
    const struct thresholds *t;
    enum stream_sort sort;
    bool reverse;
};
static _Thread_local struct sort_ctx sort_ctx;

/* Numeric key of a stream for the current sort; NAN for unknown. */
static double sort_value(const struct stream_info *s)
{
    switch (sort_ctx.sort) {
    case SORT_LENGTH: return (double)s->length;
    case SORT_RATE: {
        const struct stream_history *sh = sort_ctx.h ? history_find(sort_ctx.h, &s->key, s->node) : NULL;
        return sh ? sh->produced_per_sec : NAN;
    }
    case SORT_GROUPS: return (double)s->group_len;
    case SORT_LAG: return s->max_lag == QT_UNKNOWN ? NAN : (double)s->max_lag;
    case SORT_PENDING: return (double)s->pending_total;
    case SORT_OLDEST:
        return s->oldest_pending_age_ms == QT_UNKNOWN ? NAN : (double)s->oldest_pending_age_ms;
    case SORT_CONSUMERS: return (double)s->consumers_total;
    default: return 0.0;
    }
}

static int cmp_double_desc(double a, double b)
{
    if (a > b)
        return -1;
    if (a < b)
        return 1;
    return 0;
}

/* What a row is sorted by, computed once per listed stream and compared in a contiguous
 * array: a comparator that worked out severity, looked up a rate or compared keys at every
 * comparison was most of our CPU at 100,000 streams. */
struct row_key {
    double k1, k2, k3;   /* severity, oldest pending age, lag; or the column's value */
    uint32_t idx;        /* into r->streams */
    bool unknown;        /* numeric columns: no value (sorts last either way) */
};

static bool by_index;    /* streams are in key order: ties by index instead of by key bytes */

static int row_key_cmp(const void *pa, const void *pb)
{
    const struct row_key *a = pa, *b = pb;
    int c = 0;
    if (sort_ctx.sort == SORT_SEVERITY) {
        c = cmp_double_desc(a->k1, b->k1);
        if (!c)
            c = cmp_double_desc(a->k2, b->k2);
        if (!c)
            c = cmp_double_desc(a->k3, b->k3);
    } else if (sort_ctx.sort != SORT_KEY) {
        if (a->unknown || b->unknown) {
            if (a->unknown != b->unknown)
                return a->unknown ? 1 : -1;   /* unknown last, whatever the direction */
        } else {
            c = cmp_double_desc(a->k1, b->k1);
        }
    }
    if (sort_ctx.sort == SORT_KEY) {
        c = by_index ? (a->idx < b->idx ? -1 : a->idx > b->idx)
                     : bytes_cmp(&sort_ctx.r->streams[a->idx]->key, &sort_ctx.r->streams[b->idx]->key);
        return sort_ctx.reverse ? -c : c;
    }
    if (sort_ctx.reverse)
        c = -c;
    if (!c)
        c = by_index ? (a->idx < b->idx ? -1 : a->idx > b->idx)
                     : bytes_cmp(&sort_ctx.r->streams[a->idx]->key, &sort_ctx.r->streams[b->idx]->key);
    return c;
}

/* Quiet streams (no problem, nothing pending, no lag) are most of a big keyspace: by severity
 * they fall into four buckets of equal keys, already in key order, so only the others are
 * sorted and the two lists merged. */
static int quiet_bucket(const struct row_key *k)
{
    if (k->k1 != SEV_OK || (k->k2 != 0 && k->k2 != QT_UNKNOWN) ||
        (k->k3 != 0 && k->k3 != QT_UNKNOWN))
        return -1;
    return (k->k2 == 0 ? 2 : 0) + (k->k3 == 0 ? 1 : 0);
}

static void sort_rows(size_t *out, size_t n)
{
    const struct redis_snapshot *r = sort_ctx.r;
    /* a collector's snapshot is in key order by construction: checking it dereferenced
     * every stream's record and key, each frame */
    by_index = true;
    for (size_t i = 1; !r->keys_sorted && i < r->stream_count && by_index; i++)
        if (bytes_cmp(&r->streams[i - 1]->key, &r->streams[i]->key) >= 0)
            by_index = false;
    struct row_key *keys = xmalloc((n ? n : 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++) {
        const struct stream_info *st = r->streams[out[i]];
        struct row_key *k = &keys[i];
        *k = (struct row_key){ .idx = (uint32_t)out[i] };
        if (sort_ctx.sort == SORT_SEVERITY) {
            k->k1 = (double)stream_severity(st, sort_ctx.t);
            k->k2 = (double)st->oldest_pending_age_ms;
            k->k3 = (double)st->max_lag;
        } else if (sort_ctx.sort != SORT_KEY) {
            k->k1 = sort_value(st);
            k->unknown = isnan(k->k1);
        }
    }
    if (sort_ctx.sort != SORT_SEVERITY || !by_index) {
        qsort(keys, n, sizeof *keys, row_key_cmp);
        for (size_t i = 0; i < n; i++)
            out[i] = keys[i].idx;
        free(keys);
        return;
    }
    /* severity: the others sorted, the quiet ones by bucket, merged */
    struct row_key *other = xmalloc((n ? n : 1) * sizeof *other);
    struct row_key *quiet = xmalloc((n ? n : 1) * sizeof *quiet);
    size_t bucket_n[4] = { 0 }, on = 0;
    for (size_t i = 0; i < n; i++) {
        int b = quiet_bucket(&keys[i]);
        if (b < 0)
            other[on++] = keys[i];
        else
            bucket_n[b]++;
    }
    /* the buckets in the comparator's order, by a representative of each */
    struct row_key rep[4];
    int order[4] = { 0, 1, 2, 3 };
    for (int b = 0; b < 4; b++)
        rep[b] = (struct row_key){ SEV_OK, (b & 2) ? 0 : QT_UNKNOWN, (b & 1) ? 0 : QT_UNKNOWN,
                                   (uint32_t)b, false };
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && row_key_cmp(&rep[order[j]], &rep[order[j - 1]]) < 0; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t start[4], at = 0;
    for (int i = 0; i < 4; i++) {
        start[order[i]] = at;
        at += bucket_n[order[i]];
    }
    for (size_t i = 0; i < n; i++) {   /* keys[] is in index order: buckets stay in it */
        int b = quiet_bucket(&keys[i]);
        if (b >= 0)
            quiet[start[b]++] = keys[i];
    }
    size_t qn = at;
    qsort(other, on, sizeof *other, row_key_cmp);
    size_t i = 0, j = 0, o = 0;
    while (i < on && j < qn)
        out[o++] = row_key_cmp(&other[i], &quiet[j]) <= 0 ? other[i++].idx : quiet[j++].idx;
    while (i < on)
        out[o++] = other[i++].idx;
    while (j < qn)
        out[o++] = quiet[j++].idx;
    free(other);
    free(quiet);
    free(keys);
}

size_t streams_select(const struct redis_snapshot *r, const struct history *h, const char *filter,
                      enum stream_sort sort, bool reverse, const struct thresholds *t, size_t *out)
{
    size_t n = 0;
    const char *f = filter ? filter : "";
    for (size_t i = 0; i < r->stream_count; i++)
        if (!f[0] || key_matches_filter(&r->streams[i]->key, f))
            out[n++] = i;
    sort_ctx = (struct sort_ctx){ r, h, t ? t : &default_thresholds, sort, reverse };
    sort_rows(out, n);
    return n;
}

size_t streams_problems(const struct redis_snapshot *r, const struct history *h,
                        const struct thresholds *t, size_t *out)
{
    if (!t)
        t = &default_thresholds;
    size_t n = 0;
    for (size_t i = 0; i < r->stream_count; i++)
        if (stream_severity(r->streams[i], t) != SEV_OK)
            out[n++] = i;
    sort_ctx = (struct sort_ctx){ r, h, t, SORT_SEVERITY, false };
    sort_rows(out, n);
    return n;
}
