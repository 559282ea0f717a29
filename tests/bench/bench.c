/* bench.c -- what one complete sample of the streams collector costs, against two yardsticks:
 * the naive reader (one command per round trip) and Redis' own time for the same commands.
 *
 *   bench [--streams N] [--runs R] [--batch B] [--payload BYTES]
 *
 * Starts a private redis-server, builds N streams (bench:stream:0000 ...) of 20 entries with two
 * consumer groups each, both with pending entries, then measures
 *   ours:       streams_collector_sample_full(), R timed runs after one warm-up;
 *   redis-side: the INFO commandstats usec delta of one of our samples (INFO itself excluded);
 *   naive:      SCAN, TIME, then XINFO STREAM, XINFO GROUPS and XPENDING one at a time.
 * Timings are reported, never asserted. Exit codes: 0 report printed (goals met or not),
 * 1 the data read was wrong or the server failed, 2 usage error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <jansson.h>

#include <hiredis.h>

#include "../../collectors/history.h"
#include "../../collectors/redis_conn.h"
#include "../../collectors/redis_keys.h"
#include "../../collectors/redis_streams.h"
#include "../../collectors/snapshot.h"
#include "../integration/harness.h"
#include "../../collectors/redis_server.h"

#define ENTRIES_PER_STREAM 20
#define STREAMS_PER_PIPELINE 100
#define GOAL_NAIVE_OVER_OURS 20.0
#define GOAL_OURS_OVER_REDIS 1.5

struct options {
    int streams;        /* --streams, 2000 */
    int runs;           /* --runs, 5 */
    int batch_streams;  /* --batch, 0 = the collector's default */
    int payload_bytes;  /* --payload, size of each entry's payload field, 64 */
    bool groups_only;   /* --groups-only: just the many-groups benchmark */
};

/* What the setup built, so every number the collector returns can be checked. */
static const char *const group_names[2] = { "workers", "audit" };
static long long base_ms;   /* ms part of entry 0's ID; entry j is base_ms + j */

/* Entries group g of stream i has read (and not acked, minus the acks below). */
static int group_read(int i, int g)
{
    return g == 0 ? 3 + i % 5 : 12;
}

/* Entries group g acked: "audit" acks its first two, so its PEL starts at entry 2. */
static int group_acked(int g)
{
    return g == 0 ? 0 : 2;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v in place); n > 0. */
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ms the thread (group leader) pid has run on a CPU, from /proc/PID/schedstat (nanosecond
 * resolution); pid 0 means this process. -1 when unavailable. */
static double cpu_ms(int pid)
{
    char path[64];
    unsigned long long run_ns;
    if (pid)
        snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    else
        snprintf(path, sizeof path, "/proc/self/schedstat");
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = fscanf(f, "%llu", &run_ns);
    fclose(f);
    return n == 1 ? (double)run_ns / 1e6 : -1;
}

static void stream_key(int i, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "bench:stream:%04d", i);
}

static void usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--streams N] [--runs R] [--batch B] [--payload BYTES]"
            " [--groups-only]\n", argv0);
}

/* Parses argv into opt; 0, or -1 after printing usage. */
static int parse_options(int argc, char **argv, struct options *opt)
{
    opt->streams = 2000;
    opt->runs = 5;
    opt->batch_streams = 0;
    opt->payload_bytes = 64;
    opt->groups_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--groups-only") == 0) {
            opt->groups_only = true;
            continue;
        }
        int *target = NULL;
        int min = 1;
        if (strcmp(argv[i], "--streams") == 0)
            target = &opt->streams;
        else if (strcmp(argv[i], "--runs") == 0)
            target = &opt->runs;
        else if (strcmp(argv[i], "--batch") == 0)
            target = &opt->batch_streams;
        else if (strcmp(argv[i], "--payload") == 0) {
            target = &opt->payload_bytes;
            min = 0;
        }
        if (!target || i + 1 >= argc) {
            usage(argv[0]);
            return -1;
        }
        char *end;
        long v = strtol(argv[++i], &end, 10);
        if (*end || end == argv[i] || v < min || v > 1000000) {
            fprintf(stderr, "bench: bad value for %s: %s\n", argv[i - 1], argv[i]);
            usage(argv[0]);
            return -1;
        }
        *target = (int)v;
    }
    return 0;
}

/* ---- setup -------------------------------------------------------------------------------- */

/* Reads n pipelined replies; -1 (with a message) on a lost connection or any error reply. */
static int drain_replies(redisContext *ctx, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(ctx, (void **)&r) != REDIS_OK) {
            fprintf(stderr, "bench: setup: connection lost: %s\n", ctx->errstr);
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR && rc == 0) {
            fprintf(stderr, "bench: setup: %s\n", r->str);
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

/* Appends the commands that build stream i; returns how many. */
static size_t append_stream_setup(redisContext *ctx, int i, const char *payload,
                                  size_t payload_len)
{
    char key[64], id[48];
    size_t cmds = 0;
    stream_key(i, key, sizeof key);
    for (int j = 0; j < ENTRIES_PER_STREAM; j++) {
        snprintf(id, sizeof id, "%lld-0", base_ms + j);
        redisAppendCommand(ctx, "XADD %s %s job %d attempt 1 payload %b", key, id, j, payload,
                           payload_len);
        cmds++;
    }
    for (int g = 0; g < 2; g++) {
        redisAppendCommand(ctx, "XGROUP CREATE %s %s 0", key, group_names[g]);
        redisAppendCommand(ctx, "XREADGROUP GROUP %s %s-1 COUNT %d STREAMS %s >",
                           group_names[g], group_names[g], group_read(i, g), key);
        cmds += 2;
        for (int j = 0; j < group_acked(g); j++) {
            snprintf(id, sizeof id, "%lld-0", base_ms + j);
            redisAppendCommand(ctx, "XACK %s %s %s", key, group_names[g], id);
            cmds++;
        }
    }
    return cmds;
}

/* Builds the streams with pipelines of STREAMS_PER_PIPELINE streams; 0 or -1. */
static int build_streams(redisContext *ctx, const struct options *opt)
{
    redisReply *r = harness_cmd(ctx, "TIME");
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        fprintf(stderr, "bench: setup: unexpected TIME reply\n");
        freeReplyObject(r);
        return -1;
    }
    /* Entries an hour old, so ages are large and clearly not zero. */
    base_ms = atoll(r->element[0]->str) * 1000 - 3600 * 1000;
    freeReplyObject(r);

    size_t payload_len = (size_t)opt->payload_bytes;
    char *payload = malloc(payload_len + 1);
    if (!payload)
        abort();
    memset(payload, 'x', payload_len);

    for (int i = 0; i < opt->streams; i += STREAMS_PER_PIPELINE) {
        size_t cmds = 0;
        for (int k = i; k < opt->streams && k < i + STREAMS_PER_PIPELINE; k++)
            cmds += append_stream_setup(ctx, k, payload, payload_len);
        if (drain_replies(ctx, cmds) < 0) {
            free(payload);
            return -1;
        }
    }
    free(payload);
    return 0;
}

/* ---- checking what the collector read --------------------------------------------------- */

/* Checks one stream against what build_streams made; 0, or -1 with the first difference in err. */
static int check_stream(const struct stream_info *s, int i, char *err, size_t errlen)
{
    char key[64], id[48];
    stream_key(i, key, sizeof key);
    if (s->key.len != strlen(key) || memcmp(s->key.ptr, key, s->key.len) != 0) {
        snprintf(err, errlen, "stream %d is '%s', expected '%s'", i, s->key.ptr, key);
        return -1;
    }
    snprintf(id, sizeof id, "%lld-0", base_ms);
    if (s->length != ENTRIES_PER_STREAM || strcmp(s->first_id, id) != 0) {
        snprintf(err, errlen, "%s: length %lld first %s, expected %d and %s", key, s->length,
                 s->first_id, ENTRIES_PER_STREAM, id);
        return -1;
    }
    if (s->group_count != 2 || s->group_len != 2) {
        snprintf(err, errlen, "%s: %lld groups (%zu read), expected 2", key, s->group_count,
                 s->group_len);
        return -1;
    }
    for (int g = 0; g < 2; g++) {
        const struct group_info *gi = NULL;
        for (size_t k = 0; k < s->group_len; k++)
            if (strcmp(s->groups[k].name.ptr, group_names[g]) == 0)
                gi = &s->groups[k];
        if (!gi) {
            snprintf(err, errlen, "%s: group %s missing", key, group_names[g]);
            return -1;
        }
        long long want_pending = group_read(i, g) - group_acked(g);
        long long want_lag = ENTRIES_PER_STREAM - group_read(i, g);
        snprintf(id, sizeof id, "%lld-0", base_ms + group_acked(g));
        if (gi->pending != want_pending || gi->lag != want_lag || !gi->has_oldest ||
            strcmp(gi->oldest_id, id) != 0 || gi->oldest_deliveries != 1 ||
            gi->oldest_age_ms < 3600 * 1000) {
            snprintf(err, errlen,
                     "%s/%s: pending %lld lag %lld oldest %s (%s) deliveries %lld age %lld ms, "
                     "expected pending %lld lag %lld oldest %s deliveries 1 age >= 1 h",
                     key, group_names[g], gi->pending, gi->lag, gi->oldest_id,
                     gi->has_oldest ? "known" : "unknown", gi->oldest_deliveries,
                     gi->oldest_age_ms, want_pending, want_lag, id);
            return -1;
        }
    }
    return 0;
}

/* Checks a whole snapshot: exactly the N bench streams, in key order; 0 or -1 with err. */
static int check_snapshot(const struct snapshot *snap, int streams, char *err, size_t errlen)
{
    const struct redis_snapshot *r = &snap->redis;
    if (r->stream_count != (size_t)streams) {
        snprintf(err, errlen, "snapshot has %zu streams, expected %d", r->stream_count, streams);
        return -1;
    }
    for (int i = 0; i < streams; i++)
        if (check_stream(r->streams[i], i, err, errlen) < 0)
            return -1;
    return 0;
}

/* ---- INFO commandstats -------------------------------------------------------------------- */

#define MAX_CMDSTATS 256

struct cmdstat {
    char name[64];         /* after "cmdstat_", e.g. "xinfo|stream" */
    long long calls;
    long long usec;
};

struct cmdstats {
    struct cmdstat row[MAX_CMDSTATS];
    int count;
};

/* Reads INFO commandstats on ctx into out; 0, or -1 with a message. */
static int read_cmdstats(redisContext *ctx, struct cmdstats *out)
{
    out->count = 0;
    redisReply *r = harness_cmd(ctx, "INFO commandstats");
    if (r->type != REDIS_REPLY_STRING) {
        fprintf(stderr, "bench: INFO commandstats: unexpected reply\n");
        freeReplyObject(r);
        return -1;
    }
    /* Lines look like "cmdstat_xinfo|stream:calls=2000,usec=12345,usec_per_call=6.17,..." */
    for (const char *line = r->str; line && *line; ) {
        const char *eol = strchr(line, '\n');
        if (strncmp(line, "cmdstat_", 8) == 0 && out->count < MAX_CMDSTATS) {
            struct cmdstat *c = &out->row[out->count];
            const char *colon = strchr(line, ':');
            const char *calls = strstr(line, "calls="), *usec = strstr(line, ",usec=");
            size_t name_len = colon ? (size_t)(colon - line - 8) : 0;
            if (colon && calls && usec && (!eol || usec < eol) && name_len < sizeof c->name) {
                memcpy(c->name, line + 8, name_len);
                c->name[name_len] = '\0';
                c->calls = atoll(calls + 6);
                c->usec = atoll(usec + 6);
                out->count++;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    freeReplyObject(r);
    return 0;
}

static const struct cmdstat *find_cmdstat(const struct cmdstats *s, const char *name)
{
    for (int i = 0; i < s->count; i++)
        if (strcmp(s->row[i].name, name) == 0)
            return &s->row[i];
    return NULL;
}

/* after - before, per command (rows with no calls in between dropped). */
static void cmdstats_delta(const struct cmdstats *before, const struct cmdstats *after,
                           struct cmdstats *delta)
{
    delta->count = 0;
    for (int i = 0; i < after->count; i++) {
        const struct cmdstat *b = find_cmdstat(before, after->row[i].name);
        struct cmdstat d = after->row[i];
        d.calls -= b ? b->calls : 0;
        d.usec -= b ? b->usec : 0;
        if (d.calls > 0)
            delta->row[delta->count++] = d;
    }
}

/* ---- the naive reader --------------------------------------------------------------------- */

struct naive_result {
    unsigned round_trips;
    long long streams;
    long long groups;
    long long pending_groups;   /* groups for which XPENDING was sent */
};

/* One redisCommand, counted; NULL (with a message) on a lost connection or an error reply. */
static redisReply *naive_cmd(redisContext *ctx, struct naive_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    res->round_trips++;
    if (!r) {
        fprintf(stderr, "bench: naive: connection lost: %s\n", ctx->errstr);
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "bench: naive: %s: %s\n", fmt, r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* Value of a field in a flat [name, value, ...] reply, or NULL. */
static const redisReply *reply_field(const redisReply *arr, const char *name)
{
    if (!arr || arr->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < arr->elements; i += 2)
        if (arr->element[i]->type == REDIS_REPLY_STRING && strcmp(arr->element[i]->str, name) == 0)
            return arr->element[i + 1];
    return NULL;
}

/* Reads stream key the simple way: XINFO STREAM, XINFO GROUPS, XPENDING per pending group. */
static int naive_read_stream(redisContext *ctx, const redisReply *key, struct naive_result *res)
{
    redisReply *rs = naive_cmd(ctx, res, "XINFO STREAM %b", key->str, key->len);
    if (!rs)
        return -1;
    freeReplyObject(rs);
    redisReply *rg = naive_cmd(ctx, res, "XINFO GROUPS %b", key->str, key->len);
    if (!rg || rg->type != REDIS_REPLY_ARRAY) {
        if (rg)
            freeReplyObject(rg);
        return -1;
    }
    res->streams++;
    for (size_t g = 0; g < rg->elements; g++) {
        const redisReply *name = reply_field(rg->element[g], "name");
        const redisReply *pending = reply_field(rg->element[g], "pending");
        if (!name || name->type != REDIS_REPLY_STRING)
            continue;
        res->groups++;
        if (!pending || pending->type != REDIS_REPLY_INTEGER || pending->integer <= 0)
            continue;
        redisReply *rp = naive_cmd(ctx, res, "XPENDING %b %b - + 1", key->str, key->len,
                                   name->str, name->len);
        if (!rp) {
            freeReplyObject(rg);
            return -1;
        }
        res->pending_groups++;
        freeReplyObject(rp);
    }
    freeReplyObject(rg);
    return 0;
}

/* One naive sample: SCAN to the end (keys kept per SCAN reply), TIME, then every stream. */
static int naive_sample(redisContext *ctx, struct naive_result *res)
{
    memset(res, 0, sizeof *res);
    redisReply **pages = NULL;
    size_t page_count = 0;
    int rc = 0;
    char cursor[32] = "0";
    do {
        redisReply *r = naive_cmd(ctx, res, "SCAN %s MATCH * COUNT 1000 TYPE stream", cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->len >= sizeof cursor) {
            if (r)
                freeReplyObject(r);
            rc = -1;
            break;
        }
        memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
        redisReply **grown = realloc(pages, (page_count + 1) * sizeof *pages);
        if (!grown)
            abort();
        pages = grown;
        pages[page_count++] = r;
    } while (strcmp(cursor, "0") != 0);

    redisReply *t = rc == 0 ? naive_cmd(ctx, res, "TIME") : NULL;
    if (t)
        freeReplyObject(t);
    else
        rc = -1;
    for (size_t p = 0; rc == 0 && p < page_count; p++) {
        const redisReply *keys = pages[p]->element[1];
        for (size_t k = 0; rc == 0 && k < keys->elements; k++)
            rc = naive_read_stream(ctx, keys->element[k], res);
    }
    for (size_t p = 0; p < page_count; p++)
        freeReplyObject(pages[p]);
    free(pages);
    return rc;
}

/* ---- peers: one redis_exporter scrape of the same streams against one `queuetop --once` ---- */

/* The first of names found as an executable on PATH, in buf; NULL when none is. */
static const char *find_program(const char *const *names, char *buf, size_t buflen)
{
    const char *path = getenv("PATH");
    for (int n = 0; names[n]; n++) {
        for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
            size_t len = strcspn(p, ":");
            snprintf(buf, buflen, "%.*s/%s", (int)len, p, names[n]);
            if (len && access(buf, X_OK) == 0)
                return buf;
            p += len + (p[len] == ':');
        }
    }
    return NULL;
}

/* GET /metrics from 127.0.0.1:port into *body (caller frees); 0, or -1 when nothing answers. */
static int http_get_metrics(int port, char **body)
{
    *body = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { 60, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    static const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        close(fd);
        return -1;
    }
    size_t len = 0, cap = 1 << 20;
    char *buf = malloc(cap + 1);
    if (!buf)
        abort();
    for (;;) {
        if (len == cap) {
            cap *= 2;
            if (!(buf = realloc(buf, cap + 1)))
                abort();
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    *body = buf;
    return len ? 0 : -1;
}

/* Lines of text that start with prefix. */
static long lines_starting(const char *text, const char *prefix)
{
    long n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, prefix, len) == 0)
            n++;
    }
    return n;
}

/* Redis CPU (ms, median of runs) of the reads every stream of the bench needs in a sample,
 * alone and pipelined in batches of 200 streams: XINFO STREAM, XINFO GROUPS, XPENDING of each
 * group (both have entries pending) and PTTL. What no reader of those figures can go below. */
static double stream_reads_floor(const struct options *opt, const struct redis_server *srv,
                                 redisContext *ctx, int runs)
{
    double v[16];
    if (runs > 16)
        runs = 16;
    for (int run = 0; run < runs; run++) {
        double c0 = cpu_ms(srv->pid);
        for (int from = 0; from < opt->streams; from += 200) {
            int to = from + 200 < opt->streams ? from + 200 : opt->streams, cmds = 0;
            for (int i = from; i < to; i++) {
                char key[64];
                stream_key(i, key, sizeof key);
                redisAppendCommand(ctx, "XINFO STREAM %s", key);
                redisAppendCommand(ctx, "XINFO GROUPS %s", key);
                for (int g = 0; g < 2; g++)
                    redisAppendCommand(ctx, "XPENDING %s %s - + 1", key, group_names[g]);
                redisAppendCommand(ctx, "PTTL %s", key);
                cmds += 5;
            }
            for (int k = 0; k < cmds; k++) {
                redisReply *r = NULL;
                if (redisGetReply(ctx, (void **)&r) != REDIS_OK)
                    return -1;
                freeReplyObject(r);
            }
        }
        v[run] = cpu_ms(srv->pid) - c0;
    }
    return median(v, runs);
}

static int bench_peers(const struct options *opt, const struct redis_server *srv)
{
    enum { RUNS = 5 };
    static const char *const names[] = { "prometheus-redis-exporter", "redis_exporter", NULL };
    char exe[512];
    printf("\npeers: one redis_exporter scrape of the %d streams against one whole "
           "`queuetop --once --json --rate-interval 0`\n", opt->streams);
    if (!find_program(names, exe, sizeof exe)) {
        printf("  skipped: redis_exporter is not installed (`make bench` installs Debian's "
               "prometheus-redis-exporter)\n");
        return 0;
    }
    int port = harness_free_port();
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    const char *argv[] = { exe, "-redis.addr", redis_server_url(srv), "-web.listen-address",
                           listen, "-check-streams", "bench:stream:*", NULL };
    int out_fd;
    pid_t pid = harness_spawn(argv, &out_fd);
    if (pid < 0)
        return -1;
    char *body = NULL;
    for (int i = 0; i < 100 && http_get_metrics(port, &body) < 0; i++) {
        free(body);
        body = NULL;
        struct timespec ts = { 0, 100 * 1000000 };
        nanosleep(&ts, NULL);
    }
    if (!body) {
        fprintf(stderr, "bench: peers: %s did not answer on %s\n", exe, listen);
        harness_reap(pid);
        return -1;
    }
    long exported = lines_starting(body, "redis_stream_length{");
    free(body);
    double wall[RUNS], cpu[RUNS], ours_wall[RUNS], ours_cpu[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double c0 = cpu_ms(srv->pid), t0 = now_ms();
        if (http_get_metrics(port, &body) < 0) {
            fprintf(stderr, "bench: peers: a scrape failed\n");
            harness_reap(pid);
            return -1;
        }
        wall[i] = now_ms() - t0;
        cpu[i] = cpu_ms(srv->pid) - c0;
        free(body);
    }
    harness_reap(pid);
    close(out_fd);

    const char *qargv[] = { harness_queuetop(), "--redis", redis_server_url(srv), "--once",
                            "--json", "--rate-interval", "0", NULL };
    long listed = -1;
    for (int i = -1; i < RUNS; i++) {   /* -1: warm-up */
        char *qout = NULL, *qerr = NULL;
        double c0 = cpu_ms(srv->pid), t0 = now_ms();
        int rc = harness_run(qargv, &qout, &qerr, 60000);
        double w = now_ms() - t0, c = cpu_ms(srv->pid) - c0;
        if (rc != 0) {
            fprintf(stderr, "bench: peers: queuetop --once exited %d: %.300s\n", rc,
                    qerr ? qerr : "");
            free(qout);
            free(qerr);
            return -1;
        }
        if (i < 0) {
            json_error_t jerr;
            json_t *doc = json_loads(qout, 0, &jerr);
            listed = (long)json_array_size(json_object_get(json_object_get(doc, "redis"),
                                                           "streams"));
            json_decref(doc);
        } else {
            ours_wall[i] = w;
            ours_cpu[i] = c;
        }
        free(qout);
        free(qerr);
    }
    double ew = median(wall, RUNS), ec = median(cpu, RUNS);
    double ow = median(ours_wall, RUNS), oc = median(ours_cpu, RUNS);
    printf("  redis_exporter (%s): scrape median %.1f ms, Redis CPU %.1f ms; it exported %ld "
           "streams\n", exe, ew, ec, exported);
    printf("  queuetop --once: median %.1f ms for the whole process, Redis CPU %.1f ms; it "
           "listed %ld streams\n", ow, oc, listed);
    printf("  exporter / ours: wall %.1f x (goal >= 20x)%s, Redis CPU %.1f x (goal >= 15x)%s\n",
           ow > 0 ? ew / ow : 0, ow > 0 && ew / ow >= 20 ? "" : "   MISSED",
           oc > 0 ? ec / oc : 0, oc > 0 && ec / oc >= 15 ? "" : "   MISSED");
    /* what the figures shown cost at the least: the per-stream reads alone */
    redisContext *ctx = redis_server_client(srv);
    double floor = ctx ? stream_reads_floor(opt, srv, ctx, RUNS) : -1;
    if (ctx)
        redisFree(ctx);
    if (floor > 0)
        printf("  the per-stream reads alone (XINFO STREAM, XINFO GROUPS, XPENDING per group, "
               "PTTL; pipelined): Redis CPU %.1f ms, %.1f us a stream;\n"
               "    exporter / those = %.1f x: the most any reader of the same figures gets\n",
               floor, 1000.0 * floor / opt->streams, ec / floor);
    return 0;
}

/* ---- main --------------------------------------------------------------------------------- */

struct ours_result {
    double median_ms, min_ms;
    double client_cpu_ms;           /* median CPU time of this process per sample; < 0 unknown */
    double server_cpu_ms;           /* median CPU time of redis-server per sample; < 0 unknown */
    unsigned round_trips_min, round_trips_max;
    double probe_wall_ms;           /* the sample measured with commandstats */
    long long redis_usec;           /* commandstats usec of that sample, INFO excluded */
    long long redis_calls;
    struct cmdstats probe;          /* per-command delta of that sample */
};

/* CPU and wall time of one sample, in ms; a CPU figure is < 0 when /proc cannot tell. */
struct sample_cost {
    double wall_ms, client_cpu_ms, server_cpu_ms;
};

/* One sample that must be complete and correct, and what it cost (redis-server is server_pid).
 * Returns the snapshot (caller frees), or NULL after a message on stderr. */
static struct snapshot *timed_sample(struct streams_collector *c, int streams, int server_pid,
                                     struct sample_cost *cost)
{
    char err[512] = "";   /* room for check_stream's longest message */
    double client0 = cpu_ms(0), server0 = cpu_ms(server_pid);
    double t0 = now_ms();
    struct snapshot *snap = streams_collector_sample_full(c, err, sizeof err);
    cost->wall_ms = now_ms() - t0;
    double client1 = cpu_ms(0), server1 = cpu_ms(server_pid);
    cost->client_cpu_ms = client0 >= 0 && client1 >= 0 ? client1 - client0 : -1;
    cost->server_cpu_ms = server0 >= 0 && server1 >= 0 ? server1 - server0 : -1;
    if (!snap) {
        fprintf(stderr, "bench: ours: sample failed: %s\n", err);
        return NULL;
    }
    if (check_snapshot(snap, streams, err, sizeof err) < 0) {
        fprintf(stderr, "bench: ours: wrong data: %s\n", err);
        snapshot_free(snap);
        return NULL;
    }
    return snap;
}

/* Measures the collector: warm-up, opt->runs timed samples, one sample under commandstats. */
static int bench_ours(const struct options *opt, const struct redis_server *srv,
                      redisContext *stats_ctx, struct ours_result *out)
{
    struct streams_config cfg;
    char err[256];
    streams_config_defaults(&cfg);
    if (opt->batch_streams)
        cfg.batch_streams = opt->batch_streams;
    if (redis_url_parse(redis_server_url(srv), &cfg.target, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    struct streams_collector *c = streams_collector_new(&cfg, NULL);
    struct sample_cost cost;
    int rc = -1;
    double *wall = calloc((size_t)opt->runs * 3, sizeof *wall);
    if (!wall)
        abort();
    double *client_cpu = wall + opt->runs, *server_cpu = wall + 2 * opt->runs;

    struct snapshot *snap = timed_sample(c, opt->streams, srv->pid, &cost);   /* warm-up */
    if (!snap)
        goto out;
    snapshot_free(snap);
    out->min_ms = 1e18;
    for (int i = 0; i < opt->runs; i++) {
        if (!(snap = timed_sample(c, opt->streams, srv->pid, &cost)))
            goto out;
        snapshot_free(snap);
        unsigned trips = streams_collector_round_trips(c);
        if (i == 0 || trips < out->round_trips_min)
            out->round_trips_min = trips;
        if (i == 0 || trips > out->round_trips_max)
            out->round_trips_max = trips;
        wall[i] = cost.wall_ms;
        client_cpu[i] = cost.client_cpu_ms;
        server_cpu[i] = cost.server_cpu_ms;
        if (wall[i] < out->min_ms)
            out->min_ms = wall[i];
    }
    out->median_ms = median(wall, opt->runs);
    out->client_cpu_ms = median(client_cpu, opt->runs);
    out->server_cpu_ms = median(server_cpu, opt->runs);

    struct cmdstats before, after;
    if (read_cmdstats(stats_ctx, &before) < 0)
        goto out;
    snap = timed_sample(c, opt->streams, srv->pid, &cost);
    if (!snap)
        goto out;
    snapshot_free(snap);
    out->probe_wall_ms = cost.wall_ms;
    if (read_cmdstats(stats_ctx, &after) < 0)
        goto out;
    cmdstats_delta(&before, &after, &out->probe);
    out->redis_usec = out->redis_calls = 0;
    for (int i = 0; i < out->probe.count; i++) {
        if (strcmp(out->probe.row[i].name, "info") == 0)
            continue;
        out->redis_usec += out->probe.row[i].usec;
        out->redis_calls += out->probe.row[i].calls;
    }
    rc = 0;
out:
    free(wall);
    streams_collector_delete(c);
    return rc;
}

/* Measures the naive reader on its own connection: opt->runs samples, median in *median_ms. */
static int bench_naive(const struct options *opt, const struct redis_server *srv,
                       struct naive_result *res, double *median_ms)
{
    redisContext *ctx = redis_server_client(srv);
    double *times = calloc((size_t)opt->runs, sizeof *times);
    if (!times)
        abort();
    int rc = 0;
    for (int i = 0; rc == 0 && i < opt->runs; i++) {
        double t0 = now_ms();
        rc = naive_sample(ctx, res);
        times[i] = now_ms() - t0;
        if (rc == 0 && (res->streams != opt->streams || res->groups != 2LL * opt->streams ||
                        res->pending_groups != 2LL * opt->streams)) {
            fprintf(stderr, "bench: naive: read %lld streams, %lld groups, %lld pending groups; "
                    "expected %d, %d, %d\n", res->streams, res->groups, res->pending_groups,
                    opt->streams, 2 * opt->streams, 2 * opt->streams);
            rc = -1;
        }
    }
    if (rc == 0)
        *median_ms = median(times, opt->runs);
    free(times);
    redisFree(ctx);
    return rc;
}

/* The collector's own default, so the report cannot drift from it. */
static int default_batch(void)
{
    struct streams_config cfg;
    streams_config_defaults(&cfg);
    return cfg.batch_streams;
}

static void print_report(const struct options *opt, const struct ours_result *ours,
                         const struct naive_result *naive, double naive_ms)
{
    double redis_ms = (double)ours->redis_usec / 1000.0;
    double naive_ratio = ours->median_ms > 0 ? naive_ms / ours->median_ms : 0;
    double redis_ratio = redis_ms > 0 ? ours->median_ms / redis_ms : 0;

    printf("streams %d, groups %d, entries %d each (payload %d bytes), batch_streams %d\n",
           opt->streams, 2 * opt->streams, ENTRIES_PER_STREAM, opt->payload_bytes,
           opt->batch_streams ? opt->batch_streams : default_batch());
    printf("commands per sample ~%lld (+1 INFO replication)\n", ours->redis_calls);
    char trips[32];
    if (ours->round_trips_min == ours->round_trips_max)
        snprintf(trips, sizeof trips, "%u", ours->round_trips_min);
    else
        snprintf(trips, sizeof trips, "%u-%u", ours->round_trips_min, ours->round_trips_max);
    printf("ours:   median %.1f ms (min %.1f ms), %s round trips per sample\n", ours->median_ms,
           ours->min_ms, trips);
    if (ours->client_cpu_ms >= 0 && ours->server_cpu_ms >= 0)
        printf("        CPU per sample (median): queuetop %.1f ms, redis-server %.1f ms, "
               "sum %.1f ms\n", ours->client_cpu_ms, ours->server_cpu_ms,
               ours->client_cpu_ms + ours->server_cpu_ms);
    printf("naive:  median %.1f ms, %u round trips per sample (%.1f us each)\n", naive_ms,
           naive->round_trips, naive->round_trips ? naive_ms * 1e3 / naive->round_trips : 0);
    printf("redis-side time of one sample: %lld us (commandstats; that sample took %.1f ms)\n",
           ours->redis_usec, ours->probe_wall_ms);
    for (int i = 0; i < ours->probe.count; i++) {
        const struct cmdstat *s = &ours->probe.row[i];
        if (strcmp(s->name, "info") != 0)
            printf("    %-14s %7lld calls %8lld us  %6.2f us/call\n", s->name, s->calls, s->usec,
                   (double)s->usec / (double)s->calls);
    }
    printf("naive / ours = %.1f x   (goal >= %.0fx)%s\n", naive_ratio, GOAL_NAIVE_OVER_OURS,
           naive_ratio >= GOAL_NAIVE_OVER_OURS ? "" : "   MISSED");
    printf("ours / redis-side = %.2f x   (goal <= %.1fx)%s\n", redis_ratio, GOAL_OURS_OVER_REDIS,
           redis_ratio <= GOAL_OURS_OVER_REDIS ? "" : "   MISSED");
}

/* Redis-side time (commandstats usec) of everything between two reads, with the cost of the
 * measuring INFO commandstats call itself taken out (measured with nothing in between). */
static long long usec_between(const struct cmdstats *before, const struct cmdstats *after,
                              long long measuring_info_usec)
{
    struct cmdstats delta;
    cmdstats_delta(before, after, &delta);
    long long total = 0;
    for (int i = 0; i < delta.count; i++)
        total += delta.row[i].usec;
    return total - measuring_info_usec;
}

/* The server-health collector's cost per tick against the streams collector's sample. */
static int bench_server(const struct redis_server *srv,
                        redisContext *ctx, const struct ours_result *ours)
{
    struct server_config cfg;
    char err[256];
    server_config_defaults(&cfg);
    if (redis_url_parse(redis_server_url(srv), &cfg.target, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    struct server_collector *c = server_collector_new(&cfg, NULL);
    snapshot_free(server_collector_sample_full(c));   /* warm-up: connection, slowlog baseline */

    struct cmdstats a, b;
    if (read_cmdstats(ctx, &a) < 0 || read_cmdstats(ctx, &b) < 0)
        return -1;
    long long measuring = usec_between(&a, &b, 0);   /* one INFO commandstats */

    /* many ticks between one pair of reads: the measuring INFO's own cost is amortised */
    enum { TICKS = 20 };
    double walls[TICKS];
    if (read_cmdstats(ctx, &a) < 0)
        return -1;
    for (int i = 0; i < TICKS; i++) {
        double t = now_ms();
        struct snapshot *snap = server_collector_sample_full(c);
        walls[i] = now_ms() - t;
        bool up = snap->server.state == CONN_UP;
        if (!up)
            fprintf(stderr, "bench: server sample failed: %s\n", snap->server.error);
        snapshot_free(snap);
        if (!up)
            return -1;
    }
    if (read_cmdstats(ctx, &b) < 0)
        return -1;
    double server_us = (double)usec_between(&a, &b, measuring) / TICKS;
    printf("server collector: median %.2f ms per tick, %u round trips (3 of them timed PINGs),\n"
           "        redis-side %.0f us per tick = %.1f%% of the streams sample's %lld us\n",
           median(walls, TICKS), server_collector_round_trips(c), server_us,
           ours->redis_usec > 0 ? 100.0 * server_us / (double)ours->redis_usec : 0.0,
           ours->redis_usec);
    server_collector_delete(c);
    return 0;
}

/* ---- the keys collector: a whole SCAN pass with TYPE, PTTL and sampled MEMORY USAGE, and
 * every queue and lock read, against one command per round trip ---------------------------- */

#define KEYS_QUEUES 200
#define KEYS_CACHE 20000

static int build_keys(redisContext *ctx)
{
    size_t n = 0;
    for (int i = 0; i < KEYS_QUEUES; i++) {
        redisAppendCommand(ctx, "RPUSH jobs:%d a b c", i);
        redisAppendCommand(ctx, "ZADD delay:%d 1700000000 x 4000000000 y", i);
        redisAppendCommand(ctx, "SET lock:%d owner-%d PX 600000", i, i);
        n += 3;
    }
    for (int i = 0; i < KEYS_CACHE; i++) {
        if (i % 2)
            redisAppendCommand(ctx, "SET cache:%d %s EX 3600", i, "value-value-value");
        else
            redisAppendCommand(ctx, "SET cache:%d %s", i, "value-value-value");
        n++;
        if (n >= 1000) {
            if (drain_replies(ctx, n) < 0)
                return -1;
            n = 0;
        }
    }
    return drain_replies(ctx, n);
}

/* The naive reader of the same figures: SCAN, then TYPE and PTTL of each key and the length of
 * each list and zset, every command its own round trip. */
static long long naive_keys_pass(redisContext *ctx, unsigned *round_trips)
{
    char cursor[32] = "0";
    long long keys = 0;
    *round_trips = 0;
    do {
        redisReply *r = redisCommand(ctx, "SCAN %s COUNT 1000", cursor);
        (*round_trips)++;
        if (!r || r->type != REDIS_REPLY_ARRAY)
            return -1;
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const redisReply *k = r->element[1]->element[i];
            redisReply *t = redisCommand(ctx, "TYPE %b", k->str, k->len);
            redisReply *p = redisCommand(ctx, "PTTL %b", k->str, k->len);
            *round_trips += 2;
            if (t && strcmp(t->str, "list") == 0)
                freeReplyObject(redisCommand(ctx, "LLEN %b", k->str, k->len));
            else if (t && strcmp(t->str, "zset") == 0)
                freeReplyObject(redisCommand(ctx, "ZCARD %b", k->str, k->len));
            if (t && (strcmp(t->str, "list") == 0 || strcmp(t->str, "zset") == 0))
                (*round_trips)++;
            freeReplyObject(t);
            freeReplyObject(p);
            keys++;
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return keys;
}

static int bench_keys(const struct redis_server *srv, redisContext *ctx)
{
    if (build_keys(ctx) < 0)
        return -1;
    struct keys_config cfg;
    char err[256];
    keys_config_defaults(&cfg);
    if (redis_url_parse(redis_server_url(srv), &cfg.target, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    enum { RUNS = 5 };
    double ours[RUNS], naive[RUNS];
    unsigned naive_rts = 0;
    long long keys = 0, redis_us = 0;
    size_t queues = 0, locks = 0;
    struct cmdstats a, b;
    if (read_cmdstats(ctx, &a) < 0 || read_cmdstats(ctx, &b) < 0)
        return -1;
    long long measuring = usec_between(&a, &b, 0);
    for (int i = 0; i < RUNS; i++) {
        struct keys_collector *c = keys_collector_new(&cfg, NULL);
        if (read_cmdstats(ctx, &a) < 0)
            return -1;
        double t = now_ms();
        struct snapshot *snap = keys_collector_sample_full(c, 60000, err, sizeof err);
        ours[i] = now_ms() - t;
        if (read_cmdstats(ctx, &b) < 0)
            return -1;
        redis_us = usec_between(&a, &b, measuring);
        if (!snap) {
            fprintf(stderr, "bench: keys pass: %s\n", err);
            return -1;
        }
        queues = snap->keys.queue_count;
        locks = snap->keys.lock_count;
        snapshot_free(snap);
        keys_collector_delete(c);
        redisContext *nc = redis_server_client(srv);
        t = now_ms();
        keys = naive_keys_pass(nc, &naive_rts);
        naive[i] = now_ms() - t;
        redisFree(nc);
        if (keys < 0)
            return -1;
    }
    double o = median(ours, RUNS), n = median(naive, RUNS);
    printf("keys collector, %lld keys (%zu queues, %zu locks found):\n"
           "  one whole SCAN pass + every queue and lock: median %.1f ms\n"
           "  one command per round trip:                 median %.1f ms, %u round trips\n"
           "  naive / ours = %.1f x;  redis-side time of our pass %lld us (ours / redis-side"
           " = %.2f x)\n",
           keys, queues, locks, o, n, naive_rts, o > 0 ? n / o : 0.0, redis_us,
           redis_us > 0 ? o * 1000.0 / (double)redis_us : 0.0);
    if (queues != 2 * KEYS_QUEUES || locks != KEYS_QUEUES) {
        fprintf(stderr, "bench: expected %d queues and %d locks\n", 2 * KEYS_QUEUES,
                KEYS_QUEUES);
        return -1;
    }
    return 0;
}

/* ---- one stream with many groups: the cost per group must not grow with the groups -------- */

/* "many": one entry, n groups each holding it pending (so every group also gets an XPENDING). */
static int build_groups(redisContext *ctx, int n)
{
    freeReplyObject(harness_cmd(ctx, "FLUSHALL"));
    freeReplyObject(harness_cmd(ctx, "XADD many 1-1 f v"));
    for (int g = 0; g < n; g++) {
        redisAppendCommand(ctx, "XGROUP CREATE many g%05d 0", g);
        redisAppendCommand(ctx, "XREADGROUP GROUP g%05d c1 COUNT 1 STREAMS many >", g);
    }
    return drain_replies(ctx, 2 * (size_t)n);
}

/* Client CPU of one streams sample plus its history update (where rates find their group),
 * median of RUNS after a warm-up; *xinfo_us: Redis' own time per XINFO GROUPS call. */
static int groups_cost(const struct redis_server *srv, redisContext *ctx, int n, double *cpu_ms_out,
                       double *xinfo_us)
{
    struct streams_config cfg;
    char err[256];
    streams_config_defaults(&cfg);
    if (redis_url_parse(redis_server_url(srv), &cfg.target, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
    }
    enum { RUNS = 5 };
    double cpu[RUNS];
    struct streams_collector *c = streams_collector_new(&cfg, NULL);
    struct history h;
    history_init(&h);
    struct cmdstats before, after;
    int rc = -1;
    if (read_cmdstats(ctx, &before) < 0)
        goto out;
    for (int i = -1; i < RUNS; i++) {
        double c0 = cpu_ms(0);
        struct snapshot *snap = streams_collector_sample_full(c, err, sizeof err);
        if (!snap) {
            fprintf(stderr, "bench: groups: %s\n", err);
            goto out;
        }
        history_update(&h, &snap->redis);
        double c1 = cpu_ms(0);
        bool right = snap->redis.stream_count == 1 &&
                     snap->redis.streams[0]->group_len == (size_t)n &&
                     snap->redis.streams[0]->pending_total == n;
        snapshot_free(snap);
        if (!right) {
            fprintf(stderr, "bench: groups: the sample does not show %d groups, 1 pending each\n",
                    n);
            goto out;
        }
        if (i >= 0)
            cpu[i] = c1 - c0;
    }
    if (read_cmdstats(ctx, &after) < 0)
        goto out;
    const struct cmdstat *b = find_cmdstat(&before, "xinfo|groups");
    const struct cmdstat *a = find_cmdstat(&after, "xinfo|groups");
    long long calls = a ? a->calls - (b ? b->calls : 0) : 0;
    *xinfo_us = calls > 0 ? (double)(a->usec - (b ? b->usec : 0)) / (double)calls : -1;
    *cpu_ms_out = median(cpu, RUNS);
    rc = 0;
out:
    history_done(&h);
    streams_collector_delete(c);
    return rc;
}

static int bench_groups(void)
{
    struct redis_server srv;
    if (redis_server_start(&srv, NULL) < 0)
        return -1;
    redisContext *ctx = redis_server_client(&srv);
    /* at most ~700 groups are read on one stream (XINFO GROUPS would take Redis over 1 ms) */
    static const int sizes[] = { 60, 600 };
    double cpu[2], xinfo[2];
    int rc = -1;
    for (int i = 0; i < 2; i++) {
        if (build_groups(ctx, sizes[i]) < 0 ||
            groups_cost(&srv, ctx, sizes[i], &cpu[i], &xinfo[i]) < 0)
            goto out;
    }
    double per0 = cpu[0] * 1000.0 / sizes[0], per1 = cpu[1] * 1000.0 / sizes[1];
    printf("one stream with many groups (each with an entry pending), client CPU per sample"
           " incl. history:\n");
    for (int i = 0; i < 2; i++)
        printf("  %5d groups: median %.1f ms CPU, %.2f us per group; Redis XINFO GROUPS %.0f us"
               " per call\n", sizes[i], cpu[i], cpu[i] * 1000.0 / sizes[i], xinfo[i]);
    printf("  cost per group at %d / at %d = %.2f x (flat is 1; quadratic would be 10)\n",
           sizes[1], sizes[0], per0 > 0 ? per1 / per0 : 0.0);
    rc = 0;
out:
    redisFree(ctx);
    redis_server_stop(&srv);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opt;
    if (parse_options(argc, argv, &opt) < 0)
        return 2;
    if (opt.groups_only)
        return bench_groups() < 0 ? 1 : 0;

    struct redis_server srv;
    if (redis_server_start(&srv, NULL) < 0)
        return 1;
    redisContext *ctx = redis_server_client(&srv);
    int rc = 1;

    double t0 = now_ms();
    if (build_streams(ctx, &opt) < 0)
        goto out;
    fprintf(stderr, "bench: built %d streams in %.0f ms\n", opt.streams, now_ms() - t0);

    struct ours_result ours;
    struct naive_result naive;
    double naive_ms;
    memset(&ours, 0, sizeof ours);
    if (bench_ours(&opt, &srv, ctx, &ours) < 0 || bench_naive(&opt, &srv, &naive, &naive_ms) < 0)
        goto out;
    print_report(&opt, &ours, &naive, naive_ms);
    if (bench_peers(&opt, &srv) < 0)
        goto out;
    if (bench_server(&srv, ctx, &ours) < 0)
        goto out;
    if (bench_keys(&srv, ctx) < 0)
        goto out;
    printf("\n");
    if (bench_groups() < 0)
        goto out;
    rc = 0;
out:
    redisFree(ctx);
    redis_server_stop(&srv);
    return rc;
}
