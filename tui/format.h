/* format.h -- numbers, durations and rates as short human text for table cells. Unknown values
 * (QT_UNKNOWN, NAN) print as "?" so nobody mistakes them for zero. */
#ifndef QT_FORMAT_H
#define QT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

/* 999, 1.2k, 12k, 1.2M, 3.4G; QT_UNKNOWN -> "?". */
void fmt_count(long long v, char *buf, size_t len);
/* 512B, 12.1K, 3.4M, 1.2G (powers of 1024); QT_UNKNOWN -> "?". */
void fmt_bytes(long long v, char *buf, size_t len);
/* 850ms, 12.3s, 4m05s, 2h07m, 3d04h; QT_UNKNOWN -> "?". */
void fmt_duration_ms(long long ms, char *buf, size_t len);
/* 0, 0.4, 12, 1.2k (per second, no unit); NAN -> "?". */
void fmt_rate(double per_sec, char *buf, size_t len);
/* A figure that may not apply: "-" when not kept (not applicable), "?" when unknown, else as
 * fmt_count / fmt_rate. */
void fmt_kept_count(long long v, bool kept, char *buf, size_t len);
void fmt_kept_rate(double per_sec, bool kept, char *buf, size_t len);

struct redis_cost;
/* "cost 0.8%/2%  cycle 41s" (every stream re-read within 41 s), or "... read 12k/100k" before
 * the first cycle ends; "" when no budget applies. */
void redis_cost_text(const struct redis_cost *c, size_t streams, char *buf, size_t len);

#endif
