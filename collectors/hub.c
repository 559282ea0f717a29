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
        snapshot_free(hub->merged[i]);
        for (size_t k = 0; k < REDIS_NODES_MAX; k++)
            snapshot_free(hub->per_node[i][k]);
    }
    free(hub->node_info);
    free(hub->focus);
    close(hub->wake_pipe[0]);
    close(hub->wake_pipe[1]);
    pthread_cond_destroy(&hub->cond);
    pthread_mutex_destroy(&hub->lock);
}

static bool per_node_kind(const struct hub *hub, enum snapshot_kind kind)
{
    return hub->nodes > 0 && kind != SNAPSHOT_PG;
}

void hub_set_nodes(struct hub *hub, const struct node_status *info, size_t n)
{
    struct node_status *copy = xcalloc(n ? n : 1, sizeof *copy);
    memcpy(copy, info, n * sizeof *copy);
    pthread_mutex_lock(&hub->lock);
    free(hub->node_info);
    hub->node_info = copy;
    hub->nodes = n;
    for (int k = 0; k < HUB_KINDS; k++)
        hub->gen[k]++;   /* the merged snapshots carry the table: made again */
    pthread_mutex_unlock(&hub->lock);
    ssize_t w = write(hub->wake_pipe[1], "n", 1);
    (void)w;
}

struct node_status *hub_get_nodes(struct hub *hub, size_t *n)
{
    pthread_mutex_lock(&hub->lock);
    *n = hub->nodes;
    struct node_status *copy = NULL;
    if (hub->nodes) {
        copy = xcalloc(hub->nodes, sizeof *copy);
        memcpy(copy, hub->node_info, hub->nodes * sizeof *copy);
    }
    pthread_mutex_unlock(&hub->lock);
    return copy;
}

void hub_publish(struct hub *hub, struct snapshot *snap)
{
    struct snapshot *old;
    pthread_mutex_lock(&hub->lock);
    struct snapshot **slot = &hub->latest[snap->kind];
    if (per_node_kind(hub, snap->kind) && snap->node < REDIS_NODES_MAX) {
        slot = &hub->per_node[snap->kind][snap->node];
        hub->gen[snap->kind]++;
    }
    old = *slot;
    *slot = snap;
    if (old && --old->refcount > 0)
        old = NULL;
    pthread_mutex_unlock(&hub->lock);
    snapshot_free(old);
    ssize_t w = write(hub->wake_pipe[1], "s", 1); /* a full pipe already means "wake up" */
    (void)w;
}

struct snapshot *hub_acquire_node(struct hub *hub, enum snapshot_kind kind, size_t node)
{
    pthread_mutex_lock(&hub->lock);
    struct snapshot *s = !per_node_kind(hub, kind) ? (node == 0 ? hub->latest[kind] : NULL)
                         : node < REDIS_NODES_MAX ? hub->per_node[kind][node] : NULL;
    if (s)
        s->refcount++;
    pthread_mutex_unlock(&hub->lock);
    return s;
}

/* The merged snapshot of a Redis kind: the cached one while no part changed, else made anew
 * outside the lock (the parts are held meanwhile) and cached unless a newer part came. */
static struct snapshot *acquire_merged(struct hub *hub, enum snapshot_kind kind)
{
    struct snapshot *parts[REDIS_NODES_MAX];
    pthread_mutex_lock(&hub->lock);
    if (hub->merged[kind] && hub->merged_gen[kind] == hub->gen[kind]) {
        struct snapshot *m = hub->merged[kind];
        m->refcount++;
        pthread_mutex_unlock(&hub->lock);
        return m;
    }
    uint64_t gen = hub->gen[kind];
    size_t n = hub->nodes;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        /* a node that left the cluster: nothing of it is merged but its line in the table */
        parts[i] = hub->node_info[i].left && kind == SNAPSHOT_KEYS ? NULL : hub->per_node[kind][i];
        if (parts[i]) {
            parts[i]->refcount++;
            any = true;
        }
    }
    struct node_status *info = NULL;
    if (kind == SNAPSHOT_REDIS) {
        info = xcalloc(n, sizeof *info);
        memcpy(info, hub->node_info, n * sizeof *info);
    }
    pthread_mutex_unlock(&hub->lock);
    if (!any) {
        free(info);
        return NULL;
    }
    struct snapshot *m = kind == SNAPSHOT_REDIS ? nodes_merge_redis(parts, info, n)
                                                : nodes_merge_keys(parts, n);
    free(info);
    for (size_t i = 0; i < n; i++)
        hub_release(hub, parts[i]);
    struct snapshot *old = NULL;
    pthread_mutex_lock(&hub->lock);
    if (hub->gen[kind] == gen) {
        old = hub->merged[kind];
        if (old && --old->refcount > 0)
            old = NULL;
        hub->merged[kind] = m;
        hub->merged_gen[kind] = gen;
        m->refcount++;   /* the cache's */
    }
    pthread_mutex_unlock(&hub->lock);
    snapshot_free(old);
    return m;
}

struct snapshot *hub_acquire(struct hub *hub, enum snapshot_kind kind)
{
    pthread_mutex_lock(&hub->lock);
    bool nodes = per_node_kind(hub, kind);
    if (nodes && kind != SNAPSHOT_SERVER) {
        pthread_mutex_unlock(&hub->lock);
        return acquire_merged(hub, kind);
    }
    /* one server: its own; several: node 0's server health (hub_acquire_node for others) */
    struct snapshot *s = nodes ? hub->per_node[kind][0] : hub->latest[kind];
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

void hub_note_moved(struct hub *hub)
{
    pthread_mutex_lock(&hub->lock);
    hub->moved_gen++;
    pthread_cond_broadcast(&hub->cond);
    pthread_mutex_unlock(&hub->lock);
}

/* Waits up to timeout_ms for a stop or for *gen (read under the lock) to differ from *seen,
 * which it updates. Returns true when a stop was requested. */
static bool wait_for_gen(struct hub *hub, int64_t timeout_ms, const uint64_t *gen,
                         uint64_t *seen)
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
    while (!hub->stopping && *gen == *seen) {
        if (pthread_cond_timedwait(&hub->cond, &hub->lock, &deadline) == ETIMEDOUT)
            break;
    }
    *seen = *gen;
    bool stop = hub->stopping;
    pthread_mutex_unlock(&hub->lock);
    return stop;
}

bool hub_wait_moved(struct hub *hub, int64_t timeout_ms, uint64_t *seen)
{
    return wait_for_gen(hub, timeout_ms, &hub->moved_gen, seen);
}

bool hub_wait(struct hub *hub, int64_t timeout_ms, uint64_t *seen_gen)
{
    return wait_for_gen(hub, timeout_ms, &hub->refresh_gen, seen_gen);
}
