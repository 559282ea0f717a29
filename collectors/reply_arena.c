/* reply_arena.c -- see reply_arena.h. The reply objects themselves are built by redis_io.c,
 * which allocates them here while an arena is attached. */
#include "reply_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis_io.h"
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

void *reply_arena_alloc(struct reply_arena *a, size_t n)
{
    return arena_alloc(a, n);
}

void reply_arena_attach(struct reply_arena *a, redisContext *ctx)
{
    if (ctx)
        redis_io_use_arena(ctx, a);
}

void reply_arena_detach(struct reply_arena *a, redisContext *ctx)
{
    (void)a;
    if (ctx)
        redis_io_use_arena(ctx, NULL);
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
