/* theme.h -- colour roles. Views ask for a role's attribute; a theme maps roles to colour pairs
 * and attributes. "mono" uses attributes only, and is what NO_COLOR and dumb terminals get. */
#ifndef QT_THEME_H
#define QT_THEME_H

#include <stdbool.h>

#include "../collectors/thresholds.h"

enum role {
    ROLE_DEFAULT = 0,
    ROLE_HEADER,       /* top line */
    ROLE_TITLE,        /* section titles */
    ROLE_COLUMN,       /* table column headers */
    ROLE_SELECTED,     /* the cursor row */
    ROLE_OK,
    ROLE_WARN,
    ROLE_CRIT,
    ROLE_DIM,          /* unknown values, stale data, secondary text */
    ROLE_STATUS,       /* bottom line */
    ROLE_STATUS_ERR,   /* bottom/top line when the connection is down */
    ROLE_KEY,          /* key names in hints and help */
    ROLE_SPARK,        /* sparklines */
    ROLE_BAR_DONE,     /* timeline bars by task status: completed */
    ROLE_BAR_ACTIVE,   /* in progress, scheduled */
    ROLE_BAR_FAILED,   /* failed, timed out, canceled */
    ROLE_BAR_WARN,     /* completed with errors, paused */
    ROLE_BAR_SKIPPED,  /* skipped */
    ROLE_BAR_WAIT,     /* scheduled -> started: waiting for a worker */
    ROLE_COUNT
};

/* Chooses the theme ("dark", "light", "mono"); mono when no_color, $NO_COLOR is set, or the
 * terminal has no colours. Call after initscr(). Returns the name actually used. */
const char *theme_init(const char *name, bool no_color);
int theme_attr(enum role role);
/* The role of a severity: critical, warning, or the default. */
enum role theme_severity_role(enum severity s);

#endif
