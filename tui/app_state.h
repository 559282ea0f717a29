/* app_state.h -- the UI thread's state, shared by tui/app.c and the views. Nothing here is
 * touched by other threads; the snapshot is a held reference and never mutated. */
#ifndef QT_APP_STATE_H
#define QT_APP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../collectors/history.h"
#include "../collectors/hub.h"
#include "../views/streams_model.h"
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
    int server_scroll;              /* server view */

    const struct view *view;
    const struct view *under_help;  /* view to return to from help */

    /* streams list */
    enum stream_sort sort;
    bool sort_reverse;
    char filter[128];
    bool editing_filter;
    size_t *rows;                   /* indexes into snap streams, in display order */
    size_t row_count;
    size_t selected;                /* index into rows */
    size_t scroll;                  /* first row shown */
    struct bytes selected_key;      /* keeps the cursor on its stream across refreshes */
    int page_rows;                  /* rows the last draw could show, for PgUp/PgDn */

    /* one stream */
    struct bytes open_key;          /* stream opened with Enter; len 0 when none */
    int detail_scroll;
    int detail_lines;               /* lines the last draw had, for scrolling bounds */

    char message[200];              /* transient status line text */
    int64_t message_until_ms;
};

/* Rebuilds rows[] from the snapshot, filter and sort, keeping the cursor on its key. */
void app_rebuild_rows(struct app *app);
/* Moves the cursor to rows index i (clamped) and remembers its key. */
void app_select(struct app *app, long i);
void app_open_stream(struct app *app, const struct bytes *key);
void app_close_stream(struct app *app);
void app_flash(struct app *app, const char *text);

/* Scrolling keys for a scrolled view (j/k, arrows, PgUp/PgDn, Home/End): updates *scroll,
 * clamped to what the last draw reported (detail_lines, page_rows). ACT_NONE for other keys. */
int app_scroll_key(struct app *app, int key, int *scroll);

/* Drawing helpers for views: a sanitized, clipped string at (y, x) with a role. */
int app_put(struct app *app, WINDOW *w, int y, int x, int max_cols, int role, const char *bytes,
            size_t len);
int app_puts(struct app *app, WINDOW *w, int y, int x, int max_cols, int role, const char *text);

#endif
