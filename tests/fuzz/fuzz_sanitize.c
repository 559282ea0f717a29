/* libFuzzer: whatever bytes a server sends, sanitize_for_cell's output must be safe for a
 * terminal and fit the columns and buffer it was given. */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tui/sanitize.h"

static void check(const char *out, size_t outsz, int cols, int max_cols)
{
    size_t n = strlen(out);
    if (n >= outsz || cols > max_cols || cols < 0)
        abort();
    const unsigned char *p = (const unsigned char *)out;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            abort();
        if (p[i] == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
            abort();   /* a C1 control in UTF-8 */
    }
    if (!utf8_valid(out, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        setlocale(LC_ALL, "C.UTF-8");
        init = 1;
    }
    if (size < 2)
        return 0;
    int max_cols = data[0] % 100;
    size_t outsz = (size_t)(data[1] % 200) + 1;
    char *out = malloc(outsz);
    for (int utf8 = 0; utf8 < 2; utf8++) {
        int cols = sanitize_for_cell((const char *)data + 2, size - 2, out, outsz, max_cols, utf8);
        check(out, outsz, cols, max_cols);
    }
    free(out);
    return 0;
}
