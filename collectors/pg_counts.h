/* pg_counts.h -- Conductor's counts by type and status kept exact without counting a million
 * rows again at every refresh.
 *
 * What is counted is what `SELECT workflow_type, status, count(*) FROM workflow_index WHERE
 * status IN ('RUNNING', 'PAUSED') OR start_time >= now() - W GROUP BY 1, 2` answers. It is kept
 * in two parts:
 *   - open executions (RUNNING, PAUSED) are counted by the server at every refresh through the
 *     status index: they are the few in flight, whatever the age of the system;
 *   - every other row started within the window is remembered here, one 24-byte slot per row
 *     (a 64-bit hash of workflow_id, start time, type, status), and counted from memory.
 * A refresh is one statement, so one snapshot: the rows whose end_time is at or after the
 * previous refresh's clock minus PG_COUNTS_OVERLAP_S (Conductor sets end_time on every write of
 * a terminal execution, and puts it back to the epoch when one runs again), the open rows
 * updated since then (an execution that went back to RUNNING leaves the remembered part), the
 * open counts and the server's clock. Rows whose start left the window are dropped from memory.
 * Every PG_COUNTS_CHECK_S the same statement also counts the remembered part on the server; a
 * difference (a row deleted by Conductor's archival, a writer outside these rules) is shown as
 * the server counted it and the memory is rebuilt. The memory is filled on the first refresh
 * of a connection, PG_COUNTS_CHUNK_S of start times per statement.
 *
 * Cost per refresh: the rows ended within the overlap plus the open rows, by index; at
 * 1,000,000 executions a day and 40 starts or ends a second, a few thousand rows. */
#ifndef QT_PG_COUNTS_H
#define QT_PG_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#define PG_COUNTS_OVERLAP_S 120          /* commit delay and writer clock skew tolerated */
#define PG_COUNTS_CHECK_S 600            /* how often the server recounts the remembered part */
#define PG_COUNTS_CHUNK_S 1800           /* start times per statement when filling the memory */
#define PG_COUNTS_CHUNK_ROWS 200000      /* a chunk with more is split */
#define PG_COUNTS_MAX_ROWS 8000000       /* beyond: counted by the server at every refresh */
#define PG_COUNTS_MAX_TYPES 65535
#define PG_COUNTS_MAX_STATUSES 32

struct workflow_summary;
struct pg_counts;

struct pg_counts_stats {
    long long remembered;     /* rows in memory */
    long long rows_read;      /* rows read by the last refresh */
    long long rebuilds;       /* memory rebuilt after a check found a difference */
    long long checks;
    int64_t checked_mono_ms;  /* last check; 0 never */
    int mode;                 /* 0 filling, 1 incremental, 2 server counts every refresh */
};

struct pg_counts *pg_counts_new(void);
void pg_counts_free(struct pg_counts *k);
/* Forget everything: the next refresh fills the memory again (a new connection may be a new
 * server, or one restored from a backup). */
void pg_counts_reset(struct pg_counts *k);
/* out->counts (as SUMMARY_COUNTS) and out->db_now_ms. 0, or -1 with err; after -1 the memory
 * is rebuilt at the next refresh. */
int pg_counts_refresh(struct pg_counts *k, PGconn *conn, int window_hours,
                      struct workflow_summary *out, char *err, size_t errlen);
void pg_counts_get_stats(const struct pg_counts *k, struct pg_counts_stats *out);
/* How often the server recounts (ms; PG_COUNTS_CHECK_S by default; tests use 0: always). */
void pg_counts_set_check_ms(struct pg_counts *k, int64_t ms);

#endif
