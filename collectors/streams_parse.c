/* streams_parse.c -- the streams collector's reply helpers, and XINFO STREAM, XINFO GROUPS,
 * XPENDING and XINFO CONSUMERS replies into a stream's record. See streams_internal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "streams_internal.h"
#include "util.h"

/* ---- reply helpers ---------------------------------------------------------------------- */

static void as_id(const redisReply *r, char *buf, size_t buflen)
{
    buf[0] = '\0';
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
        r->len < buflen) {
        struct stream_id id;
        if (stream_id_parse(r->str, r->len, &id) == 0)
            memcpy(buf, r->str, r->len + 1);
    }
}

void sc_parse_stream(struct stream_info *s, const redisReply *r)
{
    s->length = resp_ll(resp_field(r, "length"));
    if (s->length < 0)
        s->length = 0;
    s->entries_added = resp_ll(resp_field(r, "entries-added"));
    s->group_count = resp_ll(resp_field(r, "groups"));
    as_id(resp_field(r, "last-generated-id"), s->last_id, sizeof s->last_id);
    s->first_id[0] = '\0';
    if (s->length > 0) {
        const redisReply *first = resp_field(r, "first-entry");
        if (first && first->type == REDIS_REPLY_ARRAY && first->elements >= 1)
            as_id(first->element[0], s->first_id, sizeof s->first_id);
        else
            as_id(resp_field(r, "recorded-first-entry-id"), s->first_id, sizeof s->first_id);
    }
}

void sc_free_groups(struct stream_info *s)
{
    struct stream_info tmp = { 0 };
    tmp.groups = s->groups;
    tmp.group_len = s->group_len;
    tmp.key.ptr = NULL;
    stream_info_free(&tmp);
    s->groups = NULL;
    s->group_len = 0;
}

int sc_group_name_cmp(const void *pa, const void *pb)
{
    const struct group_info *a = pa, *b = pb;
    return bytes_cmp(&a->name, &b->name);
}

/* Groups are kept sorted by name bytes (Redis lists them so; a reply is not trusted to), so that
 * a reply about a group finds it in O(log groups): a stream with 20,000 groups was quadratic. */
void sc_parse_groups(struct stream_info *s, const redisReply *r)
{
    sc_free_groups(s);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
        return;
    s->groups = xcalloc(r->elements, sizeof *s->groups);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *g = r->element[i];
        const redisReply *name = resp_field(g, "name");
        if (!name || name->type != REDIS_REPLY_STRING)
            continue;
        struct group_info *gi = &s->groups[s->group_len++];
        bytes_set(&gi->name, name->str, name->len);
        bytes_set(&gi->oldest_consumer, "", 0);
        gi->consumers = resp_ll(resp_field(g, "consumers"));
        gi->pending = resp_ll(resp_field(g, "pending"));
        if (gi->pending < 0)
            gi->pending = 0;
        as_id(resp_field(g, "last-delivered-id"), gi->last_delivered_id, sizeof gi->last_delivered_id);
        gi->entries_read = resp_ll(resp_field(g, "entries-read"));
        gi->lag = resp_ll(resp_field(g, "lag"));
        gi->oldest_age_ms = gi->oldest_idle_ms = gi->oldest_deliveries = QT_UNKNOWN;
    }
    if (s->group_len > 1)
        qsort(s->groups, s->group_len, sizeof *s->groups, sc_group_name_cmp);
}

/* XPENDING key group - + 1  ->  [[id, consumer, idle-ms, deliveries]] or [] */
void sc_parse_oldest(struct group_info *g, const redisReply *r, int64_t server_ms)
{
    g->has_oldest = false;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return;
    const redisReply *e = r->element[0];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 || e->element[0]->type != REDIS_REPLY_STRING)
        return;
    struct stream_id id;
    if (stream_id_parse(e->element[0]->str, e->element[0]->len, &id) < 0 ||
        e->element[0]->len >= sizeof g->oldest_id)
        return;
    g->has_oldest = true;
    memcpy(g->oldest_id, e->element[0]->str, e->element[0]->len + 1);
    g->oldest_age_ms = stream_id_age_ms(id, server_ms);
    if (e->element[1]->type == REDIS_REPLY_STRING) {
        bytes_free(&g->oldest_consumer);
        bytes_set(&g->oldest_consumer, e->element[1]->str, e->element[1]->len);
    }
    g->oldest_idle_ms = resp_ll(e->element[2]);
    g->oldest_deliveries = resp_ll(e->element[3]);
}

void sc_parse_consumers(struct group_info *g, const redisReply *r)
{
    for (size_t i = 0; i < g->consumer_count; i++)
        bytes_free(&g->consumer_list[i].name);
    free(g->consumer_list);
    g->consumer_list = NULL;
    g->consumer_count = 0;
    g->has_consumer_list = false;
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return;
    g->has_consumer_list = true;
    if (r->elements == 0)
        return;
    g->consumer_list = xcalloc(r->elements, sizeof *g->consumer_list);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *name = resp_field(r->element[i], "name");
        if (!name || name->type != REDIS_REPLY_STRING)
            continue;
        struct consumer_info *ci = &g->consumer_list[g->consumer_count++];
        bytes_set(&ci->name, name->str, name->len);
        ci->pending = resp_ll(resp_field(r->element[i], "pending"));
        ci->idle_ms = resp_ll(resp_field(r->element[i], "idle"));
        ci->inactive_ms = resp_ll(resp_field(r->element[i], "inactive"));
    }
}
