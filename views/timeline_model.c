/* timeline_model.c -- see timeline_model.h. */
#include "timeline_model.h"

#include <math.h>
#include <string.h>

/* Times from the database are taken as they are, and an engine (or anyone writing its rows) can
 * store any int64. The axis works on a bounded domain so that no sum or product below can
 * overflow and no loop over columns can run long: a time after the end of year 9999 is drawn
 * at that end (the detail pane still shows the stored value). Doubles hold every integer of
 * this domain exactly. */
#define TL_MAX_MS INT64_C(253402300799999)   /* 9999-12-31 23:59:59.999 UTC */
#define MIN_MS_PER_COL 1.0
#define MAX_MS_PER_COL ((double)TL_MAX_MS / 8.0)   /* the whole domain in 8 columns */
/* where the left edge may be scrolled to: a domain's width either side */
#define MIN_T0 (-TL_MAX_MS)
#define MAX_T0 (2 * TL_MAX_MS)

static int64_t clamp_t(int64_t t)
{
    return t > TL_MAX_MS ? TL_MAX_MS : t;
}

static int64_t clamp_t0(double t)
{
    if (!(t >= (double)MIN_T0))   /* NaN too */
        return MIN_T0;
    if (t > (double)MAX_T0)
        return MAX_T0;
    return (int64_t)llround(t);
}

static void widen(int64_t t, int64_t *lo, int64_t *hi)
{
    if (t <= 0)
        return;
    t = clamp_t(t);
    if (*lo <= 0 || t < *lo)
        *lo = t;
    if (*hi <= 0 || t > *hi)
        *hi = t;
}

void tl_span(const struct workflow_exec *w, int64_t now_ms, int64_t *from_ms, int64_t *to_ms)
{
    int64_t lo = 0, hi = 0;
    widen(w->start_ms, &lo, &hi);
    widen(w->end_ms, &lo, &hi);
    for (size_t i = 0; i < w->task_count; i++) {
        const struct task_exec *t = &w->tasks[i];
        widen(t->scheduled_ms, &lo, &hi);
        widen(t->start_ms, &lo, &hi);
        widen(t->end_ms, &lo, &hi);
    }
    if (w->end_ms <= 0 && wf_status_class(w->status.ptr) == WF_ST_ACTIVE)
        widen(now_ms, &lo, &hi);   /* running: up to now */
    if (lo <= 0)
        lo = hi = clamp_t(now_ms > 0 ? now_ms : 1);
    if (hi <= lo)
        hi = lo + 1000;   /* lo <= TL_MAX_MS: no overflow */
    *from_ms = lo;
    *to_ms = hi;
}

void tl_axis_fit(struct tl_axis *a, const struct workflow_exec *w, int64_t now_ms, int cols)
{
    int64_t from, to;
    tl_span(w, now_ms, &from, &to);
    a->cols = cols > 1 ? cols : 1;
    /* ~1/16 spare on the right so a running execution does not hit the edge at once */
    double per = (double)(to - from) / ((double)a->cols * 15.0 / 16.0);
    a->ms_per_col = per < MIN_MS_PER_COL ? MIN_MS_PER_COL
                    : per > MAX_MS_PER_COL ? MAX_MS_PER_COL : per;
    a->t0_ms = from;
}

void tl_axis_zoom(struct tl_axis *a, double factor, int anchor)
{
    double t_anchor = (double)a->t0_ms + anchor * a->ms_per_col;
    double per = a->ms_per_col * factor;
    per = per < MIN_MS_PER_COL ? MIN_MS_PER_COL : per > MAX_MS_PER_COL ? MAX_MS_PER_COL : per;
    a->ms_per_col = per;
    a->t0_ms = clamp_t0(t_anchor - anchor * per);
}

void tl_axis_scroll(struct tl_axis *a, int cols)
{
    a->t0_ms = clamp_t0((double)a->t0_ms + cols * a->ms_per_col);
}

long tl_col(const struct tl_axis *a, int64_t t_ms)
{
    /* in doubles: t_ms - t0 may not fit an int64; the result is kept within +-1e9 columns so
     * the cast is defined and any caller's sum with a column count stays in range */
    double c = floor(((double)clamp_t(t_ms) - (double)a->t0_ms) / a->ms_per_col);
    if (!(c > -1e9))
        return -1000000000L;
    return c < 1e9 ? (long)c : 1000000000L;
}

/* [from_t, to_t) in columns, clipped; sets off_left/off_right when cut. */
static void range(const struct tl_axis *a, int64_t from_t, int64_t to_t, int *from, int *to,
                  struct tl_bar *b, bool at_least_one)
{
    long f = tl_col(a, from_t), t = tl_col(a, to_t);
    if (t < f)
        t = f;
    if (at_least_one && t == f)
        t = f + 1;
    if (f < 0) {
        b->off_left = true;
        f = 0;
    }
    if (t > a->cols) {
        b->off_right = true;
        t = a->cols;
    }
    if (f > a->cols)
        f = a->cols;
    if (t < f)
        t = f;
    *from = (int)f;
    *to = (int)t;
}

void tl_task_bar(const struct tl_axis *a, const struct task_exec *t, int64_t now_ms,
                 struct tl_bar *b)
{
    memset(b, 0, sizeof *b);
    enum wf_status_class cls = wf_status_class(t->status.ptr);
    bool active = cls == WF_ST_ACTIVE || cls == WF_ST_WARN;
    /* where each part ends when the engine has no end yet */
    int64_t open_end = active ? now_ms : t->update_ms > 0 ? t->update_ms : now_ms;
    if (t->start_ms > 0) {
        if (t->scheduled_ms > 0 && t->scheduled_ms < t->start_ms)
            range(a, t->scheduled_ms, t->start_ms, &b->wait_from, &b->wait_to, b, false);
        int64_t end = t->end_ms > 0 ? t->end_ms : open_end;
        b->ongoing = t->end_ms <= 0 && active;
        range(a, t->start_ms, end, &b->run_from, &b->run_to, b, true);
    } else if (t->scheduled_ms > 0) {
        /* never started: waiting (still, or until it was skipped or canceled) */
        int64_t end = t->end_ms > 0 ? t->end_ms : open_end;
        b->ongoing = t->end_ms <= 0 && active;
        range(a, t->scheduled_ms, end, &b->wait_from, &b->wait_to, b, true);
    }
}

static bool type_is(const struct task_exec *t, const char *a, const char *b)
{
    return t->type.ptr && (strcmp(t->type.ptr, a) == 0 || (b && strcmp(t->type.ptr, b) == 0));
}

bool tl_is_fork(const struct task_exec *t)
{
    /* Conductor stores FORK_JOIN and FORK_JOIN_DYNAMIC tasks with taskType FORK */
    return type_is(t, "FORK", "FORK_JOIN") || type_is(t, "FORK_JOIN_DYNAMIC", NULL);
}

bool tl_is_join(const struct task_exec *t)
{
    return type_is(t, "JOIN", NULL);
}

void tl_fork_depth(const struct workflow_exec *w, int *depth)
{
    int d = 0;
    for (size_t i = 0; i < w->task_count; i++) {
        const struct task_exec *t = &w->tasks[i];
        if (tl_is_join(t) && d > 0)
            d--;
        depth[i] = d;
        if (tl_is_fork(t))
            d++;
    }
}

int64_t tl_tick_ms(const struct tl_axis *a, int min_cols)
{
    static const int64_t steps[] = {
        1, 2, 5, 10, 20, 50, 100, 200, 500,
        1000, 2000, 5000, 10000, 15000, 30000,
        60000, 120000, 300000, 600000, 900000, 1800000,
        3600000, 7200000, 10800000, 21600000, 43200000, 86400000,
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        if ((double)steps[i] / a->ms_per_col >= min_cols)
            return steps[i];
    }
    /* whole days; ms_per_col <= MAX_MS_PER_COL keeps this within int64 */
    int64_t day = 86400000;
    return day * (int64_t)ceil(min_cols * a->ms_per_col / (double)day);
}
