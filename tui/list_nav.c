/* list_nav.c -- see list_nav.h. */
#include "list_nav.h"

#include <stdlib.h>
#include <string.h>

#include "../views/view.h"
#include "keys.h"

bool list_nav_key(int key, long at, long count, int page, long *to)
{
    long step = page > 1 ? page - 1 : 1;   /* a line of the last page stays in view */
    long v;
    switch (key) {
    case QK_UP: case 'k': v = at - 1; break;
    case QK_DOWN: case 'j': v = at + 1; break;
    case QK_PGUP: v = at - step; break;
    case QK_PGDN: case ' ': v = at + step; break;
    case QK_HOME: case 'g': v = 0; break;
    case QK_END: case 'G': v = count - 1; break;
    default: return false;
    }
    *to = v >= count ? count - 1 : v;
    if (*to < 0)
        *to = 0;
    return true;
}

size_t list_nav_scroll(size_t scroll, size_t selected, size_t rows_h, size_t count)
{
    if (rows_h == 0)
        return selected;
    if (selected < scroll)
        scroll = selected;
    if (selected >= scroll + rows_h)
        scroll = selected - rows_h + 1;
    if (scroll + rows_h > count)
        scroll = count > rows_h ? count - rows_h : 0;
    return scroll;
}

size_t list_nav_clamp(long i, size_t count)
{
    if (count == 0 || i < 0)
        return 0;
    return (size_t)i >= count ? count - 1 : (size_t)i;
}

/* ---- a selectable list --------------------------------------------------------------------- */

void list_init(struct list *l, const struct list_ident *ident, int sorts)
{
    memset(l, 0, sizeof *l);
    l->ident = ident;
    l->sorts = sorts > 0 ? sorts : 1;
    l->page = 1;
    bytes_set(&l->id, "", 0);
}

void list_free(struct list *l)
{
    free(l->rows);
    bytes_free(&l->id);
    memset(l, 0, sizeof *l);
}

void list_select(struct list *l, long row, const void *ctx)
{
    l->selected = list_nav_clamp(row, l->count);
    if (l->count == 0)
        return;
    bytes_free(&l->id);
    l->ident->remember(ctx, l->rows[l->selected], &l->id);
}

void list_set_rows(struct list *l, size_t *rows, size_t count, const void *ctx)
{
    free(l->rows);
    l->rows = rows;
    l->count = rows ? count : 0;
    long keep = (long)l->selected;
    if (l->id.len) {
        for (size_t i = 0; i < l->count; i++) {
            if (l->ident->is(ctx, l->rows[i], &l->id)) {
                keep = (long)i;
                break;
            }
        }
    }
    list_select(l, keep, ctx);
}

int list_key(struct list *l, int key, const void *ctx, bool *rebuild)
{
    int act = filter_key(&l->filter, key, rebuild);
    if (act != ACT_NONE)
        return act;
    long to;
    if (list_nav_key(key, (long)l->selected, (long)l->count, l->page, &to)) {
        list_select(l, to, ctx);
        return ACT_REDRAW;
    }
    if (key == 's' && l->sorts > 1) {
        l->sort = (l->sort + 1) % l->sorts;
        *rebuild = true;
        return ACT_REDRAW;
    }
    if (key == 'S') {
        l->reverse = !l->reverse;
        *rebuild = true;
        return ACT_REDRAW;
    }
    return ACT_NONE;
}

void list_layout(struct list *l, int rows_h)
{
    l->page = rows_h > 1 ? rows_h : 1;
    l->scroll = list_nav_scroll(l->scroll, l->selected, rows_h > 0 ? (size_t)rows_h : 0,
                                l->count);
}

bool list_current(const struct list *l, size_t *item)
{
    if (l->count == 0 || l->selected >= l->count)
        return false;
    *item = l->rows[l->selected];
    return true;
}
