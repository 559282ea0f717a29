/* sparkline.h -- a series of numbers as one line of block characters. */
#ifndef QT_SPARKLINE_H
#define QT_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Renders the last `width` values (fewer when n is smaller) scaled between 0 (or the minimum,
 * when negative values occur) and the maximum, as U+2581..U+2588 (".:-=+*#@" when utf8 is
 * false); NAN renders as a space. out needs 3*width+1 bytes. Returns the columns drawn. */
int sparkline_render(const float *values, size_t n, int width, bool utf8, char *out, size_t outsz);

#endif
