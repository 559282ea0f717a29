/* test_list_nav.c -- moving through a list (tui/list_nav.h): each key's row, clamped to the
 * list, a page that keeps one row of the last in view, and the scroll that keeps the cursor
 * on screen while moving as little as possible; and struct list: the cursor stays on its item
 * when the rows move, the order and filter keys ask for new rows. */
#include "../../tui/keys.h"

#include "cm.h"
#include "../../tui/list_nav.h"

#include <stdlib.h>
#include <string.h>

#include "../../collectors/util.h"
#include "../../views/view.h"

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

/* items are names; a list's rows index into them */
static bool name_is(const void *ctx, size_t item, const struct bytes *id)
{
    const char *const *names = ctx;
    return strlen(names[item]) == id->len && memcmp(names[item], id->ptr, id->len) == 0;
}

static void name_remember(const void *ctx, size_t item, struct bytes *id)
{
    const char *const *names = ctx;
    bytes_set(id, names[item], strlen(names[item]));
}

static const struct list_ident names_ident = { name_is, name_remember };

static size_t *rows_of(const size_t *r, size_t n)
{
    size_t *rows = xcalloc(n + 1, sizeof *rows);
    memcpy(rows, r, n * sizeof *rows);
    return rows;
}

static void test_list_keeps_its_item(void **state)
{
    (void)state;
    const char *names[] = { "a", "b", "c", "d" };
    struct list l;
    list_init(&l, &names_ident, 3);
    list_set_rows(&l, rows_of((size_t[]){ 0, 1, 2, 3 }, 4), 4, names);
    bool rebuild = false;
    assert_int_equal(list_key(&l, 'j', names, &rebuild), ACT_REDRAW);
    assert_int_equal(list_key(&l, 'j', names, &rebuild), ACT_REDRAW);
    assert_false(rebuild);
    size_t item = 99;
    assert_true(list_current(&l, &item));
    assert_int_equal(item, 2);   /* "c" */
    /* the rows move (a new order, a new sample): the cursor follows "c" */
    list_set_rows(&l, rows_of((size_t[]){ 2, 3, 0, 1 }, 4), 4, names);
    assert_int_equal(l.selected, 0);
    /* "c" is gone: the cursor stays at its row number, on what is there now */
    list_set_rows(&l, rows_of((size_t[]){ 3, 1 }, 2), 2, names);
    assert_true(list_current(&l, &item));
    assert_int_equal(item, 3);
    /* empty, then back: nothing selected, then the first row */
    list_set_rows(&l, NULL, 0, names);
    assert_false(list_current(&l, &item));
    list_free(&l);
}

static void test_list_order_and_filter_keys(void **state)
{
    (void)state;
    const char *names[] = { "a", "b" };
    struct list l;
    list_init(&l, &names_ident, 3);
    list_set_rows(&l, rows_of((size_t[]){ 0, 1 }, 2), 2, names);
    bool rebuild = false;
    assert_int_equal(list_key(&l, 's', names, &rebuild), ACT_REDRAW);
    assert_true(rebuild);
    assert_int_equal(l.sort, 1);
    list_key(&l, 's', names, &rebuild);
    list_key(&l, 's', names, &rebuild);
    assert_int_equal(l.sort, 0);   /* round the orders */
    rebuild = false;
    list_key(&l, 'S', names, &rebuild);
    assert_true(rebuild);
    assert_true(l.reverse);
    rebuild = false;
    list_key(&l, '/', names, &rebuild);
    assert_false(rebuild);
    assert_int_equal(list_key(&l, 'j', names, &rebuild), ACT_REDRAW);   /* typed, not moved */
    assert_true(rebuild);
    assert_string_equal(l.filter.text, "j");
    assert_int_equal(l.selected, 0);
    assert_int_equal(list_key(&l, 'x' + 100, names, &rebuild), ACT_HANDLED);
    list_key(&l, '\r', names, &rebuild);
    assert_int_equal(list_key(&l, 'q', names, &rebuild), ACT_NONE);   /* the view's */
    list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_move_and_clamp),
        cmocka_unit_test(test_scroll_follows_the_cursor),
        cmocka_unit_test(test_list_keeps_its_item),
        cmocka_unit_test(test_list_order_and_filter_keys),
    };
    return cmocka_run_group_tests_name("list_nav", tests, NULL, NULL);
}
