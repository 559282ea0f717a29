/* Stream entry IDs and the ages derived from them. */
#include <string.h>
#include "cm.h"
#include "../../collectors/stream_id.h"

static void test_parse(void **state)
{
    (void)state;
    struct stream_id id;
    assert_int_equal(stream_id_parse("1700000000123-7", 15, &id), 0);
    assert_true(id.ms == 1700000000123ULL);
    assert_true(id.seq == 7);
    assert_int_equal(stream_id_parse("42", 2, &id), 0);
    assert_true(id.ms == 42 && id.seq == 0);
    assert_int_equal(stream_id_parse("18446744073709551615-18446744073709551615", 41, &id), 0);
    assert_true(id.ms == UINT64_MAX && id.seq == UINT64_MAX);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    struct stream_id id;
    const char *bad[] = { "", "-", "1-", "-1", "a-1", "1-b", "1-2-3", "18446744073709551616-0",
                          " 1-2", "1-2 " };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(stream_id_parse(bad[i], strlen(bad[i]), &id), -1);
    assert_int_equal(stream_id_parse(NULL, 0, &id), -1);
}

static void test_age(void **state)
{
    (void)state;
    struct stream_id id = { 1000, 0 };
    assert_int_equal(stream_id_age_ms(id, 61000), 60000);
    assert_int_equal(stream_id_age_ms(id, 1000), 0);
    assert_int_equal(stream_id_age_ms(id, 500), 0);   /* future id: clock skew, not negative */
    struct stream_id huge = { UINT64_MAX, 0 };
    assert_int_equal(stream_id_age_ms(huge, 5000), 0);
}

static void test_cmp(void **state)
{
    (void)state;
    struct stream_id a = { 5, 1 }, b = { 5, 2 }, c = { 6, 0 };
    assert_int_equal(stream_id_cmp(a, b), -1);
    assert_int_equal(stream_id_cmp(c, b), 1);
    assert_int_equal(stream_id_cmp(a, a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_cmp),
    };
    return cmocka_run_group_tests_name("stream_id", tests, NULL, NULL);
}
