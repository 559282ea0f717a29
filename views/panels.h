/* panels.h -- pieces of one view drawn inside another. */
#ifndef QT_PANELS_H
#define QT_PANELS_H

#include <curses.h>

struct app;

/* One line of server health for the overview: memory, evictions, ops, clients, ping, slow
 * commands, persistence. Draws "server: ..." dim when no sample exists yet. */
void server_strip_draw(struct app *app, WINDOW *w, int y, int width);

/* One line of workflows for the overview: running (and the oldest's age), per-minute starts,
 * completions and failures, failures in the window. Dim when there is no sample yet. */
void workflows_strip_draw(struct app *app, WINDOW *w, int y, int width);

/* The colour role of a workflow or task status (the timeline's bar colours), and a short
 * form of it that fits 9 columns (COMPLETED -> DONE, TIMED_OUT -> TIMEOUT). */
int workflow_status_role(const char *status);
const char *workflow_status_short(const char *status);

#endif
