/* once.c -- the headless one-shot modes: --once (text or one JSON document) over one server,
 * several or a cluster's primaries, --workflow ID --once and --find TEXT. */
#include "once.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/cancel.h"
#include "../collectors/history.h"
#include "../collectors/nodes.h"
#include "../collectors/pg_conn.h"
#include "../collectors/pg_mapping.h"
#include "../collectors/wf_source.h"
#include "../collectors/util.h"
#include "fleet.h"
#include "json_out.h"
#include "text_out.h"

/* Sleeps ms unless a stop signal arrives (stop_fd readable); true when interrupted. */
static bool sleep_interruptible(int stop_fd, int ms)
{
    struct pollfd p = { stop_fd, POLLIN, 0 };
    return poll(&p, 1, ms) > 0;
}

/* The whole document for one pair of snapshots (either may be NULL). */
json_t *once_document(const struct options *o, const struct snapshot *streams,
                        const struct snapshot *server, const struct history *h,
                        long long rate_interval_ms)
{
    json_t *doc = streams ? json_from_redis(&streams->redis, rate_interval_ms) : json_object();
    if (server)
        json_add_server(doc, &server->server, h, streams ? &streams->redis : NULL, &o->thresholds);
    return doc;
}

/* --find TEXT --once: executions by id or correlation id. Exit 1 when none. */
int run_find_once(const struct options *o)
{
    char err[300];
    PGconn *conn = pg_conn_open_timeout(o->pg_conninfo, o->pg.statement_timeout_ms, err,
                                         sizeof err);
    if (!conn) {
        fprintf(stderr, "queuetop: %s\n", err);
        return 2;
    }
    struct exec_brief list[20];
    struct wf_source src = o->pg.source;
    int n = wf_source_resolve(&src, conn, err, sizeof err) < 0
                ? -1 : wf_find(&src, conn, o->find, list, 20, err, sizeof err);
    pg_conn_close(conn);
    if (n < 0) {
        fprintf(stderr, "queuetop: %s\n", err);
        return 2;
    }
    int rc = n == 0 ? 1 : 0;
    if (n == 0)
        fprintf(stderr, "queuetop: no execution with id or correlation id '%s'\n", o->find);
    if (o->json) {
        json_t *doc = json_from_found(list, (size_t)n);
        if (json_write_line(doc, stdout, o->pretty, NULL) < 0)
            rc = 2;
        json_decref(doc);
    } else {
        text_write_found(list, (size_t)n, stdout);
    }
    for (int i = 0; i < n; i++)
        exec_brief_free(&list[i]);
    return rc;
}

/* --workflow ID --once: one execution from Conductor's tables, as JSON or a text table.
 * Only PostgreSQL is contacted. Exit 1 when there is no such execution. */
int run_workflow_once(const struct options *o)
{
    char err[300];
    PGconn *conn = pg_conn_open_timeout(o->pg_conninfo, o->pg.statement_timeout_ms, err,
                                         sizeof err);
    if (!conn) {
        fprintf(stderr, "queuetop: %s\n", err);
        return 2;
    }
    struct workflow_exec w;
    struct wf_source src = o->pg.source;
    int found = wf_source_resolve(&src, conn, err, sizeof err) < 0
                    ? -1 : wf_fetch_workflow(&src, conn, o->workflow_id, &w, err, sizeof err);
    pg_conn_close(conn);
    if (found < 0) {
        fprintf(stderr, "queuetop: %s\n", err);
        return 2;
    }
    if (found == 0) {
        fprintf(stderr, "queuetop: no workflow execution with id '%s'\n", o->workflow_id);
        return 1;
    }
    int rc = 0;
    if (o->json) {
        json_t *doc = json_from_workflow(&w);
        rc = json_write_line(doc, stdout, o->pretty, NULL) < 0 ? 2 : 0;
        json_decref(doc);
    } else {
        text_write_workflow(&w, stdout);
    }
    workflow_exec_free(&w);
    return rc;
}

/* --pg with --once: the workflows summary added to doc; 0, or 2 with a message on stderr (and
 * doc.postgres = {"ok": false, "error": ...} so the rest of the document still stands). */
static int add_postgres_once(const struct options *o, json_t *doc, bool text)
{
    char err[300];
    PGconn *conn = pg_conn_open_timeout(o->pg_conninfo, o->pg.statement_timeout_ms, err,
                                         sizeof err);
    if (!conn) {
        fprintf(stderr, "queuetop: %s\n", err);
        if (!text)
            json_add_postgres_error(doc, err);
        return 2;
    }
    struct workflow_summary sum;
    memset(&sum, 0, sizeof sum);
    struct wf_source src = o->pg.source;
    int rc = wf_source_resolve(&src, conn, err, sizeof err);
    if (rc == 0)
        rc = wf_summary(&src, conn, o->pg.window_hours, SUMMARY_ALL, &sum, err, sizeof err);
    pg_conn_close(conn);
    if (rc < 0) {
        fprintf(stderr, "queuetop: %s\n", err);
        if (!text)
            json_add_postgres_error(doc, err);
        workflow_summary_free(&sum);
        return 2;
    }
    if (text)
        text_write_summary(&sum, stdout);
    else
        json_add_postgres(doc, wf_source_name(src.kind), &sum);
    workflow_summary_free(&sum);
    return 0;
}

/* A single target that turned out to be a Redis Cluster node (its server sample said so):
 * the fleet becomes the cluster's primaries, sampled anew. Without a map (CLUSTER SHARDS and
 * SLOTS refused), the node alone is shown, and stderr says why. */
static void once_follow_cluster(struct fleet *f, const struct options *o)
{
    if (f->n != 1 || f->cluster || o->nodes[0].target.sentinel || !f->nodes[0].s ||
        !f->nodes[0].s->server.cluster_enabled)
        return;
    struct cluster_map *map = xmalloc(sizeof *map);
    char err[300];
    int rc = cluster_map_fetch(&o->nodes[0].target, o->streams.connect_timeout_ms,
                               o->streams.command_timeout_ms, map, err, sizeof err);
    if (rc == 1) {
        fleet_free(f);
        fleet_from_cluster(f, o, map, &o->nodes[0].target, NULL);
        fleet_sample_once(f);
    } else if (rc < 0 && !cancel_requested()) {
        fprintf(stderr, "queuetop: a cluster node, but its map cannot be read (%s): this node "
                        "alone is shown\n", err);
    }
    free(map);
}

/* The --once document and text of several nodes: merged streams, keys, every node's server
 * health. Exit 2 when a node could not be read (the others are still shown). */
static int once_output_nodes(const struct options *o, struct fleet *f, struct history *h,
                             struct history *hs)
{
    struct snapshot *snap = fleet_merge_redis(f), *ks = fleet_merge_keys(f);
    history_update(h, &snap->redis);
    int rc = 0;
    size_t up = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->nodes[i].r)
            up++;
        else if (!cancel_requested())
            fprintf(stderr, "queuetop: %s: %s\n", f->nodes[i].info.name, f->nodes[i].err);
        if (f->nodes[i].s)
            history_update_server(&hs[i], &f->nodes[i].s->server);
    }
    if (up < f->n)
        rc = 2;
    json_t *doc = json_from_redis(&snap->redis, o->rate_interval_ms);
    for (size_t i = 0; i < f->n; i++)
        if (f->nodes[i].s)
            json_add_node_server(doc, &f->nodes[i].s->server, &hs[i], &f->nodes[i].r->redis,
                                 &o->thresholds);
    bool keys_read = false;
    for (size_t i = 0; i < f->n; i++)
        keys_read = keys_read || f->nodes[i].k;
    if (keys_read)
        json_add_keys(doc, &ks->keys);
    else
        json_add_keys_error(doc, f->n ? f->nodes[0].kerr : "");
    if (!o->json) {
        text_write_nodes(&snap->redis, stdout);
        for (size_t i = 0; i < f->n; i++) {
            if (!f->nodes[i].s)
                continue;
            fprintf(stdout, "\n%s\n", f->nodes[i].info.name);
            text_write_server(&f->nodes[i].s->server, &hs[i], &f->nodes[i].r->redis,
                              &o->thresholds, stdout);
        }
        fputc('\n', stdout);
        text_write_streams(&snap->redis, h, stdout);
        if (keys_read)
            text_write_keys(&ks->keys, stdout);
    }
    if (o->pg_conninfo) {
        int prc = add_postgres_once(o, doc, !o->json);
        if (prc)
            rc = prc;
    }
    struct json_streams st = { &snap->redis, h };
    if (o->json && json_write_line(doc, stdout, o->pretty, &st) < 0)
        rc = 2;
    json_decref(doc);
    snapshot_free(snap);
    snapshot_free(ks);
    return rc;
}

int run_once(const struct options *o, int stop_fd)
{
    if (o->pg_conninfo && !o->redis_named) {
        /* only the sources a user names are contacted */
        json_t *doc = json_object();
        int rc = add_postgres_once(o, doc, !o->json);
        if (o->json && json_write_line(doc, stdout, o->pretty, NULL) < 0)
            rc = 2;
        json_decref(doc);
        return rc;
    }
    struct fleet f;
    fleet_from_options(&f, o, NULL);
    fleet_sample_once(&f);
    once_follow_cluster(&f, o);
    struct history h;
    history_init(&h);
    struct history *hs = xcalloc(f.n, sizeof *hs);   /* each node's server rates */
    for (size_t i = 0; i < f.n; i++)
        history_init(&hs[i]);
    bool any = false;
    for (size_t i = 0; i < f.n; i++)
        any = any || f.nodes[i].r;
    char err[256] = "";
    if (any && o->rate_interval_ms > 0) {
        if (f.several) {
            struct snapshot *m = fleet_merge_redis(&f);
            history_update(&h, &m->redis);
            snapshot_free(m);
        } else {
            history_update(&h, &f.nodes[0].r->redis);
        }
        for (size_t i = 0; i < f.n; i++)
            if (f.nodes[i].s)
                history_update_server(f.several ? &hs[i] : &h, &f.nodes[i].s->server);
        fleet_drop_samples(&f);
        if (!sleep_interruptible(stop_fd, o->rate_interval_ms)) {
            fleet_sample_once(&f);
        } else {
            str_copy(err, "interrupted", sizeof err);
            any = false;
        }
    }
    if (!err[0]) {
        any = false;
        for (size_t i = 0; i < f.n; i++)
            any = any || f.nodes[i].r;
    }
    int rc = 0;
    if (f.several && any) {
        rc = once_output_nodes(o, &f, &h, hs);
    } else if (!any) {
        if (!err[0])
            str_copy(err, f.n ? f.nodes[0].err : "no server", sizeof err);
        /* a stop cancels the waits: the error it caused is not the server's */
        if (f.several && !cancel_requested())
            for (size_t i = 0; i < f.n; i++)
                fprintf(stderr, "queuetop: %s: %s\n", f.nodes[i].info.name, f.nodes[i].err);
        else
            fprintf(stderr, "queuetop: %s\n", cancel_requested() ? "interrupted" : err);
        rc = 2;
        if (o->json && !cancel_requested()) {
            /* the source is down: say so in the document too, never as an empty keyspace */
            char url[512];
            redis_target_display(&o->streams.target, url, sizeof url);
            json_t *doc = json_pack("{s:{s:s,s:b,s:s,s:s}}", "redis", "url", url, "ok", 0,
                                    "state", "down", "error", err);
            if (doc)
                json_write_line(doc, stdout, o->pretty, NULL);
            json_decref(doc);
        }
    } else {
        struct fleet_node *fn = &f.nodes[0];
        struct snapshot *snap = fn->r, *sv = fn->s, *ks = fn->k;
        history_update(&h, &snap->redis);
        history_update_server(&h, &sv->server);
        json_t *doc = once_document(o, snap, sv, &h, o->rate_interval_ms);
        /* queues, locks and prefixes are extra: a refusal there (SCAN of every key, TYPE,
         * PTTL) is reported in the document and the rest stands */
        if (ks)
            json_add_keys(doc, &ks->keys);
        else
            json_add_keys_error(doc, fn->kerr);
        if (!o->json) {
            text_write_server(&sv->server, &h, &snap->redis, &o->thresholds, stdout);
            text_write_streams(&snap->redis, &h, stdout);
            if (ks)
                text_write_keys(&ks->keys, stdout);
            else
                fprintf(stdout, "\nqueues, locks and prefixes: %s\n", fn->kerr);
        }
        if (o->pg_conninfo)
            rc = add_postgres_once(o, doc, !o->json);
        struct json_streams st = { &snap->redis, &h };
        if (o->json && json_write_line(doc, stdout, o->pretty, &st) < 0)
            rc = 2;
        json_decref(doc);
    }
    for (size_t i = 0; i < f.n; i++)
        history_done(&hs[i]);
    free(hs);
    history_done(&h);
    fleet_free(&f);
    return rc;
}

