/* streams_internal.h -- the parts of the streams collector, shared by its files and by nothing
 * else: redis_streams.c (the collector, its set of known streams, discovery, a tick),
 * streams_parse.c (reply helpers, XINFO and XPENDING replies into the records),
 * streams_read.c (what a read costs, the pipelined batches) and streams_plan.c (the XLEN
 * probes, and which streams a tick reads). The design is at the top of redis_streams.c. */
#ifndef QT_STREAMS_INTERNAL_H
#define QT_STREAMS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "cost.h"
#include "redis_io.h"
#include "redis_streams.h"
#include "reply_arena.h"

struct tracked {
    struct stream_info *info;   /* a shared record: written only through own() */
    uint64_t seen_pass;   /* last SCAN pass that returned this key */
    bool sampled;         /* read at least once */
    bool groups_read;     /* read with its groups (a first read asks XINFO STREAM only) */
    bool changed;         /* read next tick: it moved, or the last read lacked its groups */
    bool moved;           /* a probe or the last read saw it move: read before the others */
    bool probed;          /* probe_len holds a probe's XLEN */
    long long probe_len;  /* of a stream not read yet: its last probe's XLEN (-1 not a length) */
    bool gone;            /* the key vanished or changed type: drop at the next compaction */
    bool denied;          /* this tick's read was refused (NOPERM): not shown */
    bool planned;         /* in this tick's plan already */
    uint64_t tick_read;   /* the last tick that asked for it */
    bool size_known;      /* entry_bytes holds a measure */
    long long entry_bytes;   /* one entry's size, roughly: MEMORY USAGE / XLEN, or the two
                              * entries of its last XINFO STREAM reply */
    unsigned heavy_reads; /* reads with XLEN since its size was last measured */
    bool listed;          /* some group of its record holds a consumer list */
    bool busy;            /* busy(info) as of its last read: the hot list looks at every
                           * stream every tick, and the records are all over the heap */
};

/* A stream with outstanding work (lag or pending entries) is re-read at least this often,
 * budget permitting, even when nothing about it moved. */
#define BUSY_REREAD_MS 5000
/* The cold rotation starts a new cycle at most this often: a stream that did not move (its
 * XLEN probes the same, no work outstanding) is re-read no more often than this. */
#define COLD_CYCLE_MIN_MS 5000
/* Shares of a tick's allowance: the rest goes to the cold rotation. */
#define SHARE_DISCOVERY_FIRST 0.9   /* until the first full SCAN pass: names first */
#define SHARE_DISCOVERY 0.15
#define SHARE_HOT 0.3
#define SHARE_PROBE 0.55
#define SCAN_COUNT_MIN 10
/* A stream too heavy for XINFO STREAM has its size measured again after this many reads: its
 * entries may have become small (a trim, a new producer). */
#define HEAVY_RECHECK_READS 32

struct streams_collector {
    struct streams_config cfg;
    struct hub *hub;
    struct collector_thread thread;

    redisContext *ctx;
    char url[512];
    char version[32];
    char role[16];
    char master[300];             /* redis-sentinel://: the master connected, host:port */
    char previous_master[300];    /* the one before the last change; "" none seen */
    int64_t master_changed_wall_ms;   /* when the Sentinels named another; 0 never */

    char cursor[32];
    uint64_t pass;
    bool scan_complete;
    long long keys_scanned_pass;
    long long keys_scanned_last;
    unsigned passes_on_session;   /* own SCAN passes ended on this connection */
    bool feed_mode;               /* discovery from cfg.feed instead of our own SCAN */
    bool memory_refused;          /* MEMORY USAGE is not allowed (ACL) or not known here */
    bool xlen_refused;            /* XLEN is not allowed: XINFO STREAM for every stream */
    uint64_t feed_enter_id;       /* the feed's pass in progress when feed_mode began */

    struct tracked *items;        /* sorted by key */
    size_t count, cap;
    struct bytes *fresh;          /* keys SCAN found this tick that are not tracked yet */
    size_t fresh_count, fresh_cap;
    size_t rr_next;               /* cold rotation: where the next tick starts */
    size_t probe_next;            /* probe rotation */
    int64_t cycle_start_ms, probe_cycle_start_ms;
    int64_t cycle_ms, probe_cycle_ms;   /* the last complete rotations; 0 none yet */
    double spent_us;              /* estimated Redis time of this tick */
    double tick_allow_us;
    size_t probes;                /* XLEN probes this tick */
    size_t probed_in_cycle;
    uint64_t tick_no;             /* ticks so far */
    int scan_count_now;           /* COUNT of this tick's SCANs */

    struct bytes focus;           /* stream whose consumers are read */
    struct reply_arena arena;     /* replies of the batch being read */
    unsigned round_trips;
    size_t refreshed;
    uint64_t seq;
    int64_t server_ms;
    int64_t last_ok_mono_ms;      /* when a tick last succeeded */
    size_t denied;                /* streams refused this tick (NOPERM on their key) */
    int scan_result;              /* of the SCAN that rode a batch: 1 pass ended, 0 more */

    /* restarts: streams known before, compared after the next full pass */
    char run_id[48];
    struct lost_stream *before;   /* what was known when a new run_id appeared */
    size_t before_count;
    bool lost_pending;            /* waiting for a full pass to compare */
    struct lost_stream *lost;     /* vanished or shrank across the last restart */
    size_t lost_count;
    bool lost_known;
    char denied_error[200];       /* the first such refusal, as a user-facing line */
};

/* A tick's reading order: indexes into items. */
struct plan {
    size_t *idx;
    size_t n, cap;
};

/* Commands written as RESP text into one buffer per round trip (see streams_read.c). */
struct cmdbuf {
    char *p;
    size_t len, cap;
    size_t count;   /* commands in the buffer */
};

/* ---- redis_streams.c ------------------------------------------------------------------------- */

/* t's record, copied first if a snapshot still shares it (copy on write). */
struct stream_info *sc_own(struct tracked *t);
/* t's figures that follow from its groups (totals, the oldest pending), after a read. */
void sc_derive(struct tracked *t);
bool sc_is_focus(const struct streams_collector *c, const struct tracked *t);
/* A refusal (NOPERM) of t's key: t is not shown this tick, and the first reason is kept. */
void sc_deny_stream(struct streams_collector *c, struct tracked *t, const redisReply *r);
/* A lost connection or a refused command as err; -1 (the connection is dropped). */
int sc_fail_io(struct streams_collector *c, const char *what, char *err, size_t errlen);
int sc_fail_reply(struct streams_collector *c, const char *what, const redisReply *r, char *err,
                  size_t errlen);
/* The next SCAN of the pass (count has room for 24 bytes), and its reply taken in: 1 when the
 * pass ended, 0 when more remains, -1 with err. */
void sc_scan_argv(struct streams_collector *c, bool full, const char *argv[8], char *count);
int sc_scan_apply(struct streams_collector *c, const redisReply *r, char *err, size_t errlen);

/* ---- streams_parse.c ------------------------------------------------------------------------- */

/* XINFO STREAM, XINFO GROUPS, XPENDING key group - + 1 and XINFO CONSUMERS replies into the
 * record; groups are kept sorted by name (sc_group_name_cmp). */
void sc_parse_stream(struct stream_info *s, const redisReply *r);
void sc_parse_groups(struct stream_info *s, const redisReply *r);
void sc_parse_oldest(struct group_info *g, const redisReply *r, int64_t server_ms);
void sc_parse_consumers(struct group_info *g, const redisReply *r);
void sc_free_groups(struct stream_info *s);
int sc_group_name_cmp(const void *pa, const void *pb);

/* ---- streams_read.c -------------------------------------------------------------------------- */

void sc_cmdbuf_add(struct cmdbuf *b, int argc, const char *const *argv, const size_t *lens);
void sc_cmdbuf_send(redisContext *ctx, struct cmdbuf *b);
/* Whether t's groups (and a group's consumers) fit in one command's cost (COST_COMMAND_MAX_US). */
bool sc_groups_readable(struct streams_collector *c, const struct tracked *t);
/* Estimated Redis time of one read of t (0 without a budget). */
double sc_read_cost(struct streams_collector *c, const struct tracked *t, bool with_groups);
/* Reads the planned streams in pipelined batches; 0 or -1 with err. */
int sc_read_streams(struct streams_collector *c, bool full, int64_t start, const struct plan *p,
                    bool want_role, bool with_scan, char *err, size_t errlen);

/* ---- streams_plan.c -------------------------------------------------------------------------- */

void sc_plan_add(struct streams_collector *c, struct plan *p, size_t i);
void sc_plan_clear(struct streams_collector *c, struct plan *p);
/* XLEN of the streams in the probe rotation for up to room µs; a length that moved makes the
 * stream hot. 0 or -1 with err. */
int sc_probe_streams(struct streams_collector *c, double room, int64_t now, char *err,
                     size_t errlen);
/* The hot streams into the plan, within room µs (what they cost is returned); then the cold
 * rotation with what is left. */
double sc_plan_hot(struct streams_collector *c, struct plan *p, double room, int64_t now);
void sc_plan_cold(struct streams_collector *c, struct plan *p, double room, int64_t now);

#endif
