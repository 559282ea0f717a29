/* text_out.c -- see text_out.h. */
#include "text_out.h"

#include <math.h>
#include <string.h>

#include "format.h"
#include "sanitize.h"

void text_write_streams(const struct redis_snapshot *r, const struct history *h, FILE *out)
{
    fprintf(out, "%s  redis %s %s  %zu streams\n", r->url, r->version[0] ? r->version : "?",
            r->role[0] ? r->role : "?", r->stream_count);
    fprintf(out, "%-32s %9s %8s %4s %9s %9s %9s %5s\n", "STREAM", "LENGTH", "IN/s", "GRPS",
            "MAX LAG", "PENDING", "OLDEST", "CONS");
    for (size_t i = 0; i < r->stream_count; i++) {
        const struct stream_info *s = &r->streams[i];
        const struct stream_history *sh = h ? history_find(h, &s->key) : NULL;
        char key[160], len[16], rate[16], lag[16], pend[16], age[16];
        sanitize_for_cell(s->key.ptr, s->key.len, key, sizeof key, 32, false);
        fmt_count(s->length, len, sizeof len);
        fmt_rate(sh ? sh->produced_per_sec : (double)NAN, rate, sizeof rate);
        fmt_count(s->lag_partly_unknown && s->max_lag == QT_UNKNOWN ? QT_UNKNOWN : s->max_lag,
                  lag, sizeof lag);
        if (s->group_len == 0)
            strcpy(lag, "-");
        fmt_count(s->pending_total, pend, sizeof pend);
        if (s->oldest_pending_age_ms == QT_UNKNOWN)
            strcpy(age, "-");
        else
            fmt_duration_ms(s->oldest_pending_age_ms, age, sizeof age);
        fprintf(out, "%-32s %9s %8s %4zu %9s %9s %9s %5lld\n", key, len, rate, s->group_len, lag,
                pend, age, s->consumers_total);
    }
}
