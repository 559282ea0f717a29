/* json_writer.h -- JSON text written straight into a buffer, without a tree: for the parts of
 * our output that grow with the keyspace (one object per stream). It writes what jansson's
 * json_dumps writes for the same values with our flags (JSON_COMPACT, or JSON_INDENT(n)), so
 * the two can be spliced into one document. Depth is bounded by JW_DEPTH_MAX. */
#ifndef QT_JSON_WRITER_H
#define QT_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#define JW_DEPTH_MAX 16

struct jw {
    char *p;
    size_t len, cap;
    int indent;                 /* spaces per level; 0: compact */
    int base;                   /* spaces before the outermost level (where it is spliced) */
    int depth;
    bool empty[JW_DEPTH_MAX];   /* the container at depth d has no member yet */
};

/* indent 0 writes compact text; base is the indentation of the line the text continues. */
void jw_init(struct jw *w, int indent, int base);
void jw_free(struct jw *w);

void jw_raw(struct jw *w, const char *s, size_t n);
void jw_object(struct jw *w);               /* { */
void jw_array(struct jw *w);                /* [ */
void jw_end(struct jw *w, char close);      /* } or ] */
void jw_key(struct jw *w, const char *name);   /* the next member's name (ASCII) */
void jw_item(struct jw *w);                 /* the next array element */

void jw_null(struct jw *w);
void jw_bool(struct jw *w, bool v);
void jw_ll(struct jw *w, long long v);
void jw_real(struct jw *w, double v);       /* as jansson with JSON_REAL_PRECISION(10) */
/* A string of UTF-8 text (the caller checks validity): quotes, backslashes and control
 * characters escaped as jansson escapes them. */
void jw_string(struct jw *w, const char *s, size_t n);

#endif
