/* scale_sim.c -- a big keyspace for trying queuetop at scale, and the traffic on it.
 *
 *   scale_sim --redis URL --load [--streams N] [--keys M]
 *   scale_sim --redis URL --churn [--seconds S]
 *
 * WRITES to the Redis at URL: point it only at a throwaway server (make bench starts one).
 *
 * --load builds, in pipelines of a thousand commands:
 *   s:000000 ... s:N-1       N streams (default 100,000) of one 64-byte entry each; every
 *                            second one has group g, created at its end (lag 0): quiet streams
 *   k:000000 ... k:M-1       M strings (default 200,000) of 32 bytes; every tenth with a 1 h TTL
 *   zzprobe:cold             a quiet stream with group g at its end: the stream the bench turns
 *                            into a problem (named so that it sorts after every s: stream and
 *                            shares no letter with their names on screen)
 *   hot:00 ... hot:19        20 streams with group workers, for --churn
 *
 * --churn, until S seconds have passed (0: until SIGTERM or SIGINT), every 100 ms:
 *   hot:NN                   5 XADDs each (MAXLEN ~ 1000), read by consumer w1 with XREADGROUP
 *                            and acknowledged: 1,000 entries/s across the 20, no lag left
 *   new:<n>                  every 200 ms a new stream appears, and the one made 100 before it
 *                            is deleted: about 100 of them exist at any time
 *   k:<random>               one SET
 * On SIGUSR1 the next tick writes 12,000 entries to zzprobe:cold (its group g then lags by
 * 12,000) and prints "probe <server time in ms>" on stdout.
 *
 * Exit 0, 1 on a Redis error, 2 on a usage error. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "../../collectors/redis_conn.h"

#define PIPELINE 1000
#define HOT_STREAMS 20
#define HOT_PER_TICK 5
#define NEW_KEEP 100
#define PROBE_ENTRIES 12000
#define TICK_MS 100

static volatile sig_atomic_t stop_flag, probe_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void on_probe(int sig)
{
    (void)sig;
    probe_flag = 1;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads n pipelined replies; -1 with a message on a lost connection or an error reply. */
static int drain(redisContext *c, long n)
{
    int rc = 0;
    for (long i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            fprintf(stderr, "scale_sim: connection lost: %s\n", c->errstr);
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR && rc == 0) {
            fprintf(stderr, "scale_sim: %s\n", r->str);
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

static const char payload[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static int load(redisContext *c, long streams, long keys)
{
    long pending = 0;
    char key[32];
    for (long i = 0; i < streams; i++) {
        snprintf(key, sizeof key, "s:%06ld", i);
        redisAppendCommand(c, "XADD %s * job %ld payload %s", key, i, payload);
        pending++;
        if (i % 2 == 0) {
            redisAppendCommand(c, "XGROUP CREATE %s g $", key);
            pending++;
        }
        if (pending >= PIPELINE) {
            if (drain(c, pending) < 0)
                return -1;
            pending = 0;
        }
    }
    for (long i = 0; i < keys; i++) {
        snprintf(key, sizeof key, "k:%06ld", i);
        if (i % 10 == 0)
            redisAppendCommand(c, "SET %s %b PX 3600000", key, payload, (size_t)32);
        else
            redisAppendCommand(c, "SET %s %b", key, payload, (size_t)32);
        if (++pending >= PIPELINE) {
            if (drain(c, pending) < 0)
                return -1;
            pending = 0;
        }
    }
    redisAppendCommand(c, "XADD zzprobe:cold * job 0 payload %s", payload);
    redisAppendCommand(c, "XGROUP CREATE zzprobe:cold g $");
    pending += 2;
    for (int h = 0; h < HOT_STREAMS; h++) {
        snprintf(key, sizeof key, "hot:%02d", h);
        redisAppendCommand(c, "XGROUP CREATE %s workers $ MKSTREAM", key);
        pending++;
    }
    return drain(c, pending);
}

/* Acknowledges every entry of an XREADGROUP reply; returns the XACKs appended. */
static long ack_read(redisContext *c, const char *key, const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        return 0;
    const redisReply *s = r->element[0];
    if (s->type != REDIS_REPLY_ARRAY || s->elements < 2 || s->element[1]->type != REDIS_REPLY_ARRAY)
        return 0;
    const redisReply *entries = s->element[1];
    long n = 0;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type == REDIS_REPLY_ARRAY && e->elements >= 1 &&
            e->element[0]->type == REDIS_REPLY_STRING) {
            redisAppendCommand(c, "XACK %s workers %s", key, e->element[0]->str);
            n++;
        }
    }
    return n;
}

static int churn_tick(redisContext *c, long tick)
{
    char key[32];
    long pending = 0;
    for (int h = 0; h < HOT_STREAMS; h++) {
        snprintf(key, sizeof key, "hot:%02d", h);
        for (int j = 0; j < HOT_PER_TICK; j++)
            redisAppendCommand(c, "XADD %s MAXLEN ~ 1000 * job %ld payload %s", key, tick, payload);
        pending += HOT_PER_TICK;
    }
    if (drain(c, pending) < 0)
        return -1;
    pending = 0;
    /* every read first, then the acknowledgements: a reply is read only for a command whose
     * reply is next in line */
    redisReply *got[HOT_STREAMS];
    for (int h = 0; h < HOT_STREAMS; h++)
        redisAppendCommand(c, "XREADGROUP GROUP workers w1 COUNT 50 STREAMS hot:%02d >", h);
    for (int h = 0; h < HOT_STREAMS; h++) {
        if (redisGetReply(c, (void **)&got[h]) != REDIS_OK) {
            fprintf(stderr, "scale_sim: connection lost: %s\n", c->errstr);
            while (h-- > 0)
                freeReplyObject(got[h]);
            return -1;
        }
    }
    for (int h = 0; h < HOT_STREAMS; h++) {
        snprintf(key, sizeof key, "hot:%02d", h);
        pending += ack_read(c, key, got[h]);
        freeReplyObject(got[h]);
    }
    if (tick % 2 == 0) {
        long n = tick / 2;
        redisAppendCommand(c, "XADD new:%ld * job %ld", n, n);
        pending++;
        if (n >= NEW_KEEP) {
            redisAppendCommand(c, "DEL new:%ld", n - NEW_KEEP);
            pending++;
        }
    }
    redisAppendCommand(c, "SET k:%06ld %b", (long)(rand() % 200000), payload, (size_t)32);
    pending++;
    if (probe_flag) {
        probe_flag = 0;
        for (int j = 0; j < PROBE_ENTRIES; j++)
            redisAppendCommand(c, "XADD zzprobe:cold * job %d payload %s", j, payload);
        pending += PROBE_ENTRIES;
        if (drain(c, pending) < 0)
            return -1;
        pending = 0;
        redisReply *t = redisCommand(c, "TIME");
        if (t && t->type == REDIS_REPLY_ARRAY && t->elements == 2)
            printf("probe %lld\n", atoll(t->element[0]->str) * 1000 +
                                   atoll(t->element[1]->str) / 1000);
        else
            printf("probe ?\n");
        fflush(stdout);
        if (t)
            freeReplyObject(t);
    }
    return drain(c, pending);
}

static long number(const char *name, const char *v, long max)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0 || n > max) {
        fprintf(stderr, "scale_sim: %s wants a whole number from 0 to %ld, not '%s'\n", name, max, v);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *url = NULL;
    int do_load = 0, do_churn = 0;
    long streams = 100000, keys = 200000, seconds = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--load") == 0)
            do_load = 1;
        else if (strcmp(a, "--churn") == 0)
            do_churn = 1;
        else if (strcmp(a, "--redis") == 0 && v)
            url = argv[++i];
        else if (strcmp(a, "--streams") == 0 && v)
            streams = number(a, argv[++i], 10000000);
        else if (strcmp(a, "--keys") == 0 && v)
            keys = number(a, argv[++i], 100000000);
        else if (strcmp(a, "--seconds") == 0 && v)
            seconds = number(a, argv[++i], 100000000);
        else {
            fprintf(stderr, "usage: scale_sim --redis URL (--load [--streams N] [--keys M] | "
                    "--churn [--seconds S])\n");
            return 2;
        }
    }
    if (!url || do_load == do_churn) {
        fprintf(stderr, "scale_sim: --redis URL and one of --load, --churn are required\n");
        return 2;
    }
    struct redis_target t;
    char err[512];
    if (redis_url_parse(url, &t, err, sizeof err) < 0) {
        fprintf(stderr, "scale_sim: %s\n", err);
        return 2;
    }
    redisContext *c = t.unix_socket ? redisConnectUnix(t.path) : redisConnect(t.host, t.port);
    if (!c || c->err) {
        fprintf(stderr, "scale_sim: cannot connect: %s\n", c ? c->errstr : "out of memory");
        return 1;
    }
    if (do_load) {
        int rc = load(c, streams, keys);
        redisFree(c);
        return rc < 0 ? 1 : 0;
    }
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    signal(SIGUSR1, on_probe);
    srand((unsigned)getpid());
    long long start = mono_ms();
    for (long tick = 0; !stop_flag; tick++) {
        long long due = start + (tick + 1) * TICK_MS;
        if (churn_tick(c, tick) < 0) {
            redisFree(c);
            return 1;
        }
        if (seconds && mono_ms() - start >= seconds * 1000)
            break;
        long long wait = due - mono_ms();
        if (wait > 0) {
            struct timespec ts = { wait / 1000, (wait % 1000) * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
    redisFree(c);
    return 0;
}
