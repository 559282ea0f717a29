/* json_out.h -- snapshots (plus history rates) as JSON, for --json and --once --json.
 * The field names are documented in docs/json.md; keep the two in step. */
#ifndef QT_JSON_OUT_H
#define QT_JSON_OUT_H

#include <stdio.h>

#include <jansson.h>

#include "../collectors/history.h"
#include "../collectors/snapshot.h"
#include "../collectors/workflow.h"
#include "../views/streams_model.h"

/* Builds the document for one Redis snapshot, but for redis.streams: that array grows with
 * the keyspace and is written straight from the snapshot by json_line_text (give it the same
 * snapshot in a struct json_streams). rate_interval_ms is recorded as given (0: rates were
 * not asked for). Returns a new reference (caller json_decref's it). */
json_t *json_from_redis(const struct redis_snapshot *r, long long rate_interval_ms);

/* What json_line_text writes in place of redis.streams. history may be NULL (every rate
 * null). Both must outlive the call. */
struct json_streams {
    const struct redis_snapshot *redis;
    const struct history *history;
};

/* Adds doc.redis.server from a server-health snapshot (rates from history, warnings judged with
 * thresholds; streams, which may be NULL, inform the queue-related judgements and carry the
 * streams lost across a restart). */
void json_add_server(json_t *doc, const struct server_snapshot *s, const struct history *history,
                     const struct redis_snapshot *streams, const struct thresholds *t);

/* With several nodes (doc from a merged snapshot): redis.nodes[s->node].server, as
 * json_add_server writes redis.server for one. */
void json_add_node_server(json_t *doc, const struct server_snapshot *s,
                          const struct history *history, const struct redis_snapshot *streams,
                          const struct thresholds *t);

/* Sets obj[name] to the bytes: a JSON string when they are valid UTF-8 (control characters are
 * escaped by jansson, so the text stays exact); otherwise a lossy string (U+FFFD for each bad
 * byte) plus obj[name + "_hex"] with the exact bytes in hex. */
void json_set_bytes(json_t *obj, const char *name, const struct bytes *b);

/* {"workflow": {...}}: one execution with its tasks in seq order (times epoch ms, null when
 * unknown). The same data the timeline draws. */
json_t *json_from_workflow(const struct workflow_exec *w);

/* Sets doc.postgres from a workflow summary (source names the schema, e.g. "conductor"). */
void json_add_postgres(json_t *doc, const char *source, const struct workflow_summary *s);

/* {"executions": [...]}: the result of a search by id or correlation id. */
/* Adds redis.queues, redis.locks, redis.prefixes and redis.keyspace (docs/json.md). */
void json_add_keys(json_t *doc, const struct keys_snapshot *k);
/* When they could not be read: redis.keyspace = {"ok": false, "error": ...} and no
 * queues/locks/prefixes. */
void json_add_keys_error(json_t *doc, const char *error);
/* When PostgreSQL could not be read: doc.postgres = {"ok": false, "error": ...}. */
void json_add_postgres_error(json_t *doc, const char *error);
/* The collector's sample (--json without --once): doc.postgres from the summary, or the error
 * while it was never read, with "state", the sample's age of counts and "cost". */
struct pg_snapshot;
void json_add_postgres_sample(json_t *doc, const struct pg_snapshot *p);

json_t *json_from_found(const struct exec_brief *list, size_t n);

/* doc as one line of our JSON output (compact, or indented with pretty), newline included,
 * NUL-terminated; *len excludes the NUL. st: the streams of a document from json_from_redis
 * (NULL for any other). Caller frees; NULL when out of memory. */
char *json_line_text(json_t *doc, int pretty, const struct json_streams *st, size_t *len);
/* Writes doc followed by a newline; flushes. Returns 0 or -1. */
int json_write_line(json_t *doc, FILE *out, int pretty, const struct json_streams *st);

#endif
