/* json_out.c -- see json_out.h. */
#include "json_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"
#include "sanitize.h"

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

static json_t *id_or_null(const char *id)
{
    return id[0] ? json_string(id) : json_null();
}

void json_set_bytes(json_t *obj, const char *name, const struct bytes *b)
{
    if (utf8_valid(b->ptr, b->len)) {
        json_object_set_new(obj, name, json_stringn(b->ptr, b->len));
        return;
    }
    const unsigned char *s = (const unsigned char *)b->ptr;
    char *lossy = xmalloc(b->len * 3 + 1);
    char *hex = xmalloc(b->len * 2 + 1);
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
    for (size_t i = 0; i < b->len; i++)
        sprintf(hex + 2 * i, "%02x", s[i]);
    hex[2 * b->len] = '\0';
    json_object_set_new(obj, name, json_stringn(lossy, o));
    char hexname[128];
    snprintf(hexname, sizeof hexname, "%s_hex", name);
    json_object_set_new(obj, hexname, json_string(hex));
    free(lossy);
    free(hex);
}

static json_t *group_json(const struct group_info *g, const struct group_rates *gr)
{
    json_t *o = json_object();
    json_set_bytes(o, "name", &g->name);
    json_object_set_new(o, "consumers", ll_or_null(g->consumers));
    json_object_set_new(o, "pending", json_integer(g->pending));
    json_object_set_new(o, "lag", ll_or_null(g->lag));
    json_object_set_new(o, "entries_read", ll_or_null(g->entries_read));
    json_object_set_new(o, "last_delivered_id", id_or_null(g->last_delivered_id));
    if (g->has_oldest) {
        json_object_set_new(o, "oldest_pending_id", json_string(g->oldest_id));
        json_object_set_new(o, "oldest_pending_age_ms", ll_or_null(g->oldest_age_ms));
        json_object_set_new(o, "oldest_pending_idle_ms", ll_or_null(g->oldest_idle_ms));
        json_object_set_new(o, "oldest_pending_deliveries", ll_or_null(g->oldest_deliveries));
        json_set_bytes(o, "oldest_pending_consumer", &g->oldest_consumer);
    } else {
        json_object_set_new(o, "oldest_pending_id", json_null());
        json_object_set_new(o, "oldest_pending_age_ms", json_null());
        json_object_set_new(o, "oldest_pending_idle_ms", json_null());
        json_object_set_new(o, "oldest_pending_deliveries", json_null());
        json_object_set_new(o, "oldest_pending_consumer", json_null());
    }
    json_object_set_new(o, "consumed_per_sec", real_or_null(gr ? gr->consumed_per_sec : NAN));
    json_object_set_new(o, "lag_per_sec", real_or_null(gr ? gr->lag_per_sec : NAN));
    json_object_set_new(o, "drain_eta_s", real_or_null(gr ? gr->drain_eta_s : NAN));
    if (g->has_consumer_list) {
        json_t *list = json_array();
        for (size_t i = 0; i < g->consumer_count; i++) {
            const struct consumer_info *c = &g->consumer_list[i];
            json_t *co = json_object();
            json_set_bytes(co, "name", &c->name);
            json_object_set_new(co, "pending", ll_or_null(c->pending));
            json_object_set_new(co, "idle_ms", ll_or_null(c->idle_ms));
            json_object_set_new(co, "inactive_ms", ll_or_null(c->inactive_ms));
            json_array_append_new(list, co);
        }
        json_object_set_new(o, "consumer_list", list);
    }
    return o;
}

static json_t *stream_json(const struct stream_info *s, const struct stream_history *sh)
{
    json_t *o = json_object();
    json_set_bytes(o, "key", &s->key);
    json_object_set_new(o, "length", json_integer(s->length));
    json_object_set_new(o, "entries_added", ll_or_null(s->entries_added));
    json_object_set_new(o, "first_id", id_or_null(s->first_id));
    json_object_set_new(o, "last_id", id_or_null(s->last_id));
    json_object_set_new(o, "produced_per_sec", real_or_null(sh ? sh->produced_per_sec : NAN));
    json_object_set_new(o, "max_lag", s->lag_partly_unknown ? json_null() : ll_or_null(s->max_lag));
    json_object_set_new(o, "pending", json_integer(s->pending_total));
    json_object_set_new(o, "oldest_pending_age_ms", ll_or_null(s->oldest_pending_age_ms));
    json_object_set_new(o, "consumers", json_integer(s->consumers_total));
    json_object_set_new(o, "sampled_server_ms", json_integer(s->sampled_server_ms));
    json_t *groups = json_array();
    for (size_t i = 0; i < s->group_len; i++)
        json_array_append_new(groups, group_json(&s->groups[i],
                                                 history_group(sh, &s->groups[i].name)));
    json_object_set_new(o, "groups", groups);
    return o;
}

static const char *state_name(enum conn_state s)
{
    switch (s) {
    case CONN_UP: return "up";
    case CONN_DOWN: return "down";
    default: return "connecting";
    }
}

json_t *json_from_redis(const struct redis_snapshot *r, const struct history *history,
                        long long rate_interval_ms)
{
    json_t *redis = json_object();
    json_object_set_new(redis, "url", text_or_null(r->url));
    json_object_set_new(redis, "state", json_string(state_name(r->state)));
    json_object_set_new(redis, "error", text_or_null(r->error));
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
    json_object_set_new(redis, "rate_interval_ms",
                        rate_interval_ms > 0 ? json_integer(rate_interval_ms) : json_null());
    json_t *streams = json_array();
    for (size_t i = 0; i < r->stream_count; i++) {
        const struct stream_info *s = &r->streams[i];
        json_array_append_new(streams, stream_json(s, history ? history_find(history, &s->key)
                                                              : NULL));
    }
    json_object_set_new(redis, "streams", streams);

    json_t *doc = json_object();
    json_object_set_new(doc, "redis", redis);
    return doc;
}

int json_write_line(json_t *doc, FILE *out, int pretty)
{
    size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) |
                   (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    if (json_dumpf(doc, out, flags) < 0)
        return -1;
    fputc('\n', out);
    return fflush(out) == 0 ? 0 : -1;
}
