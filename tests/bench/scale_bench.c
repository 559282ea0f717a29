/* scale_bench.c -- queuetop against a big keyspace on a private Redis: 100,000 streams and
 * 200,000 other keys (tests/sim/scale_sim.c builds them and keeps traffic going).
 *
 *   scale_bench [--streams N] [--keys M] [--sim PATH]
 *
 * Phases, each with the simulator's traffic running:
 *   baseline    Redis' CPU (INFO cpu) with the traffic alone, 15 s
 *   dashboard   queuetop's dashboard on a pseudo-terminal of 80x24 for 95 s. From 20 s to 80 s:
 *               Redis' CPU above the baseline, queuetop's CPU (/proc/PID/stat). At 40 s a quiet
 *               stream gets a backlog of 12,000 in its group: the time until its name reaches
 *               the screen. Then key presses (time to the first byte drawn), RSS, `q`.
 *   json        `queuetop --json`: the time until every stream is listed, the advertised cycle
 *   once        `queuetop --once --json --rate-interval 0`: wall time, peak RSS
 * and, after each, what queuetop left in a SLOWLOG at a 1 ms threshold (entries whose
 * client name is queuetop).
 *
 * Nothing here is asserted: the figures are printed. Exit 1 when a phase could not run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../integration/harness.h"

#define NEEDLE "zzprobe"

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* used_cpu_sys + used_cpu_user of the server, in seconds; -1 when INFO fails. */
static double redis_cpu_s(redisContext *c)
{
    redisReply *r = harness_cmd(c, "INFO cpu");
    double total = -1;
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
        const char *sys = strstr(r->str, "used_cpu_sys:");
        const char *user = strstr(r->str, "used_cpu_user:");
        if (sys && user)
            total = strtod(sys + 13, NULL) + strtod(user + 14, NULL);
    }
    freeReplyObject(r);
    return total;
}

/* A "Name: N kB" figure of /proc/PID/status, in KiB; -1 when absent. */
static long proc_status_kib(pid_t pid, const char *name)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long v = -1;
    size_t len = strlen(name);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0) {
            v = atol(line + len);
            break;
        }
    fclose(f);
    return v;
}

/* ---- the dashboard on a pseudo-terminal ---------------------------------------------------- */

struct screen {
    int fd;                     /* pty master */
    char tail[sizeof NEEDLE];   /* last bytes of the previous read, for a needle split in two */
    size_t tail_len;
    long long needle_ms;        /* first time NEEDLE was drawn since watch_from, or 0 */
    long long watch_from;       /* 0: not watching */
    long long last_byte_ms;
    long long bytes;
};

/* Reads what the dashboard draws for up to ms milliseconds (returns early, after the first
 * bytes, when until_output). Returns -1 at end of file. */
static int pump(struct screen *s, long ms, int until_output)
{
    long long end = mono_ms() + ms;
    for (;;) {
        long long left = end - mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = { s->fd, POLLIN, 0 };
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        char buf[65536 + sizeof NEEDLE];
        memcpy(buf, s->tail, s->tail_len);
        ssize_t got = read(s->fd, buf + s->tail_len, 65536);
        if (got <= 0)
            return -1;
        s->bytes += got;
        s->last_byte_ms = mono_ms();
        size_t len = s->tail_len + (size_t)got;
        if (s->watch_from && !s->needle_ms && memmem(buf, len, NEEDLE, strlen(NEEDLE)))
            s->needle_ms = s->last_byte_ms;
        s->tail_len = len < strlen(NEEDLE) - 1 ? len : strlen(NEEDLE) - 1;
        memcpy(s->tail, buf + len - s->tail_len, s->tail_len);
        if (until_output)
            return 0;
    }
}

/* Waits for a frame to finish (output, then 60 ms without any), at most ms. */
static void wait_frame_end(struct screen *s, long ms)
{
    long long end = mono_ms() + ms;
    long long before = s->bytes;
    while (mono_ms() < end) {
        pump(s, 60, 0);
        if (s->bytes != before && mono_ms() - s->last_byte_ms >= 60)
            return;
    }
}

struct dash_figures {
    double redis_share, qt_share, qt_share_first20;
    long rss_kib, hwm_kib;
    long long probe_to_screen_ms;   /* -1: not seen */
    int seen_before;
    long key_max_ms, key_median_ms;
    long quit_ms;
};

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static int dashboard_phase(const struct redis_server *srv, redisContext *c, pid_t sim,
                           int sim_fd, double base_rate, struct dash_figures *f)
{
    struct winsize ws = { 24, 80, 0, 0 };
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) {
        perror("scale_bench: forkpty");
        return -1;
    }
    if (pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        execl(harness_queuetop(), "queuetop", "--redis", redis_server_url(srv), (char *)NULL);
        _exit(127);
    }
    struct screen s = { .fd = master, .watch_from = 1 };
    long long t0 = mono_ms();
    pump(&s, 20000, 0);
    double q20 = harness_proc_cpu_s(pid), r20 = redis_cpu_s(c);
    f->qt_share_first20 = q20 / ((mono_ms() - t0) / 1000.0);
    long long t20 = mono_ms();
    pump(&s, 20000, 0);
    /* the probe at 40 s: NEEDLE drawn before it means the quiet stream was on screen already */
    f->seen_before = s.needle_ms != 0;
    s.needle_ms = 0;
    s.watch_from = mono_ms();
    kill(sim, SIGUSR1);
    char *line = harness_read_line(sim_fd, 10000);
    long long probe_written = mono_ms();
    free(line);
    while (mono_ms() - t20 < 60000)
        pump(&s, (long)(60000 - (mono_ms() - t20)), 0);
    double q80 = harness_proc_cpu_s(pid), r80 = redis_cpu_s(c);
    double secs = (mono_ms() - t20) / 1000.0;
    f->qt_share = (q80 - q20) / secs;
    f->redis_share = (r80 - r20) / secs - base_rate;
    f->probe_to_screen_ms = s.needle_ms ? s.needle_ms - probe_written : -1;

    long lat[10];
    for (int i = 0; i < 10; i++) {
        wait_frame_end(&s, 2000);
        const char *key = i % 2 == 0 ? "2" : "1";
        long long sent = mono_ms();
        if (write(master, key, 1) != 1)
            break;
        long long before = s.bytes;
        while (s.bytes == before && mono_ms() - sent < 3000)
            pump(&s, 3000, 1);
        lat[i] = (long)(s.last_byte_ms - sent);
    }
    qsort(lat, 10, sizeof lat[0], cmp_long);
    f->key_max_ms = lat[9];
    f->key_median_ms = lat[5];
    f->rss_kib = proc_status_kib(pid, "VmRSS:");
    f->hwm_kib = proc_status_kib(pid, "VmHWM:");

    long long q = mono_ms();
    if (write(master, "q", 1) != 1)
        kill(pid, SIGTERM);
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (mono_ms() - q > 5000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        pump(&s, 20, 0);
    }
    f->quit_ms = (long)(mono_ms() - q);
    close(master);
    return 0;
}

/* ---- --json: time until every stream is listed --------------------------------------------- */

struct json_figures {
    long long listed_ms;        /* -1: not within the phase */
    long long first_line_ms;
    long long cycle_ms;         /* last advertised, -1 when null */
    double share;               /* last advertised, -1 when null */
    long streams_read;
};

/* One line of fd into *buf (grown as needed, no newline kept), waiting at most until
 * deadline; its length, or -1 on timeout or end of file. A --json line at 100,000 streams is
 * tens of megabytes: longer than the harness' line reader holds. */
static long read_long_line(int fd, char **buf, size_t *cap, size_t *have, long long deadline)
{
    for (;;) {
        char *nl = *have ? memchr(*buf, '\n', *have) : NULL;
        if (nl)
            return (long)(nl - *buf);
        long long left = deadline - mono_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        if (*cap - *have < 1 << 20) {
            *cap = *cap ? *cap * 2 : 1 << 24;
            if (!(*buf = realloc(*buf, *cap)))
                abort();
        }
        ssize_t n = read(fd, *buf + *have, *cap - *have);
        if (n == 0)
            return -1;
        if (n > 0)
            *have += (size_t)n;
    }
}

static long count_text(const char *text, size_t len, const char *needle)
{
    long n = 0;
    size_t nlen = strlen(needle);
    for (const char *p = text; (p = memmem(p, len - (size_t)(p - text), needle, nlen)); p += nlen)
        n++;
    return n;
}

static int json_phase(const struct redis_server *srv, long streams, struct json_figures *f)
{
    const char *argv[] = { harness_queuetop(), "--redis", redis_server_url(srv), "--json", NULL };
    int fd;
    long long t0 = mono_ms();
    pid_t pid = harness_spawn(argv, &fd);
    if (pid < 0)
        return -1;
    f->listed_ms = f->first_line_ms = f->cycle_ms = -1;
    f->share = -1;
    f->streams_read = 0;
    char *buf = NULL;
    size_t cap = 0, have = 0;
    long len;
    while ((len = read_long_line(fd, &buf, &cap, &have, t0 + 90000)) >= 0) {
        if (f->first_line_ms < 0)
            f->first_line_ms = mono_ms() - t0;
        /* the streams are counted in the text; only redis.cost is parsed */
        long named = count_text(buf, (size_t)len, "{\"key\":\"s:");
        const char *cost = memmem(buf, (size_t)len, "\"cost\":{", 8);
        json_error_t jerr;
        json_t *o = cost ? json_loadb(cost + 7, (size_t)len - (size_t)(cost + 7 - buf),
                                      JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
        if (json_is_integer(json_object_get(o, "cycle_ms")))
            f->cycle_ms = json_integer_value(json_object_get(o, "cycle_ms"));
        if (json_is_number(json_object_get(o, "share")))
            f->share = json_number_value(json_object_get(o, "share"));
        if (json_is_integer(json_object_get(o, "streams_read")))
            f->streams_read = (long)json_integer_value(json_object_get(o, "streams_read"));
        json_decref(o);
        have -= (size_t)len + 1;
        memmove(buf, buf + len + 1, have);
        if (named >= streams && f->listed_ms < 0)
            f->listed_ms = mono_ms() - t0;
        if (f->listed_ms >= 0 && f->cycle_ms >= 0)
            break;
    }
    free(buf);
    harness_reap(pid);
    close(fd);
    return 0;
}

/* ---- --once ------------------------------------------------------------------------------- */

static int once_phase(const struct redis_server *srv, long long *wall_ms, long *maxrss_kib,
                      long *listed, int *status_out)
{
    char path[] = "/tmp/queuetop-scale-XXXXXX";
    int out = mkstemp(path);
    if (out < 0)
        return -1;
    long long t0 = mono_ms();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out, 1);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 2);
        execl(harness_queuetop(), "queuetop", "--redis", redis_server_url(srv), "--once",
              "--json", "--rate-interval", "0", (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    *wall_ms = mono_ms() - t0;
    *maxrss_kib = ru.ru_maxrss;
    *status_out = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    close(out);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    unlink(path);
    *listed = doc ? (long)json_array_size(json_object_get(json_object_get(doc, "redis"),
                                                            "streams")) : -1;
    json_decref(doc);
    return 0;
}

/* ---- SLOWLOG ------------------------------------------------------------------------------ */

/* What this phase left in the slowlog, then a reset for the next. SLOWLOG times a command's
 * wall time inside Redis, so on a machine this loaded (the bench, queuetop, the traffic and
 * Redis on two cores) a preempted Redis logs commands of any size: the other clients' entries
 * (the traffic's XADDs, a few µs each) are that floor. */
static void slowlog_report(redisContext *c, const char *phase)
{
    redisReply *r = harness_cmd(c, "SLOWLOG GET 4096");
    long ours = 0, others = 0, max_us = 0;
    char worst[160] = "";
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 6)
            continue;
        const char *client = e->element[5]->type == REDIS_REPLY_STRING ? e->element[5]->str : "";
        if (strcmp(client, "queuetop") != 0) {
            others++;
            continue;
        }
        ours++;
        if (e->element[2]->integer > max_us) {
            max_us = (long)e->element[2]->integer;
            size_t at = 0;
            worst[0] = '\0';
            for (size_t a = 0; a < e->element[3]->elements && at + 1 < sizeof worst; a++)
                at += (size_t)snprintf(worst + at, sizeof worst - at, "%s%s", a ? " " : "",
                                       e->element[3]->element[a]->str);
        }
    }
    freeReplyObject(r);
    printf("    slowlog at 1 ms, %s: %ld entries from queuetop (longest %ld us%s%s), %ld from "
           "the traffic's own commands\n", phase, ours, max_us, ours ? ": " : "", worst, others);
    freeReplyObject(harness_cmd(c, "SLOWLOG RESET"));
}

/* Redis' own mean time per call (INFO commandstats, since the last CONFIG RESETSTAT) of the
 * commands queuetop sends and the traffic does not: what one call costs without preemption. */
static void commandstats_report(redisContext *c)
{
    static const char *const ours[] = { "scan", "xinfo|stream", "xinfo|groups", "xpending",
                                        "xlen", "type", "pttl", "memory|usage", NULL };
    redisReply *r = harness_cmd(c, "INFO commandstats");
    printf("    Redis' mean time per call (commandstats):");
    double worst = 0;
    for (int i = 0; ours[i] && r->type == REDIS_REPLY_STRING; i++) {
        char field[64];
        snprintf(field, sizeof field, "cmdstat_%s:", ours[i]);
        const char *at = strstr(r->str, field);
        const char *u = at ? strstr(at, "usec_per_call=") : NULL;
        if (!u)
            continue;
        double per = strtod(u + 14, NULL);
        if (per > worst)
            worst = per;
        printf(" %s %.1f us", ours[i], per);
    }
    printf("; the largest %.1f us\n", worst);
    freeReplyObject(r);
}

int main(int argc, char **argv)
{
    long streams = 100000, keys = 200000;
    const char *sim_path = "build/tests/scale_sim";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--streams") == 0)
            streams = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--keys") == 0)
            keys = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--sim") == 0)
            sim_path = argv[i + 1];
    }
    if (argc % 2 == 0 || streams < 1 || keys < 0) {
        fprintf(stderr, "usage: scale_bench [--streams N] [--keys M] [--sim PATH]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *extra[] = { "--slowlog-log-slower-than", "1000", "--slowlog-max-len", "4096",
                            NULL };
    struct redis_server srv;
    if (redis_server_start(&srv, extra) < 0)
        return 1;
    redisContext *c = redis_server_client(&srv);
    char nstreams[32], nkeys[32];
    snprintf(nstreams, sizeof nstreams, "%ld", streams);
    snprintf(nkeys, sizeof nkeys, "%ld", keys);

    printf("-- scale: %ld streams (half with a group) + %ld strings + 20 busy streams "
           "(1,000 entries/s) + ~100 streams made and deleted at 5/s\n", streams, keys);
    long long t = mono_ms();
    const char *load[] = { sim_path, "--redis", redis_server_url(&srv), "--load", "--streams",
                           nstreams, "--keys", nkeys, NULL };
    char *out = NULL, *err = NULL;
    int rc = harness_run(load, &out, &err, 600000);
    if (rc != 0) {
        fprintf(stderr, "scale_bench: loading failed (%d): %s\n", rc, err ? err : "");
        return 1;
    }
    free(out);
    free(err);
    redisReply *r = harness_cmd(c, "DBSIZE");
    printf("  loaded %lld keys in %.1f s\n", r->integer, (mono_ms() - t) / 1000.0);
    freeReplyObject(r);

    const char *churn[] = { sim_path, "--redis", redis_server_url(&srv), "--churn", NULL };
    int sim_fd;
    pid_t sim = harness_spawn(churn, &sim_fd);
    if (sim < 0)
        return 1;
    sleep_ms(2000);
    double b0 = redis_cpu_s(c);
    long long bt = mono_ms();
    sleep_ms(15000);
    double base_rate = (redis_cpu_s(c) - b0) / ((mono_ms() - bt) / 1000.0);
    printf("  Redis with the traffic alone: %.1f%% of a core\n", 100 * base_rate);
    freeReplyObject(harness_cmd(c, "SLOWLOG RESET"));
    freeReplyObject(harness_cmd(c, "CONFIG RESETSTAT"));

    struct dash_figures d;
    if (dashboard_phase(&srv, c, sim, sim_fd, base_rate, &d) < 0)
        return 1;
    printf("  dashboard (80x24, defaults), from 20 s to 80 s after start:\n");
    printf("    Redis spends %.2f%% of a core on queuetop (above the traffic alone)\n",
           100 * d.redis_share);
    printf("    queuetop uses %.2f%% of a core (%.1f%% in its first 20 s); RSS %ld KiB, peak "
           "%ld KiB (%.0f bytes per stream)\n", 100 * d.qt_share, 100 * d.qt_share_first20,
           d.rss_kib, d.hwm_kib, d.rss_kib * 1024.0 / (double)streams);
    if (d.probe_to_screen_ms >= 0)
        printf("    a quiet stream given a backlog of 12,000 at 40 s is on screen %.1f s later%s\n",
               d.probe_to_screen_ms / 1000.0, d.seen_before ? " (its name was on screen before)" : "");
    else
        printf("    a quiet stream given a backlog of 12,000 at 40 s: NOT on screen within 40 s\n");
    printf("    key press to first byte drawn: median %ld ms, max %ld ms (10 view switches); "
           "q leaves in %ld ms\n", d.key_median_ms, d.key_max_ms, d.quit_ms);
    slowlog_report(c, "dashboard");
    commandstats_report(c);

    struct json_figures j;
    if (json_phase(&srv, streams, &j) < 0)
        return 1;
    if (j.listed_ms >= 0)
        printf("  --json: every stream listed %.1f s after start (first line at %.1f s)\n",
               j.listed_ms / 1000.0, j.first_line_ms / 1000.0);
    else
        printf("  --json: NOT every stream listed within 90 s\n");
    printf("    advertised: full cycle %lld ms, share %.2f%%, %ld streams read so far\n",
           j.cycle_ms, j.share >= 0 ? 100 * j.share : -1.0, j.streams_read);
    slowlog_report(c, "--json (tens of MB a line: the machine is busiest here)");

    long long wall;
    long maxrss, listed;
    int status;
    if (once_phase(&srv, &wall, &maxrss, &listed, &status) < 0)
        return 1;
    printf("  --once --json --rate-interval 0: %.2f s, peak RSS %ld KiB, %ld streams listed, "
           "exit %d\n", wall / 1000.0, maxrss, listed, status);
    slowlog_report(c, "--once");

    harness_reap(sim);
    close(sim_fd);
    redisFree(c);
    redis_server_stop(&srv);
    return 0;
}
