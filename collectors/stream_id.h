/* stream_id.h -- Redis stream entry IDs ("<ms>-<seq>") and the ages derived from them. */
#ifndef QT_STREAM_ID_H
#define QT_STREAM_ID_H

#include <stddef.h>
#include <stdint.h>

/* Longest ID text: two 20-digit numbers, a dash and the NUL. */
#define STREAM_ID_MAX 48

struct stream_id {
    uint64_t ms;   /* producer-side Redis time of XADD, epoch ms (or whatever an explicit ID said) */
    uint64_t seq;
};

/* Parses "ms-seq" or a bare "ms" (seq 0). Returns 0, or -1 when the text is not an ID. */
int stream_id_parse(const char *text, size_t len, struct stream_id *out);

/* Age in ms of an entry with this ID at server time now_ms; 0 when the ID lies in the future
 * (clock skew or an explicit ID), never negative. */
int64_t stream_id_age_ms(struct stream_id id, int64_t now_ms);

/* -1, 0, 1 as a is before, equal to, after b. */
int stream_id_cmp(struct stream_id a, struct stream_id b);

#endif
