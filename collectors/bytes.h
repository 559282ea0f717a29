/* bytes.h -- a binary-safe string owned by whoever holds it: pointer + length, always
 * NUL-terminated as a convenience (the bytes may hold NULs). Names from servers are untrusted:
 * sanitize before display. (Implemented in snapshot.c.) */
#ifndef QT_BYTES_H
#define QT_BYTES_H

#include <stddef.h>

struct bytes {
    char *ptr;   /* owned by the snapshot; NUL-terminated; may contain NUL bytes */
    size_t len;
};

/* Replaces nothing: b must be empty or freed. Copies len bytes and adds a NUL. */
void bytes_set(struct bytes *b, const char *p, size_t len);
void bytes_free(struct bytes *b);
int bytes_cmp(const struct bytes *a, const struct bytes *b);

#endif
