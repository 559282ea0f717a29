/* fleet.c -- the Redis nodes a run watches, and their collectors (see fleet.h). */
#define _GNU_SOURCE   /* pthread_timedjoin_np */
#include "fleet.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../collectors/collector.h"

#include "../collectors/util.h"
#include "options.h"

#define NODE_FILE_LINE_MAX 4096

int node_urls_add(struct node_urls *u, const char *url, char *err, size_t errlen)
{
    if (u->n == REDIS_NODES_MAX) {
        snprintf(err, errlen, "at most %d Redis servers", REDIS_NODES_MAX);
        return -1;
    }
    u->v[u->n++] = xstrdup(url);
    return 0;
}

int node_urls_read_file(struct node_urls *u, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "--redis-file %s: %s", path, strerror(errno));
        return -1;
    }
    char line[NODE_FILE_LINE_MAX];
    int lineno = 0, rc = 0;
    size_t before = u->n;
    while (rc == 0 && fgets(line, sizeof line, fp)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(err, errlen, "--redis-file %s:%d: line longer than %d bytes", path, lineno,
                     NODE_FILE_LINE_MAX - 2);
            rc = -1;
            break;
        }
        char *p = line;
        while (*p && isspace((unsigned char)*p))
            p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (!*p || *p == '#')
            continue;
        if (node_urls_add(u, p, err, errlen) < 0) {
            char why[128];
            str_copy(why, err, sizeof why);
            snprintf(err, errlen, "--redis-file %s:%d: %s", path, lineno, why);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(fp)) {
        snprintf(err, errlen, "--redis-file %s: read error", path);
        rc = -1;
    }
    fclose(fp);
    if (rc == 0 && u->n == before) {
        snprintf(err, errlen, "--redis-file %s names no server", path);
        rc = -1;
    }
    return rc;
}

void node_urls_free(struct node_urls *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->v[i]);
    u->n = 0;
}

/* NAME=URL: a name of [A-Za-z0-9._-] before an '=' that comes before any ':', '/' or '@' (a
 * password may hold '=', a host never does). */
static size_t name_len(const char *arg)
{
    size_t i = 0;
    while (arg[i] && (isalnum((unsigned char)arg[i]) || strchr("._-", arg[i])))
        i++;
    return i > 0 && i < 64 && arg[i] == '=' ? i : 0;
}

int node_opts_parse(const struct node_urls *u, const struct redis_tls *tls,
                    struct node_opt *out, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    for (size_t i = 0; i < u->n; i++) {
        struct node_opt *o = &out[i];
        memset(o, 0, sizeof *o);
        const char *url = u->v[i];
        size_t nl = name_len(url);
        if (nl) {
            snprintf(o->name, sizeof o->name, "%.*s", (int)nl, url);
            url += nl + 1;
        }
        char why[400];
        if (redis_url_parse(url, &o->target, why, sizeof why) < 0) {
            if (u->n > 1)
                snprintf(err, errlen, "Redis server %zu: %s", i + 1, why);
            else
                str_copy(err, why, errlen);
            return -1;
        }
        if (o->target.tls)
            o->target.tls_opts = tls;
        for (size_t j = 0; nl && j < i; j++)
            if (strcmp(out[j].name, o->name) == 0) {
                snprintf(err, errlen, "two Redis servers are named '%s'", o->name);
                return -1;
            }
        *n = i + 1;
    }
    return 0;
}

/* A node's name when it has none: where it is (host:port, the socket, the master's name). */
static void default_name(const struct redis_target *t, char *buf, size_t len)
{
    if (t->sentinel)
        str_copy(buf, t->master_name, len);
    else if (t->unix_socket)
        str_copy(buf, t->path, len);
    else if (strchr(t->host, ':'))
        snprintf(buf, len, "[%s]:%d", t->host, t->port);
    else
        snprintf(buf, len, "%s:%d", t->host, t->port);
}

static void node_setup(struct fleet_node *fn, const struct options *o, uint16_t index,
                       const struct redis_target *t, const char *name, struct hub *hub)
{
    memset(fn, 0, sizeof *fn);
    if (name && name[0])
        str_copy(fn->info.name, name, sizeof fn->info.name);
    else
        default_name(t, fn->info.name, sizeof fn->info.name);
    redis_target_display(t, fn->info.url, sizeof fn->info.url);
    fn->info.offset = QT_UNKNOWN;
    cost_budget_init(&fn->budget, o->budget_share, mono_ms());
    stream_feed_init(&fn->feed);
    fn->streams = o->streams;
    fn->server = o->server;
    fn->keys = o->keys;
    fn->streams.target = fn->server.target = fn->keys.target = *t;
    fn->streams.node = fn->server.node = fn->keys.node = index;
    fn->streams.budget = fn->server.budget = fn->keys.budget = &fn->budget;
    /* the dashboard's one keyspace walk per server; --once walks twice (see redis_streams.c) */
    fn->streams.feed = fn->keys.feed = hub ? &fn->feed : NULL;
    fn->sc = streams_collector_new(&fn->streams, hub);
    fn->sv = server_collector_new(&fn->server, hub);
    fn->kc = keys_collector_new(&fn->keys, hub);
}

void fleet_from_options(struct fleet *f, const struct options *o, struct hub *hub)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->n = o->node_count;
    f->several = f->n > 1;
    /* room for every node a cluster may grow to: collectors point into their node */
    f->nodes = xcalloc(hub ? REDIS_NODES_MAX : (f->n ? f->n : 1), sizeof *f->nodes);
    for (size_t i = 0; i < f->n; i++)
        node_setup(&f->nodes[i], o, (uint16_t)i, &o->nodes[i].target, o->nodes[i].name, hub);
}

void fleet_from_cluster(struct fleet *f, const struct options *o, const struct cluster_map *map,
                        const struct redis_target *seed, struct hub *hub)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->cluster = f->several = true;
    f->map = xmalloc(sizeof *f->map);
    *f->map = *map;
    f->n = map->count;
    f->nodes = xcalloc(hub ? REDIS_NODES_MAX : (f->n ? f->n : 1), sizeof *f->nodes);
    for (size_t i = 0; i < f->n; i++) {
        struct redis_target t;
        cluster_primary_target(map, i, seed, &t);
        node_setup(&f->nodes[i], o, (uint16_t)i, &t, map->shards[i].name, hub);
        struct node_status *ns = &f->nodes[i].info;
        char url[sizeof ns->url];
        str_copy(url, ns->url, sizeof url);
        *ns = map->shards[i];
        str_copy(ns->url, url, sizeof ns->url);
    }
}

void fleet_drop_samples(struct fleet *f)
{
    for (size_t i = 0; i < f->n; i++) {
        struct fleet_node *fn = &f->nodes[i];
        snapshot_free(fn->r);
        snapshot_free(fn->s);
        snapshot_free(fn->k);
        fn->r = fn->s = fn->k = NULL;
    }
}

static void node_delete(struct fleet_node *fn)
{
    keys_collector_delete(fn->kc);
    streams_collector_delete(fn->sc);
    server_collector_delete(fn->sv);
    fn->kc = NULL;
    fn->sc = NULL;
    fn->sv = NULL;
    stream_feed_done(&fn->feed);
    cost_budget_done(&fn->budget);
}

void fleet_free(struct fleet *f)
{
    fleet_drop_samples(f);
    for (size_t i = 0; i < f->n; i++)
        node_delete(&f->nodes[i]);
    free(f->nodes);
    free(f->map);
    pthread_mutex_destroy(&f->mu);
    memset(f, 0, sizeof *f);
}

/* ---- --once ---------------------------------------------------------------------------- */

static void *once_server_main(void *arg)
{
    struct fleet_node *fn = arg;
    fn->s = server_collector_sample_full(fn->sv);
    return NULL;
}

static void *once_keys_main(void *arg)
{
    struct fleet_node *fn = arg;
    fn->k = keys_collector_sample_full(fn->kc, 10000, fn->kerr, sizeof fn->kerr);
    return NULL;
}

/* One node: its server and keys samples on threads of their own beside its streams sample,
 * so the whole takes as long as the slowest, not the sum. */
static void *once_node_main(void *arg)
{
    struct fleet_node *fn = arg;
    pthread_t server_th, keys_th;
    fn->kerr[0] = fn->err[0] = '\0';
    bool server_on = pthread_create(&server_th, NULL, once_server_main, fn) == 0;
    bool keys_on = pthread_create(&keys_th, NULL, once_keys_main, fn) == 0;
    fn->r = streams_collector_sample_full(fn->sc, fn->err, sizeof fn->err);
    if (server_on)
        pthread_join(server_th, NULL);
    else
        once_server_main(fn);
    if (keys_on)
        pthread_join(keys_th, NULL);
    else
        once_keys_main(fn);
    if (!fn->r) {
        /* the server is down or refuses us: said once, by the streams sample */
        snapshot_free(fn->s);
        snapshot_free(fn->k);
        fn->s = fn->k = NULL;
    }
    return NULL;
}

void fleet_sample_once(struct fleet *f)
{
    fleet_drop_samples(f);
    if (f->n == 1) {
        once_node_main(&f->nodes[0]);
        return;
    }
    pthread_t *th = xcalloc(f->n, sizeof *th);
    bool *on = xcalloc(f->n, sizeof *on);
    for (size_t i = 0; i < f->n; i++)
        on[i] = pthread_create(&th[i], NULL, once_node_main, &f->nodes[i]) == 0;
    for (size_t i = 0; i < f->n; i++) {
        if (on[i])
            pthread_join(th[i], NULL);
        else
            once_node_main(&f->nodes[i]);
    }
    free(th);
    free(on);
}

struct snapshot *fleet_merge_redis(const struct fleet *f)
{
    struct snapshot **parts = xcalloc(f->n ? f->n : 1, sizeof *parts);
    struct node_status *info = xcalloc(f->n ? f->n : 1, sizeof *info);
    for (size_t i = 0; i < f->n; i++) {
        const struct fleet_node *fn = &f->nodes[i];
        info[i] = fn->info;
        if (fn->r) {
            parts[i] = fn->r;
        } else {
            /* the sample failed: the node is down, with its reason */
            info[i].state = CONN_DOWN;
            str_copy(info[i].error, fn->err, sizeof info[i].error);
        }
    }
    struct snapshot *m = nodes_merge_redis(parts, info, f->n);
    for (size_t i = 0; i < f->n; i++)
        if (!parts[i]) {
            m->redis.nodes[i].state = CONN_DOWN;
            str_copy(m->redis.nodes[i].error, f->nodes[i].err, sizeof m->redis.nodes[i].error);
        }
    free(parts);
    free(info);
    return m;
}

struct snapshot *fleet_merge_keys(const struct fleet *f)
{
    struct snapshot **parts = xcalloc(f->n ? f->n : 1, sizeof *parts);
    for (size_t i = 0; i < f->n; i++)
        parts[i] = f->nodes[i].k;
    struct snapshot *m = nodes_merge_keys(parts, f->n);
    free(parts);
    return m;
}

/* ---- the dashboard and the --json stream: threads, and the cluster followed ------------- */

static int node_start(struct fleet_node *fn)
{
    return streams_collector_start(fn->sc) < 0 || server_collector_start(fn->sv) < 0 ||
                   keys_collector_start(fn->kc) < 0
               ? -1 : 0;
}

static void node_retire(struct fleet_node *fn)
{
    streams_collector_retire(fn->sc);
    server_collector_retire(fn->sv);
    keys_collector_retire(fn->kc);
}

static void publish_nodes(struct fleet *f)
{
    struct node_status info[REDIS_NODES_MAX];
    for (size_t i = 0; i < f->n; i++)
        info[i] = f->nodes[i].info;
    hub_set_nodes(f->hub, info, f->n);
}

int fleet_start(struct fleet *f, struct hub *hub)
{
    pthread_mutex_lock(&f->mu);
    f->hub = hub;
    if (f->several)
        publish_nodes(f);
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++)
        rc = node_start(&f->nodes[i]);
    f->running = rc == 0;
    pthread_mutex_unlock(&f->mu);
    return rc;
}

/* The seed turned out to be a cluster node: its collectors end, the primaries' begin. */
static void become_cluster(struct fleet *f, const struct cluster_map *map)
{
    struct fleet_node *seed = &f->nodes[0];
    node_retire(seed);
    node_delete(seed);
    f->cluster = f->several = true;
    f->n = map->count;
    *f->map = *map;
    for (size_t i = 0; i < f->n; i++) {
        struct redis_target t;
        cluster_primary_target(map, i, &f->seed, &t);
        node_setup(&f->nodes[i], f->opts, (uint16_t)i, &t, map->shards[i].name, f->hub);
        char url[sizeof f->nodes[i].info.url];
        str_copy(url, f->nodes[i].info.url, sizeof url);
        f->nodes[i].info = map->shards[i];
        str_copy(f->nodes[i].info.url, url, sizeof f->nodes[i].info.url);
        f->nodes[i].info.topology_mono_ms = mono_ms();
    }
    publish_nodes(f);
    for (size_t i = 0; i < f->n; i++)
        node_start(&f->nodes[i]);
}

/* A newer map: a shard whose primary moved (a failover) is read at its new primary, a
 * shard that is gone is marked left, a new shard becomes a node. */
static void follow_map(struct fleet *f, const struct cluster_map *now)
{
    bool taken[REDIS_NODES_MAX] = { false };
    int64_t t = mono_ms();
    for (size_t i = 0; i < f->n; i++) {
        struct fleet_node *fn = &f->nodes[i];
        int j = cluster_map_follow(f->map, i, now);
        if (j < 0 || taken[j]) {
            if (!fn->info.left) {
                fn->info.left = true;
                node_retire(fn);
            }
            continue;
        }
        taken[j] = true;
        bool moved = strcmp(now->shards[j].name, fn->info.name) != 0 || fn->info.left;
        if (moved) {
            node_retire(fn);
            node_delete(fn);
            struct redis_target tg;
            cluster_primary_target(now, (size_t)j, &f->seed, &tg);
            node_setup(fn, f->opts, (uint16_t)i, &tg, now->shards[j].name, f->hub);
        }
        char url[sizeof fn->info.url];
        str_copy(url, fn->info.url, sizeof url);
        fn->info = now->shards[j];
        str_copy(fn->info.url, url, sizeof fn->info.url);
        fn->info.topology_mono_ms = t;
        if (moved)
            node_start(fn);
    }
    for (size_t j = 0; j < now->count && f->n < REDIS_NODES_MAX; j++) {
        if (taken[j])
            continue;
        struct fleet_node *fn = &f->nodes[f->n];
        struct redis_target tg;
        cluster_primary_target(now, j, &f->seed, &tg);
        node_setup(fn, f->opts, (uint16_t)f->n, &tg, now->shards[j].name, f->hub);
        char url[sizeof fn->info.url];
        str_copy(url, fn->info.url, sizeof url);
        fn->info = now->shards[j];
        str_copy(fn->info.url, url, sizeof fn->info.url);
        fn->info.topology_mono_ms = t;
        f->n++;
        node_start(fn);
    }
    /* the map is kept in the nodes' order, so that cluster_map_follow speaks of node i */
    struct cluster_map *kept = xcalloc(1, sizeof *kept);
    for (size_t i = 0; i < f->n; i++) {
        int j = cluster_map_follow(f->map, i, now);
        if (i < f->map->count && j >= 0) {
            kept->shards[i] = now->shards[j];
            memcpy(kept->primary_ids[i], now->primary_ids[j], sizeof kept->primary_ids[i]);
            memcpy(kept->member_ids[i], now->member_ids[j], sizeof kept->member_ids[i]);
        } else if (i < f->map->count) {
            kept->shards[i] = f->map->shards[i];
            memcpy(kept->member_ids[i], f->map->member_ids[i], sizeof kept->member_ids[i]);
        } else {
            /* appended above, in the order of now's untaken shards */
            for (size_t k = 0; k < now->count; k++)
                if (strcmp(now->shards[k].name, f->nodes[i].info.name) == 0) {
                    kept->shards[i] = now->shards[k];
                    memcpy(kept->member_ids[i], now->member_ids[k], sizeof kept->member_ids[i]);
                }
        }
    }
    kept->count = f->n;
    *f->map = *kept;
    free(kept);
    publish_nodes(f);
}

/* The map, from the seed or any node of the last map that answers. */
static int read_map(struct fleet *f, struct cluster_map *out, char *err, size_t errlen)
{
    int ct = f->opts->streams.connect_timeout_ms, to = f->opts->streams.command_timeout_ms;
    if (!f->cluster)
        return cluster_map_fetch(&f->seed, ct, to, out, err, errlen);
    for (size_t i = 0; i < f->map->count && !hub_stopping(f->hub); i++) {
        struct redis_target t;
        cluster_primary_target(f->map, i, &f->seed, &t);
        if (cluster_map_fetch(&t, ct, to, out, err, errlen) == 1)
            return 1;
        for (size_t k = 0; k < f->map->shards[i].replica_count; k++) {
            struct cluster_map tmp;
            str_copy(tmp.shards[0].name, f->map->shards[i].replicas[k].addr,
                     sizeof tmp.shards[0].name);
            tmp.count = 1;
            cluster_primary_target(&tmp, 0, &f->seed, &t);
            if (cluster_map_fetch(&t, ct, to, out, err, errlen) == 1)
                return 1;
        }
    }
    return cluster_map_fetch(&f->seed, ct, to, out, err, errlen);
}

static void *watch_main(void *arg)
{
    struct fleet *f = arg;
    uint64_t seen = 0;
    struct cluster_map *map = xmalloc(sizeof *map);
    int64_t last = 0;
    while (!hub_stopping(f->hub)) {
        int64_t now = mono_ms();
        if (now - last >= FLEET_MAP_EVERY_MS / 5) {
            last = now;
            char err[300];
            int rc = read_map(f, map, err, sizeof err);
            pthread_mutex_lock(&f->mu);
            if (rc == 1 && !hub_stopping(f->hub)) {
                if (f->cluster)
                    follow_map(f, map);
                else
                    become_cluster(f, map);
            }
            pthread_mutex_unlock(&f->mu);
            if (rc == 0 && !f->cluster)
                break;   /* one server, not a cluster: nothing to follow */
        }
        /* every 5 s, or at once (at most once a second) when a collector saw MOVED/ASK */
        if (hub_wait_moved(f->hub, FLEET_MAP_EVERY_MS, &seen))
            break;
    }
    free(map);
    return NULL;
}

void fleet_watch_start(struct fleet *f, const struct options *o)
{
    f->opts = o;
    /* one redis:// or rediss:// server may be a cluster node: found out off the UI thread */
    if (f->n != 1 || f->several || o->nodes[0].target.sentinel || o->nodes[0].target.unix_socket)
        return;
    f->seed = o->nodes[0].target;
    if (!f->map)
        f->map = xcalloc(1, sizeof *f->map);
    f->watching = pthread_create(&f->watcher, NULL, watch_main, f) == 0;
}

bool fleet_stop(struct fleet *f)
{
    if (f->watching) {
        /* its network waits end with the stop; a collector it retires may take longer */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += COLLECTOR_STOP_WAIT_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        if (pthread_timedjoin_np(f->watcher, NULL, &until) != 0)
            return false;   /* still inside: nothing of the fleet may be freed */
        f->watching = false;
    }
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < f->n; i++) {
        streams_collector_stop(f->nodes[i].sc);
        server_collector_stop(f->nodes[i].sv);
        keys_collector_stop(f->nodes[i].kc);
    }
    pthread_mutex_unlock(&f->mu);
    return true;
}
