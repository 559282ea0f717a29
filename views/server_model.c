/* server_model.c -- see server_model.h. */
#include "server_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../tui/format.h"

bool policy_can_evict_queues(const char *policy, bool queue_keys_have_ttl)
{
    if (strncmp(policy, "allkeys-", 8) == 0)
        return true;
    return strncmp(policy, "volatile-", 9) == 0 && queue_keys_have_ttl;
}

size_t locks_evictable(const struct server_snapshot *s, const struct keys_snapshot *k)
{
    if (!s || !k || s->state != CONN_UP || s->maxmemory <= 0)
        return 0;
    bool all = strncmp(s->maxmemory_policy, "allkeys-", 8) == 0;
    bool volatile_ = strncmp(s->maxmemory_policy, "volatile-", 9) == 0;
    size_t n = 0;
    for (size_t i = 0; i < k->lock_count; i++)
        n += all || (volatile_ && k->locks[i].ttl_ms >= 0);
    return n;
}

struct sink {
    struct health_warning *out;
    size_t n, max;
};

static void add(struct sink *k, enum severity sev, const char *fmt, ...)
{
    if (k->n >= k->max)
        return;
    struct health_warning *w = &k->out[k->n++];
    w->sev = sev;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->text, sizeof w->text, fmt, ap);
    va_end(ap);
}

/* Worst first; stable, so warnings of equal severity keep their order from frame to frame. */
static void sort_by_severity(struct health_warning *w, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct health_warning x = w[i];
        size_t j = i;
        while (j > 0 && w[j - 1].sev < x.sev) {
            w[j] = w[j - 1];
            j--;
        }
        w[j] = x;
    }
}

size_t server_warnings(const struct server_snapshot *s, const struct server_history *h,
                       const struct redis_snapshot *streams, const struct thresholds *t,
                       int64_t now_wall_ms, struct health_warning *out, size_t max)
{
    struct sink k = { out, 0, max };
    char a[32], b[32];
    bool queues = streams && streams->stream_count > 0;
    /* whether a stream has a TTL matters only under a volatile-* policy: the loop over every
     * stream (100,000 on a big keyspace, every frame) runs only then, and stops at the first */
    bool ttl = false;
    if (s->maxmemory > 0 && strncmp(s->maxmemory_policy, "volatile-", 9) == 0)
        for (size_t i = 0; streams && i < streams->stream_count && !ttl; i++)
            ttl = streams->streams[i]->ttl_ms >= 0;

    if (s->last_restart_wall_ms && now_wall_ms - s->last_restart_wall_ms < t->restart_banner_ms) {
        fmt_duration_ms(now_wall_ms - s->last_restart_wall_ms, a, sizeof a);
        time_t at = (time_t)(s->last_restart_wall_ms / 1000);
        struct tm tm;
        localtime_r(&at, &tm);
        strftime(b, sizeof b, "%H:%M:%S", &tm);
        size_t lost = streams && streams->lost_known ? streams->lost_count : 0;
        if (lost)
            add(&k, SEV_CRIT, "Redis restarted at %s (%s ago): %zu stream%s lost or shrank", b, a,
                lost, lost == 1 ? "" : "s");
        else
            add(&k, SEV_CRIT, "Redis restarted at %s (%s ago)", b, a);
    }
    if (s->loading == 1)
        add(&k, SEV_WARN, "Redis is loading its dataset");

    /* evictions against queue data */
    bool can_evict = s->maxmemory > 0 && policy_can_evict_queues(s->maxmemory_policy, ttl);
    double ev = h ? h->evicted_per_sec : NAN;
    if (!isnan(ev) && ev > 0) {
        fmt_rate(ev, a, sizeof a);
        if (can_evict)
            add(&k, SEV_CRIT, "evicting %s keys/s under %s: queue data can be lost", a,
                s->maxmemory_policy);
        else
            add(&k, SEV_WARN, "evicting %s keys/s (%s)", a, s->maxmemory_policy);
    } else if (can_evict) {
        add(&k, SEV_WARN, "maxmemory-policy %s can evict queue keys (streams, lists, locks)",
            s->maxmemory_policy);
    }

    /* memory */
    if (s->maxmemory > 0 && s->used_memory >= 0) {
        double share = (double)s->used_memory / (double)s->maxmemory;
        enum severity sev = share >= t->memory_crit_share ? SEV_CRIT
                            : share >= t->memory_warn_share ? SEV_WARN : SEV_OK;
        if (sev != SEV_OK) {
            fmt_bytes(s->used_memory, a, sizeof a);
            fmt_bytes(s->maxmemory, b, sizeof b);
            add(&k, sev, "memory %.0f%% of maxmemory (%s of %s)%s", share * 100.0, a, b,
                strcmp(s->maxmemory_policy, "noeviction") == 0 ? ": writes will fail with OOM" : "");
        }
    }

    /* persistence */
    if (strcmp(s->aof_last_write_status, "ok") != 0 && s->aof_enabled)
        add(&k, SEV_CRIT, "AOF last write failed (%s)", s->aof_last_write_status);
    if (s->rdb_last_bgsave_status[0] && strcmp(s->rdb_last_bgsave_status, "ok") != 0)
        add(&k, SEV_CRIT, "RDB last background save failed (%s)", s->rdb_last_bgsave_status);
    if (queues && s->config_known && !s->aof_enabled && s->save_config[0] == '\0')
        add(&k, SEV_WARN, "no persistence (AOF off, no RDB save points): a restart loses every queue");

    /* replication */
    if (strcmp(s->role, "slave") == 0 && strcmp(s->master_link_status, "up") != 0)
        add(&k, SEV_CRIT, "replica's link to its master is %s",
            s->master_link_status[0] ? s->master_link_status : "unknown");

    /* load and latency */
    double rej = h ? h->rejected_per_sec : NAN;
    if (!isnan(rej) && rej > 0) {
        fmt_rate(rej, a, sizeof a);
        add(&k, SEV_WARN, "rejecting %s connections/s (maxclients?)", a);
    }
    if (s->pings && s->ping_avg_ms > t->ping_budget_ms)
        add(&k, SEV_WARN, "PING %.1f ms, over the %.0f ms budget", s->ping_avg_ms, t->ping_budget_ms);
    double sl = h ? h->slowlog_per_sec : NAN;
    if (!isnan(sl) && sl >= t->slowlog_warn_per_sec && s->slowlog_new > 0) {
        long long worst = 0;
        for (size_t i = 0; i < s->slowlog_count && i < (size_t)s->slowlog_new; i++)
            if (s->slowlog[i].duration_us > worst)
                worst = s->slowlog[i].duration_us;
        fmt_duration_ms(worst / 1000, a, sizeof a);
        add(&k, SEV_WARN, "%lld new slow command%s (slowest %s)", s->slowlog_new,
            s->slowlog_new == 1 ? "" : "s", a);
    }
    for (size_t i = 0; i < s->latency_count; i++) {
        const struct latency_event *e = &s->latency[i];
        if (s->server_time_ms && s->server_time_ms / 1000 - e->time_s <= 10)
            add(&k, SEV_WARN, "latency spike: %s %lld ms", e->name, e->latest_ms);
    }
    sort_by_severity(out, k.n);
    return k.n;
}

int server_node_weight(const struct server_snapshot *s, const struct server_history *h,
                       bool left, bool down, const struct thresholds *t, int64_t now_wall_ms)
{
    if (left)
        return -1;
    if (!s || s->state != CONN_UP || down)
        return 1000000;
    struct health_warning w[HEALTH_WARNINGS_MAX];
    size_t n = server_warnings(s, h, NULL, t, now_wall_ms, w, HEALTH_WARNINGS_MAX);
    int bad = 0;
    for (size_t k = 0; k < n; k++)
        bad += w[k].sev == SEV_CRIT ? 1000 : 1;
    return bad;
}
