/* streams_model.h -- what the streams table shows, without curses: severity of a stream,
 * filtering by key and sorting by column. Pure functions, unit-tested. */
#ifndef QT_STREAMS_MODEL_H
#define QT_STREAMS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "../collectors/history.h"
#include "../collectors/snapshot.h"
#include "../collectors/thresholds.h"


enum severity stream_severity(const struct stream_info *s, const struct thresholds *t);
enum severity group_severity(const struct group_info *g, const struct thresholds *t);
/* One short reason for the worst problem of the stream ("" when fine): for the summary line. */
void stream_problem(const struct stream_info *s, const struct thresholds *t, char *buf,
                    size_t len);

enum stream_sort {
    SORT_SEVERITY = 0,   /* worst first: severity, then oldest pending age, then lag */
    SORT_KEY,
    SORT_LENGTH,
    SORT_RATE,
    SORT_GROUPS,
    SORT_LAG,
    SORT_PENDING,
    SORT_OLDEST,
    SORT_CONSUMERS,
    SORT_COUNT
};

const char *stream_sort_name(enum stream_sort sort);

/* Case-insensitive (ASCII) substring match of filter in the key's bytes; "" matches all. */
bool key_matches_filter(const struct bytes *key, const char *filter);

/* Writes into out[] (room for r->stream_count) the indexes of the streams that match filter,
 * in the sort order (numbers and severity: largest first; key: A..Z; reverse flips it; unknown
 * values sort last either way; ties by key). history may be NULL. Returns how many. */
size_t streams_select(const struct redis_snapshot *r, const struct history *h, const char *filter,
                      enum stream_sort sort, bool reverse, const struct thresholds *t,
                      size_t *out);

/* Like streams_select with SORT_SEVERITY, but only the streams with a problem (warning or
 * critical): a linear pass, then a sort of just those. Returns how many. */
size_t streams_problems(const struct redis_snapshot *r, const struct history *h,
                        const struct thresholds *t, size_t *out);

#endif
