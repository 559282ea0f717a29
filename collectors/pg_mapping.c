/* pg_mapping.c -- see pg_mapping.h and docs/mapping.md: what a mapping file may say, the check
 * of its SQL, and loading it. Running its queries is pg_mapping_read.c. */
#include "mapping_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "pg_conn.h"
#include "util.h"
#include "pq_lib.h"   /* last: libpq through its loaded table */

/* ---- what a mapping file may say ---------------------------------------------------------- */

#define BRIEF(f, k, req) { #f, k, offsetof(struct exec_brief, f), req }
#define BRIEF_OPTIONAL                                                                         \
    BRIEF(correlation_id, F_TEXT, false), BRIEF(reason, F_TEXT, false),                        \
    BRIEF(failed_ref, F_TEXT, false), BRIEF(failed_reason, F_TEXT, false),                     \
    BRIEF(failed_retry_count, F_INT, false)

static const struct field_def counts_fields[] = {
    { "type", F_TEXT, offsetof(struct status_count, type), true },
    { "status", F_STATUS, offsetof(struct status_count, status), true },
    { "count", F_INT, offsetof(struct status_count, count), true },
};
static const struct field_def running_fields[] = {
    BRIEF(id, F_TEXT, true), BRIEF(name, F_TEXT, true), BRIEF(start_ms, F_TIME, true),
    BRIEF(status, F_TEXT, false), BRIEF(end_ms, F_TIME, false), BRIEF_OPTIONAL,
};
static const struct field_def failures_fields[] = {
    BRIEF(id, F_TEXT, true), BRIEF(name, F_TEXT, true), BRIEF(status, F_TEXT, true),
    BRIEF(end_ms, F_TIME, true), BRIEF(start_ms, F_TIME, false), BRIEF_OPTIONAL,
};
static const struct field_def find_fields[] = {
    BRIEF(id, F_TEXT, true), BRIEF(name, F_TEXT, true), BRIEF(status, F_TEXT, true),
    BRIEF(start_ms, F_TIME, false), BRIEF(end_ms, F_TIME, false), BRIEF_OPTIONAL,
};
static const struct field_def rates_fields[] = {
    { "type", F_TEXT, offsetof(struct type_rate, type), true },
    { "started", F_INT, offsetof(struct type_rate, started), true },
    { "completed", F_INT, offsetof(struct type_rate, completed), true },
    { "failed", F_INT, offsetof(struct type_rate, failed), true },
};
#define WF(f, k, req) { #f, k, offsetof(struct workflow_exec, f), req }
static const struct field_def workflow_fields[] = {
    WF(id, F_TEXT, true), WF(name, F_TEXT, true), WF(status, F_TEXT, true),
    WF(start_ms, F_TIME, true), WF(version, F_INT, false), WF(correlation_id, F_TEXT, false),
    WF(reason, F_TEXT, false), WF(parent_id, F_TEXT, false), WF(end_ms, F_TIME, false),
    WF(update_ms, F_TIME, false), WF(input, F_JSON, false), WF(output, F_JSON, false),
};
#define TASK(f, k, req) { #f, k, offsetof(struct task_exec, f), req }
static const struct field_def tasks_fields[] = {
    TASK(task_id, F_TEXT, true), TASK(ref, F_TEXT, true), TASK(status, F_TEXT, true),
    TASK(seq, F_INT, true), TASK(type, F_TEXT, false), TASK(retry_count, F_INT, false),
    TASK(poll_count, F_INT, false), TASK(scheduled_ms, F_TIME, false),
    TASK(start_ms, F_TIME, false), TASK(end_ms, F_TIME, false), TASK(update_ms, F_TIME, false),
    TASK(worker_id, F_TEXT, false), TASK(reason, F_TEXT, false),
    TASK(sub_workflow_id, F_TEXT, false), TASK(workflow_id, F_TEXT, false),
    TASK(input, F_JSON, false), TASK(output, F_JSON, false),
};

const struct section_def section_defs[SEC_COUNT] = {
    [SEC_COUNTS] = { "counts", counts_fields, ARRAY_LEN(counts_fields), "the window in hours",
                     false },
    [SEC_RUNNING] = { "running", running_fields, ARRAY_LEN(running_fields),
                      "the window in hours", false },
    [SEC_FAILURES] = { "failures", failures_fields, ARRAY_LEN(failures_fields),
                       "the window in hours", false },
    [SEC_RATES] = { "rates", rates_fields, ARRAY_LEN(rates_fields), "the rate window in minutes",
                    false },
    [SEC_FIND] = { "find", find_fields, ARRAY_LEN(find_fields), "the search text", false },
    [SEC_WORKFLOW] = { "workflow", workflow_fields, ARRAY_LEN(workflow_fields),
                       "the execution id", true },
    [SEC_TASKS] = { "tasks", tasks_fields, ARRAY_LEN(tasks_fields), "the execution id", false },
};

/* ---- the SQL check ------------------------------------------------------------------------ */

static bool ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool tag_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* Skips white space and comments (-- to the end of the line, nested slash-star). Sets
 * *unterminated when a comment never closes. */
static const char *skip_space(const char *p, bool *unterminated)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            int depth = 1;
            p += 2;
            while (*p && depth) {
                if (p[0] == '/' && p[1] == '*') {
                    depth++;
                    p += 2;
                } else if (p[0] == '*' && p[1] == '/') {
                    depth--;
                    p += 2;
                } else {
                    p++;
                }
            }
            if (depth) {
                *unterminated = true;
                return p;
            }
        } else {
            return p;
        }
    }
}

/* Copies up to max bytes of s (len of them) for a message, control characters and double
 * quotes as '?'. */
void mapping_clean_text(const char *s, size_t len, size_t max, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < len && i < max && o + 1 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
    }
    out[o] = '\0';
}

#define PARAMS_TRACKED 100

/* Words that make a SELECT or WITH write or lock rows (a data-modifying WITH, SELECT INTO,
 * FOR UPDATE). The session is read-only anyway; this says so at load time, in words. */
static const char *const writing_words[] = { "INSERT", "UPDATE", "DELETE", "MERGE", "INTO" };

int mapping_check_sql(const char *sql, int max_params, int *params_used, char *why,
                      size_t whylen)
{
    bool unterminated = false;
    bool used[PARAMS_TRACKED + 1] = { false };
    const char *start = skip_space(sql, &unterminated);
    *params_used = 0;
    if (unterminated) {
        snprintf(why, whylen, "has an unterminated /* comment");
        return -1;
    }
    if (!*start) {
        snprintf(why, whylen, "is empty");
        return -1;
    }
    size_t word = 0;
    while (ident_char((unsigned char)start[word]))
        word++;
    if (!((word == 6 && strncasecmp(start, "select", 6) == 0) ||
          (word == 4 && strncasecmp(start, "with", 4) == 0))) {
        char first[24];
        mapping_clean_text(start, word ? word : 1, 20, first, sizeof first);
        snprintf(why, whylen, "must be one read statement starting with SELECT or WITH"
                              " (it starts with \"%s\")", first);
        return -1;
    }

    const char *p = start;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if ((c == '-' && p[1] == '-') || (c == '/' && p[1] == '*')) {
            p = skip_space(p, &unterminated);
            if (unterminated) {
                snprintf(why, whylen, "has an unterminated /* comment");
                return -1;
            }
        } else if (c == '\'') {
            /* E'...' strings take backslash escapes; standard strings only '' */
            bool backslash = p > sql && (p[-1] == 'e' || p[-1] == 'E') &&
                             (p - 1 == sql || !ident_char((unsigned char)p[-2]));
            p++;
            for (;;) {
                if (!*p) {
                    snprintf(why, whylen, "has an unterminated quoted string");
                    return -1;
                }
                if (backslash && *p == '\\' && p[1]) {
                    p += 2;
                } else if (*p == '\'' && p[1] == '\'') {
                    p += 2;
                } else if (*p == '\'') {
                    p++;
                    break;
                } else {
                    p++;
                }
            }
        } else if (c == '"') {
            p++;
            for (;;) {
                if (!*p) {
                    snprintf(why, whylen, "has an unterminated quoted identifier");
                    return -1;
                }
                if (*p == '"' && p[1] == '"') {
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    p++;
                }
            }
        } else if (c == '$' && p > sql && ident_char((unsigned char)p[-1])) {
            p++;   /* part of an identifier, like a$b */
        } else if (c == '$' && isdigit((unsigned char)p[1])) {
            const char *digits = ++p;
            long n = 0;
            while (isdigit((unsigned char)*p)) {
                if (n <= PARAMS_TRACKED)
                    n = n * 10 + (*p - '0');
                p++;
            }
            if (n < 1 || n > max_params || n > PARAMS_TRACKED) {
                int len = p - digits > 20 ? 20 : (int)(p - digits);
                if (max_params == 0)
                    snprintf(why, whylen, "uses $%.*s, but there are no parameters here", len,
                             digits);
                else if (max_params == 1)
                    snprintf(why, whylen, "uses $%.*s, but the only parameter is $1", len,
                             digits);
                else
                    snprintf(why, whylen, "uses $%.*s, but the parameters are $1 to $%d", len,
                             digits, max_params);
                return -1;
            }
            used[n] = true;
        } else if (c == '$') {
            /* a dollar quote $$...$$ or $tag$...$tag$, or a lone '$' */
            const char *q = p + 1;
            if (!isdigit((unsigned char)*q)) {
                while (tag_char((unsigned char)*q))
                    q++;
            }
            if (*q != '$') {
                p++;
                continue;
            }
            size_t taglen = (size_t)(q - p) + 1;
            const char *body = q + 1, *close = NULL;
            for (const char *s = body; (s = strchr(s, '$')) != NULL; s++) {
                if (strncmp(s, p, taglen) == 0) {
                    close = s;
                    break;
                }
            }
            if (!close) {
                snprintf(why, whylen, "has an unterminated dollar-quoted string");
                return -1;
            }
            p = close + taglen;
        } else if (c == ';') {
            size_t at = (size_t)(p - sql) + 1;
            const char *rest = skip_space(p + 1, &unterminated);
            if (unterminated) {
                snprintf(why, whylen, "has an unterminated /* comment");
                return -1;
            }
            if (*rest) {
                snprintf(why, whylen,
                         "must be one statement: text follows the ';' at character %zu", at);
                return -1;
            }
            break;
        } else if ((isalpha(c) || c == '_' || c >= 0x80) &&
                   (p == sql || !ident_char((unsigned char)p[-1]))) {
            const char *w = p;
            while (ident_char((unsigned char)*p))
                p++;
            for (size_t i = 0; i < ARRAY_LEN(writing_words); i++) {
                size_t l = strlen(writing_words[i]);
                if ((size_t)(p - w) == l && strncasecmp(w, writing_words[i], l) == 0) {
                    snprintf(why, whylen, "must only read, but says %s (at character %zu)",
                             writing_words[i], (size_t)(w - sql) + 1);
                    return -1;
                }
            }
        } else {
            p++;
        }
    }

    int highest = 0;
    for (int i = 1; i <= max_params && i <= PARAMS_TRACKED; i++)
        if (used[i])
            highest = i;
    for (int i = 1; i < highest; i++) {
        if (!used[i]) {
            snprintf(why, whylen, "uses $%d but not $%d: PostgreSQL cannot tell the type of a"
                                  " parameter the statement does not use", highest, i);
            return -1;
        }
    }
    *params_used = highest;
    return 0;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* Edit distance of two short names (longer ones count as far apart). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* "unknown key (did you mean "x"?)" when a known name is within two edits of key or has it as
 * one of its words, else the list of known names. */
static void unknown_key_message(const char *what, const char *key, const char *const *known,
                                size_t n, char *out, size_t outlen)
{
    const char *near = NULL;
    size_t kl = strlen(key);
    size_t best = kl >= 5 ? 3 : 2;   /* within two edits, one for short keys */
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(key, known[i]);
        if (d < best) {
            best = d;
            near = known[i];
        }
    }
    /* "id" for "task_id": the key is one word of a known name */
    for (size_t i = 0; i < n && !near; i++) {
        size_t l = strlen(known[i]);
        if (l > kl + 1 && ((strncmp(known[i], key, kl) == 0 && known[i][kl] == '_') ||
                           (strcmp(known[i] + l - kl, key) == 0 && known[i][l - kl - 1] == '_')))
            near = known[i];
    }
    if (near) {
        snprintf(out, outlen, "unknown %s (did you mean \"%s\"?)", what, near);
        return;
    }
    size_t o = (size_t)snprintf(out, outlen, "unknown %s (known: ", what);
    for (size_t i = 0; i < n && o < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? ", " : "", known[i]);
    if (o < outlen)
        snprintf(out + o, outlen - o, ")");
}

/* "path: "json.path": message"; the key parts are cleaned of control characters and quotes. */
void mapping_path_error(char *err, size_t errlen, const char *file, const char *jpath,
                        const char *fmt, ...)
{
    char clean[160], msg[400];
    mapping_clean_text(jpath, strlen(jpath), sizeof clean, clean, sizeof clean);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: \"%s\": %s", file, clean, msg);
}

static const char *const top_keys[] = {
    "description", "counts", "running", "failures", "rates", "find", "workflow", "tasks",
};

static int load_columns(struct wf_mapping *m, enum section_id id, json_t *cols, char *err,
                        size_t errlen)
{
    const struct section_def *d = &section_defs[id];
    struct section *s = &m->sec[id];
    char jpath[200];
    if (!cols) {
        snprintf(jpath, sizeof jpath, "%s.columns", d->name);
        mapping_path_error(err, errlen, m->path, jpath, "missing");
        return -1;
    }
    if (!json_is_object(cols)) {
        snprintf(jpath, sizeof jpath, "%s.columns", d->name);
        mapping_path_error(err, errlen, m->path, jpath,
                   "must be an object of field names to result column names");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(cols, key, v) {
        snprintf(jpath, sizeof jpath, "%s.columns.%s", d->name, key);
        size_t f = 0;
        while (f < d->field_n && strcmp(d->fields[f].name, key) != 0)
            f++;
        if (f == d->field_n) {
            const char *known[FIELDS_MAX];
            char msg[400];
            for (size_t i = 0; i < d->field_n; i++)
                known[i] = d->fields[i].name;
            unknown_key_message("field", key, known, d->field_n, msg, sizeof msg);
            mapping_path_error(err, errlen, m->path, jpath, "%s", msg);
            return -1;
        }
        if (!json_is_string(v) || json_string_length(v) == 0) {
            mapping_path_error(err, errlen, m->path, jpath,
                       "must be a non-empty string: the name of a column of the result");
            return -1;
        }
        s->columns[f] = xstrdup(json_string_value(v));
    }
    for (size_t f = 0; f < d->field_n; f++) {
        if (d->fields[f].required && !s->columns[f]) {
            snprintf(jpath, sizeof jpath, "%s.columns.%s", d->name, d->fields[f].name);
            mapping_path_error(err, errlen, m->path, jpath, "missing");
            return -1;
        }
    }
    return 0;
}

/* "sql": one string, or an array of strings (the lines, joined with newlines). *out is a new
 * string (caller frees), or -1 with err. */
static int load_sql(const struct wf_mapping *m, const char *jpath, json_t *v, char **out,
                    char *err, size_t errlen)
{
    if (!v) {
        mapping_path_error(err, errlen, m->path, jpath, "missing");
        return -1;
    }
    if (!json_is_string(v) && !json_is_array(v)) {
        mapping_path_error(err, errlen, m->path, jpath, "must be a string (or an array of strings,"
                   " its lines)");
        return -1;
    }
    size_t lines = json_is_array(v) ? json_array_size(v) : 1, len = 0;
    for (size_t i = 0; i < lines; i++) {
        json_t *line = json_is_array(v) ? json_array_get(v, i) : v;
        char at[240];
        snprintf(at, sizeof at, "%s[%zu]", jpath, i);
        if (!json_is_string(line)) {
            mapping_path_error(err, errlen, m->path, at, "must be a string");
            return -1;
        }
        len += json_string_length(line) + 1;
    }
    char *sql = xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < lines; i++) {
        json_t *line = json_is_array(v) ? json_array_get(v, i) : v;
        if (i)
            sql[o++] = '\n';
        memcpy(sql + o, json_string_value(line), json_string_length(line));
        o += json_string_length(line);
    }
    sql[o] = '\0';
    *out = sql;
    return 0;
}

static int load_section(struct wf_mapping *m, enum section_id id, json_t *obj, char *err,
                        size_t errlen)
{
    const struct section_def *d = &section_defs[id];
    struct section *s = &m->sec[id];
    char jpath[200];
    if (!json_is_object(obj)) {
        mapping_path_error(err, errlen, m->path, d->name, "must be an object with \"sql\" and \"columns\"");
        return -1;
    }
    const char *known[] = { "description", "sql", "columns", "window_minutes" };
    size_t known_n = id == SEC_RATES ? 4 : 3;
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        size_t k = 0;
        while (k < known_n && strcmp(known[k], key) != 0)
            k++;
        snprintf(jpath, sizeof jpath, "%s.%s", d->name, key);
        if (k == known_n) {
            char msg[300];
            unknown_key_message("key", key, known, known_n, msg, sizeof msg);
            mapping_path_error(err, errlen, m->path, jpath, "%s", msg);
            return -1;
        }
        if (strcmp(key, "description") == 0 && !json_is_string(v)) {
            mapping_path_error(err, errlen, m->path, jpath, "must be a string");
            return -1;
        }
        if (strcmp(key, "window_minutes") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                json_integer_value(v) > RATE_WINDOW_MAX_MIN) {
                mapping_path_error(err, errlen, m->path, jpath, "must be a whole number of minutes from"
                           " 1 to %d", RATE_WINDOW_MAX_MIN);
                return -1;
            }
            m->rate_window_min = (int)json_integer_value(v);
        }
    }

    snprintf(jpath, sizeof jpath, "%s.sql", d->name);
    char *sql = NULL;
    if (load_sql(m, jpath, json_object_get(obj, "sql"), &sql, err, errlen) < 0)
        return -1;
    char why[200];
    if (mapping_check_sql(sql, 1, &s->params, why, sizeof why) < 0) {
        if (strncmp(why, "uses $", 6) == 0)
            mapping_path_error(err, errlen, m->path, jpath, "%s ($1 = %s)", why, d->param);
        else
            mapping_path_error(err, errlen, m->path, jpath, "%s", why);
        free(sql);
        return -1;
    }
    s->sql = sql;
    if (load_columns(m, id, json_object_get(obj, "columns"), err, errlen) < 0)
        return -1;
    s->present = true;
    return 0;
}

struct wf_mapping *wf_mapping_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(EISDIR));
        fclose(f);
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!root) {
        char text[160];
        str_one_line(text, sizeof text, je.text);   /* jansson quotes the file's bytes */
        if (je.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, text);
        else
            snprintf(err, errlen, "%s: %s", path, text);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: the top level must be an object of sections", path);
        json_decref(root);
        return NULL;
    }

    struct wf_mapping *m = xcalloc(1, sizeof *m);
    m->path = xstrdup(path);
    m->rate_window_min = RATE_WINDOW_DEFAULT_MIN;
    int rc = 0;
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "description") == 0) {
            if (!json_is_string(v)) {
                mapping_path_error(err, errlen, path, key, "must be a string");
                rc = -1;
                break;
            }
            continue;
        }
        int id = 0;
        while (id < SEC_COUNT && strcmp(section_defs[id].name, key) != 0)
            id++;
        if (id == SEC_COUNT) {
            char msg[300];
            unknown_key_message("section", key, top_keys, ARRAY_LEN(top_keys), msg, sizeof msg);
            mapping_path_error(err, errlen, path, key, "%s", msg);
            rc = -1;
            break;
        }
        if (load_section(m, (enum section_id)id, v, err, errlen) < 0) {
            rc = -1;
            break;
        }
    }
    for (int id = 0; rc == 0 && id < SEC_COUNT; id++) {
        if (section_defs[id].required && !m->sec[id].present) {
            mapping_path_error(err, errlen, path, section_defs[id].name, "missing (a required section)");
            rc = -1;
        }
    }
    json_decref(root);
    if (rc < 0) {
        wf_mapping_free(m);
        return NULL;
    }
    return m;
}

void wf_mapping_free(struct wf_mapping *m)
{
    if (!m)
        return;
    for (int id = 0; id < SEC_COUNT; id++) {
        free(m->sec[id].sql);
        for (size_t f = 0; f < FIELDS_MAX; f++)
            free(m->sec[id].columns[f]);
    }
    free(m->path);
    free(m);
}

const char *wf_mapping_path(const struct wf_mapping *m)
{
    return m->path;
}

