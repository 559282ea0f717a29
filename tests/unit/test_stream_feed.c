/* test_stream_feed.c -- the hand-over between the keys collector's walk and the streams
 * collector (collectors/stream_feed.h): which names belong to a pass that ended, when a pass
 * may be used to drop streams (whole, and which one), and a walk that starts over. */
#include <stdio.h>
#include <string.h>

#include "cm.h"
#include "../../collectors/stream_feed.h"

static void saw(struct stream_feed *f, const char *name)
{
    stream_feed_saw(f, name, strlen(name));
}

static void assert_name(const struct stream_feed_take *t, size_t i, const char *name)
{
    assert_true(i < t->n);
    assert_int_equal(t->names[i].len, strlen(name));
    assert_memory_equal(t->names[i].ptr, name, strlen(name));
}

/* Names before the end belong to the ended pass, the rest to the one in progress; a take
 * empties the feed. */
static void test_pass_end_splits_names(void **state)
{
    (void)state;
    struct stream_feed f;
    stream_feed_init(&f);
    stream_feed_set_up(&f, true);
    saw(&f, "a");
    saw(&f, "b");
    stream_feed_pass_end(&f);
    saw(&f, "c");
    struct stream_feed_take t;
    stream_feed_take(&f, &t);
    assert_true(t.up);
    assert_true(t.ended);
    assert_true(t.whole);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.ended_n, 2);
    assert_name(&t, 0, "a");
    assert_name(&t, 1, "b");
    assert_name(&t, 2, "c");
    assert_true(t.pass_id > t.ended_id);
    uint64_t ended = t.ended_id, next = t.pass_id;
    stream_feed_take_free(&t);

    stream_feed_take(&f, &t);
    assert_false(t.ended);
    assert_int_equal(t.n, 0);
    assert_true(t.pass_id == next);
    stream_feed_take_free(&t);

    /* the next pass ends: a later id than the first, and only its own names */
    saw(&f, "d");
    stream_feed_pass_end(&f);
    stream_feed_take(&f, &t);
    assert_true(t.ended && t.whole);
    assert_true(t.ended_id == next && t.ended_id > ended);
    assert_int_equal(t.ended_n, 1);
    assert_name(&t, 0, "d");
    stream_feed_take_free(&t);
    stream_feed_done(&f);
}

/* Two passes end between two takes: the names of both count as the last one's, so a stream
 * seen in either is kept (dropping less, never more). */
static void test_two_ends_between_takes(void **state)
{
    (void)state;
    struct stream_feed f;
    stream_feed_init(&f);
    stream_feed_set_up(&f, true);
    saw(&f, "a");
    stream_feed_pass_end(&f);
    saw(&f, "b");
    stream_feed_pass_end(&f);
    struct stream_feed_take t;
    stream_feed_take(&f, &t);
    assert_true(t.ended && t.whole);
    assert_int_equal(t.ended_n, 2);
    assert_int_equal(t.n, 2);
    assert_true(t.pass_id == t.ended_id + 1);
    stream_feed_take_free(&t);
    stream_feed_done(&f);
}

/* A walk that starts over (a reconnect) begins a new pass: the one in progress never ends, so
 * nothing is dropped on its account; the names met stay. */
static void test_restart_is_a_new_pass(void **state)
{
    (void)state;
    struct stream_feed f;
    stream_feed_init(&f);
    stream_feed_set_up(&f, true);
    struct stream_feed_take t;
    stream_feed_take(&f, &t);
    uint64_t first = t.pass_id;
    stream_feed_take_free(&t);
    saw(&f, "a");
    stream_feed_restart(&f);
    stream_feed_take(&f, &t);
    assert_false(t.ended);
    assert_true(t.pass_id > first);
    assert_int_equal(t.n, 1);
    assert_name(&t, 0, "a");
    stream_feed_take_free(&t);
    stream_feed_set_up(&f, false);
    stream_feed_take(&f, &t);
    assert_false(t.up);
    stream_feed_take_free(&t);
    stream_feed_done(&f);
}

/* More names than the feed holds: the pass that lost some is not whole (its end must drop
 * nothing), and the next pass is judged on its own. */
static void test_overflow_is_not_whole(void **state)
{
    (void)state;
    struct stream_feed f;
    stream_feed_init(&f);
    stream_feed_set_up(&f, true);
    char name[32];
    for (int i = 0; i < STREAM_FEED_MAX + 5; i++) {
        snprintf(name, sizeof name, "s:%d", i);
        saw(&f, name);
    }
    stream_feed_pass_end(&f);
    struct stream_feed_take t;
    stream_feed_take(&f, &t);
    assert_true(t.ended);
    assert_false(t.whole);
    assert_int_equal(t.n, STREAM_FEED_MAX);
    stream_feed_take_free(&t);
    saw(&f, "x");
    stream_feed_pass_end(&f);
    stream_feed_take(&f, &t);
    assert_true(t.ended && t.whole);
    assert_int_equal(t.ended_n, 1);
    stream_feed_take_free(&t);
    stream_feed_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_end_splits_names),
        cmocka_unit_test(test_two_ends_between_takes),
        cmocka_unit_test(test_restart_is_a_new_pass),
        cmocka_unit_test(test_overflow_is_not_whole),
    };
    return cmocka_run_group_tests_name("stream_feed", tests, NULL, NULL);
}
