/* streams.c -- the home screen: every stream, worst first, with a summary line of problems.
 * Keys: arrows/j/k/PgUp/PgDn/Home/End move, s/S sort, / filter, Enter opens a stream. */
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
#include "server_model.h"

enum { COL_LEN = 7, COL_RATE = 6, COL_GRP = 4, COL_LAG = 7, COL_PEND = 7, COL_OLD = 8, COL_CONS = 4 };

/* ---- the view's state ----------------------------------------------------------------------- */

/* The totals and the problems, worked out once per snapshot rather than at every frame (a
 * pass over 100,000 streams for each key press). */
struct summary {
    const struct snapshot *snap;
    uint64_t seq;
    const struct thresholds *t;
    long long groups, pending;
    size_t unread, crit, warn;
    size_t *order;                /* the streams with a problem, worst first */
    size_t order_n;
    size_t key_len;               /* the widest key, roughly: the STREAM column's width */
};

struct streams_state {
    struct list list;             /* the rows: indexes into the snapshot's streams, by key,
                                   * filtered on the key and in enum stream_sort's order */
    struct summary sum;
};

/* A stream's identity is its node (two bytes) and its key; ctx is the struct redis_snapshot
 * the rows index into. */
static bool stream_is(const void *ctx, size_t item, const struct bytes *id)
{
    const struct redis_snapshot *r = ctx;
    if (item >= r->stream_count || id->len < 2)
        return false;
    const struct stream_info *s = r->streams[item];
    return (unsigned char)id->ptr[0] == (s->node >> 8) &&
           (unsigned char)id->ptr[1] == (s->node & 0xff) && id->len - 2 == s->key.len &&
           memcmp(id->ptr + 2, s->key.ptr, s->key.len) == 0;
}

static void stream_remember(const void *ctx, size_t item, struct bytes *id)
{
    const struct redis_snapshot *r = ctx;
    const struct stream_info *s = r->streams[item];
    char *buf = xmalloc(s->key.len + 3);
    buf[0] = (char)(s->node >> 8);
    buf[1] = (char)(s->node & 0xff);
    memcpy(buf + 2, s->key.ptr, s->key.len);
    buf[s->key.len + 2] = '\0';
    id->ptr = buf;
    id->len = s->key.len + 2;
}

static const struct list_ident stream_ident = { stream_is, stream_remember };

static void *streams_state_new(void)
{
    struct streams_state *st = xcalloc(1, sizeof *st);
    list_init(&st->list, &stream_ident, SORT_COUNT);
    return st;
}

static void streams_state_free(void *state)
{
    struct streams_state *st = state;
    if (!st)
        return;
    list_free(&st->list);
    free(st->sum.order);
    free(st);
}

static struct streams_state *state_of(const struct app *app)
{
    return app_view_state(app, &streams_view);
}

/* Rebuilds rows from the snapshot, filter and sort, keeping the cursor on its stream. */
static void rebuild_rows(struct app *app, struct streams_state *st)
{
    struct list *l = &st->list;
    if (!app->snap) {
        list_set_rows(l, NULL, 0, NULL);
        return;
    }
    const struct redis_snapshot *r = &app->snap->redis;
    size_t *rows = xcalloc(r->stream_count + 1, sizeof *rows);
    size_t n = streams_select(r, &app->history, l->filter.text, (enum stream_sort)l->sort,
                              l->reverse, app->thresholds, rows);
    list_set_rows(l, rows, n, r);
}

static void streams_on_snapshot(struct app *app, int kind)
{
    if (kind == SNAPSHOT_REDIS)
        rebuild_rows(app, state_of(app));
}

static void summary_refresh(struct app *app)
{
    struct streams_state *st = state_of(app);
    const struct redis_snapshot *r = &app->snap->redis;
    if (st->sum.snap == app->snap && st->sum.seq == r->sample_seq && st->sum.t == app->thresholds)
        return;
    free(st->sum.order);
    memset(&st->sum, 0, sizeof st->sum);
    st->sum.snap = app->snap;
    st->sum.seq = r->sample_seq;
    st->sum.t = app->thresholds;
    for (size_t i = 0; i < r->stream_count; i++) {
        const struct stream_info *s = r->streams[i];
        st->sum.groups += (long long)s->group_len;
        if (s->pending_total > 0)
            st->sum.pending += s->pending_total;
        st->sum.unread += s->sampled_mono_ms == 0;
        size_t cols = s->key.len;   /* a control byte is shown escaped: \x1b */
        for (size_t b = 0; b < s->key.len; b++)
            cols += (unsigned char)s->key.ptr[b] < 0x20 || s->key.ptr[b] == 0x7f ? 3 : 0;
        if (cols > st->sum.key_len)
            st->sum.key_len = cols;
    }
    st->sum.order = xcalloc(r->stream_count + 1, sizeof *st->sum.order);
    st->sum.order_n = streams_problems(r, &app->history, app->thresholds, st->sum.order);
    for (size_t i = 0; i < st->sum.order_n; i++) {
        enum severity sev = stream_severity(r->streams[st->sum.order[i]], app->thresholds);
        st->sum.crit += sev == SEV_CRIT;
        st->sum.warn += sev == SEV_WARN;
    }
}

/* Line 1: totals and counts of problems. Line 2: the worst streams, worst first, with why. */
static void draw_summary(struct app *app, const struct surface *sf, int y, int width, int strips)
{
    struct streams_state *st = state_of(app);
    const struct redis_snapshot *r = &app->snap->redis;
    summary_refresh(app);
    long long groups = st->sum.groups, pending = st->sum.pending;
    size_t unread = st->sum.unread, crit = st->sum.crit, warn = st->sum.warn;
    char line[256], pend[16];
    fmt_count(pending, pend, sizeof pend);
    /* never read: the counts are unknown, not zero */
    bool never = r->state != CONN_UP && r->last_ok_mono_ms == 0;
    int x = never ? snprintf(line, sizeof line, " ? streams  ? groups  ? pending")
                  : snprintf(line, sizeof line, " %zu stream%s  %lld group%s  %s pending",
                             r->stream_count, r->stream_count == 1 ? "" : "s", groups,
                             groups == 1 ? "" : "s", pend);
    if (!r->scan_complete && r->state == CONN_UP)
        x += snprintf(line + x, sizeof line - (size_t)x, "  (scanning, %lld keys so far)",
                      r->keys_scanned);
    if (unread && !never && x < (int)sizeof line)
        x += snprintf(line + x, sizeof line - (size_t)x, "  %zu not read yet", unread);
    if (st->list.filter.text[0] && !never && x < (int)sizeof line)   /* a kept filter, and what it left */
        snprintf(line + x, sizeof line - (size_t)x, "  /%.40s: %zu shown", st->list.filter.text,
                 st->list.count);
    struct line top = line_at(sf, y, 0, width);
    line_add(&top, ROLE_DEFAULT, line);
    if (r->streams_denied)
        line_addf(&top, ROLE_WARN, "  %lld not readable (NOPERM)", r->streams_denied);
    if (never) {
        bool down = r->state == CONN_DOWN;
        line_add(&top, down ? ROLE_CRIT : ROLE_DIM, down ? "  not connected" : "  connecting...");
    } else if (r->state != CONN_UP) {
        char age[24];
        fmt_duration_ms(mono_ms() - r->last_ok_mono_ms, age, sizeof age);
        line_addf(&top, ROLE_WARN, "  stale: not connected, figures from %s ago", age);
    } else if (crit || warn) {
        line_addf(&top, crit ? ROLE_CRIT : ROLE_WARN, "  %zu critical  %zu warning", crit, warn);
    } else if (r->stream_count) {
        line_add(&top, ROLE_OK, "  no problems");
    }

    server_strip_draw(app, sf, y + 1, width);
    if (strips > 1)
        workflows_strip_draw(app, sf, y + 2, width);
    y += strips - 1;   /* the problems line goes under the strips */

    /* the worst problems, as many as fit: server first when it is critical, then streams */
    struct line pl = line_at(sf, y + 2, 1, width);
    const struct server_snapshot *sv = app->server && app->server->server.state == CONN_UP
                                           ? &app->server->server : NULL;
    struct health_warning hw[HEALTH_WARNINGS_MAX];
    size_t nhw = sv ? server_warnings(sv, app->server_hist, r, app->thresholds, wall_ms(), hw,
                                      HEALTH_WARNINGS_MAX) : 0;
    for (size_t i = 0; i < nhw && line_room(&pl) > 12; i++) {
        if (hw[i].sev == SEV_WARN && (crit || i > 0))
            break;   /* one server warning at most ahead of critical streams */
        int role = theme_severity_role(hw[i].sev);
        line_add(&pl, role, hw[i].sev == SEV_CRIT ? "!! " : "! ");
        line_add(&pl, role, hw[i].text);
        line_to(&pl, pl.col + 3);
    }
    /* the keys collector's problems go in by severity: locks without TTL after the critical
     * streams, late jobs after the stream warnings */
    if (!(crit || warn)) {
        keys_problems_draw(app, &pl, true);
        keys_problems_draw(app, &pl, false);
        return;
    }
    const size_t *order = st->sum.order;
    size_t n = st->sum.order_n;
    bool keys_critical_drawn = false;
    for (size_t i = 0; i < n && line_room(&pl) > 12; i++) {
        const struct stream_info *s = r->streams[order[i]];
        enum severity sev = stream_severity(s, app->thresholds);
        if (sev != SEV_CRIT && !keys_critical_drawn) {
            keys_problems_draw(app, &pl, true);
            keys_critical_drawn = true;
            if (line_room(&pl) <= 12)
                break;
        }
        char why[96];
        stream_problem(s, app->thresholds, why, sizeof why);
        int role = theme_severity_role(sev);
        int key_room = line_room(&pl) - (int)strlen(why) - 6;
        if (key_room < 8)
            key_room = 8;
        if (key_room > 30)
            key_room = 30;
        line_add(&pl, role, sev == SEV_CRIT ? "!! " : "! ");
        line_addn(&pl, role, s->key.ptr, s->key.len, key_room);
        if (why[0] && line_room(&pl) > 3) {
            line_add(&pl, ROLE_DEFAULT, ": ");
            line_add(&pl, ROLE_DEFAULT, why);
        }
        line_to(&pl, pl.col + 3);
    }
    if (!keys_critical_drawn)
        keys_problems_draw(app, &pl, true);
    keys_problems_draw(app, &pl, false);
}

static void draw_streams(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    struct streams_state *st = state_of(app);
    if (!app->snap) {
        draw_str(sf, top + 1, 1, width - 2, ROLE_DIM, "waiting for the first sample...");
        st->list.page = 1;
        return;
    }
    const struct redis_snapshot *r = &app->snap->redis;
    int strips = app->opts->pg_conninfo ? 2 : 1;   /* server, and workflows when watched */
    draw_summary(app, sf, top, width, strips);
    top += strips - 1;
    height -= strips - 1;

    int fixed = COL_LEN + COL_RATE + COL_GRP + COL_LAG + COL_PEND + COL_OLD + COL_CONS + 7;
    /* as wide as the longest key, the numbers right after it (at 200 columns they sat 145
     * columns away from their names); a longer key is cut with … */
    /* several servers or a cluster: which node holds the stream, after the figures */
    int node_w = 0;
    for (size_t i = 0; i < r->node_count; i++) {
        int w = (int)strlen(r->nodes[i].name);
        if (w > node_w)
            node_w = w;
    }
    if (node_w > 21)
        node_w = 21;
    if (node_w)
        fixed += node_w + 1;
    int key_w = width - fixed - 3;
    if (key_w > (int)st->sum.key_len)
        key_w = (int)st->sum.key_len;
    if (key_w < 8)
        key_w = 8;
    int y = top + 3;
    draw_bar(sf, y, ROLE_COLUMN);
    char head[256];
    snprintf(head, sizeof head, "  %-*s %*s %*s %*s %*s %*s %*s %*s", key_w, "STREAM", COL_LEN,
             "LENGTH", COL_RATE, "IN/s", COL_GRP, "GRPS", COL_LAG, "MAX LAG", COL_PEND, "PENDING",
             COL_OLD, "OLDEST", COL_CONS, "CONS");
    if (node_w)
        snprintf(head + strlen(head), sizeof head - strlen(head), " %-*s", node_w, "NODE");
    draw_str(sf, y, 0, width, ROLE_COLUMN, head);

    int rows_h = height - 4;
    struct list *l = &st->list;
    list_layout(l, rows_h);
    if (l->count == 0 && r->state != CONN_UP && r->last_ok_mono_ms == 0) {
        /* down before the first sample: why, in full (the status line cuts it) */
        int n = draw_wrapped(sf, y + 1, 2, width - 4, rows_h < 4 ? rows_h : 4,
                                 r->state == CONN_DOWN ? ROLE_CRIT : ROLE_DIM,
                                 r->error[0] ? r->error : "connecting...");
        if (n < rows_h)
            draw_str(sf, y + 1 + n, 2, width - 4, ROLE_DIM,
                     "no figure is known until Redis answers");
        return;
    }
    if (l->count == 0) {
        const char *why = r->stream_count ? "no stream matches the filter"
                          : r->scan_complete ? "no streams found (SCAN ... TYPE stream)"
                                             : "looking for streams...";
        draw_str(sf, y + 1, 2, width - 4, ROLE_DIM, why);
        return;
    }
    bool stale = r->state != CONN_UP;
    for (int i = 0; i < rows_h && l->scroll + (size_t)i < l->count; i++) {
        size_t ri = l->scroll + (size_t)i;
        const struct stream_info *s = r->streams[l->rows[ri]];
        const struct stream_history *sh = history_find(&app->history, &s->key, s->node);
        enum severity sev = stream_severity(s, app->thresholds);
        bool sel = ri == l->selected;
        int base = sel ? ROLE_SELECTED : stale ? ROLE_DIM : ROLE_DEFAULT;
        int yy = y + 1 + i;
        if (sel) {
            draw_bar(sf, yy, ROLE_SELECTED);
        }
        draw_str(sf, yy, 0, 2, sel ? base : (int)theme_severity_role(sev),
                 sev == SEV_CRIT ? "!!" : sev == SEV_WARN ? " !" : "  ");
        draw_text(sf, yy, 2, key_w, base, s->key.ptr, s->key.len);

        char len[16], rate[16], grp[16], lag[16], pend[16], old[16], cons[16];
        fmt_count(s->length, len, sizeof len);
        fmt_rate(sh ? sh->produced_per_sec : (double)NAN, rate, sizeof rate);
        stream_groups_text(s, grp, sizeof grp);
        if (s->group_len == 0 && stream_groups_known(s))
            str_copy(lag, "-", sizeof lag);
        else if (s->max_lag == QT_UNKNOWN)
            str_copy(lag, "?", sizeof lag);
        else {
            fmt_count(s->max_lag, lag, sizeof lag);
            if (s->lag_partly_unknown)
                strncat(lag, "+?", sizeof lag - strlen(lag) - 1);
        }
        fmt_count(s->pending_total, pend, sizeof pend);
        if (s->oldest_pending_age_ms == QT_UNKNOWN)
            str_copy(old, "-", sizeof old);
        else
            fmt_duration_ms(s->oldest_pending_age_ms, old, sizeof old);
        fmt_count(s->consumers_total, cons, sizeof cons);

        int x = 2 + key_w + 1;
        int lag_role = sel ? base
                       : s->max_lag != QT_UNKNOWN && s->max_lag >= app->thresholds->lag_crit ? ROLE_CRIT
                       : s->max_lag != QT_UNKNOWN && s->max_lag >= app->thresholds->lag_warn ? ROLE_WARN
                       : s->max_lag == QT_UNKNOWN && s->group_len ? ROLE_DIM : base;
        int old_role = sel ? base
                       : s->oldest_pending_age_ms >= app->thresholds->oldest_crit_ms ? ROLE_CRIT
                       : s->oldest_pending_age_ms >= app->thresholds->oldest_warn_ms ? ROLE_WARN : base;
        draw_right(sf, yy, x += COL_LEN, COL_LEN, base, len);
        draw_right(sf, yy, x += 1 + COL_RATE, COL_RATE, base, rate);
        draw_right(sf, yy, x += 1 + COL_GRP, COL_GRP, base, grp);
        draw_right(sf, yy, x += 1 + COL_LAG, COL_LAG, lag_role, lag);
        draw_right(sf, yy, x += 1 + COL_PEND, COL_PEND, base, pend);
        draw_right(sf, yy, x += 1 + COL_OLD, COL_OLD, old_role, old);
        draw_right(sf, yy, x += 1 + COL_CONS, COL_CONS, base, cons);
        if (node_w) {
            const char *node = nodes_name(r, s->node);
            const struct node_status *ns = s->node < r->node_count ? &r->nodes[s->node] : NULL;
            draw_text(sf, yy, x + 1, node_w, !sel && ns && ns->state != CONN_UP ? ROLE_CRIT : base,
                      node, strlen(node));
        }
    }
}

static int streams_key(struct app *app, int key)
{
    struct streams_state *st = state_of(app);
    bool rebuild = false;
    int act = list_key(&st->list, key, app->snap ? &app->snap->redis : NULL, &rebuild);
    if (rebuild)
        rebuild_rows(app, st);
    if (act != ACT_NONE)
        return act;
    size_t item;
    switch (key) {
    case 27:
        return ACT_REDRAW;   /* the first view: nothing to go back to */
    case '\r': case '\n': case QK_ENTER: case QK_RIGHT: case 'l':
        if (app->snap && list_current(&st->list, &item)) {
            const struct stream_info *s = app->snap->redis.streams[item];
            app_show(app, &(struct target){ .kind = TARGET_STREAM, .key = s->key.ptr,
                                            .key_len = s->key.len, .node = s->node });
        }
        return ACT_REDRAW;
    default:
        return ACT_NONE;
    }
}

static const struct help_line streams_help[] = {
    { "Up/Down j/k", "move the cursor" },
    { "PgUp/PgDn Home/End", "move by a page / to the ends" },
    { "Enter", "open the stream: groups, consumers, sparklines" },
    { "/", "filter streams by key (Enter keeps it, Esc clears it)" },
    { "s / S", "next sort column / reverse the order" },
    { "!! / !", "critical / warning: lag, pending age or redeliveries over limits" },
    { "?", "unknown (Redis cannot tell; e.g. lag after deletions)" },
    { NULL, NULL },
};

static size_t streams_hints(const struct app *app, struct hint *out)
{
    struct streams_state *st = state_of(app);
    static char sort[64];   /* the UI thread's only */
    snprintf(sort, sizeof sort, "s sort:%s%s", stream_sort_name((enum stream_sort)st->list.sort),
             st->list.reverse ? "(rev)" : "");
    out[0] = (struct hint){ "/ filter", 0 };
    out[1] = (struct hint){ sort, 0 };
    out[2] = (struct hint){ "Enter open", 0 };
    return 3;
}

/* The filter being typed, for the status line. */
static bool streams_editing(const struct app *app, char *line, size_t len)
{
    const struct streams_state *st = state_of(app);
    return filter_prompt(&st->list.filter, line, len, "Filter");
}

const struct view streams_view = {
    .name = "streams",
    .key = '1',
    .family = "streams",
    .source = SOURCE_REDIS,
    .draw = draw_streams,
    .handle_key = streams_key,
    .hints = streams_hints,
    .help = streams_help,
    .editing = streams_editing,
    .state_new = streams_state_new,
    .state_free = streams_state_free,
    .on_snapshot = streams_on_snapshot,
};
