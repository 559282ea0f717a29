/* stream.c -- one stream opened from the list: its figures, sparklines of length and lag, its
 * groups (lag, trend, consume rate, drain estimate, oldest pending entry) and its consumers.
 * The collector reads consumers only for this stream (the hub's focus). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/nodes.h"
#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/format.h"
#include "../tui/sparkline.h"
#include "../tui/text_scroll.h"
#include "../tui/draw.h"
#include "../tui/keys.h"
#include "streams_model.h"

static void draw_spark(struct app *app, const struct surface *sf, int y, int x, int width, const char *label,
                       const struct ring *ring)
{
    float vals[HISTORY_RING];
    char buf[HISTORY_RING * 3 + 1];
    int lw = draw_str(sf, y, x, width, ROLE_DIM, label);
    size_t n = ring ? ring_latest(ring, vals, HISTORY_RING) : 0;
    if (width - lw - 1 <= 0)
        return;
    sparkline_render(vals, n, width - lw - 1, app->utf8, buf, sizeof buf);
    draw_str(sf, y, x + lw + 1, width - lw - 1, ROLE_SPARK, buf);
}

/* Numeric columns of the groups table, right-aligned, one space apart, after the name. */
enum { GC_CONS, GC_PEND, GC_LAG, GC_TREND, GC_OUT, GC_DRAIN, GC_OLDEST, GC_IDLE, GC_DELIV, GC_N };
static const struct { const char *title; int width; } group_cols[GC_N] = {
    { "CONS", 4 }, { "PEND", 6 }, { "LAG", 6 }, { "LAG/s", 6 }, { "OUT/s", 6 },
    { "DRAIN", 6 }, { "OLDEST", 7 }, { "IDLE", 7 }, { "DELIV", 5 },
};

/* Right edge (exclusive) of each numeric column for a name column of name_w. */
static void group_col_ends(int name_w, int ends[GC_N])
{
    int x = 1 + name_w;
    for (int i = 0; i < GC_N; i++) {
        x += 1 + group_cols[i].width;
        ends[i] = x;
    }
}

static void draw_groups(struct app *app, struct canvas *c, const struct stream_info *s,
                        const struct stream_history *sh)
{
    int fixed = 1;
    for (int i = 0; i < GC_N; i++)
        fixed += 1 + group_cols[i].width;
    int name_w = c->s->width - fixed - 1;
    if (name_w < 8)
        name_w = 8;
    int ends[GC_N];
    group_col_ends(name_w, ends);
    if (canvas_visible(c)) {
        canvas_bar(c, ROLE_COLUMN);
        draw_str(c->s, canvas_y(c), 1, name_w, ROLE_COLUMN, "GROUP");
    }
    for (int i = 0; i < GC_N; i++)
        canvas_right(c, ends[i], group_cols[i].width, ROLE_COLUMN, group_cols[i].title);
    c->line++;
    if (!stream_groups_known(s)) {
        char line[160];
        if (s->sampled_mono_ms && s->group_count > STREAM_GROUPS_READ_MAX)
            snprintf(line, sizeof line, "%lld groups, not read: XINFO GROUPS on this stream "
                     "would cost Redis over a millisecond", s->group_count);
        else
            snprintf(line, sizeof line, "groups not read yet");
        canvas_text(c, 2, ROLE_WARN, line);
        c->line++;
        return;
    }
    if (s->group_len == 0) {
        canvas_text(c, 2, ROLE_DIM, "no consumer groups: nothing reads this stream with XREADGROUP");
        c->line++;
        return;
    }
    for (size_t i = 0; i < s->group_len; i++) {
        const struct group_info *g = &s->groups[i];
        const struct group_rates *gr = history_group(sh, &g->name);
        enum severity sev = group_severity(g, app->thresholds);
        char cons[16], pend[16], lag[16], trend[16], out[16], drain[16], old[16], idle[16], dl[16];
        snprintf(cons, sizeof cons, "%lld", g->consumers);
        fmt_count(g->pending, pend, sizeof pend);
        fmt_count(g->lag, lag, sizeof lag);
        fmt_rate(gr ? gr->lag_per_sec : (double)NAN, trend, sizeof trend);
        if (gr && !isnan(gr->lag_per_sec) && gr->lag_per_sec > 0) {
            memmove(trend + 1, trend, strlen(trend) + 1);
            trend[0] = '+';
        }
        fmt_rate(gr ? gr->consumed_per_sec : (double)NAN, out, sizeof out);
        if (gr && !isnan(gr->drain_eta_s) && gr->drain_eta_s > 0)
            fmt_duration_ms((long long)(gr->drain_eta_s * 1000.0), drain, sizeof drain);
        else
            str_copy(drain, "-", sizeof drain);   /* no lag, or not catching up */
        if (g->has_oldest) {
            fmt_duration_ms(g->oldest_age_ms, old, sizeof old);
            fmt_duration_ms(g->oldest_idle_ms, idle, sizeof idle);
            snprintf(dl, sizeof dl, "%lld", g->oldest_deliveries);
        } else {
            str_copy(old, "-", sizeof old);
            str_copy(idle, "-", sizeof idle);
            str_copy(dl, "-", sizeof dl);
        }
        if (canvas_visible(c)) {
            int y = canvas_y(c);
            draw_str(c->s, y, 0, 1, theme_severity_role(sev), sev == SEV_CRIT ? "!" : sev == SEV_WARN ? "!" : " ");
            draw_text(c->s, y, 1, name_w, ROLE_DEFAULT, g->name.ptr, g->name.len);
        }
        const struct thresholds *t = app->thresholds;
        canvas_right(c, ends[GC_CONS], 4, ROLE_DEFAULT, cons);
        canvas_right(c, ends[GC_PEND], 6, ROLE_DEFAULT, pend);
        canvas_right(c, ends[GC_LAG], 6, g->lag == QT_UNKNOWN ? ROLE_DIM : g->lag >= t->lag_crit ? ROLE_CRIT
                                  : g->lag >= t->lag_warn ? ROLE_WARN : ROLE_DEFAULT, lag);
        canvas_right(c, ends[GC_TREND], 6, gr && gr->lag_per_sec > 0 ? ROLE_WARN : ROLE_DEFAULT, trend);
        canvas_right(c, ends[GC_OUT], 6, ROLE_DEFAULT, out);
        canvas_right(c, ends[GC_DRAIN], 6, ROLE_OK, drain);
        canvas_right(c, ends[GC_OLDEST], 7, g->has_oldest && g->oldest_age_ms >= t->oldest_crit_ms ? ROLE_CRIT
                                    : g->has_oldest && g->oldest_age_ms >= t->oldest_warn_ms ? ROLE_WARN
                                    : ROLE_DEFAULT, old);
        canvas_right(c, ends[GC_IDLE], 7, ROLE_DEFAULT, idle);
        canvas_right(c, ends[GC_DELIV], 5, g->has_oldest && g->oldest_deliveries >= t->deliveries_crit ? ROLE_CRIT
                                   : g->has_oldest && g->oldest_deliveries >= t->deliveries_warn ? ROLE_WARN
                                   : ROLE_DEFAULT, dl);
        c->line++;
        if (g->has_oldest && canvas_visible(c)) {
            char line[200];
            int y = canvas_y(c);
            snprintf(line, sizeof line, "   oldest pending %s held by ", g->oldest_id);
            int col = draw_str(c->s, y, 0, c->s->width, ROLE_DIM, line);
            col += draw_text(c->s, y, col, c->s->width - col - 17, ROLE_DIM, g->oldest_consumer.ptr,
                           g->oldest_consumer.len);
            snprintf(line, sizeof line, ", delivered %lldx", g->oldest_deliveries);
            draw_str(c->s, y, col, c->s->width - col, ROLE_DIM, line);
        }
        if (g->has_oldest)
            c->line++;
    }
}

static void draw_consumers(struct app *app, struct canvas *c, const struct stream_info *s)
{
    /* the numbers take 27 columns and the stuck? flag 7 after them: the names get the rest */
    int name_w = (c->s->width - 37) / 2;
    if (name_w < 6)
        name_w = 6;
    char head[256];
    snprintf(head, sizeof head, " %-*s %-*s %7s %8s %8s", name_w, "GROUP", name_w, "CONSUMER",
             "PENDING", "IDLE", "INACTIVE");
    canvas_column(c, head);
    bool any = false;
    for (size_t i = 0; i < s->group_len; i++) {
        const struct group_info *g = &s->groups[i];
        for (size_t j = 0; j < g->consumer_count; j++) {
            const struct consumer_info *ci = &g->consumer_list[j];
            char pend[16], idle[16], inact[16];
            fmt_count(ci->pending, pend, sizeof pend);
            fmt_duration_ms(ci->idle_ms, idle, sizeof idle);
            if (ci->inactive_ms == QT_UNKNOWN)
                str_copy(inact, "-", sizeof inact);
            else
                fmt_duration_ms(ci->inactive_ms, inact, sizeof inact);
            bool stuck = ci->pending > 0 && ci->idle_ms >= app->thresholds->idle_warn_ms;
            if (canvas_visible(c)) {
                int y = canvas_y(c);
                draw_text(c->s, y, 1, name_w, ROLE_DEFAULT, g->name.ptr, g->name.len);
                draw_text(c->s, y, 2 + name_w, name_w, stuck ? ROLE_WARN : ROLE_DEFAULT,
                        ci->name.ptr, ci->name.len);
            }
            int x = 2 + 2 * name_w;
            canvas_right(c, x += 8, 7, ROLE_DEFAULT, pend);
            canvas_right(c, x += 9, 8, stuck ? ROLE_WARN : ROLE_DEFAULT, idle);
            canvas_right(c, x += 9, 8, ROLE_DEFAULT, inact);
            if (stuck)
                canvas_text(c, x + 1, ROLE_WARN, "stuck?");
            c->line++;
            any = true;
        }
    }
    if (!any) {
        bool loaded = false;
        for (size_t i = 0; i < s->group_len; i++)
            loaded |= s->groups[i].has_consumer_list;
        canvas_text(c, 2, ROLE_DIM, loaded || !s->group_len ? "no consumers" : "reading consumers...");
        c->line++;
    }
}

/* ---- the view's state ----------------------------------------------------------------------- */

struct stream_state {
    struct bytes key;               /* the stream shown */
    uint16_t node;                  /* on this node */
    struct text_scroll scroll;
};

static void *stream_state_new(void)
{
    struct stream_state *st = xcalloc(1, sizeof *st);
    bytes_set(&st->key, "", 0);
    return st;
}

static void stream_state_free(void *state)
{
    struct stream_state *st = state;
    if (!st)
        return;
    bytes_free(&st->key);
    free(st);
}


static struct stream_state *state_of(const struct app *app)
{
    return app_view_state(app, &stream_view);
}

/* Opens at a stream: its consumers are read while it is the focus, so ask for them now. */
static bool stream_show(struct app *app, const struct target *t)
{
    struct stream_state *st = state_of(app);
    bytes_free(&st->key);
    bytes_set(&st->key, t->key, t->key_len);
    st->node = t->node;
    st->scroll.first = 0;
    hub_set_focus(app->hub, t->key, t->key_len);
    hub_request_refresh(app->hub);
    return true;
}

static void draw_stream(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    struct stream_state *st = state_of(app);
    const struct stream_info *s = app->snap
        ? redis_snapshot_find(&app->snap->redis, st->key.ptr, st->key.len, st->node) : NULL;
    int col = draw_str(sf, top, 0, width, ROLE_TITLE, " stream ");
    col += draw_text(sf, top, col, width - col, ROLE_TITLE, st->key.ptr, st->key.len);
    if (app->snap && app->snap->redis.node_count) {
        const char *node = nodes_name(&app->snap->redis, st->node);
        col += draw_str(sf, top, col, width - col, ROLE_DIM, " on ");
        draw_text(sf, top, col, width - col, ROLE_DIM, node, strlen(node));
    }
    if (!s) {
        draw_str(sf, top + 2, 2, width - 4, ROLE_DIM,
                 app->snap ? "this stream is gone (deleted, renamed or no longer a stream)"
                           : "waiting for the first sample...");
        return;
    }
    const struct stream_history *sh = history_find(&app->history, &s->key, s->node);
    char line[400], len[16], added[16], rate[16];
    fmt_count(s->length, len, sizeof len);
    fmt_count(s->entries_added, added, sizeof added);
    fmt_rate(sh ? sh->produced_per_sec : (double)NAN, rate, sizeof rate);
    /* ids come only with XINFO STREAM, which streams of big entries are not asked */
    const char *none = s->xinfo_stream ? "-" : "?";
    snprintf(line, sizeof line, " length %s  added %s  in %s/s  first %s  last %s", len, added,
             rate, s->first_id[0] ? s->first_id : none, s->last_id[0] ? s->last_id : none);
    draw_str(sf, top + 1, 0, width, ROLE_DEFAULT, line);
    int half = width / 2;
    draw_spark(app, sf, top + 2, 1, half - 2, "length", sh ? &sh->length_ring : NULL);
    draw_spark(app, sf, top + 2, half, width - half - 1, "max lag", sh ? &sh->max_lag_ring : NULL);

    struct surface area = draw_sub(sf, top + 3, height - 3);
    struct canvas c = { &area, st->scroll.first, 0 };
    draw_groups(app, &c, s, sh);
    c.line++;
    draw_consumers(app, &c, s);
    /* what the keys scroll within; a stream that shrank is clamped from the next frame */
    st->scroll.lines = c.line;
    st->scroll.page = area.height > 0 ? area.height : 1;
    text_scroll_clamp(&st->scroll);
}

static int stream_key(struct app *app, int key)
{
    struct stream_state *st = state_of(app);
    switch (key) {
    case 27: case QK_BACKSPACE: case 127: case 8: case QK_LEFT: case 'h':
        bytes_free(&st->key);
        bytes_set(&st->key, "", 0);
        hub_set_focus(app->hub, "", 0);
        app_back(app);
        return ACT_REDRAW;
    default:
        return text_scroll_key(&st->scroll, key);
    }
}

static const struct help_line stream_help[] = {
    { "Esc Backspace Left", "back to the list of streams" },
    { "Up/Down j/k PgUp/PgDn", "scroll" },
    { "LAG", "entries not yet delivered to the group (? = Redis cannot know)" },
    { "LAG/s OUT/s", "lag trend and entries read per second" },
    { "DRAIN", "time to catch up at current rates (- when no lag or not catching up)" },
    { "OLDEST IDLE DELIV", "oldest pending entry: age, idle, deliveries" },
    { "stuck?", "consumer holds entries and has been idle over a minute" },
    { NULL, NULL },
};

static size_t stream_hints(const struct app *app, struct hint *out)
{
    (void)app;
    out[0] = (struct hint){ "Esc back", 0 };
    out[1] = (struct hint){ "j/k scroll", 0 };
    out[2] = (struct hint){ "r refresh", 1 };
    return 3;
}

const struct view stream_view = {
    .name = "stream",
    .key = '1',
    .source = SOURCE_REDIS,
    .draw = draw_stream,
    .handle_key = stream_key,
    .hints = stream_hints,
    .help = stream_help,
    .state_new = stream_state_new,
    .state_free = stream_state_free,
    .shows = TARGET_STREAM,
    .show = stream_show,
};
