/* help.c -- the keys of the view underneath, then the global ones. Any key closes it. */
#include <stdio.h>
#include <string.h>

#include "../tui/app_state.h"
#include "../themes/theme.h"

static const struct help_line global_help[] = {
    { "?  F1", "this help (any key closes it)" },
    { "1  2  3  4  5", "streams / server / workflows / queues / locks and key prefixes" },
    { "Tab", "the next of those, in number order" },
    { "Esc", "back: out of a stream or a timeline, then to the first view" },
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
    /* what queuetop sends, word-wrapped into the lines left */
    const char *note = "queuetop only reads: SCAN TYPE PTTL XLEN XINFO XPENDING LLEN LINDEX ZCARD "
                       "ZCOUNT ZRANGE ZRANGEBYSCORE HLEN HGET GET GETRANGE SCARD SMEMBERS "
                       "MEMORY-USAGE DBSIZE TIME INFO CONFIG-GET SLOWLOG LATENCY PING, and names "
                       "its connections (CLIENT SETNAME); PostgreSQL in read-only transactions.";
    int room = width - 4;
    for (y++; *note && y < bottom && room > 10; y++) {
        int n = (int)strlen(note);
        if (n > room) {
            n = room;
            while (n > 0 && note[n] != ' ')
                n--;
            if (n == 0)
                n = room;
        }
        app_put(app, w, y, 2, n, ROLE_DIM, note, (size_t)n);
        note += n;
        while (*note == ' ')
            note++;
    }
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

static size_t help_hints(const struct app *app, struct hint *out)
{
    (void)app;
    out[0] = (struct hint){ "any key closes this help", 0 };
    return 1;
}

const struct view help_view = {
    .name = "help",
    .draw = draw_help,
    .handle_key = help_key,
    .hints = help_hints,
    .help = no_help,
};
