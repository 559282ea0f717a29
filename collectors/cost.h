/* cost.h -- what queuetop's commands cost one Redis server, and the budget they stay within.
 *
 * The estimate. Redis' INFO commandstats says how long each command spent executing (`usec`),
 * summed over every client. The server collector reads it each tick and hands it here; the
 * change since the previous reading, divided by the change in calls, is the recent time per
 * call of that command on this server, with its real keys. To that we add a fixed
 * COST_DISPATCH_US per command: reading, parsing and answering a pipelined command costs Redis
 * about that much outside the command itself (make bench compares the estimate with INFO cpu).
 * Until commandstats answers (or when INFO is refused), a table measured on Redis 7.0 with small
 * keys stands in. SCAN's cost is per key asked for (COUNT), since it grows with it.
 *
 * The budget. A token bucket per server, shared by every collector that talks to it: it fills
 * at `share` of one core (0.02: 20 ms of Redis time per second) up to COST_BUCKET_S seconds'
 * worth, and starts with COST_START_S seconds' worth so that discovery and a first reading of a
 * big keyspace finish fast. A collector asks how much it may spend (cost_budget_allow), sends
 * commands worth at most that, and charges what it sent (cost_budget_charge). In steady state
 * the share is never exceeded; the first minute may reach share + COST_START_S / 60.
 *
 * Thread-safe: one mutex. */
#ifndef QT_COST_H
#define QT_COST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cost_cmd {
    COST_SCAN_KEY = 0,    /* per key of SCAN's COUNT */
    COST_XINFO_STREAM,
    COST_XINFO_GROUPS,    /* per call; per group beyond see cost_xinfo_groups() */
    COST_XINFO_CONSUMERS,
    COST_XPENDING,
    COST_XLEN,
    COST_TYPE,
    COST_PTTL,
    COST_SMALL,           /* LLEN, ZCARD, ZCOUNT, HLEN, GET, TIME, ...: O(1) or O(log n) */
    COST_CMD_COUNT
};

#define COST_DISPATCH_US 1.0     /* per command, outside the command's own time */
#define COST_BUCKET_S 10         /* the most that can be saved up, in seconds of budget */
#define COST_START_S 30          /* what a new bucket holds */
#define COST_GROUP_US 0.65       /* XINFO GROUPS per group (10,000 groups: 6.3 ms measured) */
#define COST_WINDOW_S 60         /* the report's window */
#define COST_COMMAND_MAX_US 1000 /* no command of ours may cost more (the slowlog's 1 ms) */
/* What one SCAN aims at: its time per key varies with the machine's load (at 100,000 streams
 * on a busy 2-core machine, COUNT 357 took 480 us on average and up to 3.1 ms), so a quarter
 * of the limit, not half: more round trips per pass, the same work. */
#define COST_SCAN_TARGET_US 250

enum cost_who { COST_WHO_STREAMS = 0, COST_WHO_SERVER, COST_WHO_KEYS, COST_WHO_COUNT };

/* How the budget is split: each collector has its own bucket at this fraction of the share.
 * The server collector's tick is small and fixed (SERVER_TICK_COST_US): charged, never held. */
#define COST_FRACTION_STREAMS 0.65
#define COST_FRACTION_KEYS 0.35

struct cost_budget {
    pthread_mutex_t mu;
    double share;                          /* of one core, 0.02 */
    double tokens_us[COST_WHO_COUNT];
    int64_t filled_ms;                     /* monotonic ms of the last refill */
    double per_call_us[COST_CMD_COUNT];    /* executing time per call, without dispatch */
    bool learned[COST_CMD_COUNT];          /* from commandstats rather than the table */
    long long prev_calls[COST_CMD_COUNT], prev_usec[COST_CMD_COUNT];
    bool have_prev;
    double scan_count_seen;                /* COUNT of our SCANs, to turn per call into per key */
    /* spent per second over the last COST_WINDOW_S seconds, per collector */
    int64_t slot_sec[COST_WINDOW_S];
    double slot_us[COST_WINDOW_S][COST_WHO_COUNT];
    int64_t started_ms;
};

/* What a snapshot carries about cost (filled by cost_budget_report). */
struct cost_report {
    double budget_share;          /* --budget, as a share of one core */
    double share;                 /* queuetop's estimated share over the window; < 0 unknown */
    double share_by[COST_WHO_COUNT];
    int window_s;                 /* seconds the share is averaged over (< 60 just after start) */
    bool learned;                 /* the estimate comes from this server's commandstats */
};

void cost_budget_init(struct cost_budget *b, double share, int64_t now_ms);
void cost_budget_done(struct cost_budget *b);

/* µs of Redis time who may spend now, at most cap_us (its per-tick limit). */
double cost_budget_allow(struct cost_budget *b, enum cost_who who, int64_t now_ms, double cap_us);
/* Charges us spent by who (may leave the bucket below zero: later ticks wait). */
void cost_budget_charge(struct cost_budget *b, enum cost_who who, double us, int64_t now_ms);

/* Estimated µs for one command of the class (dispatch included); b NULL: the table figure. */
double cost_of(struct cost_budget *b, enum cost_cmd cmd);
/* XINFO GROUPS on a stream with this many groups (dispatch included). */
double cost_xinfo_groups(struct cost_budget *b, long long groups);
/* The largest COUNT a SCAN may ask for and stay below COST_SCAN_TARGET_US, within
 * [min, max]; b NULL: by the table figure. */
int cost_scan_count(struct cost_budget *b, int min, int max);
/* Our SCANs' COUNT, so commandstats' time per SCAN call can be turned into time per key. */
void cost_note_scan_count(struct cost_budget *b, int count);

/* Takes the text of INFO commandstats. */
void cost_budget_learn(struct cost_budget *b, const char *text, size_t len);

void cost_budget_report(struct cost_budget *b, int64_t now_ms, struct cost_report *out);

/* "2", "2%", "0.5%": a share of one core from 0.1% to 50%; 0 and the share, or -1. */
int cost_parse_share(const char *s, double *share);

#endif
