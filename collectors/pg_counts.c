/* pg_counts.c -- see pg_counts.h. */
#include "pg_counts.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "pg_conn.h"
#include "snapshot.h"
#include "util.h"
#include "workflow.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */

#define US_PER_S 1000000LL
#define MIN_CHUNK_US US_PER_S

/* One remembered row. h == 0 is an empty slot. */
struct slot {
    uint64_t h;           /* of workflow_id */
    int64_t start_us;     /* start_time, epoch µs */
    uint16_t type;
    uint8_t status;
};

struct pg_counts {
    /* the rows, open addressing with linear probing and backward-shift deletion */
    struct slot *slots;
    size_t cap, n;
    int64_t min_start_us;      /* no remembered row starts before it */
    /* names */
    struct bytes *types;
    size_t type_n, type_cap;
    uint32_t *type_index;      /* open addressing over types: index + 1, 0 empty */
    size_t type_index_cap;
    char statuses[PG_COUNTS_MAX_STATUSES][32];
    size_t status_n;
    long long *count;          /* [type * PG_COUNTS_MAX_STATUSES + status] */

    bool live;                 /* the memory is filled */
    bool server_counts;        /* too big or too varied: the server counts every refresh */
    int64_t since_us;          /* the next refresh reads changes from here (server clock) */
    int64_t check_mono_ms;     /* last check */
    int64_t check_ms;          /* how often */
    struct pg_counts_stats st;
};

static uint64_t hash_bytes(const char *p, size_t len)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a, then a finaliser for the low bits */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1;
}

struct pg_counts *pg_counts_new(void)
{
    struct pg_counts *k = xcalloc(1, sizeof *k);
    k->check_ms = (int64_t)PG_COUNTS_CHECK_S * 1000;
    k->min_start_us = INT64_MAX;
    return k;
}

void pg_counts_set_check_ms(struct pg_counts *k, int64_t ms)
{
    k->check_ms = ms;
}

static void clear_rows(struct pg_counts *k)
{
    free(k->slots);
    k->slots = NULL;
    k->cap = k->n = 0;
    k->min_start_us = INT64_MAX;
    if (k->count)
        memset(k->count, 0, k->type_cap * PG_COUNTS_MAX_STATUSES * sizeof *k->count);
    k->live = false;
}

void pg_counts_reset(struct pg_counts *k)
{
    clear_rows(k);
    k->server_counts = false;
    k->st.remembered = 0;
    k->st.mode = 0;
}

void pg_counts_free(struct pg_counts *k)
{
    if (!k)
        return;
    free(k->slots);
    for (size_t i = 0; i < k->type_n; i++)
        bytes_free(&k->types[i]);
    free(k->types);
    free(k->type_index);
    free(k->count);
    free(k);
}

void pg_counts_get_stats(const struct pg_counts *k, struct pg_counts_stats *out)
{
    *out = k->st;
    out->remembered = (long long)k->n;
}

/* ---- names ---------------------------------------------------------------------------- */

static void type_index_rebuild(struct pg_counts *k, size_t cap)
{
    free(k->type_index);
    k->type_index = xcalloc(cap, sizeof *k->type_index);
    k->type_index_cap = cap;
    for (size_t t = 0; t < k->type_n; t++) {
        size_t i = hash_bytes(k->types[t].ptr, k->types[t].len) & (cap - 1);
        while (k->type_index[i])
            i = (i + 1) & (cap - 1);
        k->type_index[i] = (uint32_t)t + 1;
    }
}

/* The type's number, added when new; -1 when there are too many. */
static int type_id(struct pg_counts *k, const char *p, size_t len)
{
    if (k->type_index_cap == 0)
        type_index_rebuild(k, 64);
    size_t i = hash_bytes(p, len) & (k->type_index_cap - 1);
    while (k->type_index[i]) {
        const struct bytes *b = &k->types[k->type_index[i] - 1];
        if (b->len == len && memcmp(b->ptr, p, len) == 0)
            return (int)k->type_index[i] - 1;
        i = (i + 1) & (k->type_index_cap - 1);
    }
    if (k->type_n >= PG_COUNTS_MAX_TYPES)
        return -1;
    if (k->type_n == k->type_cap) {
        size_t cap = k->type_cap ? k->type_cap * 2 : 16;
        k->types = xrealloc(k->types, cap * sizeof *k->types);
        k->count = xrealloc(k->count, cap * PG_COUNTS_MAX_STATUSES * sizeof *k->count);
        memset(k->count + k->type_cap * PG_COUNTS_MAX_STATUSES, 0,
               (cap - k->type_cap) * PG_COUNTS_MAX_STATUSES * sizeof *k->count);
        k->type_cap = cap;
    }
    size_t t = k->type_n++;
    memset(&k->types[t], 0, sizeof k->types[t]);
    bytes_set(&k->types[t], p, len);
    if (k->type_n * 2 > k->type_index_cap)
        type_index_rebuild(k, k->type_index_cap * 2);
    else
        k->type_index[i] = (uint32_t)t + 1;
    return (int)t;
}

static int status_id(struct pg_counts *k, const char *s)
{
    for (size_t i = 0; i < k->status_n; i++)
        if (strcmp(k->statuses[i], s) == 0)
            return (int)i;
    if (k->status_n >= PG_COUNTS_MAX_STATUSES || strlen(s) >= sizeof k->statuses[0])
        return -1;
    str_copy(k->statuses[k->status_n], s, sizeof k->statuses[0]);
    return (int)k->status_n++;
}

/* ---- rows ----------------------------------------------------------------------------- */

static long long *count_of(struct pg_counts *k, unsigned type, unsigned status)
{
    return &k->count[(size_t)type * PG_COUNTS_MAX_STATUSES + status];
}

static void rows_grow(struct pg_counts *k)
{
    size_t cap = k->cap ? k->cap * 2 : 4096;
    struct slot *old = k->slots;
    size_t old_cap = k->cap;
    k->slots = xcalloc(cap, sizeof *k->slots);
    k->cap = cap;
    for (size_t j = 0; j < old_cap; j++) {
        if (!old[j].h)
            continue;
        size_t i = old[j].h & (cap - 1);
        while (k->slots[i].h)
            i = (i + 1) & (cap - 1);
        k->slots[i] = old[j];
    }
    free(old);
}

static size_t find_slot(const struct pg_counts *k, uint64_t h)
{
    size_t i = h & (k->cap - 1);
    while (k->slots[i].h && k->slots[i].h != h)
        i = (i + 1) & (k->cap - 1);
    return i;
}

/* Removes slot i, moving later members of its run back so lookups never meet a hole. */
static void remove_at(struct pg_counts *k, size_t i)
{
    struct slot *s = &k->slots[i];
    (*count_of(k, s->type, s->status))--;
    size_t mask = k->cap - 1, hole = i, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!k->slots[j].h)
            break;
        size_t home = k->slots[j].h & mask;
        /* move j into the hole unless its home lies cyclically in (hole, j] */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        k->slots[hole] = k->slots[j];
        hole = j;
    }
    k->slots[hole].h = 0;
    k->n--;
}

static void row_forget(struct pg_counts *k, uint64_t h)
{
    if (!k->cap)
        return;
    size_t i = find_slot(k, h);
    if (k->slots[i].h)
        remove_at(k, i);
}

/* Remembers a row, or changes what is remembered of it. false: no room (too many rows). */
static bool row_put(struct pg_counts *k, uint64_t h, int64_t start_us, unsigned type,
                    unsigned status)
{
    if ((k->n + 1) * 4 > k->cap * 3) {
        if (k->n >= PG_COUNTS_MAX_ROWS)
            return false;
        rows_grow(k);
    }
    size_t i = find_slot(k, h);
    struct slot *s = &k->slots[i];
    if (s->h)
        (*count_of(k, s->type, s->status))--;
    else
        k->n++;
    *s = (struct slot){ h, start_us, (uint16_t)type, (uint8_t)status };
    (*count_of(k, type, status))++;
    if (start_us < k->min_start_us)
        k->min_start_us = start_us;
    return true;
}

/* Forgets the rows that started before lo_us. */
static void sweep(struct pg_counts *k, int64_t lo_us)
{
    if (k->min_start_us >= lo_us)
        return;
    int64_t min = INT64_MAX;
    for (size_t i = 0; i < k->cap;) {
        struct slot *s = &k->slots[i];
        if (s->h && s->start_us < lo_us) {
            remove_at(k, i);   /* a later row may now sit at i: look again */
            continue;
        }
        if (s->h && s->start_us < min)
            min = s->start_us;
        i++;
    }
    k->min_start_us = min;
}

/* ---- statements ----------------------------------------------------------------------- */

static bool is_open(const char *status)
{
    return strcmp(status, "RUNNING") == 0 || strcmp(status, "PAUSED") == 0;
}

/* A terminal row as the server reports it: remember it (start at or after lo_us) or forget
 * it. false when it cannot be remembered (too many rows, types or statuses). */
static bool apply_row(struct pg_counts *k, const PGresult *r, int row, int c_id, int c_type,
                      int c_status, int c_start, int64_t lo_us)
{
    const char *id = PQgetvalue(r, row, c_id);
    uint64_t h = hash_bytes(id, (size_t)PQgetlength(r, row, c_id));
    const char *status = PQgetvalue(r, row, c_status);
    long long start = pg_cell_ll(r, row, c_start);
    if (is_open(status) || start == QT_UNKNOWN || start < lo_us) {
        row_forget(k, h);
        return true;
    }
    int t = type_id(k, PQgetvalue(r, row, c_type), (size_t)PQgetlength(r, row, c_type));
    int s = status_id(k, status);
    if (t < 0 || s < 0)
        return false;
    return row_put(k, h, start, (unsigned)t, (unsigned)s);
}

static void set_param(char *buf, size_t len, long long v)
{
    snprintf(buf, len, "%lld", v);
}

/* Fills the memory with every terminal row started at or after now - window, one chunk of
 * start times per statement. Sets since_us. 0, 1 (give up: server counts), -1 with err. */
static int fill(struct pg_counts *k, PGconn *conn, int window_hours, char *err, size_t errlen)
{
    clear_rows(k);
    PGresult *r = pg_query(conn, "SELECT (extract(epoch FROM now()) * 1000000)::bigint", 0, NULL,
                           "reading the server's clock", err, errlen);
    if (!r)
        return -1;
    long long now = pg_cell_ll(r, 0, 0);
    PQclear(r);
    if (now == QT_UNKNOWN) {
        str_copy(err, "reading the server's clock: no answer", errlen);
        return -1;
    }
    int64_t lo = now - (int64_t)window_hours * 3600 * US_PER_S;
    int64_t span = (int64_t)PG_COUNTS_CHUNK_S * US_PER_S;
    char limit[24];
    set_param(limit, sizeof limit, PG_COUNTS_CHUNK_ROWS + 1);
    for (int64_t a = lo;;) {
        bool last = a >= now;   /* from the present on: open-ended, for writers ahead of us */
        int64_t b = a + span;
        char pa[24], pb[24];
        set_param(pa, sizeof pa, a);
        set_param(pb, sizeof pb, b);
        const char *p[3] = { pa, last ? limit : pb, limit };
        r = last ? pg_query(conn,
                            "SELECT workflow_id, workflow_type, status,"
                            " (extract(epoch FROM start_time) * 1000000)::bigint"
                            " FROM workflow_index"
                            " WHERE status NOT IN ('RUNNING', 'PAUSED')"
                            "   AND start_time >= timestamptz 'epoch' + $1::bigint * interval '1 microsecond'"
                            " LIMIT $2::bigint",
                            2, p, "counting executions", err, errlen)
                 : pg_query(conn,
                            "SELECT workflow_id, workflow_type, status,"
                            " (extract(epoch FROM start_time) * 1000000)::bigint"
                            " FROM workflow_index"
                            " WHERE status NOT IN ('RUNNING', 'PAUSED')"
                            "   AND start_time >= timestamptz 'epoch' + $1::bigint * interval '1 microsecond'"
                            "   AND start_time < timestamptz 'epoch' + $2::bigint * interval '1 microsecond'"
                            " LIMIT $3::bigint",
                            3, p, "counting executions", err, errlen);
        if (!r)
            return -1;
        int n = PQntuples(r);
        k->st.rows_read += n;
        if (n > PG_COUNTS_CHUNK_ROWS) {
            PQclear(r);
            if (last || span <= MIN_CHUNK_US)
                return 1;   /* that many starts in a second: no memory would be small */
            span /= 2;
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (!apply_row(k, r, i, 0, 1, 2, 3, lo)) {
                PQclear(r);
                return 1;
            }
        }
        PQclear(r);
        if (last)
            break;
        a = b;
        if (n < PG_COUNTS_CHUNK_ROWS / 8 && span < (int64_t)PG_COUNTS_CHUNK_S * US_PER_S)
            span *= 2;
    }
    k->since_us = now - (int64_t)PG_COUNTS_OVERLAP_S * US_PER_S;
    k->live = true;
    return 0;
}

static int cmp_counts(const void *pa, const void *pb)
{
    const struct status_count *a = pa, *b = pb;
    int c = bytes_cmp(&a->type, &b->type);
    return c ? c : strcmp(a->status, b->status);
}

static void add_count(struct status_count **v, size_t *n, size_t *cap, const char *type,
                      size_t type_len, const char *status, long long count)
{
    *v = xgrow(*v, *n, cap, 16, sizeof **v);
    struct status_count *c = &(*v)[(*n)++];
    memset(c, 0, sizeof *c);
    bytes_set(&c->type, type, type_len);
    str_copy(c->status, status, sizeof c->status);
    c->count = count;
}

/* The statement of a refresh: the rows changed since $1 (kind 0), the open counts (1), the
 * clock (2), and with the check the server's counts of the remembered part (3). */
#define REFRESH_HEAD \
    "SELECT 0, workflow_id, workflow_type, status," \
    " (extract(epoch FROM start_time) * 1000000)::bigint, NULL::bigint" \
    " FROM workflow_index" \
    " WHERE end_time >= timestamptz 'epoch' + $1::bigint * interval '1 microsecond'" \
    "    OR (status IN ('RUNNING', 'PAUSED')" \
    "        AND update_time >= timestamptz 'epoch' + $1::bigint * interval '1 microsecond')" \
    " UNION ALL" \
    " SELECT 1, NULL, workflow_type, status, NULL, count(*) FROM workflow_index" \
    " WHERE status IN ('RUNNING', 'PAUSED') GROUP BY workflow_type, status" \
    " UNION ALL" \
    " SELECT 2, NULL, NULL, NULL, (extract(epoch FROM now()) * 1000000)::bigint, NULL"
#define REFRESH_CHECK \
    " UNION ALL" \
    " SELECT 3, NULL, workflow_type, status, NULL, count(*) FROM workflow_index" \
    " WHERE status NOT IN ('RUNNING', 'PAUSED')" \
    "   AND start_time >= now() - make_interval(hours => $2::int)" \
    " GROUP BY workflow_type, status"

int pg_counts_refresh(struct pg_counts *k, PGconn *conn, int window_hours,
                      struct workflow_summary *out, char *err, size_t errlen)
{
    k->st.rows_read = 0;
    if (k->server_counts)
        return 1;
    if (!k->live) {
        k->st.mode = 0;
        int rc = fill(k, conn, window_hours, err, errlen);
        if (rc != 0) {
            clear_rows(k);
            if (rc > 0) {
                k->server_counts = true;
                k->st.mode = 2;
            }
            return rc;
        }
        k->check_mono_ms = mono_ms();   /* just filled: the first check a period from now */
    }
    int64_t now_mono = mono_ms();
    bool check = now_mono - k->check_mono_ms >= k->check_ms;
    char since[24], hours[16];
    set_param(since, sizeof since, k->since_us);
    snprintf(hours, sizeof hours, "%d", window_hours);
    const char *p[2] = { since, hours };
    PGresult *r = check ? pg_query(conn, REFRESH_HEAD REFRESH_CHECK, 2, p, "counting executions",
                                   err, errlen)
                        : pg_query(conn, REFRESH_HEAD, 1, p, "counting executions", err, errlen);
    if (!r) {
        clear_rows(k);
        return -1;
    }
    int n = PQntuples(r);
    k->st.rows_read += n;
    long long now = QT_UNKNOWN;
    for (int i = n - 1; i >= 0 && now == QT_UNKNOWN; i--)
        if (pg_cell_ll(r, i, 0) == 2)
            now = pg_cell_ll(r, i, 4);
    if (now == QT_UNKNOWN) {
        PQclear(r);
        clear_rows(k);
        str_copy(err, "counting executions: no clock in the answer", errlen);
        return -1;
    }
    int64_t lo = now - (int64_t)window_hours * 3600 * US_PER_S;
    for (int i = 0; i < n; i++) {
        if (pg_cell_ll(r, i, 0) != 0)
            continue;
        if (!apply_row(k, r, i, 1, 2, 3, 4, lo)) {
            PQclear(r);
            clear_rows(k);
            k->server_counts = true;
            k->st.mode = 2;
            return 1;
        }
    }
    sweep(k, lo);
    k->since_us = now - (int64_t)PG_COUNTS_OVERLAP_S * US_PER_S;

    struct status_count *v = NULL;
    size_t vn = 0, vcap = 0;
    for (int i = 0; i < n; i++)
        if (pg_cell_ll(r, i, 0) == 1)
            add_count(&v, &vn, &vcap, PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2),
                      PQgetvalue(r, i, 3), pg_cell_ll(r, i, 5));
    bool differs = false;
    if (check) {
        /* the server's counts of the remembered part, at the same snapshot */
        long long seen = 0, server_total = 0;
        for (int i = 0; i < n; i++) {
            if (pg_cell_ll(r, i, 0) != 3)
                continue;
            long long cnt = pg_cell_ll(r, i, 5);
            server_total += cnt;
            add_count(&v, &vn, &vcap, PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2),
                      PQgetvalue(r, i, 3), cnt);
            int t = type_id(k, PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2));
            int s = status_id(k, PQgetvalue(r, i, 3));
            if (t < 0 || s < 0 || *count_of(k, (unsigned)t, (unsigned)s) != cnt)
                differs = true;
            else
                seen += cnt;
        }
        if (server_total != (long long)k->n || seen != (long long)k->n)
            differs = true;
        k->st.checks++;
        k->st.checked_mono_ms = now_mono;
        k->check_mono_ms = now_mono;
    }
    if (!check) {
        for (size_t t = 0; t < k->type_n; t++)
            for (size_t s = 0; s < k->status_n; s++) {
                long long cnt = *count_of(k, (unsigned)t, (unsigned)s);
                if (cnt > 0)
                    add_count(&v, &vn, &vcap, k->types[t].ptr, k->types[t].len,
                              k->statuses[s], cnt);
            }
    }
    PQclear(r);
    if (differs) {
        k->st.rebuilds++;
        clear_rows(k);   /* what was shown is the server's count; memory refilled next time */
    }
    if (vn > 1)
        qsort(v, vn, sizeof *v, cmp_counts);
    out->counts = v;
    out->count_n = vn;
    out->db_now_ms = now / 1000;
    k->st.mode = 1;
    return 0;
}
