/* hub.h -- hands finished snapshots from collector threads to the UI, and requests back.
 *
 * Collectors publish (ownership passes to the hub); readers acquire a reference and release it.
 * Every publish writes one byte on a pipe so a poll()ing UI wakes up. Requests from the UI
 * (refresh now, the stream whose consumers to read, stop) wake the collectors' timed wait. */
#ifndef QT_HUB_H
#define QT_HUB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes.h"
#include "snapshot.h"
#include "workflow.h"

#define HUB_KINDS 4

struct hub {
    pthread_mutex_t lock;
    pthread_cond_t cond;              /* signalled on refresh request and stop */
    struct snapshot *latest[HUB_KINDS];
    int wake_pipe[2];                 /* [0] for poll() in the UI, non-blocking */
    bool stopping;
    uint64_t refresh_gen;             /* bumped by hub_request_refresh */
    char *focus;                      /* stream key whose consumers to read; NULL for none */
    size_t focus_len;
    char workflow_id[QT_WF_ID_MAX];   /* the execution the UI opened; "" for none */
    char find_text[QT_WF_ID_MAX];     /* the UI's last search; "" for none */
    uint64_t find_gen;                /* bumped by every hub_set_find, same text or not */

    /* several Redis nodes (hub_set_nodes): each node's newest snapshot per kind, and the
     * merged one hub_acquire hands out (made again once a part changed) */
    size_t nodes;                     /* 0: one server, latest[] as is */
    uint64_t moved_gen;               /* bumped by hub_note_moved: a cluster's map is stale */
    struct node_status *node_info;    /* nodes entries: names, URLs, a cluster's figures */
    struct snapshot *per_node[HUB_KINDS][REDIS_NODES_MAX];
    uint64_t gen[HUB_KINDS];          /* bumped by every publish of that kind */
    struct snapshot *merged[HUB_KINDS];
    uint64_t merged_gen[HUB_KINDS];
};

/* Returns 0, or -1 when the pipe cannot be made (errno set). */
int hub_init(struct hub *hub);
/* Frees the latest snapshots. No collector may still run. */
void hub_done(struct hub *hub);

/* From now on, the Redis kinds are published per node (snap->node < n) and acquired merged
 * (nodes_merge_*; the server kind: node 0's, hub_acquire_node for the others). info is
 * copied; call again when it changes (a cluster's topology). */
void hub_set_nodes(struct hub *hub, const struct node_status *info, size_t n);
/* A copy of the node table (n entries; caller frees), NULL when there is none. */
struct node_status *hub_get_nodes(struct hub *hub, size_t *n);
/* Node node's own newest snapshot of that kind (not merged), or NULL. */
struct snapshot *hub_acquire_node(struct hub *hub, enum snapshot_kind kind, size_t node);

/* A collector saw MOVED or ASK: the cluster's map is to be read again now. */
void hub_note_moved(struct hub *hub);
/* Waits up to timeout_ms, returning early on stop or on a hub_note_moved newer than *seen
 * (which it updates). Returns true when a stop was requested. */
bool hub_wait_moved(struct hub *hub, int64_t timeout_ms, uint64_t *seen);

/* Takes ownership of snap (refcount 1), replaces the previous one of its kind. */
void hub_publish(struct hub *hub, struct snapshot *snap);
/* Newest snapshot of that kind with a reference added, or NULL; give it back with hub_release. */
struct snapshot *hub_acquire(struct hub *hub, enum snapshot_kind kind);
void hub_release(struct hub *hub, struct snapshot *snap);
/* Empties the wake pipe; call after poll() reported it readable. */
void hub_drain_wakeups(struct hub *hub);

void hub_request_refresh(struct hub *hub);
void hub_request_stop(struct hub *hub);
bool hub_stopping(struct hub *hub);
/* Sets (or clears with len 0) the focus key; the bytes are copied. */
void hub_set_focus(struct hub *hub, const char *key, size_t len);
/* Copies the focus key into *out (caller frees out->ptr); out->len 0 when none. */
void hub_get_focus(struct hub *hub, struct bytes *out);

/* The execution to read every tick ("" or NULL for none), and the search to run (again, when
 * the text is the same); both are copied (up to QT_WF_ID_MAX - 1 bytes) and wake the
 * collectors. */
void hub_set_workflow(struct hub *hub, const char *id);
void hub_set_find(struct hub *hub, const char *text);
/* Copies them into id_out and find_out (QT_WF_ID_MAX bytes each), and the search's
 * generation into *find_gen. */
void hub_get_workflow(struct hub *hub, char *id_out, char *find_out, uint64_t *find_gen);

/* Waits up to timeout_ms, returning early on stop or on a refresh newer than *seen_gen
 * (which it updates). Returns true when a stop was requested. */
bool hub_wait(struct hub *hub, int64_t timeout_ms, uint64_t *seen_gen);

#endif
