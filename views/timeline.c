/* timeline.c -- one workflow execution as a Gantt chart: a header (name, version, status,
 * times, correlation id, parent, reason), then one row per task in seq order (a retry is its
 * own row, "#2" for the second attempt) with a dim bar from scheduled to start and a bar in
 * the status' colour from start to end; bars of running tasks grow with the clock. The axis
 * fits the execution until the user zooms (+/-) or scrolls (< and >). Enter shows a task's
 * details with its input and output JSON; o opens a sub-workflow, Esc goes back up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/format.h"
#include "../tui/list_nav.h"
#include "../tui/text_scroll.h"
#include "../tui/draw.h"
#include "../tui/keys.h"
#include "panels.h"
#include "timeline_model.h"

#define HEADER_LINES 3

/* ---- the view's state ----------------------------------------------------------------------- */

struct timeline_state {
    char open[QT_WF_ID_MAX];            /* the execution shown; "" when none */
    char parents[16][QT_WF_ID_MAX];     /* executions opened before, for Esc out of a child */
    int parent_n;
    struct tl_axis axis;
    bool axis_fit;                      /* refit on every draw until the user zooms or scrolls */
    int selected, scroll;               /* task row under the cursor, first task row shown */
    int page_rows;                      /* task rows the last draw showed */
    bool task_detail;                   /* Enter on a task: its details instead of the chart */
    struct text_scroll task;            /* the details' scrolling */
};

static void *timeline_state_new(void)
{
    return xcalloc(1, sizeof(struct timeline_state));
}


static struct timeline_state *state_of(const struct app *app)
{
    return app_view_state(app, &timeline_view);
}

/* Shows execution id, asking the PostgreSQL collector to read it every tick. */
static void set_open(struct app *app, struct timeline_state *st, const char *id)
{
    str_copy(st->open, id, sizeof st->open);
    st->axis_fit = true;
    st->selected = st->scroll = 0;
    st->task_detail = false;
    st->task.first = 0;
    hub_set_workflow(app->hub, st->open);
}

static bool timeline_show(struct app *app, const struct target *t)
{
    struct timeline_state *st = state_of(app);
    if (strlen(t->execution) >= sizeof st->open) {
        app_flash(app, "that execution id is too long to open here; use --workflow ID --once");
        return false;
    }
    if (t->child && st->open[0]) {
        int max = (int)ARRAY_LEN(st->parents);
        if (st->parent_n == max) {   /* full: forget the outermost */
            memmove(st->parents[0], st->parents[1], (size_t)(max - 1) * sizeof st->parents[0]);
            st->parent_n--;
        }
        str_copy(st->parents[st->parent_n++], st->open, sizeof st->parents[0]);
    } else if (!t->child) {
        st->parent_n = 0;
    }
    set_open(app, st, t->execution);
    return true;
}

static void open_execution(struct app *app, const char *id, bool child)
{
    app_show(app, &(struct target){ .kind = TARGET_EXECUTION, .execution = id, .child = child });
}

/* Esc: back to the parent execution, or out of the timeline. */
static void close_execution(struct app *app, struct timeline_state *st)
{
    if (st->parent_n > 0) {
        char parent[QT_WF_ID_MAX];
        str_copy(parent, st->parents[--st->parent_n], sizeof parent);
        set_open(app, st, parent);
        return;
    }
    st->open[0] = '\0';
    hub_set_workflow(app->hub, "");
    app_back(app);
}

/* The execution the snapshot holds for the one the UI opened, or NULL (with why in *why). */
static const struct workflow_exec *opened(const struct app *app, const char **why)
{
    const struct timeline_state *st = state_of(app);
    const struct pg_snapshot *p = app->pg ? &app->pg->pg : NULL;
    static char msg[400];
    if (!p || strcmp(p->open_id, st->open) != 0 || p->open_found == PG_OPEN_PENDING) {
        snprintf(msg, sizeof msg, "reading execution %.120s...", st->open);
    } else if (p->open_found == 0) {
        snprintf(msg, sizeof msg, "no workflow execution with id '%.120s'", st->open);
    } else if (p->open_found < 0) {
        snprintf(msg, sizeof msg, "%s", p->open_error);
    } else {
        return &p->open;
    }
    *why = msg;
    return NULL;
}

/* The database's clock now: the snapshot's reading advanced by our monotonic clock. */
static int64_t db_now(const struct app *app)
{
    const struct pg_snapshot *p = app->pg ? &app->pg->pg : NULL;
    if (p && p->summary.db_now_ms > 0)
        return p->summary.db_now_ms + (mono_ms() - p->sampled_mono_ms);
    return wall_ms();
}

static void clock_text(long long ms, bool with_date, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char s[32];
    /* a stored time past any calendar (year > 9999) is shown as the number it is */
    if (ms > 253402300799999LL || !localtime_r(&t, &tm) ||
        strftime(s, sizeof s, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm) == 0) {
        snprintf(buf, len, "epoch %lld ms", ms);
        return;
    }
    snprintf(buf, len, "%s.%03lld", s, ms % 1000);
}

static void draw_header(const struct surface *sf, int top, int width,
                        const struct workflow_exec *x, int64_t now)
{
    char line[600], a[48], b[48], d[32];
    int xpos = 1;
    xpos += draw_text(sf, top, xpos, width - xpos, ROLE_TITLE, x->name.ptr, x->name.len);
    if (x->version != QT_UNKNOWN) {
        snprintf(line, sizeof line, " v%lld", x->version);
        xpos += draw_str(sf, top, xpos, width - xpos, ROLE_TITLE, line);
    }
    xpos += 2;
    xpos += draw_text(sf, top, xpos, width - xpos, workflow_status_role(x->status.ptr),
                    x->status.ptr, x->status.len);
    xpos += 2;
    draw_text(sf, top, xpos, width - xpos, ROLE_DIM, x->id.ptr, x->id.len);

    clock_text(x->start_ms, true, a, sizeof a);
    clock_text(x->end_ms, false, b, sizeof b);
    bool running = x->end_ms <= 0;
    if (x->start_ms > 0)
        fmt_duration_ms((running ? now : x->end_ms) - x->start_ms, d, sizeof d);
    else
        snprintf(d, sizeof d, "?");
    snprintf(line, sizeof line, " start %s  end %s  took %s%s", a, b, d,
             running ? " so far" : "");
    xpos = draw_str(sf, top + 1, 0, width, ROLE_DEFAULT, line);
    if (x->correlation_id.len && xpos + 8 < width) {
        xpos += draw_str(sf, top + 1, xpos, width - xpos, ROLE_DIM, "  corr ");
        xpos += draw_text(sf, top + 1, xpos, width - xpos, ROLE_DEFAULT, x->correlation_id.ptr,
                        x->correlation_id.len);
    }
    if (x->parent_id.len && xpos + 10 < width) {
        xpos += draw_str(sf, top + 1, xpos, width - xpos, ROLE_DIM, "  parent ");
        draw_text(sf, top + 1, xpos, width - xpos, ROLE_DEFAULT, x->parent_id.ptr,
                x->parent_id.len);
    }
    if (x->reason.len) {
        xpos = draw_str(sf, top + 2, 1, width - 1, ROLE_CRIT, "reason: ");
        draw_text(sf, top + 2, 1 + xpos, width - 1 - xpos, ROLE_CRIT, x->reason.ptr, x->reason.len);
    } else {
        size_t failed = 0, retried = 0, active = 0;
        for (size_t i = 0; i < x->task_count; i++) {
            enum wf_status_class cls = wf_status_class(x->tasks[i].status.ptr);
            failed += cls == WF_ST_FAILED;
            active += cls == WF_ST_ACTIVE;
            retried += x->tasks[i].retry_count > 0;
        }
        snprintf(line, sizeof line, " %zu task%s: %zu active, %zu failed, %zu retr%s",
                 x->task_count, x->task_count == 1 ? "" : "s", active, failed, retried,
                 retried == 1 ? "y" : "ies");
        draw_str(sf, top + 2, 0, width, ROLE_DIM, line);
    }
}

/* Left block: seq, fork mark, reference name (#n for a retry), status. */
#define SEQ_W 4
#define MARK_W 2
#define STATUS_W 9

static int ref_width(int width)
{
    int w = width / 4;
    return w < 10 ? 10 : w > 28 ? 28 : w;
}

static int bar_x(int width)
{
    return SEQ_W + MARK_W + ref_width(width) + 1 + STATUS_W + 1;
}

static void draw_axis(const struct surface *sf, int y, int width, const struct tl_axis *a,
                      int64_t span_from)
{
    int x0 = bar_x(width);
    draw_bar(sf, y, ROLE_COLUMN);
    char head[128];
    snprintf(head, sizeof head, " SEQ  %-*s %-*s", ref_width(width), "TASK", STATUS_W, "STATUS");
    draw_str(sf, y, 0, x0, ROLE_COLUMN, head);
    int64_t tick = tl_tick_ms(a, 10);
    /* first tick at or after t0, on the grid anchored at the execution's start */
    int64_t k = (a->t0_ms - span_from) / tick;
    if (span_from + k * tick < a->t0_ms)
        k++;
    /* a tick is at least 10 columns wide, so cols/10 labels fit; the count bounds the loop
     * whatever the arithmetic of an odd axis does */
    int64_t t = span_from + k * tick;
    for (int i = 0; i <= a->cols; i++, t += tick) {
        long col = tl_col(a, t);
        if (col >= a->cols)
            break;
        if (col < 0)
            continue;
        char label[32], d[24];
        if (t == span_from)
            snprintf(d, sizeof d, "0s");
        else
            fmt_duration_ms(t - span_from >= 0 ? t - span_from : span_from - t, d, sizeof d);
        snprintf(label, sizeof label, "|%s%s", t < span_from ? "-" : "+", d);
        draw_str(sf, y, x0 + (int)col, a->cols - (int)col, ROLE_COLUMN, label);
    }
}

static void fill(const struct surface *sf, int y, int x, int n, int role, const char *glyph)
{
    draw_repeat(sf, y, x, n, role, glyph);
}

static void draw_task_row(struct app *app, const struct surface *sf, int y, int width, const struct tl_axis *a,
                          const struct task_exec *t, int depth, int64_t now, bool selected)
{
    int refw = ref_width(width), x0 = bar_x(width);
    int base = selected ? ROLE_SELECTED : ROLE_DEFAULT;
    if (selected) {
        draw_fill(sf, y, 0, x0, ROLE_SELECTED);
    }
    char buf[64];
    if (t->seq != QT_UNKNOWN)
        snprintf(buf, sizeof buf, "%3lld ", t->seq);
    else
        snprintf(buf, sizeof buf, "  ? ");
    draw_str(sf, y, 0, SEQ_W, base, buf);
    const char *mark = tl_is_fork(t) ? (app->utf8 ? "┬" : "+")
                       : tl_is_join(t) ? (app->utf8 ? "┴" : "+")
                       : depth > 0 ? (app->utf8 ? "│" : "|") : " ";
    draw_str(sf, y, SEQ_W, 1, selected ? base : ROLE_DIM, mark);
    int x = SEQ_W + MARK_W;
    int used = draw_text(sf, y, x, refw, base, t->ref.ptr, t->ref.len);
    if (t->retry_count > 0 && used + 3 < refw) {
        snprintf(buf, sizeof buf, " #%lld", t->retry_count + 1);
        draw_str(sf, y, x + used, refw - used, selected ? base : ROLE_WARN, buf);
    }
    x += refw + 1;
    snprintf(buf, sizeof buf, "%-*.*s", STATUS_W, STATUS_W, workflow_status_short(t->status.ptr));
    draw_str(sf, y, x, STATUS_W, selected ? base : workflow_status_role(t->status.ptr), buf);

    if (a->cols <= 0)
        return;
    struct tl_bar b;
    tl_task_bar(a, t, now, &b);
    int role = workflow_status_role(t->status.ptr);
    if (role == ROLE_DEFAULT)
        role = ROLE_BAR_ACTIVE;
    fill(sf, y, x0 + b.wait_from, b.wait_to - b.wait_from, ROLE_BAR_WAIT, app->utf8 ? "░" : ".");
    fill(sf, y, x0 + b.run_from, b.run_to - b.run_from, role, app->utf8 ? "█" : "#");
    if (b.off_left)
        draw_str(sf, y, x0, 1, ROLE_DIM, "<");
    if (b.off_right)
        draw_str(sf, y, width - 1, 1, ROLE_DIM, ">");
}

/* ---- task details ------------------------------------------------------------------------ */


static void kv(struct canvas *c, const char *key, int role, const char *val, size_t len)
{
    if (canvas_visible(c)) {
        draw_str(c->s, canvas_y(c), 2, 16, ROLE_DIM, key);
        draw_text(c->s, canvas_y(c), 19, c->s->width - 19, role, val, len);
    }
    c->line++;
}

static void kvs(struct canvas *c, const char *key, const char *val)
{
    kv(c, key, ROLE_DEFAULT, val, strlen(val));
}

#define JSON_SHOWN_MAX (256 * 1024)

/* JSON text pretty-printed, one canvas line per line; sanitized by app_put. */
static void json_block(struct canvas *c, const char *title, const struct bytes *text)
{
    c->line++;
    canvas_text(c, 1, ROLE_TITLE, title);
    c->line++;
    if (!text->len) {
        canvas_text(c, 4, ROLE_DIM, "(none)");
        c->line++;
        return;
    }
    json_t *v = json_loadb(text->ptr, text->len, JSON_DECODE_ANY, NULL);
    char *pretty = v ? json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    const char *p = pretty ? pretty : text->ptr;
    size_t len = pretty ? strlen(pretty) : text->len;
    bool cut = len > JSON_SHOWN_MAX;
    if (cut)
        len = JSON_SHOWN_MAX;
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        while (i + n < len && p[i + n] != '\n')
            n++;
        if (canvas_visible(c))
            draw_text(c->s, canvas_y(c), 4, c->s->width - 4, ROLE_DEFAULT, p + i, n);
        c->line++;
        i += n + 1;
    }
    if (cut) {
        canvas_text(c, 4, ROLE_DIM, "... (cut at 256 KiB)");
        c->line++;
    }
    free(pretty);
}

static void draw_detail(struct app *app, const struct surface *sf, int top, int height, int width,
                        const struct task_exec *t, int64_t now)
{
    struct timeline_state *st = state_of(app);
    struct surface area = draw_sub(sf, top, height);
    struct canvas c = { &area, st->task.first, 0 };
    char line[300], a[48], d[32];
    if (canvas_visible(&c)) {
        int x = draw_str(sf, canvas_y(&c), 0, width, ROLE_TITLE, " Task ");
        x += draw_text(sf, canvas_y(&c), x, width - x, ROLE_TITLE, t->ref.ptr, t->ref.len);
        x += 2;
        draw_text(sf, canvas_y(&c), x, width - x, workflow_status_role(t->status.ptr),
                t->status.ptr, t->status.len);
    }
    c.line += 2;
    kv(&c, "type", ROLE_DEFAULT, t->type.ptr, t->type.len);
    kv(&c, "task id", ROLE_DEFAULT, t->task_id.ptr, t->task_id.len);
    snprintf(line, sizeof line, "%lld", t->seq);
    kvs(&c, "seq", t->seq != QT_UNKNOWN ? line : "?");
    kv(&c, "worker", t->worker_id.len ? ROLE_DEFAULT : ROLE_DIM,
       t->worker_id.len ? t->worker_id.ptr : "-", t->worker_id.len ? t->worker_id.len : 1);
    snprintf(line, sizeof line, "%s", "?");
    if (t->poll_count != QT_UNKNOWN)
        snprintf(line, sizeof line, "%lld", t->poll_count);
    kvs(&c, "polls", line);
    snprintf(line, sizeof line, "%s", "?");
    if (t->retry_count != QT_UNKNOWN)
        snprintf(line, sizeof line, "%lld%s", t->retry_count,
                 t->retry_count > 0 ? " (this row is a retry)" : "");
    kvs(&c, "retries", line);
    clock_text(t->scheduled_ms, true, a, sizeof a);
    kvs(&c, "scheduled", a);
    clock_text(t->start_ms, true, a, sizeof a);
    if (t->start_ms > 0 && t->scheduled_ms > 0) {
        fmt_duration_ms(t->start_ms - t->scheduled_ms, d, sizeof d);
        snprintf(line, sizeof line, "%s   waited %s for a worker", a, d);
    } else {
        snprintf(line, sizeof line, "%s", a);
    }
    kvs(&c, "started", line);
    clock_text(t->end_ms, true, a, sizeof a);
    if (t->start_ms > 0) {
        bool running = t->end_ms <= 0;
        fmt_duration_ms((running ? now : t->end_ms) - t->start_ms, d, sizeof d);
        snprintf(line, sizeof line, "%s   ran %s%s", a, d, running ? " so far" : "");
    } else {
        snprintf(line, sizeof line, "%s", a);
    }
    kvs(&c, "ended", line);
    if (t->reason.len)
        kv(&c, "reason", ROLE_CRIT, t->reason.ptr, t->reason.len);
    if (t->sub_workflow_id.len) {
        snprintf(line, sizeof line, "%.*s   (o opens it)",
                 (int)(t->sub_workflow_id.len > 200 ? 200 : t->sub_workflow_id.len),
                 t->sub_workflow_id.ptr);
        kv(&c, "sub-workflow", ROLE_KEY, line, strlen(line));
    }
    json_block(&c, "Input", &t->input);
    json_block(&c, "Output", &t->output);
    st->task.lines = c.line;
    st->task.page = height > 0 ? height : 1;
    text_scroll_clamp(&st->task);
}

/* ---- the view -------------------------------------------------------------------------- */

static void draw_timeline(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    struct timeline_state *st = state_of(app);
    const char *why = NULL;
    const struct workflow_exec *x = opened(app, &why);
    if (!x) {
        draw_str(sf, top + 1, 2, width - 4, why && strncmp(why, "reading", 7) == 0 ? ROLE_DIM
                                                                                    : ROLE_CRIT,
                 why ? why : "");
        return;
    }
    int64_t now = db_now(app);
    if (st->selected >= (int)x->task_count)
        st->selected = x->task_count ? (int)x->task_count - 1 : 0;
    if (st->task_detail && x->task_count) {
        draw_detail(app, sf, top, height, width, &x->tasks[st->selected], now);
        return;
    }
    draw_header(sf, top, width, x, now);
    int cols = width - bar_x(width) - 1;
    if (cols < 4)
        cols = 0;   /* too narrow for bars: the rows still list the tasks and statuses */
    if (st->axis_fit || st->axis.ms_per_col <= 0)
        tl_axis_fit(&st->axis, x, now, cols);
    st->axis.cols = cols;
    int64_t span_from, span_to;
    tl_span(x, now, &span_from, &span_to);
    draw_axis(sf, top + HEADER_LINES, width, &st->axis, span_from);

    int rows = height - HEADER_LINES - 1;
    if (rows < 1)
        return;
    st->scroll = (int)list_nav_scroll((size_t)st->scroll, (size_t)st->selected, (size_t)rows,
                                      x->task_count);
    int *depth = xcalloc(x->task_count + 1, sizeof *depth);
    tl_fork_depth(x, depth);
    for (int r = 0; r < rows && st->scroll + r < (int)x->task_count; r++) {
        int i = st->scroll + r;
        draw_task_row(app, sf, top + HEADER_LINES + 1 + r, width, &st->axis, &x->tasks[i],
                      depth[i], now, i == st->selected);
    }
    free(depth);
    if (x->task_count == 0)
        draw_str(sf, top + HEADER_LINES + 1, 2, width - 4, ROLE_DIM, "no tasks yet");
    st->page_rows = rows;
}

static int detail_key(struct app *app, int key, const struct workflow_exec *x)
{
    struct timeline_state *st = state_of(app);
    switch (key) {
    case 27: case QK_LEFT: case 'h': case QK_BACKSPACE: case 127: case 8:
        st->task_detail = false;
        return ACT_REDRAW;
    case 'o':
        if (x && st->selected >= 0 && st->selected < (int)x->task_count &&
            x->tasks[st->selected].sub_workflow_id.len)
            open_execution(app, x->tasks[st->selected].sub_workflow_id.ptr, true);
        else
            app_flash(app, "this task has no sub-workflow");
        return ACT_REDRAW;
    default:
        return text_scroll_key(&st->task, key);
    }
}

static int timeline_key(struct app *app, int key)
{
    struct timeline_state *st = state_of(app);
    const char *why;
    const struct workflow_exec *x = opened(app, &why);
    if (st->task_detail)
        return detail_key(app, key, x);
    int n = x ? (int)x->task_count : 0;
    long to;
    if (list_nav_key(key, st->selected, n, st->page_rows, &to)) {
        st->selected = (int)to;
        return ACT_REDRAW;
    }
    switch (key) {
    case 27: case QK_BACKSPACE: case 127: case 8: case QK_LEFT: case 'h':
        close_execution(app, st);
        return ACT_REDRAW;
    case '+': case '=':
        tl_axis_zoom(&st->axis, 0.5, st->axis.cols / 2);
        st->axis_fit = false;
        return ACT_REDRAW;
    case '-': case '_':
        tl_axis_zoom(&st->axis, 2.0, st->axis.cols / 2);
        st->axis_fit = false;
        return ACT_REDRAW;
    case '<': case ',':
        tl_axis_scroll(&st->axis, -(st->axis.cols / 4 > 0 ? st->axis.cols / 4 : 1));
        st->axis_fit = false;
        return ACT_REDRAW;
    case '>': case '.':
        tl_axis_scroll(&st->axis, st->axis.cols / 4 > 0 ? st->axis.cols / 4 : 1);
        st->axis_fit = false;
        return ACT_REDRAW;
    case 'f': case '0':
        st->axis_fit = true;
        return ACT_REDRAW;
    case '\n': case '\r': case QK_ENTER: case QK_RIGHT: case 'l':
        if (n > 0) {
            st->task_detail = true;
            st->task.first = 0;
        }
        return ACT_REDRAW;
    case 'o':
        if (n > 0 && st->selected < n && x->tasks[st->selected].sub_workflow_id.len)
            open_execution(app, x->tasks[st->selected].sub_workflow_id.ptr, true);
        else
            app_flash(app, "this task has no sub-workflow");
        return ACT_REDRAW;
    case 'p':
        if (x && x->parent_id.len)
            open_execution(app, x->parent_id.ptr, false);
        else
            app_flash(app, "this execution has no parent");
        return ACT_REDRAW;
    default:
        return ACT_NONE;
    }
}

static const struct help_line timeline_help[] = {
    { "j k  Up Down", "move through the tasks (seq order; #2 is a task's second attempt)" },
    { "Enter  Right  l", "the task's details: worker, polls, retries, times, reason, input, output" },
    { "+  -", "zoom the time axis in / out" },
    { "<  >", "scroll the time axis back / forward" },
    { "f  0", "fit the whole execution again (it follows a running one)" },
    { "o", "open the selected task's sub-workflow (Esc comes back)" },
    { "p", "open this execution's parent" },
    { "Esc  Left  h", "back: task details -> chart -> parent -> list" },
    { "", "bars: dim scheduled->started (waiting), coloured started->ended" },
    { "", "green done, blue running, red failed/timed out/canceled, amber with errors" },
    { "", "fork/join: a FORK row, its branches marked with a bar, then the JOIN row" },
    { NULL, NULL },
};

static size_t timeline_hints(const struct app *app, struct hint *out)
{
    struct timeline_state *st = state_of(app);
    size_t n = 0;
    out[n++] = (struct hint){ "Esc back", 0 };
    if (st->task_detail) {
        out[n++] = (struct hint){ "j/k scroll", 0 };
        out[n++] = (struct hint){ "o open sub-workflow", 0 };
    } else {
        out[n++] = (struct hint){ "j/k task", 0 };
        out[n++] = (struct hint){ "Enter details", 0 };
        out[n++] = (struct hint){ "+/- zoom", 0 };
        out[n++] = (struct hint){ "</> scroll", 1 };
        out[n++] = (struct hint){ "f fit", 2 };
    }
    return n;
}

const struct view timeline_view = {
    .name = "timeline",
    .key = '3',
    .source = SOURCE_PG,
    .draw = draw_timeline,
    .handle_key = timeline_key,
    .hints = timeline_hints,
    .help = timeline_help,
    .state_new = timeline_state_new,
    .state_free = free,
    .shows = TARGET_EXECUTION,
    .show = timeline_show,
};
