/* collector.c -- see collector.h. */
#include "collector.h"

#include <signal.h>

#include "snapshot.h"
#include "util.h"

int collector_backoff_ms(int previous_ms)
{
    int next = previous_ms ? previous_ms * 2 : COLLECTOR_BACKOFF_MIN_MS;
    return next > COLLECTOR_BACKOFF_MAX_MS ? COLLECTOR_BACKOFF_MAX_MS : next;
}

static void *collector_main(void *arg)
{
    struct collector_thread *t = arg;
    uint64_t seen_gen = 0;
    int backoff_ms = 0;
    char err[256];

    while (!hub_stopping(t->hub)) {
        if (t->cls->before_tick)
            t->cls->before_tick(t->self, t->hub);
        int64_t start = mono_ms();
        err[0] = '\0';
        int64_t wait_ms;
        struct snapshot *snap;
        if (t->cls->tick(t->self, err, sizeof err) == 0) {
            backoff_ms = 0;
            snap = t->cls->build(t->self, CONN_UP, NULL, 0);
            wait_ms = t->interval_ms - (mono_ms() - start);
        } else {
            t->cls->disconnect(t->self);
            backoff_ms = collector_backoff_ms(backoff_ms);
            snap = t->cls->build(t->self, CONN_DOWN, err, backoff_ms);
            wait_ms = backoff_ms;
        }
        hub_publish(t->hub, snap);
        if (hub_wait(t->hub, wait_ms, &seen_gen))
            break;
    }
    t->cls->disconnect(t->self);
    return NULL;
}

int collector_thread_start(struct collector_thread *t, const struct collector_class *cls,
                           void *self, struct hub *hub, int interval_ms)
{
    if (!hub || t->started)
        return -1;
    t->cls = cls;
    t->self = self;
    t->hub = hub;
    t->interval_ms = interval_ms;
    /* A SIGWINCH landing here would interrupt hiredis' connect poll() and read as a failed
     * connection: the thread starts with every signal blocked (it inherits this mask). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&t->thread, NULL, collector_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    t->started = true;
    return 0;
}

void collector_thread_stop(struct collector_thread *t)
{
    if (!t->started)
        return;
    hub_request_stop(t->hub);
    pthread_join(t->thread, NULL);
    t->started = false;
}
