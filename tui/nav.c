/* nav.c -- see nav.h (the shell's side) and app_state.h (the views' side).
 *
 * A family is the views of one number key ('1'..'5', struct view's key): its first view names
 * it (struct view's family), the others are opened from it (a stream from the streams list, a
 * timeline from the executions). A number key shows its family where it was left; Esc goes
 * back along the stack of views things were opened from, then to the family's first view,
 * then to the first watched family. */
#include "nav.h"

#include <string.h>

#include "../collectors/util.h"

static bool is_family_key(char key)
{
    return key >= '1' && key <= '5';
}

void *app_view_state(const struct app *app, const struct view *v)
{
    for (size_t i = 0; i < app->nviews; i++)
        if (app->views[i] == v)
            return app->view_state[i];
    return NULL;
}

void app_flash(struct app *app, const char *text)
{
    str_copy(app->message, text, sizeof app->message);
    app->message_until_ms = mono_ms() + 3000;
}

/* The first view of the family of key; NULL when none. */
static const struct view *family_top(const struct app *app, char key)
{
    for (size_t i = 0; key && i < app->nviews; i++)
        if (app->views[i]->key == key && app->views[i]->family)
            return app->views[i];
    return NULL;
}

/* Whether the source of the family's data is watched. */
static bool family_watched(const struct app *app, char key)
{
    const struct view *top = family_top(app, key);
    if (!top)
        return false;
    return top->source == SOURCE_PG ? app->opts->pg_conninfo != NULL : app->opts->watch_redis;
}

/* The view a family shows now: where it was left (a stream opened, an execution's timeline). */
static const struct view *family_view(const struct app *app, char key)
{
    if (!is_family_key(key))
        return NULL;
    const struct view *v = app->family_last[key - '1'];
    return v ? v : family_top(app, key);
}

size_t nav_families(const struct app *app, const struct view **out, size_t max)
{
    size_t n = 0;
    for (char key = '1'; key <= '5' && n < max; key++)
        if (family_watched(app, key))
            out[n++] = family_top(app, key);
    return n;
}

/* v is shown: its family's number key comes back to it. */
static void become(struct app *app, const struct view *v)
{
    app->view = v;
    if (is_family_key(v->key))
        app->family_last[v->key - '1'] = v;
}

/* A jump (a number key, Tab): not a way back. */
static void jump(struct app *app, const struct view *v)
{
    app->depth = 0;
    become(app, v);
}

/* The view Esc comes back to from the next one; at the stack's depth the oldest is forgotten. */
static void push(struct app *app, const struct view *v)
{
    if (app->depth == (int)ARRAY_LEN(app->stack)) {
        memmove(&app->stack[0], &app->stack[1], (ARRAY_LEN(app->stack) - 1) * sizeof app->stack[0]);
        app->depth--;
    }
    app->stack[app->depth++] = v;
}

/* The first watched family's first view (streams, or workflows without Redis). */
static const struct view *first_family(const struct app *app)
{
    const struct view *f[5];
    if (nav_families(app, f, ARRAY_LEN(f)))
        return family_view(app, f[0]->key);
    return app->nviews ? app->views[0] : NULL;
}

void nav_open(struct app *app, const struct view *const *views, size_t n)
{
    app->views = views;
    app->nviews = n < VIEWS_MAX ? n : VIEWS_MAX;
    for (size_t i = 0; i < app->nviews; i++)
        app->view_state[i] = views[i]->state_new ? views[i]->state_new() : NULL;
    app->view = first_family(app);
}

void nav_start_at(struct app *app, const struct target *t)
{
    for (size_t i = 0; i < app->nviews; i++) {
        const struct view *v = app->views[i];
        if (v->shows == t->kind && v->show) {
            const struct view *top = family_top(app, v->key);
            if (top)
                jump(app, top);
            break;
        }
    }
    app_show(app, t);
}

void nav_close(struct app *app)
{
    for (size_t i = 0; i < app->nviews; i++) {
        if (app->views[i]->state_free)
            app->views[i]->state_free(app->view_state[i]);
        app->view_state[i] = NULL;
    }
}

void nav_new_sample(struct app *app, int kind)
{
    for (size_t i = 0; i < app->nviews; i++)
        if (app->views[i]->on_snapshot)
            app->views[i]->on_snapshot(app, kind);
}

void app_show_key(struct app *app, char key)
{
    const struct view *top = family_top(app, key);
    if (!top)
        return;
    if (!family_watched(app, key)) {
        app_flash(app, top->source == SOURCE_PG
                           ? "no workflows: start queuetop with --pg CONNINFO as well"
                           : "Redis is not watched: start queuetop with --redis URL as well");
        return;
    }
    jump(app, family_view(app, key));
}

void app_show(struct app *app, const struct target *t)
{
    for (size_t i = 0; i < app->nviews; i++) {
        const struct view *v = app->views[i];
        if (v->shows != t->kind || !v->show)
            continue;
        if (!v->show(app, t))
            return;
        if (app->view != v)
            push(app, app->view);
        become(app, v);
        return;
    }
}

void app_back(struct app *app)
{
    const struct view *left = app->view;
    const struct view *top = family_top(app, left->key);
    /* a view it opened (a stream, a timeline) is closed: its number key shows the first again */
    if (top && top != left && app->family_last[left->key - '1'] == left)
        app->family_last[left->key - '1'] = top;
    if (app->depth > 0) {
        become(app, app->stack[--app->depth]);
        return;
    }
    if (top && top != left) {
        become(app, top);
        return;
    }
    const struct view *first = first_family(app);
    if (first)
        become(app, first);
}

const struct view *app_view_under(const struct app *app)
{
    return app->depth > 0 ? app->stack[app->depth - 1] : NULL;
}

void nav_next_family(struct app *app)
{
    const struct view *f[5];
    size_t n = nav_families(app, f, ARRAY_LEN(f)), cur = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (f[i]->key == app->view->key)
            cur = i;
    jump(app, family_view(app, f[(cur + 1) % n]->key));
}

void nav_help(struct app *app)
{
    for (size_t i = 0; i < app->nviews; i++) {
        const struct view *v = app->views[i];
        if (v->key == '?' && app->view != v) {
            push(app, app->view);
            app->view = v;
            return;
        }
    }
}
