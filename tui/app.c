/* app.c -- the dashboard's loop on the UI thread:
 *   poll(stdin, hub wake pipe, stop pipe, timer) -> take the newest snapshot -> keys -> draw once.
 * Drawing goes to stdscr and ends with wnoutrefresh + doupdate, so curses sends only the cells
 * that changed since the last frame (what keeps it usable over a slow SSH link). */
#include "app.h"

#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../views/panels.h"
#include "../views/server_model.h"
#include "app_state.h"
#include "draw.h"
#include "keys.h"
#include "nav.h"
#include "format.h"
#include "sanitize.h"
#include "text_scroll.h"

/* Every view, in the order of views/views.def: the table the view stack runs on (tui/nav.c). */
static const struct view *const all_views[] = {
#define VIEW(name) &name,
#include "../views/views.def"
#undef VIEW
};

_Static_assert(sizeof all_views / sizeof all_views[0] <= VIEWS_MAX, "raise VIEWS_MAX");

static bool curses_active;

void app_restore_terminal(void)
{
    if (curses_active) {
        curses_active = false;
        endwin();
    }
}

/* ---- frame ---------------------------------------------------------------------------- */

/* The top line when only PostgreSQL is read. */
static void draw_pg_header(struct app *app, const struct surface *scr)
{
    const struct pg_snapshot *p = app->pg ? &app->pg->pg : NULL;
    char line[800], age[32] = "";
    bool down = p && p->state == CONN_DOWN;
    int role = down ? ROLE_STATUS_ERR : ROLE_HEADER;
    draw_bar(scr, 0, role);
    if (!p) {
        snprintf(line, sizeof line, " queuetop  postgres  connecting...");
    } else if (!down) {
        snprintf(age, sizeof age, "%.1fs", (double)(mono_ms() - p->sampled_mono_ms) / 1000.0);
        snprintf(line, sizeof line, " queuetop  pg %s  %s  [up]  %s ago", p->target, p->source,
                 age);
    } else {
        if (p->last_ok_mono_ms)
            fmt_duration_ms(mono_ms() - p->last_ok_mono_ms, age, sizeof age);
        snprintf(line, sizeof line, " queuetop  pg %s  [DOWN]  %s%s%s", p->target,
                 p->last_ok_mono_ms ? "data shown is " : "no data yet",
                 p->last_ok_mono_ms ? age : "", p->last_ok_mono_ms ? " old" : "");
    }
    draw_str(scr, 0, 0, scr->width, role, line);
}

static void draw_header(struct app *app, const struct surface *scr)
{
    if (!app->opts->watch_redis) {
        draw_pg_header(app, scr);
        return;
    }
    const struct redis_snapshot *r = app->snap ? &app->snap->redis : NULL;
    char line[1024], age[32] = "";
    bool down = r && r->state == CONN_DOWN;
    bool node_down = false;   /* one of several: the bar turns red, the others still show */
    for (size_t i = 0; r && i < r->node_count; i++)
        node_down = node_down || (!r->nodes[i].left && r->nodes[i].state == CONN_DOWN);
    int role = down || node_down ? ROLE_STATUS_ERR : ROLE_HEADER;
    draw_bar(scr, 0, role);
    if (!r) {
        char url[512];
        redis_target_display(&app->opts->streams.target, url, sizeof url);
        snprintf(line, sizeof line, " queuetop  %s  connecting...", url);
    } else {
        const char *state = r->state == CONN_UP ? "up" : down ? "DOWN" : "connecting";
        /* with Sentinels, the master they named: the URL lists them, and is long; several
         * nodes: how many, and how many are down */
        char nodes[96] = "";
        if (r->node_count) {
            size_t down_n = 0, left_n = 0;
            for (size_t i = 0; i < r->node_count; i++) {
                left_n += r->nodes[i].left;
                down_n += !r->nodes[i].left && r->nodes[i].state != CONN_UP;
            }
            int w = snprintf(nodes, sizeof nodes, "%zu %s", r->node_count - left_n,
                             r->nodes[0].cluster ? "cluster primaries" : "servers");
            if (down_n && w > 0 && (size_t)w < sizeof nodes)
                snprintf(nodes + w, sizeof nodes - (size_t)w, " (%zu DOWN)", down_n);
        }
        const char *shown = r->node_count ? nodes : r->master[0] ? r->master : r->url;
        char unverified[96], changed[40] = "";
        if (r->master[0] && r->master_changed_wall_ms) {
            char ago[24];
            fmt_duration_ms(wall_ms() - r->master_changed_wall_ms, ago, sizeof ago);
            snprintf(changed, sizeof changed, ", new %s ago", ago);
        }
        snprintf(unverified, sizeof unverified, "%s%s%s%s", r->master[0] ? " (Sentinel" : "",
                 changed, r->master[0] ? ")" : "", r->tls_unverified ? " TLS NOT VERIFIED" : "");
        if (r->state == CONN_UP) {
            snprintf(age, sizeof age, "%.1fs", (double)(mono_ms() - r->sampled_mono_ms) / 1000.0);
            char cost[96] = "";
            redis_cost_text(&r->cost, r->stream_count, cost, sizeof cost);
            snprintf(line, sizeof line, " queuetop  %s%s  %s%s%s%s  [%s]  sampled %s ago%s%s",
                     shown, unverified, r->version[0] ? "redis " : "", r->version,
                     r->role[0] ? " " : "", r->role, state, age, cost[0] ? "  " : "", cost);
        } else {
            if (r->last_ok_mono_ms)
                fmt_duration_ms(mono_ms() - r->last_ok_mono_ms, age, sizeof age);
            snprintf(line, sizeof line, " queuetop  %s%s  [%s]  %s%s%s", shown, unverified, state,
                     r->last_ok_mono_ms ? "data shown is " : "no data yet",
                     r->last_ok_mono_ms ? age : "", r->last_ok_mono_ms ? " old" : "");
        }
    }
    draw_str(scr, 0, 0, scr->width, role, line);
}

/* " hint  hint  hint" into line: every hint given (text not NULL), minus those that do not fit
 * in width, highest drop first. */
static void fit_hints(char *line, size_t len, int width, struct hint *h, size_t n)
{
    for (;;) {
        int total = 0;
        size_t worst = n;
        for (size_t i = 0; i < n; i++) {
            if (!h[i].text)
                continue;
            total += 2 + (int)strlen(h[i].text);
            if (h[i].drop > 0 && (worst == n || h[i].drop > h[worst].drop))
                worst = i;
        }
        if (total - 1 <= width || worst == n)
            break;
        h[worst].text = NULL;
    }
    size_t o = 0;
    line[0] = '\0';
    for (size_t i = 0; i < n && o + 1 < len; i++) {
        if (h[i].text) {
            int k = snprintf(line + o, len - o, "%s%s", o ? "  " : " ", h[i].text);
            o += k > 0 ? (size_t)k : 0;
        }
    }
    if (o >= len)
        line[len - 1] = '\0';
}

/* When the source of the view's data is down (or PostgreSQL's last query failed), the line
 * that says so, and true. */
static bool source_trouble(const struct app *app, enum view_source src, char *line, size_t len)
{
    enum conn_state state = CONN_UP;
    const char *error = "";
    int64_t retry_in = 0, sampled = 0;
    if (src == SOURCE_PG && app->pg) {
        state = app->pg->pg.state;
        error = app->pg->pg.error;
        retry_in = app->pg->pg.retry_in_ms;
        sampled = app->pg->pg.sampled_mono_ms;
    } else if (src == SOURCE_KEYS && app->keys) {
        state = app->keys->keys.state;
        error = app->keys->keys.error;
        retry_in = app->keys->keys.retry_in_ms;
        sampled = app->keys->keys.sampled_mono_ms;
    } else if (src == SOURCE_REDIS && app->snap) {
        state = app->snap->redis.state;
        error = app->snap->redis.error;
        retry_in = app->snap->redis.retry_in_ms;
        sampled = app->snap->redis.sampled_mono_ms;
    }
    if (state == CONN_DOWN) {
        char retry[32];
        int64_t left = retry_in - (mono_ms() - sampled);
        fmt_duration_ms(left > 0 ? left : 0, retry, sizeof retry);
        snprintf(line, len, " %s (retry in %s)", error, retry);
        return true;
    }
    if (src == SOURCE_PG && error[0]) {
        snprintf(line, len, " %s", error);   /* a query failed, the connection is still up */
        return true;
    }
    return false;
}

static int hints_width(const struct hint *h, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i++)
        if (h[i].text)
            total += 2 + (int)strlen(h[i].text);
    return total - 1;
}

/* The view's own hints, then the other views' number keys ("2:server"; as one "views:245"
 * when the line is too short for everything, so that every key is always listed), ? and q. */
static void view_hints(const struct app *app, char *line, size_t len, int width)
{
    const struct view *fam[5];
    size_t nf = nav_families(app, fam, ARRAY_LEN(fam));
    struct hint h[VIEW_HINTS_MAX + ARRAY_LEN(fam) + 2];
    size_t n = app->view->hints ? app->view->hints(app, h) : 0;
    if (n > VIEW_HINTS_MAX)
        n = VIEW_HINTS_MAX;
    char names[ARRAY_LEN(fam)][24], digits[ARRAY_LEN(fam) + 8];
    size_t first = n, nd = 0;
    str_copy(digits, "views:", sizeof digits);
    for (size_t i = 0; i < nf; i++) {
        const struct view *f = fam[i];
        if (f->key == app->view->key)
            continue;
        snprintf(names[nd], sizeof names[nd], "%c:%s", f->key, f->family);
        h[n++] = (struct hint){ names[nd++], 0 };
        size_t dl = strlen(digits);
        digits[dl] = f->key;
        digits[dl + 1] = '\0';
    }
    size_t tail = n;
    h[n++] = (struct hint){ app->view->key != '?' ? "? help" : NULL, 0 };   /* not in the help */
    h[n++] = (struct hint){ "q quit", 0 };
    /* the view's own keys come first: the names give way to the digits before any is left out */
    if (nd && hints_width(h, n) > width) {
        h[first] = (struct hint){ digits, 0 };
        memmove(&h[first + 1], &h[tail], 2 * sizeof *h);
        n = first + 3;
    }
    fit_hints(line, len, width, h, n);
}

/* The other views' number keys, help and quit, for the end of a line about a source that is
 * down: even then every view key is listed. */
static void view_keys_tail(const struct app *app, char *tail, size_t len)
{
    const struct view *fam[5];
    size_t nf = nav_families(app, fam, ARRAY_LEN(fam));
    char digits[ARRAY_LEN(fam) + 1];
    size_t nd = 0;
    for (size_t i = 0; i < nf; i++)
        if (fam[i]->key != app->view->key)
            digits[nd++] = fam[i]->key;
    digits[nd] = '\0';
    snprintf(tail, len, "%s%s  ? help  q quit ", nd ? "  views:" : "", digits);
}

static void draw_status(struct app *app, const struct surface *scr, int y)
{
    int width = scr->width;
    char line[800];
    int role = ROLE_STATUS;
    if (app->view->editing && app->view->editing(app, line, sizeof line)) {
        /* what is being typed comes first */
    } else if (app->message[0] && mono_ms() < app->message_until_ms) {
        snprintf(line, sizeof line, " %s", app->message);
    } else if (source_trouble(app, app->view->source, line, sizeof line)) {
        role = ROLE_STATUS_ERR;
    } else {
        view_hints(app, line, sizeof line, width);
    }
    draw_bar(scr, y, role);
    if (role == ROLE_STATUS_ERR) {
        /* the reason (the view shows it in full), then the view keys at the right end */
        char tail[64];
        view_keys_tail(app, tail, sizeof tail);
        int tw = (int)strlen(tail);
        if (tw < width) {
            draw_str(scr, y, 0, width - tw, role, line);
            draw_str(scr, y, width - tw, tw, role, tail);
            return;
        }
    }
    draw_str(scr, y, 0, width, role, line);
}

static void draw(struct app *app)
{
    struct surface scr = draw_screen(app->utf8);
    werase(stdscr);
    if (scr.height < 5 || scr.width < 20) {
        draw_str(&scr, 0, 0, scr.width, ROLE_DEFAULT, "window too small");
    } else {
        draw_header(app, &scr);
        struct surface area = draw_sub(&scr, 1, scr.height - 2);
        app->view->draw(app, &area);
        draw_status(app, &scr, scr.height - 1);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

/* ---- input ---------------------------------------------------------------------------- */

static int global_key(struct app *app, int key)
{
    switch (key) {
    case 'q':
    case 'Q':
        return ACT_QUIT;
    case '?':
    case QK_F1:
        nav_help(app);
        return ACT_REDRAW;
    case 'r':
    case QK_F5:
        hub_request_refresh(app->hub);
        app_flash(app, "refreshing...");
        return ACT_REDRAW;
    case '1': case '2': case '3': case '4': case '5':
        app_show_key(app, (char)key);
        return ACT_REDRAW;
    case '\t':
        nav_next_family(app);
        return ACT_REDRAW;
    case 12: /* Ctrl-L */
        clearok(curscr, TRUE);
        return ACT_REDRAW;
    case QK_RESIZE:
        return ACT_REDRAW;
    default:
        return ACT_NONE;
    }
}

/* How bad node i's server health is (server_node_weight). */
static int node_badness(const struct app *app, size_t i)
{
    const struct redis_snapshot *r = &app->snap->redis;
    const struct snapshot *sv = app->servers[i];
    return server_node_weight(sv ? &sv->server : NULL, &app->node_hist[i],
                              i < r->node_count && r->nodes[i].left,
                              i < r->node_count && r->nodes[i].state == CONN_DOWN,
                              app->thresholds, wall_ms());
}

/* Several nodes: each one's server sample, its rates, and the worst as app->server. */
static void take_node_servers(struct app *app)
{
    size_t n = app->snap->redis.node_count;
    if (n > REDIS_NODES_MAX)
        n = REDIS_NODES_MAX;
    bool changed = n != app->server_nodes;
    for (size_t i = app->server_nodes; i < n; i++)
        server_history_init(&app->node_hist[i]);
    app->server_nodes = n;
    for (size_t i = 0; i < n; i++) {
        struct snapshot *sv = hub_acquire_node(app->hub, SNAPSHOT_SERVER, i);
        if (sv && (!app->servers[i] || app->servers[i]->server.sample_seq != sv->server.sample_seq)) {
            hub_release(app->hub, app->servers[i]);
            app->servers[i] = sv;
            server_history_update(&app->node_hist[i], &sv->server);
            changed = true;
        } else {
            hub_release(app->hub, sv);
        }
    }
    if (!changed)
        return;
    size_t worst = 0;
    int worst_bad = -2;
    for (size_t i = 0; i < n; i++) {
        int bad = node_badness(app, i);
        if (bad > worst_bad) {
            worst_bad = bad;
            worst = i;
        }
    }
    app->worst_node = worst;
    hub_release(app->hub, app->server);
    app->server = hub_acquire_node(app->hub, SNAPSHOT_SERVER, worst);
    app->server_hist = &app->node_hist[worst];
    nav_new_sample(app, (int)SNAPSHOT_SERVER);
}

static void take_snapshot(struct app *app)
{
    struct snapshot *pg = hub_acquire(app->hub, SNAPSHOT_PG);
    if (pg && (!app->pg || app->pg->pg.sample_seq != pg->pg.sample_seq)) {
        hub_release(app->hub, app->pg);
        app->pg = pg;
        nav_new_sample(app, (int)SNAPSHOT_PG);
    } else {
        hub_release(app->hub, pg);
    }
    if (app->snap && app->snap->redis.node_count) {
        take_node_servers(app);
    } else {
    struct snapshot *sv = hub_acquire(app->hub, SNAPSHOT_SERVER);
    if (sv && (!app->server || app->server->server.sample_seq != sv->server.sample_seq)) {
        hub_release(app->hub, app->server);
        app->server = sv;
        history_update_server(&app->history, &sv->server);
        nav_new_sample(app, (int)SNAPSHOT_SERVER);
    } else {
        hub_release(app->hub, sv);
    }
    }
    struct snapshot *ks = hub_acquire(app->hub, SNAPSHOT_KEYS);
    if (ks && (!app->keys || app->keys->keys.sample_seq != ks->keys.sample_seq)) {
        hub_release(app->hub, app->keys);
        app->keys = ks;
        nav_new_sample(app, (int)SNAPSHOT_KEYS);
    } else {
        hub_release(app->hub, ks);
    }
    struct snapshot *s = hub_acquire(app->hub, SNAPSHOT_REDIS);
    if (!s)
        return;
    if (app->snap && app->snap->redis.sample_seq == s->redis.sample_seq) {
        hub_release(app->hub, s);
        return;
    }
    hub_release(app->hub, app->snap);
    app->snap = s;
    history_update(&app->history, &s->redis);
    nav_new_sample(app, (int)SNAPSHOT_REDIS);
}

static bool locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int app_run(const struct options *opts, struct hub *hub, int stop_fd,
            int (*start)(void *arg), void *arg)
{
    struct app app;
    memset(&app, 0, sizeof app);
    app.opts = opts;
    app.hub = hub;
    app.utf8 = locale_is_utf8();
    app.thresholds = &opts->thresholds;
    history_init(&app.history);
    app.server_hist = &app.history.server;
    nav_open(&app, all_views, ARRAY_LEN(all_views));

    if (!getenv("ESCDELAY"))
        set_escdelay(50);
    if (!initscr()) {
        fprintf(stderr, "queuetop: cannot initialise the terminal\n");
        return 2;
    }
    curses_active = true;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    theme_init(opts->theme, opts->no_color);

    int rc = 0;
    bool dirty = true, quit = false;
    if (start && start(arg) < 0) {
        rc = 2;
        quit = true;
    }
    if (!quit && opts->workflow_id)   /* Esc from it goes to the list of executions */
        nav_start_at(&app, &(struct target){ .kind = TARGET_EXECUTION,
                                             .execution = opts->workflow_id });

    int64_t last_draw = 0;
    while (!quit) {
        int64_t now = mono_ms();
        if (dirty || now - last_draw >= 1000) {
            draw(&app);
            last_draw = now;
            dirty = false;
        }
        struct pollfd p[3] = { { STDIN_FILENO, POLLIN, 0 }, { hub->wake_pipe[0], POLLIN, 0 },
                               { stop_fd, POLLIN, 0 } };
        int n = poll(p, 3, 500);
        if (n < 0) {
            if (errno == EINTR) {     /* SIGWINCH: curses queues QK_RESIZE */
                dirty = true;
            } else {
                break;
            }
        }
        if (n > 0 && p[2].revents)
            break;
        if (n > 0 && p[1].revents) {
            hub_drain_wakeups(hub);
            take_snapshot(&app);
            dirty = true;
        }
        int key;
        while ((key = getch()) != ERR) {
            key = keys_from_curses(key);
            int act = app.view->handle_key(&app, key);
            if (act == ACT_NONE)
                act = global_key(&app, key);
            if (act & ACT_QUIT)
                quit = true;
            dirty = true;
        }
        if (n > 0 && (p[0].revents & (POLLHUP | POLLERR)))
            break;
    }
    app_restore_terminal();
    hub_release(hub, app.snap);
    hub_release(hub, app.server);
    hub_release(hub, app.pg);
    hub_release(hub, app.keys);
    for (size_t i = 0; i < app.server_nodes; i++) {
        hub_release(hub, app.servers[i]);
        server_history_done(&app.node_hist[i]);
    }
    history_done(&app.history);
    nav_close(&app);
    return rc;
}
