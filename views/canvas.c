/* canvas.c -- see canvas.h. */
#include "canvas.h"

#include <string.h>

#include "../themes/theme.h"
#include "../tui/app_state.h"

bool canvas_visible(const struct canvas *c)
{
    int y = c->line - c->scroll;
    return y >= 0 && y < c->height;
}

int canvas_y(const struct canvas *c)
{
    return c->top + c->line - c->scroll;
}

void canvas_text(struct canvas *c, int x, int role, const char *text)
{
    if (canvas_visible(c))
        app_puts(c->app, c->w, canvas_y(c), x, c->width - x, role, text);
}

void canvas_column(struct canvas *c, const char *text)
{
    if (canvas_visible(c)) {
        wattrset(c->w, theme_attr(ROLE_COLUMN));
        mvwhline(c->w, canvas_y(c), 0, ' ', c->width);
        app_puts(c->app, c->w, canvas_y(c), 0, c->width, ROLE_COLUMN, text);
    }
    c->line++;
}

void canvas_right(struct canvas *c, int end, int w, int role, const char *text)
{
    if (canvas_visible(c))
        app_puts_right(c->app, c->w, canvas_y(c), end, w, role, text);
}

