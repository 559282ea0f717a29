/* cost.c -- see cost.h. */
#include "cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Executing time per call on Redis 7.0, small keys, measured with INFO commandstats: the
 * stand-in until this server's own figures arrive. */
static const double default_us[COST_CMD_COUNT] = {
    [COST_SCAN_KEY] = 1.4,
    [COST_XINFO_STREAM] = 2.7,
    [COST_XINFO_GROUPS] = 0.7,
    [COST_XINFO_CONSUMERS] = 1.0,
    [COST_XPENDING] = 0.75,
    [COST_XLEN] = 0.5,
    [COST_TYPE] = 0.35,
    [COST_PTTL] = 0.35,
    [COST_SMALL] = 0.5,
};

/* commandstats names; Redis 6 reports every XINFO subcommand as one "xinfo". */
static const struct {
    const char *name;
    enum cost_cmd cmd;
} stat_names[] = {
    { "scan", COST_SCAN_KEY },
    { "xinfo|stream", COST_XINFO_STREAM },
    { "xinfo|groups", COST_XINFO_GROUPS },
    { "xinfo|consumers", COST_XINFO_CONSUMERS },
    { "xinfo", COST_XINFO_STREAM },
    { "xpending", COST_XPENDING },
    { "xlen", COST_XLEN },
    { "type", COST_TYPE },
    { "pttl", COST_PTTL },
    { "zcount", COST_SMALL },
};

/* Fewer calls than this since the last reading say too little to replace the figure. */
#define LEARN_MIN_CALLS 20
#define LEARN_MIN_SCANS 5   /* each one is hundreds of keys */

static double fraction(int who)
{
    return who == COST_WHO_STREAMS ? COST_FRACTION_STREAMS
           : who == COST_WHO_KEYS  ? COST_FRACTION_KEYS
                                   : 0;
}

void cost_budget_init(struct cost_budget *b, double share, int64_t now_ms)
{
    memset(b, 0, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
    b->share = share > 0 ? share : 0.02;
    for (int w = 0; w < COST_WHO_COUNT; w++)
        b->tokens_us[w] = fraction(w) * b->share * 1e6 * COST_START_S;
    b->filled_ms = now_ms;
    b->started_ms = now_ms;
    memcpy(b->per_call_us, default_us, sizeof b->per_call_us);
    b->scan_count_seen = 0;
}

void cost_budget_done(struct cost_budget *b)
{
    pthread_mutex_destroy(&b->mu);
}

static void refill(struct cost_budget *b, int64_t now_ms)
{
    if (now_ms <= b->filled_ms)
        return;
    for (int w = 0; w < COST_WHO_COUNT; w++) {
        double rate = fraction(w) * b->share;
        double cap = rate * 1e6 * COST_BUCKET_S;
        double t = b->tokens_us[w] + rate * 1000.0 * (double)(now_ms - b->filled_ms);
        /* the start allowance may exceed the cap; it is never topped up beyond it */
        if (t > cap)
            t = b->tokens_us[w] > cap ? b->tokens_us[w] : cap;
        b->tokens_us[w] = t;
    }
    b->filled_ms = now_ms;
}

double cost_budget_allow(struct cost_budget *b, enum cost_who who, int64_t now_ms, double cap_us)
{
    if (who >= COST_WHO_COUNT)
        return 0;
    pthread_mutex_lock(&b->mu);
    refill(b, now_ms);
    double v = b->tokens_us[who] < cap_us ? b->tokens_us[who] : cap_us;
    pthread_mutex_unlock(&b->mu);
    return v > 0 ? v : 0;
}

void cost_budget_charge(struct cost_budget *b, enum cost_who who, double us, int64_t now_ms)
{
    if (!(us > 0) || who >= COST_WHO_COUNT)
        return;
    pthread_mutex_lock(&b->mu);
    refill(b, now_ms);
    b->tokens_us[who] -= us;
    /* a debt is bounded: one bucket's worth, so a burst cannot silence a collector for long */
    double floor = -fraction(who) * b->share * 1e6 * COST_BUCKET_S;
    if (b->tokens_us[who] < floor)
        b->tokens_us[who] = floor;
    int64_t sec = now_ms / 1000;
    size_t i = (size_t)(sec % COST_WINDOW_S);
    if (b->slot_sec[i] != sec) {
        b->slot_sec[i] = sec;
        memset(b->slot_us[i], 0, sizeof b->slot_us[i]);
    }
    b->slot_us[i][who] += us;
    pthread_mutex_unlock(&b->mu);
}

double cost_of(struct cost_budget *b, enum cost_cmd cmd)
{
    if (cmd >= COST_CMD_COUNT)
        return COST_DISPATCH_US;
    if (!b)   /* no budget (--once): the table's figure */
        return default_us[cmd] + (cmd == COST_SCAN_KEY ? 0 : COST_DISPATCH_US);
    pthread_mutex_lock(&b->mu);
    double v = b->per_call_us[cmd];
    pthread_mutex_unlock(&b->mu);
    return v + (cmd == COST_SCAN_KEY ? 0 : COST_DISPATCH_US);
}

double cost_xinfo_groups(struct cost_budget *b, long long groups)
{
    double per_call = cost_of(b, COST_XINFO_GROUPS);
    double by_groups = COST_DISPATCH_US + COST_GROUP_US * (double)(groups > 0 ? groups : 0);
    return by_groups > per_call ? by_groups : per_call;
}

int cost_scan_count(struct cost_budget *b, int min, int max)
{
    double per_key = cost_of(b, COST_SCAN_KEY);
    if (!(per_key > 0.01))
        per_key = 0.01;
    double n = COST_SCAN_TARGET_US / per_key;
    if (n > max)
        n = max;
    if (n < min)
        n = min;
    return (int)n;
}

void cost_note_scan_count(struct cost_budget *b, int count)
{
    pthread_mutex_lock(&b->mu);
    b->scan_count_seen = count;
    pthread_mutex_unlock(&b->mu);
}

/* Reads "calls=N,usec=N" after "cmdstat_NAME:". */
static bool stat_line(const char *p, const char *end, long long *calls, long long *usec)
{
    const char *c = NULL, *u = NULL;
    for (const char *q = p; q + 6 < end; q++) {
        if (!c && strncmp(q, "calls=", 6) == 0)
            c = q + 6;
        else if (!u && strncmp(q, "usec=", 5) == 0 && (q == p || q[-1] == ','))
            u = q + 5;
    }
    if (!c || !u)
        return false;
    char *e1, *e2;
    *calls = strtoll(c, &e1, 10);
    *usec = strtoll(u, &e2, 10);
    return e1 != c && e2 != u && *calls >= 0 && *usec >= 0;
}

void cost_budget_learn(struct cost_budget *b, const char *text, size_t len)
{
    long long calls[COST_CMD_COUNT] = { 0 }, usec[COST_CMD_COUNT] = { 0 };
    bool seen[COST_CMD_COUNT] = { false };
    const char *p = text, *end = text + len;
    size_t lines = 0;
    while (p < end && lines++ < 4096) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le - p > 8 && strncmp(p, "cmdstat_", 8) == 0) {
            const char *name = p + 8;
            const char *colon = memchr(name, ':', (size_t)(le - name));
            if (colon) {
                size_t nlen = (size_t)(colon - name);
                for (size_t i = 0; i < sizeof stat_names / sizeof stat_names[0]; i++) {
                    enum cost_cmd cmd = stat_names[i].cmd;
                    if (strlen(stat_names[i].name) != nlen ||
                        strncasecmp(stat_names[i].name, name, nlen) != 0 || seen[cmd])
                        continue;
                    long long cl, us;
                    if (stat_line(colon + 1, le, &cl, &us)) {
                        seen[cmd] = true;
                        calls[cmd] = cl;
                        usec[cmd] = us;
                        if (i == 4) {   /* Redis 6's one "xinfo" */
                            for (int k = COST_XINFO_GROUPS; k <= COST_XINFO_CONSUMERS; k++)
                                if (!seen[k]) {
                                    seen[k] = true;
                                    calls[k] = cl;
                                    usec[k] = us;
                                }
                        }
                    }
                    break;
                }
            }
        }
        p = nl ? nl + 1 : end;
    }
    pthread_mutex_lock(&b->mu);
    for (int k = 0; k < COST_CMD_COUNT; k++) {
        if (!seen[k])
            continue;
        if (b->have_prev && calls[k] >= b->prev_calls[k] && usec[k] >= b->prev_usec[k]) {
            long long dc = calls[k] - b->prev_calls[k], du = usec[k] - b->prev_usec[k];
            if (dc < (k == COST_SCAN_KEY ? LEARN_MIN_SCANS : LEARN_MIN_CALLS))
                continue;   /* too few yet: the calls add up over the next readings (a walk
                             * at rest sends a SCAN a second, and learning only from the
                             * busy first seconds kept a figure 2.6x too low) */
            double v = (double)du / (double)dc;
            if (k == COST_SCAN_KEY)
                v = b->scan_count_seen > 0 ? v / b->scan_count_seen : b->per_call_us[k];
            if (isfinite(v) && v >= 0 && v < 1e6) {
                b->per_call_us[k] = v;
                b->learned[k] = true;
            }
        }
        b->prev_calls[k] = calls[k];
        b->prev_usec[k] = usec[k];
    }
    b->have_prev = true;
    pthread_mutex_unlock(&b->mu);
}

void cost_budget_report(struct cost_budget *b, int64_t now_ms, struct cost_report *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&b->mu);
    out->budget_share = b->share;
    int64_t sec = now_ms / 1000;
    double total = 0;
    for (size_t i = 0; i < COST_WINDOW_S; i++) {
        /* the current second is still filling: the window is the COST_WINDOW_S before it */
        if (b->slot_sec[i] >= sec || b->slot_sec[i] < sec - COST_WINDOW_S)
            continue;
        for (int w = 0; w < COST_WHO_COUNT; w++) {
            out->share_by[w] += b->slot_us[i][w];
            total += b->slot_us[i][w];
        }
    }
    int64_t span = sec - b->started_ms / 1000;
    if (span > COST_WINDOW_S)
        span = COST_WINDOW_S;
    out->window_s = (int)span;
    if (span > 0) {
        out->share = total / (1e6 * (double)span);
        for (int w = 0; w < COST_WHO_COUNT; w++)
            out->share_by[w] /= 1e6 * (double)span;
    } else {
        out->share = -1;
    }
    out->learned = b->learned[COST_XINFO_STREAM] || b->learned[COST_SCAN_KEY];
    pthread_mutex_unlock(&b->mu);
}

int cost_parse_share(const char *s, double *share)
{
    if (!s || !*s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    if (*end == '%')
        end++;
    if (*end || !isfinite(v) || v < 0.1 || v > 50)
        return -1;
    *share = v / 100.0;
    return 0;
}
