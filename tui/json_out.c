/* json_out.c -- see json_out.h. */
#include "json_out.h"

#include "../collectors/nodes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/snapshot.h"
#include "../collectors/util.h"
#include "json_writer.h"
#include "sanitize.h"
#include "../views/server_model.h"

static json_t *ll_or_null(long long v)
{
    return v == QT_UNKNOWN ? json_null() : json_integer(v);
}

static json_t *real_or_null(double v)
{
    if (isnan(v) || isinf(v))
        return json_null();
    /* Keep rates readable: three decimals are more than a 1 s sample can justify. */
    return json_real(round(v * 1000.0) / 1000.0);
}

/* A JSON string for collector text (always ASCII by construction; lossy if it ever is not,
 * so a field never silently disappears). */
static json_t *text_or_null(const char *text)
{
    if (!text || !text[0])
        return json_null();
    json_t *j = json_string(text);
    if (j)
        return j;
    char *copy = xstrdup(text);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* Bytes that are not UTF-8 as text: U+FFFD for each bad byte (malloc'd, *len its length). */
static char *lossy_text(const struct bytes *b, size_t *len)
{
    const unsigned char *s = (const unsigned char *)b->ptr;
    char *lossy = xmalloc(b->len * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < b->len;) {
        unsigned cp;
        size_t n = utf8_decode(s + i, b->len - i, &cp);
        if (n == 0) {
            memcpy(lossy + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(lossy + o, s + i, n);
            o += n;
            i += n;
        }
    }
    *len = o;
    return lossy;
}

/* The bytes in lowercase hex (malloc'd, NUL-terminated). */
static char *hex_text(const struct bytes *b)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)b->ptr;
    char *hex = xmalloc(b->len * 2 + 1);
    for (size_t i = 0; i < b->len; i++) {
        hex[2 * i] = digits[s[i] >> 4];
        hex[2 * i + 1] = digits[s[i] & 15];
    }
    hex[2 * b->len] = '\0';
    return hex;
}

void json_set_bytes(json_t *obj, const char *name, const struct bytes *b)
{
    if (utf8_valid(b->ptr, b->len)) {
        json_object_set_new(obj, name, json_stringn(b->ptr, b->len));
        return;
    }
    size_t o;
    char *lossy = lossy_text(b, &o);
    char *hex = hex_text(b);
    json_object_set_new(obj, name, json_stringn(lossy, o));
    char hexname[128];
    snprintf(hexname, sizeof hexname, "%s_hex", name);
    json_object_set_new(obj, hexname, json_string(hex));
    free(lossy);
    free(hex);
}

/* ---- streams, written straight from the snapshot ----------------------------------------
 * One object per stream, so these grow with the keyspace: a jansson tree of 100,000 streams
 * took 430 MiB and half of --once's CPU. The writer writes what jansson would for the same
 * values; json_line_text splices the array into the document where json_from_redis left a
 * placeholder. Field order and names as docs/json.md. */

/* The placeholder: a string no snapshot can put there (ours, escaped as jansson escapes it). */
#define STREAMS_MARK "\x01queuetop:streams\x01"
#define STREAMS_MARK_DUMPED "\"\\u0001queuetop:streams\\u0001\""

static void jw_ll_or_null(struct jw *w, long long v)
{
    if (v == QT_UNKNOWN)
        jw_null(w);
    else
        jw_ll(w, v);
}

static void jw_rate(struct jw *w, double v)
{
    if (isnan(v) || isinf(v))
        jw_null(w);
    else
        jw_real(w, round(v * 1000.0) / 1000.0);   /* as real_or_null */
}

static void jw_id(struct jw *w, const char *id)
{
    if (id[0])
        jw_string(w, id, strlen(id));
    else
        jw_null(w);
}

/* name: the bytes as json_set_bytes writes them (lossy text, plus name_hex when they are not
 * UTF-8). */
static void jw_bytes(struct jw *w, const char *name, const struct bytes *b)
{
    jw_key(w, name);
    if (utf8_valid(b->ptr, b->len)) {
        jw_string(w, b->ptr, b->len);
        return;
    }
    size_t o;
    char *lossy = lossy_text(b, &o);
    jw_string(w, lossy, o);
    free(lossy);
    char hexname[128];
    snprintf(hexname, sizeof hexname, "%s_hex", name);
    jw_key(w, hexname);
    char *hex = hex_text(b);
    jw_string(w, hex, strlen(hex));
    free(hex);
}

static void write_group(struct jw *w, const struct group_info *g, const struct group_rates *gr)
{
    jw_object(w);
    jw_bytes(w, "name", &g->name);
    jw_key(w, "consumers");
    jw_ll_or_null(w, g->consumers);
    jw_key(w, "pending");
    jw_ll(w, g->pending);
    jw_key(w, "lag");
    jw_ll_or_null(w, g->lag);
    jw_key(w, "entries_read");
    jw_ll_or_null(w, g->entries_read);
    jw_key(w, "last_delivered_id");
    jw_id(w, g->last_delivered_id);
    jw_key(w, "oldest_pending_id");
    if (g->has_oldest)
        jw_string(w, g->oldest_id, strlen(g->oldest_id));
    else
        jw_null(w);
    jw_key(w, "oldest_pending_age_ms");
    jw_ll_or_null(w, g->has_oldest ? g->oldest_age_ms : QT_UNKNOWN);
    jw_key(w, "oldest_pending_idle_ms");
    jw_ll_or_null(w, g->has_oldest ? g->oldest_idle_ms : QT_UNKNOWN);
    jw_key(w, "oldest_pending_deliveries");
    jw_ll_or_null(w, g->has_oldest ? g->oldest_deliveries : QT_UNKNOWN);
    if (g->has_oldest) {
        jw_bytes(w, "oldest_pending_consumer", &g->oldest_consumer);
    } else {
        jw_key(w, "oldest_pending_consumer");
        jw_null(w);
    }
    jw_key(w, "consumed_per_sec");
    jw_rate(w, gr ? gr->consumed_per_sec : NAN);
    jw_key(w, "lag_per_sec");
    jw_rate(w, gr ? gr->lag_per_sec : NAN);
    jw_key(w, "drain_eta_s");
    jw_rate(w, gr ? gr->drain_eta_s : NAN);
    if (g->has_consumer_list) {
        jw_key(w, "consumer_list");
        jw_array(w);
        for (size_t i = 0; i < g->consumer_count; i++) {
            const struct consumer_info *c = &g->consumer_list[i];
            jw_item(w);
            jw_object(w);
            jw_bytes(w, "name", &c->name);
            jw_key(w, "pending");
            jw_ll_or_null(w, c->pending);
            jw_key(w, "idle_ms");
            jw_ll_or_null(w, c->idle_ms);
            jw_key(w, "inactive_ms");
            jw_ll_or_null(w, c->inactive_ms);
            jw_end(w, '}');
        }
        jw_end(w, ']');
    }
    jw_end(w, '}');
}

static void write_stream(struct jw *w, const struct stream_info *s, const struct stream_history *sh,
                         const char *node)
{
    jw_object(w);
    jw_bytes(w, "key", &s->key);
    if (node) {
        struct bytes nb = { (char *)node, strlen(node) };
        jw_bytes(w, "node", &nb);
    }
    jw_key(w, "read");
    jw_bool(w, s->sampled_mono_ms != 0);
    jw_key(w, "length");
    jw_ll_or_null(w, s->length);
    jw_key(w, "entries_added");
    jw_ll_or_null(w, s->entries_added);
    jw_key(w, "xinfo_stream");
    jw_bool(w, s->xinfo_stream);
    jw_key(w, "first_id");
    jw_id(w, s->first_id);
    jw_key(w, "last_id");
    jw_id(w, s->last_id);
    jw_key(w, "produced_per_sec");
    jw_rate(w, sh ? sh->produced_per_sec : NAN);
    jw_key(w, "max_lag");
    jw_ll_or_null(w, s->lag_partly_unknown ? QT_UNKNOWN : s->max_lag);
    jw_key(w, "pending");
    jw_ll_or_null(w, s->pending_total);
    jw_key(w, "oldest_pending_age_ms");
    jw_ll_or_null(w, s->oldest_pending_age_ms);
    jw_key(w, "consumers");
    jw_ll_or_null(w, s->consumers_total);
    jw_key(w, "group_count");
    jw_ll_or_null(w, s->group_count);
    jw_key(w, "groups_read");
    jw_bool(w, stream_groups_known(s));
    jw_key(w, "ttl_ms");
    jw_ll_or_null(w, s->ttl_ms >= 0 ? s->ttl_ms : QT_UNKNOWN);
    jw_key(w, "sampled_server_ms");
    jw_ll_or_null(w, s->sampled_server_ms ? s->sampled_server_ms : QT_UNKNOWN);
    jw_key(w, "groups");
    jw_array(w);
    for (size_t i = 0; i < s->group_len; i++) {
        jw_item(w);
        write_group(w, &s->groups[i], history_group(sh, &s->groups[i].name));
    }
    jw_end(w, ']');
    jw_end(w, '}');
}

/* The streams array, at indentation base (pretty) or compact. */
static void write_streams(struct jw *w, const struct json_streams *st)
{
    const struct redis_snapshot *r = st->redis;
    jw_array(w);
    for (size_t i = 0; i < r->stream_count; i++) {
        const struct stream_info *s = r->streams[i];
        jw_item(w);
        write_stream(w, s, st->history ? history_find(st->history, &s->key, s->node) : NULL,
                     r->node_count ? nodes_name(r, s->node) : NULL);
    }
    jw_end(w, ']');
}

static const char *state_name(enum conn_state s)
{
    switch (s) {
    case CONN_UP: return "up";
    case CONN_DOWN: return "down";
    default: return "connecting";
    }
}

/* What watching costs this server (see collectors/cost.h for the estimate). */
static json_t *cost_json(const struct redis_cost *c, size_t streams)
{
    json_t *o = json_object();
    bool b = c->budgeted;
    json_object_set_new(o, "budget_share", b ? json_real(c->report.budget_share) : json_null());
    json_object_set_new(o, "share", b && c->report.share >= 0 ? json_real(c->report.share)
                                                              : json_null());
    json_object_set_new(o, "share_streams",
                        b && c->report.share >= 0 ? json_real(c->report.share_by[COST_WHO_STREAMS])
                                                  : json_null());
    json_object_set_new(o, "share_keys",
                        b && c->report.share >= 0 ? json_real(c->report.share_by[COST_WHO_KEYS])
                                                  : json_null());
    json_object_set_new(o, "share_server",
                        b && c->report.share >= 0 ? json_real(c->report.share_by[COST_WHO_SERVER])
                                                  : json_null());
    json_object_set_new(o, "window_s", b ? json_integer(c->report.window_s) : json_null());
    json_object_set_new(o, "estimate", json_string(c->report.learned ? "commandstats" : "table"));
    json_object_set_new(o, "sample_redis_us", json_real(c->tick_us));
    json_object_set_new(o, "scan_count", json_integer(c->scan_count));
    json_object_set_new(o, "probes", json_integer((json_int_t)c->probes));
    json_object_set_new(o, "cycle_ms", c->cycle_ms > 0 ? json_integer(c->cycle_ms) : json_null());
    json_object_set_new(o, "probe_cycle_ms",
                        c->probe_cycle_ms > 0 ? json_integer(c->probe_cycle_ms) : json_null());
    json_object_set_new(o, "streams", json_integer((json_int_t)streams));
    json_object_set_new(o, "streams_read", json_integer((json_int_t)c->streams_read));
    json_object_set_new(o, "streams_in_cycle", json_integer((json_int_t)c->streams_in_cycle));
    json_object_set_new(o, "oldest_read_ms", json_integer(c->oldest_read_ms));
    json_object_set_new(o, "discovery", json_string(c->shared_walk ? "keys walk" : "own scan"));
    return o;
}

/* redis.nodes: one entry per server given, or per primary of a cluster */
static json_t *nodes_json(const struct redis_snapshot *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->node_count; i++) {
        const struct node_status *n = &r->nodes[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", text_or_null(n->name));
        json_object_set_new(o, "url", text_or_null(n->url));
        json_object_set_new(o, "ok", json_boolean(n->state == CONN_UP));
        json_object_set_new(o, "state", json_string(n->left ? "left" : state_name(n->state)));
        json_object_set_new(o, "error", text_or_null(n->error));
        json_object_set_new(o, "role", text_or_null(n->role));
        json_object_set_new(o, "streams", json_integer((json_int_t)n->stream_count));
        json_object_set_new(o, "cluster", json_boolean(n->cluster));
        if (n->cluster) {
            json_object_set_new(o, "slots", text_or_null(n->slots));
            json_object_set_new(o, "slot_count", json_integer(n->slot_count));
            json_object_set_new(o, "health", text_or_null(n->health));
            json_object_set_new(o, "replication_offset", ll_or_null(n->offset));
            json_t *reps = json_array();
            for (size_t k = 0; k < n->replica_count; k++) {
                const struct node_replica *rp = &n->replicas[k];
                json_t *e = json_object();
                json_object_set_new(e, "addr", text_or_null(rp->addr));
                json_object_set_new(e, "health", text_or_null(rp->health));
                json_object_set_new(e, "offset", ll_or_null(rp->offset));
                json_object_set_new(e, "lag_bytes", ll_or_null(rp->lag_bytes));
                json_array_append_new(reps, e);
            }
            json_object_set_new(o, "replicas", reps);
        }
        json_object_set_new(o, "server", json_null());
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *json_from_redis(const struct redis_snapshot *r, long long rate_interval_ms)
{
    json_t *redis = json_object();
    json_object_set_new(redis, "url", text_or_null(r->url));
    /* with redis-sentinel://, the master the Sentinels named */
    json_object_set_new(redis, "master", r->master[0] ? json_string(r->master) : json_null());
    /* the last failover seen: the master before, and when the Sentinels named another */
    json_object_set_new(redis, "previous_master",
                        r->previous_master[0] ? json_string(r->previous_master) : json_null());
    json_object_set_new(redis, "master_changed_ms", r->master_changed_wall_ms
                                                        ? json_integer(r->master_changed_wall_ms)
                                                        : json_null());
    /* "verified", "not verified" (--insecure), or null without TLS */
    json_object_set_new(redis, "tls", r->tls ? json_string(r->tls_unverified ? "not verified"
                                                                            : "verified")
                                             : json_null());
    /* ok: this sample is fresh. When it is not, the figures below are the last good sample's
     * (data_age_ms says how old), or unknown (null) when there never was one. */
    bool ok = r->state == CONN_UP;
    json_object_set_new(redis, "ok", json_boolean(ok));
    json_object_set_new(redis, "state", json_string(state_name(r->state)));
    json_object_set_new(redis, "error", text_or_null(r->error));
    json_object_set_new(redis, "data_age_ms",
                        !ok && r->last_ok_mono_ms > 0
                            ? json_integer(r->sampled_mono_ms - r->last_ok_mono_ms)
                            : json_null());
    json_object_set_new(redis, "version", text_or_null(r->version));
    json_object_set_new(redis, "role", text_or_null(r->role));
    json_object_set_new(redis, "server_time_ms",
                        r->server_time_ms ? json_integer(r->server_time_ms) : json_null());
    json_object_set_new(redis, "scan_complete", json_boolean(r->scan_complete));
    json_object_set_new(redis, "keys_scanned", json_integer(r->keys_scanned));
    json_object_set_new(redis, "round_trips", json_integer(r->round_trips));
    json_object_set_new(redis, "sample_duration_ms", json_integer(r->sample_duration_ms));
    json_object_set_new(redis, "streams_denied", json_integer(r->streams_denied));
    json_object_set_new(redis, "denied_error", text_or_null(r->denied_error));
    json_object_set_new(redis, "cost", cost_json(&r->cost, r->stream_count));
    json_object_set_new(redis, "rate_interval_ms",
                        rate_interval_ms > 0 ? json_integer(rate_interval_ms) : json_null());
    /* never read: not "no streams"; else written with the line (json_line_text) */
    bool never = !ok && r->last_ok_mono_ms == 0;
    json_object_set_new(redis, "streams", never ? json_null() : json_string(STREAMS_MARK));

    if (r->node_count)
        json_object_set_new(redis, "nodes", nodes_json(r));

    json_t *doc = json_object();
    json_object_set_new(doc, "redis", redis);
    return doc;
}

static json_t *str_or_null(const char *s)
{
    return s && s[0] ? text_or_null(s) : json_null();
}

static json_t *bool_json(bool b)
{
    return json_boolean(b);
}

static json_t *server_json(const struct server_snapshot *s, const struct history *history,
                           const struct redis_snapshot *streams, const struct thresholds *t)
{
    const struct server_history *h = history ? &history->server : NULL;
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(s->state == CONN_UP));
    json_object_set_new(o, "state", json_string(state_name(s->state)));
    json_object_set_new(o, "error", text_or_null(s->error));
    json_object_set_new(o, "version", str_or_null(s->version));
    json_object_set_new(o, "role", str_or_null(s->role));
    json_object_set_new(o, "run_id", str_or_null(s->run_id));
    json_object_set_new(o, "uptime_s", ll_or_null(s->uptime_s));
    json_object_set_new(o, "restarted", bool_json(s->restarted));
    json_object_set_new(o, "restarts_seen", json_integer(s->restarts_seen));
    json_object_set_new(o, "last_restart_ms",
                        s->last_restart_wall_ms ? json_integer(s->last_restart_wall_ms) : json_null());
    json_object_set_new(o, "previous_run_id", str_or_null(s->previous_run_id));

    json_object_set_new(o, "used_memory", ll_or_null(s->used_memory));
    json_object_set_new(o, "used_memory_peak", ll_or_null(s->used_memory_peak));
    json_object_set_new(o, "used_memory_rss", ll_or_null(s->used_memory_rss));
    json_object_set_new(o, "mem_fragmentation_ratio", real_or_null(s->mem_fragmentation_ratio));
    json_object_set_new(o, "maxmemory", ll_or_null(s->maxmemory));
    json_object_set_new(o, "maxmemory_policy", str_or_null(s->maxmemory_policy));
    json_object_set_new(o, "memory_used_share",
                        s->maxmemory > 0 && s->used_memory >= 0
                            ? real_or_null((double)s->used_memory / (double)s->maxmemory)
                            : json_null());
    json_object_set_new(o, "evicted_keys", ll_or_null(s->evicted_keys));
    json_object_set_new(o, "evicted_keys_per_sec", real_or_null(h ? h->evicted_per_sec : NAN));
    json_object_set_new(o, "expired_keys", ll_or_null(s->expired_keys));
    json_object_set_new(o, "expired_keys_per_sec", real_or_null(h ? h->expired_per_sec : NAN));

    json_object_set_new(o, "ops_per_sec", ll_or_null(s->ops_per_sec));
    json_object_set_new(o, "connected_clients", ll_or_null(s->connected_clients));
    json_object_set_new(o, "blocked_clients", ll_or_null(s->blocked_clients));
    json_object_set_new(o, "rejected_connections", ll_or_null(s->rejected_connections));
    json_object_set_new(o, "rejected_connections_per_sec", real_or_null(h ? h->rejected_per_sec : NAN));
    json_object_set_new(o, "net_input_bytes_per_sec", real_or_null(h ? h->net_in_per_sec : NAN));
    json_object_set_new(o, "net_output_bytes_per_sec", real_or_null(h ? h->net_out_per_sec : NAN));
    json_object_set_new(o, "keyspace_hit_ratio", real_or_null(h ? h->hit_ratio : NAN));

    json_object_set_new(o, "ping_ms", real_or_null(s->ping_avg_ms));
    json_object_set_new(o, "ping_min_ms", real_or_null(s->ping_min_ms));
    json_object_set_new(o, "ping_max_ms", real_or_null(s->ping_max_ms));
    json_object_set_new(o, "ping_budget_ms", json_real(t->ping_budget_ms));
    json_t *lat = json_array();
    for (size_t i = 0; i < s->latency_count; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "event", json_string(s->latency[i].name));
        json_object_set_new(e, "time", json_integer(s->latency[i].time_s));
        json_object_set_new(e, "latest_ms", ll_or_null(s->latency[i].latest_ms));
        json_object_set_new(e, "max_ms", ll_or_null(s->latency[i].max_ms));
        json_array_append_new(lat, e);
    }
    json_object_set_new(o, "latency_events", lat);

    json_object_set_new(o, "aof_enabled", bool_json(s->aof_enabled));
    json_object_set_new(o, "aof_last_write_status", str_or_null(s->aof_last_write_status));
    json_object_set_new(o, "aof_rewrite_in_progress", bool_json(s->aof_rewrite_in_progress));
    json_object_set_new(o, "aof_fsync", s->config_known ? str_or_null(s->aof_fsync) : json_null());
    json_object_set_new(o, "rdb_last_bgsave_status", str_or_null(s->rdb_last_bgsave_status));
    json_object_set_new(o, "rdb_last_save_time", ll_or_null(s->rdb_last_save_time));
    json_object_set_new(o, "rdb_changes_since_last_save", ll_or_null(s->rdb_changes_since_last_save));
    json_object_set_new(o, "rdb_save_config", s->config_known ? json_string(s->save_config) : json_null());

    json_object_set_new(o, "connected_replicas", ll_or_null(s->connected_replicas));
    json_object_set_new(o, "master_link_status", str_or_null(s->master_link_status));
    json_t *reps = json_array();
    for (size_t i = 0; i < s->replica_count; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "addr", json_string(s->replicas[i].addr));
        json_object_set_new(e, "state", str_or_null(s->replicas[i].state));
        json_object_set_new(e, "offset", ll_or_null(s->replicas[i].offset));
        json_object_set_new(e, "lag_bytes", ll_or_null(s->replicas[i].lag_bytes));
        json_array_append_new(reps, e);
    }
    json_object_set_new(o, "replicas", reps);

    json_t *slow = json_array();
    for (size_t i = 0; i < s->slowlog_count; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer(s->slowlog[i].id));
        json_object_set_new(e, "time", json_integer(s->slowlog[i].time_s));
        json_object_set_new(e, "duration_us", json_integer(s->slowlog[i].duration_us));
        json_set_bytes(e, "command", &s->slowlog[i].command);
        json_set_bytes(e, "client", &s->slowlog[i].client);
        json_array_append_new(slow, e);
    }
    json_object_set_new(o, "slowlog", slow);
    json_object_set_new(o, "slowlog_new", json_integer(s->slowlog_new));
    json_object_set_new(o, "slowlog_new_total", json_integer(s->slowlog_new_total));
    json_object_set_new(o, "slowlog_unseen", json_integer(s->slowlog_unseen));
    json_object_set_new(o, "slowlog_per_sec", real_or_null(h ? h->slowlog_per_sec : NAN));
    json_object_set_new(o, "slowlog_threshold_us", ll_or_null(s->slowlog_threshold_us));

    json_t *un = json_object();
    if (s->unavailable.config[0])
        json_object_set_new(un, "config", json_string(s->unavailable.config));
    if (s->unavailable.slowlog[0])
        json_object_set_new(un, "slowlog", json_string(s->unavailable.slowlog));
    if (s->unavailable.latency[0])
        json_object_set_new(un, "latency", json_string(s->unavailable.latency));
    json_object_set_new(o, "unavailable", un);

    json_t *lost = json_array();
    for (size_t i = 0; streams && streams->lost_known && i < streams->lost_count; i++) {
        json_t *e = json_object();
        json_set_bytes(e, "key", &streams->lost[i].key);
        json_object_set_new(e, "length_before", json_integer(streams->lost[i].length_before));
        json_object_set_new(e, "length_after", json_integer(streams->lost[i].length_after));
        json_array_append_new(lost, e);
    }
    json_object_set_new(o, "lost_streams", lost);

    struct health_warning w[HEALTH_WARNINGS_MAX];
    size_t n = s->state == CONN_UP ? server_warnings(s, h, streams, t, wall_ms(), w, HEALTH_WARNINGS_MAX) : 0;
    json_t *warn = json_array();
    for (size_t i = 0; i < n; i++) {
        char line[240];
        snprintf(line, sizeof line, "%s: %s", w[i].sev == SEV_CRIT ? "critical" : "warning",
                 w[i].text);
        json_array_append_new(warn, json_string(line));
    }
    json_object_set_new(o, "warnings", warn);
    return o;
}

void json_add_server(json_t *doc, const struct server_snapshot *s, const struct history *history,
                     const struct redis_snapshot *streams, const struct thresholds *t)
{
    json_t *o = server_json(s, history, streams, t);
    json_t *redis = json_object_get(doc, "redis");
    if (!redis) {
        redis = json_object();
        json_object_set_new(doc, "redis", redis);
    }
    json_object_set_new(redis, "server", o);
}

void json_add_node_server(json_t *doc, const struct server_snapshot *s,
                          const struct history *history, const struct redis_snapshot *streams,
                          const struct thresholds *t)
{
    json_t *node = json_array_get(json_object_get(json_object_get(doc, "redis"), "nodes"), s->node);
    if (node)
        json_object_set_new(node, "server", server_json(s, history, streams, t));
}

/* The "node" of a queue, lock or prefix: its node's name from redis.nodes (none with one
 * server). */
static void set_node(json_t *o, json_t *nodes, uint16_t node)
{
    json_t *n = json_array_get(nodes, node);
    if (n)
        json_object_set(o, "node", json_object_get(n, "name"));
}

/* A string that may be empty: "" becomes null (Conductor leaves unset fields out). */
static void set_bytes_or_null(json_t *o, const char *name, const struct bytes *b)
{
    if (b->len)
        json_set_bytes(o, name, b);
    else
        json_object_set_new(o, name, json_null());
}

/* JSON text held as bytes, parsed back into a value; null when empty or not JSON. */
static json_t *parsed_or_null(const struct bytes *b)
{
    json_t *v = b->len ? json_loadb(b->ptr, b->len, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_null();
}

json_t *json_from_workflow(const struct workflow_exec *w)
{
    json_t *o = json_object();
    json_set_bytes(o, "id", &w->id);
    set_bytes_or_null(o, "name", &w->name);
    json_object_set_new(o, "version", ll_or_null(w->version));
    set_bytes_or_null(o, "status", &w->status);
    set_bytes_or_null(o, "correlation_id", &w->correlation_id);
    json_object_set_new(o, "start_ms", ll_or_null(w->start_ms));
    json_object_set_new(o, "end_ms", ll_or_null(w->end_ms));
    json_object_set_new(o, "update_ms", ll_or_null(w->update_ms));
    set_bytes_or_null(o, "reason", &w->reason);
    set_bytes_or_null(o, "parent_id", &w->parent_id);
    json_t *tasks = json_array();
    for (size_t i = 0; i < w->task_count; i++) {
        const struct task_exec *t = &w->tasks[i];
        json_t *j = json_object();
        json_set_bytes(j, "task_id", &t->task_id);
        set_bytes_or_null(j, "ref", &t->ref);
        set_bytes_or_null(j, "type", &t->type);
        set_bytes_or_null(j, "status", &t->status);
        json_object_set_new(j, "seq", ll_or_null(t->seq));
        json_object_set_new(j, "retry_count", ll_or_null(t->retry_count));
        json_object_set_new(j, "poll_count", ll_or_null(t->poll_count));
        json_object_set_new(j, "scheduled_ms", ll_or_null(t->scheduled_ms));
        json_object_set_new(j, "start_ms", ll_or_null(t->start_ms));
        json_object_set_new(j, "end_ms", ll_or_null(t->end_ms));
        set_bytes_or_null(j, "worker_id", &t->worker_id);
        set_bytes_or_null(j, "reason", &t->reason);
        set_bytes_or_null(j, "sub_workflow_id", &t->sub_workflow_id);
        json_object_set_new(j, "input", parsed_or_null(&t->input));
        json_object_set_new(j, "output", parsed_or_null(&t->output));
        json_array_append_new(tasks, j);
    }
    json_object_set_new(o, "tasks", tasks);
    json_t *doc = json_object();
    json_object_set_new(doc, "workflow", o);
    return doc;
}

static json_t *brief_json(const struct exec_brief *b, int64_t now_ms, bool failure)
{
    json_t *o = json_object();
    json_set_bytes(o, "id", &b->id);
    set_bytes_or_null(o, "name", &b->name);
    set_bytes_or_null(o, "status", &b->status);
    set_bytes_or_null(o, "correlation_id", &b->correlation_id);
    json_object_set_new(o, "start_ms", ll_or_null(b->start_ms));
    if (failure) {
        json_object_set_new(o, "end_ms", ll_or_null(b->end_ms));
        set_bytes_or_null(o, "reason", &b->reason);
        if (b->failed_ref.len) {
            json_t *t = json_object();
            json_set_bytes(t, "ref", &b->failed_ref);
            json_object_set_new(t, "retry_count", ll_or_null(b->failed_retry_count));
            set_bytes_or_null(t, "reason", &b->failed_reason);
            json_object_set_new(o, "failed_task", t);
        } else {
            json_object_set_new(o, "failed_task", json_null());
        }
    } else {
        json_object_set_new(o, "age_ms", b->start_ms != QT_UNKNOWN && now_ms > 0
                                              ? json_integer(now_ms - b->start_ms) : json_null());
    }
    return o;
}

void json_add_postgres(json_t *doc, const char *source, const struct workflow_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_true());
    json_object_set_new(o, "source", json_string(source));
    json_object_set_new(o, "index_tables", json_boolean(s->index_tables));
    json_object_set_new(o, "window_hours", json_integer(s->window_hours));
    json_t *by = json_object();
    for (size_t i = 0; i < s->count_n; i++) {
        const struct status_count *c = &s->counts[i];
        char *type = xmemdup(c->type.ptr, c->type.len);
        json_t *per = json_object_get(by, type);
        if (!per) {
            per = json_object();
            json_object_set_new(by, type, per);
        }
        json_object_set_new(per, c->status, json_integer(c->count));
        free(type);
    }
    json_object_set_new(o, "workflows_by_status", by);
    json_t *run = json_array();
    for (size_t i = 0; i < s->running_n; i++)
        json_array_append_new(run, brief_json(&s->running[i], s->db_now_ms, false));
    json_object_set_new(o, "running_oldest", run);
    json_t *fail = json_array();
    for (size_t i = 0; i < s->failures_n; i++)
        json_array_append_new(fail, brief_json(&s->failures[i], s->db_now_ms, true));
    json_object_set_new(o, "recent_failures", fail);
    /* per type: executions started, completed and failed in the last rate_window_min minutes */
    json_object_set_new(o, "rate_window_minutes", s->rate_window_min > 0
                                                      ? json_integer(s->rate_window_min)
                                                      : json_null());
    json_t *rates = json_object();
    for (size_t i = 0; i < s->rate_n && s->rate_window_min > 0; i++) {
        const struct type_rate *r = &s->rates[i];
        char *type = xmemdup(r->type.ptr, r->type.len);
        double m = s->rate_window_min;
        json_object_set_new(rates, type, json_pack("{s:f,s:f,s:f}", "started_per_min",
                                                   (double)r->started / m, "completed_per_min",
                                                   (double)r->completed / m, "failed_per_min",
                                                   (double)r->failed / m));
        free(type);
    }
    json_object_set_new(o, "rates_per_minute", rates);
    json_object_set_new(doc, "postgres", o);
}

json_t *json_from_found(const struct exec_brief *list, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = brief_json(&list[i], 0, true);
        json_object_del(o, "failed_task");   /* not looked up for a search */
        json_array_append_new(arr, o);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "executions", arr);
    return doc;
}

/* Where the streams placeholder is in text: its first character, or NULL. A hostile string
 * elsewhere cannot fake it: inside a string every quote is escaped, so a match whose quote
 * follows a backslash is not ours. */
static char *find_mark(char *text)
{
    for (char *p = strstr(text, STREAMS_MARK_DUMPED); p; p = strstr(p + 1, STREAMS_MARK_DUMPED))
        if (p > text && p[-1] != '\\')
            return p;
    return NULL;
}

char *json_line_text(json_t *doc, int pretty, const struct json_streams *st, size_t *len)
{
    size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) |
                   (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    char *text = json_dumps(doc, flags);
    if (!text)
        return NULL;
    char *mark = st ? find_mark(text) : NULL;
    struct jw w;
    size_t head = mark ? (size_t)(mark - text) : strlen(text);
    int base = 0;
    for (char *p = mark; p && p > text && p[-1] != '\n'; p--)
        base++;   /* the indentation of the line the array starts on */
    base -= mark ? (int)strlen("\"streams\": ") : 0;
    jw_init(&w, pretty ? 2 : 0, base > 0 ? base : 0);
    jw_raw(&w, text, head);
    if (mark) {
        write_streams(&w, st);
        const char *tail = mark + strlen(STREAMS_MARK_DUMPED);
        jw_raw(&w, tail, strlen(tail));
    }
    jw_raw(&w, "\n", 1);
    free(text);
    *len = w.len;
    return w.p;   /* the writer's buffer, NUL-terminated */
}

int json_write_line(json_t *doc, FILE *out, int pretty, const struct json_streams *st)
{
    size_t len;
    char *line = json_line_text(doc, pretty, st, &len);
    if (!line)
        return -1;
    size_t n = fwrite(line, 1, len, out);
    free(line);
    return n == len && fflush(out) == 0 ? 0 : -1;
}

static json_t *bytes_array(const struct bytes *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *holder = json_object();
        json_set_bytes(holder, "k", &v[i]);
        json_array_append(a, json_object_get(holder, "k"));
        json_decref(holder);
    }
    return a;
}

void json_add_keys(json_t *doc, const struct keys_snapshot *k)
{
    json_t *redis = json_object_get(doc, "redis");
    if (!redis) {
        redis = json_object();
        json_object_set_new(doc, "redis", redis);
    }
    json_t *nodes = json_object_get(redis, "nodes");
    json_t *queues = json_array();
    for (size_t i = 0; i < k->queue_count; i++) {
        const struct queue_info *q = &k->queues[i];
        json_t *o = json_object();
        json_set_bytes(o, "name", &q->name);
        json_object_set_new(o, "layout", json_string(q->layout));
        json_object_set_new(o, "kind", json_string(q->kind));
        json_object_set_new(o, "depth", ll_or_null(q->depth));
        json_object_set_new(o, "in_flight", ll_or_null(q->in_flight));
        json_object_set_new(o, "delayed", ll_or_null(q->delayed));
        json_object_set_new(o, "due_now", ll_or_null(q->due_now));
        json_object_set_new(o, "failed", ll_or_null(q->failed));
        json_object_set_new(o, "processed_total", ll_or_null(q->processed_total));
        json_object_set_new(o, "failed_total", ll_or_null(q->failed_total));
        json_object_set_new(o, "oldest_age_ms", ll_or_null(q->oldest_age_ms));
        json_object_set_new(o, "enqueue_per_sec", real_or_null(q->enqueue_per_sec));
        json_object_set_new(o, "dequeue_per_sec", real_or_null(q->dequeue_per_sec));
        json_object_set_new(o, "depth_change_per_sec", real_or_null(q->depth_change_per_sec));
        json_object_set_new(o, "sampled_server_ms",
                            ll_or_null(q->sampled_server_ms ? q->sampled_server_ms : QT_UNKNOWN));
        json_object_set_new(o, "keys", bytes_array(q->keys, q->key_count));
        set_node(o, nodes, q->node);
        json_array_append_new(queues, o);
    }
    json_object_set_new(redis, "queues", queues);
    json_t *locks = json_array();
    for (size_t i = 0; i < k->lock_count; i++) {
        const struct lock_info *l = &k->locks[i];
        json_t *o = json_object();
        json_set_bytes(o, "key", &l->key);
        json_object_set_new(o, "ttl_ms", l->ttl_ms >= 0 ? json_integer(l->ttl_ms) : json_null());
        json_set_bytes(o, "owner", &l->owner);
        set_node(o, nodes, l->node);
        json_array_append_new(locks, o);
    }
    json_object_set_new(redis, "locks", locks);
    json_t *prefixes = json_array();
    for (size_t i = 0; i < k->prefix_count; i++) {
        const struct prefix_info *p = &k->prefixes[i];
        json_t *o = json_object();
        json_set_bytes(o, "prefix", &p->prefix);
        json_object_set_new(o, "keys_est", json_integer(p->keys));
        json_object_set_new(o, "no_ttl_share",
                            p->keys > 0 ? json_real((double)p->no_ttl / (double)p->keys)
                                        : json_null());
        json_object_set_new(o, "bytes_est",
                            p->sampled > 0 ? json_integer((json_int_t)((double)p->sampled_bytes /
                                                                       (double)p->sampled *
                                                                       (double)p->keys))
                                           : json_null());
        json_object_set_new(o, "sample", json_integer(p->sampled));
        set_node(o, nodes, p->node);
        json_array_append_new(prefixes, o);
    }
    json_object_set_new(redis, "prefixes", prefixes);
    json_t *scan = json_object();
    json_object_set_new(scan, "ok", json_true());
    json_object_set_new(scan, "server_time_ms", ll_or_null(k->server_time_ms));
    json_object_set_new(scan, "time_error", k->time_error[0] ? json_string(k->time_error)
                                                             : json_null());
    json_object_set_new(scan, "passes", json_integer(k->passes));
    json_object_set_new(scan, "dbsize", ll_or_null(k->dbsize));
    json_object_set_new(scan, "memory_usage_refused", json_boolean(k->memory_denied > 0));
    json_object_set_new(redis, "keyspace", scan);
}

void json_add_keys_error(json_t *doc, const char *error)
{
    json_t *redis = json_object_get(doc, "redis");
    if (!redis) {
        redis = json_object();
        json_object_set_new(doc, "redis", redis);
    }
    json_object_set_new(redis, "keyspace", json_pack("{s:b,s:s}", "ok", 0, "error", error));
}

void json_add_postgres_sample(json_t *doc, const struct pg_snapshot *p)
{
    static const char *const modes[] = { "filling", "kept", "server" };
    if (p->last_ok_mono_ms == 0) {
        json_add_postgres_error(doc, p->error[0] ? p->error : "not read yet");
    } else {
        json_add_postgres(doc, p->source[0] ? p->source : "unknown", &p->summary);
        if (p->error[0])
            json_object_set_new(json_object_get(doc, "postgres"), "error", json_string(p->error));
    }
    json_t *o = json_object_get(doc, "postgres");
    json_object_set_new(o, "state", json_string(p->state == CONN_UP ? "up"
                                                : p->state == CONN_DOWN ? "down" : "connecting"));
    json_object_set_new(o, "counts_age_ms",
                        p->slow_age_ms >= 0 ? json_integer(p->slow_age_ms) : json_null());
    json_t *cost = json_object();
    json_object_set_new(cost, "share", p->cost_share >= 0 ? json_real(p->cost_share) : json_null());
    json_object_set_new(cost, "window_s", json_integer(p->cost_window_s));
    json_object_set_new(cost, "estimate", json_string("statement wall time"));
    json_object_set_new(cost, "counts", json_string(modes[p->counts_mode >= 0 && p->counts_mode < 3
                                                          ? p->counts_mode : 2]));
    json_object_set_new(cost, "remembered", json_integer(p->counts_remembered));
    json_object_set_new(cost, "rebuilds", json_integer(p->counts_rebuilds));
    json_object_set_new(cost, "rows_read", json_integer(p->counts_rows_read));
    json_object_set_new(cost, "counts_every_ms", json_integer(p->slow_every_ms));
    json_object_set_new(o, "cost", cost);
}

void json_add_postgres_error(json_t *doc, const char *error)
{
    json_object_set_new(doc, "postgres", json_pack("{s:b,s:s}", "ok", 0, "error", error));
}
