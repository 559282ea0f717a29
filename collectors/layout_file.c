/* layout_file.c -- the --layouts FILE of redis_keys.h: a home-grown queue layout described as
 * key patterns and roles (docs/layouts.md). Checked strictly: a typo must not pass silently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "redis_keys.h"
#include "util.h"

void layout_file_free(struct layout_file *f)
{
    if (!f)
        return;
    free(f->patterns);
    for (size_t i = 0; i < f->lock_pattern_count; i++)
        free(f->lock_patterns[i]);
    free(f);
}

static bool only_keys(json_t *o, const char *const *allowed, size_t n, const char *path,
                      const char *where, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            snprintf(err, errlen, "%s: %s: unknown key \"%.60s\"", path, where, key);
            return false;
        }
    }
    return true;
}

static int role_of(const char *s)
{
    static const char *const names[] = { "pending", "processing", "delayed", "dead" };
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

struct layout_file *layout_file_load(const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char text[160];
        str_one_line(text, sizeof text, je.text);   /* jansson quotes the file's bytes */
        if (je.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, text);
        else
            snprintf(err, errlen, "%s: %s", path, text);
        return NULL;
    }
    struct layout_file *f = xcalloc(1, sizeof *f);
    static const char *const top[] = { "name", "queues", "lock_patterns", "description" };
    json_t *name = json_object_get(root, "name"), *queues = json_object_get(root, "queues");
    json_t *locks = json_object_get(root, "lock_patterns");
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: the file must hold a JSON object", path);
        goto fail;
    }
    if (!only_keys(root, top, ARRAY_LEN(top), path, "top level", err, errlen))
        goto fail;
    if (!json_is_string(name) || json_string_length(name) == 0 ||
        json_string_length(name) >= sizeof f->name) {
        snprintf(err, errlen, "%s: \"name\": a string of 1 to %zu characters is needed", path,
                 sizeof f->name - 1);
        goto fail;
    }
    str_copy(f->name, json_string_value(name), sizeof f->name);
    if (!json_is_array(queues) || json_array_size(queues) == 0) {
        snprintf(err, errlen, "%s: \"queues\": a non-empty array of {pattern, role} is needed",
                 path);
        goto fail;
    }
    f->patterns = xcalloc(json_array_size(queues), sizeof *f->patterns);
    size_t i;
    json_t *q;
    json_array_foreach(queues, i, q) {
        char where[48];
        snprintf(where, sizeof where, "queues[%zu]", i);
        static const char *const qkeys[] = { "pattern", "role", "score" };
        if (!json_is_object(q)) {
            snprintf(err, errlen, "%s: %s: an object {pattern, role} is needed", path, where);
            goto fail;
        }
        if (!only_keys(q, qkeys, ARRAY_LEN(qkeys), path, where, err, errlen))
            goto fail;
        json_t *pat = json_object_get(q, "pattern"), *role = json_object_get(q, "role");
        json_t *score = json_object_get(q, "score");
        struct layout_pattern *lp = &f->patterns[f->pattern_count];
        const char *ps = json_is_string(pat) ? json_string_value(pat) : NULL;
        const char *star = ps ? strchr(ps, '*') : NULL;
        if (!ps || !star || strchr(star + 1, '*') || strlen(ps) >= sizeof lp->pattern) {
            snprintf(err, errlen, "%s: %s.pattern: a key with exactly one '*' (the queue's name)"
                     " is needed", path, where);
            goto fail;
        }
        int r = json_is_string(role) ? role_of(json_string_value(role)) : -1;
        if (r < 0) {
            snprintf(err, errlen, "%s: %s.role: one of pending, processing, delayed, dead",
                     path, where);
            goto fail;
        }
        if (score && (r != ROLE_DELAYED || !json_is_string(score) ||
                      (strcmp(json_string_value(score), "s") != 0 &&
                       strcmp(json_string_value(score), "ms") != 0))) {
            snprintf(err, errlen, "%s: %s.score: \"s\" or \"ms\", and only for role delayed",
                     path, where);
            goto fail;
        }
        str_copy(lp->pattern, ps, sizeof lp->pattern);
        lp->role = (enum queue_role)r;
        lp->score_ms = score && strcmp(json_string_value(score), "ms") == 0;
        f->pattern_count++;
    }
    if (locks) {
        json_t *l;
        if (!json_is_array(locks) || json_array_size(locks) > KEYS_LOCK_PATTERNS_MAX) {
            snprintf(err, errlen, "%s: \"lock_patterns\": an array of at most %d globs", path,
                     KEYS_LOCK_PATTERNS_MAX);
            goto fail;
        }
        json_array_foreach(locks, i, l) {
            if (!json_is_string(l) || json_string_length(l) == 0) {
                snprintf(err, errlen, "%s: lock_patterns[%zu]: a glob string is needed", path, i);
                goto fail;
            }
            f->lock_patterns[f->lock_pattern_count++] = xstrdup(json_string_value(l));
        }
    }
    json_decref(root);
    return f;
fail:
    json_decref(root);
    layout_file_free(f);
    return NULL;
}
