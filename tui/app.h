/* app.h -- the interactive dashboard: the UI thread's loop over input, snapshots and timer. */
#ifndef QT_APP_H
#define QT_APP_H

#include "../collectors/hub.h"
#include "options.h"

/* Runs the dashboard until the user quits or stop_fd becomes readable (a signal arrived).
 * The collectors must already be publishing into hub. Returns the process exit code. */
int app_run(const struct options *opts, struct hub *hub, int stop_fd);

/* Puts the terminal back (safe to call twice, and from the crash handler). */
void app_restore_terminal(void);

#endif
