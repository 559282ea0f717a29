/* text_out.c -- see text_out.h. */
#include "text_out.h"

#include <math.h>
#include <string.h>

#include "format.h"
#include "../collectors/nodes.h"
#include "../collectors/util.h"
#include "sanitize.h"
#include "../views/server_model.h"

void text_write_streams(const struct redis_snapshot *r, const struct history *h, FILE *out)
{
    if (r->node_count)
        fprintf(out, "%zu nodes  redis %s  %zu stream%s\n", r->node_count,
                r->version[0] ? r->version : "?", r->stream_count, r->stream_count == 1 ? "" : "s");
    else
    fprintf(out, "%s%s%s%s  redis %s %s  %zu stream%s\n", r->url, r->master[0] ? " -> " : "",
            r->master, r->tls_unverified ? " (TLS not verified)" : "", r->version[0] ? r->version : "?",
            r->role[0] ? r->role : "?", r->stream_count, r->stream_count == 1 ? "" : "s");
    bool nodes = r->node_count > 0;
    if (nodes)
        fprintf(out, "%-21s ", "NODE");
    fprintf(out, "%-32s %9s %8s %4s %9s %9s %9s %5s\n", "STREAM", "LENGTH", "IN/s", "GRPS",
            "MAX LAG", "PENDING", "OLDEST", "CONS");
    for (size_t i = 0; i < r->stream_count; i++) {
        const struct stream_info *s = r->streams[i];
        if (nodes) {
            char node[100];
            const char *nn = nodes_name(r, s->node);
            sanitize_for_cell(nn, strlen(nn), node, sizeof node, 21, false);
            fprintf(out, "%-21s ", node);
        }
        const struct stream_history *sh = h ? history_find(h, &s->key, s->node) : NULL;
        char key[160], len[16], rate[16], lag[16], pend[16], age[16];
        sanitize_for_cell(s->key.ptr, s->key.len, key, sizeof key, 32, false);
        fmt_count(s->length, len, sizeof len);
        fmt_rate(sh ? sh->produced_per_sec : (double)NAN, rate, sizeof rate);
        fmt_count(s->lag_partly_unknown && s->max_lag == QT_UNKNOWN ? QT_UNKNOWN : s->max_lag,
                  lag, sizeof lag);
        if (s->group_len == 0 && stream_groups_known(s))
            strcpy(lag, "-");
        fmt_count(s->pending_total, pend, sizeof pend);
        if (s->oldest_pending_age_ms == QT_UNKNOWN)
            strcpy(age, "-");
        else
            fmt_duration_ms(s->oldest_pending_age_ms, age, sizeof age);
        char grp[16], cons[16];
        stream_groups_text(s, grp, sizeof grp);
        fmt_count(s->consumers_total, cons, sizeof cons);
        fprintf(out, "%-32s %9s %8s %4s %9s %9s %9s %5s\n", key, len, rate, grp, lag, pend, age,
                cons);
    }
}

void text_write_nodes(const struct redis_snapshot *r, FILE *out)
{
    fprintf(out, "%zu node%s\n", r->node_count, r->node_count == 1 ? "" : "s");
    for (size_t i = 0; i < r->node_count; i++) {
        const struct node_status *n = &r->nodes[i];
        char name[100], err[300];
        sanitize_for_cell(n->name, strlen(n->name), name, sizeof name, 32, false);
        const char *state = n->left ? "LEFT" : n->state == CONN_UP ? "up"
                            : n->state == CONN_DOWN ? "DOWN" : "connecting";
        fprintf(out, "%s %-32s %-10s %-7s %6zu streams", n->state == CONN_UP ? "  " : "!!", name,
                state, n->role[0] ? n->role : "?", n->stream_count);
        if (n->cluster)
            fprintf(out, "  slots %s (%lld)", n->slots, n->slot_count);
        if (n->state != CONN_UP && n->error[0]) {
            sanitize_for_cell(n->error, strlen(n->error), err, sizeof err, 120, false);
            fprintf(out, "  %s", err);
        }
        fputc('\n', out);
        for (size_t k = 0; k < n->replica_count; k++) {
            const struct node_replica *rp = &n->replicas[k];
            char lag[24];
            if (rp->lag_bytes == QT_UNKNOWN)
                snprintf(lag, sizeof lag, "?");
            else
                snprintf(lag, sizeof lag, "%lld B", rp->lag_bytes);
            sanitize_for_cell(rp->addr, strlen(rp->addr), name, sizeof name, 32, false);
            fprintf(out, "     replica %-32s %-8s lag %s\n", name,
                    rp->health[0] ? rp->health : "?", lag);
        }
    }
}

void text_write_server(const struct server_snapshot *s, const struct history *h,
                       const struct redis_snapshot *streams, const struct thresholds *t, FILE *out)
{
    if (s->state != CONN_UP) {
        fprintf(out, "server health unavailable: %s\n", s->error);
        return;
    }
    const struct server_history *sh = h ? &h->server : NULL;
    char used[16], max[16], ev[16], ops[16];
    fmt_count(s->used_memory, used, sizeof used);
    fmt_count(s->maxmemory, max, sizeof max);
    fmt_rate(sh ? sh->evicted_per_sec : (double)NAN, ev, sizeof ev);
    fmt_count(s->ops_per_sec, ops, sizeof ops);
    fprintf(out, "memory %sB / %s  policy %s  evicted/s %s  ops/s %s  clients %lld (%lld blocked)"
                 "  ping %.2f ms\n",
            used, s->maxmemory > 0 ? max : "no limit", s->maxmemory_policy, ev, ops,
            s->connected_clients, s->blocked_clients, s->ping_avg_ms);
    fprintf(out, "persistence: AOF %s%s%s, RDB last save %s  replication: %s, %lld replicas\n",
            s->aof_enabled ? "on" : "off", s->aof_fsync[0] ? " fsync " : "", s->aof_fsync,
            s->rdb_last_bgsave_status, s->role, s->connected_replicas);
    struct health_warning w[HEALTH_WARNINGS_MAX];
    size_t n = server_warnings(s, sh, streams, t, wall_ms(), w, HEALTH_WARNINGS_MAX);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s %s\n", w[i].sev == SEV_CRIT ? "CRITICAL" : "WARNING ", w[i].text);
}

static void rel(long long t, long long base, char *buf, size_t len)
{
    if (t == QT_UNKNOWN || base == QT_UNKNOWN)
        snprintf(buf, len, "-");
    else if (t < base)
        snprintf(buf, len, "-%.3fs", (double)(base - t) / 1000.0);
    else
        snprintf(buf, len, "+%.3fs", (double)(t - base) / 1000.0);
}

void text_write_workflow(const struct workflow_exec *w, FILE *out)
{
    char id[160], name[160], status[40], reason[240];
    sanitize_for_cell(w->id.ptr, w->id.len, id, sizeof id, 60, false);
    sanitize_for_cell(w->name.ptr, w->name.len, name, sizeof name, 40, false);
    sanitize_for_cell(w->status.ptr, w->status.len, status, sizeof status, 30, false);
    sanitize_for_cell(w->reason.ptr, w->reason.len, reason, sizeof reason, 200, false);
    char dur[32] = "-";
    if (w->start_ms != QT_UNKNOWN && w->end_ms != QT_UNKNOWN)
        fmt_duration_ms(w->end_ms - w->start_ms, dur, sizeof dur);
    fprintf(out, "workflow %s  %s v%lld  %s  duration %s\n", id, name, w->version, status, dur);
    if (reason[0])
        fprintf(out, "reason: %s\n", reason);
    fprintf(out, "%4s %-24s %-14s %-12s %5s %10s %10s %10s  %s\n", "SEQ", "REF", "TYPE", "STATUS",
            "RETRY", "SCHEDULED", "START", "END", "WORKER");
    for (size_t i = 0; i < w->task_count; i++) {
        const struct task_exec *t = &w->tasks[i];
        char ref[100], type[60], st[60], worker[100], a[24], b[24], c[24];
        sanitize_for_cell(t->ref.ptr, t->ref.len, ref, sizeof ref, 24, false);
        sanitize_for_cell(t->type.ptr, t->type.len, type, sizeof type, 14, false);
        sanitize_for_cell(t->status.ptr, t->status.len, st, sizeof st, 12, false);
        sanitize_for_cell(t->worker_id.ptr, t->worker_id.len, worker, sizeof worker, 30, false);
        rel(t->scheduled_ms, w->start_ms, a, sizeof a);
        rel(t->start_ms, w->start_ms, b, sizeof b);
        rel(t->end_ms, w->start_ms, c, sizeof c);
        fprintf(out, "%4lld %-24s %-14s %-12s %5lld %10s %10s %10s  %s\n", t->seq, ref, type, st,
                t->retry_count, a, b, c, worker);
    }
}

void text_write_summary(const struct workflow_summary *s, FILE *out)
{
    if (!s->index_tables) {
        fprintf(out, "workflows: Conductor's index tables (workflow_index) are absent or empty;"
                     " counts need indexing to PostgreSQL\n");
        return;
    }
    fprintf(out, "workflows (running and paused: all; others: started in the last %d h)\n",
            s->window_hours);
    for (size_t i = 0; i < s->count_n; i++) {
        char type[100];
        sanitize_for_cell(s->counts[i].type.ptr, s->counts[i].type.len, type, sizeof type, 40, false);
        fprintf(out, "  %-40s %-12s %lld\n", type, s->counts[i].status, s->counts[i].count);
    }
    for (size_t i = 0; i < s->running_n; i++) {
        char id[100], age[24];
        sanitize_for_cell(s->running[i].id.ptr, s->running[i].id.len, id, sizeof id, 40, false);
        fmt_duration_ms(s->running[i].start_ms == QT_UNKNOWN ? QT_UNKNOWN
                                                              : s->db_now_ms - s->running[i].start_ms,
                        age, sizeof age);
        fprintf(out, "running %-40s for %s\n", id, age);
    }
    for (size_t i = 0; i < s->failures_n; i++) {
        char id[100], reason[160], ref[60], status[40];
        const struct exec_brief *b = &s->failures[i];
        sanitize_for_cell(b->status.ptr, b->status.len, status, sizeof status, 10, false);
        sanitize_for_cell(b->id.ptr, b->id.len, id, sizeof id, 40, false);
        sanitize_for_cell(b->reason.ptr, b->reason.len, reason, sizeof reason, 80, false);
        sanitize_for_cell(b->failed_ref.ptr, b->failed_ref.len, ref, sizeof ref, 30, false);
        fprintf(out, "%-10s %-40s %s%s%s\n", status, id, reason, ref[0] ? "  task " : "", ref);
    }
}

void text_write_found(const struct exec_brief *list, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++) {
        char id[100], name[60], status[40], corr[100];
        sanitize_for_cell(list[i].id.ptr, list[i].id.len, id, sizeof id, 40, false);
        sanitize_for_cell(list[i].name.ptr, list[i].name.len, name, sizeof name, 24, false);
        sanitize_for_cell(list[i].status.ptr, list[i].status.len, status, sizeof status, 12, false);
        sanitize_for_cell(list[i].correlation_id.ptr, list[i].correlation_id.len, corr, sizeof corr,
                          30, false);
        fprintf(out, "%-40s %-24s %-12s %s\n", id, name, status, corr);
    }
}


void text_write_keys(const struct keys_snapshot *k, FILE *out)
{
    fprintf(out, "\n%zu queue%s (SCAN pass %lld, DBSIZE %lld)\n", k->queue_count,
            k->queue_count == 1 ? "" : "s", k->passes,
            k->dbsize);
    fprintf(out, "%-10s %-28s %8s %8s %8s %8s %8s %7s %7s %8s\n", "LAYOUT", "QUEUE", "DEPTH",
            "FLIGHT", "DELAYED", "DUE", "FAILED", "IN/s", "OUT/s", "OLDEST");
    for (size_t i = 0; i < k->queue_count; i++) {
        const struct queue_info *q = &k->queues[i];
        char name[160], d[16], f[16], dl[16], due[16], fl[16], in[16], outr[16];
        sanitize_for_cell(q->name.ptr, q->name.len, name, sizeof name, 28, false);
        /* as on screen: "-" the layout keeps no such figure, "?" not known */
        fmt_kept_count(q->depth, q->kept & QUEUE_KEEPS_DEPTH, d, sizeof d);
        fmt_kept_count(q->in_flight, q->kept & QUEUE_KEEPS_IN_FLIGHT, f, sizeof f);
        fmt_kept_count(q->delayed, q->kept & QUEUE_KEEPS_DELAYED, dl, sizeof dl);
        fmt_kept_count(q->due_now, q->kept & QUEUE_KEEPS_DUE, due, sizeof due);
        fmt_kept_count(q->failed, q->kept & QUEUE_KEEPS_FAILED, fl, sizeof fl);
        fmt_kept_rate(q->enqueue_per_sec, q->kept & QUEUE_KEEPS_PROCESSED, in, sizeof in);
        fmt_kept_rate(q->dequeue_per_sec, q->kept & QUEUE_KEEPS_PROCESSED, outr, sizeof outr);
        char age[24];
        if (!(q->kept & QUEUE_KEEPS_OLDEST) || q->oldest_age_ms == QT_UNKNOWN)
            snprintf(age, sizeof age, q->kept & QUEUE_KEEPS_OLDEST ? "?" : "-");
        else
            fmt_duration_ms(q->oldest_age_ms, age, sizeof age);
        char layout[64];   /* a --layouts file names it: untrusted like any name */
        sanitize_for_cell(q->layout, strlen(q->layout), layout, sizeof layout, 10, false);
        fprintf(out, "%-10s %-28s %8s %8s %8s %8s %8s %7s %7s %8s\n", layout, name, d, f, dl,
                due, fl, in, outr, age);
    }
    fprintf(out, "\n%zu lock%s\n", k->lock_count, k->lock_count == 1 ? "" : "s");
    for (size_t i = 0; i < k->lock_count; i++) {
        const struct lock_info *l = &k->locks[i];
        char key[200], owner[100], ttl[24];
        sanitize_for_cell(l->key.ptr, l->key.len, key, sizeof key, 40, false);
        sanitize_for_cell(l->owner.ptr, l->owner.len, owner, sizeof owner, 30, false);
        if (l->ttl_ms == -1)
            snprintf(ttl, sizeof ttl, "NO TTL");
        else
            fmt_duration_ms(l->ttl_ms, ttl, sizeof ttl);
        fprintf(out, "%s %-40s %8s  %s\n", l->ttl_ms == -1 ? "!!" : "  ", key, ttl, owner);
    }
    fprintf(out, "\n%-24s %10s %7s %10s %7s   (estimates from the last SCAN pass)\n", "PREFIX",
            "KEYS", "NO TTL", "~BYTES", "SAMPLE");
    for (size_t i = 0; i < k->prefix_count; i++) {
        const struct prefix_info *p = &k->prefixes[i];
        char prefix[120], keys[16], bytes[16];
        sanitize_for_cell(p->prefix.ptr, p->prefix.len, prefix, sizeof prefix, 24, false);
        fmt_count(p->keys, keys, sizeof keys);
        if (p->sampled > 0)
            fmt_bytes((long long)((double)p->sampled_bytes / (double)p->sampled * (double)p->keys),
                      bytes, sizeof bytes);
        else
            snprintf(bytes, sizeof bytes, "?");
        fprintf(out, "%-24s %10s %6.0f%% %10s %7lld\n", prefix, keys,
                p->keys ? 100.0 * (double)p->no_ttl / (double)p->keys : 0.0, bytes, p->sampled);
    }
}
