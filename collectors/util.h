/* util.h -- allocation wrappers that abort on out-of-memory, clocks, small string helpers. */
#ifndef QT_UTIL_H
#define QT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
/* Room for one more element in a growing array: when n == *cap, doubles *cap (first: first)
 * and reallocates. Returns the (maybe moved) array. */
void *xgrow(void *ptr, size_t n, size_t *cap, size_t first, size_t elem_size);
/* Copies len bytes (may hold NULs) and appends a terminating NUL. */
char *xmemdup(const void *p, size_t len);

/* Milliseconds of CLOCK_MONOTONIC: for rates and intervals, never for ages. */
int64_t mono_ms(void);
/* Microseconds of CLOCK_MONOTONIC (round-trip timing). */
int64_t mono_us(void);
/* Milliseconds since the epoch from the local clock (display only). */
int64_t wall_ms(void);

/* Bounded copy that always terminates dst (when dstsize > 0); returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t dstsize);

/* Parses a whole decimal string into *out; 0 on success, -1 on junk or overflow. */
int parse_ll(const char *s, size_t len, long long *out);

/* The first line of msg (NULL: "") with control characters replaced by '?', into out. */
void str_one_line(char *out, size_t outlen, const char *msg);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
