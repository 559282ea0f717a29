/* server.c -- server health: memory against maxmemory and the eviction policy judged against
 * queue data, evictions, load, latency, persistence, replication, restarts (with the streams
 * they cost) and the newest slow commands. Also the one-line strip on the overview. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/draw.h"
#include "../tui/field.h"
#include "../tui/keys.h"
#include "../tui/format.h"
#include "../tui/sparkline.h"
#include "../tui/text_scroll.h"
#include "panels.h"
#include "server_model.h"
#include "streams_model.h"

static const struct server_snapshot *server_of(const struct app *app)
{
    return app->server ? &app->server->server : NULL;
}

static double memory_share(const struct server_snapshot *s)
{
    return s->maxmemory > 0 && s->used_memory >= 0 ? (double)s->used_memory / (double)s->maxmemory
                                                   : NAN;
}

void server_strip_draw(struct app *app, const struct surface *sf, int y, int width)
{
    const struct server_snapshot *s = server_of(app);
    if (!s || s->state != CONN_UP) {
        draw_str(sf, y, 1, width - 1, ROLE_DIM,
                 s ? "server health: not connected" : "server health: waiting for a sample...");
        return;
    }
    const struct server_history *h = app->server_hist;
    const struct thresholds *t = app->thresholds;
    char a[24], b[24], line[128];
    struct line ln = line_at(sf, y, 1, width);
    /* memory */
    fmt_bytes(s->used_memory, a, sizeof a);
    double share = memory_share(s);
    if (isnan(share)) {
        snprintf(line, sizeof line, "mem %s", a);
    } else {
        fmt_bytes(s->maxmemory, b, sizeof b);
        snprintf(line, sizeof line, "mem %s/%s %.0f%%", a, b, share * 100.0);
    }
    int role = !isnan(share) && share >= t->memory_crit_share ? ROLE_CRIT
               : !isnan(share) && share >= t->memory_warn_share ? ROLE_WARN : ROLE_DEFAULT;
    line_add(&ln, role, line);
    /* evictions */
    bool can_evict = s->maxmemory > 0 && policy_can_evict_queues(s->maxmemory_policy, false);
    fmt_rate(h->evicted_per_sec, a, sizeof a);
    snprintf(line, sizeof line, "  evict %s/s", a);
    role = !isnan(h->evicted_per_sec) && h->evicted_per_sec > 0 ? (can_evict ? ROLE_CRIT : ROLE_WARN)
           : can_evict ? ROLE_WARN : ROLE_DEFAULT;
    line_add(&ln, role, line);
    /* load */
    fmt_count(s->ops_per_sec, a, sizeof a);
    snprintf(line, sizeof line, "  ops %s/s  cli %lld", a, s->connected_clients);
    line_add(&ln, ROLE_DEFAULT, line);
    if (s->blocked_clients > 0) {
        snprintf(line, sizeof line, "(%lld blk)", s->blocked_clients);
        line_add(&ln, ROLE_DIM, line);
    }
    /* latency */
    snprintf(line, sizeof line, "  ping %.1fms", s->ping_avg_ms);
    line_add(&ln, s->ping_avg_ms > t->ping_budget_ms ? ROLE_WARN : ROLE_DEFAULT,
                  line);
    /* slowlog */
    if (!s->unavailable.slowlog[0]) {
        snprintf(line, sizeof line, "  slow +%lld", s->slowlog_new);
        line_add(&ln, s->slowlog_new ? ROLE_WARN : ROLE_DEFAULT, line);
    }
    /* persistence */
    bool none = s->config_known && !s->aof_enabled && !s->save_config[0];
    snprintf(line, sizeof line, "  %s", s->aof_enabled ? "AOF" : none ? "unpersisted" : "RDB");
    line_add(&ln, none ? ROLE_WARN : ROLE_DEFAULT, line);
}

/* ---- the view ------------------------------------------------------------------------- */

/* "label    text" on the canvas's next line, text in role. */
static void row(struct canvas *c, const char *label, int role, const char *text)
{
    canvas_textn(c, 1, 10, ROLE_TITLE, label, strlen(label));
    canvas_text(c, 11, role, text);
    c->line++;
}

static void spark_row(struct canvas *c, const char *label, const struct ring *ring)
{
    if (canvas_visible(c)) {
        float vals[HISTORY_RING];
        char buf[HISTORY_RING * 3 + 1];
        size_t n = ring_latest(ring, vals, HISTORY_RING);
        int y = canvas_y(c), width = c->s->width;
        int lw = draw_str(c->s, y, 11, 14, ROLE_DIM, label);
        sparkline_render(vals, n, width - 12 - lw - 1, c->s->utf8, buf, sizeof buf);
        draw_str(c->s, y, 11 + lw + 1, width - 12 - lw - 1, ROLE_SPARK, buf);
    }
    c->line++;
}

static void gauge(char *out, size_t len, double share, int width, bool utf8)
{
    int fill = (int)(share * width + 0.5);
    if (fill > width)
        fill = width;
    size_t o = 0;
    for (int i = 0; i < width && o + 4 < len; i++) {
        const char *c = i < fill ? (utf8 ? "\xE2\x96\x88" : "#") : (utf8 ? "\xE2\x96\x91" : ".");
        size_t cl = strlen(c);
        memcpy(out + o, c, cl);
        o += cl;
    }
    out[o] = '\0';
}


struct server_state {
    bool pinned;                  /* < > chose a node; else the worst one is shown */
    size_t node;                  /* that node */
    struct text_scroll scroll;
    struct filter filter;         /* kept filter on the slow commands' text */
    bool longest;                 /* s: the slowest first, else the newest */
    bool reverse;                 /* S */
};

static struct server_state *state_of(const struct app *app)
{
    return app_view_state(app, &server_view);
}

static const struct slowlog_entry *slow_sort_base;   /* for the comparator */
static bool slow_longest, slow_reverse;

static int slow_cmp(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int c = 0;
    if (slow_longest) {
        long long da = slow_sort_base[a].duration_us, db = slow_sort_base[b].duration_us;
        c = da > db ? -1 : da < db;
    }
    if (c == 0)
        c = a < b ? -1 : a > b;   /* as fetched: newest first */
    return slow_reverse ? -c : c;
}

/* Several nodes: how bad node i is (server_node_weight). */
static int node_weight(const struct app *app, size_t i)
{
    const struct redis_snapshot *r = &app->snap->redis;
    const struct snapshot *sv = app->servers[i];
    return server_node_weight(sv ? &sv->server : NULL, &app->node_hist[i], r->nodes[i].left,
                              r->nodes[i].state == CONN_DOWN, app->thresholds, wall_ms());
}

/* One line per node, the worst first (down, then by its problems); the one shown below is
 * marked. */
static void draw_nodes(struct app *app, struct canvas *l, size_t shown)
{
    const struct redis_snapshot *r = &app->snap->redis;
    size_t n = app->server_nodes, order[REDIS_NODES_MAX];
    int weight[REDIS_NODES_MAX];
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        weight[i] = node_weight(app, i);
    }
    for (size_t i = 1; i < n; i++)   /* insertion: at most REDIS_NODES_MAX */
        for (size_t j = i; j > 0 && weight[order[j]] > weight[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    char line[400], mem[24], ops[24], ev[24];
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        const struct node_status *ns = &r->nodes[i];
        const struct server_snapshot *sv = app->servers[i] ? &app->servers[i]->server : NULL;
        bool up = !ns->left && ns->state == CONN_UP && sv && sv->state == CONN_UP;
        int w = snprintf(line, sizeof line, "%s %-21.21s %-4s", i == shown ? ">" : " ", ns->name,
                         ns->left ? "LEFT" : up ? "up" : "DOWN");
        if (up) {
            fmt_bytes(sv->used_memory, mem, sizeof mem);
            fmt_count(sv->ops_per_sec, ops, sizeof ops);
            fmt_rate(app->node_hist[i].evicted_per_sec, ev, sizeof ev);
            w += snprintf(line + w, sizeof line - (size_t)w, " %-6s mem %s  ops %s/s  evict %s/s",
                          sv->role, mem, ops, ev);
        } else if (!ns->left) {
            w += snprintf(line + w, sizeof line - (size_t)w, " %s",
                          ns->error[0] ? ns->error : sv && sv->error[0] ? sv->error : "connecting");
        }
        if (ns->cluster && w > 0 && (size_t)w < sizeof line)
            w += snprintf(line + w, sizeof line - (size_t)w, "  slots %s", ns->slots);
        for (size_t q = 0; q < ns->replica_count && w > 0 && (size_t)w < sizeof line; q++) {
            const struct node_replica *rp = &ns->replicas[q];
            char lag[24] = "?";
            if (rp->lag_bytes != QT_UNKNOWN)
                fmt_bytes(rp->lag_bytes, lag, sizeof lag);
            w += snprintf(line + w, sizeof line - (size_t)w, "  replica %s %s lag %s", rp->addr,
                          rp->health[0] ? rp->health : "?", lag);
        }
        int role = ns->left ? ROLE_DIM : !up ? ROLE_CRIT
                   : weight[i] >= 1000 ? ROLE_CRIT : weight[i] > 0 ? ROLE_WARN : ROLE_DEFAULT;
        row(l, k == 0 ? "nodes" : "", role, line);
    }
    row(l, "", ROLE_DIM, "< > another node; below: the node marked >");
}

static void draw_server(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    const struct server_snapshot *s = server_of(app);
    const struct server_history *h = app->server_hist;
    struct server_state *nss = state_of(app);
    size_t node_shown = app->worst_node;
    bool several = app->server_nodes > 0 && app->snap && app->snap->redis.node_count > 0;
    if (several) {
        if (nss->pinned && nss->node < app->server_nodes)
            node_shown = nss->node;
        s = app->servers[node_shown] ? &app->servers[node_shown]->server : NULL;
        h = &app->node_hist[node_shown];
    }
    const struct thresholds *t = app->thresholds;
    struct server_state *ss = state_of(app);
    struct text_scroll *st = &ss->scroll;
    st->lines = 0;
    st->page = height > 0 ? height : 1;
    text_scroll_clamp(st);
    struct surface area = draw_sub(sf, top, height);
    struct canvas l = { &area, st->first, 0 };
    char line[400], a[24], b[24], c[24], d[24];

    if (several)
        draw_nodes(app, &l, node_shown);
    if (!s) {
        row(&l, "server", ROLE_DIM, "waiting for the first sample...");
        return;
    }
    if (s->state != CONN_UP) {
        row(&l, "server", ROLE_CRIT, s->error);
        if (!s->last_ok_mono_ms)
            return;
        row(&l, "", ROLE_DIM, "figures below are from the last successful sample");
    }

    /* ranked warnings first: the reason to open this view */
    struct health_warning warn[HEALTH_WARNINGS_MAX];
    size_t nw = server_warnings(s, h, app->snap ? &app->snap->redis : NULL, t, wall_ms(), warn,
                                HEALTH_WARNINGS_MAX);
    for (size_t i = 0; i < nw; i++)
        row(&l, i == 0 ? "problems" : "", theme_severity_role(warn[i].sev), warn[i].text);
    if (nw == 0)
        row(&l, "problems", ROLE_OK, "none");

    /* restart */
    if (s->last_restart_wall_ms) {
        fmt_duration_ms(wall_ms() - s->last_restart_wall_ms, a, sizeof a);
        snprintf(line, sizeof line, "restarted %s ago (run_id %.8s, was %.8s), %lld seen", a,
                 s->run_id, s->previous_run_id, s->restarts_seen);
        row(&l, "restart", ROLE_CRIT, line);
        const struct redis_snapshot *r = app->snap ? &app->snap->redis : NULL;
        if (r && r->lost_known) {
            for (size_t i = 0; i < r->lost_count; i++) {
                if (canvas_visible(&l)) {
                    int y = canvas_y(&l);
                    snprintf(line, sizeof line, "lost: %lld -> %lld entries  ",
                             r->lost[i].length_before, r->lost[i].length_after);
                    int col = draw_str(sf, y, 11, width - 11, ROLE_CRIT, line);
                    draw_text(sf, y, 11 + col, width - 11 - col, ROLE_CRIT, r->lost[i].key.ptr,
                            r->lost[i].key.len);
                }
                l.line++;
            }
            if (r->lost_count == 0)
                row(&l, "", ROLE_OK, "no stream vanished or shrank");
        } else if (r) {
            row(&l, "", ROLE_DIM, "checking which streams survived (waiting for a full SCAN pass)");
        }
    }
    l.line++;

    /* memory */
    fmt_bytes(s->used_memory, a, sizeof a);
    fmt_bytes(s->used_memory_peak, b, sizeof b);
    fmt_bytes(s->used_memory_rss, c, sizeof c);
    snprintf(line, sizeof line, "used %s  peak %s  rss %s  frag %.2f", a, b, c,
             s->mem_fragmentation_ratio);
    row(&l, "memory", ROLE_DEFAULT, line);
    double share = memory_share(s);
    if (!isnan(share)) {
        char g[40 * 3 + 1];
        gauge(g, sizeof g, share, 20, app->utf8);
        fmt_bytes(s->maxmemory, d, sizeof d);
        int role = share >= t->memory_crit_share ? ROLE_CRIT : share >= t->memory_warn_share ? ROLE_WARN
                   : ROLE_OK;
        snprintf(line, sizeof line, "%s %3.0f%% of maxmemory %s, policy %s", g, share * 100.0, d,
                 s->maxmemory_policy);
        row(&l, "", role, line);
    } else {
        snprintf(line, sizeof line, "no maxmemory (policy %s)", s->maxmemory_policy);
        row(&l, "", ROLE_DEFAULT, line);
    }
    spark_row(&l, "used", &h->memory_ring);

    /* evictions */
    fmt_rate(h->evicted_per_sec, a, sizeof a);
    fmt_rate(h->expired_per_sec, b, sizeof b);
    fmt_count(s->evicted_keys, c, sizeof c);
    bool can_evict = s->maxmemory > 0 && policy_can_evict_queues(s->maxmemory_policy, false);
    snprintf(line, sizeof line, "evicted %s/s (total %s)  expired %s/s", a, c, b);
    row(&l, "evictions", !isnan(h->evicted_per_sec) && h->evicted_per_sec > 0
                            ? (can_evict ? ROLE_CRIT : ROLE_WARN) : ROLE_DEFAULT, line);
    spark_row(&l, "evicted/s", &h->evicted_ring);

    /* load */
    fmt_count(s->ops_per_sec, a, sizeof a);
    fmt_bytes(isnan(h->net_in_per_sec) ? QT_UNKNOWN : (long long)h->net_in_per_sec, b, sizeof b);
    fmt_bytes(isnan(h->net_out_per_sec) ? QT_UNKNOWN : (long long)h->net_out_per_sec, c, sizeof c);
    fmt_rate(h->rejected_per_sec, d, sizeof d);
    snprintf(line, sizeof line, "ops %s/s  clients %lld  blocked %lld  rejected %s/s  net in %s/s out %s/s",
             a, s->connected_clients, s->blocked_clients, d, b, c);
    row(&l, "load", ROLE_DEFAULT, line);
    if (!isnan(h->hit_ratio)) {
        snprintf(line, sizeof line, "keyspace hits %.1f%%", h->hit_ratio * 100.0);
        row(&l, "", ROLE_DEFAULT, line);
    }
    spark_row(&l, "ops/s", &h->ops_ring);

    /* latency */
    snprintf(line, sizeof line, "PING min %.2f  avg %.2f  max %.2f ms  (budget %.0f ms)", s->ping_min_ms,
             s->ping_avg_ms, s->ping_max_ms, t->ping_budget_ms);
    row(&l, "latency", s->ping_avg_ms > t->ping_budget_ms ? ROLE_WARN : ROLE_DEFAULT, line);
    spark_row(&l, "ping ms", &h->ping_ring);
    if (s->unavailable.latency[0])
        row(&l, "", ROLE_DIM, s->unavailable.latency);
    for (size_t i = 0; i < s->latency_count; i++) {
        fmt_duration_ms(s->server_time_ms ? s->server_time_ms - s->latency[i].time_s * 1000 : QT_UNKNOWN,
                        a, sizeof a);
        snprintf(line, sizeof line, "event %s: latest %lld ms, max %lld ms, %s ago", s->latency[i].name,
                 s->latency[i].latest_ms, s->latency[i].max_ms, a);
        row(&l, "", ROLE_DEFAULT, line);
    }

    /* persistence */
    if (s->aof_enabled)
        snprintf(line, sizeof line, "AOF on, fsync %s, last write %s%s", s->aof_fsync[0] ? s->aof_fsync : "?",
                 s->aof_last_write_status, s->aof_rewrite_in_progress ? ", rewriting" : "");
    else
        snprintf(line, sizeof line, "AOF off");
    row(&l, "persist", s->aof_enabled && strcmp(s->aof_last_write_status, "ok") ? ROLE_CRIT : ROLE_DEFAULT,
        line);
    fmt_duration_ms(s->rdb_last_save_time > 0 && s->server_time_ms
                        ? s->server_time_ms - s->rdb_last_save_time * 1000 : QT_UNKNOWN, a, sizeof a);
    snprintf(line, sizeof line, "RDB last save %s %s ago, %lld changes since; save points \"%s\"%s",
             s->rdb_last_bgsave_status, a, s->rdb_changes_since_last_save,
             s->config_known ? s->save_config : "?", s->rdb_bgsave_in_progress ? ", saving" : "");
    row(&l, "", strcmp(s->rdb_last_bgsave_status, "ok") ? ROLE_CRIT : ROLE_DEFAULT, line);
    if (s->unavailable.config[0])
        row(&l, "", ROLE_DIM, s->unavailable.config);

    /* replication */
    if (strcmp(s->role, "slave") == 0)
        snprintf(line, sizeof line, "replica, link to master %s", s->master_link_status);
    else
        snprintf(line, sizeof line, "%s, %lld replica%s", s->role, s->connected_replicas,
                 s->connected_replicas == 1 ? "" : "s");
    row(&l, "replicas", strcmp(s->role, "slave") == 0 && strcmp(s->master_link_status, "up")
                            ? ROLE_CRIT : ROLE_DEFAULT, line);
    for (size_t i = 0; i < s->replica_count; i++) {
        fmt_bytes(s->replicas[i].lag_bytes, a, sizeof a);
        snprintf(line, sizeof line, "%s %s, %s behind", s->replicas[i].addr, s->replicas[i].state, a);
        row(&l, "", ROLE_DEFAULT, line);
    }
    fmt_duration_ms(s->uptime_s == QT_UNKNOWN ? QT_UNKNOWN : s->uptime_s * 1000, a, sizeof a);
    snprintf(line, sizeof line, "redis %s, up %s, run_id %.12s", s->version, a, s->run_id);
    row(&l, "server", ROLE_DIM, line);

    /* slowlog */
    l.line++;
    if (s->unavailable.slowlog[0]) {
        row(&l, "slowlog", ROLE_DIM, s->unavailable.slowlog);
    } else {
        fmt_duration_ms(s->slowlog_threshold_us == QT_UNKNOWN ? QT_UNKNOWN : s->slowlog_threshold_us / 1000,
                        a, sizeof a);
        fmt_rate(h->slowlog_per_sec, b, sizeof b);
        snprintf(line, sizeof line, "+%lld new (%s/s), %lld since start, slower than %s", s->slowlog_new, b,
                 s->slowlog_new_total, a);
        row(&l, "slowlog", s->slowlog_new ? ROLE_WARN : ROLE_DEFAULT, line);
        size_t order[SLOWLOG_KEEP], shown = 0;
        for (size_t i = 0; i < s->slowlog_count && i < SLOWLOG_KEEP; i++)
            if (key_matches_filter(&s->slowlog[i].command, ss->filter.text))
                order[shown++] = i;
        slow_sort_base = s->slowlog;
        slow_longest = ss->longest;
        slow_reverse = ss->reverse;
        qsort(order, shown, sizeof *order, slow_cmp);
        if (ss->filter.text[0]) {
            snprintf(line, sizeof line, "/%.40s: %zu of %zu shown", ss->filter.text, shown,
                     s->slowlog_count);
            row(&l, "", ROLE_TITLE, line);
        }
        for (size_t j = 0; j < shown; j++) {
            const struct slowlog_entry *e = &s->slowlog[order[j]];
            if (canvas_visible(&l)) {
                int y = canvas_y(&l);
                fmt_duration_ms(s->server_time_ms ? s->server_time_ms - e->time_s * 1000 : QT_UNKNOWN, a,
                                sizeof a);
                fmt_duration_ms(e->duration_us / 1000, b, sizeof b);
                snprintf(line, sizeof line, "%7s ago %7s  ", a, b);
                int col = 2 + draw_str(sf, y, 2, width - 2, ROLE_DEFAULT, line);
                int cmd_w = width - col - 24;
                col += draw_text(sf, y, col, cmd_w > 10 ? cmd_w : 10, ROLE_DEFAULT, e->command.ptr,
                               e->command.len);
                draw_text(sf, y, col + 2, width - col - 2, ROLE_DIM, e->client.ptr, e->client.len);
            }
            l.line++;
        }
    }
    st->lines = l.line;
}

static int server_key(struct app *app, int key)
{
    struct server_state *st = state_of(app);
    bool changed;
    int act = filter_key(&st->filter, key, &changed);
    if (act != ACT_NONE)
        return act;
    switch (key) {
    case 's':
        st->longest = !st->longest;
        return ACT_REDRAW;
    case 'S':
        st->reverse = !st->reverse;
        return ACT_REDRAW;
    case '<': case '>': case ',': case '.':
        if (app->server_nodes > 1) {
            size_t n = app->server_nodes, at = st->pinned ? st->node : app->worst_node;
            st->node = (key == '<' || key == ',') ? (at + n - 1) % n : (at + 1) % n;
            st->pinned = true;
            return ACT_REDRAW;
        }
        return ACT_HANDLED;
    case 27: case QK_BACKSPACE: case 127: case 8: case QK_LEFT: case 'h':
        app_back(app);
        return ACT_REDRAW;
    default:
        return text_scroll_key(&st->scroll, key);
    }
}

/* The filter being typed, for the status line. */
static bool server_editing(const struct app *app, char *line, size_t len)
{
    const struct server_state *st = state_of(app);
    return filter_prompt(&st->filter, line, len, "Filter slow commands");
}

static void *server_state_new(void)
{
    return xcalloc(1, sizeof(struct server_state));
}

static const struct help_line server_help[] = {
    { "Up/Down j/k PgUp/PgDn", "scroll" },
    { "/", "filter the slow commands by their text (Enter keeps it, Esc clears it)" },
    { "s / S", "slow commands: newest or slowest first / reverse it" },
    { "< >", "several servers or a cluster: the node shown below the nodes' list" },
    { "Esc  1", "clear the filter, then back to the streams" },
    { "problems", "ranked: critical first (evictions of queue data, restarts, failed writes)" },
    { "evict", "red when keys are evicted under a policy that can drop queue keys" },
    { "slowlog", "new slow commands since the last sample, each counted once" },
    { "latency", "queuetop's own PING round trip against the budget (--config)" },
    { NULL, NULL },
};

static size_t server_hints(const struct app *app, struct hint *out)
{
    static char sort[48];   /* the UI thread's only */
    const struct server_state *st = state_of(app);
    snprintf(sort, sizeof sort, "s sort:%s%s", st->longest ? "slowest" : "newest",
             st->reverse ? "(rev)" : "");
    out[0] = (struct hint){ "/ filter", 0 };
    out[1] = (struct hint){ sort, 1 };
    out[2] = (struct hint){ "j/k scroll", 2 };
    out[3] = (struct hint){ "Esc back", 3 };
    return 4;
}

const struct view server_view = {
    .name = "server",
    .key = '2',
    .family = "server",
    .source = SOURCE_REDIS,
    .draw = draw_server,
    .handle_key = server_key,
    .hints = server_hints,
    .help = server_help,
    .editing = server_editing,
    .state_new = server_state_new,
    .state_free = free,
};
