/* draw.h -- the one way the dashboard puts text on the terminal. The views, the header, the
 * status line and help draw through it; none of them calls curses. Everything drawn is
 * sanitized (tui/sanitize.h: nothing from a server reaches the terminal as a control),
 * measured as it will be shown (escapes, wide characters), clipped to its cell and to the
 * surface, and coloured by role (themes/theme.h).
 *
 * Three pieces:
 *   - a surface: the rows of the screen a view owns, and the calls that draw in it;
 *   - a line: a cursor along one row (text added after text, each clipped to what is left);
 *   - a canvas: a scrolled column of lines for views longer than the screen. */
#ifndef QT_DRAW_H
#define QT_DRAW_H

#include <stdbool.h>
#include <stddef.h>

/* Rows [top, top + height) of the screen, width columns. y arguments are screen rows (from
 * top); nothing is drawn outside the surface. */
struct surface {
    void *win;          /* the curses window: only draw.c looks at it */
    int top, height, width;
    bool utf8;          /* the locale shows UTF-8 (else non-ASCII is escaped) */
};

/* The whole terminal (curses' stdscr) as one surface. */
struct surface draw_screen(bool utf8);
/* Rows [top, top + height) of s. */
struct surface draw_sub(const struct surface *s, int top, int height);

/* bytes[0..len) at (y, x) in at most max_cols columns (cut with an ellipsis when longer);
 * returns the columns used. */
int draw_text(const struct surface *s, int y, int x, int max_cols, int role, const char *bytes,
              size_t len);
int draw_str(const struct surface *s, int y, int x, int max_cols, int role, const char *text);
/* text right-aligned to end in a cell of cell_w columns. */
int draw_right(const struct surface *s, int y, int end, int cell_w, int role, const char *text);
/* text over up to max_lines lines of max_cols columns from (y, x), broken at spaces where it
 * can be; an ellipsis ends the last line when even that is not enough (a reason that must be
 * read in full). Returns the lines used. */
int draw_wrapped(const struct surface *s, int y, int x, int max_cols, int max_lines, int role,
                 const char *text);
/* n cells from (y, x) blank in role (a column-header bar, the selected row). */
void draw_fill(const struct surface *s, int y, int x, int n, int role);
/* The whole row y blank in role. */
void draw_bar(const struct surface *s, int y, int role);
/* glyph (one cell wide) n times from (y, x) in role: bars of a chart. */
void draw_repeat(const struct surface *s, int y, int x, int n, int role, const char *glyph);
/* The columns text takes as drawn (escapes and wide characters counted). */
int draw_width(const struct surface *s, const char *text);

/* ---- a line: text after text along one row ------------------------------------------------ */

struct line {
    const struct surface *s;
    int y, col, end;    /* the next column, and the first column it may not reach */
};

/* A line on row y of s from column x, up to (not including) column end. */
struct line line_at(const struct surface *s, int y, int x, int end);
/* Appends text in role, clipped to what is left; returns the columns it took. */
int line_add(struct line *l, int role, const char *text);
/* Appends bytes[0..len) in at most max_cols columns (and what is left). */
int line_addn(struct line *l, int role, const char *bytes, size_t len, int max_cols);
/* Appends printf-style text. */
int line_addf(struct line *l, int role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Moves to column col (never back). */
void line_to(struct line *l, int col);
/* Columns left. */
int line_room(const struct line *l);

/* ---- a canvas: a scrolled column of lines ------------------------------------------------- */

/* Lines are numbered from 0 (line, advanced by the caller) and drawn only when they fall
 * between scroll and scroll + the surface's height. */
struct canvas {
    const struct surface *s;
    int scroll, line;
};

/* The current line is on the surface. */
bool canvas_visible(const struct canvas *c);
/* Its screen row (meaningful when visible). */
int canvas_y(const struct canvas *c);
/* Text at column x on the current line, up to the right edge (the caller advances line). */
void canvas_text(struct canvas *c, int x, int role, const char *text);
/* bytes[0..len) at column x in at most max_cols columns on the current line. */
void canvas_textn(struct canvas *c, int x, int max_cols, int role, const char *bytes, size_t len);
/* A full-width column-header line; advances line. */
void canvas_column(struct canvas *c, const char *text);
/* The current line blank in role (then text over it). */
void canvas_bar(struct canvas *c, int role);
/* Text right-aligned to end within w columns on the current line. */
void canvas_right(struct canvas *c, int end, int w, int role, const char *text);

#endif
