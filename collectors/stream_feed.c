/* stream_feed.c -- the stream keys of the keys collector's walk, for the streams collector.
 * See stream_feed.h. */
#include "stream_feed.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void stream_feed_init(struct stream_feed *f)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    f->pass_id = 1;
}

static void drop_names(struct stream_feed *f)
{
    for (size_t i = 0; i < f->n; i++)
        bytes_free(&f->names[i]);
    f->n = 0;
    f->ended_n = 0;
}

void stream_feed_done(struct stream_feed *f)
{
    drop_names(f);
    free(f->names);
    f->names = NULL;
    f->cap = 0;
    pthread_mutex_destroy(&f->mu);
}

void stream_feed_set_up(struct stream_feed *f, bool up)
{
    pthread_mutex_lock(&f->mu);
    f->up = up;
    pthread_mutex_unlock(&f->mu);
}

void stream_feed_restart(struct stream_feed *f)
{
    pthread_mutex_lock(&f->mu);
    f->pass_id++;
    f->overflow = false;   /* the names met so far stay: they were real */
    pthread_mutex_unlock(&f->mu);
}

void stream_feed_saw(struct stream_feed *f, const char *key, size_t len)
{
    pthread_mutex_lock(&f->mu);
    if (f->n >= STREAM_FEED_MAX) {
        f->overflow = true;
    } else {
        f->names = xgrow(f->names, f->n, &f->cap, 256, sizeof *f->names);
        bytes_set(&f->names[f->n++], key, len);
    }
    pthread_mutex_unlock(&f->mu);
}

void stream_feed_pass_end(struct stream_feed *f)
{
    pthread_mutex_lock(&f->mu);
    /* two ends between takes: the names of both count as the ended pass's (dropping less) */
    f->ended_whole = (f->ended ? f->ended_whole : true) && !f->overflow;
    f->ended = true;
    f->ended_id = f->pass_id;
    f->ended_n = f->n;
    f->passes++;
    f->pass_id++;
    f->overflow = false;
    pthread_mutex_unlock(&f->mu);
}

void stream_feed_take(struct stream_feed *f, struct stream_feed_take *t)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_lock(&f->mu);
    t->names = f->names;
    t->n = f->n;
    t->ended_n = f->ended_n;
    t->ended = f->ended;
    t->whole = f->ended_whole;
    t->ended_id = f->ended_id;
    t->pass_id = f->pass_id;
    t->up = f->up;
    f->names = NULL;
    f->n = f->cap = f->ended_n = 0;
    f->ended = false;
    pthread_mutex_unlock(&f->mu);
}

void stream_feed_take_free(struct stream_feed_take *t)
{
    for (size_t i = 0; i < t->n; i++)
        bytes_free(&t->names[i]);
    free(t->names);
    t->names = NULL;
    t->n = 0;
}
