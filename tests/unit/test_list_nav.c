/* test_list_nav.c -- moving through a list (tui/list_nav.h): each key's row, clamped to the
 * list, a page that keeps one row of the last in view, and the scroll that keeps the cursor
 * on screen while moving as little as possible. */
#include "../../tui/keys.h"

#include "cm.h"
#include "../../tui/list_nav.h"

static long moved(int key, long at, long count, int page)
{
    long to = -99;
    assert_true(list_nav_key(key, at, count, page, &to));
    return to;
}

static void test_keys_move_and_clamp(void **state)
{
    (void)state;
    assert_int_equal(moved('j', 3, 10, 5), 4);
    assert_int_equal(moved(QK_DOWN, 9, 10, 5), 9);     /* at the end it stays */
    assert_int_equal(moved('k', 0, 10, 5), 0);
    assert_int_equal(moved(QK_UP, 5, 10, 5), 4);
    assert_int_equal(moved(QK_PGDN, 0, 10, 5), 4);    /* a page less one row */
    assert_int_equal(moved(' ', 8, 10, 5), 9);
    assert_int_equal(moved(QK_PGUP, 2, 10, 5), 0);
    assert_int_equal(moved('G', 0, 10, 5), 9);
    assert_int_equal(moved(QK_HOME, 7, 10, 5), 0);
    assert_int_equal(moved(QK_PGDN, 0, 10, 1), 1);    /* a page of one row still moves */
    assert_int_equal(moved('G', 0, 0, 5), 0);           /* an empty list: row 0 */
    long to = 42;
    assert_false(list_nav_key('x', 3, 10, 5, &to));
    assert_int_equal(to, 42);
}

static void test_scroll_follows_the_cursor(void **state)
{
    (void)state;
    assert_int_equal(list_nav_scroll(0, 3, 5, 20), 0);   /* on screen: no move */
    assert_int_equal(list_nav_scroll(0, 7, 5, 20), 3);   /* below: the last row shown */
    assert_int_equal(list_nav_scroll(10, 4, 5, 20), 4);  /* above: the first row shown */
    assert_int_equal(list_nav_scroll(18, 19, 5, 20), 15);   /* no empty rows at the end */
    assert_int_equal(list_nav_scroll(9, 2, 5, 3), 0);    /* fewer rows than the screen */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_move_and_clamp),
        cmocka_unit_test(test_scroll_follows_the_cursor),
    };
    return cmocka_run_group_tests_name("list_nav", tests, NULL, NULL);
}
