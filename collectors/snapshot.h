/* snapshot.h -- the contract between collectors and everything that shows data.
 *
 * A collector builds one struct snapshot completely, then publishes it through the hub; from then
 * on nobody mutates it. Readers take a reference (hub_acquire) and drop it (snapshot_release);
 * the last release frees it.
 *
 * Conventions: counts and times are long long / int64_t; the value QT_UNKNOWN (-1) means "Redis
 * did not tell us" (older server, missing permission, nothing pending) and must be shown as
 * unknown, never as a number. Names from the server are binary-safe: pointer + length, always
 * NUL-terminated as a convenience, and untrusted (sanitize before display). */
#ifndef QT_SNAPSHOT_H
#define QT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "cost.h"
#include "stream_id.h"
#include "workflow.h"

#ifndef QT_UNKNOWN
#define QT_UNKNOWN (-1LL)
#endif

/* Beyond these, XINFO GROUPS / XINFO CONSUMERS of one stream would cost Redis more than the
 * millisecond no command of ours may take (used when no cost budget measures it). */
#define STREAM_GROUPS_READ_MAX 700
#define STREAM_CONSUMERS_READ_MAX 1000
/* XINFO STREAM copies a stream's first and last entries into its reply: Redis spends about
 * 2.6 us per KiB on them (340 us with two 64 KiB entries, measured). It is asked only of
 * streams whose entries are at most this big on average (MEMORY USAGE / XLEN), and whose last
 * reply's two entries stayed within twice this; the others are read with XLEN. */
#define STREAM_ENTRY_LIGHT_BYTES 4096


struct consumer_info {
    struct bytes name;
    long long pending;      /* entries in this consumer's PEL */
    long long idle_ms;      /* ms since the last attempted interaction */
    long long inactive_ms;  /* ms since the last successful interaction; QT_UNKNOWN before 7.2 */
};

struct group_info {
    struct bytes name;
    long long consumers;            /* count reported by XINFO GROUPS */
    long long pending;              /* PEL size */
    char last_delivered_id[STREAM_ID_MAX];
    long long entries_read;         /* QT_UNKNOWN when Redis cannot know it (or < 7.0) */
    long long lag;                  /* entries not yet delivered; QT_UNKNOWN when Redis cannot know */

    /* Oldest pending entry; has_oldest is false when nothing is pending (or XPENDING failed). */
    bool has_oldest;
    char oldest_id[STREAM_ID_MAX];
    long long oldest_age_ms;        /* server TIME minus the ID's ms part, >= 0 */
    long long oldest_idle_ms;       /* ms since it was last delivered */
    long long oldest_deliveries;    /* delivery count */
    struct bytes oldest_consumer;   /* consumer that holds it */

    /* Per-consumer rows: only filled for the stream the UI has opened (the focus). */
    bool has_consumer_list;
    struct consumer_info *consumer_list;
    size_t consumer_count;
};

struct stream_info {
    struct bytes key;
    uint16_t node;                        /* the node it lives on (index into the merged
                                           * snapshot's nodes[]); 0 with one server */
    long long length;                     /* XLEN */
    long long entries_added;              /* all-time XADD count; QT_UNKNOWN before 7.0. Without
                                           * XINFO STREAM: from a group's entries-read + lag */
    bool xinfo_stream;                    /* this sample read XINFO STREAM: first_id and
                                           * last_id are known. Streams whose entries are too
                                           * big for it (STREAM_ENTRY_LIGHT_BYTES) are read
                                           * with XLEN, and their ids are unknown ("") */
    char first_id[STREAM_ID_MAX];         /* "" when the stream is empty, or not known */
    char last_id[STREAM_ID_MAX];          /* last-generated-id */
    long long group_count;                /* XINFO STREAM's, or the size of the last XINFO
                                           * GROUPS; QT_UNKNOWN before the first read */
    bool groups_unread;                   /* group_count > 0 but groups[] was not read: a first
                                           * read, or more groups than one call may cost */
    long long ttl_ms;                     /* PTTL: -1 none (the normal case for a queue) */
    struct group_info *groups;
    size_t group_len;                     /* groups[] length (== group_count unless it changed) */
    int64_t sampled_server_ms;            /* Redis TIME when this stream was read; 0 never */
    int64_t sampled_mono_ms;              /* our monotonic clock when it was read; 0: found by
                                           * SCAN, not read yet (every figure unknown) */

    /* Derived at build time from groups[] so views and sorting need no loops. */
    long long max_lag;                    /* QT_UNKNOWN if any group's lag is unknown and none known */
    bool lag_partly_unknown;              /* some group's lag is unknown */
    long long pending_total;
    long long oldest_pending_age_ms;      /* max over groups; QT_UNKNOWN when nothing is pending */
    long long consumers_total;
    long long max_deliveries;             /* max oldest_deliveries over groups; 0 when none */
};

enum conn_state {
    CONN_CONNECTING = 0,   /* first attempt under way */
    CONN_UP,               /* the last sample succeeded */
    CONN_DOWN,             /* the last attempt failed; retrying with backoff */
};

struct lost_stream {
    struct bytes key;
    long long length_before;
    long long length_after;        /* 0 when the stream is gone */
};

/* What watching costs the server, and how fresh the figures are (the streams collector's view;
 * the budget's share covers every collector on this server). */
struct redis_cost {
    bool budgeted;                 /* a budget applies (the dashboard, --json stream) */
    struct cost_report report;     /* estimated share over the last minute, and the budget */
    double tick_us;                /* estimated Redis time of this tick's stream reading */
    int scan_count;                /* COUNT of this tick's SCANs */
    size_t probes;                 /* XLEN probes this tick */
    int64_t cycle_ms;              /* the last complete rotation over every stream; 0 none yet */
    int64_t probe_cycle_ms;        /* the last complete round of probes; 0 none yet */
    size_t streams_read;           /* streams read at least once */
    size_t streams_in_cycle;       /* streams read within the last cycle_ms (all read ones
                                    * before the first cycle ends) */
    int64_t oldest_read_ms;        /* age of the stalest figures; 0 when none */
    bool shared_walk;              /* streams found by the keys collector's walk, not ours */
};

/* ---- several servers, or a Redis Cluster's primaries (collectors/nodes.c) -------------- */

#define REDIS_NODES_MAX 64
#define NODE_REPLICAS_MAX 8

struct node_replica {
    char addr[300];                /* host:port, as the cluster announces it */
    char health[16];               /* CLUSTER SHARDS: online, failed, loading; "" unknown */
    long long offset;              /* its replication offset; QT_UNKNOWN */
    long long lag_bytes;           /* the primary's offset minus its own; QT_UNKNOWN */
};

/* One node of a merged snapshot: a server given with -r, or a primary of a cluster. */
struct node_status {
    char name[300];                /* NAME of NAME=URL, else host:port */
    char url[512];                 /* without the password */
    enum conn_state state;         /* of its streams collector */
    char error[256];
    int64_t retry_in_ms;
    int64_t sampled_mono_ms;       /* its newest streams sample; 0 none */
    int64_t last_ok_mono_ms;
    char role[16];
    size_t stream_count;
    uint64_t sample_seq;
    /* a cluster's primary: from CLUSTER SHARDS (or CLUSTER SLOTS) */
    bool cluster;
    char slots[64];                /* "0-5460", "0-100,200-300", cut with "..." */
    long long slot_count;
    char health[16];               /* "" unknown */
    long long offset;              /* replication offset; QT_UNKNOWN */
    struct node_replica replicas[NODE_REPLICAS_MAX];
    size_t replica_count;
    bool left;                     /* the cluster no longer has it as a primary */
    int64_t topology_mono_ms;      /* when the cluster map was last read; 0 never */
};

struct redis_snapshot {
    char url[512];                 /* the target with the password removed */
    bool tls;                      /* rediss:// */
    bool tls_unverified;           /* --insecure: the server's certificate is not checked */
    enum conn_state state;
    char error[256];               /* why the last attempt failed; "" when up */
    int64_t retry_in_ms;           /* when down: delay before the next attempt */
    char version[32];              /* redis_version, "" until known */
    char role[16];                 /* "master", "slave", "" until known */
    char master[300];              /* redis-sentinel://: the master last connected (host:port),
                                    * as a Sentinel named it; "" otherwise */
    char previous_master[300];     /* the master before the last failover seen; "" none */
    int64_t master_changed_wall_ms;   /* when that failover was seen, epoch ms; 0 never */
    int64_t server_time_ms;        /* Redis TIME at the start of the sample; 0 when unknown */
    int64_t sampled_mono_ms;       /* monotonic ms when this snapshot was completed */
    int64_t last_ok_mono_ms;       /* monotonic ms of the last successful sample; 0 never */
    uint64_t sample_seq;           /* 1, 2, ... per published snapshot of this collector */

    const struct stream_info **streams;   /* sorted by key (bytes), so lookups can bsearch;
                                           * each one a shared record (stream_info_new) the
                                           * snapshot holds a reference to */
    size_t stream_count;
    bool keys_sorted;              /* the collector built streams[] in key order (readers that
                                    * depend on it check it otherwise) */
    bool scan_complete;            /* a full SCAN pass has finished at least once */
    long long keys_scanned;        /* keys SCAN returned in the current/last pass */
    size_t streams_refreshed;      /* streams read in this tick (the rest carry older data) */
    unsigned round_trips;          /* network round trips this tick */
    int64_t sample_duration_ms;    /* wall time of this tick's work */
    long long streams_denied;      /* streams this tick could not read (NOPERM on the key) */
    struct lost_stream *lost;      /* streams that vanished or shrank across the last restart */
    size_t lost_count;
    bool lost_known;               /* the first full pass after a restart has finished */
    char denied_error[200];        /* the first such refusal, "" when none */
    struct redis_cost cost;
    /* several nodes (nodes_merge_redis): one entry each, streams[i]->node indexes it; NULL
     * and 0 with one server */
    struct node_status *nodes;
    size_t node_count;
};

/* ---- server health (collectors/redis_server.c) ------------------------------------------ */

#define SLOWLOG_KEEP 16
#define LATENCY_EVENTS_MAX 16
#define REPLICAS_MAX 8

struct slowlog_entry {
    long long id;              /* grows by one per logged command until a restart */
    int64_t time_s;            /* unix time the command ran */
    long long duration_us;
    struct bytes command;      /* arguments joined by spaces, cut to 200 bytes; untrusted */
    struct bytes client;       /* "addr name"; untrusted */
};

struct latency_event {
    char name[48];
    int64_t time_s;            /* last spike */
    long long latest_ms, max_ms;
};

struct replica_info {
    char addr[64];             /* ip:port */
    char state[16];
    long long offset;
    long long lag_bytes;       /* master_repl_offset - offset */
};

/* Why a figure is missing: "" when it is there. */
struct unavailable {
    char config[160];          /* CONFIG GET refused or renamed (managed services, ACL) */
    char slowlog[160];
    char latency[160];
};

struct server_snapshot {
    uint16_t node;                 /* as stream_info.node */
    char url[512];
    enum conn_state state;
    char error[256];
    int64_t retry_in_ms;
    int64_t sampled_mono_ms;
    int64_t last_ok_mono_ms;
    int64_t server_time_ms;
    uint64_t sample_seq;

    char version[32], role[16], run_id[48];
    long long uptime_s;

    /* memory, bytes */
    long long used_memory, used_memory_peak, used_memory_rss, maxmemory;   /* maxmemory 0: none */
    double mem_fragmentation_ratio;
    char maxmemory_policy[32];

    /* counters (rates come from history) */
    long long evicted_keys, expired_keys, rejected_connections;
    long long net_input_bytes, net_output_bytes, keyspace_hits, keyspace_misses;
    long long total_commands;
    long long ops_per_sec;            /* Redis' own instantaneous figure */
    long long connected_clients, blocked_clients;

    /* persistence */
    bool aof_enabled, aof_rewrite_in_progress, rdb_bgsave_in_progress;
    char aof_last_write_status[16];   /* "ok", "err" */
    char aof_fsync[16];               /* CONFIG appendfsync; "" when unavailable */
    char rdb_last_bgsave_status[16];
    long long rdb_last_save_time;     /* unix s */
    long long rdb_changes_since_last_save;
    char save_config[64];             /* CONFIG save ("" = RDB snapshots off); see config_known */
    bool config_known;                /* CONFIG GET answered */
    long long loading;                /* 1 while loading the dataset at start */
    bool cluster_enabled;             /* a Redis Cluster node (INFO cluster_enabled:1) */

    /* replication */
    long long connected_replicas;
    char master_link_status[16];      /* replicas only: "up"/"down"; "" on a master */
    long long master_repl_offset;
    struct replica_info replicas[REPLICAS_MAX];
    size_t replica_count;

    /* latency: our own PINGs this tick */
    double ping_min_ms, ping_avg_ms, ping_max_ms;   /* NAN when none answered */
    int pings;
    struct latency_event latency[LATENCY_EVENTS_MAX];
    size_t latency_count;

    /* slowlog */
    struct slowlog_entry slowlog[SLOWLOG_KEEP];     /* newest first */
    size_t slowlog_count;
    long long slowlog_new;            /* entries logged since the previous sample (ours excluded) */
    long long slowlog_new_total;      /* since queuetop started */
    long long slowlog_unseen;         /* logged since the previous sample but beyond the fetch
                                       * window (origin unknown, so not counted as new) */
    long long slowlog_threshold_us;   /* slowlog-log-slower-than; QT_UNKNOWN without CONFIG */

    /* restarts, seen by this collector across reconnects */
    bool restarted;                   /* this sample is the first after a restart */
    long long restarts_seen;
    int64_t last_restart_wall_ms;     /* when it was noticed, epoch ms; 0 never */
    char previous_run_id[48];

    struct unavailable unavailable;
};

/* ---- workflows from PostgreSQL (collectors/pg_workflows.c) ------------------------------- */

#define PG_FOUND_MAX 20
#define PG_OPEN_PENDING 2


struct pg_snapshot {
    char target[256];              /* host:port/db as libpq reports it, "" until connected */
    char source[16];               /* "conductor", "prefect", "mapping"; "" until resolved */
    enum conn_state state;
    char error[256];               /* why the last attempt failed; "" when up */
    int64_t retry_in_ms;
    int64_t sampled_mono_ms;
    int64_t last_ok_mono_ms;
    uint64_t sample_seq;
    int64_t query_ms;              /* wall time of this tick's queries */
    int64_t slow_age_ms;           /* age of the counts and failures (refreshed less often) */
    int64_t slow_every_ms;         /* how often they are read now (pg_slow_every_ms) */
    /* what our statements cost: their wall time over the last cost_window_s seconds (on
     * loopback about the backend's own time; over a network an upper bound of it), as a
     * share of one core; < 0 before the first tick */
    double cost_share;
    int cost_window_s;
    int counts_mode;               /* pg_counts: 0 filling, 1 kept, 2 counted by the server */
    long long counts_remembered, counts_rebuilds, counts_rows_read;

    struct workflow_summary summary;

    /* the execution the UI opened (hub_set_workflow), re-read every tick while open */
    char open_id[QT_WF_ID_MAX];    /* "" when none */
    int open_found;                /* 1 found, 0 no such execution, -1 the read failed,
                                    * PG_OPEN_PENDING not read yet */
    char open_error[256];
    struct workflow_exec open;     /* valid when open_found == 1 */

    /* the last search the UI asked for (hub_set_find) */
    char find_text[QT_WF_ID_MAX];  /* "" when none */
    int find_n;                    /* results, or -1 when the search failed (see find_error) */
    char find_error[256];
    struct exec_brief found[PG_FOUND_MAX];
};

/* ---- queues beyond streams, locks and key hygiene (collectors/redis_keys.c) ---------------- */

/* The figures a queue's layout keeps (queue_info.kept). */
enum {
    QUEUE_KEEPS_DEPTH = 1 << 0,
    QUEUE_KEEPS_IN_FLIGHT = 1 << 1,
    QUEUE_KEEPS_DELAYED = 1 << 2,
    QUEUE_KEEPS_DUE = 1 << 3,
    QUEUE_KEEPS_FAILED = 1 << 4,
    QUEUE_KEEPS_PROCESSED = 1 << 5,     /* and with it enqueue/dequeue rates */
    QUEUE_KEEPS_FAILED_TOTAL = 1 << 6,
    QUEUE_KEEPS_OLDEST = 1 << 7,
};

/* One queue, whatever its shape: a layout's keys read with O(1)/O(log n) commands. Figures the
 * layout does not keep are QT_UNKNOWN (null in JSON), never 0. */
struct queue_info {
    uint16_t node;                 /* as stream_info.node */
    struct bytes name;             /* the queue's name inside its layout ("default", "emails") */
    char layout[32];               /* bullmq, bull, sidekiq, celery, rq, asynq, conductor,
                                    * list, zset, or a --layouts file's name */
    char kind[16];                 /* list, zset, mixed */
    long long depth;               /* waiting to be taken */
    long long in_flight;           /* taken, not finished (active list, unacked, wip, lease) */
    long long delayed;             /* scheduled for later, retries included */
    long long due_now;             /* delayed whose time has come (score <= now): late jobs */
    long long failed;              /* failed / dead / archived, as the layout keeps them */
    long long processed_total;     /* lifetime counters where the layout keeps them */
    long long failed_total;
    long long oldest_age_ms;       /* how long the oldest waiting job has waited: since it was
                                    * enqueued, or since it became due for delayed ones;
                                    * QT_UNKNOWN when the layout does not record it cheaply */
    double enqueue_per_sec;        /* from the counters and depth changes between two ticks;
                                    * NAN when the layout keeps no counter to tell them apart */
    double dequeue_per_sec;
    double depth_change_per_sec;   /* net change of depth + in_flight + delayed; NAN first */
    unsigned kept;                 /* QUEUE_KEEPS_*: what its layout keeps. A figure it does
                                    * not keep is "-" on screen and in --once text; one it
                                    * keeps but that is not known (no second sample for a rate,
                                    * no server clock) is "?"; both are null in JSON */
    int64_t sampled_server_ms;     /* Redis TIME of the reading these figures come from (a
                                    * quiet queue is read whole every few seconds, its probes
                                    * every tick); 0 not read yet. oldest_age_ms is brought
                                    * up to this tick's time */
    struct bytes *keys;            /* the keys read for it */
    size_t key_count;
};

struct lock_info {
    uint16_t node;
    struct bytes key;
    long long ttl_ms;              /* -1: no expiry (critical) */
    struct bytes owner;            /* the value, cut to 64 bytes; untrusted */
};

#define NODE_ALL UINT16_MAX         /* a figure of every node together */

struct prefix_info {
    uint16_t node;                 /* NODE_ALL once merged: summed over the nodes */
    struct bytes prefix;           /* the key's first `:`-separated segment, with the colon */
    long long keys;                /* keys seen with it in the last complete SCAN pass */
    long long no_ttl;              /* of those, how many had no expiry */
    long long sampled;             /* keys measured with MEMORY USAGE */
    long long sampled_bytes;       /* their total */
};

struct keys_snapshot {
    char url[512];
    enum conn_state state;
    char error[256];
    int64_t retry_in_ms;
    int64_t sampled_mono_ms;
    int64_t last_ok_mono_ms;
    int64_t server_time_ms;        /* Redis TIME of this tick; QT_UNKNOWN when it failed */
    char time_error[128];          /* why TIME failed ("" when it worked): due-now counts,
                                    * delayed counts and oldest ages are then unknown */
    uint64_t sample_seq;
    unsigned round_trips;

    long long dbsize;              /* DBSIZE at the last tick */
    long long pass_keys;           /* keys the current SCAN pass has seen so far */
    long long passes;              /* complete SCAN passes; the figures below need one */
    long long memory_denied;       /* MEMORY USAGE refused (ACL, managed service) */

    struct queue_info *queues;     /* sorted by layout, then name */
    size_t queue_count;
    struct lock_info *locks;       /* sorted: no expiry first, then shortest TTL */
    size_t lock_count;
    struct prefix_info *prefixes;  /* most keys first */
    size_t prefix_count;
};

enum snapshot_kind { SNAPSHOT_REDIS = 0, SNAPSHOT_SERVER = 1, SNAPSHOT_PG = 2,
                     SNAPSHOT_KEYS = 3 };

/* A sample of one kind. Only its kind's part exists: snapshot_new allocates that much and no
 * more (a streams sample is 1.3 KB, not the 14 KB of all four), so reading another kind's
 * part reads past the allocation. */
struct snapshot {
    enum snapshot_kind kind;
    int refcount;                  /* touched only under the hub's lock */
    uint16_t node;                 /* the node whose collector made it (hub_publish) */
    union {
        struct redis_snapshot redis;   /* kind == SNAPSHOT_REDIS */
        struct server_snapshot server; /* kind == SNAPSHOT_SERVER */
        struct pg_snapshot pg;         /* kind == SNAPSHOT_PG */
        struct keys_snapshot keys;     /* kind == SNAPSHOT_KEYS */
    };
};

struct snapshot *snapshot_new(enum snapshot_kind kind);
/* Frees what a keys snapshot owns (its arrays), leaving it empty. */
void keys_snapshot_free(struct keys_snapshot *k);
/* Frees the snapshot and all it owns. Use snapshot_release for shared ones. */
void snapshot_free(struct snapshot *snap);


/* Stream records are shared between snapshots: a snapshot holds a reference to the record of
 * each of its streams, and a stream that was not read again between two ticks is the same
 * record in both (copying 100,000 streams into every snapshot was most of our memory, with two
 * or three snapshots alive at a time). A record nobody else holds may be written by its owner
 * (the collector); once a snapshot holds it, it is read-only, and the owner that wants to
 * change it takes a private copy (stream_info_writable). A reference is only taken from a
 * holder (stream_info_ref of a record one holds). Counts are atomic: snapshots are released on
 * other threads. */
struct stream_info *stream_info_new(void);   /* one reference, every field zero */
const struct stream_info *stream_info_ref(const struct stream_info *s);
void stream_info_unref(const struct stream_info *s);   /* NULL allowed; frees with the last */
/* s itself when the caller holds the only reference, else a deep copy with one reference,
 * and the caller's reference to s dropped. */
struct stream_info *stream_info_writable(struct stream_info *s);
/* Frees what a stream_info owns (key, groups), not the record itself. */
void stream_info_free(struct stream_info *s);
/* Recomputes the derived fields (max_lag ... max_deliveries) from groups[]. */
void stream_info_derive(struct stream_info *s);
/* groups[] holds every group: the stream was read, with its groups. When not, the per-group
 * sums (pending_total, consumers_total) are QT_UNKNOWN. */
bool stream_groups_known(const struct stream_info *s);
/* The GROUPS cell: "3", "12000?" (counted by XINFO STREAM, not read), "?" (not read). */
void stream_groups_text(const struct stream_info *s, char *buf, size_t len);

/* Binary search in an array of count elements of stride bytes, sorted by the struct bytes found
 * key_offset bytes into each element. Returns the element, or NULL when absent. */
const void *bytes_bsearch(const void *base, size_t count, size_t stride, size_t key_offset,
                          const struct bytes *key);

/* The same for elements that hold, ptr_offset bytes in, a pointer to a struct whose key is
 * key_offset bytes into it (a snapshot's stream records, the streams collector's items). */
const void *bytes_bsearch_ptr(const void *base, size_t count, size_t stride, size_t ptr_offset,
                              size_t key_offset, const struct bytes *key);

/* Binary search in a snapshot's sorted stream array for key on node; NULL when absent. */
const struct stream_info *redis_snapshot_find(const struct redis_snapshot *r, const char *key,
                                              size_t key_len, uint16_t node);

#endif
