/* sanitize.h -- makes untrusted bytes (key, group and consumer names, server errors) safe to put
 * on a terminal: nothing that comes from a server may move the cursor, change colours or title,
 * or hide text. */
#ifndef QT_SANITIZE_H
#define QT_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Renders in[0..len) as display-safe UTF-8 into out (outsz bytes, always NUL-terminated) using at
 * most max_cols terminal columns (max_cols < 0: no limit but outsz).
 *   - printable ASCII and printable, valid UTF-8 characters pass through;
 *   - a backslash becomes "\\", control bytes and DEL become "\xNN" (ESC is "\x1b");
 *   - invalid UTF-8 bytes become "\xNN" one by one;
 *   - C1 controls, bidi overrides, line/paragraph separators, zero-width and other characters
 *     with no width become "\u{XXXX}";
 *   - when the text does not fit it is cut and ends with "…" ("~" when utf8 is false).
 * With utf8 false (a non-UTF-8 locale) every non-ASCII byte is escaped.
 * Returns the number of columns used. */
int sanitize_for_cell(const char *in, size_t len, char *out, size_t outsz, int max_cols, bool utf8);

/* Decodes one UTF-8 character at s[0..len); returns its byte length and sets *cp, or 0 when the
 * bytes are not a valid, shortest-form, non-surrogate character. */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

/* True when the whole buffer is valid UTF-8. */
bool utf8_valid(const char *s, size_t len);

#endif
