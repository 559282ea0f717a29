/* util.c -- see util.h. */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "queuetop: out of memory (%zu bytes)\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *xstrdup(const char *s)
{
    return xmemdup(s, strlen(s));
}

char *xmemdup(const void *p, size_t len)
{
    char *d = xmalloc(len + 1);
    if (len)
        memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t str_copy(char *dst, const char *src, size_t dstsize)
{
    size_t n = strlen(src);
    if (dstsize) {
        size_t c = n < dstsize - 1 ? n : dstsize - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

int parse_ll(const char *s, size_t len, long long *out)
{
    char buf[32];
    char *end;
    if (!s || len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end != '\0' || end == buf)
        return -1;
    *out = v;
    return 0;
}

void str_one_line(char *out, size_t outlen, const char *msg)
{
    size_t o = 0;
    if (outlen == 0)
        return;
    for (const char *p = msg ? msg : ""; *p && *p != '\n' && o + 1 < outlen; p++)
        out[o++] = ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) ? '?' : *p;
    out[o] = '\0';
}

void *xgrow(void *ptr, size_t n, size_t *cap, size_t first, size_t elem_size)
{
    if (n < *cap)
        return ptr;
    *cap = *cap ? *cap * 2 : first;
    return xrealloc(ptr, *cap * elem_size);
}
