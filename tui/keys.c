/* keys.c -- see keys.h. */
#include "keys.h"

#include <curses.h>

int keys_from_curses(int k)
{
    if (k < KEY_MIN)
        return k;
    switch (k) {
    case KEY_UP: return QK_UP;
    case KEY_DOWN: return QK_DOWN;
    case KEY_LEFT: return QK_LEFT;
    case KEY_RIGHT: return QK_RIGHT;
    case KEY_PPAGE: return QK_PGUP;
    case KEY_NPAGE: return QK_PGDN;
    case KEY_HOME: return QK_HOME;
    case KEY_END: return QK_END;
    case KEY_ENTER: return QK_ENTER;
    case KEY_BACKSPACE: return QK_BACKSPACE;
    case KEY_RESIZE: return QK_RESIZE;
    case KEY_F(1): return QK_F1;
    case KEY_F(5): return QK_F5;
    case KEY_EXIT: return QK_EXIT;
    default: return QK_OTHER;
    }
}
