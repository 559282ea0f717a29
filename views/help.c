/* help.c -- the keys of the view underneath, then the global ones. Any key closes it. */
#include <stdio.h>
#include <string.h>

#include "../tui/app_state.h"
#include "../themes/theme.h"

static const struct help_line global_help[] = {
    { "?  F1", "this help (any key closes it)" },
    { "1  2  3  Tab", "streams / server / workflows view; Tab: the next one" },
    { "r  F5", "sample now instead of waiting for the interval" },
    { "Ctrl-L", "repaint the whole screen" },
    { "q", "quit" },
    { NULL, NULL },
};

static int draw_lines(struct app *app, WINDOW *w, int y, int bottom, int width,
                      const struct help_line *lines)
{
    for (; lines && lines->keys && y < bottom; lines++, y++) {
        app_puts(app, w, y, 2, 22, ROLE_KEY, lines->keys);
        app_puts(app, w, y, 25, width - 26, ROLE_DEFAULT, lines->what);
    }
    return y;
}

static void draw_help(struct app *app, WINDOW *w, int top, int height, int width)
{
    const struct view *under = app->under_help ? app->under_help : &streams_view;
    char title[64];
    snprintf(title, sizeof title, " Help: %s view", under->name);
    int bottom = top + height;
    int y = top;
    app_puts(app, w, y++, 0, width, ROLE_TITLE, title);
    y = draw_lines(app, w, y, bottom, width, under->help);
    if (y < bottom)
        app_puts(app, w, y++, 0, width, ROLE_TITLE, " Everywhere");
    y = draw_lines(app, w, y, bottom, width, global_help);
    if (y + 1 < bottom)
        app_puts(app, w, y + 1, 2, width - 4, ROLE_DIM,
                 "queuetop only reads: SCAN XINFO XPENDING PTTL TIME INFO CONFIG-GET SLOWLOG LATENCY;"
                 " PostgreSQL in read-only transactions.");
}

static int help_key(struct app *app, int key)
{
    if (key == 'q' || key == 'Q')
        return ACT_QUIT;
    if (key == KEY_RESIZE)
        return ACT_REDRAW;
    app->view = app->under_help ? app->under_help : &streams_view;
    return ACT_REDRAW;
}

static const struct help_line no_help[] = { { NULL, NULL } };

const struct view help_view = {
    .name = "help",
    .draw = draw_help,
    .handle_key = help_key,
    .help = no_help,
};
