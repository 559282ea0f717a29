/* canvas.h -- a scrolled area for views longer than the screen: lines are numbered from 0
 * (c->line, advanced by the caller) and drawn only when they fall between scroll and
 * scroll + height. */
#ifndef QT_CANVAS_H
#define QT_CANVAS_H

#include <stdbool.h>

#include <curses.h>

struct app;

struct canvas {
    struct app *app;
    WINDOW *w;
    int top, height, width, scroll, line;
};

/* The current line is inside the area. */
bool canvas_visible(const struct canvas *c);
/* Its screen row (meaningful when visible). */
int canvas_y(const struct canvas *c);
/* Text at column x on the current line (the caller advances c->line). */
void canvas_text(struct canvas *c, int x, int role, const char *text);
/* A full-width column-header line; advances c->line. */
void canvas_column(struct canvas *c, const char *text);
/* Text right-aligned to end within w columns on the current line. */
void canvas_right(struct canvas *c, int end, int w, int role, const char *text);

#endif
