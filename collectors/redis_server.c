/* redis_server.c -- see redis_server.h.
 *
 * A tick: a few timed PINGs (each its own round trip: that is what is measured), then one
 * pipeline: TIME, INFO, CONFIG GET appendfsync, CONFIG GET save, CONFIG GET
 * slowlog-log-slower-than, SLOWLOG GET 16, LATENCY LATEST. CONFIG, SLOWLOG and LATENCY may be
 * refused (ACL users, managed services that rename or disable them): the figure is marked
 * unavailable with the reason and the rest goes on. Only INFO, TIME and PING are required. */
#include "redis_server.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "redis_io.h"
#include "resp.h"
#include "util.h"

#define SLOWLOG_FETCH 64
#define OUR_CLIENT_NAME "queuetop"

struct server_collector {
    struct server_config cfg;
    struct hub *hub;
    struct collector_thread thread;
    redisContext *ctx;
    char url[512];
    unsigned round_trips;
    uint64_t seq;
    int64_t last_ok_mono_ms;

    struct server_snapshot cur;     /* the sample being built / last built (no owned memory
                                     * except slowlog bytes, freed before each refill) */

    /* memory across samples and reconnects */
    char last_run_id[48];
    char master[300];             /* redis-sentinel://: the master this session reads */
    long long last_uptime_s;
    long long slowlog_last_id;      /* highest id counted; -1 when none */
    bool slowlog_baseline;          /* the first SLOWLOG was read: older entries are not new */
    long long slowlog_new_total;
    long long restarts_seen;
    int64_t last_restart_wall_ms;
    char previous_run_id[48];
};

void server_config_defaults(struct server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->interval_ms = 1000;
    cfg->pings = 3;
    cfg->connect_timeout_ms = 2000;
    cfg->command_timeout_ms = 5000;
}

struct server_collector *server_collector_new(const struct server_config *cfg, struct hub *hub)
{
    struct server_collector *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->hub = hub;
    c->slowlog_last_id = -1;
    redis_target_display(&cfg->target, c->url, sizeof c->url);
    return c;
}

static void disconnect(struct server_collector *c)
{
    if (c->ctx)
        redis_io_free(c->ctx);
    c->ctx = NULL;
}

static void free_slowlog(struct server_snapshot *s)
{
    for (size_t i = 0; i < s->slowlog_count; i++) {
        bytes_free(&s->slowlog[i].command);
        bytes_free(&s->slowlog[i].client);
    }
    s->slowlog_count = 0;
}

void server_collector_delete(struct server_collector *c)
{
    if (!c)
        return;
    disconnect(c);
    free_slowlog(&c->cur);
    free(c);
}

unsigned server_collector_round_trips(const struct server_collector *c)
{
    return c->round_trips;
}

/* ---- INFO ---------------------------------------------------------------------------- */

static long long info_ll(const char *info, const char *name)
{
    char buf[64];
    long long v;
    if (redis_info_field(info, name, buf, sizeof buf) < 0 || parse_ll(buf, strlen(buf), &v) < 0)
        return QT_UNKNOWN;
    return v;
}

static void info_str(const char *info, const char *name, char *out, size_t outlen)
{
    out[0] = '\0';
    if (redis_info_field(info, name, out, outlen) == 0)
        redis_info_clean(out);
}

/* "slave0:ip=10.0.0.2,port=6380,state=online,offset=1234,lag=0" */
static void parse_replica(const char *line, struct replica_info *r, long long master_offset)
{
    char ip[48] = "", port[8] = "";
    memset(r, 0, sizeof *r);
    r->offset = QT_UNKNOWN;
    r->lag_bytes = QT_UNKNOWN;
    const char *p = line;
    while (*p && *p != '\r' && *p != '\n') {
        const char *eq = strchr(p, '=');
        if (!eq)
            break;
        size_t klen = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vlen = strcspn(v, ",\r\n");
        char val[64];
        snprintf(val, sizeof val, "%.*s", (int)(vlen < 63 ? vlen : 63), v);
        redis_info_clean(val);
        if (klen == 2 && strncmp(p, "ip", 2) == 0)
            str_copy(ip, val, sizeof ip);
        else if (klen == 4 && strncmp(p, "port", 4) == 0)
            str_copy(port, val, sizeof port);
        else if (klen == 5 && strncmp(p, "state", 5) == 0)
            str_copy(r->state, val, sizeof r->state);
        else if (klen == 6 && strncmp(p, "offset", 6) == 0)
            parse_ll(val, strlen(val), &r->offset);
        p = v + vlen;
        if (*p == ',')
            p++;
    }
    snprintf(r->addr, sizeof r->addr, "%s:%s", ip, port);
    if (r->offset != QT_UNKNOWN && master_offset != QT_UNKNOWN)
        r->lag_bytes = master_offset - r->offset;
}

static void parse_info(struct server_snapshot *s, const char *info)
{
    info_str(info, "redis_version", s->version, sizeof s->version);
    info_str(info, "role", s->role, sizeof s->role);
    info_str(info, "run_id", s->run_id, sizeof s->run_id);
    s->uptime_s = info_ll(info, "uptime_in_seconds");
    s->used_memory = info_ll(info, "used_memory");
    s->used_memory_peak = info_ll(info, "used_memory_peak");
    s->used_memory_rss = info_ll(info, "used_memory_rss");
    s->maxmemory = info_ll(info, "maxmemory");
    char buf[32];
    s->mem_fragmentation_ratio = NAN;
    if (redis_info_field(info, "mem_fragmentation_ratio", buf, sizeof buf) == 0)
        s->mem_fragmentation_ratio = strtod(buf, NULL);
    info_str(info, "maxmemory_policy", s->maxmemory_policy, sizeof s->maxmemory_policy);
    s->evicted_keys = info_ll(info, "evicted_keys");
    s->expired_keys = info_ll(info, "expired_keys");
    s->rejected_connections = info_ll(info, "rejected_connections");
    s->net_input_bytes = info_ll(info, "total_net_input_bytes");
    s->net_output_bytes = info_ll(info, "total_net_output_bytes");
    s->keyspace_hits = info_ll(info, "keyspace_hits");
    s->keyspace_misses = info_ll(info, "keyspace_misses");
    s->total_commands = info_ll(info, "total_commands_processed");
    s->ops_per_sec = info_ll(info, "instantaneous_ops_per_sec");
    s->connected_clients = info_ll(info, "connected_clients");
    s->blocked_clients = info_ll(info, "blocked_clients");
    s->loading = info_ll(info, "loading");
    s->cluster_enabled = info_ll(info, "cluster_enabled") == 1;
    s->aof_enabled = info_ll(info, "aof_enabled") == 1;
    s->aof_rewrite_in_progress = info_ll(info, "aof_rewrite_in_progress") == 1;
    s->rdb_bgsave_in_progress = info_ll(info, "rdb_bgsave_in_progress") == 1;
    info_str(info, "aof_last_write_status", s->aof_last_write_status, sizeof s->aof_last_write_status);
    info_str(info, "rdb_last_bgsave_status", s->rdb_last_bgsave_status,
             sizeof s->rdb_last_bgsave_status);
    s->rdb_last_save_time = info_ll(info, "rdb_last_save_time");
    s->rdb_changes_since_last_save = info_ll(info, "rdb_changes_since_last_save");
    s->connected_replicas = info_ll(info, "connected_slaves");
    info_str(info, "master_link_status", s->master_link_status, sizeof s->master_link_status);
    s->master_repl_offset = info_ll(info, "master_repl_offset");
    s->replica_count = 0;
    for (int i = 0; i < REPLICAS_MAX; i++) {
        char name[24], line[256];
        snprintf(name, sizeof name, "slave%d", i);
        if (redis_info_field(info, name, line, sizeof line) < 0)
            break;
        parse_replica(line, &s->replicas[s->replica_count++], s->master_repl_offset);
    }
}

/* ---- replies ------------------------------------------------------------------------- */

/* "why it is unavailable" from an error reply (NOPERM, unknown command...), "" if it worked. */
static bool refused(const redisReply *r, const char *what, char *why, size_t whylen)
{
    if (r->type != REDIS_REPLY_ERROR)
        return false;
    redis_describe_error(what, r->str, why, whylen);
    return true;
}

/* CONFIG GET name -> [name, value] */
static bool config_value(const redisReply *r, char *out, size_t outlen)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[1]->type != REDIS_REPLY_STRING)
        return false;
    snprintf(out, outlen, "%s", r->element[1]->str);
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return true;
}

/* Joins the arguments of a slowlog entry with spaces, cut to max bytes. */
static void join_args(const redisReply *args, struct bytes *out, size_t max)
{
    char *buf = xmalloc(max + 1);
    size_t o = 0;
    for (size_t i = 0; args && args->type == REDIS_REPLY_ARRAY && i < args->elements && o < max; i++) {
        const redisReply *a = args->element[i];
        if (a->type != REDIS_REPLY_STRING && a->type != REDIS_REPLY_STATUS)
            continue;
        if (o && o < max)
            buf[o++] = ' ';
        size_t n = a->len < max - o ? a->len : max - o;
        memcpy(buf + o, a->str, n);
        o += n;
    }
    bytes_set(out, buf, o);
    free(buf);
}

/* Counts entries newer than the last counted id that are not ours (client name queuetop):
 * each at most once, also across a SLOWLOG RESET (ids keep growing). Entries that were logged
 * but fell outside the fetched window cannot be attributed (they may be ours): they are
 * counted apart, in slowlog_unseen, never as new. */
static void parse_slowlog(struct server_collector *c, struct server_snapshot *s,
                          const redisReply *r, bool restarted)
{
    free_slowlog(s);
    s->slowlog_new = 0;
    s->slowlog_unseen = 0;
    if (r->type != REDIS_REPLY_ARRAY)
        return;
    if (restarted)
        c->slowlog_last_id = -1;   /* ids start again at 0 after a restart */
    bool baseline = !c->slowlog_baseline;   /* what was logged before we came is not new */
    c->slowlog_baseline = true;
    long long newest = -1, oldest_fetched = -1, fresh = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 4)
            continue;
        long long id = resp_ll(e->element[0]);
        if (id > newest)
            newest = id;
        if (oldest_fetched < 0 || id < oldest_fetched)
            oldest_fetched = id;
        bool ours = e->elements >= 6 && e->element[5]->type == REDIS_REPLY_STRING &&
                    strcmp(e->element[5]->str, OUR_CLIENT_NAME) == 0;
        if (id > c->slowlog_last_id && !ours && !baseline)
            fresh++;
        if (ours || s->slowlog_count >= SLOWLOG_KEEP)
            continue;
        struct slowlog_entry *se = &s->slowlog[s->slowlog_count++];
        se->id = id;
        se->time_s = resp_ll(e->element[1]);
        se->duration_us = resp_ll(e->element[2]);
        join_args(e->element[3], &se->command, 200);
        char client[256] = "";
        if (e->elements >= 6 && e->element[4]->type == REDIS_REPLY_STRING)
            snprintf(client, sizeof client, "%s%s%s", e->element[4]->str,
                     e->element[5]->type == REDIS_REPLY_STRING && e->element[5]->len ? " " : "",
                     e->element[5]->type == REDIS_REPLY_STRING ? e->element[5]->str : "");
        bytes_set(&se->client, client, strlen(client));
    }
    /* ids between the last counted one and the oldest fetched one were never seen */
    if (!baseline && oldest_fetched > c->slowlog_last_id + 1)
        s->slowlog_unseen = oldest_fetched - c->slowlog_last_id - 1;
    if (newest > c->slowlog_last_id)
        c->slowlog_last_id = newest;
    s->slowlog_new = fresh;
    c->slowlog_new_total += fresh;
}

static void parse_latency(struct server_snapshot *s, const redisReply *r)
{
    s->latency_count = 0;
    if (r->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < r->elements && s->latency_count < LATENCY_EVENTS_MAX; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 || e->element[0]->type != REDIS_REPLY_STRING)
            continue;
        struct latency_event *le = &s->latency[s->latency_count++];
        snprintf(le->name, sizeof le->name, "%s", e->element[0]->str);
        redis_info_clean(le->name);
        le->time_s = resp_ll(e->element[1]);
        le->latest_ms = resp_ll(e->element[2]);
        le->max_ms = resp_ll(e->element[3]);
    }
}

/* ---- a tick -------------------------------------------------------------------------- */

static int fail_io(struct server_collector *c, const char *what, char *err, size_t errlen)
{
    resp_lost(err, errlen, c->url, what, c->ctx);
    disconnect(c);   /* replies still in flight would answer the next commands */
    return -1;
}

static void time_pings(struct server_collector *c, struct server_snapshot *s)
{
    double sum = 0;
    s->pings = 0;
    s->ping_min_ms = s->ping_avg_ms = s->ping_max_ms = NAN;
    for (int i = 0; i < c->cfg.pings && c->ctx; i++) {
        int64_t t0 = mono_us();
        redisReply *r = redis_io_command(c->ctx, "PING");
        int64_t us = mono_us() - t0;
        c->round_trips++;
        if (!r)
            return;
        freeReplyObject(r);
        double ms = (double)us / 1000.0;
        if (s->pings == 0 || ms < s->ping_min_ms)
            s->ping_min_ms = ms;
        if (s->pings == 0 || ms > s->ping_max_ms)
            s->ping_max_ms = ms;
        sum += ms;
        s->pings++;
    }
    if (s->pings)
        s->ping_avg_ms = sum / s->pings;
}

static int tick(struct server_collector *c, char *err, size_t errlen)
{
    struct server_snapshot *s = &c->cur;
    c->round_trips = 0;
    if (!c->ctx) {
        c->ctx = redis_io_connect(&c->cfg.target, c->cfg.connect_timeout_ms,
                                 c->cfg.command_timeout_ms, err, errlen);
        if (!c->ctx)
            return -1;
        char master[sizeof c->master];
        redis_io_master(c->ctx, master, sizeof master);
        if (strcmp(master, c->master) != 0) {
            /* the Sentinels name another master (a failover): another server, not a restart
             * of this one */
            c->last_run_id[0] = '\0';
            c->last_uptime_s = 0;
            str_copy(c->master, master, sizeof c->master);
        }
    }
    time_pings(c, s);
    if (!c->ctx || s->pings == 0)
        return fail_io(c, "PING", err, errlen);

    static const char *const cmds[][3] = {
        { "TIME", NULL, NULL },
        { "INFO", NULL, NULL },
        { "CONFIG", "GET", "appendfsync" },
        { "CONFIG", "GET", "save" },
        { "CONFIG", "GET", "slowlog-log-slower-than" },
        { "SLOWLOG", "GET", "64" },
        { "LATENCY", "LATEST", NULL },
        { "INFO", "commandstats", NULL },
    };
    enum { N_CMDS = sizeof cmds / sizeof cmds[0] };
    for (size_t i = 0; i < N_CMDS; i++) {
        int argc = cmds[i][2] ? 3 : cmds[i][1] ? 2 : 1;
        redisAppendCommandArgv(c->ctx, argc, (const char **)cmds[i], NULL);
    }
    c->round_trips++;
    redisReply *rep[N_CMDS] = { 0 };
    for (size_t i = 0; i < N_CMDS; i++) {
        if (redis_io_get_reply(c->ctx, (void **)&rep[i]) != REDIS_OK) {
            for (size_t j = 0; j < i; j++)
                freeReplyObject(rep[j]);
            return fail_io(c, cmds[i][0], err, errlen);
        }
    }

    int rc = 0;
    if (rep[0]->type == REDIS_REPLY_ARRAY && rep[0]->elements == 2) {
        long long sec = resp_ll(rep[0]->element[0]), usec = resp_ll(rep[0]->element[1]);
        s->server_time_ms = sec >= 0 && usec >= 0 ? sec * 1000 + usec / 1000 : 0;
    }
    if (rep[1]->type == REDIS_REPLY_STRING || rep[1]->type == REDIS_REPLY_STATUS) {
        parse_info(s, rep[1]->str);
    } else {
        if (rep[1]->type == REDIS_REPLY_ERROR)
            redis_describe_error("INFO refused", rep[1]->str, err, errlen);
        else
            snprintf(err, errlen, "INFO: unexpected reply from %s", c->url);
        rc = -1;
    }

    if (rc == 0) {
        /* restart: another run_id, or an uptime that went backwards */
        bool restarted = (c->last_run_id[0] && strcmp(c->last_run_id, s->run_id) != 0) ||
                         (c->last_uptime_s > 0 && s->uptime_s != QT_UNKNOWN &&
                          s->uptime_s + 1 < c->last_uptime_s);
        if (restarted) {
            c->restarts_seen++;
            c->last_restart_wall_ms = wall_ms();
            str_copy(c->previous_run_id, c->last_run_id, sizeof c->previous_run_id);
        }
        s->restarted = restarted;
        s->restarts_seen = c->restarts_seen;
        s->last_restart_wall_ms = c->last_restart_wall_ms;
        str_copy(s->previous_run_id, c->previous_run_id, sizeof s->previous_run_id);
        str_copy(c->last_run_id, s->run_id, sizeof c->last_run_id);
        c->last_uptime_s = s->uptime_s;

        memset(&s->unavailable, 0, sizeof s->unavailable);
        s->config_known = false;
        s->aof_fsync[0] = s->save_config[0] = '\0';
        s->slowlog_threshold_us = QT_UNKNOWN;
        if (!refused(rep[2], "CONFIG unavailable", s->unavailable.config,
                     sizeof s->unavailable.config) &&
            !refused(rep[3], "CONFIG unavailable", s->unavailable.config,
                     sizeof s->unavailable.config)) {
            s->config_known = config_value(rep[2], s->aof_fsync, sizeof s->aof_fsync) &&
                              config_value(rep[3], s->save_config, sizeof s->save_config);
            char th[32];
            if (rep[4]->type != REDIS_REPLY_ERROR && config_value(rep[4], th, sizeof th))
                parse_ll(th, strlen(th), &s->slowlog_threshold_us);
        }
        if (refused(rep[5], "SLOWLOG unavailable", s->unavailable.slowlog,
                    sizeof s->unavailable.slowlog))
            free_slowlog(s);
        else
            parse_slowlog(c, s, rep[5], restarted);
        s->slowlog_new_total = c->slowlog_new_total;
        if (refused(rep[6], "LATENCY unavailable", s->unavailable.latency,
                    sizeof s->unavailable.latency))
            s->latency_count = 0;
        else
            parse_latency(s, rep[6]);
    }
    /* what each command costs this server: the cost budget's estimates (collectors/cost.h) */
    if (c->cfg.budget) {
        if (rep[7]->type == REDIS_REPLY_STRING)
            cost_budget_learn(c->cfg.budget, rep[7]->str, rep[7]->len);
        cost_budget_charge(c->cfg.budget, COST_WHO_SERVER, SERVER_TICK_COST_US, mono_ms());
    }
    for (size_t i = 0; i < N_CMDS; i++)
        freeReplyObject(rep[i]);
    return rc;
}

static struct snapshot *build_snapshot(struct server_collector *c, enum conn_state state,
                                       const char *error, int64_t retry_in_ms)
{
    struct snapshot *snap = snapshot_new(SNAPSHOT_SERVER);
    snap->node = c->cfg.node;
    struct server_snapshot *s = &snap->server;
    *s = c->cur;   /* then deep-copy the owned bytes */
    for (size_t i = 0; i < c->cur.slowlog_count; i++) {
        bytes_set(&s->slowlog[i].command, c->cur.slowlog[i].command.ptr,
                  c->cur.slowlog[i].command.len);
        bytes_set(&s->slowlog[i].client, c->cur.slowlog[i].client.ptr,
                  c->cur.slowlog[i].client.len);
    }
    str_copy(s->url, c->url, sizeof s->url);
    s->node = c->cfg.node;
    s->state = state;
    str_copy(s->error, error ? error : "", sizeof s->error);
    s->retry_in_ms = retry_in_ms;
    s->sampled_mono_ms = mono_ms();
    if (state == CONN_UP)
        c->last_ok_mono_ms = s->sampled_mono_ms;
    s->last_ok_mono_ms = c->last_ok_mono_ms;
    s->sample_seq = ++c->seq;
    return snap;
}

struct snapshot *server_collector_sample_full(struct server_collector *c)
{
    char err[256] = "";
    if (tick(c, err, sizeof err) < 0) {
        disconnect(c);
        return build_snapshot(c, CONN_DOWN, err, 0);
    }
    return build_snapshot(c, CONN_UP, NULL, 0);
}

static int server_tick(void *self, char *err, size_t errlen)
{
    return tick(self, err, errlen);
}

static struct snapshot *server_build(void *self, enum conn_state state, const char *error,
                                     int64_t retry_in_ms)
{
    return build_snapshot(self, state, error, retry_in_ms);
}

static void server_disconnect(void *self)
{
    disconnect(self);
}

static const struct collector_class server_class = {
    .name = "server",
    .tick = server_tick,
    .build = server_build,
    .disconnect = server_disconnect,
};

int server_collector_start(struct server_collector *c)
{
    return collector_thread_start(&c->thread, &server_class, c, c->hub, c->cfg.interval_ms);
}

void server_collector_stop(struct server_collector *c)
{
    collector_thread_stop(&c->thread);
}

void server_collector_retire(struct server_collector *c)
{
    collector_thread_retire(&c->thread);
}
