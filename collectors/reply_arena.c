/* reply_arena.c -- see reply_arena.h. The object functions mirror what hiredis' own do (a reply
 * per object, linked into its parent array at task->idx), allocating from the arena. */
#include "reply_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CHUNK_SIZE (256 * 1024)

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

static void *arena_alloc(struct reply_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct arena_chunk *c = a->chunks;
    if (!c || c->used + n > c->size) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        c = xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    a->bytes_in_use += n;
    return p;
}

static redisReply *new_reply(const redisReadTask *task, int type)
{
    struct reply_arena *a = task->privdata;
    redisReply *r = arena_alloc(a, sizeof *r);
    memset(r, 0, sizeof *r);
    r->type = type;
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        parent->element[task->idx] = r;
    }
    return r;
}

static void *create_string(const redisReadTask *task, char *str, size_t len)
{
    redisReply *r = new_reply(task, task->type);
    r->str = arena_alloc(task->privdata, len + 1);
    memcpy(r->str, str, len);
    r->str[len] = '\0';
    r->len = len;
    return r;
}

static void *create_array(const redisReadTask *task, int elements)
{
    redisReply *r = new_reply(task, REDIS_REPLY_ARRAY);
    if (elements > 0) {
        r->element = arena_alloc(task->privdata, (size_t)elements * sizeof *r->element);
        memset(r->element, 0, (size_t)elements * sizeof *r->element);
    }
    r->elements = elements > 0 ? (size_t)elements : 0;
    return r;
}

static void *create_integer(const redisReadTask *task, long long value)
{
    redisReply *r = new_reply(task, REDIS_REPLY_INTEGER);
    r->integer = value;
    return r;
}

static void *create_nil(const redisReadTask *task)
{
    return new_reply(task, REDIS_REPLY_NIL);
}

static void free_nothing(void *reply)
{
    (void)reply;   /* released with the arena */
}

static redisReplyObjectFunctions arena_functions = {
    create_string, create_array, create_integer, create_nil, free_nothing,
};

/* The reader hands its privdata to every task, so the functions find the arena there. */
void reply_arena_attach(struct reply_arena *a, redisContext *ctx)
{
    if (!ctx)
        return;
    a->saved_fn = ctx->reader->fn;
    a->saved_privdata = ctx->reader->privdata;
    ctx->reader->fn = &arena_functions;
    ctx->reader->privdata = a;
}

void reply_arena_detach(struct reply_arena *a, redisContext *ctx)
{
    if (!ctx || ctx->reader->fn != &arena_functions)
        return;
    ctx->reader->fn = a->saved_fn;
    ctx->reader->privdata = a->saved_privdata;
}

void reply_arena_reset(struct reply_arena *a)
{
    struct arena_chunk *keep = NULL;
    while (a->chunks) {
        struct arena_chunk *c = a->chunks;
        a->chunks = c->next;
        if (!keep && c->size == CHUNK_SIZE) {
            keep = c;
            continue;
        }
        free(c);
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->chunks = keep;
    a->bytes_in_use = 0;
}

void reply_arena_done(struct reply_arena *a)
{
    reply_arena_reset(a);
    free(a->chunks);
    a->chunks = NULL;
}
