/* draw.c -- see draw.h. The only file besides the loop (tui/app.c: modes, input, refresh) that
 * calls curses. */
#include "draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "../themes/theme.h"
#include "sanitize.h"

enum { CELL_MAX = 300 };   /* columns of one piece of text, at most */

struct surface draw_screen(bool utf8)
{
    struct surface s = { stdscr, 0, 0, 0, utf8 };
    getmaxyx(stdscr, s.height, s.width);
    return s;
}

struct surface draw_sub(const struct surface *s, int top, int height)
{
    struct surface sub = *s;
    if (top < s->top)
        top = s->top;
    if (height > s->top + s->height - top)
        height = s->top + s->height - top;
    sub.top = top;
    sub.height = height > 0 ? height : 0;
    return sub;
}

static bool row_ok(const struct surface *s, int y)
{
    return s->win && y >= s->top && y < s->top + s->height;
}

/* max_cols clipped to what is left of the row from x. */
static int clip(const struct surface *s, int x, int max_cols)
{
    int room = s->width - x;   /* never past the right edge: curses would wrap the rest */
    if (max_cols > room)
        max_cols = room;
    return max_cols > CELL_MAX ? CELL_MAX : max_cols;
}

int draw_text(const struct surface *s, int y, int x, int max_cols, int role, const char *bytes,
              size_t len)
{
    char buf[4 * CELL_MAX + 8];
    max_cols = clip(s, x, max_cols);
    if (max_cols <= 0 || x < 0 || !row_ok(s, y))
        return 0;
    int cols = sanitize_for_cell(bytes, len, buf, sizeof buf, max_cols, s->utf8);
    WINDOW *w = s->win;
    wattrset(w, theme_attr((enum role)role));
    mvwaddstr(w, y, x, buf);
    wattrset(w, theme_attr(ROLE_DEFAULT));
    return cols;
}

int draw_str(const struct surface *s, int y, int x, int max_cols, int role, const char *text)
{
    return draw_text(s, y, x, max_cols, role, text, strlen(text));
}

int draw_right(const struct surface *s, int y, int end, int cell_w, int role, const char *text)
{
    char buf[4 * CELL_MAX + 8];
    if (cell_w <= 0)
        return 0;
    if (cell_w > CELL_MAX)
        cell_w = CELL_MAX;
    /* measured as it will be shown (escapes, wide characters), not in bytes */
    int cols = sanitize_for_cell(text, strlen(text), buf, sizeof buf, cell_w, s->utf8);
    return draw_text(s, y, end - cols, cols, role, text, strlen(text));
}

int draw_width(const struct surface *s, const char *text)
{
    char buf[4 * CELL_MAX + 8];
    return sanitize_for_cell(text, strlen(text), buf, sizeof buf, CELL_MAX, s->utf8);
}

/* n cells from (y, x) clipped to the surface: how many remain (0: nothing to draw). */
static int span(const struct surface *s, int y, int x, int n)
{
    if (x < 0 || !row_ok(s, y))
        return 0;
    return n > s->width - x ? s->width - x : n;
}

void draw_fill(const struct surface *s, int y, int x, int n, int role)
{
    if ((n = span(s, y, x, n)) <= 0)
        return;
    WINDOW *w = s->win;
    wattrset(w, theme_attr((enum role)role));
    mvwhline(w, y, x, ' ', n);
    wattrset(w, theme_attr(ROLE_DEFAULT));
}

void draw_bar(const struct surface *s, int y, int role)
{
    draw_fill(s, y, 0, s->width, role);
}

void draw_repeat(const struct surface *s, int y, int x, int n, int role, const char *glyph)
{
    if ((n = span(s, y, x, n)) <= 0)
        return;
    char cell[16];
    /* one cell: a glyph from the caller, but sanitized all the same */
    if (sanitize_for_cell(glyph, strlen(glyph), cell, sizeof cell, 1, s->utf8) != 1)
        return;
    WINDOW *w = s->win;
    wattrset(w, theme_attr((enum role)role));
    for (int i = 0; i < n; i++)
        mvwaddstr(w, y, x + i, cell);
    wattrset(w, theme_attr(ROLE_DEFAULT));
}

/* How many bytes of s[0..len) fit in max_cols columns; *space is set to the offset of the last
 * space among them (0 when none). s is sanitized: printable, valid UTF-8 or ASCII. */
static size_t fit_bytes(const char *s, size_t len, int max_cols, size_t *space)
{
    size_t i = 0;
    int cols = 0;
    *space = 0;
    while (i < len) {
        unsigned cp = (unsigned char)s[i];
        size_t n = 1;
        if (cp >= 0x80) {
            n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
            if (n == 0)
                n = 1;
        }
        int cw = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
        if (cw < 1)
            cw = 1;
        if (cols + cw > max_cols)
            break;
        if (s[i] == ' ')
            *space = i;
        cols += cw;
        i += n;
    }
    return i;
}

int draw_wrapped(const struct surface *s, int y, int x, int max_cols, int max_lines, int role,
                 const char *text)
{
    int room = s->width - x;
    if (max_cols > room)
        max_cols = room;
    if (max_cols < 2 || max_lines <= 0 || x < 0 || !s->win)
        return 0;
    char safe[2048];
    sanitize_for_cell(text, strlen(text), safe, sizeof safe, -1, s->utf8);
    const char *p = safe;
    size_t left = strlen(safe);
    int lines = 0;
    WINDOW *w = s->win;
    wattrset(w, theme_attr((enum role)role));
    while (left > 0 && lines < max_lines) {
        while (left > 0 && *p == ' ') {
            p++;
            left--;
        }
        if (left == 0)
            break;
        size_t space;
        size_t n = fit_bytes(p, left, max_cols, &space);
        bool last = lines == max_lines - 1;
        if (n < left && last) {
            /* the rest does not fit: as much as leaves a column for the ellipsis */
            n = fit_bytes(p, left, max_cols - 1, &space);
            if (row_ok(s, y + lines)) {
                mvwaddnstr(w, y + lines, x, p, (int)n);
                waddstr(w, s->utf8 ? "\xe2\x80\xa6" : "~");
            }
            lines++;
            break;
        }
        if (n < left && space > 0)
            n = space;   /* break at the last space that fits */
        if (row_ok(s, y + lines))
            mvwaddnstr(w, y + lines, x, p, (int)n);
        p += n;
        left -= n;
        lines++;
    }
    wattrset(w, theme_attr(ROLE_DEFAULT));
    return lines;
}

/* ---- a line --------------------------------------------------------------------------------- */

struct line line_at(const struct surface *s, int y, int x, int end)
{
    struct line l = { s, y, x, end < s->width ? end : s->width };
    return l;
}

int line_room(const struct line *l)
{
    return l->end > l->col ? l->end - l->col : 0;
}

int line_addn(struct line *l, int role, const char *bytes, size_t len, int max_cols)
{
    int room = line_room(l);
    if (max_cols > room)
        max_cols = room;
    int n = draw_text(l->s, l->y, l->col, max_cols, role, bytes, len);
    l->col += n;
    return n;
}

int line_add(struct line *l, int role, const char *text)
{
    return line_addn(l, role, text, strlen(text), line_room(l));
}

int line_addf(struct line *l, int role, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return line_add(l, role, buf);
}

void line_to(struct line *l, int col)
{
    if (col > l->col)
        l->col = col < l->end ? col : l->end;
}

/* ---- a canvas ------------------------------------------------------------------------------- */

bool canvas_visible(const struct canvas *c)
{
    int y = c->line - c->scroll;
    return y >= 0 && y < c->s->height;
}

int canvas_y(const struct canvas *c)
{
    return c->s->top + c->line - c->scroll;
}

void canvas_textn(struct canvas *c, int x, int max_cols, int role, const char *bytes, size_t len)
{
    if (canvas_visible(c))
        draw_text(c->s, canvas_y(c), x, max_cols, role, bytes, len);
}

void canvas_text(struct canvas *c, int x, int role, const char *text)
{
    canvas_textn(c, x, c->s->width - x, role, text, strlen(text));
}

void canvas_bar(struct canvas *c, int role)
{
    if (canvas_visible(c))
        draw_bar(c->s, canvas_y(c), role);
}

void canvas_column(struct canvas *c, const char *text)
{
    canvas_bar(c, ROLE_COLUMN);
    canvas_text(c, 0, ROLE_COLUMN, text);
    c->line++;
}

void canvas_right(struct canvas *c, int end, int w, int role, const char *text)
{
    if (canvas_visible(c))
        draw_right(c->s, canvas_y(c), end, w, role, text);
}
