/* thresholds.c -- the default limits (see thresholds.h; docs/config.md lists them). */
#include "thresholds.h"

const struct thresholds default_thresholds = {
    .lag_warn = 1000, .lag_crit = 10000,
    .oldest_warn_ms = 30 * 1000, .oldest_crit_ms = 5 * 60 * 1000,
    .deliveries_warn = 3, .deliveries_crit = 10,
    .idle_warn_ms = 60 * 1000,
    .memory_warn_share = 0.90, .memory_crit_share = 0.98,
    .ping_budget_ms = 5.0,
    .slowlog_warn_per_sec = 0.1,
    .restart_banner_ms = 15 * 60 * 1000,
};
