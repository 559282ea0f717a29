/* list_nav.h -- moving through a list of rows (streams, queues, executions, tasks): the keys
 * and the scrolling, written once. The view keeps its cursor and remembers the item under it
 * by identity, so that the cursor stays on it when the rows move. */
#ifndef QT_LIST_NAV_H
#define QT_LIST_NAV_H

#include <stdbool.h>
#include <stddef.h>

/* The row key moves the cursor to from row at, in a list of count rows of which page show at
 * once (Up/Down j/k, PgUp/PgDn and space, Home/End g/G), clamped to the rows; false for a key
 * that does not move it. */
bool list_nav_key(int key, long at, long count, int page, long *to);
/* Row i clamped to a list of count rows (0 when it is empty). */
size_t list_nav_clamp(long i, size_t count);
/* The first row to show so that selected is on screen in rows_h rows of count, moving the
 * view as little as possible from scroll. */
size_t list_nav_scroll(size_t scroll, size_t selected, size_t rows_h, size_t count);

#endif
