/* fleet.h -- the Redis nodes a run watches, and their collectors.
 *
 * One server (-r URL, the default) is one node and runs exactly as before: a streams, a server
 * and a keys collector on their own connections. Several servers (-r given more than once,
 * --redis-file) are several nodes; a Redis Cluster node as the one target becomes the
 * cluster's primaries (the server collector's INFO says cluster_enabled, CLUSTER SHARDS names
 * them). Every node has its own collectors, its own cost budget (the budget is a share of one
 * core of each watched server) and its own keyspace walk; what they read carries the node's
 * index, and nodes_merge_* (collectors/nodes.h) makes one snapshot per kind of them. */
#ifndef QT_FLEET_H
#define QT_FLEET_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>

#include "../collectors/cost.h"
#include "../collectors/nodes.h"
#include "../collectors/redis_keys.h"
#include "../collectors/redis_server.h"
#include "../collectors/redis_streams.h"
#include "../collectors/stream_feed.h"

struct options;

/* The servers named on the command line: -r (repeatable, NAME=URL names one) and
 * --redis-file (one URL a line, # comments). */
struct node_urls {
    char *v[REDIS_NODES_MAX];
    size_t n;
};

/* Adds one; -1 with a reason when there are REDIS_NODES_MAX already. */
int node_urls_add(struct node_urls *u, const char *url, char *err, size_t errlen);
/* Adds every URL of the file; -1 with a reason (unreadable, too many, a line too long). */
int node_urls_read_file(struct node_urls *u, const char *path, char *err, size_t errlen);
void node_urls_free(struct node_urls *u);

/* One parsed node of the command line. */
struct node_opt {
    char name[300];            /* NAME of NAME=URL, else "" (named by its address) */
    struct redis_target target;
};

/* Parses each URL (NAME=URL, or a URL) into out[0..n); rediss:// targets get tls. 0, or -1
 * with a reason naming the URL's place. */
int node_opts_parse(const struct node_urls *u, const struct redis_tls *tls,
                    struct node_opt *out, size_t *n, char *err, size_t errlen);

struct fleet_node {
    struct node_status info;   /* name, URL; a cluster's slots and replicas */
    struct streams_config streams;
    struct server_config server;
    struct keys_config keys;
    struct cost_budget budget;
    struct stream_feed feed;
    struct streams_collector *sc;
    struct server_collector *sv;
    struct keys_collector *kc;
    /* the last --once sample of this node */
    struct snapshot *r, *s, *k;
    char err[256], kerr[256];
};

#define FLEET_MAP_EVERY_MS 5000   /* a cluster's map is read again this often */

struct fleet {
    struct fleet_node *nodes;
    size_t n;
    pthread_mutex_t mu;        /* the watcher changes nodes[] while the collectors run */
    struct hub *hub;
    const struct options *opts;
    struct redis_target seed;  /* the one target that may be a cluster node */
    pthread_t watcher;
    bool watching, running;
    bool cluster;              /* the nodes are a cluster's primaries */
    bool several;              /* more than one node, or a cluster: merged snapshots */
    struct cluster_map *map;   /* with cluster: the map the nodes came from */
};

/* The nodes of the command line (o->nodes), collectors made but not started. hub NULL: for
 * synchronous samples (--once). */
void fleet_from_options(struct fleet *f, const struct options *o, struct hub *hub);
/* The primaries of map, reached with seed's credentials and TLS. */
void fleet_from_cluster(struct fleet *f, const struct options *o, const struct cluster_map *map,
                        const struct redis_target *seed, struct hub *hub);
void fleet_free(struct fleet *f);

/* --once: one sample of every collector of every node, all at once (a thread each); the
 * results in each node's r, s, k (r NULL with err when its streams sample failed; then s and
 * k are dropped too). */
void fleet_sample_once(struct fleet *f);
/* Drops the nodes' --once samples. */
void fleet_drop_samples(struct fleet *f);

/* The dashboard and the --json stream: every node's collectors started (the hub learns the
 * nodes first when there are several). 0 or -1. */
int fleet_start(struct fleet *f, struct hub *hub);
/* One server that may be a cluster node: a thread asks it (INFO cluster) and, if it is one,
 * replaces its collectors by the primaries'; it then reads the map every FLEET_MAP_EVERY_MS
 * and follows failovers, new and removed shards. */
void fleet_watch_start(struct fleet *f, const struct options *o);
/* After hub_request_stop / cancel_request: joins the watcher and every collector; false when
 * the watcher did not end in time (then the fleet must not be freed). */
bool fleet_stop(struct fleet *f);

/* Merged snapshots of the nodes' last --once samples (caller frees). */
struct snapshot *fleet_merge_redis(const struct fleet *f);
struct snapshot *fleet_merge_keys(const struct fleet *f);

#endif
