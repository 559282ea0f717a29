/* sim.c -- simulated queue traffic for the demo and for trying the dashboard by hand.
 *
 *   sim --redis URL [--seconds N] [--speed X] [--no-cache] [--no-slow]
 *
 * WRITES to the Redis at URL (streams, groups, acks): point it only at a throwaway server.
 *
 *   orders:events            40/s; group billing (billing-1, billing-2) keeps up;
 *                            group analytics (analytics-1) reads 25/s: its lag grows
 *   emails:outbox            15/s; group mailer: mailer-a keeps up, mailer-b took 50 entries at
 *                            start and never acks them (stuck: age and idle grow)
 *   webhooks:deliveries      10/s; group dispatcher: dispatch-1 acks all but its first entry,
 *                            which it re-claims every 2 s (delivery count climbs) and copies to
 *                            webhooks:deliveries:dlq every 30 s (a stream with no group)
 *   payments:settle          bursts of 200 every 20 s; group settler drains 30/s
 *   audit:ESC[31mredESC[0m   1/s, no group: a key holding terminal escapes
 *   legacy:jobs              seeded with 100 entries, 3 deleted before group old-workers (at 0)
 *                            read any: Redis reports its lag as nil; 3/s in, read 2/s
 *
 * Server-health incidents (periods in simulated time, like everything else):
 *
 *   eviction storm           a cache writer sets cache:<n> (4000-byte values, PX 600000; n cycles
 *                            through 20000 names) 3/s, and 3000/s for 10 s every 45 s (first at
 *                            15 s): a small maxmemory fills and Redis evicts. --no-cache: off
 *   slow commands            every 60 s (first at 30 s) 8 EVALs of a Lua loop of 4-6 million
 *                            steps (16-50 ms each on a current core; SLOWLOG's default threshold
 *                            is 10 ms), one per tick. --no-slow: off
 *
 * Queues that are not streams, locks and key hygiene (for the queues and keys views):
 *
 *   jobs:thumbnails          a list: LPUSH 8/s; a worker pool takes jobs with RPOPLPUSH into
 *                            jobs:thumbnails:processing (holding up to 4 there while it works)
 *                            at 12/s, down to a backlog of 12, but every 60 s (first at 20 s)
 *                            it falls behind for 20 s at 2/s: the backlog grows by ~120, then
 *                            drains
 *   delay:emails             a delay zset, score = due time in epoch seconds (5-60 s ahead),
 *                            2/s; its poller runs 2 s late (so a few jobs are always due) and
 *                            stalls for 15 s every 50 s (first at 25 s): due-now climbs
 *   lock:nightly-report      SET NX without expiry: a leaked lock (its holder died); the NX is
 *                            repeated every 2 s so that allkeys-lru evictions do not take it
 *   lock:scheduler,          healthy locks, SET ... PX 10000 every 2 s
 *   lock:billing:settle
 *   tmp:export:<n>           2/s, ~150 bytes each, no EX: a prefix that only grows (n cycles
 *                            through 20000 names, ~3 MB at most)
 *
 * They go in a fourth pipeline; a refusal there is reported and the rest carries on.
 *
 * The connection is named traffic-sim (CLIENT SETNAME): the dashboard leaves SLOWLOG entries of
 * clients named queuetop out as its own, and the slow scripts must show.
 *
 * One loop on one thread. Every 100 ms a tick advances a simulated clock by the real time passed
 * times --speed, then sends one pipeline (writes, reads, the poison claim) and a second one (the
 * acks for what was read). Every XADD trims with MAXLEN ~ 20000. On a lost connection or a
 * refused command it prints one line on stderr, reconnects each second and sets everything up
 * again (idempotently: Redis may have restarted empty). The incidents go in a third pipeline;
 * a refusal there (OOM under noeviction, say) is reported the same way but needs no setup.
 *
 * Exit status: 0 after --seconds or SIGINT/SIGTERM/SIGHUP; 1 out of memory in hiredis;
 * 2 bad usage or URL. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "../../collectors/redis_conn.h"
#include "../../collectors/redis_io.h"
#include "../../collectors/util.h"

#define TICK_MS 100
#define MAX_TICK_GAP_MS 1000        /* a longer pause (reconnect, SIGSTOP) counts as this */
#define RETRY_MS 1000
#define ERROR_REPORT_EVERY_MS 10000 /* refused commands: at most one line per this */
#define CONNECT_TIMEOUT_MS 1000
#define COMMAND_TIMEOUT_MS 2000
#define KEEP_UP_COUNT 1000          /* XREADGROUP COUNT for a consumer that keeps up */
#define STUCK_BATCH 50
#define BURST_SIZE 200
#define BURST_FIRST_MS 4000         /* simulated ms; so is every *_MS below */
#define BURST_EVERY_MS 20000
#define CLAIM_EVERY_MS 2000
#define DLQ_FIRST_MS 6000
#define DLQ_EVERY_MS 30000
#define LEGACY_SEED 100
#define CACHE_STORM_FIRST_MS 15000
#define CACHE_STORM_EVERY_MS 45000
#define CACHE_STORM_LENGTH_MS 10000
#define CACHE_STORM_PER_SEC 3000    /* ~12 MB/s of values: a few hundred SETs per tick */
#define CACHE_CALM_PER_SEC 3
#define CACHE_MAX_PER_TICK 500      /* bounds one pipeline (~2 MB) at any --speed */
#define CACHE_VALUE_BYTES 4000      /* "4 KB"; with its header it still fits a 4096-byte block */
#define CACHE_KEYS 20000            /* cache:0..cache:19999 reused: at most ~80 MB of values on a
                                     * server without maxmemory, and each expires in 10 min */
#define CACHE_TTL_MS 600000
#define SLOW_FIRST_MS 30000
#define SLOW_EVERY_MS 60000
#define SLOW_BURST 8                /* EVALs per burst, one per tick */
#define SLOW_LOOP_MIN_STEPS 4000000 /* 4-8 ms per million steps on a 2020s core: >= 16 ms */
#define SLOW_LOOP_SPREAD_STEPS 2000001
#define THUMBS_PER_SEC 8
#define THUMBS_WORK_PER_SEC 12      /* the worker's pace, faster than the producer... */
#define THUMBS_SLOW_PER_SEC 2       /* ...except while it falls behind */
#define THUMBS_SLOW_FIRST_MS 20000
#define THUMBS_SLOW_EVERY_MS 60000
#define THUMBS_SLOW_LENGTH_MS 20000
#define THUMBS_IN_FLIGHT 4          /* jobs the worker holds in the processing list at most */
#define THUMBS_BACKLOG 12           /* it never gets the list below this */
#define QUEUE_MAX_PER_TICK 200      /* bounds each writer's share of one pipeline */
#define DELAY_PER_SEC 2
#define DELAY_MIN_S 5               /* due 5..60 s after it is scheduled */
#define DELAY_SPREAD_S 55
#define DELAY_POLL_LAG_S 2          /* the poller takes what was due this long ago */
#define DELAY_STALL_FIRST_MS 25000
#define DELAY_STALL_EVERY_MS 50000
#define DELAY_STALL_LENGTH_MS 15000
#define LOCK_RENEW_EVERY_MS 2000
#define LOCK_TTL_MS 10000
#define EXPORTS_PER_SEC 2
#define EXPORT_KEYS 20000           /* tmp:export:0..19999, reused once all exist */
#define CLIENT_NAME "traffic-sim"
/* Does nothing for ARGV[1] steps, writes nothing, touches no key. */
#define SLOW_SCRIPT "local x = 0 for i = 1, tonumber(ARGV[1]) do x = x + i end return x"

#define ORDERS "orders:events"
#define EMAILS "emails:outbox"
#define WEBHOOKS "webhooks:deliveries"
#define WEBHOOKS_DLQ "webhooks:deliveries:dlq"
#define PAYMENTS "payments:settle"
#define AUDIT "audit:\x1b[31mred\x1b[0m"
#define LEGACY "legacy:jobs"
#define XADD_BOUNDED "XADD %s MAXLEN ~ 20000 * "
#define THUMBS "jobs:thumbnails"
#define THUMBS_PROCESSING "jobs:thumbnails:processing"
#define DELAY_EMAILS "delay:emails"
#define LEAKED_LOCK "lock:nightly-report"
#define LEAKED_OWNER "report-worker-3 pid 4117 (batch-2)"

static volatile sig_atomic_t stop_requested;

/* ---- payloads ---------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* A pseudo-random number in [0, n) (xorshift64*; good enough for fake payloads). */
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned)((rng_state * 0x2545f4914f6cdd1dull) >> 33) % n;
}

#define PICK(arr) (arr[rnd(ARRAY_LEN(arr))])

static const char *const order_events[] = { "order.created", "order.paid", "order.shipped",
                                            "order.cancelled" };
static const char *const first_names[] = { "ana", "bo", "chen", "dara", "eli", "farah", "gus" };
static const char *const templates[] = { "order-confirmation", "password-reset",
                                         "shipping-update", "invoice" };
static const char *const tenants[] = { "acme", "globex", "initech", "umbrella" };
static const char *const actors[] = { "alice", "bob", "ops-bot", "deploy" };
static const char *const actions[] = { "login", "config.change", "token.rotate", "user.invite" };
static const char *const job_kinds[] = { "reindex", "thumbnail", "export-csv", "cleanup" };

/* Each appends one XADD to the pipeline; REDIS_OK, or REDIS_ERR when hiredis is out of memory. */
static int append_order(redisContext *c, long long seq)
{
    return redisAppendCommand(c, XADD_BOUNDED "event %s order_id %lld customer c-%04u "
                              "amount %u.%02u currency EUR", ORDERS, PICK(order_events),
                              100000 + seq, rnd(10000), 5 + rnd(300), rnd(100));
}

static int append_email(redisContext *c, long long seq)
{
    return redisAppendCommand(c, XADD_BOUNDED "to %s%u@example.com template %s message_id m-%lld",
                              EMAILS, PICK(first_names), rnd(1000), PICK(templates), seq);
}

static int append_webhook(redisContext *c, long long seq)
{
    return redisAppendCommand(c, XADD_BOUNDED "url https://hooks.example.com/%s/orders "
                              "event order.paid delivery_id wh_%lld attempt 1", WEBHOOKS,
                              PICK(tenants), seq);
}

static int append_payment(redisContext *c, long long seq)
{
    return redisAppendCommand(c, XADD_BOUNDED "payment_id pay_%06lld merchant m-%03u "
                              "amount %u.%02u currency EUR", PAYMENTS, seq, rnd(1000),
                              1 + rnd(2000), rnd(100));
}

static int append_audit(redisContext *c, long long seq)
{
    (void)seq;
    return redisAppendCommand(c, XADD_BOUNDED "actor %s action %s ip 10.0.%u.%u", AUDIT,
                              PICK(actors), PICK(actions), rnd(256), 1 + rnd(254));
}

static int append_legacy_job(redisContext *c, long long seq)
{
    return redisAppendCommand(c, XADD_BOUNDED "job_id %lld kind %s attempt 1", LEGACY, seq,
                              PICK(job_kinds));
}

/* ---- the simulated world ----------------------------------------------------------------- */

struct producer {
    const char *key;
    double per_sec;      /* steady rate in simulated time; 0: bursts only */
    int (*append)(redisContext *c, long long seq);
    double owed;         /* fractional entries carried to the next tick */
    long long seq;       /* entries written so far; numbers the next one */
};

enum { P_ORDERS, P_EMAILS, P_WEBHOOKS, P_PAYMENTS, P_AUDIT, P_LEGACY, P_COUNT };

static struct producer producers[P_COUNT] = {
    [P_ORDERS] = { .key = ORDERS, .per_sec = 40, .append = append_order },
    [P_EMAILS] = { .key = EMAILS, .per_sec = 15, .append = append_email },
    [P_WEBHOOKS] = { .key = WEBHOOKS, .per_sec = 10, .append = append_webhook },
    [P_PAYMENTS] = { .key = PAYMENTS, .per_sec = 0, .append = append_payment },
    [P_AUDIT] = { .key = AUDIT, .per_sec = 1, .append = append_audit },
    /* faster than its reader, so the group never reaches the end of the stream (which would
     * let Redis compute the lag again) */
    [P_LEGACY] = { .key = LEGACY, .per_sec = 3, .append = append_legacy_job },
};

struct reader {
    const char *key, *group, *consumer;
    double per_sec;      /* entries per simulated second; 0: everything there is (keeps up) */
    bool keeps_poison;   /* acks everything but the poison entry (the first it ever saw) */
    double owed;
    bool issued;         /* an XREADGROUP went out this round */
};

/* In pipeline order: billing-1 takes its share first, billing-2 the rest. */
static struct reader readers[] = {
    { .key = ORDERS, .group = "billing", .consumer = "billing-1", .per_sec = 20 },
    { .key = ORDERS, .group = "billing", .consumer = "billing-2" },
    { .key = ORDERS, .group = "analytics", .consumer = "analytics-1", .per_sec = 25 },
    { .key = EMAILS, .group = "mailer", .consumer = "mailer-a" },
    { .key = WEBHOOKS, .group = "dispatcher", .consumer = "dispatch-1", .keeps_poison = true },
    { .key = PAYMENTS, .group = "settler", .consumer = "settler-1", .per_sec = 30 },
    { .key = LEGACY, .group = "old-workers", .consumer = "old-worker-1", .per_sec = 2 },
};

/* Groups created at "$" with MKSTREAM (legacy:jobs has its own setup). */
static const struct {
    const char *key, *group;
} fresh_groups[] = {
    { ORDERS, "billing" }, { ORDERS, "analytics" }, { EMAILS, "mailer" },
    { WEBHOOKS, "dispatcher" }, { PAYMENTS, "settler" },
};

/* A growable argv for redisAppendCommandArgv. Holds pointers only: the strings must outlive
 * the append (hiredis copies them into its output buffer then). */
struct argv_buf {
    const char **argv;
    size_t *len;
    size_t count, cap;
};

static void argv_push(struct argv_buf *a, const char *s, size_t len)
{
    if (a->count == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->argv = xrealloc(a->argv, a->cap * sizeof *a->argv);
        a->len = xrealloc(a->len, a->cap * sizeof *a->len);
    }
    a->argv[a->count] = s;
    a->len[a->count++] = len;
}

static void argv_push_str(struct argv_buf *a, const char *s)
{
    argv_push(a, s, strlen(s));
}

/* The entry dispatch-1 never acks. fields is owned here (field, value, ... copies). */
struct poison {
    char id[64];         /* "" until dispatch-1 has picked one */
    char **fields;       /* NULL while unknown (picked from the PEL after a reconnect) */
    size_t *field_len;
    size_t field_count;
};

static void poison_clear(struct poison *p)
{
    for (size_t i = 0; i < p->field_count; i++)
        free(p->fields[i]);
    free(p->fields);
    free(p->field_len);
    memset(p, 0, sizeof *p);
}

/* Copies the fields of entry e ([id, [f, v, ...]]) when none are known yet. */
static void poison_learn_fields(struct poison *p, const redisReply *e)
{
    const redisReply *f = e->element[1];
    if (p->fields || f->type != REDIS_REPLY_ARRAY)
        return;
    p->fields = xcalloc(f->elements, sizeof *p->fields);
    p->field_len = xcalloc(f->elements, sizeof *p->field_len);
    for (size_t i = 0; i < f->elements; i++) {
        if (f->element[i]->type != REDIS_REPLY_STRING)
            break;
        p->fields[i] = xmemdup(f->element[i]->str, f->element[i]->len);
        p->field_len[i] = f->element[i]->len;
        p->field_count++;
    }
}

struct sim {
    struct redis_target target;
    char where[600];             /* the URL without password, for messages */
    redisContext *c;             /* NULL while disconnected */
    double speed;
    double clock_ms;             /* simulated ms since start */
    double next_burst_ms, next_claim_ms, next_dlq_ms;
    bool need_setup;             /* after (re)connecting, or when a command was refused */
    bool down;                   /* a loss was reported; report the recovery */
    int64_t error_reported_ms;   /* mono_ms of the last refused-command line; 0: never */
    struct poison poison;
    struct argv_buf argv;        /* scratch for XACK / XADD argv, reused every round */
    /* server-health incidents */
    bool cache_on, slow_on;      /* false after --no-cache / --no-slow */
    double storm_start_ms;       /* simulated ms when the current or next eviction storm starts */
    double cache_owed;           /* fractional SETs carried to the next tick */
    long long cache_seq;         /* SETs so far; cache_seq % CACHE_KEYS names the next key */
    double next_slow_ms;         /* simulated ms of the next burst of slow commands */
    int slow_left;               /* EVALs still to send in the current burst */
    /* queues that are not streams, locks, key hygiene */
    double thumbs_owed, thumbs_work_owed;   /* fractional pushes / takes carried over */
    long long thumbs_seq;                   /* jobs pushed so far; numbers the next */
    int thumbs_taken;                       /* jobs the worker took in the previous round */
    long long thumbs_depth;                 /* the list's length after the previous round */
    double thumbs_slow_start_ms;            /* simulated ms of the current or next slow spell */
    double delay_owed;
    long long delay_seq;
    double delay_stall_start_ms;            /* simulated ms of the current or next poller stall */
    double next_lock_ms;                    /* simulated ms of the next lock renewal */
    double export_owed;
    long long export_seq;
};

/* Prints one line about a refused command, at most one per ERROR_REPORT_EVERY_MS; consequence
 * says what the simulator does about it. */
static void sim_report_refusal(struct sim *s, const char *what, const redisReply *r,
                               const char *consequence)
{
    int64_t now = mono_ms();
    if (s->error_reported_ms == 0 || now - s->error_reported_ms >= ERROR_REPORT_EVERY_MS) {
        char msg[300];
        redis_describe_error(what, r->str, msg, sizeof msg);
        fprintf(stderr, "sim: %s (%s)\n", msg, consequence);
        s->error_reported_ms = now;
    }
}

/* Reports a refused command and asks for setup again: most refusals here (NOGROUP) mean the
 * keys were deleted under us. */
static void sim_refused(struct sim *s, const char *what, const redisReply *r)
{
    sim_report_refusal(s, what, r, "setting the streams up again");
    s->need_setup = true;
}

/* Drops the connection after a failure; the first failure in a row prints one line. */
static void sim_disconnect(struct sim *s, const char *reason)
{
    if (!s->down)
        fprintf(stderr, "sim: %s; retrying every second\n", reason);
    s->down = true;
    if (s->c)
        redis_io_free(s->c);
    s->c = NULL;
    s->need_setup = true;
}

/* Reads the next pipelined reply into *r (caller frees). 0, or -1 when the connection failed. */
static int next_reply(struct sim *s, redisReply **r)
{
    void *p = NULL;
    if (redis_io_get_reply(s->c, &p) != REDIS_OK || !p)
        return -1;
    *r = p;
    return 0;
}

/* The entries of a one-stream XREADGROUP reply ([[key, [entry, ...]]]), or NULL when there are
 * none (nil) or the shape is unexpected. An entry is [id, [field, value, ...]] (fields nil for
 * an entry deleted while pending). */
static const redisReply *read_reply_entries(const redisReply *r)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return NULL;
    const redisReply *st = r->element[0];
    if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 ||
        st->element[1]->type != REDIS_REPLY_ARRAY)
        return NULL;
    return st->element[1];
}

static bool entry_ok(const redisReply *e)
{
    return e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
           e->element[0]->type == REDIS_REPLY_STRING;
}

/* Acks what reader rd just got (all of it, except the poison entry for dispatch-1, which adopts
 * the first entry it sees as poison). Appends at most one XACK to the pipeline and adds it to
 * *acks. -1 when hiredis is out of memory. */
static int reader_ack(struct sim *s, const struct reader *rd, const redisReply *r, int *acks)
{
    const redisReply *entries = read_reply_entries(r);
    if (!entries)
        return 0;
    s->argv.count = 0;
    argv_push_str(&s->argv, "XACK");
    argv_push_str(&s->argv, rd->key);
    argv_push_str(&s->argv, rd->group);
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (!entry_ok(e))
            continue;
        if (rd->keeps_poison) {
            if (!s->poison.id[0] && e->element[0]->len < sizeof s->poison.id) {
                str_copy(s->poison.id, e->element[0]->str, sizeof s->poison.id);
                poison_learn_fields(&s->poison, e);
            }
            if (strcmp(e->element[0]->str, s->poison.id) == 0)
                continue;
        }
        argv_push(&s->argv, e->element[0]->str, e->element[0]->len);
    }
    if (s->argv.count == 3)
        return 0;
    if (redisAppendCommandArgv(s->c, (int)s->argv.count, s->argv.argv, s->argv.len) != REDIS_OK)
        return -1;
    (*acks)++;
    return 0;
}

/* Reads the replies of the readers marked issued (in table order). Each reader that got entries
 * appends one XACK, counted in *acks: their replies come after all that was already pipelined.
 * 0, -1 on a lost connection, -2 on out of memory. */
static int take_reads(struct sim *s, const char *what, int *acks)
{
    for (size_t i = 0; i < ARRAY_LEN(readers); i++) {
        redisReply *r;
        if (!readers[i].issued)
            continue;
        readers[i].issued = false;
        if (next_reply(s, &r) < 0)
            return -1;
        int rc = 0;
        if (r->type == REDIS_REPLY_ERROR)
            sim_refused(s, what, r);
        else
            rc = reader_ack(s, &readers[i], r, acks);
        freeReplyObject(r);
        if (rc < 0)
            return -2;
    }
    return 0;
}

/* Reads n replies that only need checking (XADD, XDEL...). 0 or -1 on a lost connection. */
static int drain_replies(struct sim *s, int n, const char *what)
{
    redisReply *r;
    for (int i = 0; i < n; i++) {
        if (next_reply(s, &r) < 0)
            return -1;
        if (r->type == REDIS_REPLY_ERROR)
            sim_refused(s, what, r);
        freeReplyObject(r);
    }
    return 0;
}

/* One command, one reply. Returns the reply (caller frees), or NULL with a reason in err: the
 * connection failed, or the server refused it (unless the error starts with allowed_error, in
 * which case the error reply is returned). */
static redisReply *command(struct sim *s, const char *allowed_error, char *err, size_t errlen,
                           const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* the context is redis_io's (non-blocking: redisvCommand would return NULL at once) */
    int appended = redisvAppendCommand(s->c, fmt, ap);
    va_end(ap);
    redisReply *r = NULL;
    if (appended != REDIS_OK || next_reply(s, &r) < 0) {
        snprintf(err, errlen, "lost %s during setup: %s", s->where, s->c->errstr);
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR &&
        !(allowed_error && strncmp(r->str, allowed_error, strlen(allowed_error)) == 0)) {
        redis_describe_error(what, r->str, err, errlen);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static int setup_failed(char *err, size_t errlen, const char *reason)
{
    snprintf(err, errlen, "%s", reason);
    return -1;
}

/* legacy:jobs, whenever group old-workers is new: the group at 0, then 100 entries, three of
 * them deleted from the middle before the group reads any, so Redis cannot count its lag. (The
 * group comes first so that a stream recreated by our own XADD still gets its deletions.) */
static int setup_legacy(struct sim *s, char *err, size_t errlen)
{
    static const int doomed[] = { 40, 41, 67 };
    char ids[ARRAY_LEN(doomed)][64] = { "", "", "" };
    redisReply *r = command(s, "BUSYGROUP", err, errlen, "XGROUP CREATE",
                            "XGROUP CREATE %s old-workers 0 MKSTREAM", LEGACY);
    if (!r)
        return -1;
    bool created = r->type != REDIS_REPLY_ERROR;
    freeReplyObject(r);
    if (!created)
        return 0;
    struct producer *p = &producers[P_LEGACY];
    for (int i = 0; i < LEGACY_SEED; i++)
        if (p->append(s->c, p->seq++) != REDIS_OK)
            return setup_failed(err, errlen, "out of memory");
    for (int i = 0; i < LEGACY_SEED; i++) {
        if (next_reply(s, &r) < 0)
            return setup_failed(err, errlen, "lost the connection during setup");
        for (size_t d = 0; d < ARRAY_LEN(doomed); d++)
            if (doomed[d] == i && r->type == REDIS_REPLY_STRING)
                str_copy(ids[d], r->str, sizeof ids[d]);
        freeReplyObject(r);
    }
    r = command(s, NULL, err, errlen, "XDEL", "XDEL %s %s %s %s", LEGACY, ids[0], ids[1], ids[2]);
    if (!r)
        return -1;
    freeReplyObject(r);
    return 0;
}

/* mailer-b, once: 50 fresh emails that it reads and never acks. Skipped while it holds any. */
static int setup_stuck_mailer(struct sim *s, char *err, size_t errlen)
{
    redisReply *r = command(s, NULL, err, errlen, "XPENDING",
                            "XPENDING %s mailer - + 1 mailer-b", EMAILS);
    if (!r)
        return -1;
    bool holds = r->type == REDIS_REPLY_ARRAY && r->elements > 0;
    freeReplyObject(r);
    if (holds)
        return 0;
    struct producer *p = &producers[P_EMAILS];
    for (int i = 0; i < STUCK_BATCH; i++)
        if (p->append(s->c, p->seq++) != REDIS_OK)
            return setup_failed(err, errlen, "out of memory");
    if (drain_replies(s, STUCK_BATCH, "XADD") < 0)
        return setup_failed(err, errlen, "lost the connection during setup");
    r = command(s, NULL, err, errlen, "XREADGROUP", "XREADGROUP GROUP mailer mailer-b COUNT %d "
                "STREAMS %s >", STUCK_BATCH, EMAILS);
    if (!r)
        return -1;
    freeReplyObject(r);
    return 0;
}

/* Makes the world exist, idempotently: groups, legacy:jobs, mailer-b's batch. Then each reader
 * goes through its own pending list first (as a restarted worker does) and acks it, so entries
 * read just before a connection loss do not stay pending forever; dispatch-1 keeps (or picks)
 * its poison entry there. 0, or -1 with a reason in err. */
static int sim_setup(struct sim *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < ARRAY_LEN(fresh_groups); i++) {
        redisReply *r = command(s, "BUSYGROUP", err, errlen, "XGROUP CREATE",
                                "XGROUP CREATE %s %s $ MKSTREAM", fresh_groups[i].key,
                                fresh_groups[i].group);
        if (!r)
            return -1;
        freeReplyObject(r);
    }
    if (setup_legacy(s, err, errlen) < 0 || setup_stuck_mailer(s, err, errlen) < 0)
        return -1;
    /* the leaked lock: taken once, never expiring (NX: the one already there stays) */
    redisReply *lock = command(s, NULL, err, errlen, "SET " LEAKED_LOCK, "SET %s %s NX",
                               LEAKED_LOCK, LEAKED_OWNER);
    if (!lock)
        return -1;
    freeReplyObject(lock);

    poison_clear(&s->poison);
    for (size_t i = 0; i < ARRAY_LEN(readers); i++) {
        const struct reader *rd = &readers[i];
        if (redisAppendCommand(s->c, "XREADGROUP GROUP %s %s COUNT %d STREAMS %s 0", rd->group,
                               rd->consumer, KEEP_UP_COUNT, rd->key) != REDIS_OK)
            return setup_failed(err, errlen, "out of memory");
        readers[i].issued = true;
    }
    s->need_setup = false;
    int acks = 0;
    int rc = take_reads(s, "XREADGROUP (own pending)", &acks);
    if (rc == 0)
        rc = drain_replies(s, acks, "XACK");
    if (rc < 0)
        return setup_failed(err, errlen, rc == -1 ? "lost the connection during setup"
                                                  : "out of memory");
    return 0;
}

/* Entries owed for dt_s simulated seconds at per_sec; the fraction carries over. */
static int owed_entries(double *owed, double per_sec, double dt_s)
{
    *owed += per_sec * dt_s;
    int n = (int)*owed;
    *owed -= n;
    return n;
}

/* One round: writes (steady producers, a due burst, a due DLQ copy), reads, the due poison
 * claim; then acks. 0, -1 on a lost connection, -2 on out of memory. */
static int sim_tick(struct sim *s, double dt_s)
{
    redisContext *c = s->c;
    int writes = 0;
    bool claim = false;

    for (int i = 0; i < P_COUNT; i++) {
        struct producer *p = &producers[i];
        for (int n = owed_entries(&p->owed, p->per_sec, dt_s); n > 0; n--, writes++)
            if (p->append(c, p->seq++) != REDIS_OK)
                return -2;
    }
    if (s->clock_ms >= s->next_burst_ms) {
        struct producer *p = &producers[P_PAYMENTS];
        for (int n = 0; n < BURST_SIZE; n++, writes++)
            if (p->append(c, p->seq++) != REDIS_OK)
                return -2;
        s->next_burst_ms += BURST_EVERY_MS;
    }
    if (s->clock_ms >= s->next_dlq_ms) {
        s->next_dlq_ms += DLQ_EVERY_MS;
        if (s->poison.fields) {
            struct argv_buf *a = &s->argv;
            a->count = 0;
            const char *head[] = { "XADD", WEBHOOKS_DLQ, "MAXLEN", "~", "20000", "*" };
            for (size_t i = 0; i < ARRAY_LEN(head); i++)
                argv_push_str(a, head[i]);
            for (size_t i = 0; i < s->poison.field_count; i++)
                argv_push(a, s->poison.fields[i], s->poison.field_len[i]);
            argv_push_str(a, "original_id");
            argv_push_str(a, s->poison.id);
            argv_push_str(a, "error");
            argv_push_str(a, "HTTP 503 from endpoint, retries exhausted");
            if (redisAppendCommandArgv(c, (int)a->count, a->argv, a->len) != REDIS_OK)
                return -2;
            writes++;
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(readers); i++) {
        struct reader *rd = &readers[i];
        int count = rd->per_sec > 0 ? owed_entries(&rd->owed, rd->per_sec, dt_s) : KEEP_UP_COUNT;
        if (count <= 0)
            continue;
        if (redisAppendCommand(c, "XREADGROUP GROUP %s %s COUNT %d STREAMS %s >", rd->group,
                               rd->consumer, count, rd->key) != REDIS_OK)
            return -2;
        rd->issued = true;
    }
    if (s->clock_ms >= s->next_claim_ms) {
        s->next_claim_ms += CLAIM_EVERY_MS;
        /* min-idle 0 and no JUSTID: every claim counts as a delivery */
        if (s->poison.id[0]) {
            if (redisAppendCommand(c, "XCLAIM %s dispatcher dispatch-1 0 %s", WEBHOOKS,
                                   s->poison.id) != REDIS_OK)
                return -2;
            claim = true;
        }
    }

    int acks = 0;
    if (drain_replies(s, writes, "XADD") < 0)
        return -1;
    int rc = take_reads(s, "XREADGROUP", &acks);
    if (rc < 0)
        return rc;
    if (claim) {
        redisReply *r;
        if (next_reply(s, &r) < 0)
            return -1;
        if (r->type == REDIS_REPLY_ERROR)
            sim_refused(s, "XCLAIM", r);
        else if (r->type == REDIS_REPLY_ARRAY && r->elements == 0)
            poison_clear(&s->poison);      /* trimmed or deleted: the next read picks another */
        else if (r->type == REDIS_REPLY_ARRAY && entry_ok(r->element[0]))
            poison_learn_fields(&s->poison, r->element[0]);
        freeReplyObject(r);
    }
    return drain_replies(s, acks, "XACK");
}

/* ---- server-health incidents ------------------------------------------------------------- */

/* The value of every cache:<n>: readable filler, the same bytes each time. */
static char cache_value[CACHE_VALUE_BYTES];

static void cache_value_init(void)
{
    static const char filler[] = "{\"sku\":\"A-1042\",\"price\":\"19.90\",\"stock\":7} ";
    for (size_t i = 0; i < sizeof cache_value; i++)
        cache_value[i] = filler[i % (sizeof filler - 1)];
}

/* Whether the cache writer is in a storm now; moves storm_start_ms on past storms that ended
 * (several at once after a long pause at a high --speed). */
static bool cache_storming(struct sim *s)
{
    while (s->clock_ms >= s->storm_start_ms + CACHE_STORM_LENGTH_MS)
        s->storm_start_ms += CACHE_STORM_EVERY_MS;
    return s->clock_ms >= s->storm_start_ms;
}

/* Reads n incident replies. A refusal is reported but changes nothing: the cache and the slow
 * scripts have no setup, and the streams are not theirs to rebuild. 0, or -1 on a lost
 * connection. */
static int drain_incident_replies(struct sim *s, int n, const char *what)
{
    redisReply *r;
    for (int i = 0; i < n; i++) {
        if (next_reply(s, &r) < 0)
            return -1;
        if (r->type == REDIS_REPLY_ERROR)
            sim_report_refusal(s, what, r, "the incidents carry on");
        freeReplyObject(r);
    }
    return 0;
}

/* One round of incidents, in its own pipeline after the traffic: the cache SETs owed for dt_s
 * simulated seconds (at most CACHE_MAX_PER_TICK), and the next slow EVAL of a due burst. Takes
 * up to ~40 ms of the server's time when an EVAL goes out. 0, -1 on a lost connection, -2 on out
 * of memory. */
static int sim_incidents(struct sim *s, double dt_s)
{
    int sets = 0, evals = 0;
    if (s->cache_on) {
        double per_sec = cache_storming(s) ? CACHE_STORM_PER_SEC : CACHE_CALM_PER_SEC;
        int n = owed_entries(&s->cache_owed, per_sec, dt_s);
        if (n > CACHE_MAX_PER_TICK) {
            n = CACHE_MAX_PER_TICK;   /* the rest is dropped, not owed */
            s->cache_owed = 0;
        }
        for (; n > 0; n--, sets++)
            if (redisAppendCommand(s->c, "SET cache:%lld %b PX %d", s->cache_seq++ % CACHE_KEYS,
                                   cache_value, sizeof cache_value, CACHE_TTL_MS) != REDIS_OK)
                return -2;
    }
    if (s->slow_on) {
        if (s->clock_ms >= s->next_slow_ms) {
            while (s->clock_ms >= s->next_slow_ms)
                s->next_slow_ms += SLOW_EVERY_MS;
            s->slow_left = SLOW_BURST;
        }
        if (s->slow_left > 0) {
            unsigned steps = SLOW_LOOP_MIN_STEPS + rnd(SLOW_LOOP_SPREAD_STEPS);
            if (redisAppendCommand(s->c, "EVAL %s 0 %u", SLOW_SCRIPT, steps) != REDIS_OK)
                return -2;
            s->slow_left--;
            evals++;
        }
    }
    if (drain_incident_replies(s, sets, "SET cache:*") < 0 ||
        drain_incident_replies(s, evals, "EVAL (slow script)") < 0)
        return -1;
    return 0;
}

/* ---- queues that are not streams, locks, key hygiene --------------------------------------- */

/* Whether clock_ms falls in a spell of length_ms that starts every every_ms from *start_ms;
 * moves *start_ms on past spells that ended. */
static bool in_spell(double clock_ms, double *start_ms, double length_ms, double every_ms)
{
    while (clock_ms >= *start_ms + length_ms)
        *start_ms += every_ms;
    return clock_ms >= *start_ms;
}

/* Reads n replies of the queues' pipeline, counting in *strings (when not NULL) the bulk
 * strings among them (jobs RPOPLPUSH took) and keeping in *last_int (when not NULL) the last
 * integer (the length LPUSH returns). A refusal is reported and changes nothing. 0, or -1 on a
 * lost connection. */
static int drain_queue_replies(struct sim *s, int n, const char *what, int *strings,
                               long long *last_int)
{
    redisReply *r;
    for (int i = 0; i < n; i++) {
        if (next_reply(s, &r) < 0)
            return -1;
        if (r->type == REDIS_REPLY_ERROR)
            sim_report_refusal(s, what, r, "the queues carry on");
        else if (strings && r->type == REDIS_REPLY_STRING)
            (*strings)++;
        else if (last_int && r->type == REDIS_REPLY_INTEGER)
            *last_int = r->integer;
        freeReplyObject(r);
    }
    return 0;
}

/* Owed entries for dt_s at per_sec, at most QUEUE_MAX_PER_TICK (the rest is dropped). */
static int owed_capped(double *owed, double per_sec, double dt_s)
{
    int n = owed_entries(owed, per_sec, dt_s);
    if (n > QUEUE_MAX_PER_TICK) {
        n = QUEUE_MAX_PER_TICK;
        *owed = 0;
    }
    return n;
}

/* One round of the list queue, the delay zset, the locks and the exports (see the top), in
 * their own pipeline. 0, -1 on a lost connection, -2 on out of memory. */
static int sim_queues(struct sim *s, double dt_s)
{
    redisContext *c = s->c;
    char score[32], member[160];

    /* jobs:thumbnails: the worker finishes what it took last round, keeping some in hand while
     * it is slow; then the producer pushes and the worker takes its share */
    bool slow = in_spell(s->clock_ms, &s->thumbs_slow_start_ms, THUMBS_SLOW_LENGTH_MS,
                         THUMBS_SLOW_EVERY_MS);
    int keep = slow ? THUMBS_IN_FLIGHT : s->thumbs_taken < 2 ? s->thumbs_taken : 2;
    if (redisAppendCommand(c, "LTRIM %s %d %d", THUMBS_PROCESSING, keep ? 0 : 1,
                           keep ? keep - 1 : 0) != REDIS_OK)
        return -2;
    int pushes = owed_capped(&s->thumbs_owed, THUMBS_PER_SEC, dt_s);
    for (int i = 0; i < pushes; i++) {
        snprintf(member, sizeof member, "{\"id\":%lld,\"src\":\"uploads/img-%u.jpg\",\"sizes\":[64,256]}",
                 s->thumbs_seq++, rnd(100000));
        if (redisAppendCommand(c, "LPUSH %s %s", THUMBS, member) != REDIS_OK)
            return -2;
    }
    int takes = owed_capped(&s->thumbs_work_owed, slow ? THUMBS_SLOW_PER_SEC : THUMBS_WORK_PER_SEC,
                            dt_s);
    /* a pool at capacity: it never gets below a small backlog (so the list, which Redis deletes
     * when empty, stays) */
    long long above = s->thumbs_depth + pushes - THUMBS_BACKLOG;
    if (!slow && takes > above) {
        takes = above > 0 ? (int)above : 0;
        s->thumbs_work_owed = 0;
    }
    for (int i = 0; i < takes; i++)
        if (redisAppendCommand(c, "RPOPLPUSH %s %s", THUMBS, THUMBS_PROCESSING) != REDIS_OK)
            return -2;

    /* delay:emails: scores are real epoch seconds (Redis compares them with its clock) */
    double now_s = (double)wall_ms() / 1000.0;
    int scheduled = owed_capped(&s->delay_owed, DELAY_PER_SEC, dt_s);
    for (int i = 0; i < scheduled; i++) {
        double delay_s = (DELAY_MIN_S + rnd(DELAY_SPREAD_S + 1)) / s->speed;
        snprintf(score, sizeof score, "%.3f", now_s + delay_s);
        snprintf(member, sizeof member, "{\"n\":%lld,\"to\":\"%s%u@example.com\",\"template\":\"%s\"}",
                 s->delay_seq++, PICK(first_names), rnd(1000), PICK(templates));
        if (redisAppendCommand(c, "ZADD %s %s %s", DELAY_EMAILS, score, member) != REDIS_OK)
            return -2;
    }
    bool stalled = in_spell(s->clock_ms, &s->delay_stall_start_ms, DELAY_STALL_LENGTH_MS,
                            DELAY_STALL_EVERY_MS);
    if (!stalled) {
        snprintf(score, sizeof score, "%.3f", now_s - DELAY_POLL_LAG_S / s->speed);
        if (redisAppendCommand(c, "ZREMRANGEBYSCORE %s -inf %s", DELAY_EMAILS, score) != REDIS_OK)
            return -2;
    }

    /* healthy locks, renewed well before they expire */
    int locks = 0;
    if (s->clock_ms >= s->next_lock_ms) {
        while (s->clock_ms >= s->next_lock_ms)
            s->next_lock_ms += LOCK_RENEW_EVERY_MS;
        int px = (int)(LOCK_TTL_MS / s->speed);
        if (px < 3 * TICK_MS)
            px = 3 * TICK_MS;
        if (redisAppendCommand(c, "SET lock:scheduler scheduler-1 PX %d", px) != REDIS_OK ||
            redisAppendCommand(c, "SET lock:billing:settle settler-1 PX %d", px) != REDIS_OK)
            return -2;
        /* the leaked one again with NX: a no-op that keeps it recently used, so the eviction
         * storms (allkeys-lru) do not take it, and puts it back if they did */
        if (redisAppendCommand(c, "SET %s %s NX", LEAKED_LOCK, LEAKED_OWNER) != REDIS_OK)
            return -2;
        locks = 3;
    }

    /* tmp:export:<n>, never expiring */
    int exports = owed_capped(&s->export_owed, EXPORTS_PER_SEC, dt_s);
    for (int i = 0; i < exports; i++) {
        long long n = s->export_seq++ % EXPORT_KEYS;
        snprintf(member, sizeof member, "{\"export\":%lld,\"tenant\":\"%s\",\"rows\":%u,"
                 "\"url\":\"s3://exports/%s/%lld.csv\",\"status\":\"done\"}",
                 n, PICK(tenants), rnd(50000), PICK(tenants), n);
        if (redisAppendCommand(c, "SET tmp:export:%lld %s", n, member) != REDIS_OK)
            return -2;
    }

    int taken = 0;
    long long depth = s->thumbs_depth + pushes;   /* LPUSH says, unless refused */
    if (drain_queue_replies(s, 1, "LTRIM " THUMBS_PROCESSING, NULL, NULL) < 0 ||
        drain_queue_replies(s, pushes, "LPUSH " THUMBS, NULL, &depth) < 0 ||
        drain_queue_replies(s, takes, "RPOPLPUSH " THUMBS, &taken, NULL) < 0 ||
        drain_queue_replies(s, scheduled, "ZADD " DELAY_EMAILS, NULL, NULL) < 0 ||
        drain_queue_replies(s, stalled ? 0 : 1, "ZREMRANGEBYSCORE " DELAY_EMAILS, NULL, NULL) < 0 ||
        drain_queue_replies(s, locks, "SET lock:*", NULL, NULL) < 0 ||
        drain_queue_replies(s, exports, "SET tmp:export:*", NULL, NULL) < 0)
        return -1;
    s->thumbs_taken = taken;
    s->thumbs_depth = depth - taken > 0 ? depth - taken : 0;
    return 0;
}

/* ---- main -------------------------------------------------------------------------------- */

/* Renames the connection redis_io_connect named "queuetop" (see the top). A refusal (an ACL
 * user without CLIENT) is harmless; a lost connection shows in the setup that follows. */
static void sim_name_connection(struct sim *s)
{
    redisReply *r = redis_io_command(s->c, "CLIENT SETNAME %s", CLIENT_NAME);
    if (r)
        freeReplyObject(r);
}

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Sleeps up to ms; returns early on a signal. */
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
            "Usage: sim --redis URL [--seconds N] [--speed X] [--no-cache] [--no-slow]\n"
            "Writes simulated queue traffic (6 streams, consumer groups, a stuck consumer, a\n"
            "poison message, bursts; a list queue with a processing list, a delay zset, locks\n"
            "one of which never expires, tmp:export:* keys without TTL) into the Redis at URL,\n"
            "with server-health incidents: an eviction storm (cache:* keys) every 45 s and slow\n"
            "Lua scripts every 60 s. Use a THROWAWAY server only.\n"
            "\n"
            "  --redis URL    redis://[[user]:password@]host[:port][/db] or unix:///path\n"
            "  --seconds N    stop after N seconds (default 0: until SIGINT/SIGTERM)\n"
            "  --speed X      multiply every rate and period by X (default 1)\n"
            "  --no-cache     no cache writer, so no eviction storms\n"
            "  --no-slow      no bursts of slow commands\n"
            "  --help         this text\n"
            "\n"
            "Exit status: 0 stopped; 1 out of memory; 2 bad usage or URL.\n");
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
        fprintf(stderr, "sim: %s needs a value\n", name);
        usage(stderr);
        exit(2);
    }
    return argv[++*i];
}

int main(int argc, char **argv)
{
    static struct sim s;   /* static: the target holds ~5 kB of buffers */
    const char *url = NULL, *v;
    long long seconds = 0;
    s.speed = 1;
    s.cache_on = s.slow_on = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--no-cache") == 0) {
            s.cache_on = false;
        } else if (strcmp(argv[i], "--no-slow") == 0) {
            s.slow_on = false;
        } else if ((v = option_value(argc, argv, &i, "--redis"))) {
            url = v;
        } else if ((v = option_value(argc, argv, &i, "--seconds"))) {
            if (parse_ll(v, strlen(v), &seconds) < 0 || seconds < 0 || seconds > 100000000) {
                fprintf(stderr, "sim: --seconds wants a whole number of seconds, not '%s'\n", v);
                return 2;
            }
        } else if ((v = option_value(argc, argv, &i, "--speed"))) {
            char *end;
            s.speed = strtod(v, &end);
            if (end == v || *end || !(s.speed > 0 && s.speed <= 1000)) {
                fprintf(stderr, "sim: --speed wants a number above 0 and up to 1000, not '%s'\n",
                        v);
                return 2;
            }
        } else {
            fprintf(stderr, "sim: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    char err[1024];
    if (!url) {
        fprintf(stderr, "sim: --redis URL is required (a throwaway server: this writes to it)\n");
        return 2;
    }
    if (redis_url_parse(url, &s.target, err, sizeof err) < 0) {
        fprintf(stderr, "sim: %s\n", err);
        return 2;
    }
    redis_target_display(&s.target, s.where, sizeof s.where);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);   /* a dead server must be an error reply, not our death */
    rng_state ^= (uint64_t)mono_ms() * 2654435761u ^ (uint64_t)getpid();

    fprintf(stderr, "sim: writing simulated traffic to %s at %gx: orders:events (analytics falls "
            "behind), emails:outbox (mailer-b stuck), webhooks:deliveries (poison entry, :dlq), "
            "payments:settle (bursts), audit:\\x1b[31mred\\x1b[0m (hostile name), legacy:jobs "
            "(lag unknown); jobs:thumbnails (list + processing, falls behind), delay:emails "
            "(delay zset, poller stalls), lock:nightly-report (no TTL), tmp:export:* (no TTL); "
            "%s\n", s.where, s.speed,
            seconds ? "stops by itself" : "Ctrl-C stops");
    /* periods and rates in real time, as the user will see them */
    char storm[200] = "", slow[200] = "";
    if (s.cache_on) {
        double storm_per_sec = CACHE_STORM_PER_SEC * s.speed;
        if (storm_per_sec > CACHE_MAX_PER_TICK * 1000.0 / TICK_MS)
            storm_per_sec = CACHE_MAX_PER_TICK * 1000.0 / TICK_MS;
        snprintf(storm, sizeof storm, "eviction storm every %g s for %g s (SET cache:* of %d "
                 "bytes PX %d, ~%g/s; %g/s between)", CACHE_STORM_EVERY_MS / 1000.0 / s.speed,
                 CACHE_STORM_LENGTH_MS / 1000.0 / s.speed, CACHE_VALUE_BYTES, CACHE_TTL_MS,
                 storm_per_sec, CACHE_CALM_PER_SEC * s.speed);
    }
    if (s.slow_on)
        snprintf(slow, sizeof slow, "slow commands every %g s (%d EVALs of a %d-%d million step "
                 "Lua loop)", SLOW_EVERY_MS / 1000.0 / s.speed, SLOW_BURST,
                 SLOW_LOOP_MIN_STEPS / 1000000,
                 (SLOW_LOOP_MIN_STEPS + SLOW_LOOP_SPREAD_STEPS - 1) / 1000000);
    fprintf(stderr, "sim: server incidents: %s%s%s\n", s.cache_on || s.slow_on ? storm : "none",
            s.cache_on && s.slow_on ? "; " : "", slow);

    s.next_burst_ms = BURST_FIRST_MS;
    s.next_claim_ms = CLAIM_EVERY_MS;
    s.next_dlq_ms = DLQ_FIRST_MS;
    s.storm_start_ms = CACHE_STORM_FIRST_MS;
    s.next_slow_ms = SLOW_FIRST_MS;
    s.thumbs_slow_start_ms = THUMBS_SLOW_FIRST_MS;
    s.delay_stall_start_ms = DELAY_STALL_FIRST_MS;
    cache_value_init();
    s.need_setup = true;
    int status = 0;
    int64_t start = mono_ms(), last = start;
    int64_t deadline = seconds ? start + seconds * 1000 : 0;
    while (!stop_requested && (!deadline || mono_ms() < deadline)) {
        int64_t round_start = mono_ms();
        int64_t pause = TICK_MS;
        if (!s.c) {
            s.c = redis_io_connect(&s.target, CONNECT_TIMEOUT_MS, COMMAND_TIMEOUT_MS, err,
                                  sizeof err);
            if (!s.c) {
                sim_disconnect(&s, err);
                pause = RETRY_MS;
            } else {
                sim_name_connection(&s);
            }
        }
        if (s.c && s.need_setup) {
            if (sim_setup(&s, err, sizeof err) < 0) {
                sim_disconnect(&s, err);
                pause = RETRY_MS;
            } else if (s.down) {
                fprintf(stderr, "sim: connected to %s again; traffic resumes\n", s.where);
                s.down = false;
            }
        }
        if (s.c) {
            int64_t now = mono_ms();
            int64_t gap = now - last < MAX_TICK_GAP_MS ? now - last : MAX_TICK_GAP_MS;
            double dt_ms = (double)gap * s.speed;
            last = now;
            s.clock_ms += dt_ms;
            int rc = sim_tick(&s, dt_ms / 1000.0);
            if (rc == 0)
                rc = sim_incidents(&s, dt_ms / 1000.0);
            if (rc == 0)
                rc = sim_queues(&s, dt_ms / 1000.0);
            if (rc == -2) {
                fprintf(stderr, "sim: out of memory\n");
                status = 1;
                break;
            }
            if (rc == -1) {
                snprintf(err, sizeof err, "lost %s: %s", s.where, s.c->errstr);
                sim_disconnect(&s, err);
                pause = RETRY_MS;
            }
        } else {
            last = mono_ms();
        }
        int64_t wake = round_start + pause;
        if (deadline && wake > deadline)
            wake = deadline;
        sleep_ms(wake - mono_ms());
    }
    if (s.c)
        redis_io_free(s.c);
    poison_clear(&s.poison);
    free(s.argv.argv);
    free(s.argv.len);
    return status;
}
