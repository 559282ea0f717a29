/* nodes.c -- the cluster map and merged snapshots (see nodes.h). */
#include "nodes.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_io.h"
#include "resp.h"
#include "util.h"

#define CLUSTER_REPLY_SHARDS_MAX 16384   /* a shard per slot at the very most */

/* ---- the cluster map ------------------------------------------------------------------ */

static void str_of(const redisReply *r, char *buf, size_t len)
{
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
        snprintf(buf, len, "%.*s", (int)(r->len < 512 ? r->len : 512), r->str);
    else if (r && r->type == REDIS_REPLY_INTEGER)
        snprintf(buf, len, "%lld", r->integer);
    else if (len)
        buf[0] = '\0';
}

/* Appends "a-b" (or "a") to the slots text, "..." once it is full. */
static void slots_add(struct node_status *s, long long a, long long b)
{
    if (a < 0 || b < a || b > 16383)
        return;
    s->slot_count += b - a + 1;
    size_t used = strlen(s->slots);
    if (used >= sizeof s->slots - 4) {
        if (!strstr(s->slots, "..."))
            str_copy(s->slots + sizeof s->slots - 4, "...", 4);
        return;
    }
    char one[48];
    if (a == b)
        snprintf(one, sizeof one, "%s%lld", used ? "," : "", a);
    else
        snprintf(one, sizeof one, "%s%lld-%lld", used ? "," : "", a, b);
    if (used + strlen(one) < sizeof s->slots - 4)
        memcpy(s->slots + used, one, strlen(one) + 1);
    else
        str_copy(s->slots + used, used ? ",..." : "...", sizeof s->slots - used);
}

/* Where a node is reached: its endpoint (a host name when the cluster announces one), else
 * its ip; "" when neither is usable. */
static void node_addr(const redisReply *node, char *host, size_t hostlen, long long *port)
{
    str_of(resp_field(node, "endpoint"), host, hostlen);
    if (!host[0] || strcmp(host, "?") == 0)
        str_of(resp_field(node, "ip"), host, hostlen);
    if (strcmp(host, "?") == 0)
        host[0] = '\0';
    *port = resp_ll(resp_field(node, "port"));
    long long tls_port = resp_ll(resp_field(node, "tls-port"));
    if (*port <= 0 && tls_port > 0)
        *port = tls_port;   /* a TLS-only cluster announces tls-port alone */
}

static void addr_text(char *buf, size_t len, const char *host, long long port)
{
    if (strchr(host, ':'))
        snprintf(buf, len, "[%s]:%lld", host, port);
    else
        snprintf(buf, len, "%s:%lld", host, port);
}

static int parse_shards(const redisReply *r, struct cluster_map *map, char *err, size_t errlen)
{
    if (r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "CLUSTER SHARDS: unexpected reply");
        return -1;
    }
    for (size_t i = 0; i < r->elements && i < CLUSTER_REPLY_SHARDS_MAX; i++) {
        const redisReply *sh = r->element[i];
        const redisReply *slots = resp_field(sh, "slots"), *nodes = resp_field(sh, "nodes");
        if (!nodes || nodes->type != REDIS_REPLY_ARRAY)
            continue;
        /* the primary first, then its replicas */
        const redisReply *primary = NULL;
        for (size_t k = 0; k < nodes->elements && !primary; k++) {
            char role[16];
            str_of(resp_field(nodes->element[k], "role"), role, sizeof role);
            if (strcmp(role, "master") == 0)
                primary = nodes->element[k];
        }
        if (!primary || !slots || slots->type != REDIS_REPLY_ARRAY || slots->elements == 0)
            continue;   /* a shard without slots (a new empty primary) holds no keys */
        if (map->count == REDIS_NODES_MAX) {
            map->truncated = true;
            break;
        }
        size_t at = map->count;
        struct node_status *s = &map->shards[at];
        memset(s, 0, sizeof *s);
        s->cluster = true;
        s->offset = resp_ll(resp_field(primary, "replication-offset"));
        str_of(resp_field(primary, "health"), s->health, sizeof s->health);
        str_of(resp_field(primary, "id"), map->primary_ids[at], sizeof map->primary_ids[at]);
        char host[256];
        long long port;
        node_addr(primary, host, sizeof host, &port);
        if (!host[0] || port <= 0 || port > 65535)
            continue;
        addr_text(s->name, sizeof s->name, host, port);
        for (size_t k = 0; k + 1 < slots->elements; k += 2)
            slots_add(s, resp_ll(slots->element[k]), resp_ll(slots->element[k + 1]));
        size_t m = 0;
        for (size_t k = 0; k < nodes->elements && m <= NODE_REPLICAS_MAX; k++) {
            const redisReply *nd = nodes->element[k];
            str_of(resp_field(nd, "id"), map->member_ids[at][m++], sizeof map->member_ids[at][0]);
            if (nd == primary || s->replica_count == NODE_REPLICAS_MAX)
                continue;
            struct node_replica *rp = &s->replicas[s->replica_count++];
            node_addr(nd, host, sizeof host, &port);
            addr_text(rp->addr, sizeof rp->addr, host[0] ? host : "?", port);
            str_of(resp_field(nd, "health"), rp->health, sizeof rp->health);
            rp->offset = resp_ll(resp_field(nd, "replication-offset"));
            rp->lag_bytes = rp->offset >= 0 && s->offset >= 0 ? s->offset - rp->offset
                                                              : QT_UNKNOWN;
        }
        map->count++;
    }
    return 0;
}

/* CLUSTER SLOTS (before 7.0): [start, end, [ip, port, id], replicas...] per range; ranges of
 * one primary are joined. Health and offsets are not reported there. */
static int parse_slots(const redisReply *r, struct cluster_map *map, char *err, size_t errlen)
{
    if (r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "CLUSTER SLOTS: unexpected reply");
        return -1;
    }
    for (size_t i = 0; i < r->elements && i < CLUSTER_REPLY_SHARDS_MAX; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
            e->element[2]->type != REDIS_REPLY_ARRAY || e->element[2]->elements < 2)
            continue;
        const redisReply *p = e->element[2];
        char host[256], id[48] = "";
        str_of(p->element[0], host, sizeof host);
        long long port = resp_ll(p->element[1]);
        if (p->elements > 2)
            str_of(p->element[2], id, sizeof id);
        if (!host[0] || strcmp(host, "?") == 0 || port <= 0 || port > 65535)
            continue;
        char name[300];
        addr_text(name, sizeof name, host, port);
        size_t at = 0;
        while (at < map->count && strcmp(map->shards[at].name, name) != 0)
            at++;
        if (at == map->count) {
            if (map->count == REDIS_NODES_MAX) {
                map->truncated = true;
                continue;
            }
            struct node_status *s = &map->shards[map->count++];
            memset(s, 0, sizeof *s);
            s->cluster = true;
            s->offset = QT_UNKNOWN;
            str_copy(s->name, name, sizeof s->name);
            str_copy(map->primary_ids[at], id, sizeof map->primary_ids[at]);
            str_copy(map->member_ids[at][0], id, sizeof map->member_ids[at][0]);
            for (size_t k = 3; k < e->elements && s->replica_count < NODE_REPLICAS_MAX; k++) {
                const redisReply *q = e->element[k];
                if (q->type != REDIS_REPLY_ARRAY || q->elements < 2)
                    continue;
                struct node_replica *rp = &s->replicas[s->replica_count++];
                str_of(q->element[0], host, sizeof host);
                addr_text(rp->addr, sizeof rp->addr, host[0] ? host : "?", resp_ll(q->element[1]));
                rp->offset = rp->lag_bytes = QT_UNKNOWN;
                if (q->elements > 2)
                    str_of(q->element[2], map->member_ids[at][s->replica_count],
                           sizeof map->member_ids[at][0]);
            }
        }
        slots_add(&map->shards[at], resp_ll(e->element[0]), resp_ll(e->element[1]));
    }
    return 0;
}

int cluster_map_read(redisContext *c, struct cluster_map *map, char *err, size_t errlen)
{
    memset(map, 0, sizeof *map);
    redisReply *r = redis_io_command(c, "INFO cluster");
    if (!r) {
        snprintf(err, errlen, "INFO cluster: %s", c->errstr[0] ? c->errstr : "no reply");
        return -1;
    }
    char enabled[8] = "";
    if (r->type == REDIS_REPLY_STRING)
        redis_info_field(r->str, "cluster_enabled", enabled, sizeof enabled);
    freeReplyObject(r);
    if (strcmp(enabled, "1") != 0)
        return 0;   /* not a cluster node, or INFO refused: watched as one server */
    r = redis_io_command(c, "CLUSTER SHARDS");
    if (!r) {
        snprintf(err, errlen, "CLUSTER SHARDS: %s", c->errstr[0] ? c->errstr : "no reply");
        return -1;
    }
    int rc;
    if (r->type == REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        r = redis_io_command(c, "CLUSTER SLOTS");
        if (!r) {
            snprintf(err, errlen, "CLUSTER SLOTS: %s", c->errstr[0] ? c->errstr : "no reply");
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            redis_describe_error("CLUSTER SLOTS refused", r->str, err, errlen);
            freeReplyObject(r);
            return -1;
        }
        rc = parse_slots(r, map, err, errlen);
    } else {
        rc = parse_shards(r, map, err, errlen);
    }
    freeReplyObject(r);
    if (rc < 0)
        return -1;
    if (map->count == 0) {
        snprintf(err, errlen, "the cluster has no primary with slots yet");
        return -1;
    }
    return 1;
}

int cluster_map_fetch(const struct redis_target *seed, int connect_timeout_ms,
                      int command_timeout_ms, struct cluster_map *map, char *err, size_t errlen)
{
    redisContext *c = redis_io_connect(seed, connect_timeout_ms, command_timeout_ms, err, errlen);
    if (!c)
        return -1;
    int rc = cluster_map_read(c, map, err, errlen);
    redis_io_free(c);
    return rc;
}

void cluster_primary_target(const struct cluster_map *map, size_t i,
                            const struct redis_target *seed, struct redis_target *out)
{
    *out = *seed;
    out->sentinel = false;
    out->sentinel_count = 0;
    out->unix_socket = false;
    out->path[0] = '\0';
    out->db = 0;   /* a cluster has db 0 only */
    const char *name = map->shards[i].name;
    const char *colon = strrchr(name, ':');
    size_t hl = colon ? (size_t)(colon - name) : strlen(name);
    if (hl >= 2 && name[0] == '[' && name[hl - 1] == ']') {
        name++;
        hl -= 2;
    }
    snprintf(out->host, sizeof out->host, "%.*s", (int)hl, name);
    out->port = colon ? atoi(colon + 1) : 6379;
}

int cluster_map_follow(const struct cluster_map *old, size_t i, const struct cluster_map *now)
{
    for (size_t j = 0; j < now->count; j++)
        if (strcmp(now->shards[j].name, old->shards[i].name) == 0)
            return (int)j;
    for (size_t j = 0; j < now->count; j++)
        for (size_t a = 0; a <= NODE_REPLICAS_MAX; a++)
            for (size_t b = 0; b <= NODE_REPLICAS_MAX; b++)
                if (old->member_ids[i][a][0] &&
                    strcmp(old->member_ids[i][a], now->member_ids[j][b]) == 0)
                    return (int)j;
    return -1;
}

/* ---- merged snapshots ----------------------------------------------------------------- */

static int stream_order(const struct stream_info *a, const struct stream_info *b)
{
    int c = bytes_cmp(&a->key, &b->key);
    return c ? c : (a->node > b->node) - (a->node < b->node);
}

static int stream_ptr_cmp(const void *pa, const void *pb)
{
    return stream_order(*(const struct stream_info *const *)pa,
                        *(const struct stream_info *const *)pb);
}

struct snapshot *nodes_merge_redis(struct snapshot *const *parts, const struct node_status *nodes,
                                   size_t n)
{
    struct snapshot *snap = snapshot_new(SNAPSHOT_REDIS);
    struct redis_snapshot *m = &snap->redis;
    m->nodes = xcalloc(n ? n : 1, sizeof *m->nodes);
    m->node_count = n;
    size_t total = 0, lost = 0;
    bool sorted = true, any_up = false, all_complete = n > 0, all_lost_known = n > 0;
    const struct redis_snapshot *first_up = NULL, *first_down = NULL;
    double worst_share = -1;
    for (size_t i = 0; i < n; i++) {
        m->nodes[i] = nodes[i];
        struct node_status *ns = &m->nodes[i];
        /* a node that left the cluster: its last sample speaks of keys it no longer holds */
        const struct redis_snapshot *p = parts[i] && !ns->left ? &parts[i]->redis : NULL;
        if (!p) {
            ns->state = CONN_CONNECTING;
            all_complete = all_lost_known = false;
            continue;
        }
        ns->state = p->state;
        str_copy(ns->error, p->error, sizeof ns->error);
        ns->retry_in_ms = p->retry_in_ms;
        ns->sampled_mono_ms = p->sampled_mono_ms;
        ns->last_ok_mono_ms = p->last_ok_mono_ms;
        ns->sample_seq = p->sample_seq;
        str_copy(ns->role, p->role, sizeof ns->role);
        if (!ns->url[0])
            str_copy(ns->url, p->url, sizeof ns->url);
        ns->stream_count = p->stream_count;
        total += p->stream_count;
        lost += p->lost_count;
        sorted = sorted && p->keys_sorted;
        if (p->state == CONN_UP) {
            any_up = true;
            if (!first_up)
                first_up = p;
        } else if (!first_down) {
            first_down = p;
        }
        all_complete = all_complete && p->scan_complete;
        all_lost_known = all_lost_known && p->lost_known;
        m->sample_seq += p->sample_seq;
        if (p->server_time_ms > m->server_time_ms)
            m->server_time_ms = p->server_time_ms;
        if (p->sampled_mono_ms > m->sampled_mono_ms)
            m->sampled_mono_ms = p->sampled_mono_ms;
        if (p->last_ok_mono_ms > m->last_ok_mono_ms)
            m->last_ok_mono_ms = p->last_ok_mono_ms;
        if (p->sample_duration_ms > m->sample_duration_ms)
            m->sample_duration_ms = p->sample_duration_ms;
        m->keys_scanned += p->keys_scanned;
        m->streams_refreshed += p->streams_refreshed;
        m->round_trips += p->round_trips;
        m->streams_denied += p->streams_denied;
        if (!m->denied_error[0])
            str_copy(m->denied_error, p->denied_error, sizeof m->denied_error);
        /* the cost: the node that spends most of its budget speaks for all */
        const struct redis_cost *c = &p->cost;
        double share = c->report.share;
        m->cost.budgeted = m->cost.budgeted || c->budgeted;
        if (share > worst_share) {
            worst_share = share;
            m->cost.report = c->report;
        }
        m->cost.tick_us += c->tick_us;
        m->cost.probes += c->probes;
        if (c->scan_count > m->cost.scan_count)
            m->cost.scan_count = c->scan_count;
        if (c->cycle_ms > m->cost.cycle_ms)
            m->cost.cycle_ms = c->cycle_ms;
        if (c->probe_cycle_ms > m->cost.probe_cycle_ms)
            m->cost.probe_cycle_ms = c->probe_cycle_ms;
        m->cost.streams_read += c->streams_read;
        m->cost.streams_in_cycle += c->streams_in_cycle;
        if (c->oldest_read_ms > m->cost.oldest_read_ms)
            m->cost.oldest_read_ms = c->oldest_read_ms;
        m->cost.shared_walk = i == 0 ? c->shared_walk : m->cost.shared_walk && c->shared_walk;
    }
    const struct redis_snapshot *lead = first_up ? first_up : first_down;
    if (lead) {
        m->tls = lead->tls;
        m->tls_unverified = lead->tls_unverified;
        str_copy(m->version, lead->version, sizeof m->version);
        str_copy(m->role, lead->role, sizeof m->role);
    }
    str_copy(m->url, n ? nodes[0].url : "", sizeof m->url);
    m->state = any_up ? CONN_UP : first_down ? first_down->state : CONN_CONNECTING;
    if (!any_up && first_down) {
        str_copy(m->error, first_down->error, sizeof m->error);
        m->retry_in_ms = first_down->retry_in_ms;
    }
    m->scan_complete = all_complete;
    m->lost_known = all_lost_known;

    m->streams = total ? xcalloc(total, sizeof *m->streams) : NULL;
    m->lost = lost ? xcalloc(lost, sizeof *m->lost) : NULL;
    /* each part is sorted by key and carries one node: a k-way merge keeps (key, node) order */
    size_t *at = xcalloc(n ? n : 1, sizeof *at);
    for (size_t k = 0; k < total; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++) {
            const struct redis_snapshot *p = parts[i] && !nodes[i].left ? &parts[i]->redis : NULL;
            if (!p || at[i] >= p->stream_count)
                continue;
            if (best == n ||
                stream_order(p->streams[at[i]], parts[best]->redis.streams[at[best]]) < 0)
                best = i;
        }
        m->streams[m->stream_count++] = stream_info_ref(parts[best]->redis.streams[at[best]++]);
    }
    free(at);
    if (!sorted && m->stream_count > 1)
        qsort(m->streams, m->stream_count, sizeof *m->streams, stream_ptr_cmp);
    m->keys_sorted = true;
    for (size_t i = 0; i < n; i++) {
        const struct redis_snapshot *p = parts[i] && !nodes[i].left ? &parts[i]->redis : NULL;
        for (size_t k = 0; p && k < p->lost_count; k++) {
            struct lost_stream *l = &m->lost[m->lost_count++];
            *l = p->lost[k];
            bytes_set(&l->key, p->lost[k].key.ptr, p->lost[k].key.len);
        }
    }
    return snap;
}

static int queue_order(const void *pa, const void *pb)
{
    const struct queue_info *a = pa, *b = pb;
    int c = strcmp(a->layout, b->layout);
    if (!c)
        c = bytes_cmp(&a->name, &b->name);
    return c ? c : (a->node > b->node) - (a->node < b->node);
}

static int lock_order(const void *pa, const void *pb)
{
    const struct lock_info *a = pa, *b = pb;
    /* as one node orders them: no expiry first, then the shortest TTL left */
    long long ka = a->ttl_ms == -1 ? -1 : a->ttl_ms < 0 ? LLONG_MAX : a->ttl_ms;
    long long kb = b->ttl_ms == -1 ? -1 : b->ttl_ms < 0 ? LLONG_MAX : b->ttl_ms;
    if (ka != kb)
        return ka < kb ? -1 : 1;
    int c = bytes_cmp(&a->key, &b->key);
    return c ? c : (a->node > b->node) - (a->node < b->node);
}

static int prefix_order(const void *pa, const void *pb)
{
    const struct prefix_info *a = pa, *b = pb;
    if (a->keys != b->keys)
        return a->keys > b->keys ? -1 : 1;
    int c = bytes_cmp(&a->prefix, &b->prefix);
    return c ? c : (a->node > b->node) - (a->node < b->node);
}

struct snapshot *nodes_merge_keys(struct snapshot *const *parts, size_t n)
{
    struct snapshot *snap = snapshot_new(SNAPSHOT_KEYS);
    struct keys_snapshot *m = &snap->keys;
    size_t nq = 0, nl = 0, np = 0;
    const struct keys_snapshot *first_down = NULL;
    bool any_up = false;
    m->dbsize = m->server_time_ms = QT_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        const struct keys_snapshot *p = parts[i] ? &parts[i]->keys : NULL;
        if (!p)
            continue;
        if (p->state != CONN_UP) {
            if (!first_down)
                first_down = p;
            continue;
        }
        if (!any_up) {
            m->passes = p->passes;
            m->dbsize = 0;
            str_copy(m->url, p->url, sizeof m->url);
        }
        any_up = true;
        nq += p->queue_count;
        nl += p->lock_count;
        np += p->prefix_count;
        m->sample_seq += p->sample_seq;
        m->round_trips += p->round_trips;
        m->dbsize = p->dbsize >= 0 && m->dbsize >= 0 ? m->dbsize + p->dbsize : QT_UNKNOWN;
        m->pass_keys += p->pass_keys;
        if (p->passes < m->passes)
            m->passes = p->passes;   /* complete passes of every node */
        m->memory_denied += p->memory_denied;
        if (p->server_time_ms > m->server_time_ms)
            m->server_time_ms = p->server_time_ms;
        if (!m->time_error[0])
            str_copy(m->time_error, p->time_error, sizeof m->time_error);
        if (p->sampled_mono_ms > m->sampled_mono_ms)
            m->sampled_mono_ms = p->sampled_mono_ms;
        if (p->last_ok_mono_ms > m->last_ok_mono_ms)
            m->last_ok_mono_ms = p->last_ok_mono_ms;
    }
    m->state = any_up ? CONN_UP : first_down ? first_down->state : CONN_CONNECTING;
    if (!any_up && first_down) {
        str_copy(m->url, first_down->url, sizeof m->url);
        str_copy(m->error, first_down->error, sizeof m->error);
        m->retry_in_ms = first_down->retry_in_ms;
    }
    m->queues = nq ? xcalloc(nq, sizeof *m->queues) : NULL;
    m->locks = nl ? xcalloc(nl, sizeof *m->locks) : NULL;
    m->prefixes = np ? xcalloc(np, sizeof *m->prefixes) : NULL;
    for (size_t i = 0; i < n; i++) {
        const struct keys_snapshot *p = parts[i] ? &parts[i]->keys : NULL;
        if (!p || p->state != CONN_UP)
            continue;
        for (size_t k = 0; k < p->queue_count; k++) {
            const struct queue_info *s = &p->queues[k];
            struct queue_info *d = &m->queues[m->queue_count++];
            *d = *s;
            bytes_set(&d->name, s->name.ptr, s->name.len);
            d->keys = s->key_count ? xcalloc(s->key_count, sizeof *d->keys) : NULL;
            for (size_t j = 0; j < s->key_count; j++)
                bytes_set(&d->keys[j], s->keys[j].ptr, s->keys[j].len);
        }
        for (size_t k = 0; k < p->lock_count; k++) {
            const struct lock_info *s = &p->locks[k];
            struct lock_info *d = &m->locks[m->lock_count++];
            *d = *s;
            bytes_set(&d->key, s->key.ptr, s->key.len);
            bytes_set(&d->owner, s->owner.ptr, s->owner.len);
        }
        for (size_t k = 0; k < p->prefix_count; k++) {
            /* a prefix is the keyspace's, whichever node holds its keys: summed */
            const struct prefix_info *s = &p->prefixes[k];
            struct prefix_info *d = NULL;
            for (size_t j = 0; j < m->prefix_count && !d; j++)
                if (bytes_cmp(&m->prefixes[j].prefix, &s->prefix) == 0)
                    d = &m->prefixes[j];
            if (d) {
                d->keys += s->keys;
                d->no_ttl += s->no_ttl;
                d->sampled += s->sampled;
                d->sampled_bytes += s->sampled_bytes;
                continue;
            }
            d = &m->prefixes[m->prefix_count++];
            *d = *s;
            d->node = NODE_ALL;
            bytes_set(&d->prefix, s->prefix.ptr, s->prefix.len);
        }
    }
    if (m->queue_count > 1)
        qsort(m->queues, m->queue_count, sizeof *m->queues, queue_order);
    if (m->lock_count > 1)
        qsort(m->locks, m->lock_count, sizeof *m->locks, lock_order);
    if (m->prefix_count > 1)
        qsort(m->prefixes, m->prefix_count, sizeof *m->prefixes, prefix_order);
    return snap;
}

const char *nodes_name(const struct redis_snapshot *r, uint16_t node)
{
    return r && node < r->node_count ? r->nodes[node].name : "";
}
