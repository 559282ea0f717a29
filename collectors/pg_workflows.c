/* pg_workflows.c -- see pg_workflows.h. */
#include "pg_workflows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "pg_conn.h"
#include "pg_counts.h"
#include "util.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */

#define PG_COST_WINDOW_S 60

struct pg_collector {
    struct pg_config cfg;
    struct hub *hub;
    struct collector_thread thread;
    PGconn *conn;
    struct wf_source source;          /* resolved for the current connection */
    struct pg_counts *counts;         /* Conductor's counts, kept per connection */
    char target[256];

    struct workflow_summary summary;  /* the latest of every part */
    int64_t slow_mono_ms;             /* when counts and failures were read; 0 never */
    int64_t slow_every_ms;            /* pg_slow_every_ms after the last read of them */
    uint64_t seq;
    int64_t last_ok_mono_ms, query_ms;
    /* statement wall time per second over the last PG_COST_WINDOW_S seconds */
    int64_t cost_sec[PG_COST_WINDOW_S];
    int64_t cost_ms[PG_COST_WINDOW_S];
    int64_t started_mono_ms;
    char query_error[256];            /* a failed query on a live connection, this tick */

    char want_id[QT_WF_ID_MAX], want_find[QT_WF_ID_MAX];   /* the UI's requests */
    uint64_t want_find_gen, find_gen;
    char open_id[QT_WF_ID_MAX];
    int open_found;
    char open_error[256];
    struct workflow_exec open;

    char find_text[QT_WF_ID_MAX];
    int find_n;
    char find_error[256];
    struct exec_brief found[PG_FOUND_MAX];
};

void pg_config_defaults(struct pg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->conninfo = "";
    cfg->interval_ms = 2000;
    cfg->slow_ms = 10000;
    cfg->window_hours = 24;
    cfg->statement_timeout_ms = PG_STATEMENT_TIMEOUT_MS;
    cfg->budget_share = 0.02;
}

int64_t pg_slow_every_ms(int slow_ms, int64_t spent_ms, double budget_share)
{
    double every = slow_ms;
    if (budget_share > 0 && spent_ms > 0 && (double)spent_ms / budget_share > every)
        every = (double)spent_ms / budget_share;
    return every < PG_SLOW_EVERY_MAX_MS ? (int64_t)every : PG_SLOW_EVERY_MAX_MS;
}

struct pg_collector *pg_collector_new(const struct pg_config *cfg, struct hub *hub)
{
    struct pg_collector *c = xcalloc(1, sizeof *c);
    c->cfg = *cfg;
    c->hub = hub;
    c->source = cfg->source;
    c->counts = pg_counts_new();
    c->started_mono_ms = mono_ms();
    c->slow_every_ms = cfg->slow_ms;
    c->source.counts = c->counts;
    return c;
}

static void clear_found(struct pg_collector *c)
{
    for (int i = 0; i < c->find_n; i++)
        exec_brief_free(&c->found[i]);
    c->find_n = 0;
}

static void pg_disconnect(void *self)
{
    struct pg_collector *c = self;
    pg_conn_close(c->conn);
    c->conn = NULL;
}

void pg_collector_delete(struct pg_collector *c)
{
    if (!c)
        return;
    pg_disconnect(c);
    workflow_summary_free(&c->summary);
    pg_counts_free(c->counts);
    workflow_exec_free(&c->open);
    clear_found(c);
    free(c);
}

static void pg_before_tick(void *self, struct hub *hub)
{
    struct pg_collector *c = self;
    hub_get_workflow(hub, c->want_id, c->want_find, &c->want_find_gen);
}

/* A query failed: true when the connection itself is gone (the tick fails and reconnects),
 * false when only the statement did (timeout, permission): shown, and the tick goes on. */
static bool connection_lost(struct pg_collector *c, const char *err)
{
    if (PQstatus(c->conn) == CONNECTION_BAD)
        return true;
    if (!c->query_error[0])
        str_copy(c->query_error, err, sizeof c->query_error);
    return false;
}

/* Moves the parts read into the kept summary. */
static void merge_summary(struct workflow_summary *keep, struct workflow_summary *fresh,
                          unsigned parts)
{
    keep->index_tables = fresh->index_tables;
    keep->window_hours = fresh->window_hours;
    keep->db_now_ms = fresh->db_now_ms;
    if (!fresh->index_tables) {
        workflow_summary_free(keep);
        *keep = *fresh;
        memset(fresh, 0, sizeof *fresh);
        return;
    }
    struct workflow_summary old = *keep;
    if (parts & SUMMARY_COUNTS) {
        keep->counts = fresh->counts, keep->count_n = fresh->count_n;
        fresh->counts = old.counts, fresh->count_n = old.count_n;
    }
    if (parts & SUMMARY_RUNNING) {
        memcpy(keep->running, fresh->running, sizeof keep->running);
        keep->running_n = fresh->running_n;
        memcpy(fresh->running, old.running, sizeof old.running);
        fresh->running_n = old.running_n;
    }
    if (parts & SUMMARY_FAILURES) {
        memcpy(keep->failures, fresh->failures, sizeof keep->failures);
        keep->failures_n = fresh->failures_n;
        memcpy(fresh->failures, old.failures, sizeof old.failures);
        fresh->failures_n = old.failures_n;
    }
    if (parts & SUMMARY_RATES) {
        keep->rates = fresh->rates, keep->rate_n = fresh->rate_n;
        keep->rate_window_min = fresh->rate_window_min;
        fresh->rates = old.rates, fresh->rate_n = old.rate_n;
    }
    workflow_summary_free(fresh);   /* now holds the replaced parts */
}

/* Charges ms of statement time to the second of `at`. */
static void cost_add(struct pg_collector *c, int64_t at, int64_t ms)
{
    int64_t sec = at / 1000;
    size_t i = (size_t)(sec % PG_COST_WINDOW_S);
    if (c->cost_sec[i] != sec) {
        c->cost_sec[i] = sec;
        c->cost_ms[i] = 0;
    }
    c->cost_ms[i] += ms;
}

/* The share of one core our statements took over the window; < 0 before any. */
static double cost_share(const struct pg_collector *c, int64_t now, int *window_s)
{
    int64_t sec = now / 1000, sum = 0;
    bool any = false;
    for (size_t i = 0; i < PG_COST_WINDOW_S; i++) {
        if (c->cost_sec[i] && sec - c->cost_sec[i] < PG_COST_WINDOW_S) {
            sum += c->cost_ms[i];
            any = true;
        }
    }
    int64_t span = (now - c->started_mono_ms) / 1000;
    if (span > PG_COST_WINDOW_S)
        span = PG_COST_WINDOW_S;
    if (span < 1)
        span = 1;
    *window_s = (int)span;
    return any ? (double)sum / 1000.0 / (double)span : -1;
}

static int pg_tick(void *self, char *err, size_t errlen)
{
    struct pg_collector *c = self;
    int64_t start = mono_ms();
    c->query_error[0] = '\0';
    if (!c->conn) {
        c->conn = pg_conn_open_timeout(c->cfg.conninfo, c->cfg.statement_timeout_ms, err, errlen);
        if (!c->conn)
            return -1;
        snprintf(c->target, sizeof c->target, "%s:%s/%s", PQhost(c->conn), PQport(c->conn),
                 PQdb(c->conn));
        c->source = c->cfg.source;
        c->source.counts = c->counts;
        pg_counts_reset(c->counts);
        if (wf_source_resolve(&c->source, c->conn, err, errlen) < 0)
            return -1;
        c->slow_mono_ms = 0;   /* a new connection may be a new server: read everything */
    }

    unsigned parts = SUMMARY_RUNNING | SUMMARY_RATES;
    if (!c->slow_mono_ms || start - c->slow_mono_ms >= c->slow_every_ms) {
        parts |= SUMMARY_COUNTS | SUMMARY_FAILURES;
        c->slow_mono_ms = start;   /* a slow part that fails waits its turn too */
    }
    /* one part at a time: a statement that times out costs only its own part, and the others
     * (running, above all) keep updating */
    char qerr[256];
    int64_t slow_spent = 0;
    struct pg_counts_stats before;
    pg_counts_get_stats(c->counts, &before);
    /* Conductor's first counts of a connection fill pg_counts' memory: paid once, so it does
     * not set the pace */
    bool filling = c->source.kind == WF_SOURCE_CONDUCTOR && before.mode == 0;
    for (unsigned part = 1; part <= SUMMARY_ALL; part <<= 1) {
        if (!(parts & part))
            continue;
        struct workflow_summary fresh;
        int64_t t = mono_ms();
        int rc = wf_summary(&c->source, c->conn, c->cfg.window_hours, part, &fresh, qerr,
                            sizeof qerr);
        if (part & (SUMMARY_COUNTS | SUMMARY_FAILURES))
            slow_spent += mono_ms() - t;
        if (rc < 0) {
            workflow_summary_free(&fresh);
            if (connection_lost(c, qerr)) {
                str_copy(err, qerr, errlen);
                return -1;
            }
        } else {
            merge_summary(&c->summary, &fresh, part);
        }
    }
    if (parts & SUMMARY_COUNTS)
        c->slow_every_ms = filling ? c->cfg.slow_ms
                                   : pg_slow_every_ms(c->cfg.slow_ms, slow_spent, c->cfg.budget_share);

    /* the opened execution, every tick: its bars grow while it runs */
    if (strcmp(c->open_id, c->want_id) != 0) {
        workflow_exec_free(&c->open);
        memcpy(c->open_id, c->want_id, sizeof c->open_id);
        c->open_found = PG_OPEN_PENDING;   /* until a read answers, found or not */
        c->open_error[0] = '\0';
    }
    if (c->open_id[0]) {
        struct workflow_exec w;
        int found = wf_fetch_workflow(&c->source, c->conn, c->open_id, &w, qerr, sizeof qerr);
        if (found < 0) {
            if (connection_lost(c, qerr)) {
                str_copy(err, qerr, errlen);
                return -1;
            }
            str_copy(c->open_error, qerr, sizeof c->open_error);
            c->open_found = c->open.id.ptr ? 1 : -1;   /* keep showing the last good read */
        } else {
            workflow_exec_free(&c->open);
            c->open = w;
            c->open_found = found;
            c->open_error[0] = '\0';
        }
    }

    /* a search runs once per request (hub_set_find), also for the same text again */
    if (c->find_gen != c->want_find_gen) {
        c->find_gen = c->want_find_gen;
        clear_found(c);
        memcpy(c->find_text, c->want_find, sizeof c->find_text);
        c->find_error[0] = '\0';
        if (c->find_text[0]) {
            int n = wf_find(&c->source, c->conn, c->find_text, c->found, PG_FOUND_MAX, qerr,
                            sizeof qerr);
            if (n < 0) {
                if (connection_lost(c, qerr)) {
                    c->find_gen--;   /* asked again after the reconnect */
                    str_copy(err, qerr, errlen);
                    return -1;
                }
                str_copy(c->find_error, qerr, sizeof c->find_error);
                c->find_n = -1;
            } else {
                c->find_n = n;
            }
        }
    }
    c->query_ms = mono_ms() - start;
    c->last_ok_mono_ms = mono_ms();
    cost_add(c, start, c->query_ms);
    return 0;
}

static struct snapshot *pg_build(void *self, enum conn_state state, const char *error,
                                 int64_t retry_in_ms)
{
    struct pg_collector *c = self;
    struct snapshot *snap = snapshot_new(SNAPSHOT_PG);
    struct pg_snapshot *p = &snap->pg;
    str_copy(p->target, c->target, sizeof p->target);
    if (c->source.kind != WF_SOURCE_AUTO)
        str_copy(p->source, wf_source_name(c->source.kind), sizeof p->source);
    p->state = state;
    str_copy(p->error, error ? error : c->query_error, sizeof p->error);
    p->retry_in_ms = retry_in_ms;
    p->sampled_mono_ms = mono_ms();
    p->last_ok_mono_ms = c->last_ok_mono_ms;
    p->sample_seq = ++c->seq;
    p->query_ms = c->query_ms;
    p->cost_share = cost_share(c, p->sampled_mono_ms, &p->cost_window_s);
    struct pg_counts_stats st;
    pg_counts_get_stats(c->counts, &st);
    p->counts_mode = st.mode;
    p->counts_remembered = st.remembered;
    p->counts_rebuilds = st.rebuilds;
    p->counts_rows_read = st.rows_read;
    p->slow_age_ms = c->slow_mono_ms ? p->sampled_mono_ms - c->slow_mono_ms : QT_UNKNOWN;
    p->slow_every_ms = c->slow_every_ms;
    workflow_summary_copy(&p->summary, &c->summary);
    str_copy(p->open_id, c->open_id, sizeof p->open_id);
    p->open_found = c->open_found;
    str_copy(p->open_error, c->open_error, sizeof p->open_error);
    if (c->open_found == 1)
        workflow_exec_copy(&p->open, &c->open);
    str_copy(p->find_text, c->find_text, sizeof p->find_text);
    p->find_n = c->find_n;
    str_copy(p->find_error, c->find_error, sizeof p->find_error);
    for (int i = 0; i < c->find_n; i++)
        exec_brief_copy(&p->found[i], &c->found[i]);
    return snap;
}

static const struct collector_class pg_class = {
    .name = "postgres",
    .before_tick = pg_before_tick,
    .tick = pg_tick,
    .build = pg_build,
    .disconnect = pg_disconnect,
};

int pg_collector_start(struct pg_collector *c)
{
    return collector_thread_start(&c->thread, &pg_class, c, c->hub, c->cfg.interval_ms);
}

void pg_collector_stop(struct pg_collector *c)
{
    collector_thread_stop(&c->thread);
}
