/* Redis URL parsing: the forms users type, and the errors they should get. */
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "../../collectors/redis_conn.h"

static struct redis_target t;
static char err[256];

static int setup(void **state)
{
    (void)state;
    unsetenv("REDISCLI_AUTH");
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(redis_url_parse("redis://localhost", &t, err, sizeof err), 0);
    assert_string_equal(t.host, "localhost");
    assert_int_equal(t.port, 6379);
    assert_int_equal(t.db, 0);
    assert_false(t.has_password);
    assert_false(t.unix_socket);
}

static void test_full_form(void **state)
{
    (void)state;
    assert_int_equal(redis_url_parse("redis://app:s3cr%40t@10.1.2.3:6390/4", &t, err, sizeof err), 0);
    assert_string_equal(t.user, "app");
    assert_string_equal(t.password, "s3cr@t");
    assert_true(t.has_password);
    assert_string_equal(t.host, "10.1.2.3");
    assert_int_equal(t.port, 6390);
    assert_int_equal(t.db, 4);
}

static void test_password_only(void **state)
{
    (void)state;
    assert_int_equal(redis_url_parse("redis://:pw@h:1", &t, err, sizeof err), 0);
    assert_string_equal(t.user, "");
    assert_string_equal(t.password, "pw");
    assert_int_equal(t.port, 1);
}

static void test_ipv6(void **state)
{
    (void)state;
    assert_int_equal(redis_url_parse("redis://[::1]:7000", &t, err, sizeof err), 0);
    assert_string_equal(t.host, "::1");
    assert_int_equal(t.port, 7000);
    char buf[600];
    redis_target_display(&t, buf, sizeof buf);
    assert_string_equal(buf, "redis://[::1]:7000");
}

static void test_unix(void **state)
{
    (void)state;
    assert_int_equal(redis_url_parse("unix:///run/redis/redis.sock?db=3", &t, err, sizeof err), 0);
    assert_true(t.unix_socket);
    assert_string_equal(t.path, "/run/redis/redis.sock");
    assert_int_equal(t.db, 3);
    assert_int_equal(redis_url_parse("unix://u:p@/tmp/r.sock", &t, err, sizeof err), 0);
    assert_string_equal(t.user, "u");
    assert_string_equal(t.password, "p");
    assert_string_equal(t.path, "/tmp/r.sock");
}

static void test_bare_host(void **state)
{
    (void)state;
    assert_int_equal(redis_url_parse("cache.internal:6380", &t, err, sizeof err), 0);
    assert_string_equal(t.host, "cache.internal");
    assert_int_equal(t.port, 6380);
}

static void test_env_password(void **state)
{
    (void)state;
    setenv("REDISCLI_AUTH", "fromenv", 1);
    assert_int_equal(redis_url_parse("redis://h", &t, err, sizeof err), 0);
    assert_string_equal(t.password, "fromenv");
    /* the URL's own password wins */
    assert_int_equal(redis_url_parse("redis://:mine@h", &t, err, sizeof err), 0);
    assert_string_equal(t.password, "mine");
    unsetenv("REDISCLI_AUTH");
}

static void test_display_hides_password(void **state)
{
    (void)state;
    char buf[600];
    assert_int_equal(redis_url_parse("redis://bob:hunter2@h:1/2", &t, err, sizeof err), 0);
    redis_target_display(&t, buf, sizeof buf);
    assert_null(strstr(buf, "hunter2"));
    assert_string_equal(buf, "redis://bob:***@h:1/2");
}

static void test_errors(void **state)
{
    (void)state;
    const char *bad[] = { "", "http://h", "redis://h:0", "redis://h:65536", "redis://h:x",
                          "redis://h/abc", "rediss://h:x", "unix://relative.sock",
                          "unix:///s?foo=1", "redis://[::1", "redis://:%zz@h", "redis://h\x1b:1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(redis_url_parse(bad[i], &t, err, sizeof err), -1);
        assert_true(strlen(err) > 5);
        assert_null(strchr(err, '\n'));
    }
    redis_url_parse("redisx://h", &t, err, sizeof err);
    assert_non_null(strstr(err, "rediss://"));
}

static void test_sentinel_url(void **state)
{
    (void)state;
    char buf[600];
    assert_int_equal(redis_url_parse("redis-sentinel://:pw@s1,s2:26380,[::1]:7/jobs%2Dmain/2", &t,
                                     err, sizeof err), 0);
    assert_true(t.sentinel);
    assert_false(t.tls);
    assert_int_equal(t.sentinel_count, 3);
    assert_string_equal(t.sentinels[0].host, "s1");
    assert_int_equal(t.sentinels[0].port, 26379);
    assert_int_equal(t.sentinels[1].port, 26380);
    assert_string_equal(t.sentinels[2].host, "::1");
    assert_string_equal(t.master_name, "jobs-main");
    assert_int_equal(t.db, 2);
    assert_true(t.has_password);
    redis_target_display(&t, buf, sizeof buf);
    assert_string_equal(buf, "redis-sentinel://:***@s1:26379,s2:26380,[::1]:7/jobs-main/2");
    assert_int_equal(redis_url_parse("rediss-sentinel://s1/m", &t, err, sizeof err), 0);
    assert_true(t.tls);
    const char *bad[] = { "redis-sentinel://s1", "redis-sentinel://s1/", "redis-sentinel://,s1/m",
                          "redis-sentinel://s1:0/m", "redis-sentinel://s1/m/x",
                          "redis-sentinel://a,b,c,d,e,f,g,h,i/m", "redis-sentinel:///m" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(redis_url_parse(bad[i], &t, err, sizeof err), -1);
        assert_true(strlen(err) > 5);
    }
}

static void test_tls_url(void **state)
{
    (void)state;
    char buf[600];
    assert_int_equal(redis_url_parse("rediss://bob:pw@cache.example:6380/3", &t, err, sizeof err),
                     0);
    assert_true(t.tls);
    assert_false(t.unix_socket);
    assert_string_equal(t.host, "cache.example");
    assert_int_equal(t.port, 6380);
    assert_int_equal(t.db, 3);
    redis_target_display(&t, buf, sizeof buf);
    assert_string_equal(buf, "rediss://bob:***@cache.example:6380/3");
    assert_int_equal(redis_url_parse("redis://h", &t, err, sizeof err), 0);
    assert_false(t.tls);
}

static void test_info_field(void **state)
{
    (void)state;
    char buf[32];
    const char *info = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";
    assert_int_equal(redis_info_field(info, "redis_version", buf, sizeof buf), 0);
    assert_string_equal(buf, "7.0.15");
    assert_int_equal(redis_info_field(info, "redis", buf, sizeof buf), -1);
    assert_int_equal(redis_info_field(info, "missing", buf, sizeof buf), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, setup),
        cmocka_unit_test_setup(test_full_form, setup),
        cmocka_unit_test_setup(test_tls_url, setup),
        cmocka_unit_test_setup(test_sentinel_url, setup),
        cmocka_unit_test_setup(test_password_only, setup),
        cmocka_unit_test_setup(test_ipv6, setup),
        cmocka_unit_test_setup(test_unix, setup),
        cmocka_unit_test_setup(test_bare_host, setup),
        cmocka_unit_test_setup(test_env_password, setup),
        cmocka_unit_test_setup(test_display_hides_password, setup),
        cmocka_unit_test_setup(test_errors, setup),
        cmocka_unit_test(test_info_field),
    };
    return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
