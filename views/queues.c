/* queues.c -- every queue that is not a stream, whatever its shape (BullMQ, Bull, Sidekiq,
 * Celery, RQ, asynq, Conductor, a --layouts file, plain lists, delay zsets), in one table worst
 * first: most jobs due now (late: they should already have run), then the deepest. Enter shows
 * the keys a queue is read from under the table. Figures come from the keys collector
 * (collectors/redis_keys.c); one the layout does not keep shows as '-', one it keeps that is
 * not known as '?'. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/nodes.h"
#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/draw.h"
#include "../tui/field.h"
#include "../tui/keys.h"
#include "../tui/format.h"
#include "../tui/list_nav.h"
#include "panels.h"
#include "streams_model.h"

static const struct keys_snapshot *keys_of(const struct app *app)
{
    return app->keys ? &app->keys->keys : NULL;
}

/* ---- the view's state ----------------------------------------------------------------------- */

struct queues_state {
    struct list list;               /* indexes into the keys sample's queues, by layout and
                                     * name: filtered on either, in enum queue_sort's order */
    bool detail;                    /* Enter on a queue: its keys under the table */
};

enum queue_sort { QS_WORST, QS_DEPTH, QS_DELAYED, QS_FAILED, QS_NAME, QS_COUNT };

/* A queue's identity: its layout, a NUL, its name; ctx is the struct keys_snapshot. */
static bool queue_is(const void *ctx, size_t item, const struct bytes *id)
{
    const struct keys_snapshot *k = ctx;
    if (!k || item >= k->queue_count)
        return false;
    const struct queue_info *q = &k->queues[item];
    size_t ll = strlen(q->layout);
    return id->len == ll + 1 + q->name.len && memcmp(id->ptr, q->layout, ll) == 0 &&
           id->ptr[ll] == '\0' && memcmp(id->ptr + ll + 1, q->name.ptr, q->name.len) == 0;
}

static void queue_remember(const void *ctx, size_t item, struct bytes *id)
{
    const struct queue_info *q = &((const struct keys_snapshot *)ctx)->queues[item];
    size_t ll = strlen(q->layout);
    char *buf = xmalloc(ll + 1 + q->name.len + 1);
    memcpy(buf, q->layout, ll + 1);
    memcpy(buf + ll + 1, q->name.ptr, q->name.len);
    bytes_set(id, buf, ll + 1 + q->name.len);
    free(buf);
}

static const struct list_ident queue_ident = { queue_is, queue_remember };

static void *queues_state_new(void)
{
    struct queues_state *st = xcalloc(1, sizeof *st);
    list_init(&st->list, &queue_ident, QS_COUNT);
    return st;
}

static void queues_state_free(void *state)
{
    struct queues_state *st = state;
    if (!st)
        return;
    list_free(&st->list);
    free(st);
}


static struct queues_state *state_of(const struct app *app)
{
    return app_view_state(app, &queues_view);
}

/* ---- rows ----------------------------------------------------------------------------------- */

static int by_name(const struct queue_info *a, const struct queue_info *b)
{
    int c = strcmp(a->layout, b->layout);
    return c ? c : bytes_cmp(&a->name, &b->name);
}

int queue_worse_first(const void *pa, const void *pb)
{
    const struct queue_info *a = *(const struct queue_info *const *)pa;
    const struct queue_info *b = *(const struct queue_info *const *)pb;
    long long due_a = a->due_now > 0 ? a->due_now : 0, due_b = b->due_now > 0 ? b->due_now : 0;
    if (due_a != due_b)
        return due_a > due_b ? -1 : 1;
    if (a->depth != b->depth)
        return a->depth > b->depth ? -1 : 1;
    return by_name(a, b);
}

/* The orders `s` goes through; ties by layout and name. */
static const char *const sort_names[QS_COUNT] = { "worst", "depth", "delayed", "failed", "name" };

static int sort_by;        /* for the comparator: qsort has no context argument */
static bool sort_reverse;

/* Larger first; an unknown figure (QT_UNKNOWN) after every known one. */
static int by_figure(long long a, long long b)
{
    if (a == b)
        return 0;
    return a > b ? -1 : 1;
}

static int queue_cmp(const void *pa, const void *pb)
{
    const struct queue_info *a = *(const struct queue_info *const *)pa;
    const struct queue_info *b = *(const struct queue_info *const *)pb;
    int c;
    switch (sort_by) {
    case QS_DEPTH: c = by_figure(a->depth, b->depth); break;
    case QS_DELAYED: c = by_figure(a->delayed, b->delayed); break;
    case QS_FAILED: c = by_figure(a->failed, b->failed); break;
    case QS_NAME: c = by_name(a, b); break;
    default: c = queue_worse_first(pa, pb); break;
    }
    if (sort_reverse)
        c = -c;
    return c ? c : by_name(a, b);
}

/* The filter matches the layout or the name, as the streams filter matches keys. */
static bool queue_matches(const struct queue_info *q, const char *filter)
{
    if (!filter[0])
        return true;
    struct bytes layout = { (char *)q->layout, strlen(q->layout) };
    return key_matches_filter(&q->name, filter) || key_matches_filter(&layout, filter);
}

static const struct queue_info *queue_at(const struct app *app, size_t row)
{
    struct queues_state *st = state_of(app);
    const struct keys_snapshot *k = keys_of(app);
    return k && row < st->list.count ? &k->queues[st->list.rows[row]] : NULL;
}

static void queues_rebuild_rows(struct app *app)
{
    struct queues_state *st = state_of(app);
    struct list *l = &st->list;
    const struct keys_snapshot *k = keys_of(app);
    if (!k || k->queue_count == 0) {
        list_set_rows(l, NULL, 0, k);
        return;
    }
    const struct queue_info **order = xcalloc(k->queue_count, sizeof *order);
    size_t n = 0;
    for (size_t i = 0; i < k->queue_count; i++)
        if (queue_matches(&k->queues[i], l->filter.text))
            order[n++] = &k->queues[i];
    sort_by = l->sort;
    sort_reverse = l->reverse;
    qsort(order, n, sizeof *order, queue_cmp);
    size_t *rows = xcalloc(k->queue_count, sizeof *rows);
    for (size_t i = 0; i < n; i++)
        rows[i] = (size_t)(order[i] - k->queues);
    free(order);
    list_set_rows(l, rows, n, k);   /* a vanished queue: the row where it was */
}

/* ---- columns -------------------------------------------------------------------------------- */

enum qcol { QC_DEPTH, QC_FLIGHT, QC_DELAYED, QC_DUE, QC_OLDEST, QC_FAILED, QC_IN, QC_OUT,
            QC_COUNT };

static const struct {
    const char *title;
    int width;
} numeric_cols[QC_COUNT] = {
    [QC_DEPTH] = { "DEPTH", 6 },   [QC_FLIGHT] = { "FLIGHT", 6 }, [QC_DELAYED] = { "DELAYED", 7 },
    [QC_DUE] = { "DUE", 5 },       [QC_OLDEST] = { "OLDEST", 6 },
    [QC_FAILED] = { "FAILED", 6 }, [QC_IN] = { "IN/s", 5 },
    [QC_OUT] = { "OUT/s", 5 },
};

#define LAYOUT_COL (-1)
#define QUEUE_MIN_W 12   /* narrower than this, columns are dropped */

/* Dropped in this order when the terminal is narrow; DEPTH and DUE always stay. */
static const int drop_order[] = { QC_OUT, QC_IN, QC_FAILED, QC_OLDEST, QC_FLIGHT, LAYOUT_COL,
                                   QC_DELAYED };

struct layout {
    bool shown[QC_COUNT];
    int layout_w;        /* 0: no LAYOUT column */
    int queue_w;
    int queue_x;         /* where the QUEUE column starts */
};

static struct layout plan_columns(const struct keys_snapshot *k, int width)
{
    struct layout l;
    l.layout_w = 6;   /* "LAYOUT" */
    for (size_t i = 0; i < k->queue_count; i++) {
        int n = (int)strlen(k->queues[i].layout);
        if (n > l.layout_w)
            l.layout_w = n;
    }
    int cap = width >= 100 ? 15 : 9;   /* "conductor" fits at 80 columns */
    if (l.layout_w > cap)
        l.layout_w = cap;
    for (int c = 0; c < QC_COUNT; c++)
        l.shown[c] = true;
    for (size_t d = 0;; d++) {
        int fixed = 2 + (l.layout_w ? l.layout_w + 1 : 0);
        for (int c = 0; c < QC_COUNT; c++)
            if (l.shown[c])
                fixed += 1 + numeric_cols[c].width;
        l.queue_w = width - fixed;
        if (l.queue_w >= QUEUE_MIN_W || d == ARRAY_LEN(drop_order))
            break;
        if (drop_order[d] == LAYOUT_COL)
            l.layout_w = 0;
        else
            l.shown[drop_order[d]] = false;
    }
    if (l.queue_w < 4)
        l.queue_w = 4;   /* a terminal this narrow clips at its edge */
    l.queue_x = 2 + (l.layout_w ? l.layout_w + 1 : 0);
    return l;
}

/* The node's name with several nodes, else NULL. */
static const char *node_of(const struct app *app, uint16_t node)
{
    const struct redis_snapshot *r = app->snap ? &app->snap->redis : NULL;
    return r && r->node_count ? nodes_name(r, node) : NULL;
}

static void draw_header_row(const struct surface *sf, int y, int width, const struct layout *l,
                            int node_w)
{
    char head[512];
    int o = snprintf(head, sizeof head, "  ");
    if (l->layout_w)
        o += snprintf(head + o, sizeof head - (size_t)o, "%-*s ", l->layout_w, "LAYOUT");
    o += snprintf(head + o, sizeof head - (size_t)o, "%-*s", l->queue_w, "QUEUE");
    for (int c = 0; c < QC_COUNT && o < (int)sizeof head; c++)
        if (l->shown[c])
            o += snprintf(head + o, sizeof head - (size_t)o, " %*s", numeric_cols[c].width,
                          numeric_cols[c].title);
    if (node_w && o < (int)sizeof head)
        snprintf(head + o, sizeof head - (size_t)o, " NODE");
    draw_bar(sf, y, ROLE_COLUMN);
    draw_str(sf, y, 0, width, ROLE_COLUMN, head);
}

/* Right-aligned text ending at column `right` (exclusive). */
static void draw_row(const struct surface *sf, int y, const struct layout *l,
                     const struct queue_info *q, bool selected, bool stale, const char *node)
{
    int base = selected ? ROLE_SELECTED : stale ? ROLE_DIM : ROLE_DEFAULT;
    if (selected) {
        draw_bar(sf, y, ROLE_SELECTED);
    }
    bool late = q->due_now > 0;
    draw_str(sf, y, 0, 2, selected ? base : ROLE_WARN, late ? " !" : "  ");
    if (l->layout_w)
        draw_str(sf, y, 2, l->layout_w, base, q->layout);
    draw_text(sf, y, l->queue_x, l->queue_w, base, q->name.ptr, q->name.len);

    long long counts[QC_COUNT] = { [QC_DEPTH] = q->depth,     [QC_FLIGHT] = q->in_flight,
                                   [QC_DELAYED] = q->delayed, [QC_DUE] = q->due_now,
                                   [QC_FAILED] = q->failed };
    static const unsigned keeps[QC_COUNT] = {
        [QC_DEPTH] = QUEUE_KEEPS_DEPTH,     [QC_FLIGHT] = QUEUE_KEEPS_IN_FLIGHT,
        [QC_DELAYED] = QUEUE_KEEPS_DELAYED, [QC_DUE] = QUEUE_KEEPS_DUE,
        [QC_OLDEST] = QUEUE_KEEPS_OLDEST,   [QC_FAILED] = QUEUE_KEEPS_FAILED,
        [QC_IN] = QUEUE_KEEPS_PROCESSED,    [QC_OUT] = QUEUE_KEEPS_PROCESSED,
    };
    int x = l->queue_x + l->queue_w;
    for (int c = 0; c < QC_COUNT; c++) {
        if (!l->shown[c])
            continue;
        char cell[24];
        bool unknown;
        bool kept = (q->kept & keeps[c]) != 0;
        if (c == QC_OLDEST) {
            if (!kept || q->oldest_age_ms == QT_UNKNOWN)
                snprintf(cell, sizeof cell, kept ? "?" : "-");
            else if (q->oldest_age_ms < 1000)
                snprintf(cell, sizeof cell, "0s");
            else
                fmt_duration_ms(q->oldest_age_ms, cell, sizeof cell);
            unknown = q->oldest_age_ms == QT_UNKNOWN;
        } else if (c == QC_IN || c == QC_OUT) {
            double v = c == QC_IN ? q->enqueue_per_sec : q->dequeue_per_sec;
            fmt_kept_rate(v, kept, cell, sizeof cell);
            unknown = isnan(v);
        } else {
            fmt_kept_count(counts[c], kept, cell, sizeof cell);
            unknown = counts[c] == QT_UNKNOWN;
        }
        int role = selected ? base
                   : c == QC_DUE && late ? ROLE_CRIT
                   : unknown ? ROLE_DIM : base;
        x += 1 + numeric_cols[c].width;
        draw_right(sf, y, x, numeric_cols[c].width, role, cell);
    }
    if (node && sf->width - x > 4)   /* several nodes: where it is, when there is room */
        draw_text(sf, y, x + 1, sf->width - x - 1, selected ? base : ROLE_DIM, node, strlen(node));
}

/* ---- the detail: what the selected queue is read from ---------------------------------- */

/* Lines the detail wants: a title, a line of totals, one per key. */
static int detail_lines_wanted(const struct queue_info *q)
{
    return 2 + (int)q->key_count;
}

static void draw_detail(const struct surface *sf, int y, int lines, int width,
                        const struct queue_info *q, const char *node)
{
    char line[256], a[24], b[24], c[24];
    draw_bar(sf, y, ROLE_TITLE);
    int x = draw_str(sf, y, 0, width, ROLE_TITLE, " ");
    x += draw_str(sf, y, x, width - x, ROLE_TITLE, q->layout);
    x += draw_str(sf, y, x, width - x, ROLE_TITLE, " ");
    int name_room = width - x - 34;
    x += draw_text(sf, y, x, name_room > 8 ? name_room : 8, ROLE_TITLE, q->name.ptr, q->name.len);
    snprintf(line, sizeof line, "  (%s) read from %zu key%s%s%.60s   Esc closes", q->kind,
             q->key_count, q->key_count == 1 ? "" : "s", node ? " on " : "", node ? node : "");
    draw_str(sf, y, x, width - x, ROLE_TITLE, line);
    if (lines < 2)
        return;
    fmt_count(q->processed_total, a, sizeof a);
    fmt_count(q->failed_total, b, sizeof b);
    fmt_rate(q->depth_change_per_sec, c, sizeof c);
    snprintf(line, sizeof line, "  processed %s  failed %s (lifetime counters)  net change %s%s/s",
             a, b, q->depth_change_per_sec > 0 ? "+" : "", c);
    draw_str(sf, y + 1, 0, width, ROLE_DIM, line);
    int room = lines - 2;
    for (int i = 0; i < room && (size_t)i < q->key_count; i++) {
        if (i == room - 1 && q->key_count > (size_t)room) {
            snprintf(line, sizeof line, "  ... and %zu more", q->key_count - (size_t)i);
            draw_str(sf, y + 2 + i, 0, width, ROLE_DIM, line);
            break;
        }
        draw_text(sf, y + 2 + i, 2, width - 2, ROLE_DEFAULT, q->keys[i].ptr, q->keys[i].len);
    }
}

/* ---- the view ------------------------------------------------------------------------------ */

static void draw_title(struct app *app, const struct surface *sf, int y, int width, const struct keys_snapshot *k)
{
    struct queues_state *st = state_of(app);
    char line[256], dbsize[24];
    size_t late = 0;
    for (size_t i = 0; i < k->queue_count; i++)
        late += k->queues[i].due_now > 0;
    fmt_count(k->dbsize, dbsize, sizeof dbsize);
    snprintf(line, sizeof line, " Queues  %zu queue%s", k->queue_count,
             k->queue_count == 1 ? "" : "s");
    int x = draw_str(sf, y, 0, width, ROLE_TITLE, line);
    if (st->list.filter.text[0]) {   /* a kept filter, and what it left */
        snprintf(line, sizeof line, " /%s: %zu shown", st->list.filter.text, st->list.count);
        x += draw_str(sf, y, x, width - x, ROLE_TITLE, line);
    }
    snprintf(line, sizeof line, ", %zu with jobs due now", late);
    x += draw_str(sf, y, x, width - x, late ? ROLE_CRIT : ROLE_TITLE, line);
    snprintf(line, sizeof line, "   scan pass %lld, DBSIZE %s", k->passes, dbsize);
    x += draw_str(sf, y, x, width - x, ROLE_DIM, line);
    if (k->state != CONN_UP)
        draw_str(sf, y, x, width - x, ROLE_WARN, "  stale: not connected");
}

static void draw_queues(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    struct queues_state *st = state_of(app);
    const struct keys_snapshot *k = keys_of(app);
    st->list.page = 1;
    if (!k) {
        draw_str(sf, top, 0, width, ROLE_TITLE, " Queues");
        draw_str(sf, top + 1, 2, width - 4, ROLE_DIM, "waiting for the first sample...");
        return;
    }
    if (k->passes == 0) {
        char line[200], a[24], b[24];
        draw_str(sf, top, 0, width, ROLE_TITLE, " Queues");
        if (k->state == CONN_DOWN) {
            draw_wrapped(sf, top + 1, 2, width - 4, 4, ROLE_CRIT, k->error);
            return;
        }
        fmt_count(k->pass_keys, a, sizeof a);
        fmt_count(k->dbsize, b, sizeof b);
        snprintf(line, sizeof line, "waiting for the first full SCAN pass... (%s of %s keys)", a, b);
        draw_str(sf, top + 1, 2, width - 4, ROLE_DIM, line);
        return;
    }
    draw_title(app, sf, top, width, k);
    int y = top + 1;
    if (k->state == CONN_DOWN)
        y += draw_wrapped(sf, y, 1, width - 2, 3, ROLE_CRIT, k->error);
    if (k->time_error[0]) {
        char line[sizeof k->time_error + 96];
        snprintf(line, sizeof line, "%s: due-now counts and ages are unknown (no guess from"
                 " this machine's clock)", k->time_error);
        y += draw_wrapped(sf, y, 1, width - 2, 2, ROLE_WARN, line);
    }
    /* several nodes: room for the NODE column after the figures */
    int node_w = 0;
    const struct redis_snapshot *r = app->snap ? &app->snap->redis : NULL;
    for (size_t i = 0; r && i < r->node_count; i++)
        if ((int)strlen(r->nodes[i].name) > node_w)
            node_w = (int)strlen(r->nodes[i].name);
    if (node_w > 21)
        node_w = 21;
    struct layout l = plan_columns(k, width - (node_w ? node_w + 1 : 0));
    draw_header_row(sf, y++, width, &l, node_w);
    int body = top + height - y;
    if (st->list.count == 0) {
        draw_str(sf, y, 2, width - 4, ROLE_DIM,
                 "no queues found (lists, delay zsets, or a layout of docs/queue-layouts.md)");
        return;
    }

    const struct queue_info *sel = queue_at(app, st->list.selected);
    int detail = 0;
    if (st->detail && sel) {
        int most = body / 2 > 3 ? body / 2 : 3;
        detail = detail_lines_wanted(sel);
        if (detail > most)
            detail = most;
        if (detail > body - 1)
            detail = body - 1;
    }
    int rows_h = body - detail;
    if (rows_h < 1)
        rows_h = 1;
    list_layout(&st->list, rows_h);

    bool stale = k->state != CONN_UP;
    int shown = 0;
    for (; shown < rows_h && st->list.scroll + (size_t)shown < st->list.count; shown++) {
        size_t row = st->list.scroll + (size_t)shown;
        const struct queue_info *q = queue_at(app, row);
        draw_row(sf, y + shown, &l, q, row == st->list.selected, stale, node_of(app, q->node));
    }
    if (detail > 0)   /* right under the rows, a line apart when there is room */
        draw_detail(sf, y + (shown < rows_h ? shown + 1 : rows_h), detail, width, sel,
                    node_of(app, sel->node));
}

static int queues_key(struct app *app, int key)
{
    struct queues_state *st = state_of(app);
    bool rebuild = false;
    int act = st->detail && key == 27 && !st->list.filter.editing
                  ? ACT_NONE   /* Esc closes the detail first */
                  : list_key(&st->list, key, keys_of(app), &rebuild);
    if (rebuild)
        queues_rebuild_rows(app);
    if (act != ACT_NONE)
        return act;
    switch (key) {
    case '\r': case '\n': case QK_ENTER: case QK_RIGHT: case 'l':
        if (st->list.count)
            st->detail = !st->detail;
        return ACT_REDRAW;
    case 27: case QK_BACKSPACE: case 127: case 8: case QK_LEFT: case 'h':
        if (st->detail) {
            st->detail = false;
        } else if (key == 27 || key == QK_BACKSPACE || key == 127 || key == 8) {
            app_back(app);
        }
        return ACT_REDRAW;
    default:
        return ACT_NONE;
    }
}

static void queues_on_snapshot(struct app *app, int kind)
{
    if (kind == SNAPSHOT_KEYS)
        queues_rebuild_rows(app);
}

static const struct help_line queues_help[] = {
    { "Up/Down j/k", "move (PgUp/PgDn Home/End: by a page, to the ends)" },
    { "Enter", "the keys the queue is read from; Esc closes" },
    { "/", "filter by layout or name (Enter keeps it, Esc clears it)" },
    { "s / S", "next order (worst, depth, delayed, failed, name) / reverse it" },
    { "Esc", "close the keys, clear the filter, then back to the streams" },
    { "worst", "most jobs due now first, then the deepest" },
    { "DEPTH FLIGHT", "waiting to be taken / taken, not finished" },
    { "DELAYED DUE", "scheduled for later / of those, due now (late)" },
    { "OLDEST", "how long the oldest job has waited (enqueued, or due for delayed ones)" },
    { "FAILED", "failed or dead jobs the layout keeps" },
    { "IN/s OUT/s", "enqueued / done per second (layout's counters)" },
    { "*", "what a layout's queues share (Sidekiq, Celery)" },
    { "-  ?", "-: the layout keeps no such figure; ?: it does, but it is not known (a rate "
              "before its second sample, a due count without the server's clock)" },
    { NULL, NULL },
};

static size_t queues_hints(const struct app *app, struct hint *out)
{
    struct queues_state *st = state_of(app);
    static char text[128];   /* the UI thread's only */
    snprintf(text, sizeof text, "s sort:%s%s", sort_names[st->list.sort % QS_COUNT],
             st->list.reverse ? "(rev)" : "");
    out[0] = (struct hint){ st->detail ? "Esc close" : "Enter keys", 0 };
    out[1] = (struct hint){ "/ filter", 1 };
    out[2] = (struct hint){ text, 2 };
    out[3] = (struct hint){ "j/k move", 3 };
    out[4] = (struct hint){ "r refresh", 4 };
    return 5;
}

/* The filter being typed, for the status line. */
static bool queues_editing(const struct app *app, char *line, size_t len)
{
    const struct queues_state *st = state_of(app);
    return filter_prompt(&st->list.filter, line, len, "Filter");
}

const struct view queues_view = {
    .name = "queues",
    .key = '4',
    .family = "queues",
    .source = SOURCE_KEYS,
    .draw = draw_queues,
    .handle_key = queues_key,
    .hints = queues_hints,
    .help = queues_help,
    .editing = queues_editing,
    .state_new = queues_state_new,
    .state_free = queues_state_free,
    .on_snapshot = queues_on_snapshot,
};
