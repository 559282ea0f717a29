/* panels.h -- pieces of one view drawn inside another. */
#ifndef QT_PANELS_H
#define QT_PANELS_H

#include <stdbool.h>

struct app;
struct line;
struct surface;

/* One line of server health for the overview: memory, evictions, ops, clients, ping, slow
 * commands, persistence. Draws "server: ..." dim when no sample exists yet. */
void server_strip_draw(struct app *app, const struct surface *sf, int y, int width);

/* One line of workflows for the overview: running (and the oldest's age), per-minute starts,
 * completions and failures, failures in the window. Dim when there is no sample yet. */
void workflows_strip_draw(struct app *app, const struct surface *sf, int y, int width);

/* qsort comparator over const struct queue_info *: worst first, most due now (none and
 * unknown alike), then deepest (unknown, QT_UNKNOWN = -1, after 0); ties by layout and name so
 * rows do not swap places between refreshes. The queues view's default order and the
 * overview's. */
int queue_worse_first(const void *pa, const void *pb);

/* The keys collector's part of the overview's problems line, added to l: with critical, the
 * locks without TTL ("!! lock without TTL: KEY"); without, the queues with jobs due now, most
 * first ("! LAYOUT NAME: N due now", warnings); as many as fit. Nothing before the first full
 * SCAN pass or while the collector is not connected. */
void keys_problems_draw(struct app *app, struct line *l, bool critical);

/* The colour role of a workflow or task status (the timeline's bar colours), and a short
 * form of it that fits 9 columns (COMPLETED -> DONE, TIMED_OUT -> TIMEOUT). */
int workflow_status_role(const char *status);
const char *workflow_status_short(const char *status);

#endif
