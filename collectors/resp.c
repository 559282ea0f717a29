/* resp.c -- see resp.h. */
#include "resp.h"

#include <stdio.h>
#include <string.h>

#include "snapshot.h"
#include "util.h"

long long resp_ll(const redisReply *r)
{
    long long v;
    if (!r)
        return QT_UNKNOWN;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_STRING && parse_ll(r->str, r->len, &v) == 0)
        return v;
    return QT_UNKNOWN;
}

long long resp_counter(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_NIL ? 0 : resp_ll(r);
}

redisReply *resp_field(const redisReply *flat, const char *name)
{
    if (!flat || flat->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < flat->elements; i += 2) {
        const redisReply *k = flat->element[i];
        if ((k->type == REDIS_REPLY_STRING || k->type == REDIS_REPLY_STATUS) &&
            strcmp(k->str, name) == 0)
            return flat->element[i + 1];
    }
    return NULL;
}

bool resp_is_error(const redisReply *r, const char *prefix)
{
    return r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, prefix, strlen(prefix)) == 0;
}

int resp_lost(char *err, size_t errlen, const char *url, const char *what,
              const redisContext *ctx)
{
    snprintf(err, errlen, "lost connection to %s during %s: %s", url, what,
             ctx && ctx->errstr[0] ? ctx->errstr : "no reply");
    return -1;
}
