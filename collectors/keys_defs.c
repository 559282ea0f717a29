/* keys_defs.c -- the keys collector's records of a pass: the catalogue of keys that may belong
 * to a queue, the definitions of what to read for each queue, the prefixes. See
 * keys_internal.h. */
#include "keys_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "util.h"

void catalogue_free(struct catalogue *c)
{
    for (size_t i = 0; i < c->n; i++)
        bytes_free(&c->v[i].key);
    free(c->v);
    memset(c, 0, sizeof *c);
}

void catalogue_add(struct catalogue *c, const char *key, size_t len, char type, bool ttl)
{
    /* lists and zsets are capped (a keyspace of job-log lists); registries and anchors
     * (sets, hashes, strings: few by nature) are always kept, or layouts would go missing */
    if (c->n >= CATALOGUE_MAX && (type == T_LIST || type == T_ZSET)) {
        c->truncated = true;
        return;
    }
    c->v = xgrow(c->v, c->n, &c->cap, 256, sizeof *c->v);
    struct cat_key *k = &c->v[c->n++];
    bytes_set(&k->key, key, len);
    k->type = type;
    k->has_ttl = ttl;
    k->claimed = false;
}

static int cat_cmp(const void *a, const void *b)
{
    return bytes_cmp(&((const struct cat_key *)a)->key, &((const struct cat_key *)b)->key);
}

/* Sorts and drops duplicates (SCAN may return a key twice). */
void catalogue_sort(struct catalogue *c)
{
    if (c->n == 0)
        return;
    qsort(c->v, c->n, sizeof *c->v, cat_cmp);
    size_t o = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (o > 0 && bytes_cmp(&c->v[o - 1].key, &c->v[i].key) == 0) {
            bytes_free(&c->v[i].key);
            continue;
        }
        c->v[o++] = c->v[i];
    }
    c->n = o;
}

struct cat_key *cat_find(struct catalogue *c, const char *key)
{
    struct cat_key probe = { { (char *)key, strlen(key) }, 0, false, false };
    if (c->n == 0)
        return NULL;
    return bsearch(&probe, c->v, c->n, sizeof *c->v, cat_cmp);
}

bool key_ends_with(const struct bytes *b, const char *suffix)
{
    size_t n = strlen(suffix);
    return b->len >= n && memcmp(b->ptr + b->len - n, suffix, n) == 0;
}

bool key_starts_with(const struct bytes *b, const char *prefix)
{
    size_t n = strlen(prefix);
    return b->len >= n && memcmp(b->ptr, prefix, n) == 0;
}

static void qdef_free(struct qdef *q)
{
    for (size_t i = 0; i < q->pn; i++)
        bytes_free(&q->probes[i].key);
    free(q->probes);
    bytes_free(&q->name);
    for (size_t i = 0; i < q->mn; i++)
        bytes_free(&q->m[i].key);
    free(q->m);
    memset(q, 0, sizeof *q);
}

void measure_add(struct qdef *q, enum metric metric, enum cmd cmd, enum unit unit,
                        const char *key, size_t len)
{
    q->m = xgrow(q->m, q->mn, &q->mcap, 8, sizeof *q->m);
    struct measure *m = &q->m[q->mn++];
    m->metric = metric;
    m->cmd = cmd;
    m->unit = unit;
    bytes_set(&m->key, key, len);
}

void probe_add(struct qdef *q, enum probe_kind kind, enum time_unit unit, const char *key,
                      size_t len, int end, const char *hash_prefix, const char *field)
{
    if (q->pn >= 4)
        return;
    q->probes = xrealloc(q->probes, (q->pn + 1) * sizeof *q->probes);
    struct age_probe *p = &q->probes[q->pn++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->unit = unit;
    p->waiting_part = kind != P_ZSET_MIN;   /* list probes; zsets say so below when they are */
    bytes_set(&p->key, key, len);
    p->end = end;
    str_copy(p->hash_prefix, hash_prefix ? hash_prefix : "", sizeof p->hash_prefix);
    str_copy(p->field, field ? field : "", sizeof p->field);
}

/* probe_addf: the key from a format with one %.*s. */
void probe_addf(struct qdef *q, enum probe_kind kind, enum time_unit unit,
                       const char *fmt, const char *a, size_t alen, int end,
                       const char *hash_prefix, const char *field)
{
    if (memchr(a, '\0', alen) || (hash_prefix && strlen(hash_prefix) + 1 >= 160))
        return;   /* a name %.*s would cut, or a job-hash prefix too long to keep whole */
    size_t cap = strlen(fmt) + alen + 1;
    char *key = xmalloc(cap);
    int n = snprintf(key, cap, fmt, (int)alen, a);
    probe_add(q, kind, unit, key, n > 0 ? (size_t)n : 0, end, hash_prefix, field);
    free(key);
}

/* measure_addf: the key from a format. */
void measure_addf(struct qdef *q, enum metric metric, enum cmd cmd, enum unit unit,
                         const char *fmt, const char *a, size_t alen)
{
    if (memchr(a, '\0', alen))
        return;   /* %.*s would stop at the NUL and name another key */
    /* fmt has one %.*s for the queue part; keys stay binary-safe through the lengths */
    size_t cap = strlen(fmt) + alen + 1;
    char *key = xmalloc(cap);
    int n = snprintf(key, cap, fmt, (int)alen, a);
    measure_add(q, metric, cmd, unit, key, n > 0 ? (size_t)n : 0);
    free(key);
}

struct qdef *qdef_new(struct qdefs *d, const char *layout, const char *kind,
                             const char *name, size_t len)
{
    if (d->n >= QUEUES_MAX || memchr(name, '\0', len))
        return NULL;   /* full, or a registry name with a NUL: its keys cannot be named */
    for (size_t i = 0; i < d->n; i++) {   /* one row per layout + name */
        if (strcmp(d->v[i].layout, layout) == 0 && d->v[i].name.len == len &&
            memcmp(d->v[i].name.ptr, name, len) == 0)
            return &d->v[i];
    }
    d->v = xgrow(d->v, d->n, &d->cap, 32, sizeof *d->v);
    struct qdef *q = &d->v[d->n++];
    memset(q, 0, sizeof *q);
    bytes_set(&q->name, name, len);
    str_copy(q->layout, layout, sizeof q->layout);
    str_copy(q->kind, kind, sizeof q->kind);
    return q;
}

void qdefs_free(struct qdefs *d)
{
    for (size_t i = 0; i < d->n; i++)
        qdef_free(&d->v[i]);
    free(d->v);
    memset(d, 0, sizeof *d);
}

void prefixes_free(struct prefixes *p)
{
    for (size_t i = 0; i < p->n; i++)
        bytes_free(&p->v[i].prefix);
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* The key's first segment with its colon ("orders:"), "(no colon)" without one. */
struct prefix_acc *prefix_of(struct prefixes *p, const char *key, size_t len)
{
    const char *colon = memchr(key, ':', len);
    const char *name = colon ? key : "(no colon)";
    size_t nlen = colon ? (size_t)(colon - key) + 1 : strlen("(no colon)");
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].prefix.len == nlen && memcmp(p->v[i].prefix.ptr, name, nlen) == 0)
            return &p->v[i];
    }
    if (p->n >= PREFIXES_MAX) {
        name = "(other)";
        nlen = strlen(name);
        for (size_t i = 0; i < p->n; i++) {
            if (p->v[i].prefix.len == nlen && memcmp(p->v[i].prefix.ptr, name, nlen) == 0)
                return &p->v[i];
        }
    }
    p->v = xgrow(p->v, p->n, &p->cap, 32, sizeof *p->v);
    struct prefix_acc *a = &p->v[p->n++];
    memset(a, 0, sizeof *a);
    bytes_set(&a->prefix, name, nlen);
    return a;
}

/* ---- replies ------------------------------------------------------------------------------- */

/* Unlike the other collectors', this one leaves the connection for the tick's end to drop:
 * a pass's end looks at its error to tell a partial pass from a whole one (finish_pass). */
int keys_fail_io(struct keys_collector *c, const char *what, char *err, size_t errlen)
{
    return resp_lost(err, errlen, c->url, what, c->ctx);
}

/* Reads n replies into rep[] (all or none). */
int keys_get_replies(struct keys_collector *c, redisReply **rep, size_t n, const char *what,
                       char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (redis_io_get_reply(c->ctx, (void **)&rep[i]) != REDIS_OK) {
            for (size_t j = 0; j < i; j++)
                freeReplyObject(rep[j]);
            return keys_fail_io(c, what, err, errlen);
        }
    }
    c->round_trips++;
    return 0;
}

void keys_free_replies(redisReply **rep, size_t n)
{
    for (size_t i = 0; i < n; i++)
        freeReplyObject(rep[i]);
}
