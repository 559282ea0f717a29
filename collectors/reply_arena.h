/* reply_arena.h -- hiredis reply objects carved from a bump allocator instead of one malloc and
 * one free per object. A pipeline of thousands of small replies (XINFO, XPENDING) spends more
 * CPU in malloc/free than Redis spends executing the commands; with an arena the whole batch is
 * released at once by reply_arena_reset().
 *
 * While attached to a context, replies returned by redisGetReply belong to the arena: never pass
 * them to freeReplyObject, and do not keep them past the next reset. */
#ifndef QT_REPLY_ARENA_H
#define QT_REPLY_ARENA_H

#include <stddef.h>

#include <hiredis.h>

struct arena_chunk;

struct reply_arena {
    struct arena_chunk *chunks;   /* newest first */
    size_t bytes_in_use;          /* for tests and the benchmark */
};

/* n bytes, 16-aligned, valid until the next reset. */
void *reply_arena_alloc(struct reply_arena *a, size_t n);
/* Makes ctx's reader build replies in the arena (ctx may be NULL: no-op); ctx must have been
 * opened by redis_io. */
void reply_arena_attach(struct reply_arena *a, redisContext *ctx);
/* Replies are built on the heap again (ctx may be NULL). */
void reply_arena_detach(struct reply_arena *a, redisContext *ctx);
/* Forgets every reply built so far; keeps one chunk for reuse. */
void reply_arena_reset(struct reply_arena *a);
/* Frees all memory. */
void reply_arena_done(struct reply_arena *a);

#endif
