/* list_nav.c -- see list_nav.h. */
#include "list_nav.h"

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
