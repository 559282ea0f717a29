/* server_model.h -- judgement of server health, without curses: which figures are a problem and
 * how badly, as ranked one-line warnings for the overview, the server view and JSON. */
#ifndef QT_SERVER_MODEL_H
#define QT_SERVER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../collectors/history.h"
#include "../collectors/snapshot.h"
#include "streams_model.h"

struct health_warning {
    enum severity sev;
    char text[200];
};

#define HEALTH_WARNINGS_MAX 16

/* Can this eviction policy drop keys that hold queue data? allkeys-* always; volatile-* only
 * keys with a TTL, so only when queue keys have one; noeviction never. */
bool policy_can_evict_queues(const char *policy, bool queue_keys_have_ttl);

/* How many of the locks an eviction policy can drop before they expire: with maxmemory set,
 * allkeys-* can evict any of them and volatile-* exactly those with a TTL, the healthy ones;
 * two workers may then hold the same lock. 0 when nothing can be evicted (or s is NULL). */
size_t locks_evictable(const struct server_snapshot *s, const struct keys_snapshot *k);

/* Fills out[] (room for max) with the server's problems, worst first; returns how many.
 * streams may be NULL (unknown: then "queues exist" is assumed false for the no-persistence
 * warning, and volatile-* policies are judged as if queue keys had no TTL). now_wall_ms dates
 * the restart banner. */
size_t server_warnings(const struct server_snapshot *s, const struct server_history *h,
                       const struct redis_snapshot *streams, const struct thresholds *t,
                       int64_t now_wall_ms, struct health_warning *out, size_t max);

/* How bad one node of several is, to rank them (the server view's list, and the node the
 * overview speaks of): -1 for a node gone from the cluster, 1000000 when it is not up, else
 * 1000 per critical judgement and 1 per warning. */
int server_node_weight(const struct server_snapshot *s, const struct server_history *h,
                       bool left, bool down, const struct thresholds *t, int64_t now_wall_ms);

#endif
