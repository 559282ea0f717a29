/* config.c -- see config.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

enum kind { K_COUNT, K_MS, K_SHARE, K_REAL };

struct key {
    const char *name;
    enum kind kind;
    size_t offset;
};

#define FIELD(n, k) { #n, k, offsetof(struct thresholds, n) }
static const struct key keys[] = {
    FIELD(lag_warn, K_COUNT), FIELD(lag_crit, K_COUNT),
    FIELD(oldest_warn_ms, K_MS), FIELD(oldest_crit_ms, K_MS),
    FIELD(deliveries_warn, K_COUNT), FIELD(deliveries_crit, K_COUNT),
    FIELD(idle_warn_ms, K_MS),
    FIELD(memory_warn_share, K_SHARE), FIELD(memory_crit_share, K_SHARE),
    FIELD(ping_budget_ms, K_REAL),
    FIELD(slowlog_warn_per_sec, K_REAL),
    FIELD(restart_banner_ms, K_MS),
};

int config_load(const char *path, struct thresholds *t, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (je.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        else
            snprintf(err, errlen, "%s: %s", path, je.text);
        return -1;
    }
    int rc = 0;
    const char *top;
    json_t *val;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: the top level must be an object", path);
        rc = -1;
    }
    json_object_foreach(rc == 0 ? root : NULL, top, val) {
        if (strcmp(top, "thresholds") != 0) {
            snprintf(err, errlen, "%s: unknown key '%s' (known: thresholds)", path, top);
            rc = -1;
            break;
        }
        if (!json_is_object(val)) {
            snprintf(err, errlen, "%s: 'thresholds' must be an object", path);
            rc = -1;
            break;
        }
        const char *name;
        json_t *v;
        json_object_foreach(val, name, v) {
            const struct key *k = NULL;
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                if (strcmp(keys[i].name, name) == 0)
                    k = &keys[i];
            if (!k) {
                snprintf(err, errlen, "%s: unknown threshold '%s'", path, name);
                rc = -1;
                break;
            }
            if (!json_is_number(v) || json_number_value(v) < 0) {
                snprintf(err, errlen, "%s: threshold '%s' must be a number >= 0", path, name);
                rc = -1;
                break;
            }
            double d = json_number_value(v);
            char *field = (char *)t + k->offset;
            if (k->kind == K_SHARE && d > 1.0) {
                snprintf(err, errlen, "%s: threshold '%s' is a share from 0 to 1", path, name);
                rc = -1;
                break;
            }
            /* a count or a time in ms: a double past 2^63 has no long long (the cast would be
             * undefined), and no threshold means anything near it */
            if (k->kind != K_SHARE && k->kind != K_REAL && !(d < 9.0e15)) {
                snprintf(err, errlen, "%s: threshold '%s' is too large (at most 9e15)", path, name);
                rc = -1;
                break;
            }
            if (k->kind == K_SHARE || k->kind == K_REAL)
                *(double *)field = d;
            else
                *(long long *)field = (long long)d;
        }
        if (rc)
            break;
    }
    json_decref(root);
    return rc;
}
