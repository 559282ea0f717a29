/* collector.c -- see collector.h. */
#define _GNU_SOURCE   /* pthread_timedjoin_np */
#include "collector.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "cancel.h"
#include <stdlib.h>
#include <string.h>

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

    while (!hub_stopping(t->hub) && !atomic_load(&t->retire)) {
        if (t->debug_fault) {
            /* QUEUETOP_DEBUG_FAULT=<class name>: a real fault on this thread, for the test that
             * the crash handler restores the terminal from any thread */
            volatile int *volatile nowhere = NULL;
            *nowhere = 1;
        }
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
        if (atomic_load(&t->retire)) {
            snapshot_free(snap);   /* retired meanwhile: its node belongs to another now */
            break;
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
    const char *fault = getenv("QUEUETOP_DEBUG_FAULT");
    t->debug_fault = fault && strcmp(fault, cls->name) == 0;
    /* A SIGWINCH landing here would interrupt a connect's poll() and read as a failed
     * connection: the thread starts with the asynchronous signals blocked (it inherits this
     * mask). The synchronous ones stay open, so that a fault on this thread runs the crash
     * handler, which restores the terminal; blocked, the kernel would kill the process
     * without it. */
    sigset_t all, old;
    sigfillset(&all);
    static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };
    for (size_t i = 0; i < ARRAY_LEN(faults); i++)
        sigdelset(&all, faults[i]);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&t->thread, NULL, collector_main, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    t->started = true;
    return 0;
}

/* When the first stop of the process was asked (mono ms; 0: none yet), and how many threads
 * did not end in time: process-wide because quitting is. */
static _Atomic int64_t first_stop_ms;
static atomic_int threads_stuck;

void collector_thread_stop(struct collector_thread *t)
{
    if (!t->started)
        return;
    int64_t none = 0, now = mono_ms();
    atomic_compare_exchange_strong(&first_stop_ms, &none, now);
    hub_request_stop(t->hub);
    if (!cancel_requested()) {
        /* not leaving the process (a test, say): the caller frees what the thread uses */
        pthread_join(t->thread, NULL);
        t->started = false;
        return;
    }
    /* every network wait is cancellable, so a thread ends within milliseconds; this bound is
     * for the one that does not (a name lookup in libc, a library call we cannot interrupt) */
    int64_t left = atomic_load(&first_stop_ms) + COLLECTOR_STOP_WAIT_MS - now;
    if (left < 0)
        left = 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(left / 1000);
    until.tv_nsec += (long)(left % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    if (pthread_timedjoin_np(t->thread, NULL, &until) != 0) {
        atomic_fetch_add(&threads_stuck, 1);
        t->stuck = true;
    }
    t->started = false;
}

void collector_thread_retire(struct collector_thread *t)
{
    if (!t->started)
        return;
    atomic_store(&t->retire, true);
    hub_request_refresh(t->hub);   /* out of its wait */
    pthread_join(t->thread, NULL);
    t->started = false;
}

int collector_threads_stuck(void)
{
    return atomic_load(&threads_stuck);
}
