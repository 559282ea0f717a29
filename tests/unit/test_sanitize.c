/* The sanitizer: nothing from a server may reach the terminal as a control sequence. */
#include <locale.h>
#include <string.h>

#include "cm.h"
#include "../../tui/sanitize.h"

static char out[512];

static int cell(const char *in, size_t len, int cols)
{
    return sanitize_for_cell(in, len, out, sizeof out, cols, true);
}

/* No byte below 0x20, no DEL, no C1 in UTF-8 form may survive. */
static void assert_terminal_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++) {
        assert_true(*p >= 0x20);
        assert_true(*p != 0x7f);
        if (*p == 0xC2)
            assert_false(p[1] >= 0x80 && p[1] <= 0x9F);
    }
}

static void test_plain(void **state)
{
    (void)state;
    assert_int_equal(cell("orders:events", 13, 40), 13);
    assert_string_equal(out, "orders:events");
}

static void test_escape_sequences(void **state)
{
    (void)state;
    const char *k = "evil\x1b[31mred\x1b]0;title\x07\r\n";
    cell(k, strlen(k), 200);
    assert_string_equal(out, "evil\\x1b[31mred\\x1b]0;title\\x07\\x0d\\x0a");
    assert_terminal_safe(out);
}

static void test_nul_and_backslash(void **state)
{
    (void)state;
    cell("a\0b\\c", 5, 40);
    assert_string_equal(out, "a\\x00b\\\\c");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* lone continuation, overlong '/', truncated 3-byte, surrogate */
    const char k[] = "x\x80y\xC0\xAFz\xE2\x82w\xED\xA0\x80";
    cell(k, sizeof k - 1, 200);
    assert_string_equal(out, "x\\x80y\\xc0\\xafz\\xe2\\x82w\\xed\\xa0\\x80");
}

static void test_c1_and_bidi(void **state)
{
    (void)state;
    const char k[] = "a\xC2\x9B" "31m b\xE2\x80\xAE" "cba";   /* 8-bit CSI, RIGHT-TO-LEFT OVERRIDE */
    cell(k, sizeof k - 1, 200);
    assert_string_equal(out, "a\\u{009b}31m b\\u{202e}cba");
    assert_terminal_safe(out);
}

static void test_valid_utf8_kept(void **state)
{
    (void)state;
    const char k[] = "caf\xC3\xA9:\xE9\x98\x9F\xE5\x88\x97";   /* café:队列 (two wide chars) */
    int cols = cell(k, sizeof k - 1, 40);
    assert_string_equal(out, k);
    assert_int_equal(cols, 5 + 4);
}

static void test_truncation(void **state)
{
    (void)state;
    char big[10000];
    memset(big, 'k', sizeof big);
    int cols = cell(big, sizeof big, 20);
    assert_int_equal(cols, 20);
    assert_int_equal(strlen(out), 19 + 3);   /* 19 'k' + the 3-byte ellipsis */
    assert_memory_equal(out + 19, "\xE2\x80\xA6", 3);
    /* an escape is never cut in half */
    cell("ab\x1b", 3, 5);
    assert_string_equal(out, "ab\xE2\x80\xA6");
    /* wide characters do not overflow the cell */
    const char w[] = "\xE9\x98\x9F\xE9\x98\x9F\xE9\x98\x9F";   /* 6 columns */
    cols = cell(w, sizeof w - 1, 4);
    assert_true(cols <= 4);
    /* exactly fitting text is not cut */
    cols = cell("abcde", 5, 5);
    assert_string_equal(out, "abcde");
}

static void test_small_buffer(void **state)
{
    (void)state;
    char tiny[6];
    sanitize_for_cell("\x1b\x1b\x1b", 3, tiny, sizeof tiny, 100, true);
    assert_true(strlen(tiny) < sizeof tiny);
    assert_terminal_safe(tiny);
}

static void test_ascii_locale(void **state)
{
    (void)state;
    sanitize_for_cell("caf\xC3\xA9", 5, out, sizeof out, 40, false);
    assert_string_equal(out, "caf\\xc3\\xa9");
    sanitize_for_cell("abcdefgh", 8, out, sizeof out, 4, false);
    assert_string_equal(out, "abc~");
}

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_true(utf8_valid("plain", 5));
    assert_true(utf8_valid("\xE9\x98\x9F", 3));
    assert_false(utf8_valid("\xFF", 1));
    assert_false(utf8_valid("\xF4\x90\x80\x80", 4));   /* above U+10FFFF */
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "en_US.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_escape_sequences),
        cmocka_unit_test(test_nul_and_backslash),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_c1_and_bidi),
        cmocka_unit_test(test_valid_utf8_kept),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_ascii_locale),
        cmocka_unit_test(test_utf8_valid),
    };
    return cmocka_run_group_tests_name("sanitize", tests, NULL, NULL);
}
