/* The configuration file: thresholds read as given, and every odd value refused with a reason
 * naming the key, never cast into undefined behaviour (1e300 as a count). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm.h"
#include "../../tui/config.h"

/* writes text to a temporary file; returns its path (static buffer) */
static const char *file_with(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/queuetop-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (long)strlen(text));
    close(fd);
    return path;
}

static int load(const char *text, struct thresholds *t, char *err, size_t errlen)
{
    const char *path = file_with(text);
    int rc = config_load(path, t, err, errlen);
    unlink(path);
    return rc;
}

static void test_values_taken(void **state)
{
    (void)state;
    struct thresholds t;
    memset(&t, 0, sizeof t);
    char err[256] = "";
    assert_int_equal(load("{\"thresholds\": {\"lag_warn\": 250, \"memory_warn_share\": 0.75,"
                          " \"oldest_crit_ms\": 600000, \"ping_budget_ms\": 2.5}}", &t, err,
                          sizeof err), 0);
    assert_int_equal(t.lag_warn, 250);
    assert_true(t.memory_warn_share == 0.75);
    assert_int_equal(t.oldest_crit_ms, 600000);
    assert_true(t.ping_budget_ms == 2.5);
}

static void test_odd_values_refused(void **state)
{
    (void)state;
    static const struct { const char *text, *want; } cases[] = {
        { "{\"thresholds\": {\"lag_warn\": 1e300}}", "'lag_warn' is too large" },
        { "{\"thresholds\": {\"oldest_warn_ms\": 9.3e18}}", "'oldest_warn_ms' is too large" },
        { "{\"thresholds\": {\"lag_warn\": -1}}", "must be a number >= 0" },
        { "{\"thresholds\": {\"lag_warn\": \"10\"}}", "must be a number >= 0" },
        { "{\"thresholds\": {\"memory_warn_share\": 1.5}}", "share from 0 to 1" },
        { "{\"thresholds\": {\"nope\": 1}}", "unknown threshold 'nope'" },
        { "{\"other\": {}}", "unknown key 'other'" },
        { "[1]", "top level must be an object" },
        { "{\"thresholds\": {\"lag_warn\": 1,}}", ":1:" },   /* line and column of the error */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct thresholds t;
        memset(&t, 0, sizeof t);
        char err[256] = "";
        assert_int_equal(load(cases[i].text, &t, err, sizeof err), -1);
        if (!strstr(err, cases[i].want))
            fail_msg("%s: '%s' does not say '%s'", cases[i].text, err, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_taken),
        cmocka_unit_test(test_odd_values_refused),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
