/* keys.h -- the keys the views and widgets see. The loop (tui/app.c) turns what curses reads
 * into these: printable ASCII and control characters (Tab 9, Enter 13 or 10, Esc 27,
 * Backspace 127 or 8) are themselves; the special keys are the QK_ values, above anything a
 * character can be. So no view needs a curses header. */
#ifndef QT_KEYS_H
#define QT_KEYS_H

enum {
    QK_BASE = 0x110000,   /* past every Unicode character */
    QK_UP,
    QK_DOWN,
    QK_LEFT,
    QK_RIGHT,
    QK_PGUP,
    QK_PGDN,
    QK_HOME,
    QK_END,
    QK_ENTER,             /* the keypad's Enter (the main one is '\r' or '\n') */
    QK_BACKSPACE,
    QK_RESIZE,            /* the terminal changed size */
    QK_F1,
    QK_F5,
    QK_EXIT,
    QK_OTHER,             /* a special key no one handles */
};

/* The key code of a curses key (getch()'s value); keys.c. */
int keys_from_curses(int curses_key);

#endif
