/* nodes.h -- several Redis servers watched as one: the servers given with -r, or the primaries
 * of a Redis Cluster found from any of its nodes.
 *
 * Each node is sampled by its own collectors on its own connections (streams, server health,
 * keys), exactly as a single server is, with its index stamped on what they read. What the
 * views and the outputs see is one merged snapshot per kind: every node's streams in one
 * array (the records are shared, not copied), queues, locks and prefixes likewise, and a
 * nodes[] table that says which node is up, down or gone, with a cluster's slots and
 * replicas.
 *
 * The cluster map: INFO cluster says whether the server is a cluster node; CLUSTER SHARDS
 * (7.0+) lists every shard's slots and nodes with role, health and replication offset;
 * CLUSTER SLOTS is the fallback for older servers. Both are reads, answered from the node's
 * own view of the cluster (no cross-node traffic). */
#ifndef QT_NODES_H
#define QT_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redis_conn.h"
#include "snapshot.h"

/* Shards (a primary and its replicas) read from one CLUSTER SHARDS or CLUSTER SLOTS reply. */
struct cluster_map {
    struct node_status shards[REDIS_NODES_MAX];   /* name = the primary's host:port */
    size_t count;
    char primary_ids[REDIS_NODES_MAX][48];        /* each primary's node id */
    char member_ids[REDIS_NODES_MAX][NODE_REPLICAS_MAX + 1][48];   /* the shard's node ids */
    bool truncated;                               /* more shards than REDIS_NODES_MAX */
};

/* Reads the cluster map through an open connection. 1 when the server is a cluster node
 * (map filled), 0 when it is not (cluster_enabled:0, or a Sentinel-less plain server), -1
 * with a reason on failure. */
int cluster_map_read(redisContext *c, struct cluster_map *map, char *err, size_t errlen);

/* Connects to seed, and reads the map as cluster_map_read does. */
int cluster_map_fetch(const struct redis_target *seed, int connect_timeout_ms,
                      int command_timeout_ms, struct cluster_map *map, char *err,
                      size_t errlen);

/* The target of shard i's primary: seed's credentials and TLS at its address, db 0. */
void cluster_primary_target(const struct cluster_map *map, size_t i,
                            const struct redis_target *seed, struct redis_target *out);

/* The shard of a new map that holds the primary, or a member, of old shard i (a failover
 * keeps the shard and changes its primary); -1 when none does. */
int cluster_map_follow(const struct cluster_map *old, size_t i, const struct cluster_map *now);

/* One merged streams snapshot from a streams snapshot per node (parts[i] may be NULL: not
 * sampled yet). nodes[i] gives each node's name, URL and cluster figures; its state and
 * counts are filled from parts[i]. The streams are sorted by key, then node. */
struct snapshot *nodes_merge_redis(struct snapshot *const *parts, const struct node_status *nodes,
                                   size_t n);

/* One merged keys snapshot (queues, locks and prefixes of every node, each carrying its
 * node). A part that is NULL or down adds nothing; the merged state is up when one part is. */
struct snapshot *nodes_merge_keys(struct snapshot *const *parts, size_t n);

/* The node's name for display: nodes[node].name, or "" when out of range. */
const char *nodes_name(const struct redis_snapshot *r, uint16_t node);

#endif
