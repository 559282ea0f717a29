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
#include "app_state.h"
#include "format.h"
#include "sanitize.h"
#include "text_scroll.h"

static bool curses_active;

void app_restore_terminal(void)
{
    if (curses_active) {
        curses_active = false;
        endwin();
    }
}

bool app_edit_field(char *buf, size_t size, bool *editing, int key)
{
    size_t len = strlen(buf);
    if (key == 27 || key == KEY_EXIT) {
        buf[0] = '\0';
        *editing = false;
    } else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
        *editing = false;
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (len)
            buf[len - 1] = '\0';
    } else if (key >= 0x20 && key < 0x7f && len + 1 < size) {
        buf[len] = (char)key;
        buf[len + 1] = '\0';
    } else {
        return false;
    }
    return true;
}

bool app_field_prompt(char *line, size_t len, const char *label, const char *text, bool editing)
{
    if (editing)
        snprintf(line, len, " %s: %s_   (Enter: keep, Esc: clear)", label, text);
    return editing;
}

void app_flash(struct app *app, const char *text)
{
    str_copy(app->message, text, sizeof app->message);
    app->message_until_ms = mono_ms() + 3000;
}

int app_put(struct app *app, WINDOW *w, int y, int x, int max_cols, int role, const char *bytes,
            size_t len)
{
    char buf[1024];
    int room = getmaxx(w) - x;   /* never past the right edge: curses would wrap the rest */
    if (max_cols > room)
        max_cols = room;
    if (max_cols <= 0)
        return 0;
    if (max_cols > 300)
        max_cols = 300;
    int cols = sanitize_for_cell(bytes, len, buf, sizeof buf, max_cols, app->utf8);
    wattrset(w, theme_attr((enum role)role));
    mvwaddstr(w, y, x, buf);
    wattrset(w, theme_attr(ROLE_DEFAULT));
    return cols;
}

int app_puts(struct app *app, WINDOW *w, int y, int x, int max_cols, int role, const char *text)
{
    return app_put(app, w, y, x, max_cols, role, text, strlen(text));
}

int app_puts_right(struct app *app, WINDOW *w, int y, int end, int cell_w, int role,
                   const char *text)
{
    char buf[1024];
    if (cell_w <= 0)
        return 0;
    if (cell_w > 300)
        cell_w = 300;
    /* measured as it will be shown (escapes, wide characters), not in bytes */
    int cols = sanitize_for_cell(text, strlen(text), buf, sizeof buf, cell_w, app->utf8);
    return app_put(app, w, y, end - cols, cols, role, text, strlen(text));
}

/* How many bytes of s[0..len) fit in max_cols columns; *space is set to the offset of the last
 * space among them (0 when none). s is sanitized: printable, valid UTF-8 or ASCII. */
static size_t fit_bytes(const char *s, size_t len, int max_cols, size_t *space)
{
    size_t i = 0;
    int cols = 0;
    *space = 0;
    while (i < len) {
        unsigned cp = (unsigned char)s[i];
        size_t n = 1;
        if (cp >= 0x80) {
            n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
            if (n == 0)
                n = 1;
        }
        int cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
        if (cw < 1)
            cw = 1;
        if (cols + cw > max_cols)
            break;
        if (s[i] == ' ')
            *space = i;
        cols += cw;
        i += n;
    }
    return i;
}

int app_puts_wrapped(struct app *app, WINDOW *w, int y, int x, int max_cols, int max_lines,
                     int role, const char *text)
{
    int room = getmaxx(w) - x;
    if (max_cols > room)
        max_cols = room;
    if (max_cols < 2 || max_lines <= 0)
        return 0;
    char safe[2048];
    sanitize_for_cell(text, strlen(text), safe, sizeof safe, -1, app->utf8);
    const char *p = safe;
    size_t left = strlen(safe);
    int lines = 0;
    wattrset(w, theme_attr((enum role)role));
    while (left > 0 && lines < max_lines) {
        while (left > 0 && *p == ' ') {
            p++;
            left--;
        }
        if (left == 0)
            break;
        size_t space;
        size_t n = fit_bytes(p, left, max_cols, &space);
        bool last = lines == max_lines - 1;
        if (n < left && last) {
            /* the rest does not fit: as much as leaves a column for the ellipsis */
            n = fit_bytes(p, left, max_cols - 1, &space);
            mvwaddnstr(w, y + lines, x, p, (int)n);
            waddstr(w, app->utf8 ? "\xe2\x80\xa6" : "~");
            lines++;
            break;
        }
        if (n < left && space > 0)
            n = space;   /* break at the last space that fits */
        mvwaddnstr(w, y + lines, x, p, (int)n);
        p += n;
        left -= n;
        lines++;
    }
    wattrset(w, theme_attr(ROLE_DEFAULT));
    return lines;
}

/* ---- frame ---------------------------------------------------------------------------- */

/* The top line when only PostgreSQL is read. */
static void draw_pg_header(struct app *app, int width)
{
    const struct pg_snapshot *p = app->pg ? &app->pg->pg : NULL;
    char line[800], age[32] = "";
    bool down = p && p->state == CONN_DOWN;
    int role = down ? ROLE_STATUS_ERR : ROLE_HEADER;
    wattrset(stdscr, theme_attr(role));
    mvhline(0, 0, ' ', width);
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
    app_puts(app, stdscr, 0, 0, width, role, line);
}

static void draw_header(struct app *app, int width)
{
    if (!app->opts->watch_redis) {
        draw_pg_header(app, width);
        return;
    }
    const struct redis_snapshot *r = app->snap ? &app->snap->redis : NULL;
    char line[1024], age[32] = "";
    bool down = r && r->state == CONN_DOWN;
    int role = down ? ROLE_STATUS_ERR : ROLE_HEADER;
    wattrset(stdscr, theme_attr(role));
    mvhline(0, 0, ' ', width);
    if (!r) {
        char url[512];
        redis_target_display(&app->opts->streams.target, url, sizeof url);
        snprintf(line, sizeof line, " queuetop  %s  connecting...", url);
    } else {
        const char *state = r->state == CONN_UP ? "up" : down ? "DOWN" : "connecting";
        if (r->state == CONN_UP) {
            snprintf(age, sizeof age, "%.1fs", (double)(mono_ms() - r->sampled_mono_ms) / 1000.0);
            char cost[96] = "";
            redis_cost_text(&r->cost, r->stream_count, cost, sizeof cost);
            snprintf(line, sizeof line, " queuetop  %s  %s%s%s%s  [%s]  sampled %s ago%s%s",
                     r->url, r->version[0] ? "redis " : "", r->version, r->role[0] ? " " : "",
                     r->role, state, age, cost[0] ? "  " : "", cost);
        } else {
            if (r->last_ok_mono_ms)
                fmt_duration_ms(mono_ms() - r->last_ok_mono_ms, age, sizeof age);
            snprintf(line, sizeof line, " queuetop  %s  [%s]  %s%s%s", r->url, state,
                     r->last_ok_mono_ms ? "data shown is " : "no data yet",
                     r->last_ok_mono_ms ? age : "", r->last_ok_mono_ms ? " old" : "");
        }
    }
    app_puts(app, stdscr, 0, 0, width, role, line);
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

/* Every view: each one's own state is made, kept and freed here, in this order
 * (app->view_state), and each is told of every new sample. */
static const struct view *const all_views[] = {
    &streams_view, &stream_view, &server_view, &workflows_view, &timeline_view, &queues_view,
    &keys_view, &help_view,
};

_Static_assert(sizeof all_views / sizeof all_views[0] <= VIEWS_MAX, "raise VIEWS_MAX");

void *app_view_state(const struct app *app, const struct view *v)
{
    for (size_t i = 0; i < ARRAY_LEN(all_views); i++)
        if (all_views[i] == v)
            return app->view_state[i];
    return NULL;
}

static void views_open(struct app *app)
{
    for (size_t i = 0; i < ARRAY_LEN(all_views); i++)
        app->view_state[i] = all_views[i]->state_new ? all_views[i]->state_new() : NULL;
}

static void views_close(struct app *app)
{
    for (size_t i = 0; i < ARRAY_LEN(all_views); i++) {
        if (all_views[i]->state_free)
            all_views[i]->state_free(app->view_state[i]);
        app->view_state[i] = NULL;
    }
}

/* A new sample of kind is held in app: every view rebuilds what it derives from it. */
static void views_new_sample(struct app *app, enum snapshot_kind kind)
{
    for (size_t i = 0; i < ARRAY_LEN(all_views); i++)
        if (all_views[i]->on_snapshot)
            all_views[i]->on_snapshot(app, (int)kind);
}

/* The views with a number key, in its order: what the number keys and Tab open, and what the
 * status line lists. */
static const struct family {
    char key;
    const char *label;
    const struct view *top;   /* the family's first view */
} families[] = {
    { '1', "streams", &streams_view },
    { '2', "server", &server_view },
    { '3', "workflows", &workflows_view },
    { '4', "queues", &queues_view },
    { '5', "keys", &keys_view },
};

static bool family_watched(const struct app *app, char key)
{
    return key == '3' ? app->opts->pg_conninfo != NULL : app->opts->watch_redis;
}

static const struct view *family_top(char key)
{
    for (size_t i = 0; i < ARRAY_LEN(families); i++)
        if (families[i].key == key)
            return families[i].top;
    return NULL;
}

/* The view a family shows now: where it was left (a stream opened, an execution's timeline). */
static const struct view *family_view(const struct app *app, char key)
{
    if (key < '1' || key > '5')
        return NULL;
    const struct view *v = app->family_last[key - '1'];
    return v ? v : family_top(key);
}

/* v is shown: its family's number key comes back to it. */
static void become(struct app *app, const struct view *v)
{
    app->view = v;
    if (v->key >= '1' && v->key <= '5')
        app->family_last[v->key - '1'] = v;
}

/* A jump (a number key, Tab): not a way back. */
static void jump(struct app *app, const struct view *v)
{
    app->depth = 0;
    become(app, v);
}

void app_show_key(struct app *app, char key)
{
    if (!family_watched(app, key)) {
        app_flash(app, key == '3' ? "no workflows: start queuetop with --pg CONNINFO as well"
                                  : "Redis is not watched: start queuetop with --redis URL as well");
        return;
    }
    const struct view *v = family_view(app, key);
    if (v)
        jump(app, v);
}

/* The view Esc comes back to from the next one; at the stack's depth the oldest is forgotten. */
static void push(struct app *app, const struct view *v)
{
    if (app->depth == (int)ARRAY_LEN(app->stack)) {
        memmove(&app->stack[0], &app->stack[1], (ARRAY_LEN(app->stack) - 1) * sizeof app->stack[0]);
        app->depth--;
    }
    app->stack[app->depth++] = v;
}

void app_show(struct app *app, const struct target *t)
{
    for (size_t i = 0; i < ARRAY_LEN(all_views); i++) {
        const struct view *v = all_views[i];
        if (v->shows != t->kind || !v->show)
            continue;
        if (!v->show(app, t))
            return;
        if (app->view != v)
            push(app, app->view);
        become(app, v);
        return;
    }
}

void app_back(struct app *app)
{
    const struct view *left = app->view;
    const struct view *top = family_top(left->key);
    /* a view it opened (a stream, a timeline) is closed: its number key shows the first again */
    if (top && top != left && left->key >= '1' && left->key <= '5' &&
        app->family_last[left->key - '1'] == left)
        app->family_last[left->key - '1'] = top;
    if (app->depth > 0) {
        become(app, app->stack[--app->depth]);
        return;
    }
    if (top && top != left) {
        become(app, top);
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(families); i++) {
        if (family_watched(app, families[i].key)) {
            become(app, family_view(app, families[i].key));
            return;
        }
    }
}

const struct view *app_view_under(const struct app *app)
{
    return app->depth > 0 ? app->stack[app->depth - 1] : NULL;
}

/* The next watched family after the current view's, in number order. */
static void show_next(struct app *app)
{
    size_t n = ARRAY_LEN(families), cur = 0;
    for (size_t i = 0; i < n; i++)
        if (families[i].key == app->view->key)
            cur = i;
    for (size_t step = 1; step <= n; step++) {
        const struct family *f = &families[(cur + step) % n];
        if (family_watched(app, f->key)) {
            jump(app, family_view(app, f->key));
            return;
        }
    }
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
    struct hint h[VIEW_HINTS_MAX + ARRAY_LEN(families) + 2];
    size_t n = app->view->hints ? app->view->hints(app, h) : 0;
    if (n > VIEW_HINTS_MAX)
        n = VIEW_HINTS_MAX;
    char names[ARRAY_LEN(families)][24], digits[ARRAY_LEN(families) + 8];
    size_t first = n, nd = 0;
    str_copy(digits, "views:", sizeof digits);
    for (size_t i = 0; i < ARRAY_LEN(families); i++) {
        const struct family *f = &families[i];
        if (f->key == app->view->key || !family_watched(app, f->key))
            continue;
        snprintf(names[nd], sizeof names[nd], "%c:%s", f->key, f->label);
        h[n++] = (struct hint){ names[nd++], 0 };
        size_t dl = strlen(digits);
        digits[dl] = f->key;
        digits[dl + 1] = '\0';
    }
    size_t tail = n;
    h[n++] = (struct hint){ app->view->key ? "? help" : NULL, 0 };   /* not in the help */
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
    char digits[ARRAY_LEN(families) + 1];
    size_t nd = 0;
    for (size_t i = 0; i < ARRAY_LEN(families); i++)
        if (families[i].key != app->view->key && family_watched(app, families[i].key))
            digits[nd++] = families[i].key;
    digits[nd] = '\0';
    snprintf(tail, len, "%s%s  ? help  q quit ", nd ? "  views:" : "", digits);
}

static void draw_status(struct app *app, int y, int width)
{
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
    wattrset(stdscr, theme_attr(role));
    mvhline(y, 0, ' ', width);
    if (role == ROLE_STATUS_ERR) {
        /* the reason (the view shows it in full), then the view keys at the right end */
        char tail[64];
        view_keys_tail(app, tail, sizeof tail);
        int tw = (int)strlen(tail);
        if (tw < width) {
            app_puts(app, stdscr, y, 0, width - tw, role, line);
            app_puts(app, stdscr, y, width - tw, tw, role, tail);
            return;
        }
    }
    app_puts(app, stdscr, y, 0, width, role, line);
}

static void draw(struct app *app)
{
    int height, width;
    getmaxyx(stdscr, height, width);
    werase(stdscr);
    if (height < 5 || width < 20) {
        mvaddstr(0, 0, "window too small");
    } else {
        draw_header(app, width);
        app->view->draw(app, stdscr, 1, height - 2, width);
        draw_status(app, height - 1, width);
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
    case KEY_F(1):
        if (app->view != &help_view) {
            push(app, app->view);
            app->view = &help_view;
        }
        return ACT_REDRAW;
    case 'r':
    case KEY_F(5):
        hub_request_refresh(app->hub);
        app_flash(app, "refreshing...");
        return ACT_REDRAW;
    case '1': case '2': case '3': case '4': case '5':
        app_show_key(app, (char)key);
        return ACT_REDRAW;
    case '\t':
        show_next(app);
        return ACT_REDRAW;
    case 12: /* Ctrl-L */
        clearok(curscr, TRUE);
        return ACT_REDRAW;
    case KEY_RESIZE:
        return ACT_REDRAW;
    default:
        return ACT_NONE;
    }
}

static void take_snapshot(struct app *app)
{
    struct snapshot *pg = hub_acquire(app->hub, SNAPSHOT_PG);
    if (pg && (!app->pg || app->pg->pg.sample_seq != pg->pg.sample_seq)) {
        hub_release(app->hub, app->pg);
        app->pg = pg;
        views_new_sample(app, SNAPSHOT_PG);
    } else {
        hub_release(app->hub, pg);
    }
    struct snapshot *sv = hub_acquire(app->hub, SNAPSHOT_SERVER);
    if (sv && (!app->server || app->server->server.sample_seq != sv->server.sample_seq)) {
        hub_release(app->hub, app->server);
        app->server = sv;
        history_update_server(&app->history, &sv->server);
        views_new_sample(app, SNAPSHOT_SERVER);
    } else {
        hub_release(app->hub, sv);
    }
    struct snapshot *ks = hub_acquire(app->hub, SNAPSHOT_KEYS);
    if (ks && (!app->keys || app->keys->keys.sample_seq != ks->keys.sample_seq)) {
        hub_release(app->hub, app->keys);
        app->keys = ks;
        views_new_sample(app, SNAPSHOT_KEYS);
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
    views_new_sample(app, SNAPSHOT_REDIS);
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
    app.view = opts->watch_redis ? &streams_view : &workflows_view;
    app.utf8 = locale_is_utf8();
    app.thresholds = &opts->thresholds;
    history_init(&app.history);
    views_open(&app);

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
    if (!quit && opts->workflow_id) {
        /* Esc from it goes to the list of executions */
        jump(&app, &workflows_view);
        app_show(&app, &(struct target){ .kind = TARGET_EXECUTION,
                                         .execution = opts->workflow_id });
    }

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
            if (errno == EINTR) {     /* SIGWINCH: curses queues KEY_RESIZE */
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
    history_done(&app.history);
    views_close(&app);
    return rc;
}
