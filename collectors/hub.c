/* hub.c -- see hub.h. */
#include "hub.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int hub_init(struct hub *hub)
{
    memset(hub, 0, sizeof *hub);
    if (pipe(hub->wake_pipe) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(hub->wake_pipe[i], F_SETFL, fcntl(hub->wake_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(hub->wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    pthread_mutex_init(&hub->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&hub->cond, &attr);
    pthread_condattr_destroy(&attr);
    return 0;
}

void hub_done(struct hub *hub)
{
    for (int i = 0; i < HUB_KINDS; i++) {
        snapshot_free(hub->latest[i]);
        hub->latest[i] = NULL;
    }
    free(hub->focus);
    close(hub->wake_pipe[0]);
    close(hub->wake_pipe[1]);
    pthread_cond_destroy(&hub->cond);
    pthread_mutex_destroy(&hub->lock);
}

void hub_publish(struct hub *hub, struct snapshot *snap)
{
    struct snapshot *old;
    pthread_mutex_lock(&hub->lock);
    old = hub->latest[snap->kind];
    hub->latest[snap->kind] = snap;
    if (old && --old->refcount > 0)
        old = NULL;
    pthread_mutex_unlock(&hub->lock);
    snapshot_free(old);
    ssize_t w = write(hub->wake_pipe[1], "s", 1); /* a full pipe already means "wake up" */
    (void)w;
}

struct snapshot *hub_acquire(struct hub *hub, enum snapshot_kind kind)
{
    pthread_mutex_lock(&hub->lock);
    struct snapshot *s = hub->latest[kind];
    if (s)
        s->refcount++;
    pthread_mutex_unlock(&hub->lock);
    return s;
}

void hub_release(struct hub *hub, struct snapshot *snap)
{
    if (!snap)
        return;
    pthread_mutex_lock(&hub->lock);
    bool last = --snap->refcount == 0;
    pthread_mutex_unlock(&hub->lock);
    if (last)
        snapshot_free(snap);
}

void hub_drain_wakeups(struct hub *hub)
{
    char buf[256];
    while (read(hub->wake_pipe[0], buf, sizeof buf) > 0)
        ;
}

void hub_request_refresh(struct hub *hub)
{
    pthread_mutex_lock(&hub->lock);
    hub->refresh_gen++;
    pthread_cond_broadcast(&hub->cond);
    pthread_mutex_unlock(&hub->lock);
}

void hub_request_stop(struct hub *hub)
{
    pthread_mutex_lock(&hub->lock);
    hub->stopping = true;
    pthread_cond_broadcast(&hub->cond);
    pthread_mutex_unlock(&hub->lock);
}

bool hub_stopping(struct hub *hub)
{
    pthread_mutex_lock(&hub->lock);
    bool s = hub->stopping;
    pthread_mutex_unlock(&hub->lock);
    return s;
}

void hub_set_focus(struct hub *hub, const char *key, size_t len)
{
    pthread_mutex_lock(&hub->lock);
    free(hub->focus);
    hub->focus = len ? xmemdup(key, len) : NULL;
    hub->focus_len = len;
    pthread_mutex_unlock(&hub->lock);
}

void hub_get_focus(struct hub *hub, struct bytes *out)
{
    pthread_mutex_lock(&hub->lock);
    if (hub->focus)
        bytes_set(out, hub->focus, hub->focus_len);
    else
        bytes_set(out, "", 0);
    pthread_mutex_unlock(&hub->lock);
}

/* Copies s into a QT_WF_ID_MAX-byte slot; true when it changed. */
static bool set_slot(char *slot, const char *s)
{
    char next[QT_WF_ID_MAX];
    str_copy(next, s ? s : "", sizeof next);
    if (strcmp(slot, next) == 0)
        return false;
    memcpy(slot, next, sizeof next);
    return true;
}

void hub_set_workflow(struct hub *hub, const char *id)
{
    pthread_mutex_lock(&hub->lock);
    if (set_slot(hub->workflow_id, id)) {
        hub->refresh_gen++;
        pthread_cond_broadcast(&hub->cond);
    }
    pthread_mutex_unlock(&hub->lock);
}

void hub_set_find(struct hub *hub, const char *text)
{
    pthread_mutex_lock(&hub->lock);
    set_slot(hub->find_text, text);
    hub->find_gen++;
    hub->refresh_gen++;
    pthread_cond_broadcast(&hub->cond);
    pthread_mutex_unlock(&hub->lock);
}

void hub_get_workflow(struct hub *hub, char *id_out, char *find_out, uint64_t *find_gen)
{
    pthread_mutex_lock(&hub->lock);
    *find_gen = hub->find_gen;
    memcpy(id_out, hub->workflow_id, sizeof hub->workflow_id);
    memcpy(find_out, hub->find_text, sizeof hub->find_text);
    pthread_mutex_unlock(&hub->lock);
}

bool hub_wait(struct hub *hub, int64_t timeout_ms, uint64_t *seen_gen)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms < 0)
        timeout_ms = 0;
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&hub->lock);
    while (!hub->stopping && hub->refresh_gen == *seen_gen) {
        if (pthread_cond_timedwait(&hub->cond, &hub->lock, &deadline) == ETIMEDOUT)
            break;
    }
    *seen_gen = hub->refresh_gen;
    bool stop = hub->stopping;
    pthread_mutex_unlock(&hub->lock);
    return stop;
}
