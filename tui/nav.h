/* nav.h -- the view stack, for the shell (tui/app.c): which view is shown, where Esc goes, the
 * number keys' families, each view's own state. Driven by the table of views the shell hands
 * over (app->views); nothing here names a particular view, and the views reach it only through
 * the calls in app_state.h. */
#ifndef QT_NAV_H
#define QT_NAV_H

#include <stdbool.h>
#include <stddef.h>

#include "app_state.h"

/* Sets app's table of views (views/views.def, in that order), makes every view's own state
 * and shows the first watched family (streams, or workflows without Redis). */
void nav_open(struct app *app, const struct view *const *views, size_t n);
/* Starts at t (--workflow ID): on the first view of the family of the view that shows t, then
 * at t, so that Esc goes to that family's first view. */
void nav_start_at(struct app *app, const struct target *t);
/* Frees every view's own state. */
void nav_close(struct app *app);
/* A new sample of kind (enum snapshot_kind) is held in app: every view is told. */
void nav_new_sample(struct app *app, int kind);
/* Tab: the next watched family after the current view's, in number order. */
void nav_next_family(struct app *app);
/* ?: the help of the view shown (pushed, so Esc comes back). */
void nav_help(struct app *app);
/* The families' first views, in number order, that are watched: into out (at most max). */
size_t nav_families(const struct app *app, const struct view **out, size_t max);

#endif
