/* app.h -- the interactive dashboard: the UI thread's loop over input, snapshots and timer. */
#ifndef QT_APP_H
#define QT_APP_H

#include "../collectors/hub.h"
#include "options.h"

/* Runs the dashboard until the user quits or stop_fd becomes readable (a signal arrived).
 * start(arg) is called once the terminal is in the dashboard's modes, before the first frame:
 * it starts the collectors that publish into hub (returns < 0 when it cannot). Started any
 * earlier, a collector thread that faults would restore the terminal before curses takes it,
 * and the process would die in the alternate screen. Returns the process exit code. */
int app_run(const struct options *opts, struct hub *hub, int stop_fd,
            int (*start)(void *arg), void *arg);

/* Puts the terminal back (safe to call twice, and from the crash handler). */
void app_restore_terminal(void);

#endif
