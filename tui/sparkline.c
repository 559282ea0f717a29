/* sparkline.c -- see sparkline.h. */
#include "sparkline.h"

#include <math.h>
#include <string.h>

int sparkline_render(const float *values, size_t n, int width, bool utf8, char *out, size_t outsz)
{
    static const char *blocks[8] = { "\xE2\x96\x81", "\xE2\x96\x82", "\xE2\x96\x83",
                                     "\xE2\x96\x84", "\xE2\x96\x85", "\xE2\x96\x86",
                                     "\xE2\x96\x87", "\xE2\x96\x88" };
    static const char ascii[] = ".:-=+*#@";
    if (outsz == 0)
        return 0;
    out[0] = '\0';
    if (width <= 0 || n == 0)
        return 0;
    size_t take = n < (size_t)width ? n : (size_t)width;
    const float *v = values + (n - take);
    float lo = 0.0f, hi = 0.0f;
    bool any = false;
    for (size_t i = 0; i < take; i++) {
        if (isnan(v[i]))
            continue;
        if (!any || v[i] > hi)
            hi = v[i];
        if (!any || v[i] < lo)
            lo = v[i];
        any = true;
    }
    if (lo > 0.0f)
        lo = 0.0f;
    size_t o = 0;
    int cols = 0;
    for (size_t i = 0; i < take; i++) {
        const char *cell;
        char one[2] = { ' ', '\0' };
        if (isnan(v[i])) {
            cell = " ";
        } else {
            int level = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7.0f + 0.5f) : 0;
            if (level < 0)
                level = 0;
            if (level > 7)
                level = 7;
            if (utf8) {
                cell = blocks[level];
            } else {
                one[0] = ascii[level];
                cell = one;
            }
        }
        size_t len = strlen(cell);
        if (o + len + 1 > outsz)
            break;
        memcpy(out + o, cell, len);
        o += len;
        cols++;
    }
    out[o] = '\0';
    return cols;
}
