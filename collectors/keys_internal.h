/* keys_internal.h -- the parts of the keys collector, shared by its files and by nothing
 * else: redis_keys.c (the collector, its walk and a pass's end), keys_defs.c (the catalogue
 * of candidate keys, the queue definitions, the prefixes), keys_layouts.c (which queue
 * libraries' layouts a pass found) and keys_read.c (every tick: the queues and the locks). */
#ifndef QT_KEYS_INTERNAL_H
#define QT_KEYS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "collector.h"
#include "redis_io.h"
#include "redis_keys.h"

#define SCAN_COUNT 1000
#define CATALOGUE_MAX 50000       /* candidate keys kept per pass */
#define PREFIXES_MAX 256          /* distinct prefixes tracked; the rest fold into "(other)" */
#define QUEUES_MAX 2000
#define LOCKS_MAX 1000
#define REGISTRY_MAX 10000        /* members read from a registry set (SCARD checked first) */
#define OWNER_MAX 64
#define KEYS_TICK_BUDGET_MS 250
/* A queue is read whole at least this often; in between, each tick reads only its probes (its
 * first depth and first in-flight measure), and a probe that moved, or a delayed job that fell
 * due, has it read whole the next tick (the streams' cold rotation, COLD_CYCLE_MIN_MS). */
#define QUEUE_REREAD_MS 5000
#define QUEUE_PROBES 2
/* A new walk pass starts at most this long after the previous one started, unless DBSIZE moved
 * since it did: a small quiet keyspace was walked again every tick or two, spending the whole
 * budget on finding the same keys (at 300 BullMQ queues, 9,300 keys, the walk was most of our
 * cost). A keyspace whose pass takes longer, or whose keys come and go, is walked without a
 * rest. */
#define WALK_CYCLE_MIN_MS 10000
#define TTL_NOT_READ (-3LL)       /* a lock's PTTL before it was read, or when it was refused:
                                   * never confused with -1, "no expiry" */

/* ---- the catalogue: keys a pass found that may belong to a queue ------------------------- */

enum { T_LIST = 'l', T_ZSET = 'z', T_SET = 's', T_HASH = 'h', T_STRING = 't', T_STREAM = 'x',
       T_OTHER = '?' };

struct cat_key {
    struct bytes key;
    char type;
    bool has_ttl;
    bool claimed;            /* a layout took it: not a generic queue */
};

struct catalogue {
    struct cat_key *v;
    size_t n, cap;
    bool truncated;          /* lists or zsets beyond CATALOGUE_MAX were not kept */
};

/* ---- queue definitions: what to read for each queue -------------------------------------- */

/* In the order of QUEUE_KEEPS_* (collectors/snapshot.h): bit 1 << metric. */
enum metric { M_DEPTH, M_IN_FLIGHT, M_DELAYED, M_DUE, M_FAILED, M_PROCESSED, M_FAILED_TOTAL,
              M_COUNT };
_Static_assert(QUEUE_KEEPS_FAILED_TOTAL == 1 << M_FAILED_TOTAL && QUEUE_KEEPS_DUE == 1 << M_DUE,
               "QUEUE_KEEPS_* follow enum metric");
enum cmd { C_LLEN, C_ZCARD, C_ZCOUNT_DUE, C_ZCOUNT_FUTURE, C_HLEN, C_GET, C_HGET_COUNT };
enum unit { U_S, U_MS, U_BULL };   /* score units: seconds, ms, BullMQ's ms*4096 */

struct measure {
    enum metric metric;
    enum cmd cmd;
    enum unit unit;
    struct bytes key;
};

/* How to learn the age of a queue's oldest job with one or two O(1)/O(log n) reads. */
enum probe_kind {
    P_ZSET_MIN,    /* ZRANGE key 0 0 WITHSCORES: the lowest score, a due time */
    P_LIST_JSON,   /* LINDEX key end: a JSON payload with a time field (Sidekiq enqueued_at) */
    P_LIST_HASH,   /* LINDEX key end: a job id; then HGET <hash_fmt with the id> field */
};
enum time_unit { TU_S, TU_MS, TU_NS, TU_BULL };

struct age_probe {
    enum probe_kind kind;
    enum time_unit unit;   /* of the score or field; TU_S also accepts ms (Sidekiq 8) */
    struct bytes key;
    int end;               /* LINDEX index: -1 the pop end of LPUSH/RPOP lists, 0 of RPUSH/LPOP */
    bool waiting_part;     /* it reads where waiting jobs are: empty means none has waited */
    char hash_prefix[160]; /* P_LIST_HASH: the job hash is hash_prefix + id */
    char field[32];
};

struct qdef {
    struct bytes name;
    struct age_probe *probes;
    size_t pn;
    bool failed_apart;    /* processed_total leaves failed jobs out (BullMQ's metrics) */
    char layout[32], kind[16];
    struct measure *m;
    size_t mn, mcap;
    /* the previous reading, for rates */
    bool have_prev;
    int64_t prev_ms;      /* our monotonic clock when it arrived */
    long long prev_total, prev_processed, prev_failed;
    bool whole;           /* this tick reads every measure and age probe */
    /* hot and cold (QUEUE_REREAD_MS): carried over to the next pass's definition of the same
     * queue when it reads the same keys */
    struct {
        bool hot;             /* a probe moved: read whole next tick */
        int64_t read_mono_ms;      /* its last whole reading; 0 none since the pass found it */
        int64_t read_server_ms;    /* Redis TIME of that reading; 0 unknown */
        size_t probe_m[QUEUE_PROBES];   /* measures read every tick */
        size_t probe_n;
        long long probe_v[QUEUE_PROBES];   /* what they said last */
        double next_due_ms;   /* the earliest delayed job still ahead then; NAN none */
        long long age_read;   /* oldest_age_ms at that reading */
    } rot;
};

struct qdefs {
    struct qdef *v;
    size_t n, cap;
};

/* ---- prefixes ------------------------------------------------------------------------------ */

struct prefix_acc {
    struct bytes prefix;
    long long keys, no_ttl, sampled, sampled_bytes;
};

struct prefixes {
    struct prefix_acc *v;
    size_t n, cap;
};

/* ---- the collector ----------------------------------------------------------------------- */

struct lock_state {
    struct bytes key;
    long long ttl_ms;
    struct bytes owner;
};

struct keys_collector {
    struct keys_config cfg;
    struct hub *hub;
    struct collector_thread thread;
    double spent_us;         /* estimated Redis time of this tick (collectors/cost.h) */
    int scan_count;          /* COUNT of this tick's SCANs */
    redisContext *ctx;
    char url[512];
    uint64_t seq;
    int64_t last_ok_mono_ms;
    unsigned round_trips;

    /* the pass under way */
    char cursor[32];
    bool pass_started;
    int64_t pass_start_ms;   /* our clock when the current or last pass began; 0 none */
    long long pass_start_dbsize;   /* DBSIZE then */
    long long pass_keys;
    struct catalogue cat;
    struct prefixes pass_prefixes;
    struct bytes *lock_keys;
    size_t lock_key_n, lock_key_cap;

    /* from the last complete pass */
    long long passes;
    struct prefixes prefixes;
    struct qdefs queues;
    struct lock_state *locks;
    size_t lock_n;

    /* this tick */
    long long dbsize;
    /* One clock rule: "due now" and ages are on the server's clock (TIME, validated), never
     * ours (a skew would move jobs in or out of "due"); rates are over our monotonic clock. */
    int64_t server_ms;             /* TIME; when time_ok is false only a bound for commands */
    bool time_ok;
    char time_error[128];
    int64_t read_mono_ms;          /* when this tick's queue readings arrived */
    long long memory_denied;
    struct queue_info *readings;   /* parallel to queues.v */
};

/* ---- keys_defs.c ---------------------------------------------------------------------------- */

/* The catalogue: a key added (lists and zsets only up to CATALOGUE_MAX), sorted and made
 * unique once the pass ended, found by name. */
void catalogue_free(struct catalogue *c);
void catalogue_add(struct catalogue *c, const char *key, size_t len, char type, bool ttl);
void catalogue_sort(struct catalogue *c);
struct cat_key *cat_find(struct catalogue *c, const char *key);
bool key_ends_with(const struct bytes *b, const char *suffix);
bool key_starts_with(const struct bytes *b, const char *prefix);

/* Queue definitions: a queue of layout + name (the one already there, or NULL when full or
 * the name holds a NUL), what to read for it (a key, or one named by fmt with a's alen bytes
 * for %.*s), and how to learn the age of its oldest job. */
struct qdef *qdef_new(struct qdefs *d, const char *layout, const char *kind, const char *name,
                      size_t len);
void qdefs_free(struct qdefs *d);
void measure_add(struct qdef *q, enum metric metric, enum cmd cmd, enum unit unit,
                 const char *key, size_t len);
void measure_addf(struct qdef *q, enum metric metric, enum cmd cmd, enum unit unit,
                  const char *fmt, const char *a, size_t alen);
void probe_add(struct qdef *q, enum probe_kind kind, enum time_unit unit, const char *key,
               size_t len, int end, const char *hash_prefix, const char *field);
void probe_addf(struct qdef *q, enum probe_kind kind, enum time_unit unit, const char *fmt,
                const char *a, size_t alen, int end, const char *hash_prefix, const char *field);

/* Prefixes: the accumulator of the key's first segment with its colon ("orders:"; "(no
 * colon)", and "(other)" past PREFIXES_MAX). */
void prefixes_free(struct prefixes *p);
struct prefix_acc *prefix_of(struct prefixes *p, const char *key, size_t len);

/* Replies: a lost connection as err (resp_lost, -1; the connection stays for the tick's end
 * to drop); n replies read into rep[] (all or none, -1 with err); the n replies freed. */
int keys_fail_io(struct keys_collector *c, const char *what, char *err, size_t errlen);
int keys_get_replies(struct keys_collector *c, redisReply **rep, size_t n, const char *what,
                     char *err, size_t errlen);
void keys_free_replies(redisReply **rep, size_t n);

/* ---- keys_layouts.c ------------------------------------------------------------------------- */

/* Every layout the pass's catalogue shows (c->cat, sorted), into found: a --layouts file first,
 * then each library's, then plain lists and delay zsets that none claimed. */
void keys_detect(struct keys_collector *c, struct qdefs *found);

/* ---- keys_read.c ---------------------------------------------------------------------------- */

/* Reads the queues (every measure of those due a whole reading, only the probes of the others;
 * all: every one whole) and the locks; 0, or -1 with err. */
int keys_read_queues(struct keys_collector *c, bool all, char *err, size_t errlen);
/* The age probes of the queues read whole this tick (the others' ages follow from their last
 * reading); 0, or -1 with err. */
int keys_read_ages(struct keys_collector *c, char *err, size_t errlen);

#endif
