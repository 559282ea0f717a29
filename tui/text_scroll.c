/* text_scroll.c -- see text_scroll.h. */
#include "text_scroll.h"

#include "keys.h"

#include "../views/view.h"

static int max_first(const struct text_scroll *s)
{
    int m = s->lines - s->page;
    return m > 0 ? m : 0;
}

void text_scroll_clamp(struct text_scroll *s)
{
    int m = max_first(s);
    if (s->first > m)
        s->first = m;
    if (s->first < 0)
        s->first = 0;
}

int text_scroll_key(struct text_scroll *s, int key)
{
    int page = s->page > 1 ? s->page - 1 : 1;
    switch (key) {
    case QK_DOWN: case 'j': s->first++; break;
    case QK_UP: case 'k': s->first--; break;
    case QK_PGDN: case ' ': s->first += page; break;
    case QK_PGUP: s->first -= page; break;
    case QK_HOME: case 'g': s->first = 0; break;
    case QK_END: case 'G': s->first = max_first(s); break;
    default: return ACT_NONE;
    }
    text_scroll_clamp(s);
    return ACT_REDRAW;
}
