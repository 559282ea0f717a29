/* list_nav.h -- a list of rows (streams, queues, executions, tasks): the keys that move through
 * it and the scrolling, written once; and struct list, the selectable list the streams and
 * queues views show, which keeps the cursor on its item by identity, its filter and its order.
 * The executions and a timeline's tasks, whose rows are sections rather than one array, use
 * the keys and the scrolling alone. */
#ifndef QT_LIST_NAV_H
#define QT_LIST_NAV_H

#include <stdbool.h>
#include <stddef.h>

#include "../collectors/bytes.h"
#include "field.h"

/* The row key moves the cursor to from row at, in a list of count rows of which page show at
 * once (Up/Down j/k, PgUp/PgDn and space, Home/End g/G), clamped to the rows; false for a key
 * that does not move it. */
bool list_nav_key(int key, long at, long count, int page, long *to);
/* Row i clamped to a list of count rows (0 when it is empty). */
size_t list_nav_clamp(long i, size_t count);
/* The first row to show so that selected is on screen in rows_h rows of count, moving the
 * view as little as possible from scroll. */
size_t list_nav_scroll(size_t scroll, size_t selected, size_t rows_h, size_t count);

/* ---- a selectable list ------------------------------------------------------------------- */

/* How a view tells its items apart: ctx is its sample (the snapshot the rows index into). */
struct list_ident {
    /* Whether item is the one whose identity is id. */
    bool (*is)(const void *ctx, size_t item, const struct bytes *id);
    /* item's identity into id (bytes_set over an empty or freed id). */
    void (*remember)(const void *ctx, size_t item, struct bytes *id);
};

struct list {
    const struct list_ident *ident;
    size_t *rows;             /* indexes into the view's sample, in the order shown */
    size_t count;
    size_t selected;          /* into rows */
    size_t scroll;            /* the first row shown */
    int page;                 /* rows the last draw showed, for PgUp/PgDn */
    struct bytes id;          /* the item under the cursor: it stays there when rows move */
    struct filter filter;     /* kept (its text decides the rows: the view's model) */
    int sort, sorts;          /* the order, of sorts (s goes round them) */
    bool reverse;             /* S */
};

void list_init(struct list *l, const struct list_ident *ident, int sorts);
void list_free(struct list *l);
/* New rows (malloc'd; the list owns them): the cursor goes to the row of the item it was on,
 * else stays at its row number, clamped. */
void list_set_rows(struct list *l, size_t *rows, size_t count, const void *ctx);
/* The cursor to row (clamped), remembering its item. */
void list_select(struct list *l, long row, const void *ctx);
/* The list's keys: its filter's ('/' and what is typed, Esc clearing a kept one), s and S
 * (the order), and the movement keys. *rebuild is set when the rows are to be made again (the
 * filter or the order changed). ACT_REDRAW or ACT_HANDLED when it took the key, else ACT_NONE. */
int list_key(struct list *l, int key, const void *ctx, bool *rebuild);
/* Before drawing rows_h rows: the page, and the scroll that keeps the cursor on screen. */
void list_layout(struct list *l, int rows_h);
/* The item under the cursor; false when the list is empty. */
bool list_current(const struct list *l, size_t *item);

#endif
