/* view.h -- a screen of the dashboard. Each file in views/ exports one const struct view; the table
 * in tui/app.c lists them. draw() gets the area between the header and the status line and
 * must not do I/O; handle_key() returns ACT_* flags and leaves redrawing to the loop. */
#ifndef QT_VIEW_H
#define QT_VIEW_H

#include <curses.h>

struct app;

enum {
    ACT_NONE = 0,       /* not handled: the loop tries the global keys */
    ACT_HANDLED = 1,
    ACT_REDRAW = 2,
    ACT_QUIT = 4,
};

struct help_line {
    const char *keys;
    const char *what;
};

struct view {
    const char *name;
    void (*draw)(struct app *app, WINDOW *win, int top, int height, int width);
    int (*handle_key)(struct app *app, int key);
    const struct help_line *help;   /* ends with { NULL, NULL } */
};

extern const struct view streams_view;   /* the list of streams (home) */
extern const struct view stream_view;    /* one stream: groups, consumers, sparklines */
extern const struct view help_view;      /* keys of the view underneath */
extern const struct view server_view;    /* server health: memory, evictions, slowlog, ... */
extern const struct view workflows_view; /* workflow executions from PostgreSQL */
extern const struct view timeline_view;  /* one execution: its tasks as a Gantt chart */
extern const struct view queues_view;    /* every queue that is not a stream, worst first */
extern const struct view keys_view;      /* locks (no TTL first) and what fills Redis, by prefix */

#endif
