/* text_out.h -- the plain-text table printed by --once without --json. */
#ifndef QT_TEXT_OUT_H
#define QT_TEXT_OUT_H

#include <stdio.h>

#include "../collectors/history.h"
#include "../collectors/snapshot.h"

#include "../views/streams_model.h"

/* Server health: memory, evictions, load, persistence, latency, and the ranked warnings. */
void text_write_server(const struct server_snapshot *s, const struct history *h,
                       const struct redis_snapshot *streams, const struct thresholds *t, FILE *out);

#include "../collectors/workflow.h"

/* Counts by status per workflow, the oldest running executions and the newest failures. */
void text_write_summary(const struct workflow_summary *s, FILE *out);

/* Executions found by id or correlation id, newest first. */
void text_write_found(const struct exec_brief *list, size_t n, FILE *out);

/* One workflow execution and its tasks in seq order, times relative to its start. */
void text_write_workflow(const struct workflow_exec *w, FILE *out);

/* The nodes of a merged snapshot: state, role, streams, a cluster's slots and replicas. */
void text_write_nodes(const struct redis_snapshot *r, FILE *out);
void text_write_streams(const struct redis_snapshot *r, const struct history *h, FILE *out);

/* Queues of every shape, locks (no expiry flagged !!), and keys per prefix. */
void text_write_keys(const struct keys_snapshot *k, FILE *out);

#endif
