/* thresholds.h -- the limits that make a figure a warning or critical: shared by the views,
 * the JSON and text output and the configuration file, below all of them (they were declared
 * in a view's header, which tui/options.h had to include). */
#ifndef QT_THRESHOLDS_H
#define QT_THRESHOLDS_H

enum severity { SEV_OK = 0, SEV_WARN, SEV_CRIT };

struct thresholds {
    long long lag_warn, lag_crit;                    /* entries */
    long long oldest_warn_ms, oldest_crit_ms;        /* age of the oldest pending entry */
    long long deliveries_warn, deliveries_crit;      /* times the oldest entry was delivered */
    long long idle_warn_ms;                          /* consumer idle while holding entries */
    double memory_warn_share, memory_crit_share;     /* used_memory / maxmemory */
    double ping_budget_ms;                           /* our PING round trip, average */
    double slowlog_warn_per_sec;                     /* new slow commands */
    long long restart_banner_ms;                     /* how long a restart stays on screen */
};

extern const struct thresholds default_thresholds;

#endif
