/* wf_sim.c -- simulated Conductor workflow executions in PostgreSQL, for the demo and for trying
 * the workflow screens by hand.
 *
 *   wf_sim --pg CONNINFO [--schema PATH] [--rate N] [--seconds S] [--history N]
 *          [--max-executions N]
 *
 * A DEMO TOOL. It WRITES (inserts, updates and deletes rows) into the database CONNINFO names,
 * and into no other: point it only at a throwaway PostgreSQL, such as the one `make demo`
 * starts. It refuses a database holding executions it did not write (every execution it writes
 * says "createdBy":"wf_sim"), and its clean-up only ever deletes its own.
 *
 * The rows are the ones Conductor's PostgreSQL persistence writes for the same executions
 * (conductor-oss 3.x: PostgresExecutionDAO, PostgresIndexDAO with indexing to PostgreSQL,
 * PostgresPollDataDAO; docs/conductor-schema-notes.md has the field-by-field reference):
 *
 *   workflow                  json_data: WorkflowModel JSON (workflowName, workflowVersion,
 *                             status, createTime, updatedTime, endTime (0 while running),
 *                             correlationId, input, output, reasonForIncompletion,
 *                             failedReferenceTaskNames, parentWorkflowId, workflowDefinition,
 *                             "tasks": [] -- tasks live in their own rows)
 *   workflow_def_to_workflow  name, creation day (yyyyMMdd, local time), id
 *   workflow_pending          while RUNNING; deleted when the execution ends
 *   task                      json_data: TaskModel JSON (taskId, workflowInstanceId, seq,
 *                             referenceTaskName, taskType (the definition name for SIMPLE tasks),
 *                             taskDefName, status, retryCount, pollCount, scheduledTime,
 *                             startTime, endTime, updateTime (0 = not yet), workerId,
 *                             reasonForIncompletion, inputData, outputData, retriedTaskId,
 *                             subWorkflowId for SUB_WORKFLOW tasks); every retry its own row
 *   task_scheduled, workflow_to_task   one row per task, kept until the execution is removed
 *   task_in_progress          while a task is not terminal
 *   workflow_index            WorkflowSummary JSON (ISO-8601 times) and the indexed columns;
 *                             update_time/end_time at the epoch until known
 *   task_index                TaskSummary JSON, from the first poll on
 *   poll_data                 the last poll per task queue (domain DEFAULT)
 * Conductor's queue tables (queue, queue_message) are not written: in the demo the queues are the
 * Redis streams tests/sim writes.
 *
 * Workflow types, tied to the demo's Redis streams through their tasks' inputData.stream and
 * workers named like the stream consumers of tests/sim:
 *   order_fulfilment v3  reserve_stock -> charge_payment (payments:settle) -> FORK
 *                        [send_email (emails:outbox) | notify_webhook (webhooks:deliveries),
 *                        optional] -> JOIN -> ship (orders:events)        75% of starts
 *   refund v1            lookup_order -> refund_payment (payments:settle) -> send_email
 *                                                                          17%
 *   nightly_report v2    collect_metrics -> SUB_WORKFLOW render_report (a report_render v1
 *                        child: render_pdf -> upload_report) -> publish_report (emails)
 *                                                                           8%
 *
 * Each execution is planned whole when it starts (every task's scheduled, start and end time),
 * and its rows show the state at the present: a task is SCHEDULED, then IN_PROGRESS for a few
 * seconds (startTime set, endTime 0), then terminal, and the workflow row and its index row are
 * rewritten at each of the engine's decisions, so running executions grow as time passes.
 * Incidents, per started execution:
 *   ~8%    FAILED: a task fails ("payment gateway timeout", ...), is retried once as a new row
 *          (retryCount 1, retriedTaskId), fails again; the workflow fails with Conductor's
 *          "Task <id> failed with status: FAILED and reason: '...'"; tasks still open CANCELED.
 *          In nightly_report the child fails and takes its parent down with it.
 *   ~4%    a task fails once and its retry succeeds (COMPLETED, a FAILED row in its history)
 *   ~1.5%  TIMED_OUT: a task exceeds its responseTimeoutSeconds twice
 *   ~2.5%  (order_fulfilment) notify_webhook, optional, fails twice: COMPLETED_WITH_ERRORS, and
 *          the workflow completes
 *   ~1%    TERMINATED by an operator part way (order_fulfilment, refund)
 *   ~1%    stuck: a task stays IN_PROGRESS (its worker never answers), the execution RUNNING
 *          for good, so "oldest running" grows; at most 6 stuck at a time
 * At start, when the database holds no execution yet, --history executions (default 2000) are
 * seeded over the past 24 h in one transaction, three of them stuck for 3, 7 and 19 hours.
 *
 * Bounded: every minute, executions that ended more than 24 h ago are deleted with all their
 * rows, and so are the oldest finished ones beyond --max-executions (default 10000). Only
 * unfinished executions are held in memory.
 *
 * It prints "wf_sim: ready" once its first transaction (the seed, if any) is committed
 * (scripts/demo.sh waits for that line), and a line of counts every minute.
 *
 * Writing: one transaction per 250 ms tick, sent as a libpq pipeline (one round trip per 256
 * statements), statements prepared on each connection. A lost connection (or a refused
 * statement) is reported in one line and the connection opened again with backoff (250 ms
 * doubling to 5 s); every row is written as "the state now" (upserts), so what failed is simply
 * written again. SIGTERM, SIGINT and SIGHUP stop it between two ticks.
 *
 * Exit status: 0 stopped (signal or --seconds); 1 refused (no Conductor tables and no --schema,
 * the schema file failed, executions not written by wf_sim in the database); 2 bad usage, an
 * unreadable schema file, or the first connection failed. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "../../collectors/util.h"

#define TICK_MS 250
#define RETRY_FIRST_MS 250
#define RETRY_MAX_MS 5000
#define CLEANUP_EVERY_MS 60000
#define REPORT_EVERY_MS 60000
#define KEEP_FINISHED_MS (24LL * 3600 * 1000)
#define HISTORY_SPAN_MS (24LL * 3600 * 1000)
#define PIPELINE_CHUNK 256       /* statements sent before their results are read */
#define STATEMENT_TIMEOUT_MS 60000
#define CONNECT_TIMEOUT_S 5
#define RETRY_DELAY_S 1          /* retryDelaySeconds of every task definition (FIXED) */
#define MAX_STUCK 6              /* stuck executions at a time (the seeded ones count) */
#define DEFAULT_RATE 1.0
#define DEFAULT_HISTORY 2000
#define DEFAULT_MAX_EXECUTIONS 10000
#define CREATED_BY "wf_sim"
#define UUID_LEN 36

static volatile sig_atomic_t stop_requested;

/* ---- small helpers --------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: plenty for fake data. */
static uint64_t rng64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* A number in [0, n). */
static unsigned rnd(unsigned n)
{
    return (unsigned)((rng64() >> 33) % n);
}

/* A number in [lo, hi]. */
static int64_t rnd_between(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng64() % (uint64_t)(hi - lo + 1));
}

/* A number in [0, 1). */
static double rnd_unit(void)
{
    return (double)(rng64() >> 11) * (1.0 / 9007199254740992.0);
}

#define PICK(arr) (arr[rnd(ARRAY_LEN(arr))])

/* A random (version 4) UUID, as Conductor's IDGenerator makes them. */
static void uuid_new(char out[UUID_LEN + 1])
{
    unsigned char b[16];
    uint64_t hi = rng64(), lo = rng64();
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(hi >> (8 * i));
        b[8 + i] = (unsigned char)(lo >> (8 * i));
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

/* "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" in UTC, as Conductor's summaries write times. */
static void iso_utc(int64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

/* "yyyyMMdd" in local time (workflow_def_to_workflow.date_str). */
static void local_day(int64_t ms, char out[16])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&s, &tm);
    strftime(out, 16, "%Y%m%d", &tm);
}

/* A growable string. */
struct strbuf {
    char *p;
    size_t len, cap;
};

static void sb_add(struct strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(struct strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

/* Appends v as Java's Map.toString() would print it ({k=v, k2=[a, b]}): how Conductor's
 * summaries hold input and output. */
static void sb_java(struct strbuf *b, json_t *v)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        bool first = true;
        sb_puts(b, "{");
        json_object_foreach(v, k, x) {
            sb_puts(b, first ? "" : ", ");
            first = false;
            sb_puts(b, k);
            sb_puts(b, "=");
            sb_java(b, x);
        }
        sb_puts(b, "}");
        break;
    }
    case JSON_ARRAY:
        sb_puts(b, "[");
        for (size_t i = 0; i < json_array_size(v); i++) {
            sb_puts(b, i ? ", " : "");
            sb_java(b, json_array_get(v, i));
        }
        sb_puts(b, "]");
        break;
    case JSON_STRING:
        sb_add(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        sb_puts(b, num);
        break;
    case JSON_REAL:
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        if (!strpbrk(num, ".eEn"))
            str_copy(num + strlen(num), ".0", sizeof num - strlen(num));
        sb_puts(b, num);
        break;
    case JSON_TRUE:
        sb_puts(b, "true");
        break;
    case JSON_FALSE:
        sb_puts(b, "false");
        break;
    case JSON_NULL:
        sb_puts(b, "null");
        break;
    }
}

/* v as a Java Map string; the caller frees it. */
static char *java_map_string(json_t *v)
{
    struct strbuf b = { 0 };
    sb_java(&b, v);
    if (!b.p)
        return xstrdup("");
    return b.p;
}

/* jansson's constructors return NULL only when out of memory: we stop there, as x*alloc do. */
static json_t *must(json_t *v)
{
    if (!v) {
        fprintf(stderr, "wf_sim: out of memory (jansson)\n");
        abort();
    }
    return v;
}

/* Compact JSON text of v (caller frees). Reals with 12 significant digits: 19.9, not
 * 19.899999999999999. */
static char *json_text(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12));
    if (!s) {
        fprintf(stderr, "wf_sim: out of memory (json_dumps)\n");
        abort();
    }
    return s;
}

/* ---- workflow definitions -------------------------------------------------------------------- */

struct execution;
struct sim_task;

/* A task definition: its timing and how it fails; io fills a task's inputData and the
 * outputData it ends with (n: a random number for ids). */
struct task_def {
    const char *name;
    int min_ms, max_ms;          /* how long its worker works */
    int response_timeout_s;      /* responseTimeoutSeconds */
    const char *stream;          /* the demo's Redis stream the work goes through, or NULL */
    const char *workers[2];      /* workerIds that poll it (workers[1] NULL: one worker) */
    const char *stuck_worker;    /* the worker that takes it and never answers */
    const char *failure;         /* reasonForIncompletion when its worker fails it */
    void (*io)(const struct execution *e, struct sim_task *t, unsigned n);
};

enum stage_kind { STAGE_TASK, STAGE_FORK, STAGE_SUB };

struct stage_task {
    const char *ref;             /* taskReferenceName */
    const struct task_def *def;
    bool optional;
};

struct flow;

/* One step of a flow: a task, a fork of two tasks joined again, or a sub-workflow. */
struct stage {
    enum stage_kind kind;
    struct stage_task task;      /* STAGE_TASK */
    const char *ref;             /* STAGE_FORK: the FORK task; STAGE_SUB: the SUB_WORKFLOW task */
    struct stage_task branches[2];
    const char *join_ref;
    const struct flow *child;    /* STAGE_SUB */
};

enum incident { INC_NONE, INC_FAIL, INC_RECOVER, INC_TIMEOUT, INC_OPTIONAL_FAIL, INC_TERMINATE,
                INC_STUCK };

struct flow {
    int id;                      /* index in flows[] */
    const char *name, *description;
    int version;
    double share;                /* of started executions; 0: only as a child */
    struct stage stages[4];
    size_t stage_count;
    /* the tasks each incident can hit (NULL: that incident never happens to this flow) */
    const char *fail_refs[3];
    const char *timeout_ref, *stuck_ref, *optional_ref;
    bool can_terminate;
    const char *terminate_reason;
    void (*input)(struct execution *e, const struct execution *parent);
};

enum { FLOW_ORDER, FLOW_REFUND, FLOW_REPORT, FLOW_RENDER, FLOW_COUNT };

/* ---- executions ------------------------------------------------------------------------------ */

enum phase { PHASE_NONE, PHASE_SCHEDULED, PHASE_RUNNING, PHASE_DONE };

/* One task row, planned whole: it exists from scheduled_ms, is IN_PROGRESS from start_ms and
 * ends at end_ms with end_status. */
struct sim_task {
    char id[UUID_LEN + 1];
    const struct task_def *def;  /* NULL for FORK, JOIN, SUB_WORKFLOW */
    const char *type, *def_name, *ref;
    int order;                   /* creation order: breaks ties of scheduled_ms for seq */
    int seq, retry_count;
    bool optional;
    bool has_retry;              /* a later attempt replaces this one (retried once it ends) */
    char retried_task_id[UUID_LEN + 1];   /* "" unless this is a retry */
    char sub_workflow_id[UUID_LEN + 1];   /* SUB_WORKFLOW: the child execution */
    int64_t scheduled_ms, start_ms, end_ms;   /* start 0: never polled; end 0: never ends */
    const char *end_status;
    char *reason;                /* reasonForIncompletion once ended, or NULL; owned */
    const char *worker;          /* workerId once polled; NULL for system tasks */
    json_t *input, *output;      /* owned; output shows once ended (SUB_WORKFLOW: once started) */
    /* what the database holds: the phase written last, and the one in the open batch */
    enum phase written_phase, batch_phase;
};

struct execution {
    char id[UUID_LEN + 1];
    const struct flow *flow;
    char correlation_id[64];
    char parent_id[UUID_LEN + 1], parent_task_id[UUID_LEN + 1];   /* "" for top level */
    int64_t create_ms, end_ms;   /* end 0: never ends (stuck) */
    const char *end_status;      /* COMPLETED, FAILED, TIMED_OUT, TERMINATED */
    char *reason;                /* owned, or NULL */
    char failed_task_id[UUID_LEN + 1];
    const char *failed_ref, *failed_name;
    enum incident incident;
    const char *incident_ref;    /* the task the incident hits */
    bool stuck;
    json_t *input, *output;      /* owned */
    struct sim_task *tasks;
    size_t task_count, task_cap;
    /* what the database holds */
    bool written, written_terminal;
    int64_t written_update_ms;
    bool in_batch, batch_terminal;
    int64_t batch_update_ms;
};

static int64_t decide_delay(void)
{
    return rnd_between(2, 25);   /* the decider's turn after an event */
}

/* ---- task inputs and outputs ----------------------------------------------------------------- */

static json_t *wf_input(const struct execution *e, const char *key)
{
    return json_object_get(e->input, key);
}

static void set(json_t *o, const char *key, json_t *v)
{
    json_object_set(o, key, v);   /* a missing (NULL) value is simply left out */
}

static void set_new(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, must(v));
}

static void io_reserve_stock(const struct execution *e, struct sim_task *t, unsigned n)
{
    static const char *const warehouses[] = { "ams-1", "fra-2", "dub-1" };
    set(t->input, "orderId", wf_input(e, "orderId"));
    set(t->input, "items", wf_input(e, "items"));
    set_new(t->output, "reservationId", json_sprintf("res-%06u", n % 1000000));
    set_new(t->output, "warehouse", json_string(PICK(warehouses)));
}

static void io_charge_payment(const struct execution *e, struct sim_task *t, unsigned n)
{
    set(t->input, "orderId", wf_input(e, "orderId"));
    set(t->input, "amount", wf_input(e, "amount"));
    set(t->input, "currency", wf_input(e, "currency"));
    set_new(t->output, "paymentId", json_sprintf("pay_%06u", n % 1000000));
    set_new(t->output, "status", json_string("settled"));
}

static void io_send_email(const struct execution *e, struct sim_task *t, unsigned n)
{
    set(t->input, "to", wf_input(e, "email"));
    set_new(t->input, "template", json_string(e->flow->id == FLOW_REFUND ? "refund-confirmation"
                                              : e->flow->id == FLOW_REPORT ? "report-ready"
                                                                           : "order-confirmation"));
    set_new(t->output, "messageId", json_sprintf("m-%u", n % 10000000));
}

static void io_notify_webhook(const struct execution *e, struct sim_task *t, unsigned n)
{
    json_t *tenant = wf_input(e, "tenant");
    set_new(t->input, "url", json_sprintf("https://hooks.example.com/%s/orders",
                                          tenant ? json_string_value(tenant) : "acme"));
    set_new(t->input, "event", json_string("order.paid"));
    set_new(t->output, "deliveryId", json_sprintf("wh_%u", n % 10000000));
    set_new(t->output, "httpStatus", json_integer(200));
}

static void io_ship(const struct execution *e, struct sim_task *t, unsigned n)
{
    static const char *const carriers[] = { "dhl", "ups", "postnl" };
    const char *carrier = PICK(carriers);
    set(t->input, "orderId", wf_input(e, "orderId"));
    set_new(t->input, "carrier", json_string(carrier));
    set_new(t->output, "trackingNumber", json_sprintf("JD0146%010u", n));
    set_new(t->output, "carrier", json_string(carrier));
    set_new(t->output, "event", json_string("order.shipped"));
}

static void io_lookup_order(const struct execution *e, struct sim_task *t, unsigned n)
{
    (void)n;
    set(t->input, "orderId", wf_input(e, "orderId"));
    set(t->output, "paymentId", wf_input(e, "paymentId"));
    set(t->output, "amount", wf_input(e, "amount"));
}

static void io_refund_payment(const struct execution *e, struct sim_task *t, unsigned n)
{
    set(t->input, "paymentId", wf_input(e, "paymentId"));
    set(t->input, "amount", wf_input(e, "amount"));
    set_new(t->output, "refundId", json_sprintf("re_%06u", n % 1000000));
    set_new(t->output, "status", json_string("refunded"));
}

static void io_collect_metrics(const struct execution *e, struct sim_task *t, unsigned n)
{
    set(t->input, "reportDate", wf_input(e, "reportDate"));
    set(t->input, "region", wf_input(e, "region"));
    set_new(t->output, "rows", json_integer(10000 + n % 90000));
}

static void io_render_pdf(const struct execution *e, struct sim_task *t, unsigned n)
{
    set(t->input, "reportDate", wf_input(e, "reportDate"));
    set(t->input, "format", wf_input(e, "format"));
    set_new(t->output, "pages", json_integer(4 + n % 40));
    set_new(t->output, "bytes", json_integer(200000 + n % 3000000));
}

static void io_upload_report(const struct execution *e, struct sim_task *t, unsigned n)
{
    (void)n;
    json_t *date = wf_input(e, "reportDate"), *region = wf_input(e, "region");
    set_new(t->output, "url", json_sprintf("s3://reports/%s/%s.pdf",
                                           date ? json_string_value(date) : "today",
                                           region ? json_string_value(region) : "eu"));
}

static void io_publish_report(const struct execution *e, struct sim_task *t, unsigned n)
{
    set(t->input, "reportDate", wf_input(e, "reportDate"));
    set_new(t->output, "recipients", json_integer(3 + n % 40));
}

static const struct task_def td_reserve_stock = {
    .name = "reserve_stock", .min_ms = 300, .max_ms = 1500, .response_timeout_s = 10,
    .workers = { "inventory-1", "inventory-2" }, .stuck_worker = "inventory-2",
    .failure = "insufficient stock for sku A-1042", .io = io_reserve_stock };
static const struct task_def td_charge_payment = {
    .name = "charge_payment", .min_ms = 1000, .max_ms = 4000, .response_timeout_s = 30,
    .stream = "payments:settle", .workers = { "settler-1" }, .stuck_worker = "settler-1",
    .failure = "payment gateway timeout", .io = io_charge_payment };
static const struct task_def td_send_email = {
    .name = "send_email", .min_ms = 500, .max_ms = 3000, .response_timeout_s = 20,
    .stream = "emails:outbox", .workers = { "mailer-a", "mailer-b" }, .stuck_worker = "mailer-b",
    .failure = "SMTP 421 4.7.0 too many connections, try again later", .io = io_send_email };
static const struct task_def td_notify_webhook = {
    .name = "notify_webhook", .min_ms = 500, .max_ms = 5000, .response_timeout_s = 20,
    .stream = "webhooks:deliveries", .workers = { "dispatch-1" }, .stuck_worker = "dispatch-1",
    .failure = "HTTP 503 from endpoint, retries exhausted", .io = io_notify_webhook };
static const struct task_def td_ship = {
    .name = "ship", .min_ms = 1000, .max_ms = 3000, .response_timeout_s = 10,
    .stream = "orders:events", .workers = { "shipping-1", "shipping-2" },
    .stuck_worker = "shipping-2", .failure = "carrier API rejected the address",
    .io = io_ship };
static const struct task_def td_lookup_order = {
    .name = "lookup_order", .min_ms = 200, .max_ms = 800, .response_timeout_s = 10,
    .workers = { "orders-api-1" }, .stuck_worker = "orders-api-1",
    .failure = "order not found", .io = io_lookup_order };
static const struct task_def td_refund_payment = {
    .name = "refund_payment", .min_ms = 1000, .max_ms = 3000, .response_timeout_s = 15,
    .stream = "payments:settle", .workers = { "settler-1" }, .stuck_worker = "settler-1",
    .failure = "card network declined the refund", .io = io_refund_payment };
static const struct task_def td_collect_metrics = {
    .name = "collect_metrics", .min_ms = 2000, .max_ms = 5000, .response_timeout_s = 60,
    .workers = { "reporter-1" }, .stuck_worker = "reporter-1",
    .failure = "metrics store query timed out", .io = io_collect_metrics };
static const struct task_def td_render_pdf = {
    .name = "render_pdf", .min_ms = 2000, .max_ms = 6000, .response_timeout_s = 30,
    .workers = { "renderer-1", "renderer-2" }, .stuck_worker = "renderer-2",
    .failure = "out of memory rendering chart 'revenue by region'", .io = io_render_pdf };
static const struct task_def td_upload_report = {
    .name = "upload_report", .min_ms = 500, .max_ms = 2000, .response_timeout_s = 10,
    .workers = { "reporter-1" }, .stuck_worker = "reporter-1",
    .failure = "S3 PutObject: SlowDown", .io = io_upload_report };
static const struct task_def td_publish_report = {
    .name = "publish_report", .min_ms = 500, .max_ms = 1500, .response_timeout_s = 20,
    .stream = "emails:outbox", .workers = { "mailer-a" }, .stuck_worker = "mailer-b",
    .failure = "distribution list is empty", .io = io_publish_report };

/* ---- executions' inputs ---------------------------------------------------------------------- */

static unsigned next_order_number = 100000;

static void input_order(struct execution *e, const struct execution *parent)
{
    static const char *const names[] = { "ana", "bo", "chen", "dara", "eli", "farah", "gus" };
    static const char *const tenants[] = { "acme", "globex", "initech", "umbrella" };
    (void)parent;
    unsigned order = next_order_number++;
    char id[16];
    snprintf(id, sizeof id, "%u", order);
    snprintf(e->correlation_id, sizeof e->correlation_id, "order-%u", order);
    e->input = json_object();
    set_new(e->input, "orderId", json_string(id));
    set_new(e->input, "customerId", json_sprintf("c-%04u", rnd(10000)));
    set_new(e->input, "amount", json_real((double)(500 + rnd(30000)) / 100.0));
    set_new(e->input, "currency", json_string("EUR"));
    set_new(e->input, "items", json_integer(1 + rnd(6)));
    set_new(e->input, "email", json_sprintf("%s%u@example.com", PICK(names), rnd(1000)));
    set_new(e->input, "tenant", json_string(PICK(tenants)));
}

static void input_refund(struct execution *e, const struct execution *parent)
{
    static const char *const reasons[] = { "damaged in transit", "wrong size", "never arrived" };
    (void)parent;
    unsigned order = 100000 + rnd(next_order_number - 99999);
    char id[16];
    snprintf(id, sizeof id, "%u", order);
    snprintf(e->correlation_id, sizeof e->correlation_id, "refund-%u", order);
    e->input = json_object();
    set_new(e->input, "orderId", json_string(id));
    set_new(e->input, "paymentId", json_sprintf("pay_%06u", rnd(1000000)));
    set_new(e->input, "amount", json_real((double)(500 + rnd(30000)) / 100.0));
    set_new(e->input, "reason", json_string(PICK(reasons)));
    set_new(e->input, "email", json_sprintf("customer%u@example.com", rnd(10000)));
}

static void input_report(struct execution *e, const struct execution *parent)
{
    static const char *const regions[] = { "eu", "us", "apac" };
    (void)parent;
    char day[16], date[16];
    local_day(e->create_ms, day);
    snprintf(date, sizeof date, "%.4s-%.2s-%.2s", day, day + 4, day + 6);
    const char *region = PICK(regions);
    snprintf(e->correlation_id, sizeof e->correlation_id, "report-%s-%s-%u", day, region,
             rnd(100000));
    e->input = json_object();
    set_new(e->input, "reportDate", json_string(date));
    set_new(e->input, "region", json_string(region));
    set_new(e->input, "email", json_string("reports@example.com"));
}

/* A child's input comes from its parent's; so does its correlation id. */
static void input_render(struct execution *e, const struct execution *parent)
{
    e->input = json_object();
    if (parent) {
        str_copy(e->correlation_id, parent->correlation_id, sizeof e->correlation_id);
        set(e->input, "reportDate", wf_input(parent, "reportDate"));
        set(e->input, "region", wf_input(parent, "region"));
    }
    set_new(e->input, "format", json_string("pdf"));
}

static const struct flow flows[FLOW_COUNT] = {
    [FLOW_ORDER] = {
        .id = FLOW_ORDER, .name = "order_fulfilment", .version = 3, .share = 0.75,
        .description = "Reserve, charge, notify, ship",
        .stages = {
            { .kind = STAGE_TASK, .task = { "reserve_stock", &td_reserve_stock, false } },
            { .kind = STAGE_TASK, .task = { "charge_payment", &td_charge_payment, false } },
            { .kind = STAGE_FORK, .ref = "fork_notify", .join_ref = "join_notify",
              .branches = { { "send_email", &td_send_email, false },
                            { "notify_webhook", &td_notify_webhook, true } } },
            { .kind = STAGE_TASK, .task = { "ship", &td_ship, false } },
        },
        .stage_count = 4,
        .fail_refs = { "charge_payment", "charge_payment", "send_email" },
        .timeout_ref = "ship", .stuck_ref = "send_email", .optional_ref = "notify_webhook",
        .can_terminate = true, .terminate_reason = "cancelled by ops: customer asked to cancel",
        .input = input_order },
    [FLOW_REFUND] = {
        .id = FLOW_REFUND, .name = "refund", .version = 1, .share = 0.17,
        .description = "Refund a paid order",
        .stages = {
            { .kind = STAGE_TASK, .task = { "lookup_order", &td_lookup_order, false } },
            { .kind = STAGE_TASK, .task = { "refund_payment", &td_refund_payment, false } },
            { .kind = STAGE_TASK, .task = { "send_email", &td_send_email, false } },
        },
        .stage_count = 3,
        .fail_refs = { "refund_payment", "refund_payment", "lookup_order" },
        .timeout_ref = "refund_payment", .stuck_ref = "refund_payment",
        .can_terminate = true, .terminate_reason = "duplicate refund request",
        .input = input_refund },
    [FLOW_REPORT] = {
        .id = FLOW_REPORT, .name = "nightly_report", .version = 2, .share = 0.08,
        .description = "Collect, render (report_render), publish",
        .stages = {
            { .kind = STAGE_TASK, .task = { "collect_metrics", &td_collect_metrics, false } },
            { .kind = STAGE_SUB, .ref = "render_report", .child = &flows[FLOW_RENDER] },
            { .kind = STAGE_TASK, .task = { "publish_report", &td_publish_report, false } },
        },
        .stage_count = 3,
        /* these hit the child, which inherits the incident */
        .fail_refs = { "render_pdf", "render_pdf", "upload_report" },
        .timeout_ref = "upload_report", .stuck_ref = "render_pdf",
        .input = input_report },
    [FLOW_RENDER] = {
        .id = FLOW_RENDER, .name = "report_render", .version = 1, .share = 0,
        .description = "Render and upload one report (child of nightly_report)",
        .stages = {
            { .kind = STAGE_TASK, .task = { "render_pdf", &td_render_pdf, false } },
            { .kind = STAGE_TASK, .task = { "upload_report", &td_upload_report, false } },
        },
        .stage_count = 2,
        .input = input_render },
};

/* The workflowDefinition JSON of each flow, built once (main) and shared by every row. */
static json_t *flow_definitions[FLOW_COUNT];

static json_t *workflow_task_json(const char *name, const char *ref, const char *type,
                                  bool optional)
{
    return must(json_pack("{s:s, s:s, s:s, s:{}, s:b, s:i, s:b}", "name", name,
                          "taskReferenceName", ref, "type", type, "inputParameters", "optional",
                          optional, "startDelay", 0, "asyncComplete", 0));
}

static json_t *flow_definition_json(const struct flow *f)
{
    json_t *tasks = must(json_array());
    for (size_t i = 0; i < f->stage_count; i++) {
        const struct stage *st = &f->stages[i];
        json_t *o;
        switch (st->kind) {
        case STAGE_TASK:
            json_array_append_new(tasks, workflow_task_json(st->task.def->name, st->task.ref,
                                                            "SIMPLE", st->task.optional));
            break;
        case STAGE_FORK: {
            o = workflow_task_json(st->ref, st->ref, "FORK_JOIN", false);
            json_t *forks = must(json_array());
            for (int b = 0; b < 2; b++) {
                const struct stage_task *bt = &st->branches[b];
                json_array_append_new(forks, must(json_pack("[o]", workflow_task_json(
                                          bt->def->name, bt->ref, "SIMPLE", bt->optional))));
            }
            json_object_set_new(o, "forkTasks", forks);
            json_array_append_new(tasks, o);
            o = workflow_task_json(st->join_ref, st->join_ref, "JOIN", false);
            set_new(o, "joinOn", json_pack("[s, s]", st->branches[0].ref, st->branches[1].ref));
            json_array_append_new(tasks, o);
            break;
        }
        case STAGE_SUB:
            o = workflow_task_json(st->ref, st->ref, "SUB_WORKFLOW", false);
            set_new(o, "subWorkflowParam", json_pack("{s:s, s:i}", "name", st->child->name,
                                                     "version", st->child->version));
            json_array_append_new(tasks, o);
            break;
        }
    }
    return must(json_pack("{s:s, s:s, s:i, s:o, s:[], s:{}, s:i, s:b, s:b, s:s, s:s, s:i, s:{},"
                          " s:{}}",
                          "name", f->name, "description", f->description, "version", f->version,
                          "tasks", tasks, "inputParameters", "outputParameters",
                          "schemaVersion", 2, "restartable", 1,
                          "workflowStatusListenerEnabled", 0, "ownerEmail", "demo@example.com",
                          "timeoutPolicy", "ALERT_ONLY", "timeoutSeconds", 0, "variables",
                          "inputTemplate"));
}

/* The workflowTask of the definition whose taskReferenceName is ref (borrowed), or NULL. */
static json_t *find_workflow_task(json_t *tasks, const char *ref)
{
    for (size_t i = 0; i < json_array_size(tasks); i++) {
        json_t *t = json_array_get(tasks, i);
        const char *r = json_string_value(json_object_get(t, "taskReferenceName"));
        if (r && strcmp(r, ref) == 0)
            return t;
        json_t *forks = json_object_get(t, "forkTasks");
        for (size_t b = 0; b < json_array_size(forks); b++) {
            json_t *found = find_workflow_task(json_array_get(forks, b), ref);
            if (found)
                return found;
        }
    }
    return NULL;
}

/* ---- planning -------------------------------------------------------------------------------- */

struct sim;
static struct execution *execution_start(struct sim *s, const struct flow *f, int64_t create_ms,
                                         enum incident incident, const char *incident_ref,
                                         const struct execution *parent, const char *parent_task);

/* Appends a task to e; returns its index (pointers into e->tasks move as it grows). */
static size_t task_add(struct execution *e, const char *type, const char *def_name,
                       const char *ref, const struct task_def *def)
{
    if (e->task_count == e->task_cap) {
        e->task_cap = e->task_cap ? e->task_cap * 2 : 8;
        e->tasks = xrealloc(e->tasks, e->task_cap * sizeof *e->tasks);
    }
    struct sim_task *t = &e->tasks[e->task_count];
    memset(t, 0, sizeof *t);
    uuid_new(t->id);
    t->type = type;
    t->def_name = def_name;
    t->ref = ref;
    t->def = def;
    t->order = (int)e->task_count;
    t->input = must(json_object());
    t->output = must(json_object());
    return e->task_count++;
}

static void task_free(struct sim_task *t)
{
    free(t->reason);
    json_decref(t->input);
    json_decref(t->output);
}

/* printf into a new string (caller frees). */
static char *xformat(const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return xstrdup("");
    if ((size_t)n < sizeof small)
        return xstrdup(small);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

enum outcome { OUT_OK, OUT_FAILED, OUT_TIMED_OUT, OUT_CANCELED, OUT_STUCK };

/* Where a planned step leaves the execution: when it ended, how, and its last task. */
struct placement {
    int64_t end_ms;
    enum outcome outcome;
    size_t task;
};

/* Plans a SIMPLE task scheduled at `at`, with its retry when the incident targets it. */
static struct placement plan_simple(struct execution *e, const struct stage_task *st, int64_t at)
{
    const struct task_def *d = st->def;
    enum incident mode = e->incident_ref && strcmp(e->incident_ref, st->ref) == 0 ? e->incident
                                                                                  : INC_NONE;
    char previous[UUID_LEN + 1] = "";
    for (int attempt = 0;; attempt++) {
        size_t i = task_add(e, d->name, d->name, st->ref, d);
        struct sim_task *t = &e->tasks[i];
        unsigned n = (unsigned)rng64();
        t->optional = st->optional;
        t->retry_count = attempt;
        str_copy(t->retried_task_id, previous, sizeof t->retried_task_id);
        t->scheduled_ms = at;
        t->start_ms = at + (attempt ? RETRY_DELAY_S * 1000 : 0) + rnd_between(100, 1500);
        t->worker = d->workers[1] ? d->workers[rnd(2)] : d->workers[0];
        if (d->stream)
            set_new(t->input, "stream", json_string(d->stream));
        d->io(e, t, n);
        if (mode == INC_STUCK) {
            t->worker = d->stuck_worker;
            e->stuck = true;
            return (struct placement){ 0, OUT_STUCK, i };
        }
        bool fails = mode == INC_FAIL || mode == INC_OPTIONAL_FAIL || mode == INC_TIMEOUT ||
                     (mode == INC_RECOVER && attempt == 0);
        if (!fails) {
            t->end_ms = t->start_ms + rnd_between(d->min_ms, d->max_ms);
            t->end_status = "COMPLETED";
            return (struct placement){ t->end_ms, OUT_OK, i };
        }
        json_object_clear(t->output);
        if (mode == INC_TIMEOUT) {
            /* the decider notices responseTimeoutSeconds without an update from the worker */
            t->end_ms = t->start_ms + d->response_timeout_s * 1000LL + rnd_between(0, 900);
            t->end_status = "TIMED_OUT";
            t->reason = xformat("responseTimeout: %d exceeded for the taskId: %s with Task "
                               "Definition: %s", d->response_timeout_s, t->id, d->name);
        } else {
            t->end_ms = t->start_ms + rnd_between(d->min_ms / 2, d->max_ms);
            t->end_status = "FAILED";
            t->reason = xstrdup(d->failure);
            set_new(t->output, "error", json_string(d->failure));
        }
        if (attempt == 0) {            /* retryCount 1 in every definition: one more attempt */
            t->has_retry = true;
            str_copy(previous, t->id, sizeof previous);
            at = t->end_ms + decide_delay();
            continue;
        }
        if (st->optional) {            /* retries exhausted on an optional task */
            t->end_status = "COMPLETED_WITH_ERRORS";
            return (struct placement){ t->end_ms, OUT_OK, i };
        }
        return (struct placement){ t->end_ms, mode == INC_TIMEOUT ? OUT_TIMED_OUT : OUT_FAILED,
                                   i };
    }
}

/* A FORK (COMPLETED at once), its two branches, and the JOIN that waits for both. */
static struct placement plan_fork(struct execution *e, const struct stage *st, int64_t at)
{
    size_t f = task_add(e, "FORK", "FORK", st->ref, NULL);
    e->tasks[f].scheduled_ms = e->tasks[f].start_ms = e->tasks[f].end_ms = at;
    e->tasks[f].end_status = "COMPLETED";
    set_new(e->tasks[f].input, "forkedTasks", json_pack("[s, s]", st->branches[0].ref,
                                                         st->branches[1].ref));
    struct placement b[2];
    for (int i = 0; i < 2; i++)
        b[i] = plan_simple(e, &st->branches[i], at);
    size_t j = task_add(e, "JOIN", "JOIN", st->join_ref, NULL);
    struct sim_task *join = &e->tasks[j];
    join->scheduled_ms = join->start_ms = at;
    set_new(join->input, "joinOn", json_pack("[s, s]", st->branches[0].ref, st->branches[1].ref));

    /* the first failure fails the execution; else a stuck branch holds the JOIN forever */
    const struct placement *failed = NULL;
    for (int i = 0; i < 2; i++)
        if ((b[i].outcome == OUT_FAILED || b[i].outcome == OUT_TIMED_OUT) &&
            (!failed || b[i].end_ms < failed->end_ms))
            failed = &b[i];
    if (failed)
        return *failed;
    if (b[0].outcome == OUT_STUCK || b[1].outcome == OUT_STUCK)
        return (struct placement){ 0, OUT_STUCK, j };
    join->end_ms = (b[0].end_ms > b[1].end_ms ? b[0].end_ms : b[1].end_ms) + decide_delay();
    join->end_status = "COMPLETED";
    for (int i = 0; i < 2; i++) {
        const struct sim_task *bt = &e->tasks[b[i].task];
        set(join->output, bt->ref, bt->output);
    }
    return (struct placement){ join->end_ms, OUT_OK, j };
}

/* A SUB_WORKFLOW task: the system task worker picks it up and starts the child, whose end ends
 * the task with the child's outcome. */
static struct placement plan_sub(struct sim *s, struct execution *e, const struct stage *st,
                                 int64_t at)
{
    size_t i = task_add(e, "SUB_WORKFLOW", "SUB_WORKFLOW", st->ref, NULL);
    struct sim_task *t = &e->tasks[i];
    t->scheduled_ms = at;
    t->start_ms = at + rnd_between(50, 300);
    set_new(t->input, "subWorkflowName", json_string(st->child->name));
    set_new(t->input, "subWorkflowVersion", json_integer(st->child->version));
    set(t->input, "workflowInput", e->input);
    char task_id[UUID_LEN + 1];
    str_copy(task_id, t->id, sizeof task_id);
    const struct execution *c = execution_start(s, st->child, t->start_ms, e->incident,
                                                e->incident_ref, e, task_id);
    t = &e->tasks[i];
    str_copy(t->sub_workflow_id, c->id, sizeof t->sub_workflow_id);
    set_new(t->output, "subWorkflowId", json_string(c->id));
    if (!c->end_ms) {
        e->stuck = true;
        return (struct placement){ 0, OUT_STUCK, i };
    }
    json_object_update(t->output, c->output);
    t->end_ms = c->end_ms + decide_delay();
    enum outcome out = OUT_OK;
    if (strcmp(c->end_status, "COMPLETED") == 0) {
        t->end_status = "COMPLETED";
    } else {
        t->end_status = strcmp(c->end_status, "TIMED_OUT") == 0    ? "TIMED_OUT"
                        : strcmp(c->end_status, "TERMINATED") == 0 ? "CANCELED"
                                                                   : "FAILED";
        out = strcmp(c->end_status, "TIMED_OUT") == 0    ? OUT_TIMED_OUT
              : strcmp(c->end_status, "TERMINATED") == 0 ? OUT_CANCELED
                                                         : OUT_FAILED;
        t->reason = xformat("Sub workflow %s.%d/%s failure reason: %s", c->flow->name,
                           c->flow->version, c->id, c->reason ? c->reason : "");
    }
    return (struct placement){ t->end_ms, out, i };
}

/* Ends everything still open at `at`: tasks scheduled later never existed, open ones are
 * CANCELED (a task not yet polled keeps startTime 0). */
static void truncate_at(struct execution *e, int64_t at)
{
    size_t kept = 0;
    for (size_t i = 0; i < e->task_count; i++) {
        struct sim_task *t = &e->tasks[i];
        if (t->scheduled_ms > at) {
            task_free(t);
            continue;
        }
        if (!t->end_ms || t->end_ms > at) {
            t->end_ms = at;
            t->end_status = "CANCELED";
            t->has_retry = false;
            free(t->reason);
            t->reason = NULL;
            json_object_clear(t->output);
            if (t->start_ms > at)
                t->start_ms = 0;
        }
        e->tasks[kept++] = *t;
    }
    e->task_count = kept;
}

static int by_schedule(const void *pa, const void *pb)
{
    const struct sim_task *a = pa, *b = pb;
    if (a->scheduled_ms != b->scheduled_ms)
        return a->scheduled_ms < b->scheduled_ms ? -1 : 1;
    return a->order - b->order;
}

/* Plans the whole execution from its create_ms: every task, the end, the outcome. */
static void plan_execution(struct sim *s, struct execution *e)
{
    const struct flow *f = e->flow;
    int64_t at = e->create_ms + decide_delay();
    struct placement p = { 0, OUT_OK, 0 };
    for (size_t i = 0; i < f->stage_count && p.outcome == OUT_OK; i++) {
        const struct stage *st = &f->stages[i];
        p = st->kind == STAGE_TASK ? plan_simple(e, &st->task, at)
            : st->kind == STAGE_FORK ? plan_fork(e, st, at)
                                     : plan_sub(s, e, st, at);
        at = p.end_ms + decide_delay();
    }
    switch (p.outcome) {
    case OUT_STUCK:
        e->stuck = true;
        e->end_ms = 0;
        break;
    case OUT_OK:
        e->end_ms = at;
        e->end_status = "COMPLETED";
        break;
    case OUT_FAILED:
    case OUT_TIMED_OUT:
    case OUT_CANCELED: {
        const struct sim_task *t = &e->tasks[p.task];
        e->end_ms = at;
        e->end_status = p.outcome == OUT_FAILED      ? "FAILED"
                        : p.outcome == OUT_TIMED_OUT ? "TIMED_OUT"
                                                     : "TERMINATED";
        e->reason = xformat("Task %s failed with status: %s and reason: '%s'", t->id,
                           e->end_status, t->reason ? t->reason : "");
        str_copy(e->failed_task_id, t->id, sizeof e->failed_task_id);
        e->failed_ref = t->ref;
        e->failed_name = t->def_name;
        e->output = json_incref(t->output);
        truncate_at(e, e->end_ms);
        break;
    }
    }
    /* an operator terminates it part way (only flows without a child execution) */
    if (e->incident == INC_TERMINATE && e->end_status && f->can_terminate &&
        strcmp(e->end_status, "COMPLETED") == 0 && e->end_ms - e->create_ms > 1500) {
        e->end_ms = rnd_between(e->create_ms + 800, e->end_ms - 300);
        e->end_status = "TERMINATED";
        e->reason = xstrdup(f->terminate_reason);
        truncate_at(e, e->end_ms);
    }
    qsort(e->tasks, e->task_count, sizeof *e->tasks, by_schedule);
    for (size_t i = 0; i < e->task_count; i++)
        e->tasks[i].seq = (int)i + 1;
    /* without outputParameters, a completed workflow's output is its last task's */
    if (!e->output && e->end_status && strcmp(e->end_status, "COMPLETED") == 0 && e->task_count)
        e->output = json_incref(e->tasks[e->task_count - 1].output);
    if (!e->output)
        e->output = must(json_object());
}

/* ---- state at a given time, as JSON ---------------------------------------------------------- */

static enum phase task_phase(const struct sim_task *t, int64_t now)
{
    if (t->scheduled_ms > now)
        return PHASE_NONE;
    if (t->end_ms && t->end_ms <= now)
        return PHASE_DONE;
    if (t->start_ms && t->start_ms <= now)
        return PHASE_RUNNING;
    return PHASE_SCHEDULED;
}

static bool ended(const struct execution *e, int64_t now)
{
    return e->end_ms && e->end_ms <= now;
}

/* updatedTime: the last decision of the engine at or before now (0: none yet). */
static int64_t execution_update_ms(const struct execution *e, int64_t now)
{
    int64_t u = 0;
    for (size_t i = 0; i < e->task_count; i++) {
        const struct sim_task *t = &e->tasks[i];
        if (t->scheduled_ms <= now && t->scheduled_ms > u)
            u = t->scheduled_ms;
        if (t->end_ms && t->end_ms <= now && t->end_ms > u)
            u = t->end_ms;
    }
    if (ended(e, now) && e->end_ms > u)
        u = e->end_ms;
    return u;
}

/* The task's updateTime: set when polled, kept when it ends (0 before). */
static int64_t task_update_ms(const struct sim_task *t, enum phase ph)
{
    if (ph >= PHASE_RUNNING && t->start_ms)
        return t->start_ms;
    return ph == PHASE_DONE ? t->end_ms : 0;
}

/* The row's last change: modified_on. */
static int64_t task_modified_ms(const struct sim_task *t, enum phase ph)
{
    return ph == PHASE_DONE ? t->end_ms : ph == PHASE_RUNNING ? t->start_ms : t->scheduled_ms;
}

static const char *task_status(const struct sim_task *t, enum phase ph)
{
    return ph == PHASE_DONE ? t->end_status : ph == PHASE_RUNNING ? "IN_PROGRESS" : "SCHEDULED";
}

/* workflow.json_data now: WorkflowModel as Jackson writes it (nulls and empty failed-task lists
 * left out, tasks stored apart). Caller frees. */
static char *workflow_json(const struct execution *e, int64_t now)
{
    bool done = ended(e, now);
    int64_t updated = execution_update_ms(e, now);
    json_t *o = must(json_object());
    set_new(o, "createTime", json_integer(e->create_ms));
    if (updated)
        set_new(o, "updatedTime", json_integer(updated));
    set_new(o, "createdBy", json_string(CREATED_BY));
    set_new(o, "status", json_string(done ? e->end_status : "RUNNING"));
    if (done)
        set_new(o, "previousStatus", json_string("RUNNING"));
    set_new(o, "endTime", json_integer(done ? e->end_ms : 0));
    set_new(o, "workflowId", json_string(e->id));
    if (e->parent_id[0]) {
        set_new(o, "parentWorkflowId", json_string(e->parent_id));
        set_new(o, "parentWorkflowTaskId", json_string(e->parent_task_id));
    }
    set_new(o, "tasks", json_array());
    set(o, "input", e->input);
    if (done)
        set(o, "output", e->output);
    else
        set_new(o, "output", json_object());
    set_new(o, "correlationId", json_string(e->correlation_id));
    if (done && e->reason)
        set_new(o, "reasonForIncompletion", json_string(e->reason));
    set_new(o, "taskToDomain", json_object());
    if (done && e->failed_ref) {
        set_new(o, "failedReferenceTaskNames", json_pack("[s]", e->failed_ref));
        set_new(o, "failedTaskNames", json_pack("[s]", e->failed_name));
        set_new(o, "failedTaskId", json_string(e->failed_task_id));
    }
    set(o, "workflowDefinition", flow_definitions[e->flow->id]);
    set_new(o, "priority", json_integer(0));
    set_new(o, "variables", json_object());
    set_new(o, "lastRetriedTime", json_integer(0));
    set_new(o, "workflowName", json_string(e->flow->name));
    set_new(o, "workflowVersion", json_integer(e->flow->version));
    char *text = json_text(o);
    json_decref(o);
    return text;
}

/* workflow_index.json_data now: a WorkflowSummary. Caller frees. */
static char *workflow_summary_json(const struct execution *e, int64_t now)
{
    bool done = ended(e, now);
    int64_t updated = execution_update_ms(e, now);
    char iso[32];
    json_t *o = must(json_object());
    set_new(o, "workflowType", json_string(e->flow->name));
    set_new(o, "version", json_integer(e->flow->version));
    set_new(o, "workflowId", json_string(e->id));
    set_new(o, "correlationId", json_string(e->correlation_id));
    iso_utc(e->create_ms, iso);
    set_new(o, "startTime", json_string(iso));
    if (updated) {
        iso_utc(updated, iso);
        set_new(o, "updateTime", json_string(iso));
    }
    if (done) {
        iso_utc(e->end_ms, iso);
        set_new(o, "endTime", json_string(iso));
    }
    set_new(o, "status", json_string(done ? e->end_status : "RUNNING"));
    char *input = java_map_string(e->input);
    char *output = done ? java_map_string(e->output) : xstrdup("{}");
    set_new(o, "input", json_string(input));
    set_new(o, "output", json_string(output));
    if (done && e->reason)
        set_new(o, "reasonForIncompletion", json_string(e->reason));
    set_new(o, "executionTime", json_integer(done ? e->end_ms - e->create_ms : 0));
    set_new(o, "failedReferenceTaskNames",
            json_string(done && e->failed_ref ? e->failed_ref : ""));
    set_new(o, "failedTaskNames", done && e->failed_name ? json_pack("[s]", e->failed_name)
                                                         : json_array());
    set_new(o, "priority", json_integer(0));
    set_new(o, "createdBy", json_string(CREATED_BY));
    set_new(o, "parentWorkflowId", json_string(e->parent_id));
    set_new(o, "classifier", json_string("workflow"));
    set_new(o, "taskToDomain", json_object());
    set_new(o, "inputSize", json_integer((json_int_t)strlen(input)));
    set_new(o, "outputSize", json_integer((json_int_t)strlen(output)));
    free(input);
    free(output);
    char *text = json_text(o);
    json_decref(o);
    return text;
}

/* task.json_data now: TaskModel as Jackson writes it. Caller frees. */
static char *task_json(const struct execution *e, const struct sim_task *t, enum phase ph)
{
    bool started = ph >= PHASE_RUNNING && t->start_ms;
    bool done = ph == PHASE_DONE;
    json_t *o = must(json_object());
    set_new(o, "taskType", json_string(t->type));
    set_new(o, "status", json_string(task_status(t, ph)));
    set(o, "inputData", t->input);
    set_new(o, "referenceTaskName", json_string(t->ref));
    set_new(o, "retryCount", json_integer(t->retry_count));
    set_new(o, "seq", json_integer(t->seq));
    set_new(o, "correlationId", json_string(e->correlation_id));
    set_new(o, "pollCount", json_integer(started && t->def ? 1 : 0));
    set_new(o, "taskDefName", json_string(t->def_name));
    set_new(o, "scheduledTime", json_integer(t->scheduled_ms));
    set_new(o, "startTime", json_integer(started ? t->start_ms : 0));
    set_new(o, "endTime", json_integer(done ? t->end_ms : 0));
    set_new(o, "updateTime", json_integer(task_update_ms(t, ph)));
    set_new(o, "startDelayInSeconds", json_integer(t->retry_count ? RETRY_DELAY_S : 0));
    if (t->retried_task_id[0])
        set_new(o, "retriedTaskId", json_string(t->retried_task_id));
    set_new(o, "retried", json_boolean(done && t->has_retry));
    set_new(o, "executed", json_boolean(done));
    set_new(o, "callbackFromWorker", json_true());
    set_new(o, "responseTimeoutSeconds", json_integer(t->def ? t->def->response_timeout_s : 0));
    set_new(o, "workflowInstanceId", json_string(e->id));
    set_new(o, "workflowType", json_string(e->flow->name));
    set_new(o, "taskId", json_string(t->id));
    if (done && t->reason)
        set_new(o, "reasonForIncompletion", json_string(t->reason));
    set_new(o, "callbackAfterSeconds", json_integer(t->retry_count ? RETRY_DELAY_S : 0));
    if (started && t->worker)
        set_new(o, "workerId", json_string(t->worker));
    if (done || (started && t->sub_workflow_id[0]))
        set(o, "outputData", t->output);
    else
        set_new(o, "outputData", json_object());
    set(o, "workflowTask", find_workflow_task(json_object_get(flow_definitions[e->flow->id],
                                                              "tasks"), t->ref));
    set_new(o, "rateLimitPerFrequency", json_integer(0));
    set_new(o, "rateLimitFrequencyInSeconds", json_integer(1));
    set_new(o, "workflowPriority", json_integer(0));
    set_new(o, "iteration", json_integer(0));
    if (started && t->sub_workflow_id[0])
        set_new(o, "subWorkflowId", json_string(t->sub_workflow_id));
    set_new(o, "subworkflowChanged", json_false());
    char *text = json_text(o);
    json_decref(o);
    return text;
}

/* task_index.json_data now: a TaskSummary (every time formatted, 0 as 1970). Caller frees. */
static char *task_summary_json(const struct execution *e, const struct sim_task *t, enum phase ph)
{
    bool started = ph >= PHASE_RUNNING && t->start_ms;
    bool done = ph == PHASE_DONE;
    int64_t start = started ? t->start_ms : 0, end = done ? t->end_ms : 0;
    char iso[32];
    json_t *o = must(json_object());
    set_new(o, "workflowId", json_string(e->id));
    set_new(o, "workflowType", json_string(e->flow->name));
    set_new(o, "correlationId", json_string(e->correlation_id));
    iso_utc(t->scheduled_ms, iso);
    set_new(o, "scheduledTime", json_string(iso));
    iso_utc(start, iso);
    set_new(o, "startTime", json_string(iso));
    iso_utc(task_update_ms(t, ph), iso);
    set_new(o, "updateTime", json_string(iso));
    iso_utc(end, iso);
    set_new(o, "endTime", json_string(iso));
    set_new(o, "status", json_string(task_status(t, ph)));
    if (done && t->reason)
        set_new(o, "reasonForIncompletion", json_string(t->reason));
    set_new(o, "executionTime", json_integer(end && start ? end - start : 0));
    set_new(o, "queueWaitTime", json_integer(start ? start - t->scheduled_ms : 0));
    set_new(o, "taskDefName", json_string(t->def_name));
    set_new(o, "taskType", json_string(t->type));
    char *input = java_map_string(t->input), *output = java_map_string(t->output);
    set_new(o, "input", json_string(input));
    set_new(o, "output", json_string(done ? output : "{}"));
    free(input);
    free(output);
    set_new(o, "taskId", json_string(t->id));
    set_new(o, "workflowPriority", json_integer(0));
    char *text = json_text(o);
    json_decref(o);
    return text;
}

/* ---- the database ---------------------------------------------------------------------------- */

/* Times go over as epoch ms and become timestamps in SQL: timestamptz for the index tables,
 * the session's local time for the plain TIMESTAMP created_on/modified_on columns. */
#define TS(n) "to_timestamp($" #n "::float8 / 1000)"
#define LOCAL_TS(n) "to_timestamp($" #n "::float8 / 1000)::timestamp"

enum statement {
    ST_WORKFLOW, ST_WORKFLOW_DEF, ST_PENDING_ADD, ST_PENDING_DEL, ST_WORKFLOW_INDEX,
    ST_TASK_SCHEDULED, ST_TASK, ST_WORKFLOW_TO_TASK, ST_IN_PROGRESS_ADD, ST_IN_PROGRESS_DEL,
    ST_TASK_INDEX, ST_POLL_DATA, ST_COUNT
};

/* Conductor's statements, as upserts so that writing a state twice does no harm. */
static const struct {
    const char *name, *sql;
} statements[ST_COUNT] = {
    [ST_WORKFLOW] = { "wf_sim_workflow",
        "INSERT INTO workflow (workflow_id, correlation_id, json_data, created_on, modified_on)"
        " VALUES ($1, $2, $3, " LOCAL_TS(4) ", " LOCAL_TS(5) ")"
        " ON CONFLICT (workflow_id) DO UPDATE"
        " SET json_data = EXCLUDED.json_data, modified_on = EXCLUDED.modified_on" },
    [ST_WORKFLOW_DEF] = { "wf_sim_workflow_def",
        "INSERT INTO workflow_def_to_workflow (workflow_def, date_str, workflow_id, created_on,"
        " modified_on) VALUES ($1, $2, $3, " LOCAL_TS(4) ", " LOCAL_TS(4) ")"
        " ON CONFLICT DO NOTHING" },
    [ST_PENDING_ADD] = { "wf_sim_pending_add",
        "INSERT INTO workflow_pending (workflow_type, workflow_id, created_on, modified_on)"
        " VALUES ($1, $2, " LOCAL_TS(3) ", " LOCAL_TS(3) ") ON CONFLICT DO NOTHING" },
    [ST_PENDING_DEL] = { "wf_sim_pending_del",
        "DELETE FROM workflow_pending WHERE workflow_type = $1 AND workflow_id = $2" },
    [ST_WORKFLOW_INDEX] = { "wf_sim_workflow_index",
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time,"
        " status, json_data, update_time, parent_workflow_id, classifier, end_time)"
        " VALUES ($1, $2, $3, " TS(4) ", $5, $6::jsonb, " TS(7) ", $8, 'workflow', " TS(9) ")"
        " ON CONFLICT (workflow_id) DO UPDATE SET correlation_id = EXCLUDED.correlation_id,"
        " workflow_type = EXCLUDED.workflow_type, start_time = EXCLUDED.start_time,"
        " end_time = EXCLUDED.end_time, status = EXCLUDED.status,"
        " json_data = EXCLUDED.json_data, update_time = EXCLUDED.update_time,"
        " parent_workflow_id = EXCLUDED.parent_workflow_id, classifier = EXCLUDED.classifier"
        " WHERE EXCLUDED.update_time >= workflow_index.update_time" },
    [ST_TASK_SCHEDULED] = { "wf_sim_task_scheduled",
        "INSERT INTO task_scheduled (workflow_id, task_key, task_id, created_on, modified_on)"
        " VALUES ($1, $2, $3, " LOCAL_TS(4) ", " LOCAL_TS(4) ")"
        " ON CONFLICT ON CONSTRAINT task_scheduled_pkey DO NOTHING" },
    [ST_TASK] = { "wf_sim_task",
        "INSERT INTO task (task_id, json_data, created_on, modified_on)"
        " VALUES ($1, $2, " LOCAL_TS(3) ", " LOCAL_TS(4) ")"
        " ON CONFLICT (task_id) DO UPDATE"
        " SET json_data = EXCLUDED.json_data, modified_on = EXCLUDED.modified_on" },
    [ST_WORKFLOW_TO_TASK] = { "wf_sim_workflow_to_task",
        "INSERT INTO workflow_to_task (workflow_id, task_id, created_on, modified_on)"
        " VALUES ($1, $2, " LOCAL_TS(3) ", " LOCAL_TS(3) ")"
        " ON CONFLICT ON CONSTRAINT workflow_to_task_pkey DO NOTHING" },
    [ST_IN_PROGRESS_ADD] = { "wf_sim_in_progress_add",
        "INSERT INTO task_in_progress (task_def_name, task_id, workflow_id, created_on,"
        " modified_on) VALUES ($1, $2, $3, " LOCAL_TS(4) ", " LOCAL_TS(4) ")"
        " ON CONFLICT ON CONSTRAINT task_in_progress_pkey DO NOTHING" },
    [ST_IN_PROGRESS_DEL] = { "wf_sim_in_progress_del",
        "DELETE FROM task_in_progress WHERE task_def_name = $1 AND task_id = $2" },
    [ST_TASK_INDEX] = { "wf_sim_task_index",
        "INSERT INTO task_index (task_id, task_type, task_def_name, status, start_time,"
        " update_time, workflow_type, json_data, end_time)"
        " VALUES ($1, $2, $3, $4, " TS(5) ", " TS(6) ", $7, $8::jsonb, " TS(9) ")"
        " ON CONFLICT (task_id) DO UPDATE SET task_type = EXCLUDED.task_type,"
        " task_def_name = EXCLUDED.task_def_name, status = EXCLUDED.status,"
        " end_time = EXCLUDED.end_time, update_time = EXCLUDED.update_time,"
        " json_data = EXCLUDED.json_data"
        " WHERE EXCLUDED.update_time >= task_index.update_time" },
    [ST_POLL_DATA] = { "wf_sim_poll_data",
        "INSERT INTO poll_data (queue_name, domain, json_data, created_on, modified_on)"
        " VALUES ($1, 'DEFAULT', $2, " LOCAL_TS(3) ", " LOCAL_TS(3) ")"
        " ON CONFLICT (queue_name, domain) DO UPDATE"
        " SET json_data = EXCLUDED.json_data, modified_on = EXCLUDED.modified_on"
        " WHERE poll_data.modified_on <= EXCLUDED.modified_on" },
};

/* The tables written (and so required). */
static const char *const required_tables[] = {
    "workflow", "workflow_def_to_workflow", "workflow_pending", "task", "task_scheduled",
    "workflow_to_task", "task_in_progress", "poll_data", "workflow_index", "task_index",
};

/* First line of a libpq message, control characters replaced. */
static void one_line(const char *msg, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = msg ? msg : ""; *p && *p != '\n' && o + 1 < outlen; p++)
        out[o++] = ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) ? '?' : *p;
    out[o] = '\0';
    if (!out[0])
        str_copy(out, "no message", outlen);
}

/* A pipelined transaction: statements are sent without waiting, their results read every
 * PIPELINE_CHUNK statements and at the end. The first failure (a refused statement, a lost
 * connection) is kept in err and everything after it is dropped. */
struct batch {
    PGconn *conn;
    int unread;          /* statements sent whose results are not read yet */
    bool failed;
    char err[512];
};

static void batch_fail(struct batch *b, const char *what, const char *msg)
{
    if (b->failed)
        return;
    char line[400];
    one_line(msg, line, sizeof line);
    snprintf(b->err, sizeof b->err, "%s: %s", what, line);
    b->failed = true;
}

/* Reads the results of the statements sent so far and of the sync after them. */
static void batch_read(struct batch *b)
{
    for (; b->unread > 0; b->unread--) {
        PGresult *r;
        while ((r = PQgetResult(b->conn))) {
            ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_FATAL_ERROR)
                batch_fail(b, "writing", PQresultErrorMessage(r));
            PQclear(r);
        }
        if (PQstatus(b->conn) == CONNECTION_BAD) {
            batch_fail(b, "writing", PQerrorMessage(b->conn));
            b->unread = 0;
            return;
        }
    }
    PGresult *r = PQgetResult(b->conn);   /* the sync's */
    if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
        batch_fail(b, "writing", r ? PQresultErrorMessage(r) : PQerrorMessage(b->conn));
    PQclear(r);
}

static void batch_sync(struct batch *b)
{
    if (PQpipelineSync(b->conn) != 1) {
        batch_fail(b, "writing", PQerrorMessage(b->conn));
        return;
    }
    batch_read(b);
}

static void batch_send_text(struct batch *b, const char *sql)
{
    if (b->failed)
        return;
    if (!PQsendQueryParams(b->conn, sql, 0, NULL, NULL, NULL, NULL, 0)) {
        batch_fail(b, "writing", PQerrorMessage(b->conn));
        return;
    }
    b->unread++;
}

/* Opens a batch on conn (pipeline mode and BEGIN). */
static void batch_begin(struct batch *b, PGconn *conn)
{
    memset(b, 0, sizeof *b);
    b->conn = conn;
    if (PQenterPipelineMode(conn) != 1) {
        batch_fail(b, "entering pipeline mode", PQerrorMessage(conn));
        return;
    }
    batch_send_text(b, "BEGIN");
}

/* Sends one prepared statement; the params are copied at once. */
static void batch_send(struct batch *b, enum statement st, int n, const char *const *params)
{
    if (b->failed)
        return;
    if (!PQsendQueryPrepared(b->conn, statements[st].name, n, params, NULL, NULL, 0)) {
        batch_fail(b, "writing", PQerrorMessage(b->conn));
        return;
    }
    if (++b->unread >= PIPELINE_CHUNK)
        batch_sync(b);
}

/* COMMIT (or ROLLBACK once failed), read everything, leave pipeline mode. 0 when committed,
 * -1 with the reason in b->err. */
static int batch_end(struct batch *b)
{
    if (PQpipelineStatus(b->conn) == PQ_PIPELINE_OFF)
        return -1;
    if (PQstatus(b->conn) == CONNECTION_OK) {
        bool failed = b->failed;
        b->failed = false;
        batch_send_text(b, failed ? "ROLLBACK" : "COMMIT");
        batch_sync(b);
        b->failed = b->failed || failed;
    }
    if (PQstatus(b->conn) == CONNECTION_OK)
        PQexitPipelineMode(b->conn);
    return b->failed ? -1 : 0;
}

/* ---- the simulator --------------------------------------------------------------------------- */

struct counts {
    long started, children, completed, failed, timed_out, terminated;
};

struct sim {
    const char *conninfo;
    char where[512];             /* host/port/dbname/user, for messages (never a password) */
    const char *schema_path;     /* NULL: never create the schema */
    double rate_per_sec;
    long history;
    long max_executions;
    PGconn *conn;                /* NULL while disconnected */
    bool need_setup;
    bool setup_once;             /* the first setup succeeded (its refusals are fatal) */
    bool down;                   /* a failure was reported; report the recovery */
    int64_t retry_ms, next_try_ms;
    bool ready_reported;
    struct execution **active;   /* every execution not yet finished and written */
    size_t active_count, active_cap;
    double owed;                 /* fractional executions carried to the next tick */
    int64_t next_cleanup_ms, next_report_ms;
    struct counts interval;      /* since the last report */
    long db_executions;          /* from the last clean-up: executions in the database */
    long deleted;                /* executions deleted since the last report */
    bool seeding;                /* the next write is the seed */
};

static void execution_free(struct execution *e)
{
    for (size_t i = 0; i < e->task_count; i++)
        task_free(&e->tasks[i]);
    free(e->tasks);
    free(e->reason);
    json_decref(e->input);
    json_decref(e->output);
    free(e);
}

/* Creates, plans and adds an execution (and its child, when it has one) to the active list. */
static struct execution *execution_start(struct sim *s, const struct flow *f, int64_t create_ms,
                                         enum incident incident, const char *incident_ref,
                                         const struct execution *parent, const char *parent_task)
{
    struct execution *e = xcalloc(1, sizeof *e);
    uuid_new(e->id);
    e->flow = f;
    e->create_ms = create_ms;
    e->incident = incident;
    e->incident_ref = incident_ref;
    if (parent) {
        str_copy(e->parent_id, parent->id, sizeof e->parent_id);
        str_copy(e->parent_task_id, parent_task, sizeof e->parent_task_id);
    }
    f->input(e, parent);
    if (s->active_count == s->active_cap) {
        s->active_cap = s->active_cap ? s->active_cap * 2 : 64;
        s->active = xrealloc(s->active, s->active_cap * sizeof *s->active);
    }
    s->active[s->active_count++] = e;
    plan_execution(s, e);
    return e;
}

static size_t stuck_count(const struct sim *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->active_count; i++)
        n += s->active[i]->stuck && !s->active[i]->parent_id[0];
    return n;
}

/* Picks a flow by share and an incident for it; stuck ones only when allow_stuck. */
static void start_random(struct sim *s, int64_t create_ms, bool allow_stuck)
{
    double r = rnd_unit(), acc = 0;
    const struct flow *f = &flows[FLOW_ORDER];
    for (size_t i = 0; i < FLOW_COUNT; i++) {
        acc += flows[i].share;
        if (flows[i].share > 0 && r < acc) {
            f = &flows[i];
            break;
        }
    }
    /* the mix in the header comment; an incident a flow cannot have is no incident */
    double x = rnd_unit();
    enum incident inc = INC_NONE;
    const char *ref = NULL;
    if (x < 0.08) {
        inc = INC_FAIL;
        ref = f->fail_refs[rnd(3)];
    } else if (x < 0.12) {
        inc = INC_RECOVER;
        ref = f->fail_refs[rnd(3)];
    } else if (x < 0.135) {
        inc = INC_TIMEOUT;
        ref = f->timeout_ref;
    } else if (x < 0.16) {
        inc = f->optional_ref ? INC_OPTIONAL_FAIL : INC_NONE;
        ref = f->optional_ref;
    } else if (x < 0.17) {
        inc = f->can_terminate ? INC_TERMINATE : INC_NONE;
    } else if (x < 0.18 && allow_stuck && stuck_count(s) < MAX_STUCK) {
        inc = INC_STUCK;
        ref = f->stuck_ref;
    }
    execution_start(s, f, create_ms, inc, ref, NULL, NULL);
}

static int by_value(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return a < b ? -1 : a > b;
}

/* --history executions over the past 24 h, oldest first; three of them stuck for hours. */
static void plan_history(struct sim *s, int64_t now)
{
    long n = s->history;
    if (n <= 0)
        return;
    int64_t *starts = xmalloc((size_t)n * sizeof *starts);
    for (long i = 0; i < n; i++)
        starts[i] = now - rnd_between(20000, HISTORY_SPAN_MS - 300000);
    qsort(starts, (size_t)n, sizeof *starts, by_value);
    static const struct {
        int flow;
        int64_t hours_ago;
    } planted[] = { { FLOW_REPORT, 19 }, { FLOW_ORDER, 7 }, { FLOW_REFUND, 3 } };
    size_t p = 0;
    for (long i = 0; i < n; i++) {
        if (p < ARRAY_LEN(planted) && n > 10 &&
            starts[i] >= now - planted[p].hours_ago * 3600000LL) {
            const struct flow *f = &flows[planted[p].flow];
            execution_start(s, f, starts[i], INC_STUCK, f->stuck_ref, NULL, NULL);
            p++;
            continue;
        }
        start_random(s, starts[i], false);
    }
    free(starts);
}

static void fmt_ll(char *buf, size_t len, long long v)
{
    snprintf(buf, len, "%lld", v);
}

/* Adds to the batch what changed in e since it was last written (everything, the first time),
 * as the state at now. */
static void write_execution(struct batch *b, struct execution *e, int64_t now)
{
    e->in_batch = false;
    if (e->create_ms > now)
        return;
    int64_t updated = execution_update_ms(e, now);
    bool done = ended(e, now);
    bool workflow_changed = !e->written || updated != e->written_update_ms ||
                            done != e->written_terminal;
    bool tasks_changed = false;
    for (size_t i = 0; i < e->task_count; i++)
        tasks_changed |= task_phase(&e->tasks[i], now) != e->tasks[i].written_phase;
    if (!workflow_changed && !tasks_changed)
        return;

    char create[24], update[24], end[24], modified[24], sched[24], start[24];
    fmt_ll(create, sizeof create, e->create_ms);
    fmt_ll(update, sizeof update, updated ? updated : e->create_ms);
    if (workflow_changed) {
        char *json = workflow_json(e, now), *summary = workflow_summary_json(e, now);
        char day[16], index_update[24];
        local_day(e->create_ms, day);
        fmt_ll(index_update, sizeof index_update, updated);
        fmt_ll(end, sizeof end, done ? e->end_ms : 0);
        const char *wf[] = { e->id, e->correlation_id, json, create, update };
        batch_send(b, ST_WORKFLOW, 5, wf);
        if (!e->written) {
            const char *def[] = { e->flow->name, day, e->id, create };
            batch_send(b, ST_WORKFLOW_DEF, 4, def);
        }
        if (done) {
            const char *del[] = { e->flow->name, e->id };
            batch_send(b, ST_PENDING_DEL, 2, del);
        } else {
            const char *add[] = { e->flow->name, e->id, create };
            batch_send(b, ST_PENDING_ADD, 3, add);
        }
        const char *status = done ? e->end_status : "RUNNING";
        const char *idx[] = { e->id, e->correlation_id, e->flow->name, create, status, summary,
                              index_update, e->parent_id, end };
        batch_send(b, ST_WORKFLOW_INDEX, 9, idx);
        free(json);
        free(summary);
    }
    for (size_t i = 0; i < e->task_count; i++) {
        struct sim_task *t = &e->tasks[i];
        enum phase ph = task_phase(t, now);
        t->batch_phase = ph;
        if (ph == t->written_phase)
            continue;
        fmt_ll(sched, sizeof sched, t->scheduled_ms);
        fmt_ll(modified, sizeof modified, task_modified_ms(t, ph));
        if (t->written_phase == PHASE_NONE) {
            char key[200];
            snprintf(key, sizeof key, "%s_%d", t->ref, t->retry_count);
            const char *scheduled[] = { e->id, key, t->id, sched };
            batch_send(b, ST_TASK_SCHEDULED, 4, scheduled);
        }
        char *json = task_json(e, t, ph);
        const char *row[] = { t->id, json, sched, modified };
        batch_send(b, ST_TASK, 4, row);
        free(json);
        if (t->written_phase == PHASE_NONE) {
            const char *link[] = { e->id, t->id, sched };
            batch_send(b, ST_WORKFLOW_TO_TASK, 3, link);
        }
        if (ph == PHASE_DONE) {
            const char *del[] = { t->def_name, t->id };
            batch_send(b, ST_IN_PROGRESS_DEL, 2, del);
        } else if (t->written_phase == PHASE_NONE) {
            const char *add[] = { t->def_name, t->id, e->id, sched };
            batch_send(b, ST_IN_PROGRESS_ADD, 4, add);
        }
        if (ph >= PHASE_RUNNING) {       /* indexed from the first poll on */
            char *summary = task_summary_json(e, t, ph);
            char task_update[24];
            fmt_ll(start, sizeof start, ph >= PHASE_RUNNING ? t->start_ms : 0);
            fmt_ll(task_update, sizeof task_update, task_update_ms(t, ph));
            fmt_ll(end, sizeof end, ph == PHASE_DONE ? t->end_ms : 0);
            const char *idx[] = { t->id, t->type, t->def_name, task_status(t, ph), start,
                                  task_update, e->flow->name, summary, end };
            batch_send(b, ST_TASK_INDEX, 9, idx);
            free(summary);
        }
        if (ph >= PHASE_RUNNING && t->written_phase < PHASE_RUNNING && t->start_ms &&
            t->worker) {
            char poll[24];
            fmt_ll(poll, sizeof poll, t->start_ms);
            json_t *o = must(json_pack("{s:s, s:s, s:I}", "queueName", t->def_name, "workerId",
                                       t->worker, "lastPollTime", (json_int_t)t->start_ms));
            char *text = json_text(o);
            json_decref(o);
            const char *pd[] = { t->def_name, text, poll };
            batch_send(b, ST_POLL_DATA, 3, pd);
            free(text);
        }
    }
    e->in_batch = true;
    e->batch_update_ms = updated;
    e->batch_terminal = done;
}

/* After a committed batch: what it wrote is what the database holds; finished executions leave
 * memory. */
static void batch_committed(struct sim *s)
{
    size_t kept = 0;
    for (size_t i = 0; i < s->active_count; i++) {
        struct execution *e = s->active[i];
        if (e->in_batch) {
            if (!e->written) {
                s->interval.started++;
                s->interval.children += e->parent_id[0] != '\0';
            }
            if (e->batch_terminal && !e->written_terminal) {
                const char *st = e->end_status;
                if (strcmp(st, "COMPLETED") == 0)
                    s->interval.completed++;
                else if (strcmp(st, "FAILED") == 0)
                    s->interval.failed++;
                else if (strcmp(st, "TIMED_OUT") == 0)
                    s->interval.timed_out++;
                else
                    s->interval.terminated++;
            }
            e->written = true;
            e->written_update_ms = e->batch_update_ms;
            e->written_terminal = e->batch_terminal;
            for (size_t j = 0; j < e->task_count; j++)
                e->tasks[j].written_phase = e->tasks[j].batch_phase;
            e->in_batch = false;
        }
        if (e->written_terminal) {
            execution_free(e);
            continue;
        }
        s->active[kept++] = e;
    }
    s->active_count = kept;
}

/* ---- connection, setup, clean-up ------------------------------------------------------------- */

/* Builds "host=... port=... dbname=... user=..." from the conninfo (libpq's defaults where it
 * says nothing); 0, or -1 with libpq's complaint in err when it does not parse. */
static int describe_conninfo(const char *conninfo, char *out, size_t len, char *err, size_t errlen)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    if (!opts) {
        char line[300];
        one_line(msg ? msg : "out of memory", line, sizeof line);
        snprintf(err, errlen, "--pg '%s' is not a valid conninfo or URI: %s", conninfo, line);
        PQfreemem(msg);
        return -1;
    }
    static const char *const shown[] = { "host", "hostaddr", "port", "dbname", "user" };
    size_t o = 0;
    out[0] = '\0';
    for (PQconninfoOption *p = opts; p->keyword; p++)
        for (size_t i = 0; i < ARRAY_LEN(shown); i++)
            if (strcmp(p->keyword, shown[i]) == 0 && p->val && *p->val && o < len)
                o += (size_t)snprintf(out + o, len - o, "%s%s=%s", o ? " " : "", p->keyword,
                                      p->val);
    if (!out[0])
        str_copy(out, "(libpq defaults)", len);
    PQconninfoFree(opts);
    return 0;
}

/* Server notices (a shutdown's WARNING before the connection drops) would only repeat what the
 * failure that follows reports in one line. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *db_connect(const char *conninfo, char *err, size_t errlen)
{
    char timeout[16], options[160];
    snprintf(timeout, sizeof timeout, "%d", CONNECT_TIMEOUT_S);
    /* (not synchronous_commit=off: a commit the server may lose would make us skip rows,
     * such as workflow_to_task, that we believe written) */
    snprintf(options, sizeof options, "-c statement_timeout=%d -c client_min_messages=warning",
             STATEMENT_TIMEOUT_MS);
    const char *keys[] = { "dbname", "application_name", "connect_timeout", "options",
                           "keepalives_idle", "keepalives_interval", "keepalives_count", NULL };
    const char *vals[] = { conninfo, "wf_sim", timeout, options, "10", "5", "3", NULL };
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        snprintf(err, errlen, "cannot connect to PostgreSQL: out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        char line[300];
        one_line(PQerrorMessage(conn), line, sizeof line);
        snprintf(err, errlen, "cannot connect to PostgreSQL: %s", line);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    return conn;
}

/* Runs sql (no parameters); returns the result when it succeeded (caller PQclear's), else NULL
 * with the reason in err. */
static PGresult *db_query(PGconn *conn, const char *sql, const char *what, char *err,
                          size_t errlen)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    char line[400];
    one_line(r ? PQresultErrorMessage(r) : PQerrorMessage(conn), line, sizeof line);
    snprintf(err, errlen, "%s: %s", what, line);
    PQclear(r);
    return NULL;
}

/* The whole file at path (caller frees), or NULL with the reason in err. */
static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read the schema file %s: %m", path);
        return NULL;
    }
    struct strbuf b = { 0 };
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_add(&b, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad || !b.p) {
        snprintf(err, errlen, "cannot read the schema file %s%s", path, bad ? "" : ": empty");
        free(b.p);
        return NULL;
    }
    return b.p;
}

enum setup_result { SETUP_OK, SETUP_RETRY, SETUP_REFUSED, SETUP_BAD_FILE };

/* Makes the database ready: Conductor's tables (created from --schema when absent), the
 * statements prepared; on the first setup, refuses foreign executions and plans the history
 * when the database holds none. */
static enum setup_result sim_setup(struct sim *s, int64_t now, char *err, size_t errlen)
{
    PGresult *r = db_query(s->conn, "SELECT to_regclass('workflow') IS NOT NULL",
                           "looking for Conductor's tables", err, errlen);
    if (!r)
        return SETUP_RETRY;
    bool have = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!have) {
        if (!s->schema_path) {
            snprintf(err, errlen, "%s has no Conductor tables (no table workflow); pass "
                     "--schema tests/fixtures/conductor_schema.sql to create them", s->where);
            return SETUP_REFUSED;
        }
        char *sql = read_file(s->schema_path, err, errlen);
        if (!sql)
            return SETUP_BAD_FILE;
        r = db_query(s->conn, sql, "creating Conductor's tables", err, errlen);
        free(sql);
        if (!r) {
            if (PQstatus(s->conn) == CONNECTION_BAD)
                return SETUP_RETRY;
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (in %s)", s->schema_path);
            return SETUP_REFUSED;
        }
        PQclear(r);
        fprintf(stderr, "wf_sim: created Conductor's tables from %s\n", s->schema_path);
    }
    char sql[1024];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT t FROM unnest(ARRAY[");
    for (size_t i = 0; i < ARRAY_LEN(required_tables); i++)
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s'%s'", i ? ", " : "",
                              required_tables[i]);
    snprintf(sql + o, sizeof sql - o, "]) t WHERE to_regclass(t) IS NULL");
    r = db_query(s->conn, sql, "checking Conductor's tables", err, errlen);
    if (!r)
        return SETUP_RETRY;
    if (PQntuples(r) > 0) {
        snprintf(err, errlen, "%s lacks Conductor's table %s (and %d more); recreate it from "
                 "tests/fixtures/conductor_schema.sql", s->where, PQgetvalue(r, 0, 0),
                 PQntuples(r) - 1);
        PQclear(r);
        return SETUP_REFUSED;
    }
    PQclear(r);

    if (!s->setup_once) {
        r = db_query(s->conn, "SELECT count(*) FILTER (WHERE json_data NOT LIKE"
                     " '%\"createdBy\":\"" CREATED_BY "\"%'), count(*) FROM workflow",
                     "counting executions", err, errlen);
        if (!r)
            return SETUP_RETRY;
        long foreign = atol(PQgetvalue(r, 0, 0)), total = atol(PQgetvalue(r, 0, 1));
        PQclear(r);
        if (foreign > 0) {
            snprintf(err, errlen, "refusing to write: %s holds %ld workflow executions that "
                     "wf_sim did not write; it is a demo tool, for a throwaway database only",
                     s->where, foreign);
            return SETUP_REFUSED;
        }
        if (total > 0)
            fprintf(stderr, "wf_sim: %s already holds %ld executions of ours: no history "
                    "seeded\n", s->where, total);
        else if (s->history > 0) {
            plan_history(s, now);
            s->seeding = true;
        }
    }

    r = db_query(s->conn, "DEALLOCATE ALL", "preparing statements", err, errlen);
    if (!r)
        return SETUP_RETRY;
    PQclear(r);
    for (int i = 0; i < ST_COUNT; i++) {
        r = PQprepare(s->conn, statements[i].name, statements[i].sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char line[400];
            one_line(PQresultErrorMessage(r), line, sizeof line);
            snprintf(err, errlen, "preparing %s: %s", statements[i].name, line);
            PQclear(r);
            return SETUP_RETRY;
        }
        PQclear(r);
    }
    s->setup_once = true;
    return SETUP_OK;
}

/* Deletes, with all their rows, our executions that ended more than 24 h ago and the oldest
 * finished ones beyond --max-executions. 0, or -1 with the reason in err. */
static int sim_cleanup(struct sim *s, char *err, size_t errlen)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
        "BEGIN;"
        "CREATE TEMP TABLE wf_sim_doomed ON COMMIT DROP AS"
        " SELECT workflow_id FROM workflow_index"
        "  WHERE json_data @> '{\"createdBy\":\"" CREATED_BY "\"}'"
        "    AND status NOT IN ('RUNNING', 'PAUSED')"
        "    AND end_time > 'epoch' AND end_time < now() - interval '%lld milliseconds'"
        " UNION"
        " SELECT workflow_id FROM (SELECT workflow_id FROM workflow_index"
        "  WHERE json_data @> '{\"createdBy\":\"" CREATED_BY "\"}'"
        "    AND status NOT IN ('RUNNING', 'PAUSED')"
        "  ORDER BY start_time DESC OFFSET %ld) beyond_cap;"
        "CREATE TEMP TABLE wf_sim_doomed_tasks ON COMMIT DROP AS"
        " SELECT task_id FROM workflow_to_task"
        "  WHERE workflow_id IN (SELECT workflow_id FROM wf_sim_doomed);"
        "DELETE FROM task_in_progress WHERE task_id IN (SELECT task_id FROM wf_sim_doomed_tasks);"
        "DELETE FROM task_index WHERE task_id IN (SELECT task_id FROM wf_sim_doomed_tasks);"
        "DELETE FROM task WHERE task_id IN (SELECT task_id FROM wf_sim_doomed_tasks);"
        "DELETE FROM task_scheduled WHERE workflow_id IN (SELECT workflow_id FROM wf_sim_doomed);"
        "DELETE FROM workflow_to_task WHERE workflow_id IN (SELECT workflow_id FROM wf_sim_doomed);"
        "DELETE FROM workflow_def_to_workflow"
        "  WHERE workflow_id IN (SELECT workflow_id FROM wf_sim_doomed);"
        "DELETE FROM workflow_pending WHERE workflow_id IN (SELECT workflow_id FROM wf_sim_doomed);"
        "DELETE FROM workflow WHERE workflow_id IN (SELECT workflow_id FROM wf_sim_doomed);"
        "DELETE FROM workflow_index WHERE workflow_id IN (SELECT workflow_id FROM wf_sim_doomed);",
        KEEP_FINISHED_MS, s->max_executions);
    PGresult *r = db_query(s->conn, sql, "deleting old executions", err, errlen);
    if (!r) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        return -1;
    }
    PQclear(r);
    r = db_query(s->conn, "SELECT (SELECT count(*) FROM wf_sim_doomed),"
                 " (SELECT count(*) FROM workflow)", "deleting old executions", err, errlen);
    if (!r) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        return -1;
    }
    long deleted = atol(PQgetvalue(r, 0, 0)), total = atol(PQgetvalue(r, 0, 1));
    PQclear(r);
    r = db_query(s->conn, "COMMIT", "deleting old executions", err, errlen);
    if (!r)
        return -1;
    PQclear(r);
    s->deleted += deleted;
    s->db_executions = total;   /* counted after the deletions */
    return 0;
}

/* Drops the connection after a failure; the first failure in a row prints one line. */
static void sim_disconnect(struct sim *s, const char *reason, int64_t now)
{
    if (!s->down)
        fprintf(stderr, "wf_sim: %s; connecting again with backoff (%d ms doubling to %d s)\n",
                reason, RETRY_FIRST_MS, RETRY_MAX_MS / 1000);
    s->down = true;
    if (s->conn)
        PQfinish(s->conn);
    s->conn = NULL;
    s->need_setup = true;
    s->next_try_ms = now + s->retry_ms;
    s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
}

/* A refused statement (or a lost connection: then sim_disconnect): report it, set up again
 * after a pause. */
static void sim_refused(struct sim *s, const char *reason, int64_t now)
{
    if (PQstatus(s->conn) == CONNECTION_BAD) {
        char lost[1200];
        snprintf(lost, sizeof lost, "lost %s (%s)", s->where, reason);
        sim_disconnect(s, lost, now);
        return;
    }
    if (!s->down)
        fprintf(stderr, "wf_sim: %s; trying again with backoff (%d ms doubling to %d s)\n",
                reason, RETRY_FIRST_MS, RETRY_MAX_MS / 1000);
    s->down = true;
    s->need_setup = true;
    s->next_try_ms = now + s->retry_ms;
    s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
}

/* One transaction: every active execution's changes up to now. 0, or -1 with err set (the
 * batch is rolled back and the same changes go out next time). */
static int sim_write(struct sim *s, int64_t now, char *err, size_t errlen)
{
    struct batch b;
    batch_begin(&b, s->conn);
    for (size_t i = 0; i < s->active_count && !b.failed; i++) {
        write_execution(&b, s->active[i], now);
        if (stop_requested)
            batch_fail(&b, "writing", "stopped");
    }
    if (batch_end(&b) < 0) {
        for (size_t i = 0; i < s->active_count; i++)
            s->active[i]->in_batch = false;
        snprintf(err, errlen, "%s", b.err);
        return -1;
    }
    batch_committed(s);
    return 0;
}

static void sim_report(struct sim *s)
{
    size_t running = 0;
    for (size_t i = 0; i < s->active_count; i++)
        running += s->active[i]->written && !s->active[i]->written_terminal;
    struct counts *c = &s->interval;
    fprintf(stderr, "wf_sim: last %d s: %ld started (%ld children), %ld completed, %ld failed, "
            "%ld timed out, %ld terminated, %ld deleted; now %zu running (%zu stuck), %ld in the "
            "database\n", REPORT_EVERY_MS / 1000, c->started, c->children, c->completed,
            c->failed, c->timed_out, c->terminated, s->deleted, running, stuck_count(s),
            s->db_executions);
    memset(c, 0, sizeof *c);
    s->deleted = 0;
}

/* ---- main ------------------------------------------------------------------------------------ */

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: wf_sim --pg CONNINFO [--schema PATH] [--rate N] [--seconds S]\n"
            "              [--history N] [--max-executions N]\n"
            "Writes simulated Conductor workflow executions (order_fulfilment, refund,\n"
            "nightly_report with a report_render child) into the PostgreSQL database CONNINFO\n"
            "names, rows as Conductor's PostgreSQL persistence writes them, tasks progressing in\n"
            "real time, with failures, retries, time-outs, terminations and stuck executions.\n"
            "A DEMO TOOL: it inserts, updates and deletes rows; use a THROWAWAY database only.\n"
            "\n"
            "  --pg CONNINFO         libpq conninfo or URI (host=DIR port=P dbname=postgres)\n"
            "  --schema PATH         create Conductor's tables from this SQL file when absent\n"
            "                        (tests/fixtures/conductor_schema.sql)\n"
            "  --rate N              executions started per second (default %g; 0 to 100)\n"
            "  --seconds S           stop after S seconds (default 0: until SIGINT/SIGTERM)\n"
            "  --history N           executions seeded over the past 24 h when the database\n"
            "                        holds none (default %d; 0: none)\n"
            "  --max-executions N    finished executions kept (default %d); older ones, and\n"
            "                        any that ended over 24 h ago, are deleted every minute\n"
            "  --help                this text\n"
            "\n"
            "Exit status: 0 stopped; 1 refused (no Conductor tables and no --schema, a failing\n"
            "schema file, executions wf_sim did not write); 2 bad usage, unreadable schema file\n"
            "or no first connection.\n",
            DEFAULT_RATE, DEFAULT_HISTORY, DEFAULT_MAX_EXECUTIONS);
}

/* If argv[*i] is option name ("--name VALUE" or "--name=VALUE"), returns its value and moves *i
 * to the value's index; NULL when it is another option. Exits 2 when the value is missing. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        fprintf(stderr, "wf_sim: %s needs a value\n", name);
        usage(stderr);
        exit(2);
    }
    return argv[++*i];
}

/* A whole number in [lo, hi] from v, or exits 2 saying what option wanted one. */
static long long whole_number(const char *opt, const char *v, long long lo, long long hi)
{
    long long x;
    if (parse_ll(v, strlen(v), &x) < 0 || x < lo || x > hi) {
        fprintf(stderr, "wf_sim: %s wants a whole number from %lld to %lld, not '%s'\n", opt, lo,
                hi, v);
        exit(2);
    }
    return x;
}

static void seed_rng(void)
{
    uint64_t seed = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&seed, sizeof seed, 1, f) != 1)
        seed = (uint64_t)wall_ms() * 2654435761u ^ (uint64_t)getpid();
    if (f)
        fclose(f);
    rng_state ^= seed ? seed : 1;
}

int main(int argc, char **argv)
{
    static struct sim s;
    const char *v;
    long long seconds = 0;
    s.rate_per_sec = DEFAULT_RATE;
    s.history = DEFAULT_HISTORY;
    s.max_executions = DEFAULT_MAX_EXECUTIONS;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = option_value(argc, argv, &i, "--pg"))) {
            s.conninfo = v;
        } else if ((v = option_value(argc, argv, &i, "--schema"))) {
            s.schema_path = v;
        } else if ((v = option_value(argc, argv, &i, "--seconds"))) {
            seconds = whole_number("--seconds", v, 0, 100000000);
        } else if ((v = option_value(argc, argv, &i, "--history"))) {
            s.history = (long)whole_number("--history", v, 0, 200000);
        } else if ((v = option_value(argc, argv, &i, "--max-executions"))) {
            s.max_executions = (long)whole_number("--max-executions", v, 100, 10000000);
        } else if ((v = option_value(argc, argv, &i, "--rate"))) {
            char *end;
            s.rate_per_sec = strtod(v, &end);
            if (end == v || *end || !(s.rate_per_sec >= 0 && s.rate_per_sec <= 100)) {
                fprintf(stderr, "wf_sim: --rate wants executions per second from 0 to 100, "
                        "not '%s'\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "wf_sim: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    char err[1024];
    if (!s.conninfo) {
        fprintf(stderr, "wf_sim: --pg CONNINFO is required (a throwaway database: this writes "
                "to it); see --help\n");
        return 2;
    }
    if (describe_conninfo(s.conninfo, s.where, sizeof s.where, err, sizeof err) < 0) {
        fprintf(stderr, "wf_sim: %s\n", err);
        return 2;
    }
    if (s.schema_path && access(s.schema_path, R_OK) != 0) {
        fprintf(stderr, "wf_sim: cannot read the schema file %s: %m\n", s.schema_path);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    seed_rng();

    s.conn = db_connect(s.conninfo, err, sizeof err);
    if (!s.conn) {
        fprintf(stderr, "wf_sim: %s\n", err);
        return 2;
    }
    for (int i = 0; i < FLOW_COUNT; i++)
        flow_definitions[i] = flow_definition_json(&flows[i]);
    fprintf(stderr, "wf_sim: writing simulated Conductor executions to %s: order_fulfilment, "
            "refund, nightly_report (+ report_render children), %g started per second; about "
            "8%% fail, 4%% recover on retry, 1.5%% time out, 2.5%% complete with errors, 1%% "
            "terminated, 1%% stuck (at most %d); %s\n", s.where, s.rate_per_sec, MAX_STUCK,
            seconds ? "stops by itself" : "Ctrl-C stops");

    int status = 0;
    s.need_setup = true;
    s.retry_ms = RETRY_FIRST_MS;
    int64_t start = mono_ms(), last = start;
    int64_t deadline = seconds ? start + seconds * 1000 : 0;
    s.next_cleanup_ms = start + CLEANUP_EVERY_MS;
    s.next_report_ms = start + REPORT_EVERY_MS;
    while (!stop_requested && (!deadline || mono_ms() < deadline)) {
        int64_t round = mono_ms();
        int64_t now = wall_ms();
        if (!s.conn && round >= s.next_try_ms) {
            s.conn = db_connect(s.conninfo, err, sizeof err);
            if (!s.conn) {   /* quiet: the loss was reported */
                s.next_try_ms = round + s.retry_ms;
                s.retry_ms = s.retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s.retry_ms * 2;
            }
        }
        if (s.conn && s.need_setup && round >= s.next_try_ms) {
            enum setup_result r = sim_setup(&s, now, err, sizeof err);
            if (r == SETUP_REFUSED || r == SETUP_BAD_FILE) {
                if (!s.setup_once) {
                    fprintf(stderr, "wf_sim: %s\n", err);
                    status = r == SETUP_BAD_FILE ? 2 : 1;
                    break;
                }
                sim_refused(&s, err, round);
            } else if (r == SETUP_RETRY) {
                sim_refused(&s, err, round);
            } else {
                s.need_setup = false;
            }
        }
        if (s.conn && !s.need_setup) {
            /* new executions, only while the engine could write them */
            int64_t gap = round - last < 1000 ? round - last : 1000;
            s.owed += s.rate_per_sec * (double)gap / 1000.0;
            for (; s.owed >= 1; s.owed -= 1)
                start_random(&s, now - rnd_between(0, gap), true);
            int64_t t0 = mono_ms();
            bool seeding = s.seeding;
            if (sim_write(&s, now, err, sizeof err) < 0) {
                if (stop_requested)
                    break;
                sim_refused(&s, err, round);
            } else {
                if (seeding) {
                    s.seeding = false;
                    fprintf(stderr, "wf_sim: seeded %ld executions (%ld of them report_render "
                            "children) over the past 24 h in %.1f s, one transaction\n",
                            s.interval.started, s.interval.children,
                            (double)(mono_ms() - t0) / 1000.0);
                    memset(&s.interval, 0, sizeof s.interval);
                    PQclear(PQexec(s.conn, "ANALYZE"));
                }
                if (s.down) {
                    fprintf(stderr, "wf_sim: connected to %s again; writing resumes\n", s.where);
                    s.down = false;
                }
                s.retry_ms = RETRY_FIRST_MS;
                if (!s.ready_reported) {
                    fprintf(stderr, "wf_sim: ready\n");
                    s.ready_reported = true;
                }
                if (round >= s.next_cleanup_ms) {
                    s.next_cleanup_ms = round + CLEANUP_EVERY_MS;
                    if (sim_cleanup(&s, err, sizeof err) < 0)
                        sim_refused(&s, err, round);
                }
            }
        }
        last = round;
        if (round >= s.next_report_ms) {
            s.next_report_ms = round + REPORT_EVERY_MS;
            sim_report(&s);
        }
        int64_t wake = round + TICK_MS;
        if (deadline && wake > deadline)
            wake = deadline;
        sleep_ms(wake - mono_ms());
    }
    if (s.conn)
        PQfinish(s.conn);
    for (size_t i = 0; i < s.active_count; i++)
        execution_free(s.active[i]);
    free(s.active);
    for (int i = 0; i < FLOW_COUNT; i++)
        json_decref(flow_definitions[i]);
    return status;
}
