/* workflows.c -- workflow executions from PostgreSQL: counts by status per workflow type with
 * starts, completions and failures per minute; the running executions, oldest first (the stuck
 * ones lead); the recent failures with their reason and failed task; a search by id or
 * correlation id. Enter opens an execution's timeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/format.h"
#include "../tui/list_nav.h"
#include "../tui/sanitize.h"
#include "../tui/draw.h"
#include "../tui/field.h"
#include "../tui/keys.h"
#include "panels.h"

int workflow_status_role(const char *status)
{
    switch (wf_status_class(status)) {
    case WF_ST_DONE: return ROLE_BAR_DONE;
    case WF_ST_ACTIVE: return ROLE_BAR_ACTIVE;
    case WF_ST_FAILED: return ROLE_BAR_FAILED;
    case WF_ST_WARN: return ROLE_BAR_WARN;
    case WF_ST_SKIPPED: return ROLE_BAR_SKIPPED;
    case WF_ST_OTHER: break;
    }
    return ROLE_DEFAULT;
}

const char *workflow_status_short(const char *status)
{
    static const struct { const char *name, *brief; } map[] = {
        { "COMPLETED", "DONE" },        { "COMPLETED_WITH_ERRORS", "DONE_ERR" },
        { "TIMED_OUT", "TIMEOUT" },     { "TERMINATED", "TERM" },
        { "IN_PROGRESS", "IN_PROG" },   { "SCHEDULED", "SCHED" },
        { "CANCELLED", "CANCEL" },      { "CANCELED", "CANCEL" },
        { "CANCELLING", "CANCELNG" },   { "FAILED_WITH_TERMINAL_ERROR", "FAIL_END" },
    };
    for (size_t i = 0; status && i < ARRAY_LEN(map); i++) {
        if (strcmp(status, map[i].name) == 0)
            return map[i].brief;
    }
    return status ? status : "?";
}

static void per_minute(long long n, int window_min, char *buf, size_t len)
{
    if (window_min <= 0 || n < 0)
        snprintf(buf, len, "?");
    else
        fmt_rate((double)n / window_min, buf, len);
}

#define STUCK_RUNNING_MS (60LL * 60 * 1000)   /* an execution running longer is worth a look */

void workflows_strip_draw(struct app *app, const struct surface *sf, int y, int width)
{
    const struct pg_snapshot *p = app->pg ? &app->pg->pg : NULL;
    if (!p || !p->last_ok_mono_ms) {
        bool down = p && p->state != CONN_UP;
        draw_str(sf, y, 1, width - 1, down ? ROLE_WARN : ROLE_DIM,
                 down ? "workflows: PostgreSQL not connected, figures unknown (3 for details)"
                      : "workflows: waiting for a sample...");
        return;
    }
    const struct workflow_summary *s = &p->summary;
    long long running = 0, failed = 0, started = 0, done = 0, failing = 0;
    for (size_t i = 0; i < s->count_n; i++) {
        enum wf_status_class cls = wf_status_class(s->counts[i].status);
        if (cls == WF_ST_ACTIVE)
            running += s->counts[i].count;
        else if (cls == WF_ST_FAILED)
            failed += s->counts[i].count;
    }
    for (size_t i = 0; i < s->rate_n; i++) {
        started += s->rates[i].started;
        done += s->rates[i].completed;
        failing += s->rates[i].failed;
    }
    char line[160], a[24], b[24], c[24];
    struct line ln = line_at(sf, y, 1, width);
    line_add(&ln, p->state == CONN_UP ? ROLE_DEFAULT : ROLE_WARN,
                  p->state == CONN_UP ? "wf " : "wf (stale) ");
    fmt_count(running, a, sizeof a);
    snprintf(line, sizeof line, "%s running", a);
    line_add(&ln, ROLE_DEFAULT, line);
    if (s->running_n && s->running[0].start_ms > 0 && s->db_now_ms > 0) {
        long long age = s->db_now_ms - s->running[0].start_ms;
        fmt_duration_ms(age > 0 ? age : 0, a, sizeof a);
        snprintf(line, sizeof line, " (oldest %s)", a);
        line_add(&ln, age >= STUCK_RUNNING_MS ? ROLE_WARN : ROLE_DIM,
                      line);
    }
    per_minute(started, s->rate_window_min, a, sizeof a);
    per_minute(done, s->rate_window_min, b, sizeof b);
    snprintf(line, sizeof line, "  start %s/m done %s/m", a, b);
    line_add(&ln, ROLE_DEFAULT, line);
    per_minute(failing, s->rate_window_min, c, sizeof c);
    snprintf(line, sizeof line, " fail %s/m", c);
    line_add(&ln, failing > 0 ? ROLE_CRIT : ROLE_DEFAULT, line);
    fmt_count(failed, a, sizeof a);
    snprintf(line, sizeof line, "  failed %dh %s", s->window_hours ? s->window_hours : 24, a);
    line_add(&ln, failed > 0 ? ROLE_WARN : ROLE_DIM, line);
}

/* The selectable rows, in the order drawn: search results, running, failures. */
static const struct exec_brief *selectable(const struct pg_snapshot *p, int i)
{
    int found = p->find_text[0] && p->find_n > 0 ? p->find_n : 0;
    if (i < found)
        return &p->found[i];
    i -= found;
    if (i < (int)p->summary.running_n)
        return &p->summary.running[i];
    i -= (int)p->summary.running_n;
    if (i < (int)p->summary.failures_n)
        return &p->summary.failures[i];
    return NULL;
}

static int selectable_rows(const struct pg_snapshot *p)
{
    return (p->find_text[0] && p->find_n > 0 ? p->find_n : 0) + (int)p->summary.running_n +
           (int)p->summary.failures_n;
}

/* ---- the view's state ----------------------------------------------------------------------- */

struct workflows_state {
    int selected;                   /* index into the selectable rows (selectable()) */
    char selected_id[QT_WF_ID_MAX]; /* keeps the cursor on its execution across samples */
    char find[QT_WF_ID_MAX];        /* the search being typed, or the one submitted */
    char find_sent[QT_WF_ID_MAX];   /* the one submitted; "" none */
    bool to_found;                  /* submitted: the cursor goes to its first result */
    bool editing;                   /* typing a search */
};


static struct workflows_state *state_of(const struct app *app)
{
    return app_view_state(app, &workflows_view);
}

/* Status columns: the statuses present, active ones first, then warnings, done, failures. */
static size_t status_columns(const struct workflow_summary *s, const char **cols, size_t max)
{
    static const enum wf_status_class order[] = { WF_ST_ACTIVE, WF_ST_WARN, WF_ST_DONE,
                                                  WF_ST_FAILED, WF_ST_OTHER, WF_ST_SKIPPED };
    size_t n = 0;
    for (size_t k = 0; k < ARRAY_LEN(order); k++) {
        for (size_t i = 0; i < s->count_n && n < max; i++) {
            const char *st = s->counts[i].status;
            if (wf_status_class(st) != order[k])
                continue;
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcmp(cols[j], st) == 0;
            if (!seen)
                cols[n++] = st;
        }
    }
    return n;
}

static const struct type_rate *rate_of(const struct workflow_summary *s, const struct bytes *type)
{
    for (size_t i = 0; i < s->rate_n; i++) {
        if (bytes_cmp(&s->rates[i].type, type) == 0)
            return &s->rates[i];
    }
    return NULL;
}

#define STATUS_W 9
#define RATE_W 8

/* Counts by status per type, with the rates; one line per type. */
static void draw_counts(struct canvas *c, const struct workflow_summary *s)
{
    if (c->s->width < 40) {   /* no room for the columns: one line says where they are */
        canvas_text(c, 1, ROLE_DIM, "(widen the terminal for the counts)");
        c->line++;
        return;
    }
    const char *cols[12];
    int room = c->s->width - 14 - 3 * RATE_W;
    size_t max = room > 0 ? (size_t)room / STATUS_W : 0;
    size_t ncols = status_columns(s, cols, max < ARRAY_LEN(cols) ? max : ARRAY_LEN(cols));
    int type_w = c->s->width - (int)ncols * STATUS_W - 3 * RATE_W - 1;
    /* as wide as the widest type (shown escaped), so the counts sit next to their names: at
     * 200 columns the names took 130 and the counts stood far to the right */
    int widest = 4;   /* "TYPE" */
    for (size_t i = 0; i < s->count_n; i++) {
        char esc[256];
        int w = sanitize_for_cell(s->counts[i].type.ptr, s->counts[i].type.len, esc, sizeof esc,
                                  120, c->s->utf8);
        if (w > widest)
            widest = w;
    }
    if (type_w > widest + 3)   /* a leading space and two between name and counts */
        type_w = widest + 3;
    char line[512], cell[32];
    int o = snprintf(line, sizeof line, " %-*.*s", type_w - 1, type_w - 1, "TYPE");
    for (size_t k = 0; k < ncols && o < (int)sizeof line; k++)
        o += snprintf(line + o, sizeof line - (size_t)o, "%*.*s", STATUS_W, STATUS_W - 1,
                      workflow_status_short(cols[k]));
    if (o < (int)sizeof line)
        snprintf(line + o, sizeof line - (size_t)o, "%*s%*s%*s", RATE_W, "start/m", RATE_W,
                 "done/m", RATE_W, "fail/m");
    canvas_column(c, line);

    for (size_t i = 0; i < s->count_n;) {
        const struct bytes *type = &s->counts[i].type;
        if (canvas_visible(c)) {
            int y = canvas_y(c);
            draw_text(c->s, y, 1, type_w - 2, ROLE_DEFAULT, type->ptr, type->len);
            for (size_t k = 0; k < ncols; k++) {
                long long n = 0;
                for (size_t j = i; j < s->count_n && bytes_cmp(&s->counts[j].type, type) == 0; j++)
                    if (strcmp(s->counts[j].status, cols[k]) == 0)
                        n = s->counts[j].count;
                fmt_count(n, cell, sizeof cell);
                snprintf(line, sizeof line, "%*s", STATUS_W, cell);
                enum wf_status_class cls = wf_status_class(cols[k]);
                int role = n == 0 ? ROLE_DIM
                           : cls == WF_ST_FAILED ? ROLE_CRIT
                           : cls == WF_ST_WARN ? ROLE_WARN : ROLE_DEFAULT;
                draw_str(c->s, y, type_w + (int)k * STATUS_W, STATUS_W, role, line);
            }
            const struct type_rate *r = rate_of(s, type);
            int x = type_w + (int)ncols * STATUS_W;
            long long v[3] = { r ? r->started : 0, r ? r->completed : 0, r ? r->failed : 0 };
            for (int k = 0; k < 3; k++) {
                per_minute(v[k], s->rate_window_min, cell, sizeof cell);
                snprintf(line, sizeof line, "%*s", RATE_W, cell);
                draw_str(c->s, y, x + k * RATE_W, RATE_W,
                         k == 2 && v[k] > 0 ? ROLE_CRIT : ROLE_DEFAULT, line);
            }
        }
        c->line++;
        while (i < s->count_n && bytes_cmp(&s->counts[i].type, type) == 0)
            i++;
    }
    if (s->count_n == 0) {
        canvas_text(c, 2, ROLE_DIM, "no executions in the window");
        c->line++;
    }
}

/* The lines draw_counts takes: it and this change together. */
static int counts_lines(const struct workflow_summary *s, int width)
{
    if (width < 40)
        return 1;
    int n = 1;   /* the column header */
    for (size_t i = 0; i < s->count_n;) {
        const struct bytes *type = &s->counts[i].type;
        n++;
        while (i < s->count_n && bytes_cmp(&s->counts[i].type, type) == 0)
            i++;
    }
    return n + (s->count_n == 0);
}

/* The line (from the top of the lists) of selectable row i, as draw_workflows lays them out:
 * found, the counts, running, failures; a section title is a blank line and the title. */
static int line_of_row(const struct pg_snapshot *p, int width, int i)
{
    const struct workflow_summary *s = &p->summary;
    int line = 0;
    if (p->find_text[0]) {
        int found = p->find_n > 0 ? p->find_n : 0;
        if (i < found)
            return 1 + i;
        i -= found;
        line += 1 + found + 1;
    }
    line += counts_lines(s, width) + 2;
    if (i < (int)s->running_n)
        return line + i;
    i -= (int)s->running_n;
    line += s->running_n ? (int)s->running_n : 1;
    return line + 2 + i;
}

/* One execution row: age or end, status, type, id, then the correlation id or the reason. */
static void draw_brief(struct canvas *c, const struct exec_brief *b, int64_t now_ms,
                       bool selected, bool failure)
{
    if (!canvas_visible(c)) {
        c->line++;
        return;
    }
    int y = canvas_y(c);
    char age[24], text[64];
    int64_t at = failure && b->end_ms > 0 ? b->end_ms : b->start_ms;
    if (at > 0 && now_ms > 0)
        fmt_duration_ms(now_ms - at > 0 ? now_ms - at : 0, age, sizeof age);
    else
        snprintf(age, sizeof age, "?");
    if (selected) {
        draw_bar(c->s, y, ROLE_SELECTED);
    }
    int base = selected ? ROLE_SELECTED : ROLE_DEFAULT;
    snprintf(text, sizeof text, " %8s", age);
    int x = draw_str(c->s, y, 0, 10, base, text) + 1;
    int st_role = selected ? ROLE_SELECTED : workflow_status_role(b->status.ptr);
    snprintf(text, sizeof text, "%-9.9s", workflow_status_short(b->status.ptr));
    x += draw_str(c->s, y, x, 9, st_role, text) + 1;
    draw_text(c->s, y, x, 18, base, b->name.ptr, b->name.len);
    x += 19;
    int id_w = c->s->width - x > 60 ? 36 : 18;
    draw_text(c->s, y, x, id_w, base, b->id.ptr, b->id.len);
    x += id_w + 1;
    if (x >= c->s->width) {
        c->line++;
        return;
    }
    if (failure) {
        const struct bytes *why = b->reason.len ? &b->reason : &b->failed_reason;
        x += draw_text(c->s, y, x, c->s->width - x, selected ? base : ROLE_CRIT, why->ptr,
                     why->len);
        if (b->failed_ref.len && x + 4 < c->s->width) {
            char tail[300];
            char retries[32] = "";
            if (b->failed_retry_count > 0)
                snprintf(retries, sizeof retries, ", retry %lld", b->failed_retry_count);
            snprintf(tail, sizeof tail, " (%.*s%s)", (int)(b->failed_ref.len > 200 ? 200
                                                                                    : b->failed_ref.len),
                     b->failed_ref.ptr, retries);
            draw_str(c->s, y, x, c->s->width - x, selected ? base : ROLE_DIM, tail);
        }
    } else if (b->correlation_id.len) {
        draw_text(c->s, y, x, c->s->width - x, selected ? base : ROLE_DIM, b->correlation_id.ptr,
                b->correlation_id.len);
    }
    c->line++;
}

static void section(struct canvas *c, const char *title)
{
    c->line++;
    canvas_text(c, 0, ROLE_TITLE, title);
    c->line++;
}

static void draw_workflows(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    struct workflows_state *st = state_of(app);
    const struct pg_snapshot *p = app->pg ? &app->pg->pg : NULL;
    if (!p) {
        draw_str(sf, top + 1, 2, width - 4, ROLE_DIM, "waiting for the first PostgreSQL sample...");
        return;
    }
    const struct workflow_summary *s = &p->summary;
    char line[512], age[64] = "?", q[24];
    if (p->slow_age_ms >= 0)
        fmt_duration_ms(p->slow_age_ms, age, sizeof age);
    if (p->slow_every_ms > 10000) {   /* slowed down to keep within the budget */
        char every[24];
        fmt_duration_ms(p->slow_every_ms, every, sizeof every);
        size_t n = strlen(age);
        snprintf(age + n, sizeof age - n, " (every %s)", every);
    }
    fmt_duration_ms(p->query_ms, q, sizeof q);
    char cost[32] = "";
    if (p->cost_share >= 0)
        snprintf(cost, sizeof cost, "  cost %.1f%%", p->cost_share * 100);
    snprintf(line, sizeof line, " Workflows  %s  last %dh  counts %s old  queries %s%s",
             p->source[0] ? p->source : "(source not known yet)", s->window_hours ? s->window_hours : 24,
             age, q, cost);
    draw_str(sf, top, 0, width, ROLE_TITLE, line);
    int y0 = top + 1;
    if (p->error[0]) {
        /* in full: the status line cuts it */
        y0 += draw_wrapped(sf, y0, 1, width - 2, 4,
                               p->state == CONN_DOWN ? ROLE_CRIT : ROLE_WARN, p->error);
    }
    if (p->last_ok_mono_ms == 0) {
        /* nothing was ever read: no count, list or "none" can be said */
        draw_str(sf, y0 + (p->error[0] ? 1 : 0), 2, width - 4, ROLE_DIM,
                 p->state == CONN_UP ? "reading the first sample..."
                                     : "no figure is known until PostgreSQL answers");
        return;
    }
    if (p->state != CONN_UP) {
        char stale[24];
        fmt_duration_ms(mono_ms() - p->last_ok_mono_ms, stale, sizeof stale);
        snprintf(line, sizeof line, "stale: the figures below are from %s ago", stale);
        draw_str(sf, y0++, 1, width - 2, ROLE_WARN, line);
    }
    if (p->state == CONN_UP && !s->index_tables && p->source[0] &&
        strcmp(p->source, "conductor") == 0) {
        draw_str(sf, y0++, 1, width - 2, ROLE_WARN,
                 "workflow_index is empty: Conductor indexes elsewhere; counts and lists need it");
    }

    int rows = selectable_rows(p);
    if (st->selected >= rows)
        st->selected = rows > 0 ? rows - 1 : 0;
    struct surface area = draw_sub(sf, y0, top + height - y0);
    struct canvas c = { &area, 0, 0 };
    int64_t now = s->db_now_ms > 0 ? s->db_now_ms + (mono_ms() - p->sampled_mono_ms) : wall_ms();
    /* scrolled so the selected row shows, with one line of what follows when possible */
    int sel_line = rows > 0 ? line_of_row(p, width, st->selected) : -1;
    int scroll = 0;
    if (sel_line >= 0 && sel_line >= area.height - 1)
        scroll = sel_line - area.height + 2;
    if (sel_line >= 0 && scroll > sel_line)
        scroll = sel_line;
    c.scroll = scroll < 0 ? 0 : scroll;

    int idx = 0;
    if (p->find_text[0]) {
        snprintf(line, sizeof line, " Search \"%.100s\": %s", p->find_text,
                 p->find_n < 0 ? p->find_error : "");
        canvas_text(&c, 0, ROLE_TITLE, line);
        if (p->find_n >= 0) {
            snprintf(line, sizeof line, "%d found", p->find_n);
            canvas_right(&c, width, 20, ROLE_TITLE, line);
        }
        c.line++;
        for (int i = 0; i < p->find_n; i++, idx++)
            draw_brief(&c, &p->found[i], now, idx == st->selected, false);
        c.line++;
    }
    draw_counts(&c, s);
    snprintf(line, sizeof line, " Running, oldest first (%zu shown)", s->running_n);
    section(&c, line);
    for (size_t i = 0; i < s->running_n; i++, idx++)
        draw_brief(&c, &s->running[i], now, idx == st->selected, false);
    if (s->running_n == 0) {
        canvas_text(&c, 2, ROLE_DIM, "none running");
        c.line++;
    }
    snprintf(line, sizeof line, " Failures and timeouts, newest first (last %dh)",
             s->window_hours ? s->window_hours : 24);
    section(&c, line);
    for (size_t i = 0; i < s->failures_n; i++, idx++)
        draw_brief(&c, &s->failures[i], now, idx == st->selected, true);
    if (s->failures_n == 0) {
        canvas_text(&c, 2, ROLE_OK, "no failures");
        c.line++;
    }
}

static long selectable_rows_of(const struct app *app)
{
    return app->pg ? selectable_rows(&app->pg->pg) : 0;
}

/* Moves the cursor to selectable row i (clamped) and remembers its execution. */
static void move_to(struct app *app, struct workflows_state *st, int i)
{
    const struct pg_snapshot *p = app->pg ? &app->pg->pg : NULL;
    int rows = p ? selectable_rows(p) : 0;
    st->selected = i >= rows ? (rows > 0 ? rows - 1 : 0) : i < 0 ? 0 : i;
    const struct exec_brief *b = p ? selectable(p, st->selected) : NULL;
    str_copy(st->selected_id, b ? b->id.ptr : "", sizeof st->selected_id);
}

/* A new PostgreSQL sample: the cursor goes to a submitted search's first result once it is
 * in, else follows its execution when the rows move (a new failure on top). */
static void workflows_on_snapshot(struct app *app, int kind)
{
    struct workflows_state *st = state_of(app);
    if (kind != SNAPSHOT_PG || !app->pg)
        return;
    const struct pg_snapshot *p = &app->pg->pg;
    int at = st->selected;
    if (st->to_found && strcmp(p->find_text, st->find) == 0 && p->find_n >= 0) {
        st->to_found = false;
        at = 0;
    } else if (st->selected_id[0]) {
        int rows = selectable_rows(p);
        for (int i = 0; i < rows; i++) {
            const struct exec_brief *b = selectable(p, i);
            if (b && strcmp(b->id.ptr, st->selected_id) == 0) {
                at = i;
                break;
            }
        }
    }
    move_to(app, st, at);
}

static int workflows_key(struct app *app, int key)
{
    struct workflows_state *st = state_of(app);
    if (st->editing) {
        bool had = st->find[0] != '\0';
        if (key == 27) {
            st->editing = false;   /* cancel the typing; the results shown stay */
            if (had)
                str_copy(st->find, st->find_sent, sizeof st->find);
            return ACT_REDRAW;
        }
        bool enter = key == '\n' || key == '\r' || key == QK_ENTER;
        if (!field_edit(st->find, sizeof st->find, &st->editing, key))
            return ACT_HANDLED;
        if (enter) {
            st->to_found = st->find[0] != '\0';
            str_copy(st->find_sent, st->find, sizeof st->find_sent);
            hub_set_find(app->hub, st->find);
            move_to(app, st, 0);
        }
        return ACT_REDRAW;
    }
    long to;
    /* a page is ten rows: a list's at 80x24, where two lists share the area */
    if (list_nav_key(key, st->selected, selectable_rows_of(app), 11, &to)) {
        move_to(app, st, (int)to);
        return ACT_REDRAW;
    }
    switch (key) {
    case '/':
        st->editing = true;
        st->find[0] = '\0';
        return ACT_REDRAW;
    case 27:
        if (st->find_sent[0]) {
            st->find[0] = st->find_sent[0] = '\0';
            hub_set_find(app->hub, "");
        } else {
            app_back(app);   /* like every view but the first: Esc goes back to it */
        }
        return ACT_REDRAW;
    case QK_BACKSPACE: case 127: case 8: case QK_LEFT: case 'h':
        app_back(app);
        return ACT_REDRAW;
    case '\n': case '\r': case QK_ENTER: case QK_RIGHT: case 'l': {
        const struct exec_brief *b = app->pg ? selectable(&app->pg->pg, st->selected) : NULL;
        if (b && b->id.len)
            app_show(app, &(struct target){ .kind = TARGET_EXECUTION, .execution = b->id.ptr });
        return ACT_REDRAW;
    }
    default:
        return ACT_NONE;
    }
}

/* The line being typed, for the status line. */
static bool workflows_editing(const struct app *app, char *line, size_t len)
{
    const struct workflows_state *st = state_of(app);
    if (!st->editing)
        return false;
    snprintf(line, len, " Find id or correlation id: %.200s_   (Enter: search, Esc: cancel)",
             st->find);
    return true;
}

static void *workflows_state_new(void)
{
    return xcalloc(1, sizeof(struct workflows_state));
}

static const struct help_line workflows_help[] = {
    { "j k  Up Down", "move through the executions listed" },
    { "PgUp PgDn Home End", "by ten rows / to the first or last execution listed" },
    { "Enter", "open the execution's timeline" },
    { "/", "find executions by id or correlation id; Esc clears it, then goes back" },
    { "", "counts: running ones whatever their age, the rest started in the window" },
    { "", "start/m done/m fail/m: per minute over the last 5 minutes" },
    { NULL, NULL },
};

static size_t workflows_hints(const struct app *app, struct hint *out)
{
    size_t n = 0;
    out[n++] = (struct hint){ "j/k move", 0 };
    out[n++] = (struct hint){ "Enter timeline", 0 };
    out[n++] = (struct hint){ "/ find", 0 };
    if (app->opts->watch_redis)
        out[n++] = (struct hint){ "Esc back", 1 };
    else
        out[n++] = (struct hint){ "r refresh", 1 };
    return n;
}

const struct view workflows_view = {
    .name = "workflows",
    .key = '3',
    .family = "workflows",
    .source = SOURCE_PG,
    .draw = draw_workflows,
    .handle_key = workflows_key,
    .hints = workflows_hints,
    .help = workflows_help,
    .editing = workflows_editing,
    .state_new = workflows_state_new,
    .state_free = free,
    .on_snapshot = workflows_on_snapshot,
};
