/* streams_model.c -- see streams_model.h. */
#include "streams_model.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"
#include "../tui/format.h"
#include "../tui/sanitize.h"

const struct thresholds default_thresholds = {
    .lag_warn = 1000, .lag_crit = 10000,
    .oldest_warn_ms = 30 * 1000, .oldest_crit_ms = 5 * 60 * 1000,
    .deliveries_warn = 3, .deliveries_crit = 10,
    .idle_warn_ms = 60 * 1000,
    .memory_warn_share = 0.90, .memory_crit_share = 0.98,
    .ping_budget_ms = 5.0,
    .slowlog_warn_per_sec = 0.1,
    .restart_banner_ms = 15 * 60 * 1000,
};

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
    /* computed once per stream before sorting, indexed like r->streams: a comparator that
     * worked out severity or looked up a rate at every comparison was most of a frame at
     * 100,000 streams */
    unsigned char *sev;
    double *val;
};
static _Thread_local struct sort_ctx sort_ctx;

/* Numeric key of a stream for the current sort; NAN for unknown. */
static double sort_value(const struct stream_info *s)
{
    switch (sort_ctx.sort) {
    case SORT_LENGTH: return (double)s->length;
    case SORT_RATE: {
        const struct stream_history *sh = sort_ctx.h ? history_find(sort_ctx.h, &s->key) : NULL;
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

static int compare_rows(const void *pa, const void *pb)
{
    size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
    const struct stream_info *a = &sort_ctx.r->streams[ia];
    const struct stream_info *b = &sort_ctx.r->streams[ib];
    int c = 0;
    if (sort_ctx.sort == SORT_KEY) {
        c = bytes_cmp(&a->key, &b->key);
        return sort_ctx.reverse ? -c : c;
    }
    if (sort_ctx.sort == SORT_SEVERITY) {
        c = (int)sort_ctx.sev[ib] - (int)sort_ctx.sev[ia];
        if (!c)
            c = cmp_double_desc((double)a->oldest_pending_age_ms, (double)b->oldest_pending_age_ms);
        if (!c)
            c = cmp_double_desc((double)a->max_lag, (double)b->max_lag);
    } else {
        double va = sort_ctx.val[ia], vb = sort_ctx.val[ib];
        bool ua = isnan(va), ub = isnan(vb);
        if (ua || ub) {
            if (ua != ub)
                return ua ? 1 : -1;   /* unknown last, whatever the direction */
        } else {
            c = cmp_double_desc(va, vb);
        }
    }
    if (sort_ctx.reverse)
        c = -c;
    if (!c)
        c = bytes_cmp(&a->key, &b->key);
    return c;
}

/* Sorts out[0..n) with the keys of the current sort computed once per listed stream. */
static void sort_rows(size_t *out, size_t n)
{
    size_t total = sort_ctx.r->stream_count;
    sort_ctx.sev = NULL;
    sort_ctx.val = NULL;
    if (sort_ctx.sort == SORT_SEVERITY) {
        sort_ctx.sev = xcalloc(total ? total : 1, 1);
        for (size_t k = 0; k < n; k++)
            sort_ctx.sev[out[k]] =
                (unsigned char)stream_severity(&sort_ctx.r->streams[out[k]], sort_ctx.t);
    } else if (sort_ctx.sort != SORT_KEY) {
        sort_ctx.val = xcalloc(total ? total : 1, sizeof *sort_ctx.val);
        for (size_t k = 0; k < n; k++)
            sort_ctx.val[out[k]] = sort_value(&sort_ctx.r->streams[out[k]]);
    }
    if (n > 1)
        qsort(out, n, sizeof *out, compare_rows);
    free(sort_ctx.sev);
    free(sort_ctx.val);
    sort_ctx.sev = NULL;
    sort_ctx.val = NULL;
}

size_t streams_select(const struct redis_snapshot *r, const struct history *h, const char *filter,
                      enum stream_sort sort, bool reverse, const struct thresholds *t, size_t *out)
{
    size_t n = 0;
    const char *f = filter ? filter : "";
    for (size_t i = 0; i < r->stream_count; i++)
        if (!f[0] || key_matches_filter(&r->streams[i].key, f))
            out[n++] = i;
    sort_ctx = (struct sort_ctx){ r, h, t ? t : &default_thresholds, sort, reverse, NULL, NULL };
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
        if (stream_severity(&r->streams[i], t) != SEV_OK)
            out[n++] = i;
    sort_ctx = (struct sort_ctx){ r, h, t, SORT_SEVERITY, false, NULL, NULL };
    sort_rows(out, n);
    return n;
}
