/* view.h -- a screen of the dashboard. Each file in views/ exports one const struct view, listed
 * in views/views.def. draw() gets the area between the header and the status line as a
 * surface (tui/draw.h: the only way it puts text on the screen) and must not do I/O;
 * handle_key() returns ACT_* flags and leaves redrawing to the loop. */
#ifndef QT_VIEW_H
#define QT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct surface;

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

/* A status-line hint: its text, and how early to leave it out when the line is short (0 never;
 * the highest goes first). */
struct hint {
    const char *text;
    int drop;
};

#define VIEW_HINTS_MAX 12
#define VIEWS_MAX 16                /* views in the shell's table, at most */

/* Whose connection a view's data comes from: the status line says so when it is down. */
enum view_source {
    SOURCE_NONE = 0,
    SOURCE_REDIS,     /* the streams collector's (the Redis connection's state) */
    SOURCE_KEYS,      /* the keys collector's */
    SOURCE_PG,        /* PostgreSQL's */
};

/* A thing a view can be asked to show (app_show): the view whose `shows` is its kind opens at
 * it, and Esc returns to where it was asked from. */
enum target_kind {
    TARGET_NONE = 0,
    TARGET_STREAM,        /* key: one stream's groups and consumers */
    TARGET_EXECUTION,     /* execution: one workflow execution's timeline */
};

struct target {
    enum target_kind kind;
    const char *key;            /* TARGET_STREAM */
    size_t key_len;
    uint16_t node;              /* TARGET_STREAM: the node it lives on (snapshot.h) */
    const char *execution;      /* TARGET_EXECUTION */
    bool child;                 /* TARGET_EXECUTION: a sub-workflow opened from its parent's
                                 * timeline (Esc goes back to the parent) */
};

struct view {
    const char *name;
    char key;                       /* '1'..'5': the number key of its family (a stream belongs
                                     * to '1' with the streams list); '?' help */
    const char *family;             /* on a family's first view: its name in the status line
                                     * ("2:server"); NULL on the views opened from it */
    enum view_source source;
    void (*draw)(struct app *app, const struct surface *area);
    int (*handle_key)(struct app *app, int key);
    /* Its own keys for the status line, at most VIEW_HINTS_MAX, into out; how many. The shell
     * adds the other views' number keys, ? and q. */
    size_t (*hints)(const struct app *app, struct hint *out);
    const struct help_line *help;   /* ends with { NULL, NULL } */
    /* A line being typed into (a filter, a search): into line, true; the status line shows it
     * above anything else. NULL: the view has none. */
    bool (*editing)(const struct app *app, char *line, size_t len);
    /* Its own state (cursor, filter, sort, scroll), which no other view and not the shell
     * reads: made when the dashboard starts, freed when it ends; app_view_state() finds it.
     * NULL when the view keeps none in its own file yet. */
    void *(*state_new)(void);
    void (*state_free)(void *state);
    /* A new sample of kind (enum snapshot_kind) is now held in struct app: rebuild what the
     * view derives from it (rows, their order), keeping the cursor on its item. Called for
     * every view, drawn or not. NULL: nothing to do. */
    void (*on_snapshot)(struct app *app, int kind);
    /* The target kind it opens at, and how: false when it cannot (it said why with
     * app_flash). TARGET_NONE and NULL: none. */
    enum target_kind shows;
    bool (*show)(struct app *app, const struct target *t);
};

/* every view (views/views.def) */
#define VIEW(name) extern const struct view name;
#include "views.def"
#undef VIEW

#endif
