/* mapping_internal.h -- what the two halves of the mapping source share: the sections a mapping
 * file may have, the fields of each, and a loaded mapping. pg_mapping.c loads and checks a
 * file; pg_mapping_read.c runs its queries and reads their rows. */
#ifndef QT_MAPPING_INTERNAL_H
#define QT_MAPPING_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "pg_mapping.h"

enum field_kind {
    F_TEXT,     /* struct bytes: any column type, its text; NULL is "" */
    F_JSON,     /* struct bytes: compact JSON text; NULL or JSON null is "" */
    F_INT,      /* long long: smallint, integer or bigint; NULL is QT_UNKNOWN */
    F_TIME,     /* long long epoch ms: as F_INT */
    F_STATUS,   /* char[32] of struct status_count: the text, cut */
};

struct field_def {
    const char *name;        /* the key under "columns" */
    enum field_kind kind;
    size_t offset;           /* into the struct a row fills */
    bool required;
};

enum section_id {
    SEC_COUNTS, SEC_RUNNING, SEC_FAILURES, SEC_RATES, SEC_FIND, SEC_WORKFLOW, SEC_TASKS,
    SEC_COUNT
};

struct section_def {
    const char *name;
    const struct field_def *fields;
    size_t field_n;
    const char *param;       /* what $1 is */
    bool required;
};

extern const struct section_def section_defs[SEC_COUNT];

#define FIELDS_MAX 20
#define RATE_WINDOW_DEFAULT_MIN 5
#define RATE_WINDOW_MAX_MIN 1440

struct section {
    bool present;
    char *sql;
    int params;                  /* how many parameters the SQL uses: 0 or 1 */
    char *columns[FIELDS_MAX];   /* result column per field of the section_def; NULL unmapped */
};

struct wf_mapping {
    char *path;
    int rate_window_min;
    struct section sec[SEC_COUNT];
};

/* Up to max bytes of s[0..len) for a message, control characters and double quotes as ?. */
void mapping_clean_text(const char *s, size_t len, size_t max, char *out, size_t outlen);
/* "path: \"json.path\": message" into err, the key parts cleaned. */
void mapping_path_error(char *err, size_t errlen, const char *file, const char *jpath,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
