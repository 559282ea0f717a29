/* stream_id.c -- see stream_id.h. */
#include "stream_id.h"

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || len > 20)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int stream_id_parse(const char *text, size_t len, struct stream_id *out)
{
    size_t dash = len;
    if (!text)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '-') {
            dash = i;
            break;
        }
    }
    struct stream_id id = { 0, 0 };
    if (parse_u64(text, dash, &id.ms) < 0)
        return -1;
    if (dash < len && parse_u64(text + dash + 1, len - dash - 1, &id.seq) < 0)
        return -1;
    *out = id;
    return 0;
}

int64_t stream_id_age_ms(struct stream_id id, int64_t now_ms)
{
    if (now_ms < 0 || id.ms >= (uint64_t)now_ms)
        return 0;
    return now_ms - (int64_t)id.ms;
}

int stream_id_cmp(struct stream_id a, struct stream_id b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    return 0;
}
