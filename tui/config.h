/* config.h -- the optional JSON configuration file: thresholds that colour figures and raise
 * warnings. Format (every key optional; see docs/config.md):
 *   { "thresholds": { "lag_warn": 1000, "memory_warn_share": 0.9, ... } } */
#ifndef QT_CONFIG_H
#define QT_CONFIG_H

#include <stddef.h>

#include "../collectors/thresholds.h"

/* Reads path into *t (which holds the defaults on entry). Returns 0, or -1 with a one-line
 * reason naming the file, line or key in err. */
int config_load(const char *path, struct thresholds *t, char *err, size_t errlen);

#endif
