/* app_state.h -- the UI thread's state, shared by tui/app.c and the views. Nothing here is
 * touched by other threads; the snapshot is a held reference and never mutated. */
#ifndef QT_APP_STATE_H
#define QT_APP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../collectors/history.h"
#include "../collectors/hub.h"
#include "../views/view.h"
#include "options.h"

struct app {
    const struct options *opts;
    struct hub *hub;
    struct snapshot *snap;          /* held reference, NULL before the first sample */
    struct snapshot *server;        /* held reference to the newest server-health sample; with
                                     * several nodes, the worst node's */
    struct history history;
    const struct server_history *server_hist;   /* server's rates: history.server, or its
                                                 * node's node_hist[] */
    /* several nodes: each one's newest server sample (held) and rates, and the worst one */
    struct snapshot *servers[REDIS_NODES_MAX];
    struct server_history node_hist[REDIS_NODES_MAX];
    size_t server_nodes;
    size_t worst_node;
    bool utf8;                      /* the locale can show UTF-8 */
    const struct thresholds *thresholds;

    const struct view *const *views;   /* every view (views/views.def), set by nav_open */
    size_t nviews;
    const struct view *view;
    /* where Esc goes: the views this one was opened from (app_show, help), newest last */
    const struct view *stack[8];
    int depth;
    const struct view *family_last[5];   /* per number key: the view it shows (where its
                                          * family was left: a stream opened, a timeline) */

    struct snapshot *pg;            /* held reference to the newest PostgreSQL sample */
    /* queues, locks and key prefixes (the keys collector) */
    struct snapshot *keys;          /* held reference to the newest keys sample, NULL before */

    /* each view's own state, in the order of views (app_view_state) */
    void *view_state[VIEWS_MAX];

    char message[200];              /* transient status line text */
    int64_t message_until_ms;
};

/* The state view keeps in its own file (struct view's state_new); NULL when it keeps none. */
void *app_view_state(const struct app *app, const struct view *v);

void app_flash(struct app *app, const char *text);
/* Shows the view of number key '1'..'5' (where its family was left: a stream opened, an
 * execution's timeline), or says why it cannot (its source is not watched). */
void app_show_key(struct app *app, char key);
/* Opens the view that shows t's kind at t (Esc comes back here). */
void app_show(struct app *app, const struct target *t);
/* Esc: back to the view this one was opened from; from a view opened by a number key, to its
 * family's first view, and from there to the first view (streams, or workflows without
 * Redis). */
void app_back(struct app *app);
/* The view under this one (the one help was opened over); NULL when none. */
const struct view *app_view_under(const struct app *app);

#endif
