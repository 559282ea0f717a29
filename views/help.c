/* help.c -- the keys of the view underneath, then the global ones. Any key closes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/draw.h"
#include "../tui/keys.h"
#include "../tui/text_scroll.h"

static const struct help_line global_help[] = {
    { "?  F1", "this help (j/k scroll it, any other key closes it)" },
    { "1  2  3  4  5", "streams / server / workflows / queues / locks and key prefixes" },
    { "Tab", "the next of those, in number order" },
    { "Enter  Right  l", "open what the cursor is on (a stream, a queue's keys, an execution)" },
    { "Esc  Left  h", "back: out of a stream or a timeline, then to the first view" },
    { "r  F5", "sample now instead of waiting for the interval" },
    { "Ctrl-L", "repaint the whole screen" },
    { "q", "quit" },
    { NULL, NULL },
};

/* One row of the help: a key column (or NULL) and a piece of text that fits the width. */
struct help_row {
    const char *keys;
    const char *text;
    int len;
    int role;
};

#define HELP_ROWS_MAX 200

/* Appends one row, if there is room for it. */
static int add_row(struct help_row *rows, int n, struct help_row row)
{
    if (n < HELP_ROWS_MAX)
        rows[n++] = row;
    return n;
}

/* Appends text word-wrapped into rows of at most room bytes (the help is ASCII); the first row
 * carries keys. */
static int wrap(struct help_row *rows, int n, const char *keys, const char *text, int room,
                int role)
{
    if (room < 10)
        room = 10;
    do {
        int len = (int)strlen(text);
        if (len > room) {
            len = room;
            while (len > 0 && text[len] != ' ')
                len--;
            if (len == 0)
                len = room;
        }
        n = add_row(rows, n, (struct help_row){ keys, text, len, role });
        keys = NULL;
        text += len;
        while (*text == ' ')
            text++;
    } while (*text);
    return n;
}

static int add_lines(struct help_row *rows, int n, const struct help_line *lines, int room)
{
    for (; lines && lines->keys; lines++)
        n = wrap(rows, n, lines->keys, lines->what, room, ROLE_DEFAULT);
    return n;
}


static struct text_scroll *state_of(const struct app *app)
{
    return app_view_state(app, &help_view);
}

/* The view's own state: how far it is scrolled. */
static void *help_state_new(void)
{
    return xcalloc(1, sizeof(struct text_scroll));
}

static void draw_help(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    struct text_scroll *st = state_of(app);
    const struct view *under = app_view_under(app);
    if (!under)
        under = &streams_view;
    char title[64];
    snprintf(title, sizeof title, " Help: %s view", under->name);
    static struct help_row rows[HELP_ROWS_MAX];
    int n = 0, room = width - 26;
    n = add_lines(rows, n, under->help, room);
    n = add_row(rows, n, (struct help_row){ NULL, "", 0, ROLE_DEFAULT });
    n = add_row(rows, n, (struct help_row){ NULL, " Everywhere", 11, ROLE_TITLE });
    n = add_lines(rows, n, global_help, room);
    n = add_row(rows, n, (struct help_row){ NULL, "", 0, ROLE_DEFAULT });
    /* what queuetop sends */
    const char *note = "queuetop only reads: SCAN TYPE PTTL XLEN XINFO XPENDING LLEN LINDEX ZCARD "
                       "ZCOUNT ZRANGE ZRANGEBYSCORE HLEN HGET GET GETRANGE SCARD SMEMBERS "
                       "MEMORY-USAGE DBSIZE TIME INFO CONFIG-GET SLOWLOG LATENCY PING, and names "
                       "its connections (CLIENT SETNAME); PostgreSQL in read-only transactions.";
    n = wrap(rows, n, NULL, note, width - 4, ROLE_DIM);
    int body = height - 1;   /* under the title */
    st->lines = n;
    st->page = body > 0 ? body : 1;
    text_scroll_clamp(st);
    char more[48] = "";
    if (n > body)
        snprintf(more, sizeof more, "   (j/k scroll, %d of %d lines)",
                 st->first + body < n ? st->first + body : n, n);
    char head[128];
    snprintf(head, sizeof head, "%s%s", title, more);
    draw_str(sf, top, 0, width, ROLE_TITLE, head);
    for (int i = 0; i < body && st->first + i < n; i++) {
        const struct help_row *r = &rows[st->first + i];
        int y = top + 1 + i;
        if (r->keys) {
            draw_str(sf, y, 2, 22, ROLE_KEY, r->keys);
            draw_text(sf, y, 25, width - 26, r->role, r->text, (size_t)r->len);
        } else if (r->role == ROLE_DEFAULT) {
            draw_text(sf, y, 25, width - 26, r->role, r->text, (size_t)r->len);
        } else {
            draw_text(sf, y, r->role == ROLE_TITLE ? 0 : 2, width - 2, r->role, r->text,
                    (size_t)r->len);
        }
    }
}

static int help_key(struct app *app, int key)
{
    if (key == 'q' || key == 'Q')
        return ACT_QUIT;
    if (key == QK_RESIZE)
        return ACT_REDRAW;
    struct text_scroll *st = state_of(app);
    if (text_scroll_key(st, key) != ACT_NONE)
        return ACT_REDRAW;   /* j/k, arrows, pages scroll; any other key closes */
    st->first = 0;
    app_back(app);
    return ACT_REDRAW;
}

static const struct help_line no_help[] = { { NULL, NULL } };

static size_t help_hints(const struct app *app, struct hint *out)
{
    (void)app;
    out[0] = (struct hint){ "j/k scroll  any other key closes", 0 };
    return 1;
}

const struct view help_view = {
    .name = "help",
    .key = '?',
    .draw = draw_help,
    .handle_key = help_key,
    .hints = help_hints,
    .help = no_help,
    .state_new = help_state_new,
    .state_free = free,
};
