/* app_state.h -- the UI thread's state, shared by tui/app.c and the views. Nothing here is
 * touched by other threads; the snapshot is a held reference and never mutated. */
#ifndef QT_APP_STATE_H
#define QT_APP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../collectors/history.h"
#include "../collectors/hub.h"
#include "../views/timeline_model.h"
#include "../views/view.h"
#include "options.h"

struct app {
    const struct options *opts;
    struct hub *hub;
    struct snapshot *snap;          /* held reference, NULL before the first sample */
    struct snapshot *server;        /* held reference to the newest server-health sample */
    struct history history;
    bool utf8;                      /* the locale can show UTF-8 */
    const struct thresholds *thresholds;

    const struct view *view;
    const struct view *under_help;  /* view to return to from help */
    int help_scroll;                /* first help row shown */

    int page_rows;                  /* rows the last draw of the stream, help or timeline
                                     * view could show, for PgUp/PgDn */

    /* one stream */
    struct bytes open_key;          /* stream opened with Enter; len 0 when none */
    int detail_scroll;
    int detail_lines;               /* lines the last draw had, for scrolling bounds */

    /* workflows (PostgreSQL) */
    struct snapshot *pg;            /* held reference to the newest PostgreSQL sample */

    /* one execution's timeline */
    char wf_open[QT_WF_ID_MAX];     /* the execution shown; "" when none */
    char wf_parents[16][QT_WF_ID_MAX];   /* executions opened before, for Esc out of a child */
    int wf_parent_n;
    const struct view *wf_return;   /* where Esc from the top execution goes */
    struct tl_axis axis;
    bool axis_fit;                  /* refit on every draw until the user zooms or scrolls */
    int tl_selected, tl_scroll;     /* task row under the cursor, first task row shown */
    bool task_detail;               /* Enter on a task: its details instead of the chart */
    int task_scroll;

    /* queues, locks and key prefixes (the keys collector) */
    struct snapshot *keys;          /* held reference to the newest keys sample, NULL before */

    /* each view's own state, in the order of the shell's table of views (app_view_state) */
    void *view_state[VIEWS_MAX];

    char message[200];              /* transient status line text */
    int64_t message_until_ms;
};

/* The state view keeps in its own file (struct view's state_new); NULL when it keeps none. */
void *app_view_state(const struct app *app, const struct view *v);

void app_open_stream(struct app *app, const struct bytes *key);
void app_close_stream(struct app *app);
void app_flash(struct app *app, const char *text);
/* One key typed into a one-line text field (a filter): printable ASCII appends, Backspace
 * deletes, Enter ends the editing and keeps the text, Esc ends it and clears the text. True
 * when the key changed the text or ended the editing, false for a key the field ignores. */
bool app_edit_field(char *buf, size_t size, bool *editing, int key);
/* Shows the view of number key '1'..'5' (where its family was left: a stream opened, an
 * execution's timeline), or says why it cannot (its source is not watched). */
void app_show_key(struct app *app, char key);
/* Esc from a view at the top of its family: the first view (streams, or workflows without
 * Redis). */
void app_back(struct app *app);
/* Shows execution id's timeline (remembering the current one when it is a child being opened
 * from its parent), and asks the PostgreSQL collector to read it every tick. */
void app_open_workflow(struct app *app, const char *id, bool as_child);
/* Back to the parent execution, or out of the timeline to wf_return. */
void app_close_workflow(struct app *app);

/* Scrolling keys for a scrolled view (j/k, arrows, PgUp/PgDn, Home/End): updates *scroll,
 * clamped to what the last draw reported (detail_lines, page_rows). ACT_NONE for other keys. */
int app_scroll_key(struct app *app, int key, int *scroll);

/* Drawing helpers for views: a sanitized, clipped string at (y, x) with a role. */
int app_put(struct app *app, WINDOW *w, int y, int x, int max_cols, int role, const char *bytes,
            size_t len);
int app_puts(struct app *app, WINDOW *w, int y, int x, int max_cols, int role, const char *text);
/* text (sanitized) over up to max_lines lines of max_cols columns from (y, x), broken at spaces
 * where it can be; an ellipsis ends the last line when even that is not enough. Used for the
 * reason a source is down, which must be read in full. Returns the lines used. */
int app_puts_wrapped(struct app *app, WINDOW *w, int y, int x, int max_cols, int max_lines,
                     int role, const char *text);

#endif
