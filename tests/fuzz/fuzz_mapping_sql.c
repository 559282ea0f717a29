/* libFuzzer: a mapping file is user input. Whatever bytes it holds, wf_mapping_load either
 * loads it or refuses with one non-empty line that names the file; and mapping_check_sql, on
 * any text, keeps its contract: 0 with the parameters used ($1..$k, all of them, k <= max), or
 * -1 with a one-line reason. The same input feeds both. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../collectors/pg_mapping.h"

/* UBSan findings are failures here, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

#define MAX_PARAMS_TRIED 3

static char mapping_path[256];
static int mapping_fd = -1;

static void remove_mapping_file(void)
{
    if (mapping_fd >= 0)
        unlink(mapping_path);
}

/* One temporary file for the whole run, rewritten for each input. */
static void open_mapping_file(void)
{
    const char *dir = getenv("TMPDIR");
    snprintf(mapping_path, sizeof mapping_path, "%s/queuetop-fuzz-mapping-XXXXXX",
             dir && *dir ? dir : "/tmp");
    mapping_fd = mkstemp(mapping_path);
    if (mapping_fd < 0) {
        perror("fuzz_mapping_sql: mkstemp");
        abort();
    }
    atexit(remove_mapping_file);
}

/* A reason is one non-empty, terminated line. */
static void check_reason(const char *why, size_t size)
{
    if (memchr(why, '\0', size) == NULL || why[0] == '\0' || strpbrk(why, "\r\n") != NULL)
        abort();
}

/* Whether sql has $n for parameter n anywhere (also written $01; in a string or not). */
static int mentions_param(const char *sql, int n)
{
    for (const char *p = strchr(sql, '$'); p; p = strchr(p + 1, '$')) {
        long v = 0;
        const char *d = p + 1;
        if (!isdigit((unsigned char)*d))
            continue;
        for (; isdigit((unsigned char)*d); d++)
            if (v <= 1000)
                v = v * 10 + (*d - '0');
        if (v == n)
            return 1;
    }
    return 0;
}

static void fuzz_check_sql(const char *sql)
{
    int used[MAX_PARAMS_TRIED + 1];
    int rc[MAX_PARAMS_TRIED + 1];
    for (int max = 0; max <= MAX_PARAMS_TRIED; max++) {
        char why[200] = "";
        used[max] = -1;
        rc[max] = mapping_check_sql(sql, max, &used[max], why, sizeof why);
        if (rc[max] == 0) {
            if (used[max] < 0 || used[max] > max)
                abort();
            /* every parameter it says is used appears in the text */
            for (int i = 1; i <= used[max]; i++)
                if (!mentions_param(sql, i))
                    abort();
        } else if (rc[max] == -1) {
            check_reason(why, sizeof why);
        } else {
            abort();
        }
    }
    /* Allowing more parameters changes nothing but whether the ones used are allowed: the text
     * passes with max parameters exactly when it passes with the most and uses no more than max. */
    int most = MAX_PARAMS_TRIED;
    for (int max = 0; max < most; max++) {
        int expect_ok = rc[most] == 0 && used[most] <= max;
        if (expect_ok != (rc[max] == 0) || (expect_ok && used[max] != used[most]))
            abort();
    }
}

static void fuzz_load(const uint8_t *data, size_t size)
{
    if (ftruncate(mapping_fd, 0) != 0 || pwrite(mapping_fd, data, size, 0) != (ssize_t)size) {
        perror("fuzz_mapping_sql: writing the mapping file");
        abort();
    }
    char err[512];
    memset(err, 'x', sizeof err);
    err[0] = '\0';
    struct wf_mapping *m = wf_mapping_load(mapping_path, err, sizeof err);
    if (m) {
        if (strcmp(wf_mapping_path(m), mapping_path) != 0)
            abort();
        wf_mapping_free(m);
    } else {
        if (memchr(err, '\0', sizeof err) == NULL ||
            strncmp(err, mapping_path, strlen(mapping_path)) != 0)
            abort();   /* a terminated message that names the file */
        check_reason(err, sizeof err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (mapping_fd < 0)
        open_mapping_file();

    char *sql = malloc(size + 1);
    memcpy(sql, data, size);
    sql[size] = '\0';
    fuzz_check_sql(sql);
    free(sql);

    fuzz_load(data, size);
    return 0;
}
