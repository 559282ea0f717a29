/* test_field.c -- a list's filter (tui/field.h), the same keys in every view that has one:
 * typing, Enter keeps, Esc clears while typing and after, what the view is told to rebuild,
 * and the keys it leaves to the view. */
#include "../../tui/field.h"

#include <string.h>

#include "cm.h"
#include "../../tui/keys.h"
#include "../../views/view.h"

static int type(struct filter *f, const char *keys, int *rebuilds)
{
    int act = ACT_NONE;
    for (const char *k = keys; *k; k++) {
        bool changed = true;
        act = filter_key(f, (unsigned char)*k, &changed);
        *rebuilds += changed;
    }
    return act;
}

static void test_type_keep_and_clear(void **state)
{
    (void)state;
    struct filter f = { 0 };
    int rebuilds = 0;
    assert_int_equal(type(&f, "/", &rebuilds), ACT_REDRAW);
    assert_true(f.editing);
    assert_int_equal(rebuilds, 0);                 /* starting to type changes nothing */
    type(&f, "ord", &rebuilds);
    assert_string_equal(f.text, "ord");
    assert_int_equal(rebuilds, 3);                 /* it applies as it is typed */
    bool changed = true;
    assert_int_equal(filter_key(&f, QK_BACKSPACE, &changed), ACT_REDRAW);
    assert_true(changed);
    assert_string_equal(f.text, "or");
    assert_int_equal(filter_key(&f, '\r', &changed), ACT_REDRAW);   /* Enter keeps it */
    assert_false(changed);
    assert_false(f.editing);
    assert_string_equal(f.text, "or");
    /* kept: the view's keys are the view's again, and Esc clears it */
    assert_int_equal(filter_key(&f, 's', &changed), ACT_NONE);
    assert_int_equal(filter_key(&f, 27, &changed), ACT_REDRAW);
    assert_true(changed);
    assert_string_equal(f.text, "");
    /* nothing kept: Esc is the view's (its way back) */
    assert_int_equal(filter_key(&f, 27, &changed), ACT_NONE);
    assert_false(changed);
}

static void test_keys_while_typing(void **state)
{
    (void)state;
    struct filter f = { 0 };
    int rebuilds = 0;
    type(&f, "/ab", &rebuilds);
    bool changed = true;
    /* a key the field ignores is still taken: nothing else happens while typing */
    assert_int_equal(filter_key(&f, QK_PGDN, &changed), ACT_HANDLED);
    assert_false(changed);
    /* Esc while typing clears and ends it */
    assert_int_equal(filter_key(&f, 27, &changed), ACT_REDRAW);
    assert_true(changed);
    assert_false(f.editing);
    assert_string_equal(f.text, "");
    /* the prompt shows while typing only */
    char line[128] = "unchanged";
    assert_false(filter_prompt(&f, line, sizeof line, "Filter"));
    assert_string_equal(line, "unchanged");
    type(&f, "/x", &rebuilds);
    assert_true(filter_prompt(&f, line, sizeof line, "Filter"));
    assert_non_null(strstr(line, "Filter: x_"));
}

static void test_text_is_bounded(void **state)
{
    (void)state;
    struct filter f = { 0 };
    int rebuilds = 0;
    type(&f, "/", &rebuilds);
    for (int i = 0; i < 500; i++)
        type(&f, "z", &rebuilds);
    assert_int_equal(strlen(f.text), sizeof f.text - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_keep_and_clear),
        cmocka_unit_test(test_keys_while_typing),
        cmocka_unit_test(test_text_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
