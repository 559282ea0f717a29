/* theme.c -- see theme.h. One row per theme; each role is (foreground, background, attributes).
 * -1 means the terminal's default colour. */
#include "theme.h"

#include <curses.h>

#include <stdlib.h>
#include <string.h>

struct role_style {
    short fg, bg;
    int attrs;
};

struct theme {
    const char *name;
    bool uses_color;
    struct role_style roles[ROLE_COUNT];
};

static const struct theme themes[] = {
    { "dark", true, {
        [ROLE_DEFAULT]    = { -1, -1, A_NORMAL },
        [ROLE_HEADER]     = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
        [ROLE_TITLE]      = { COLOR_CYAN, -1, A_BOLD },
        [ROLE_COLUMN]     = { COLOR_BLACK, COLOR_GREEN, A_NORMAL },
        [ROLE_SELECTED]   = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
        [ROLE_OK]         = { COLOR_GREEN, -1, A_NORMAL },
        [ROLE_WARN]       = { COLOR_YELLOW, -1, A_BOLD },
        [ROLE_CRIT]       = { COLOR_RED, -1, A_BOLD },
        [ROLE_DIM]        = { COLOR_BLUE, -1, A_BOLD },
        [ROLE_STATUS]     = { COLOR_BLACK, COLOR_WHITE, A_NORMAL },
        [ROLE_STATUS_ERR] = { COLOR_WHITE, COLOR_RED, A_BOLD },
        [ROLE_KEY]        = { COLOR_CYAN, -1, A_BOLD },
        [ROLE_SPARK]      = { COLOR_CYAN, -1, A_NORMAL },
        [ROLE_BAR_DONE]    = { COLOR_GREEN, -1, A_NORMAL },
        [ROLE_BAR_ACTIVE]  = { COLOR_BLUE, -1, A_BOLD },
        [ROLE_BAR_FAILED]  = { COLOR_RED, -1, A_BOLD },
        [ROLE_BAR_WARN]    = { COLOR_YELLOW, -1, A_NORMAL },
        [ROLE_BAR_SKIPPED] = { COLOR_WHITE, -1, A_DIM },
        [ROLE_BAR_WAIT]    = { -1, -1, A_DIM },
    } },
    { "light", true, {
        [ROLE_DEFAULT]    = { -1, -1, A_NORMAL },
        [ROLE_HEADER]     = { COLOR_WHITE, COLOR_BLUE, A_NORMAL },
        [ROLE_TITLE]      = { COLOR_BLUE, -1, A_BOLD },
        [ROLE_COLUMN]     = { COLOR_WHITE, COLOR_BLUE, A_NORMAL },
        [ROLE_SELECTED]   = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
        [ROLE_OK]         = { COLOR_GREEN, -1, A_NORMAL },
        [ROLE_WARN]       = { COLOR_MAGENTA, -1, A_BOLD },
        [ROLE_CRIT]       = { COLOR_RED, -1, A_BOLD },
        [ROLE_DIM]        = { COLOR_BLACK, -1, A_DIM },
        [ROLE_STATUS]     = { COLOR_WHITE, COLOR_BLACK, A_NORMAL },
        [ROLE_STATUS_ERR] = { COLOR_WHITE, COLOR_RED, A_BOLD },
        [ROLE_KEY]        = { COLOR_BLUE, -1, A_BOLD },
        [ROLE_SPARK]      = { COLOR_BLUE, -1, A_NORMAL },
        [ROLE_BAR_DONE]    = { COLOR_GREEN, -1, A_NORMAL },
        [ROLE_BAR_ACTIVE]  = { COLOR_BLUE, -1, A_BOLD },
        [ROLE_BAR_FAILED]  = { COLOR_RED, -1, A_BOLD },
        [ROLE_BAR_WARN]    = { COLOR_MAGENTA, -1, A_NORMAL },
        [ROLE_BAR_SKIPPED] = { COLOR_BLACK, -1, A_DIM },
        [ROLE_BAR_WAIT]    = { -1, -1, A_DIM },
    } },
    { "mono", false, {
        [ROLE_DEFAULT]    = { -1, -1, A_NORMAL },
        [ROLE_HEADER]     = { -1, -1, A_REVERSE },
        [ROLE_TITLE]      = { -1, -1, A_BOLD },
        [ROLE_COLUMN]     = { -1, -1, A_REVERSE },
        [ROLE_SELECTED]   = { -1, -1, A_REVERSE | A_BOLD },
        [ROLE_OK]         = { -1, -1, A_NORMAL },
        [ROLE_WARN]       = { -1, -1, A_BOLD },
        [ROLE_CRIT]       = { -1, -1, A_BOLD | A_UNDERLINE },
        [ROLE_DIM]        = { -1, -1, A_DIM },
        [ROLE_STATUS]     = { -1, -1, A_REVERSE },
        [ROLE_STATUS_ERR] = { -1, -1, A_REVERSE | A_BOLD },
        [ROLE_KEY]        = { -1, -1, A_BOLD },
        [ROLE_SPARK]      = { -1, -1, A_NORMAL },
        [ROLE_BAR_DONE]    = { -1, -1, A_NORMAL },
        [ROLE_BAR_ACTIVE]  = { -1, -1, A_BOLD },
        [ROLE_BAR_FAILED]  = { -1, -1, A_BOLD | A_UNDERLINE },
        [ROLE_BAR_WARN]    = { -1, -1, A_UNDERLINE },
        [ROLE_BAR_SKIPPED] = { -1, -1, A_DIM },
        [ROLE_BAR_WAIT]    = { -1, -1, A_DIM },
    } },
};

static int role_attrs[ROLE_COUNT];

const char *theme_init(const char *name, bool no_color)
{
    const struct theme *t = &themes[0];
    for (size_t i = 0; i < sizeof themes / sizeof themes[0]; i++)
        if (name && strcmp(themes[i].name, name) == 0)
            t = &themes[i];
    const char *nc = getenv("NO_COLOR");
    if (no_color || (nc && *nc) || !has_colors())
        t = &themes[2];
    if (t->uses_color) {
        start_color();
        use_default_colors();
    }
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct role_style *s = &t->roles[r];
        int a = s->attrs;
        if (t->uses_color && (s->fg != -1 || s->bg != -1)) {
            init_pair((short)(r + 1), s->fg, s->bg);
            a |= COLOR_PAIR(r + 1);
        }
        role_attrs[r] = a;
    }
    return t->name;
}

int theme_attr(enum role role)
{
    return role_attrs[role];
}

enum role theme_severity_role(enum severity s)
{
    return s == SEV_CRIT ? ROLE_CRIT : s == SEV_WARN ? ROLE_WARN : ROLE_DEFAULT;
}
