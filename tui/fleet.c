/* fleet.c -- the Redis nodes a run watches, and their collectors (see fleet.h). */
#include "fleet.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    f->n = o->node_count;
    f->several = f->n > 1;
    f->nodes = xcalloc(f->n ? f->n : 1, sizeof *f->nodes);
    for (size_t i = 0; i < f->n; i++)
        node_setup(&f->nodes[i], o, (uint16_t)i, &o->nodes[i].target, o->nodes[i].name, hub);
}

void fleet_from_cluster(struct fleet *f, const struct options *o, const struct cluster_map *map,
                        const struct redis_target *seed, struct hub *hub)
{
    memset(f, 0, sizeof *f);
    f->cluster = f->several = true;
    f->map = xmalloc(sizeof *f->map);
    *f->map = *map;
    f->n = map->count;
    f->nodes = xcalloc(f->n ? f->n : 1, sizeof *f->nodes);
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

void fleet_free(struct fleet *f)
{
    fleet_drop_samples(f);
    for (size_t i = 0; i < f->n; i++) {
        struct fleet_node *fn = &f->nodes[i];
        keys_collector_delete(fn->kc);
        streams_collector_delete(fn->sc);
        server_collector_delete(fn->sv);
        stream_feed_done(&fn->feed);
        cost_budget_done(&fn->budget);
    }
    free(f->nodes);
    free(f->map);
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
