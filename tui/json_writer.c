/* json_writer.c -- see json_writer.h. */
#include "json_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"

void jw_init(struct jw *w, int indent, int base)
{
    memset(w, 0, sizeof *w);
    w->indent = indent;
    w->base = base;
    w->empty[0] = true;
}

void jw_free(struct jw *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

static void reserve(struct jw *w, size_t n)
{
    if (w->len + n + 1 > w->cap) {
        w->cap = (w->len + n + 1) * 2 + 4096;
        w->p = xrealloc(w->p, w->cap);
    }
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void newline(struct jw *w, int depth)
{
    if (!w->indent)
        return;
    int n = w->base + depth * w->indent;
    char spaces[128];
    jw_raw(w, "\n", 1);
    while (n > 0) {
        int k = n < (int)sizeof spaces ? n : (int)sizeof spaces;
        memset(spaces, ' ', (size_t)k);
        jw_raw(w, spaces, (size_t)k);
        n -= k;
    }
}

/* Before a member or an element of the container at the current depth. */
static void separate(struct jw *w)
{
    if (w->depth == 0)
        return;
    if (!w->empty[w->depth])
        jw_raw(w, ",", 1);
    w->empty[w->depth] = false;
    newline(w, w->depth);
}

static void open_container(struct jw *w, char c)
{
    jw_raw(w, &c, 1);
    if (w->depth + 1 < JW_DEPTH_MAX)
        w->depth++;
    w->empty[w->depth] = true;
}

void jw_object(struct jw *w)
{
    open_container(w, '{');
}

void jw_array(struct jw *w)
{
    open_container(w, '[');
}

void jw_end(struct jw *w, char close)
{
    bool was_empty = w->empty[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (!was_empty)
        newline(w, w->depth);
    jw_raw(w, &close, 1);
}

void jw_key(struct jw *w, const char *name)
{
    separate(w);
    size_t n = strlen(name);   /* our own names: nothing to escape */
    reserve(w, n + 4);
    char *p = w->p + w->len;
    *p++ = '"';
    memcpy(p, name, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    if (w->indent)
        *p++ = ' ';
    w->len = (size_t)(p - w->p);
    w->p[w->len] = '\0';
}

void jw_item(struct jw *w)
{
    separate(w);
}

void jw_null(struct jw *w)
{
    jw_raw(w, "null", 4);
}

void jw_bool(struct jw *w, bool v)
{
    jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_ll(struct jw *w, long long v)
{
    char buf[24];
    size_t d = sizeof buf;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        buf[--d] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--d] = '-';
    jw_raw(w, buf + d, sizeof buf - d);
}

void jw_real(struct jw *w, double v)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%.10g", v);
    if (n < 0 || n >= (int)sizeof buf - 3) {
        jw_null(w);
        return;
    }
    /* a dot or an exponent, so that it reads back as a real; the exponent without '+' and
     * leading zeros (what jansson writes) */
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(buf, 'e');
    if (e) {
        char *start = e + 1, *end = e + 1;
        if (*end == '+' || *end == '-') {
            if (*end == '-')
                start++;
            end++;
        }
        while (*end == '0' && end[1])
            end++;
        memmove(start, end, strlen(end) + 1);
        n = (int)strlen(buf);
    }
    jw_raw(w, buf, (size_t)n);
}

void jw_string(struct jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    jw_raw(w, "\"", 1);
    size_t run = 0;   /* bytes of s[i - run, i) that need no escape */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        jw_raw(w, s + i - run, run);
        run = 0;
        char esc[7] = { '\\', 0 };
        size_t len = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        jw_raw(w, esc, len);
    }
    jw_raw(w, s + n - run, run);
    jw_raw(w, "\"", 1);
}
