/* once.h -- the headless one-shot modes (tui/once.c). */
#ifndef QT_ONCE_H
#define QT_ONCE_H

#include <jansson.h>

#include "../collectors/history.h"
#include "../collectors/snapshot.h"
#include "options.h"

/* --once: one sample (two with --rate-interval) of every node, printed; the exit status. A
 * stop signal makes stop_fd readable. */
int run_once(const struct options *o, int stop_fd);
/* --workflow ID --once and --find TEXT --once. */
int run_workflow_once(const struct options *o);
int run_find_once(const struct options *o);
/* The document for one streams snapshot and one server snapshot (either may be NULL). */
json_t *once_document(const struct options *o, const struct snapshot *streams,
                      const struct snapshot *server, const struct history *h,
                      long long rate_interval_ms);

#endif
