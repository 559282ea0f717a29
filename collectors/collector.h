/* collector.h -- the loop every collector thread runs: tick, publish, wait for the interval (or
 * a refresh request), and on failure publish the reason and retry with capped exponential
 * backoff (250 ms doubling to 5 s) on a fresh connection. A collector is a class: a const
 * table of functions over its own state, which only its thread touches. */
#ifndef QT_COLLECTOR_H
#define QT_COLLECTOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub.h"

struct collector_class {
    const char *name;
    /* Optional: runs on the collector thread before each tick (e.g. to read the hub's focus). */
    void (*before_tick)(void *self, struct hub *hub);
    /* One budgeted tick; 0, or -1 with a one-line reason in err. */
    int (*tick)(void *self, char *err, size_t errlen);
    /* A new snapshot of the collector's state (state CONN_UP after a good tick). */
    struct snapshot *(*build)(void *self, enum conn_state state, const char *error,
                              int64_t retry_in_ms);
    /* Drops the connection (the next tick reconnects). */
    void (*disconnect)(void *self);
};

#define COLLECTOR_BACKOFF_MIN_MS 250
#define COLLECTOR_BACKOFF_MAX_MS 5000

struct collector_thread {
    const struct collector_class *cls;
    void *self;
    struct hub *hub;
    int interval_ms;
    pthread_t thread;
    bool started;
    bool debug_fault; /* QUEUETOP_DEBUG_FAULT names this class: fault on the first tick */
    bool stuck;       /* did not end within COLLECTOR_STOP_WAIT_MS of the first stop */
    _Atomic bool retire;   /* collector_thread_retire: this one ends, the others go on */
};

/* Starts the thread with all signals blocked (they belong to the UI thread). 0 or -1. */
int collector_thread_start(struct collector_thread *t, const struct collector_class *cls,
                           void *self, struct hub *hub, int interval_ms);
/* Asks the hub to stop and joins the thread (no-op if not started). Once cancel_request()
 * was called (the process is leaving), it waits at most until COLLECTOR_STOP_WAIT_MS after
 * the first stop of the process instead. A thread still running then is
 * left running and counted: its collector must not be freed (the process should leave with
 * _exit; see collector_threads_stuck). */
#define COLLECTOR_STOP_WAIT_MS 700
void collector_thread_stop(struct collector_thread *t);
/* Ends this thread alone (a node left the cluster, or moved): it leaves after its tick in
 * progress, and is joined. The hub and the other collectors go on. */
void collector_thread_retire(struct collector_thread *t);
/* How many threads collector_thread_stop gave up on. */
int collector_threads_stuck(void);

/* The next delay after a failure that followed a delay of previous_ms (0: first failure). */
int collector_backoff_ms(int previous_ms);

#endif
